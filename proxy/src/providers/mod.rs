//! The receipt providers, each behind the one [`Provider`] trait.
//!
//! An adapter turns a stored submission into the provider's request, and the
//! provider's answers into the normalized [`Verdict`]. Adding a provider is one new
//! module here, its variant in [`crate::config::ProviderConfig`] and its simulator
//! in `sandbox/`.

pub mod aboutgoods;
pub mod apm;
pub mod bitlabs;
pub mod easypromos;
pub mod outcomes;
pub mod photon;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use api::{Outcome, SubmissionStatus};
use async_trait::async_trait;

use crate::config::{Config, ProviderConfig};
use crate::db::Photo;

/// How a provider account's results come back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The worker polls for them.
    #[default]
    Polling,
    /// The provider calls `POST /webhooks/{account}`; the worker polls only as a
    /// slow safety net.
    Webhook,
}

/// Reads a provider callback's JSON body, once it is proven authentic: `headers`
/// must carry `name` with exactly the value of `key`, compared in constant time.
pub fn read_callback<T: serde::de::DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    name: &str,
    key: &crate::config::Secret,
    body: &[u8],
) -> Result<T, CallbackError> {
    use subtle::ConstantTimeEq;
    let presented = headers.get(name).map_or(&[][..], |v| v.as_bytes());
    if !bool::from(presented.ct_eq(key.expose().as_bytes())) {
        return Err(CallbackError::Unauthorized);
    }
    serde_json::from_slice(body).map_err(|e| CallbackError::Malformed(e.to_string()))
}

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

/// Why a call to a provider did not give an answer. The messages are for logs and
/// operators; they never hold a secret (the adapters send secrets in headers and
/// never format requests into errors).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Could not reach the provider, or it answered 5xx: try again later.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// 429: try again later.
    #[error("provider rate limit reached")]
    RateLimited,
    /// 401/403: our credentials are wrong. Retried slowly, since an operator fixing
    /// the configuration makes it go through.
    #[error("provider refused our credentials (HTTP {0})")]
    Auth(u16),
    /// An answer we cannot understand: retried a few times, then the submission
    /// fails.
    #[error("provider answered something unexpected: {0}")]
    Malformed(String),
    /// We hold the submission back on purpose (e.g. the account's credits are
    /// low); it is kept and tried again later.
    #[error("submission held: {0}")]
    Held(String),
    /// The provider refused this submission for good (4xx).
    #[error("provider refused the submission (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// This provider does not have the asked-for ability.
    #[error("this provider cannot {0}")]
    Unsupported(&'static str),
}

impl ProviderError {
    /// Sorts an HTTP error status into the kinds above.
    pub fn from_status(status: reqwest::StatusCode, message: String) -> Self {
        match status.as_u16() {
            401 | 403 => Self::Auth(status.as_u16()),
            429 => Self::RateLimited,
            s if s >= 500 => Self::Unavailable(format!("HTTP {s}")),
            s => Self::Refused { status: s, message },
        }
    }

    /// A network-level failure, described without the request (which may carry
    /// headers) and without the URL's query.
    pub fn from_transport(error: &reqwest::Error) -> Self {
        let what = if error.is_timeout() {
            "timed out"
        } else if error.is_connect() {
            "connection failed"
        } else if error.is_decode() {
            return Self::Malformed("body is not the expected JSON".to_owned());
        } else {
            "request failed"
        };
        Self::Unavailable(what.to_owned())
    }
}

