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

/// A campaign that cannot be served: its provider account is missing (refused
/// already when the configuration loads), or its photo rules do not fit its
/// provider (checked here, where its upload policy is made: the proxy does not
/// start).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::{GOOD, with_secret_file};

    /// The campaigns of a configuration, as the proxy builds them at start.
    fn built(text: &str) -> Result<Campaigns, String> {
        let config = Config::from_toml(text).map_err(|e| e.to_string())?;
        let providers = Providers::new(&config.providers, config.public_url.as_deref())
            .map_err(|e| e.to_string())?;
        Campaigns::new(&config, &providers).map_err(|e| e.to_string())
    }

    #[test]
    fn a_campaign_may_not_take_more_photos_than_its_provider_or_none_without_qr() {
        let (_f, text) = with_secret_file(GOOD);
        // Easypromos takes one image: the widget combines up to four photos.
        let four = text.replace("max_count = 1,", "max_count = 4,");
        assert!(built(&four).is_ok());
        let five = text.replace("max_count = 1,", "max_count = 5,");
        let error = built(&five).unwrap_err().to_string();
        assert!(error.contains("at most 4 photo"), "{error}");
        let blurry = text.replace("max_count = 1,", "max_count = 1, quality = 0,");
        assert!(built(&blurry).is_err());
        let none = text.replace("photos = {", "photos = { min_count = 0,");
        let error = built(&none).unwrap_err().to_string();
        assert!(error.contains("needs a photo"), "{error}");
        // APM takes up to five, and a QR code alone.
        let apm = text
            .replace("kind = \"easypromos\"", "kind = \"apm\"")
            .replace("token =", "api_key =")
            .replace("max_count = 1,", "min_count = 0, max_count = 5,");
        assert!(built(&apm).is_ok());
        let six = apm.replace("max_count = 5,", "max_count = 6,");
        assert!(built(&six).is_err());
    }
}
