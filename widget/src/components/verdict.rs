//! The verdict: the status, the reasons in plain words, each claimed offer's
//! state, the receipt as the provider read it, and the next steps (retake the
//! photos, manual review where the provider allows it, start again).

use api::{Submission, SubmissionStatus};
use yew::prelude::*;

use crate::format;

#[derive(Properties, PartialEq)]
pub struct VerdictProps {
    pub submission: Submission,
    pub on_restart: Callback<MouseEvent>,
    /// Back to the photos, kept as they were, to retake some.
    pub on_retake: Callback<MouseEvent>,
    /// Asks for a manual review of this submission (by id).
    pub on_review: Callback<String>,
}

#[component]
pub fn Verdict(props: &VerdictProps) -> Html {
    let status = props.submission.status;
    let outcome = props.submission.outcome.clone().unwrap_or_default();
    let tone = format::status_tone(status);
    let offers = (!outcome.offers.is_empty()).then(|| {
        html! {
            <ul class="rr-offers" aria-label="Your offers">
                { for outcome.offers.iter().map(|offer| html! {
                    <li class={classes!("rr-offer-outcome", format::status_tone(offer.state))}>
                        <span class="rr-offer-title">{ offer.title.clone().unwrap_or_else(|| offer.offer_id.clone()) }</span>
                        <span class="rr-offer-state">{ format::offer_state(offer.state) }</span>
                        if let (Some(award), SubmissionStatus::Accepted) = (&offer.award, offer.state) {
                            <span class="rr-award">{ award }</span>
                        }
                        if let Some(reason) = &offer.reason {
                            <span class="rr-hint">{ &reason.message }</span>
                        }
                    </li>
                }) }
            </ul>
        }
    });
    let review = (status == SubmissionStatus::Rejected && outcome.review_available()).then(|| {
        let (on_review, id) = (props.on_review.clone(), props.submission.id.clone());
        html! {
            <button type="button" class="rr-button rr-review" onclick={move |_| on_review.emit(id.clone())}>
                { "Ask a person to check my receipt" }
            </button>
        }
    });
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
            { for offers }
            { for receipt }
            if matches!(status, SubmissionStatus::Rejected | SubmissionStatus::Failed) {
                <button type="button" class="rr-button rr-retake" onclick={props.on_retake.clone()}>
                    { "Retake the photos" }
                </button>
            }
            { for review }
            <button
                type="button"
                class={classes!("rr-button", "rr-restart", (status != SubmissionStatus::Accepted).then_some("rr-secondary"))}
                onclick={props.on_restart.clone()}
            >
                { if status == SubmissionStatus::Accepted { "Send another receipt" } else { "Start again" } }
            </button>
        </div>
    }
}
