//! The root component: wires the steps together. The campaign is loaded, then the
//! shopper goes (store -> offers, where the campaign has offers) -> capture ->
//! upload -> waiting -> verdict (-> manual review, where the provider has it).
//! The state is one reducer (`state.rs`); the effects are hooks (`hooks/`);
//! what the steps' views keep between renders (the store search, the
//! verdict's focus) is kept here.

use web_sys::Element;
use yew::prelude::*;

use crate::components::capture::{Capture, CaptureProps};
use crate::components::offer_picker::{self, MerchantPicker, OfferStep};
use crate::components::verdict::{self, VerdictStep};
use crate::components::waiting;
use crate::effects::Reporter;
use crate::hooks::{
    CampaignHook, Loaded, Target, Uploader, action, corners_moving, photo_picking, use_campaign,
    use_draft, use_effects, use_focus, use_upload,
};
use crate::i18n::Locale;
use crate::lens::LensLoader;
use crate::resume::Resume;
use crate::shared::Shared;
use crate::state::{Action, State, Step};

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub campaign: AttrValue,
    /// The proxy's origin.
    pub api_base: AttrValue,
    pub user: Option<AttrValue>,
    /// The shopper's id as the brand signed it, where the campaign asks for one.
    pub user_token: Option<AttrValue>,
    /// The host element, on which the widget's DOM events are dispatched.
    pub host: Element,
    /// The language the widget speaks, and dates and amounts are formatted in.
    pub locale: Locale,
    /// Fetches the QR decoder module when a scan needs it.
    #[prop_or_default]
    pub lens_loader: LensLoader,
    /// The campaign the loader fetched, or why it could not.
    pub loaded: Loaded,
    /// Asks the loader for the campaign again.
    pub reload: Option<js_sys::Function>,
    /// The loader's draft store, which keeps the shopper's draft across reloads.
    pub drafts: wasm_bindgen::JsValue,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let state = use_reducer(State::default);
    use_effects(&state, &props.host);
    let dispatcher = state.dispatcher();
    let CampaignHook {
        choose: on_merchant,
        retry,
    } = use_campaign(
        &dispatcher,
        &props.api_base,
        &props.campaign,
        &props.loaded,
        props.reload.as_ref(),
    );
    let on_pick = photo_picking(&state, &props.api_base, &props.campaign, &props.lens_loader);
    let on_corners = corners_moving(&state, &props.lens_loader);
    let Uploader {
        resume,
        send,
        cancel,
        review,
    } = use_upload(
        &state,
        Target {
            base: props.api_base.clone(),
            campaign: props.campaign.clone(),
            user: props.user.clone(),
            user_token: props.user_token.clone(),
            host: props.host.clone(),
            lens: props.lens_loader.clone(),
        },
    );
    use_draft(&state, &props.drafts, &resume, &on_merchant);
    // The verdict's headline takes the focus where it arrived while the
    // shopper waited on this page.
    let headline = use_focus(u32::from(
        matches!(state.step, Step::Done(..)) && state.sent_here,
    ));
    let store_search = offer_picker::use_store_search();
    let on_change_offers = action(&dispatcher, |_: MouseEvent| Action::ChangeOffers);
    let t = props.locale.t();
    let shared = Shared {
        locale: props.locale.clone(),
        lens: props.lens_loader.clone(),
        reporter: Reporter(props.host.clone()),
    };
    // A problem is said beside what it is about: the capture step places
    // its own; any other is said above the step.
    let in_capture = matches!(state.step, Step::Capture | Step::Sending) && !state.loading();
    let problem = state.error.as_ref().filter(|_| !in_capture);
    let body = match &state.step {
        // Nothing to pick or choose until the campaign's rules are here (a
        // photo picked before would have no rules to be prepared by); if the
        // campaign cannot be had, only the problem above says so.
        Step::Merchant | Step::Offers | Step::Capture if state.campaign.is_none() => {
            if state.error.is_some() {
                html! {}
            } else {
                html! { <div class="rr-loading" aria-busy="true"><div class="rr-spinner"></div></div> }
            }
        }
        Step::Merchant => offer_picker::stores(
            &MerchantPicker {
                shared: &shared,
                merchants: state.merchants.as_deref(),
                on_choose: on_merchant,
            },
            &store_search,
        ),
        Step::Offers => match &state.merchant {
            Some(merchant) => offer_picker::offers(
                t,
                &offer_step(&state, &dispatcher, merchant, on_change_offers),
            ),
            None => html! {},
        },
        Step::Capture | Step::Sending => {
            let picking = Picking {
                on_pick,
                on_corners,
            };
            let props = capture_props(
                shared.clone(),
                &state,
                &dispatcher,
                picking,
                on_change_offers,
                send,
                cancel,
            );
            html! { <Capture ..props /> }
        }
        Step::Waiting {
            status, delayed, ..
        } => waiting::view(t, *status, *delayed),
        Step::Done(submission, json) => {
            let step = verdict_step(
                &state,
                &dispatcher,
                (submission, json),
                &resume,
                review,
                headline,
            );
            verdict::view(&shared, &step)
        }
    };

    html! {
        <section class="rr-card" aria-label={t.card_label()}>
            // The campaign's title in the shopper's language, else the
            // widget's own words (never another language's title).
            if let Some(campaign) = &state.campaign {
                <h2 class="rr-title">
                    { if campaign.title.is_empty() { t.card_label().into() } else { campaign.title.clone() } }
                </h2>
            }
            if let Some(problem) = problem {
                <div class="rr-problem">
                    <p class="rr-error" role="alert">{ props.locale.problem(problem) }</p>
                    // What failed to load may load now: the shopper need
                    // not wait for the next try.
                    if state.loading() && problem.is_transient() {
                        <button type="button" class="rr-button rr-retry" onclick={retry}>
                            { t.retry() }
                        </button>
                    }
                </div>
            }
            { body }
        </section>
    }
}

