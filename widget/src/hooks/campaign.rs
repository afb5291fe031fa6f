//! [`use_campaign`]: the campaign, its stores and a chosen store's offers.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::client;
use crate::state::{Action, State};

/// Loads the campaign when the widget mounts (or is given another one), then its
/// stores where it has offers. Returns the callback that chooses a store and
/// loads its offers.
#[hook]
pub fn use_campaign(
    dispatcher: &UseReducerDispatcher<State>,
    base: &AttrValue,
    id: &AttrValue,
) -> Callback<api::Merchant> {
    {
        let (dispatcher, base) = (dispatcher.clone(), base.clone());
        use_effect_with(id.clone(), move |id| {
            let id = id.clone();
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
