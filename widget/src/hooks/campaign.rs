//! [`use_campaign`]: the campaign, its stores and a chosen store's offers.
//!
//! The loader asks for the campaign while the wasm downloads (so the widget
//! renders it at once) and tells a page its origin is not allowed apart from a
//! network failure; the widget gets the answer as [`Loaded`]. A failure that
//! may pass (no network, the server restarting) is not the end: the widget
//! says so with a button to try again, and tries again by itself, backing off
//! (2 s, 4 s, … 30 s) and as soon as the browser is back online.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use yew::prelude::*;

use super::pause;
use crate::client;
use crate::problem::Problem;
use crate::state::{Action, State};

/// The campaign as the loader fetched it, or why it could not be had. Equal
/// only to itself: one mount's answer never changes, and comparing campaigns
/// field by field would cost the bundle for nothing.
#[derive(Clone)]
pub struct Loaded(pub Rc<Result<api::Campaign, Problem>>);

impl PartialEq for Loaded {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What the campaign hook gives the app.
pub struct CampaignHook {
    /// Chooses a store and loads its offers.
    pub choose: Callback<api::Merchant>,
    /// Tries again at once to load what could not be loaded.
    pub retry: Callback<MouseEvent>,
}

/// Where the campaign comes from.
#[derive(Clone)]
struct Source {
    base: AttrValue,
    id: AttrValue,
    /// The loader's `reload`: the campaign asked for again, as the loader
    /// first asked for it.
    reload: Option<Function>,
    dispatcher: UseReducerDispatcher<State>,
    /// Ends the wait before the next try (the retry button).
    wake: Rc<RefCell<Option<Function>>>,
    /// The shopper pressed the retry button since the last failure was shown.
    retried: Rc<Cell<bool>>,
    /// The widget was unmounted: no more tries.
    stopped: Rc<Cell<bool>>,
}

/// Takes the campaign the loader fetched (or why it could not) when the
/// widget mounts, then loads its stores where it has offers; what failed
/// for a reason that may pass is tried again.
#[hook]
pub fn use_campaign(
    dispatcher: &UseReducerDispatcher<State>,
    base: &AttrValue,
    id: &AttrValue,
    loaded: &Loaded,
    reload: Option<&Function>,
) -> CampaignHook {
    let wake = use_mut_ref(|| None::<Function>);
    let retried = use_memo((), |()| Rc::new(Cell::new(false)));
    {
        let source = Source {
            base: base.clone(),
            id: id.clone(),
            reload: reload.cloned(),
            dispatcher: dispatcher.clone(),
            wake: wake.clone(),
            retried: (*retried).clone(),
            stopped: Rc::new(Cell::new(false)),
        };
        use_effect_with(loaded.clone(), move |loaded| {
            let first = (*loaded.0).clone();
            let stopped = source.stopped.clone();
            spawn_local(source.load(first));
            move || stopped.set(true)
        });
    }
    let retry = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |_: MouseEvent| {
            retried.set(true);
            dispatcher.dispatch(Action::Retrying);
            if let Some(wake) = wake.borrow_mut().take() {
                let _ = wake.call0(&JsValue::NULL);
            }
        })
    };
    let (dispatcher, base, campaign) = (dispatcher.clone(), base.clone(), id.clone());
    let choose = Callback::from(move |merchant: api::Merchant| {
        let (dispatcher, base, campaign) = (dispatcher.clone(), base.clone(), campaign.clone());
        let id = merchant.id.clone();
        dispatcher.dispatch(Action::MerchantChosen(merchant));
        spawn_local(async move {
            match client::offers(&base, &campaign, &id).await {
                Ok(offers) => dispatcher.dispatch(Action::OffersLoaded(offers)),
                Err(e) => dispatcher.dispatch(Action::Failed(e.0)),
            }
        });
    });
    CampaignHook { choose, retry }
}

impl Source {
    /// The campaign (starting from the loader's answer), then its stores
    /// where it has offers. A failure is shown (with the retry button) when
    /// it is new or follows the shopper's retry, not at every try of the
    /// backoff; one that cannot pass ends the loading, as does unmounting.
    async fn load(self, first: Result<api::Campaign, Problem>) {
        let mut first = Some(first);
        // `None` until the campaign is here; then whether its stores are
        // still to be had.
        let mut stores = None::<bool>;
        let (mut delay, mut shown) = (2_000, None::<Problem>);
        loop {
            let now = stores;
            let result = match now {
                None => {
                    let campaign = match first.take() {
                        Some(campaign) => campaign,
                        None => self.reload().await,
                    };
                    campaign.map(|campaign| {
                        stores = Some(campaign.capabilities.offers);
                        self.dispatcher.dispatch(Action::CampaignLoaded(campaign));
                    })
                }
                Some(true) => client::merchants(&self.base, &self.id)
                    .await
                    .map_err(|e| e.0)
                    .map(|merchants| {
                        stores = Some(false);
                        self.dispatcher.dispatch(Action::MerchantsLoaded(merchants));
                    }),
                Some(false) => return,
            };
            let Err(problem) = result else { continue };
            let transient = problem.is_transient();
            if shown.as_ref() != Some(&problem) || self.retried.replace(false) {
                shown = Some(problem.clone());
                self.dispatcher.dispatch(Action::Failed(problem));
            }
            if !transient {
                return;
            }
            pause(Some(delay), true, |wake| {
                *self.wake.borrow_mut() = Some(wake.clone());
            })
            .await;
            self.wake.borrow_mut().take();
            if self.stopped.get() {
                return;
            }
            delay = (delay * 2).min(30_000);
        }
    }

    /// The campaign asked for again through the loader (which tells a
    /// network failure from a refused origin); without one, no network.
    async fn reload(&self) -> Result<api::Campaign, Problem> {
        let promise = self
            .reload
            .as_ref()
            .and_then(|reload| reload.call0(&JsValue::NULL).ok())
            .and_then(|answer| answer.dyn_into::<js_sys::Promise>().ok())
            .ok_or(Problem::Network)?;
        let answer = JsFuture::from(promise)
            .await
            .map_err(|_| Problem::Network)?;
        client::loaded(&answer)
    }
}
