//! The verdict: the status, the reward or when a person decides, the details
//! (the reasons in the shopper's words, each claimed offer's state, the
//! receipt as the provider read it), a reference, and the next step that fits
//! the reason: new photos only where the photo was at fault, otherwise
//! another receipt or a person.
//!
//! The details are drawn by the lens (`widget/lens`'s `outcome.rs`, in a
//! `LensDialog`): seen once, at the end, when the photos have almost always
//! fetched it already, they cost the widget's first load nothing. Where it
//! cannot be had, the reasons are still named.

use std::rc::Rc;

use api::{Outcome, Submission, SubmissionStatus};
use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;
use web::intl;
use yew::prelude::*;

use crate::components::dialog::{LensDialog, OnDialog};
use crate::i18n::fill;
use crate::shared::Shared;

/// What the verdict shows and does.
pub struct VerdictStep<'a> {
    pub submission: &'a Submission,
    /// The proxy's JSON of it.
    pub json: &'a JsValue,
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
pub fn view(shared: &Shared, props: &VerdictStep<'_>) -> Html {
    let locale = &shared.locale;
    let t = locale.t();
    let status = props.submission.status;
    let outcome = props.submission.outcome.as_ref().unwrap_or(&NO_OUTCOME);
    let partly = status == SubmissionStatus::Accepted && outcome.partly_accepted();
    let tone = if partly {
        "warn"
    } else {
        intl::status_tone(status)
    };
    let headline = if partly {
        t.headline_partly()
    } else {
        t.headline(status)
    };
    let rejected = status == SubmissionStatus::Rejected;
    let retake = rejected && outcome.retake_helps();
    let review = (rejected && outcome.review_available()).then(|| {
        let (on_review, id) = (props.on_review.clone(), props.submission.id.clone());
        html! {
            <button type="button" class="rr-button rr-review" onclick={move |_| on_review.emit(id.clone())}>
                { t.ask_review() }
            </button>
        }
    });
    html! {
        <div class="rr-verdict" data-tone={tone} role="status" aria-live="polite">
            <p class="rr-status" tabindex="-1" ref={props.headline.clone()}>{ headline }</p>
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
            { details(shared, props) }
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

/// The outcome's details, drawn by the lens (`OutcomeView`) once it is here,
/// again for a changed verdict (`key`). Where it cannot be had, the
/// reasons' names said here instead: hidden by the stylesheet once the lens
/// has drawn (`.rr-dialog-host:not(:empty) + .rr-fallback`).
fn details(shared: &Shared, props: &VerdictStep<'_>) -> Html {
    let locale = &shared.locale;
    let (submission, status) = (props.submission, props.submission.status);
    let outcome = Reflect::get(props.json, &"outcome".into()).unwrap_or_default();
    let arguments = Array::of5(
        locale.words(),
        &locale.lang.code().into(),
        &locale.tag.as_str().into(),
        &status.as_str().into(),
        &outcome,
    );
    let on: OnDialog = Rc::new(|_, _| {});
    let reasons = submission.outcome.as_ref().map_or(&[][..], |o| &o.reasons);
    let t = locale.t();
    html! {
        <>
            <LensDialog
                key={submission.id.clone() + status.as_str()}
                loader={shared.lens.clone()}
                class="OutcomeView"
                {arguments}
                {on}
            />
            if !reasons.is_empty() {
                <ul class="rr-fallback">
                    { for reasons.iter().map(|r| html! { <li><strong>{ t.why(r.code) }</strong></li> }) }
                </ul>
            }
        </>
    }
}
