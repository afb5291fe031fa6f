//! The upload under way: a real progress bar (bytes sent, from the upload's
//! progress events), what is happening in words, and a cancel button.

use yew::prelude::*;

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
    let percent = props
        .progress
        .filter(|(_, total)| *total > 0.0)
        .map(|(sent, total)| (sent / total * 100.0).clamp(0.0, 100.0).round());
    let words = match (props.offline, percent) {
        (true, _) => {
            "You are offline. Your receipt will be sent as soon as you are back online.".to_owned()
        }
        (false, Some(p)) if p >= 100.0 => "Sent. Saving your receipt…".to_owned(),
        (false, Some(p)) => format!("Sending your receipt… {p}%"),
        (false, None) => "Getting your receipt ready…".to_owned(),
    };
    html! {
        <div class="rr-sending">
            <progress
                class="rr-progress"
                max="100"
                value={percent.unwrap_or(0.0).to_string()}
                aria-label="Upload progress"
            />
            <p class="rr-live" role="status" aria-live="polite">{ words }</p>
            <button type="button" class="rr-button rr-secondary rr-cancel" onclick={props.on_cancel.clone()}>
                { "Cancel" }
            </button>
        </div>
    }
}
