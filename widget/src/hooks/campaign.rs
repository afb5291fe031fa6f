//! [`use_campaign`]: the campaign, its stores and a chosen store's offers.
//!
//! The loader asks for the campaign while the wasm downloads (so the widget
//! renders it at once) and tells a page its origin is not allowed apart from a
//! network failure; the widget gets the answer as [`Loaded`].

use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

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

/// Takes the campaign the loader fetched (or why it could not) when the
/// widget mounts, then loads its stores where it has offers. Returns the
/// callback that chooses a store and loads its offers.
#[hook]
pub fn use_campaign(
    dispatcher: &UseReducerDispatcher<State>,
    base: &AttrValue,
    id: &AttrValue,
    loaded: &Loaded,
) -> Callback<api::Merchant> {
    {
        let (dispatcher, base, id) = (dispatcher.clone(), base.clone(), id.clone());
        use_effect_with(loaded.clone(), move |loaded| {
            let campaign = match &*loaded.0 {
                Ok(campaign) => campaign.clone(),
                Err(problem) => return dispatcher.dispatch(Action::Failed(problem.clone())),
            };
            let offers = campaign.capabilities.offers;
            dispatcher.dispatch(Action::CampaignLoaded(campaign));
            if offers {
                spawn_local(async move {
                    match client::merchants(&base, &id).await {
                        Ok(merchants) => dispatcher.dispatch(Action::MerchantsLoaded(merchants)),
                        Err(e) => dispatcher.dispatch(Action::Failed(e.0)),
                    }
                });
            }
        });
    }
    let (dispatcher, base, campaign) = (dispatcher.clone(), base.clone(), id.clone());
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
}
