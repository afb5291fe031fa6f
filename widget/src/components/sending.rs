//! The upload under way: a real progress bar (bytes sent, from the upload's
//! progress events), what is happening in words, and a cancel button.

use yew::prelude::*;

use crate::i18n::{Text, fill};

/// What the upload step shows: `progress` is the bytes sent and to send, once
/// the upload has started; `offline`, that the upload waits for the network.
/// A view, not a component: it holds no state of its own.
pub fn view(
    t: &Text,
    progress: Option<(f64, f64)>,
    offline: bool,
    on_cancel: Callback<MouseEvent>,
) -> Html {
    let percent = progress
        .filter(|(_, total)| *total > 0.0)
        // A whole percent: formatting an integer keeps float printing out of the bundle.
        .map(|(sent, total)| (sent / total * 100.0).clamp(0.0, 100.0).round() as u32);
    let words = match (offline, percent) {
        (true, _) => t.offline_wait().to_owned(),
        (false, Some(p)) if p >= 100 => t.sent_saving().to_owned(),
        (false, Some(p)) => fill(t.sending_percent(), &[("n", &p.to_string())]),
        (false, None) => t.getting_ready().to_owned(),
    };
    html! {
        <div class="rr-sending">
            <progress
                class="rr-progress"
                max="100"
                value={percent.unwrap_or(0).to_string()}
                aria-label={t.progress_label()}
            />
            <p class="rr-live" role="status" aria-live="polite" data-offline={offline.to_string()}>{ words }</p>
            <button type="button" class="rr-button rr-secondary rr-cancel" onclick={on_cancel}>
                { t.cancel() }
            </button>
        </div>
    }
}
