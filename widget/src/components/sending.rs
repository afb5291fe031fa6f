//! The upload under way: a real progress bar (bytes sent, from the upload's
//! progress events), what is happening in words, and a cancel button.

use yew::prelude::*;

use crate::i18n::{fill, use_locale};

#[derive(Properties, PartialEq)]
pub struct SendingProps {
    /// Bytes sent and to send, once the upload has started.
    pub progress: Option<(f64, f64)>,
    /// The phone is offline; the upload waits for the network.
    pub offline: bool,
    pub on_cancel: Callback<MouseEvent>,
}

#[component]
pub fn Sending(props: &SendingProps) -> Html {
    let locale = use_locale();
    let t = locale.t();
    let percent = props
        .progress
        .filter(|(_, total)| *total > 0.0)
        // A whole percent: formatting an integer keeps float printing out of the bundle.
        .map(|(sent, total)| (sent / total * 100.0).clamp(0.0, 100.0).round() as u32);
    let words = match (props.offline, percent) {
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
            <p class="rr-live" role="status" aria-live="polite" data-offline={props.offline.to_string()}>{ words }</p>
            <button type="button" class="rr-button rr-secondary rr-cancel" onclick={props.on_cancel.clone()}>
                { t.cancel() }
            </button>
        </div>
    }
}
