//! [`use_campaign`]: the campaign, its stores and a chosen store's offers.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::client;
use crate::problem::Problem;
use crate::state::{Action, State};

/// Loads the campaign when the widget mounts (or is given another one), then its
/// stores where it has offers. Returns the callback that chooses a store and
/// loads its offers.
#[hook]
pub fn use_campaign(
    dispatcher: &UseReducerDispatcher<State>,
    base: &AttrValue,
    id: &AttrValue,
    lang: &AttrValue,
) -> Callback<api::Merchant> {
    {
        let (dispatcher, base, lang) = (dispatcher.clone(), base.clone(), lang.clone());
        use_effect_with(id.clone(), move |id| {
            let id = id.clone();
            spawn_local(async move {
                let campaign = match client::campaign(&base, &id, &lang).await {
                    Ok(campaign) => campaign,
                    Err(e) => {
                        let problem = explain(&base, &id, e.0).await;
                        return dispatcher.dispatch(Action::Failed(problem));
                    }
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

/// Why campaign `id` could not be had, for the shopper, and for the page's
/// developer in the console: a page whose origin the campaign does not allow
/// looks to the widget like a network failure, so the proxy is asked once more
/// in a way CORS does not hide.
async fn explain(base: &str, id: &str, problem: Problem) -> Problem {
    let said = match problem {
        Problem::Network if client::answers_without_cors(&format!("{base}/healthz")).await => {
            let origin = web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .unwrap_or_default();
            let said = format!(
                "receipt-relay: campaign `{id}` does not allow this page's origin {origin}; add it to the campaign's allowed_origins on the proxy"
            );
            (Problem::NotAvailable, said)
        }
        Problem::Refused(api::ErrorCode::UnknownCampaign) => {
            let said = format!("receipt-relay: the proxy at {base} has no campaign `{id}`");
            (problem, said)
        }
        problem => return problem,
    };
    web_sys::console::error_1(&said.1.into());
    said.0
}
