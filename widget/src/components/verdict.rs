//! The verdict: the status, the reasons in the shopper's words (the provider's
//! own text only where a reason has none of ours, marked as theirs), each claimed offer's state, the receipt as the provider
//! read it, a reference, and the next step that fits the reason: new photos
//! only where the photo was at fault, otherwise another receipt or a person.

use api::{Outcome, Submission, SubmissionStatus};
use yew::prelude::*;

use crate::format;
use crate::i18n::{Locale, fill};

/// What the verdict shows and does.
pub struct VerdictStep<'a> {
    pub submission: &'a Submission,
    /// The campaign's reward and when it comes, said on the accepted screen.
    pub reward: (Option<String>, Option<String>),
    /// Working days a manual review takes, where the brand says.
    pub review_days: Option<u32>,
    pub on_restart: Callback<MouseEvent>,
    /// Back to the capture step with no photos, to photograph the receipt again.
    pub on_retake: Callback<MouseEvent>,
    /// Asks for a manual review of this submission (by id).
    pub on_review: Callback<String>,
    /// The headline, which takes the focus where the verdict arrived while
    /// the shopper waited on this page, so keyboards and screen readers are
    /// there (`App`'s `use_focus`).
    pub headline: NodeRef,
}

/// What a verdict without an outcome shows: nothing of one.
static NO_OUTCOME: Outcome = Outcome {
    reasons: Vec::new(),
    receipt: None,
    offers: Vec::new(),
};

/// The verdict: a view, not a component (it holds no state of its own).
pub fn view(locale: &Locale, props: &VerdictStep<'_>) -> Html {
    let t = locale.t();
    let status = props.submission.status;
    let outcome = props.submission.outcome.as_ref().unwrap_or(&NO_OUTCOME);
    let partly = status == SubmissionStatus::Accepted && outcome.partly_accepted();
    let tone = if partly {
        "warn"
    } else {
        format::status_tone(status)
    };
    let headline = if partly {
        t.headline_partly()
    } else {
        t.headline(status)
    };
    let rejected = status == SubmissionStatus::Rejected;
    let retake = rejected && outcome.retake_helps();
    let offers = (!outcome.offers.is_empty()).then(|| {
        html! {
            <ul class="rr-offers" aria-label={t.your_offers()}>
                { for outcome.offers.iter().map(|offer| html! {
                    <li class="rr-offer-outcome" data-tone={format::status_tone(offer.state)}>
                        <span class="rr-offer-title">{ offer.title.clone().unwrap_or_else(|| offer.offer_id.clone()) }</span>
                        <span class="rr-offer-state">{ t.offer_state(offer.state) }</span>
                        if let (Some(award), SubmissionStatus::Accepted) = (&offer.award, offer.state) {
                            <span class="rr-award">{ award }</span>
                        }
                        // Said once: an offer's reason where the receipt's
                        // reasons do not already say it.
                        if let Some(reason) = offer.reason.as_ref()
                            .filter(|r| !outcome.reasons.iter().any(|o| o.code == r.code)) {
                            <span class="rr-hint">{ t.why(reason.code) }</span>
                            if !reason.code.is_specific() && !reason.message.is_empty() {
                                <small class="rr-detail">{ fill(t.provider_says(), &[("text", &reason.message)]) }</small>
                            }
                        }
                    </li>
                }) }
            </ul>
        }
    });
    let review = (rejected && outcome.review_available()).then(|| {
        let (on_review, id) = (props.on_review.clone(), props.submission.id.clone());
        html! {
            <button type="button" class="rr-button rr-review" onclick={move |_| on_review.emit(id.clone())}>
                { t.ask_review() }
            </button>
        }
    });
    let receipt = outcome.receipt.as_ref().map(|r| {
        let currency = r.currency.as_deref();
        let total = r.total.map(|total| format::money(total, currency, &locale.tag));
        html! {
            <dl class="rr-receipt">
                if let Some(store) = &r.store {
                    <dt>{ t.store() }</dt><dd class="rr-store">{ store }</dd>
                }
                if let Some(date) = &r.date {
                    <dt>{ t.date() }</dt>
                    <dd class="rr-date">{ format::receipt_date(date, r.time.as_deref(), &locale.tag) }</dd>
                }
                if let Some(total) = total {
                    <dt>{ t.field_total() }</dt><dd class="rr-total">{ total }</dd>
                }
                if !r.items.is_empty() {
                    <dt>{ t.items() }</dt>
                    <dd>
                        <ul class="rr-items">
                            { for r.items.iter().map(|item| html! {
                                <li>
                                    <span>{ &item.description }</span>
                                    if let Some(total) = item.total {
                                        <span class="rr-amount">{ format::money(total, currency, &locale.tag) }</span>
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
        <div class="rr-verdict" data-tone={tone} role="status" aria-live="polite">
            <p class="rr-status" tabindex="-1" ref={props.headline.clone()}>{ headline }</p>
            if !outcome.reasons.is_empty() {
                <ul class="rr-reasons">
                    { for outcome.reasons.iter().map(|reason| html! {
                        <li>
                            <strong>{ t.why(reason.code) }</strong>
                            // Once a person has it, there is nothing to do.
                            if status != SubmissionStatus::NeedsReview {
                                <span class="rr-hint">{ t.reason_hint(reason.code) }</span>
                            }
                            // The brand's own words in the shopper's
                            // language, where a person gave one of the
                            // campaign's reasons; else the provider's only
                            // where ours are generic, and marked as theirs.
                            if let Some((_, said)) = reason.words.iter().find(|(lang, _)| lang == locale.lang.code()) {
                                <small class="rr-detail rr-brand-says">{ said }</small>
                            } else if !reason.code.is_specific() && !reason.message.is_empty() {
                                <small class="rr-detail">{ fill(t.provider_says(), &[("text", &reason.message)]) }</small>
                            }
                        </li>
                    }) }
                </ul>
            }
            if status == SubmissionStatus::Accepted {
                if let Some(reward) = &props.reward.0 {
                    <p class="rr-reward">{ reward }</p>
                }
                if let Some(when) = &props.reward.1 {
                    <p class="rr-hint">{ when }</p>
                }
            }
            // A person has it, or one of its offers.
            if status == SubmissionStatus::NeedsReview
                || outcome.offers.iter().any(|o| o.state == SubmissionStatus::NeedsReview) {
                if let Some(days) = props.review_days {
                    <p class="rr-hint rr-review-when">{ locale.count(t.review_within(), u64::from(days)) }</p>
                }
            }
            { for offers }
            // What the accepted offers bring, added up where they share a currency.
            if let Some((cents, currency)) = format::award_total(
                outcome.offers.iter()
                    .filter(|o| o.state == SubmissionStatus::Accepted)
                    .filter_map(|o| o.award.as_deref())
            ) {
                <p class="rr-award-total">
                    { fill(t.award_total(), &[("amount", &format::money_cents(cents, currency, &locale.tag))]) }
                </p>
            }
            { for receipt }
            <p class="rr-ref">{ fill(t.reference(), &[("ref", &props.submission.reference())]) }</p>
            if retake {
                <button type="button" class="rr-button rr-retake" onclick={props.on_retake.clone()}>
                    { t.retake() }
                </button>
            }
            { for review }
            if retake {
                <button type="button" class="rr-button rr-restart rr-secondary" onclick={props.on_restart.clone()}>
                    { t.start_again() }
                </button>
            } else {
                <button type="button" class="rr-button rr-restart" onclick={props.on_restart.clone()}>
                    { if status == SubmissionStatus::Failed { t.start_again() } else { t.send_another() } }
                </button>
            }
        </div>
    }
}
