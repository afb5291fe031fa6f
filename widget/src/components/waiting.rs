//! The wait for the provider's verdict, announced to screen readers, with the
//! time waited so far and, once it is longer than usual, the word that the
//! shopper may leave: the receipt is stored, and a reload shows its verdict.
//! Where the proxy could not reach the provider on its last try (it is down,
//! or refuses the proxy's credentials), it says so at once: the receipt is
//! kept and will be checked by itself. Offline, it says the verdict comes
//! once the phone is back online (the loader marks the host `data-offline`
//! as the browser's `online` and `offline` events say, and the stylesheet
//! shows the note: no listener in the bundle).
//!
//! The seconds count and the switch to "longer than usual" are the
//! stylesheet's (`.rr-elapsed`, `.rr-longer`: CSS animations), not timers: the
//! wait costs the phone no re-render and the bundle no code.

use api::SubmissionStatus;
use yew::prelude::*;

use crate::i18n::Text;

/// The wait at `status`; `delayed` is the proxy's (its last try to reach the
/// provider failed). A view, not a component: it holds no state of its own.
pub fn view(t: &Text, status: SubmissionStatus, delayed: bool) -> Html {
    let usual = if delayed {
        t.delayed_detail()
    } else if status == SubmissionStatus::Queued {
        t.queued_detail()
    } else {
        t.usually_seconds()
    };
    // "{n} s": the stylesheet counts where `{n}` stands. (A `char` pattern:
    // searching for a `&str` would link a substring search into the bundle.)
    let (before, rest) = t.waited().split_once('{').unwrap_or_default();
    let after = rest.split_once('}').map_or("", |(_, after)| after);
    html! {
        <div class="rr-waiting" data-delayed={delayed.then_some("true")}>
            <div class="rr-spinner" aria-hidden="true"></div>
            <div role="status" aria-live="polite">
                <p class="rr-status">{ t.headline(status) }</p>
                <p class="rr-hint rr-usual">{ usual }</p>
                <p class="rr-hint rr-longer">{ t.taking_longer() }</p>
                <p class="rr-hint rr-offline-note">{ t.offline_waiting() }</p>
            </div>
            <p class="rr-elapsed" aria-hidden="true">{ before }<span class="rr-seconds"></span>{ after }</p>
        </div>
    }
}
