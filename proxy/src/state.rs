//! [`AppState`]: what every use case runs with (the configuration, storage,
//! the campaigns and their adapters, the limits and the catalogue), built once
//! at start and shared by the routes, the worker and the background loops.

use std::sync::Arc;

use providers::Providers;
use tokio::sync::Notify;

use crate::campaign::{Campaign, CampaignError, Campaigns};
use crate::catalogue::Catalogue;
use crate::clock::Clock;
use crate::config::Config;
use crate::duplicates::PhotoIndex;
use crate::error::ApiError;
use crate::limits::{RateLimits, UploadBudget};
use crate::metrics;
use crate::store::Db;

/// Everything a request handler or the worker needs.
#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    /// Provider accounts by name (callbacks name their account).
    pub providers: Arc<Providers>,
    /// Campaigns by id, each with its account's adapter and upload policy.
    pub campaigns: Arc<Campaigns>,
    /// Wakes the worker when a submission is stored.
    pub wake: Arc<Notify>,
    /// Per client and per campaign allowances of costly requests.
    pub rate_limits: Arc<RateLimits>,
    /// Upload bytes held in memory at once.
    pub upload_budget: UploadBudget,
    /// The campaigns' stores and offers, as their providers last listed them.
    pub catalogue: Arc<Catalogue>,
    /// The campaigns' photo fingerprints, as this instance last read them.
    pub photo_index: Arc<PhotoIndex>,
}

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Providers(#[from] providers::BuildError),
    #[error(transparent)]
    Campaign(#[from] CampaignError),
}

impl AppState {
    /// Opens the database (running migrations) and builds the provider adapters.
    pub async fn new(config: Config) -> Result<Self, StartError> {
        Self::with_clock(config, Clock::System).await
    }

    /// [`AppState::new`] with its time from `clock` (tests move a manual one).
    pub async fn with_clock(config: Config, clock: Clock) -> Result<Self, StartError> {
        // Installed before anything is counted.
        metrics::handle();
        let db = Db::connect(&config.database_url, clock).await?;
        let providers = Providers::new(&config.providers, config.public_url.as_deref())?;
        let campaigns = Campaigns::new(&config, &providers)?;
        let rate_limits = RateLimits::new(&config.limits, config.campaigns.keys());
        let upload_budget = UploadBudget::new(config.limits.upload_memory_mb);
        Ok(Self {
            rate_limits: Arc::new(rate_limits),
            upload_budget,
            catalogue: Arc::new(Catalogue::default()),
            photo_index: Arc::new(PhotoIndex::default()),
            config: Arc::new(config),
            db,
            providers: Arc::new(providers),
            campaigns: Arc::new(campaigns),
            wake: Arc::new(Notify::new()),
        })
    }

    /// A campaign by its public id; 404 `unknown_campaign` when there is none.
    pub fn campaign(&self, id: &str) -> Result<&Campaign, ApiError> {
        self.campaigns.get(id).ok_or(ApiError::UnknownCampaign)
    }
}
