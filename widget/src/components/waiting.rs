//! The wait for the provider's verdict, announced to screen readers, with the
//! time waited so far and, once it is longer than usual, the word that the
//! shopper may leave: the receipt is stored, and a reload shows its verdict.

use api::SubmissionStatus;
use gloo_timers::callback::Interval;
use yew::prelude::*;

use crate::i18n::{fill, use_locale};

/// After this many seconds the wait is "longer than usual".
const LONGER_THAN_USUAL_S: u32 = 15;

#[derive(Properties, PartialEq)]
pub struct WaitingProps {
    pub status: SubmissionStatus,
}

#[component]
pub fn Waiting(props: &WaitingProps) -> Html {
    let locale = use_locale();
    let t = locale.t();
    let waited = use_state(|| 0u32);
    {
        let set = waited.setter();
        use_effect_with((), move |()| {
            let mut seconds = 0;
            let ticking = Interval::new(1_000, move || {
                seconds += 1;
                set.set(seconds);
            });
            move || drop(ticking)
        });
    }
    let detail = if *waited >= LONGER_THAN_USUAL_S {
        t.taking_longer()
    } else if props.status == SubmissionStatus::Queued {
        t.queued_detail()
    } else {
        t.usually_seconds()
    };
    html! {
        <div class="rr-waiting">
            <div class="rr-spinner" aria-hidden="true"></div>
            <div role="status" aria-live="polite">
                <p class="rr-status">{ t.headline(props.status) }</p>
                <p class="rr-hint">{ detail }</p>
            </div>
            <p class="rr-elapsed" aria-hidden="true">{ fill(t.waited(), &[("n", &waited.to_string())]) }</p>
        </div>
    }
}
