//! The root component: loads the campaign, then walks the shopper through
//! (store -> offers, where the campaign has offers) -> capture -> upload ->
//! waiting -> verdict (-> manual review, where the provider has it).

use std::cell::RefCell;
use std::rc::Rc;

use api::SubmissionCreated;
use gloo_timers::future::TimeoutFuture;
use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{AddEventListenerOptions, Blob, CustomEvent, CustomEventInit, Element};
use yew::prelude::*;

use crate::client::{self, SendError, Transfer};
use crate::components::offer_picker::{MerchantPicker, OfferPicker};
use crate::components::photo_picker::PhotoPicker;
use crate::components::qr_entry::QrEntry;
use crate::components::sending::Sending;
use crate::components::verdict::Verdict;
use crate::components::waiting::Waiting;
use crate::i18n::{Locale, Problem};
use crate::photo::{self, Prep};
use crate::scan::QrLoader;
use crate::state::{Action, PickedPhoto, State, Step};

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub campaign: AttrValue,
    /// The proxy's origin.
    pub api_base: AttrValue,
    pub user: Option<AttrValue>,
    /// The host element, on which the widget's DOM events are dispatched.
    pub host: Element,
    /// The language the widget speaks, and dates and amounts are formatted in.
    #[prop_or_default]
    pub locale: Locale,
    /// Fetches the QR decoder module when a scan needs it.
    #[prop_or_default]
    pub qr_loader: QrLoader,
}

/// Longest wait between two status checks.
const MAX_POLL_MS: u32 = 5_000;

