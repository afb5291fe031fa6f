//! The wait for the provider's verdict, announced to screen readers.

use api::SubmissionStatus;
use yew::prelude::*;

use crate::i18n::Locale;

#[derive(Properties, PartialEq)]
pub struct WaitingProps {
    pub status: SubmissionStatus,
}

#[component]
pub fn Waiting(props: &WaitingProps) -> Html {
    let locale = use_context::<Locale>().unwrap_or_default();
    let t = locale.t();
    let detail = match props.status {
        SubmissionStatus::Queued => t.queued_detail(),
        _ => t.usually_seconds(),
    };
    html! {
        <div class="rr-waiting" role="status" aria-live="polite">
            <div class="rr-spinner" aria-hidden="true"></div>
            <p class="rr-status">{ t.headline(props.status) }</p>
            <p class="rr-hint">{ detail }</p>
        </div>
    }
}
