//! The wait for the provider's verdict, announced to screen readers.

use api::SubmissionStatus;
use yew::prelude::*;

use crate::format;

#[derive(Properties, PartialEq)]
pub struct WaitingProps {
    pub status: SubmissionStatus,
}

#[component]
pub fn Waiting(props: &WaitingProps) -> Html {
    let detail = match props.status {
        SubmissionStatus::Queued => {
            "Your receipt is safely with us and is still being processed. You can keep this page open."
        }
        _ => "This usually takes a few seconds.",
    };
    html! {
        <div class="rr-waiting" role="status" aria-live="polite">
            <div class="rr-spinner" aria-hidden="true"></div>
            <p class="rr-status">{ format::status_headline(props.status) }</p>
            <p class="rr-hint">{ detail }</p>
        </div>
    }
}