/// What the offers step shows and does.
fn offer_step<'a>(
    state: &'a State,
    dispatcher: &UseReducerDispatcher<State>,
    merchant: &'a api::Merchant,
    on_back: Callback<MouseEvent>,
) -> OfferStep<'a> {
    OfferStep {
        merchant,
        offers: state.offers.as_deref(),
        claimed: &state.claimed,
        on_set: action(dispatcher, |(id, quantity)| Action::OfferSet(id, quantity)),
        on_back,
        on_continue: action(dispatcher, |_: MouseEvent| Action::OffersConfirmed),
    }
}

/// What the verdict step shows and does: starting again (or retaking the photos) forgets
/// the submission kept for a reload.
fn verdict_step<'a>(
    state: &State,
    dispatcher: &UseReducerDispatcher<State>,
    (submission, json): (&'a api::Submission, &'a wasm_bindgen::JsValue),
    resume: &Resume,
    on_review: Callback<String>,
    headline: NodeRef,
) -> VerdictStep<'a> {
    let campaign = state.campaign.as_ref();
    let (restart, retake) = (resume.clone(), resume.clone());
    VerdictStep {
        submission,
        json,
        reward: campaign
            .map(|c| (c.reward.clone(), c.reward_when.clone()))
            .unwrap_or_default(),
        review_days: campaign.and_then(|c| c.review_days),
        on_restart: action(dispatcher, move |_: MouseEvent| {
            restart.clear();
            Action::Restart
        }),
        on_retake: action(dispatcher, move |_: MouseEvent| {
            retake.clear();
            Action::Retake
        }),
        on_review,
        headline,
    }
}

/// What the capture step does with photos: takes picked ones in, and
/// straightens one again to corners the shopper moved.
struct Picking {
    on_pick: Callback<Vec<web_sys::Blob>>,
    on_corners: Callback<(usize, [f32; 8])>,
}

/// The capture step's props, built whole (`..props`): yew's props builder for
/// this many costs the bundle about 0.3 KB.
fn capture_props(
    shared: Shared,
    state: &State,
    dispatcher: &UseReducerDispatcher<State>,
    picking: Picking,
    on_change_offers: Callback<MouseEvent>,
    on_send: Callback<MouseEvent>,
    on_cancel: Callback<MouseEvent>,
) -> CaptureProps {
    CaptureProps {
        shared,
        claim: state
            .merchant
            .as_ref()
            .map(|m| (AttrValue::from(m.name.clone()), state.claimed.len())),
        photos: state.photos.clone(),
        room: state.room(),
        preparing: state.preparing,
        max: state.max_photos(),
        e_receipts: state
            .campaign
            .as_ref()
            .and_then(|c| crate::e_receipt::taken(&c.photos))
            .is_some(),
        takes_qr: state.campaign.as_ref().is_some_and(|c| c.capabilities.qr),
        either: state
            .campaign
            .as_ref()
            .is_some_and(|c| c.capabilities.qr && c.photos.min_count == 0),
        qr: state.qr.clone(),
        problem: state.error.clone(),
        cancelled: state.cancelled,
        unsent: state.unsent,
        sending: state.step == Step::Sending,
        progress: state.progress,
        offline: state.offline,
        ready: state.ready_to_send(),
        on_pick: picking.on_pick,
        on_corners: picking.on_corners,
        retaking: state.retaking,
        on_remove: action(dispatcher, Action::PhotoRemoved),
        on_retake: action(dispatcher, Action::RetakePhoto),
        on_qr: action(dispatcher, Action::QrSet),
        on_change_offers,
        on_send,
        on_cancel,
    }
}
