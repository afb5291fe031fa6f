//! The verdict: the status, the reasons in plain words, the receipt as the
//! provider read it, and the next step.

use api::{Submission, SubmissionStatus};
use yew::prelude::*;

use crate::format;

#[derive(Properties, PartialEq)]
pub struct VerdictProps {
    pub submission: Submission,
    pub on_restart: Callback<MouseEvent>,
}

#[component]
pub fn Verdict(props: &VerdictProps) -> Html {
    let status = props.submission.status;
    let outcome = props.submission.outcome.clone().unwrap_or_default();
    let tone = match status {
        SubmissionStatus::Accepted => "rr-ok",
        SubmissionStatus::NeedsReview => "rr-warn",
        _ => "rr-bad",
    };
    let receipt = outcome.receipt.as_ref().map(|r| {
        let total = r.total.map(|t| format::amount(t, r.currency.as_deref()));
        html! {
            <dl class="rr-receipt">
                if let Some(store) = &r.store {
                    <dt>{ "Store" }</dt><dd class="rr-store">{ store }</dd>
                }
                if let Some(date) = &r.date {
                    <dt>{ "Date" }</dt>
                    <dd class="rr-date">{ date }{ r.time.as_ref().map(|t| format!(" {t}")) }</dd>
                }
                if let Some(total) = total {
                    <dt>{ "Total" }</dt><dd class="rr-total">{ total }</dd>
                }
                if !r.items.is_empty() {
                    <dt>{ "Items" }</dt>
                    <dd>
                        <ul class="rr-items">
                            { for r.items.iter().map(|item| html! {
                                <li>
                                    <span>{ &item.description }</span>
                                    if let Some(t) = item.total {
                                        <span class="rr-amount">{ format::amount(t, None) }</span>
                                    }
                                </li>
                            }) }
                        </ul>
                    </dd>
                }
            </dl>
        }
    });
    html! {
        <div class={classes!("rr-verdict", tone)} role="status" aria-live="polite">
            <p class="rr-status">{ format::status_headline(status) }</p>
            if !outcome.reasons.is_empty() {
                <ul class="rr-reasons">
                    { for outcome.reasons.iter().map(|reason| html! {
                        <li>
                            <strong>{ &reason.message }</strong>
                            <span class="rr-hint">{ format::reason_hint(reason.code) }</span>
                        </li>
                    }) }
                </ul>
            }
            { for receipt }
            <button type="button" class="rr-button rr-restart" onclick={props.on_restart.clone()}>
                { if status == SubmissionStatus::Accepted { "Send another receipt" } else { "Try again" } }
            </button>
        </div>
    }
}