#[component]
pub fn App(props: &AppProps) -> Html {
    let state = use_reducer(|| State::new(new_idempotency_key()));

    {
        let dispatcher = state.dispatcher();
        let (base, id) = (props.api_base.clone(), props.campaign.clone());
        use_effect_with(id.clone(), move |_| {
            spawn_local(async move {
                let campaign = match client::campaign(&base, &id).await {
                    Ok(campaign) => campaign,
                    Err(e) => return dispatcher.dispatch(Action::Failed(e.0)),
                };
                let offers = campaign.capabilities.offers;
                dispatcher.dispatch(Action::CampaignLoaded(campaign));
                if offers {
                    match client::merchants(&base, &id).await {
                        Ok(merchants) => dispatcher.dispatch(Action::MerchantsLoaded(merchants)),
                        Err(e) => dispatcher.dispatch(Action::Failed(e.0)),
                    }
                }
            });
        });
    }

    let on_merchant = {
        let dispatcher = state.dispatcher();
        let (base, campaign) = (props.api_base.clone(), props.campaign.clone());
        Callback::from(move |merchant: api::Merchant| {
            let (dispatcher, base, campaign) = (dispatcher.clone(), base.clone(), campaign.clone());
            let id = merchant.id.clone();
            dispatcher.dispatch(Action::MerchantChosen(merchant));
            spawn_local(async move {
                match client::offers(&base, &campaign, &id).await {
                    Ok(offers) => dispatcher.dispatch(Action::OffersLoaded(offers)),
                    Err(e) => dispatcher.dispatch(Action::Failed(e.0)),
                }
            });
        })
    };
    let on_offer_set = {
        let dispatcher = state.dispatcher();
        Callback::from(move |(id, quantity)| dispatcher.dispatch(Action::OfferSet(id, quantity)))
    };
    let on_offers_done = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::OffersConfirmed))
    };
    let on_change_offers = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::ChangeOffers))
    };
    let on_pick = {
        let dispatcher = state.dispatcher();
        let prep = state.campaign.as_ref().map(|c| Prep::from(&c.photos));
        Callback::from(move |files: Vec<Blob>| {
            let Some(prep) = prep else { return };
            if files.is_empty() {
                return;
            }
            dispatcher.dispatch(Action::Preparing(files.len()));
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                for file in files {
                    dispatcher.dispatch(Action::PhotoReady(picked(&file, prep).await));
                }
            });
        })
    };
    let on_remove = {
        let dispatcher = state.dispatcher();
        Callback::from(move |index| dispatcher.dispatch(Action::PhotoRemoved(index)))
    };
    let transfer = use_mut_ref(Transfer::default);
    let on_submit = {
        let state = state.clone();
        let transfer = transfer.clone();
        let props = (
            props.api_base.clone(),
            props.campaign.clone(),
            props.user.clone(),
            props.host.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(campaign) = state.campaign.clone() else {
                return;
            };
            let (base, campaign_id, user, host) = props.clone();
            let blobs: Vec<Blob> = state.photos.iter().map(|p| p.blob.clone()).collect();
            let extras = client::Extras {
                user: user.as_ref().map(ToString::to_string),
                merchant: state.merchant.as_ref().map(|m| m.id.clone()),
                offers: state.claimed.clone(),
                qr: state.qr.clone(),
            };
            let key = state.idempotency_key.clone();
            let dispatcher = state.dispatcher();
            *transfer.borrow_mut() = Transfer::default();
            let transfer = transfer.clone();
            dispatcher.dispatch(Action::Sending);
            spawn_local(async move {
                let blobs = if campaign.capabilities.combine_photos && blobs.len() > 1 {
                    match photo::combine(&blobs, Prep::from(&campaign.photos)).await {
                        Ok(tall) => vec![tall],
                        Err(e) => return dispatcher.dispatch(Action::Failed(e.0)),
                    }
                } else {
                    blobs
                };
                let upload = Upload {
                    base: &base,
                    campaign: &campaign_id,
                    key: &key,
                    photos: &blobs,
                    extras: &extras,
                };
                let created = match upload.send(&dispatcher, &transfer).await {
                    Ok(created) => created,
                    Err(SendError::Cancelled) => return dispatcher.dispatch(Action::Cancelled),
                    Err(SendError::Refused(message)) => {
                        return dispatcher.dispatch(Action::Failed(message));
                    }
                    // The retries ran out: the shopper can press Send again (same key).
                    Err(SendError::Network) => {
                        return dispatcher.dispatch(Action::Failed(Problem::GaveUp));
                    }
                };
                emit(&host, "submitted", &JsValue::from_str(&created.id));
                let (id, mut delay) = (created.id.clone(), created.poll_after_ms.max(250));
                dispatcher.dispatch(Action::Created(created));
                follow(&base, &id, &mut delay, &dispatcher, &host).await;
            });
        })
    };
    let on_qr = {
        let dispatcher = state.dispatcher();
        Callback::from(move |qr| dispatcher.dispatch(Action::QrSet(qr)))
    };
    let on_cancel = {
        let transfer = transfer.clone();
        Callback::from(move |_: MouseEvent| transfer.borrow_mut().cancel())
    };
    let on_retake = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(Action::Retake(new_idempotency_key()))
        })
    };
    let on_review = {
        let dispatcher = state.dispatcher();
        let (base, host) = (props.api_base.clone(), props.host.clone());
        Callback::from(move |id: String| {
            let (dispatcher, base, host) = (dispatcher.clone(), base.clone(), host.clone());
            spawn_local(async move {
                match client::review(&base, &id).await {
                    Ok((submission, json)) => {
                        emit(&host, "result", &json);
                        dispatcher.dispatch(Action::Updated(submission));
                    }
                    Err(e) => dispatcher.dispatch(Action::Failed(e.0)),
                }
            });
        })
    };
    let on_restart = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(Action::Restart(new_idempotency_key()));
        })
    };

    let locale = &props.locale;
    let t = locale.t();
    let title = state
        .campaign
        .as_ref()
        .map_or_else(String::new, |c| c.title.clone());
    let body = match &state.step {
        Step::Merchant => html! {
            <MerchantPicker merchants={state.merchants.clone()} on_choose={on_merchant} />
        },
        Step::Offers => match &state.merchant {
            Some(merchant) => html! {
                <OfferPicker
                    merchant={merchant.clone()}
                    offers={state.offers.clone()}
                    claimed={state.claimed.clone()}
                    on_set={on_offer_set}
                    on_back={on_change_offers.clone()}
                    on_continue={on_offers_done}
                />
            },
            None => html! {},
        },
        Step::Capture | Step::Sending => {
            let sending = state.step == Step::Sending;
            let summary = state.merchant.as_ref().map(|m| {
                let offers = locale.count(t.count_offers(), state.claimed.len() as u64);
                html! {
                    <p class="rr-summary">
                        { format!("{} · {offers}", m.name) }
                        <button type="button" class="rr-link rr-change" disabled={sending} onclick={on_change_offers.clone()}>
                            { t.change() }
                        </button>
                    </p>
                }
            });
            html! {
                <>
                    { for summary }
                    <PhotoPicker
                        photos={state.photos.clone()}
                        room={state.room()}
                        preparing={state.preparing}
                        max={state.max_photos()}
                        disabled={sending}
                        {on_pick}
                        {on_remove}
                    />
                    if state.campaign.as_ref().is_some_and(|c| c.capabilities.qr) {
                        <QrEntry
                            qr={state.qr.clone()}
                            disabled={sending}
                            on_set={on_qr}
                        />
                    }
                    if sending {
                        <Sending progress={state.progress} offline={state.offline} {on_cancel} />
                    } else {
                        <button
                            class="rr-button rr-submit"
                            type="button"
                            disabled={!state.ready_to_send()}
                            onclick={on_submit}
                        >
                            { t.send() }
                        </button>
                    }
                </>
            }
        }
        Step::Waiting { status, .. } => html! { <Waiting status={*status} /> },
        Step::Done(submission) => html! {
            <Verdict submission={submission.clone()} {on_restart} {on_retake} {on_review} />
        },
    };

    html! {
        <ContextProvider<Locale> context={locale.clone()}>
        <ContextProvider<QrLoader> context={props.qr_loader.clone()}>
        <section class="rr-card" aria-label={t.card_label()}>
            if !title.is_empty() {
                <h2 class="rr-title">{ title }</h2>
            }
            { body }
            if state.cancelled {
                <p class="rr-notice" role="status">{ t.cancelled() }</p>
            }
            if let Some(problem) = &state.error {
                <p class="rr-error" role="alert">{ locale.problem(problem) }</p>
            }
        </section>
        </ContextProvider<QrLoader>>
        </ContextProvider<Locale>>
    }
}

