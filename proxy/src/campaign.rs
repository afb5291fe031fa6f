//! The configured campaigns, ready to serve: each with its provider account's
//! adapter and its [`UploadPolicy`], put together once at start.

use std::collections::BTreeMap;

use providers::{Adapter, Providers};

use crate::config::{CampaignConfig, Config};
use crate::policy::UploadPolicy;
use crate::store::{Letter, Notify};

/// One campaign, ready to serve.
#[derive(Debug)]
pub struct Campaign {
    /// Its public id.
    pub id: String,
    pub config: CampaignConfig,
    /// Its provider account's adapter.
    pub adapter: Adapter,
    pub policy: UploadPolicy,
}

/// Every configured campaign, by public id.
#[derive(Debug, Default)]
pub struct Campaigns {
    by_id: BTreeMap<String, Campaign>,
}

/// A campaign that cannot be served: its provider account is missing, or its
/// photo rules do not fit its provider (both refused when the configuration
/// loads; this is for a configuration built another way).
#[derive(Debug, thiserror::Error)]
#[error("campaign {campaign:?}: {why}")]
pub struct CampaignError {
    campaign: String,
    why: String,
}

impl Campaign {
    /// Whether a status change is told to the brand (`notify`), and in
    /// which words (a letter `notify.rs` writes).
    pub fn notify(&self, letter: Letter) -> Notify {
        if self.config.notify.is_some() {
            Notify::Brand(letter)
        } else {
            Notify::Nobody
        }
    }
}

impl Campaigns {
    pub fn new(config: &Config, providers: &Providers) -> Result<Self, CampaignError> {
        let by_id = config
            .campaigns
            .iter()
            .map(|(id, campaign)| {
                let error = |why: String| CampaignError {
                    campaign: id.clone(),
                    why,
                };
                let adapter = providers
                    .get(&campaign.provider)
                    .ok_or_else(|| error(format!("no provider account {:?}", campaign.provider)))?;
                let policy = UploadPolicy::new(&campaign.photos, adapter.abilities)
                    .and_then(|p| p.taking_qr_codes(&campaign.qr_patterns))
                    .map_err(|e| error(e.to_string()))?;
                let ready = Campaign {
                    id: id.clone(),
                    config: campaign.clone(),
                    adapter: adapter.clone(),
                    policy,
                };
                Ok((id.clone(), ready))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { by_id })
    }

    pub fn get(&self, id: &str) -> Option<&Campaign> {
        self.by_id.get(id)
    }
}
