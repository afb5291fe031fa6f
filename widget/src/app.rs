//! The root component: loads the campaign, then walks the shopper through
//! (store -> offers, where the campaign has offers) -> capture -> upload ->
//! waiting -> verdict (-> manual review, where the provider has it).

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::{CustomEvent, CustomEventInit, Element};
use yew::prelude::*;

use crate::client;
use crate::components::offer_picker::{MerchantPicker, OfferPicker};
use crate::components::photo_picker::PhotoPicker;
use crate::components::verdict::Verdict;
use crate::components::waiting::Waiting;
use crate::state::{Action, State, Step};

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub campaign: AttrValue,
    /// The proxy's origin.
    pub api_base: AttrValue,
    pub user: Option<AttrValue>,
    /// The host element, on which the widget's DOM events are dispatched.
    pub host: Element,
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
    let on_add = {
        let dispatcher = state.dispatcher();
        Callback::from(move |photos| dispatcher.dispatch(Action::PhotosAdded(photos)))
    };
    let on_remove = {
        let dispatcher = state.dispatcher();
        Callback::from(move |index| dispatcher.dispatch(Action::PhotoRemoved(index)))
    };
    let on_submit = {
        let state = state.clone();
        let props = (
            props.api_base.clone(),
            props.campaign.clone(),
            props.user.clone(),
            props.host.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (base, campaign, user, host) = props.clone();
            let files: Vec<_> = state.photos.iter().map(|p| p.file.clone()).collect();
            let extras = client::Extras {
                user: user.as_ref().map(ToString::to_string),
                merchant: state.merchant.as_ref().map(|m| m.id.clone()),
                offers: state.claimed.clone(),
            };
            let key = state.idempotency_key.clone();
            let dispatcher = state.dispatcher();
            dispatcher.dispatch(Action::Sending);
            spawn_local(async move {
                let created = match client::submit(&base, &campaign, &key, &files, &extras).await {
                    Ok(created) => created,
                    Err(e) => return dispatcher.dispatch(Action::Failed(e.0)),
                };
                emit(&host, "submitted", &JsValue::from_str(&created.id));
                let (id, mut delay) = (created.id.clone(), created.poll_after_ms.max(250));
                dispatcher.dispatch(Action::Created(created));
                follow(&base, &id, &mut delay, &dispatcher, &host).await;
            });
        })
    };
    let on_review = {
        let dispatcher = state.dispatcher();
        let (base, host) = (props.api_base.clone(), props.host.clone());
        Callback::from(move |id: String| {
            let (dispatcher, base, host) = (dispatcher.clone(), base.clone(), host.clone());
            spawn_local(async move {
                match client::review(&base, &id).await {
                    Ok(submission) => {
                        if let Ok(detail) = serde_wasm_bindgen::to_value(&submission) {
                            emit(&host, "result", &detail);
                        }
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
            let max_bytes = state.campaign.as_ref().map_or(0, |c| c.photos.max_bytes);
            let summary = state.merchant.as_ref().map(|m| {
                let count = state.claimed.len();
                let offers = if count == 1 { "1 offer".to_owned() } else { format!("{count} offers") };
                html! {
                    <p class="rr-summary">
                        { format!("{} · {offers}", m.name) }
                        <button type="button" class="rr-link rr-change" disabled={sending} onclick={on_change_offers.clone()}>
                            { "Change" }
                        </button>
                    </p>
                }
            });
            html! {
                <>
                    { for summary }
                    <PhotoPicker
                        photos={state.photos.clone()}
                        max={state.max_photos()}
                        {max_bytes}
                        disabled={sending}
                        {on_add}
                        {on_remove}
                    />
                    <button
                        class="rr-button rr-submit"
                        type="button"
                        disabled={sending || state.photos.is_empty() || state.campaign.is_none()}
                        onclick={on_submit}
                    >
                        { if sending { "Sending…" } else { "Send receipt" } }
                    </button>
                </>
            }
        }
        Step::Waiting { status, .. } => html! { <Waiting status={*status} /> },
        Step::Done(submission) => html! {
            <Verdict submission={submission.clone()} {on_restart} {on_review} />
        },
    };

    html! {
        <section class="rr-card" aria-label="Receipt upload">
            if !title.is_empty() {
                <h2 class="rr-title">{ title }</h2>
            }
            { body }
            if let Some(error) = &state.error {
                <p class="rr-error" role="alert">{ error.clone() }</p>
            }
        </section>
    }
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
            Ok(submission) => {
                let done = submission.status.is_final();
                if done && let Ok(detail) = serde_wasm_bindgen::to_value(&submission) {
                    emit(host, "result", &detail);
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
