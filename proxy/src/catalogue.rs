//! What a campaign offers (its provider's stores and their offers), read
//! from the provider and kept for [`FRESH_FOR`]: `/merchants` and `/offers`
//! answer from it, so a crowd of shoppers (or a script) does not cost a
//! provider call each, and a submission's store and claimed offers are
//! checked against it, so that only what the campaign offers is forwarded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use providers::ProviderError;
use tokio::time::Instant;

use crate::campaign::Campaign;
use crate::error::ApiError;

/// How long a list read from a provider is used before it is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(300);

type Kept<T> = Mutex<HashMap<String, (Instant, Arc<Vec<T>>)>>;

/// The lists read so far, by campaign (and store).
#[derive(Debug, Default)]
pub struct Catalogue {
    merchants: Kept<api::Merchant>,
    /// By `campaign/merchant`; only for stores the merchant list has.
    offers: Kept<api::Offer>,
}

impl Catalogue {
    /// The campaign's stores.
    pub async fn merchants(
        &self,
        campaign: &Campaign,
    ) -> Result<Arc<Vec<api::Merchant>>, ProviderError> {
        if let Some(list) = fresh(&self.merchants, &campaign.id) {
            return Ok(list);
        }
        let account = &campaign.config.provider;
        let listing = campaign.adapter.provider.merchants();
        let list = Arc::new(crate::metrics::provider_call(account, "merchants", listing).await?);
        keep(&self.merchants, campaign.id.clone(), list.clone());
        Ok(list)
    }

    /// The offers at one of the campaign's stores; `None` for a store the
    /// campaign does not have.
    pub async fn offers(
        &self,
        campaign: &Campaign,
        merchant: &str,
    ) -> Result<Option<Arc<Vec<api::Offer>>>, ProviderError> {
        let key = format!("{}/{merchant}", campaign.id);
        if let Some(list) = fresh(&self.offers, &key) {
            return Ok(Some(list));
        }
        if !self
            .merchants(campaign)
            .await?
            .iter()
            .any(|m| m.id == merchant)
        {
            return Ok(None);
        }
        let account = &campaign.config.provider;
        let listing = campaign.adapter.provider.offers(merchant);
        let list = Arc::new(crate::metrics::provider_call(account, "offers", listing).await?);
        keep(&self.offers, key, list.clone());
        Ok(Some(list))
    }

    /// Checks a submission's store and claimed offers against what the
    /// campaign offers. Where the campaign takes no offers, neither may come.
    /// Where the provider cannot be asked just now, they go on unchecked: the
    /// provider checks them again on upload, and the shopper's receipt is not
    /// refused for the provider's outage.
    pub async fn check_claim(
        &self,
        campaign: &Campaign,
        merchant: Option<&str>,
        offers: &[api::ClaimedOffer],
    ) -> Result<(), ApiError> {
        use api::field;
        if !campaign.policy.offers {
            if merchant.is_some() || !offers.is_empty() {
                return Err(ApiError::InvalidField {
                    field: if merchant.is_some() {
                        field::MERCHANT
                    } else {
                        field::OFFERS
                    },
                    message: "This campaign takes no store and no offers.".to_owned(),
                });
            }
            return Ok(());
        }
        let unknown_store = || ApiError::InvalidField {
            field: field::MERCHANT,
            message: "Choose one of the campaign's stores.".to_owned(),
        };
        let merchant = merchant.ok_or_else(unknown_store)?;
        let listed = match self.offers(campaign, merchant).await {
            Ok(Some(listed)) => listed,
            Ok(None) => return Err(unknown_store()),
            Err(error) => {
                tracing::warn!(campaign = %campaign.id, %error, "could not read the offers to check a claim; the provider will");
                return Ok(());
            }
        };
        if let Some(claim) = offers
            .iter()
            .find(|claim| !listed.iter().any(|offer| offer.id == claim.offer_id))
        {
            return Err(ApiError::InvalidField {
                field: field::OFFERS,
                message: format!(
                    "The offer {:?} is not one this store has in the campaign.",
                    claim.offer_id
                ),
            });
        }
        Ok(())
    }
}

fn fresh<T>(kept: &Kept<T>, key: &str) -> Option<Arc<Vec<T>>> {
    let kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
    kept.get(key)
        .filter(|(read, _)| read.elapsed() < FRESH_FOR)
        .map(|(_, list)| list.clone())
}

fn keep<T>(kept: &Kept<T>, key: String, list: Arc<Vec<T>>) {
    kept.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, (Instant::now(), list));
}