/// Prepares one picked file for upload, with its preview.
async fn picked(file: &Blob, prep: Prep) -> Result<PickedPhoto, Problem> {
    let prepared = photo::prepare(file, prep).await.map_err(|e| e.0)?;
    let preview_url = web_sys::Url::create_object_url_with_blob(&prepared.blob)
        .map_err(|_| Problem::PreviewFailed)?;
    Ok(PickedPhoto {
        blob: prepared.blob,
        preview_url,
        hints: prepared.hints,
    })
}

/// Attempts on a connection that is up but failing, before giving up.
const MAX_ATTEMPTS: u32 = 4;

/// One upload, retried on network loss with the same idempotency key (so the
/// proxy never makes a second submission of it), and held while the phone is
/// offline until it is back.
struct Upload<'a> {
    base: &'a str,
    campaign: &'a str,
    key: &'a str,
    photos: &'a [Blob],
    extras: &'a client::Extras,
}

impl Upload<'_> {
    async fn send(
        &self,
        dispatcher: &UseReducerDispatcher<State>,
        transfer: &Rc<RefCell<Transfer>>,
    ) -> Result<SubmissionCreated, SendError> {
        let (mut failures, mut delay) = (0, 1_000);
        loop {
            if !online() {
                dispatcher.dispatch(Action::Offline(true));
                pause(transfer, Wake::Online).await;
                dispatcher.dispatch(Action::Offline(false));
            }
            if transfer.borrow().cancelled {
                return Err(SendError::Cancelled);
            }
            let progress = dispatcher.clone();
            let result = client::submit(
                self.base,
                self.campaign,
                self.key,
                self.photos,
                self.extras,
                move |sent, total| progress.dispatch(Action::Progress(sent, total)),
                transfer,
            )
            .await;
            match result {
                // Lost while going offline: wait for the network, then resend.
                Err(SendError::Network) if !online() => {}
                Err(SendError::Network) if failures + 1 < MAX_ATTEMPTS => {
                    failures += 1;
                    pause(transfer, Wake::After(delay)).await;
                    delay *= 2;
                }
                other => return other,
            }
        }
    }
}

fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// What ends a pause of the upload (besides the shopper's cancel).
#[derive(Clone, Copy)]
enum Wake {
    /// The browser is online again.
    Online,
    /// A retry pause of this many milliseconds is over.
    After(u32),
}

/// Waits for `wake`, or until the shopper cancels: a cancel takes effect at once,
/// whatever the upload is waiting for.
async fn pause(transfer: &Rc<RefCell<Transfer>>, wake: Wake) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let done = Promise::new(&mut |resolve, _| {
        match wake {
            Wake::Online => {
                let options = AddEventListenerOptions::new();
                options.set_once(true);
                let _ = window.add_event_listener_with_callback_and_add_event_listener_options(
                    "online", &resolve, &options,
                );
            }
            Wake::After(ms) => {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                    &resolve,
                    i32::try_from(ms).unwrap_or(i32::MAX),
                );
            }
        }
        transfer.borrow_mut().on_cancel = Some(resolve);
    });
    let _ = JsFuture::from(done).await;
    transfer.borrow_mut().on_cancel = None;
}

/// Polls the submission until its status is final, backing off gently. Network
/// errors are retried: the proxy keeps the submission whatever happens here.
async fn follow(
    base: &str,
    id: &str,
    delay: &mut u32,
    dispatcher: &UseReducerDispatcher<State>,
    host: &Element,
) {
    loop {
        TimeoutFuture::new(*delay).await;
        match client::submission(base, id).await {
            Ok((submission, json)) => {
                let done = submission.status.is_final();
                if done {
                    emit(host, "result", &json);
                }
                dispatcher.dispatch(Action::Updated(submission));
                if done {
                    return;
                }
                *delay = (*delay + *delay / 2).min(MAX_POLL_MS);
            }
            // A failed check backs off faster than a pending answer.
            Err(_) => *delay = (*delay * 2).min(MAX_POLL_MS),
        }
    }
}

/// Dispatches a DOM event on the host element, for the host page's scripts.
fn emit(host: &Element, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_detail(detail);
    init.set_bubbles(true);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

/// A fresh key for one upload attempt (kept across retries of that attempt).
fn new_idempotency_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("{:x}", (js_sys::Math::random() * 1e16) as u64))
}
