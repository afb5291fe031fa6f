//! The receipt providers' adapters, each behind the one [`Provider`] trait.
//!
//! An adapter turns a stored submission into the provider's request, and the
//! provider's answers into the normalized [`Verdict`]. This crate knows neither
//! the HTTP server nor the database: the proxy hands it an [`OutgoingReceipt`]
//! and the headers and body of a callback, and gets back verdicts and
//! [`ProviderError`]s.
//!
//! Adding a provider is one new module here (its configuration type with its
//! [`Kind`], its adapter, its outcome table), one line in [`registry`]'s list,
//! and its simulator in `sandbox/`.

pub mod aboutgoods;
pub mod apm;
pub mod bitlabs;
pub mod delivery;
pub mod easypromos;
mod error;
pub mod kind;
pub mod outcomes;
mod photo;
pub mod photon;
pub mod registry;
mod secret;

use api::{Outcome, SubmissionStatus};
use async_trait::async_trait;

pub use crate::delivery::{CallbackError, Callbacks, CallbacksConfig, Delivery};
pub use crate::error::{Alert, Meaning, ProviderError, Retry};
pub use crate::kind::{Abilities, Account, BuildError, Kind};
pub use crate::photo::{MediaType, Photo};
pub use crate::registry::{Adapter, ProviderConfig, Providers};
pub use crate::secret::Secret;

/// What an adapter needs to forward one submission.
#[derive(Debug, Clone)]
pub struct OutgoingReceipt {
    /// Our submission id (unique; some providers want a unique name).
    pub submission_id: String,
    /// The campaign id, for log lines.
    pub campaign: String,
    /// The campaign's locale: `fr-FR`, or a language alone (`fr`).
    pub locale: String,
    pub photos: Vec<Photo>,
    pub qr: Option<String>,
    pub merchant: Option<String>,
    /// The shopper's id on the host site, where the page gave one.
    pub user: Option<String>,
    pub offers: Vec<api::ClaimedOffer>,
}

impl OutgoingReceipt {
    /// The first photo, for providers that take one image per receipt.
    pub fn first_photo(&self) -> Result<&Photo, ProviderError> {
        self.photos.first().ok_or_else(|| ProviderError::Refused {
            status: 400,
            message: "no photo to send".to_owned(),
        })
    }
}

/// A normalized verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: SubmissionStatus,
    pub outcome: Outcome,
}

/// Where the provider is with a receipt.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Still reading it; ask again later.
    Pending,
    /// Boxed: a verdict is large and most answers are `Pending`.
    Done(Box<Verdict>),
}

/// One receipt provider.
#[async_trait]
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// Forwards a receipt. Returns the provider's reference for it and, for
    /// providers that answer at once, the verdict.
    async fn submit(&self, receipt: &OutgoingReceipt) -> Result<(String, Progress), ProviderError>;

    /// Asks the provider where it is with the receipt `reference`.
    async fn poll(&self, reference: &str) -> Result<Progress, ProviderError>;

    /// Checks whether the provider can work with a photo, before it is submitted
    /// ([`Abilities::quality_check`]).
    async fn check_quality(&self, _photo: &Photo) -> Result<api::QualityCheck, ProviderError> {
        Err(ProviderError::Unsupported("check a photo's quality"))
    }

    /// The merchants a shopper picks from ([`Abilities::offers`]).
    async fn merchants(&self) -> Result<Vec<api::Merchant>, ProviderError> {
        Err(ProviderError::Unsupported("list merchants"))
    }

    /// The offers a shopper may claim at a merchant ([`Abilities::offers`]).
    async fn offers(&self, _merchant: &str) -> Result<Vec<api::Offer>, ProviderError> {
        Err(ProviderError::Unsupported("list offers"))
    }

    /// Asks for a person to look again at the offers of a rejected receipt that
    /// allow it ([`Abilities::manual_review`]). `reference` is the provider's
    /// reference for the receipt; `outcome` the verdict being appealed.
    async fn request_review(
        &self,
        _reference: &str,
        _outcome: &Outcome,
    ) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported("request a manual review"))
    }

    /// How this account's results come back. With [`Delivery::Callbacks`],
    /// the worker polls only as a slow safety net for a lost callback.
    fn delivery(&self) -> &Delivery {
        &delivery::POLLING
    }

    /// Reads a callback's body, once the callback is proven authentic by the
    /// account's [`Callbacks::authenticate`]: the reference it is about and
    /// where that receipt is. Only asked of accounts with callbacks.
    fn read_callback(&self, _body: &[u8]) -> Result<(String, Progress), CallbackError> {
        Err(CallbackError::Malformed(
            "this account takes no callbacks".to_owned(),
        ))
    }
}

/// Sends a request and decodes a 2xx JSON body; any other answer becomes a
/// [`ProviderError`], with the provider's `message` field where it sent one.
pub async fn send_json<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> Result<T, ProviderError> {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        #[serde(default)]
        message: String,
    }
    let response = request
        .send()
        .await
        .map_err(|e| ProviderError::from_transport(&e))?;
    let status = response.status();
    // Seconds only: the HTTP-date form is rare from APIs, and a missing value
    // falls back to the worker's own backoff.
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .map(std::time::Duration::from_secs);
    let body = response
        .bytes()
        .await
        .map_err(|e| ProviderError::from_transport(&e))?;
    if !status.is_success() {
        let message = serde_json::from_slice::<ErrorBody>(&body)
            .map(|b| b.message)
            .unwrap_or_default();
        return Err(ProviderError::from_status(status, message, retry_after));
    }
    serde_json::from_slice(&body).map_err(|e| ProviderError::Malformed(e.to_string()))
}