/// One receipt provider.
#[async_trait]
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// What this provider can do (declared, so the widget can be told).
    fn capabilities(&self) -> api::Capabilities;

    /// Forwards a receipt. Returns the provider's reference for it and, for
    /// providers that answer at once, the verdict.
    async fn submit(&self, receipt: &OutgoingReceipt) -> Result<(String, Progress), ProviderError>;

    /// Asks the provider where it is with the receipt `reference`.
    async fn poll(&self, reference: &str) -> Result<Progress, ProviderError>;

    /// Checks whether the provider can work with a photo, before it is submitted
    /// (`capabilities().quality_check`).
    async fn check_quality(&self, _photo: &Photo) -> Result<api::QualityCheck, ProviderError> {
        Err(ProviderError::Unsupported("check a photo's quality"))
    }

    /// The merchants a shopper picks from (`capabilities().offers`).
    async fn merchants(&self) -> Result<Vec<api::Merchant>, ProviderError> {
        Err(ProviderError::Unsupported("list merchants"))
    }

    /// The offers a shopper may claim at a merchant (`capabilities().offers`).
    async fn offers(&self, _merchant: &str) -> Result<Vec<api::Offer>, ProviderError> {
        Err(ProviderError::Unsupported("list offers"))
    }

    /// Asks for a person to look again at the offers of a rejected receipt that
    /// allow it (`capabilities().manual_review`). `reference` is the provider's
    /// reference for the receipt; `outcome` the verdict being appealed.
    async fn request_review(
        &self,
        _reference: &str,
        _outcome: &Outcome,
    ) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported("request a manual review"))
    }

    /// Whether results arrive by callback; the worker then polls only as a slow
    /// safety net for a lost callback.
    fn has_callbacks(&self) -> bool {
        false
    }

    /// Reads a callback from the provider, once it is proven authentic: the
    /// reference it is about and where that receipt is. `Ok(None)` when this
    /// provider (or this account's mode) sends no callbacks.
    fn callback(
        &self,
        _headers: &axum::http::HeaderMap,
        _body: &[u8],
    ) -> Result<Option<(String, Progress)>, CallbackError> {
        Ok(None)
    }
}

/// Why a callback was refused.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// It does not carry the shared secret: forged, or misconfigured.
    #[error("callback not authenticated")]
    Unauthorized,
    #[error("callback body not understood: {0}")]
    Malformed(String),
}

impl From<ProviderError> for CallbackError {
    /// An authentic callback whose content the adapter cannot map.
    fn from(error: ProviderError) -> Self {
        Self::Malformed(error.to_string())
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
    let body = response
        .bytes()
        .await
        .map_err(|e| ProviderError::from_transport(&e))?;
    if !status.is_success() {
        let message = serde_json::from_slice::<ErrorBody>(&body)
            .map(|b| b.message)
            .unwrap_or_default();
        return Err(ProviderError::from_status(status, message));
    }
    serde_json::from_slice(&body).map_err(|e| ProviderError::Malformed(e.to_string()))
}

/// A photo as a multipart file part named `{submission_id}.{ext}`.
pub fn photo_part(
    submission_id: &str,
    photo: &Photo,
) -> Result<reqwest::multipart::Part, ProviderError> {
    let extension = match photo.content_type.as_str() {
        "image/png" => "png",
        "image/heic" | "image/heif" => "heic",
        "application/pdf" => "pdf",
        _ => "jpg",
    };
    reqwest::multipart::Part::bytes(photo.bytes.to_vec())
        .file_name(format!("{submission_id}.{extension}"))
        .mime_str(&photo.content_type)
        .map_err(|_| ProviderError::Malformed("bad content type".to_owned()))
}

/// Every configured provider account, by name.
#[derive(Debug, Clone, Default)]
pub struct Providers {
    by_name: HashMap<String, Arc<dyn Provider>>,
}

impl Providers {
    /// Builds an adapter for every `[providers]` entry, sharing one HTTP client.
    pub fn from_config(config: &Config) -> Result<Self, reqwest::Error> {
        let public_url = config.public_url.as_deref();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("receipt-relay/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let by_name = config
            .providers
            .iter()
            .map(|(name, provider)| {
                let adapter: Arc<dyn Provider> = match provider {
                    ProviderConfig::Easypromos(c) => Arc::new(easypromos::Easypromos::new(
                        name,
                        c.clone(),
                        http.clone(),
                        public_url,
                    )),
                    ProviderConfig::Aboutgoods(c) => {
                        Arc::new(aboutgoods::Aboutgoods::new(c.clone(), http.clone()))
                    }
                    ProviderConfig::Apm(c) => {
                        Arc::new(apm::Apm::new(name, c.clone(), http.clone(), public_url))
                    }
                    ProviderConfig::Bitlabs(c) => {
                        Arc::new(bitlabs::Bitlabs::new(c.clone(), http.clone()))
                    }
                    ProviderConfig::Photon(c) => {
                        Arc::new(photon::Photon::new(c.clone(), http.clone()))
                    }
                };
                (name.clone(), adapter)
            })
            .collect();
        Ok(Self { by_name })
    }

    /// The adapter of a provider account.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Provider>> {
        self.by_name.get(name)
    }
}
