//! Photon Commerce async API adapter (`seeds/003_*`).
//!
//! `POST {base_url}/api/v4?type=async` with the first photo as the multipart `pdf`
//! field and the four credential headers (`CLIENT-ID`, `AUTHORIZATION: apikey
//! <username>:<api_key>`, `PASSWORD`, `SECRET-KEY`); the answer's `photon_key` is
//! the reference, and the result is fetched by that key.
//!
//! Assumptions where the document is silent (it points to a "Retrieve Data
//! (JSON)" page it does not include); the sandbox implements the same:
//! - the result is `GET {base_url}{result_path}?photon_key=KEY` with the same
//!   headers; `result_path` defaults to `/api/v4/result`;
//! - it answers `status: "processing"` until read, then `status: "success"` with
//!   `result: {vendor: {name, address}, date, time, currency, total,
//!   line_items: [{description, quantity, total}]}`, or `status: "failed"` with
//!   `error_code` (`not_a_document` -> `not_receipt`, `unreadable` ->
//!   `unreadable`, else `other`) and `message`.
//!
//! With `callbacks = { key = ... }`, Photon posts each result to
//! `{public_url}/webhooks/{account}` once the document is read; the worker then
//! fetches only as a slow safety net. The document points to an "Async API
//! Webhook" page it does not include, so assumed (and simulated): the webhook is
//! registered in Photon's dashboard, not per request; its body is the result
//! fetch's body (with `photon_key`); and it carries the shared key in the
//! `callbacks.header` header (default `X-Webhook-Key`), compared in constant
//! time.
//!
//! Photon reads documents; it does not judge promotions, so a document it read
//! is `accepted` with the receipt attached.

use std::sync::Arc;

use api::{LineItem, Outcome, Receipt, SubmissionStatus};
use async_trait::async_trait;
use reqwest::multipart::Form;
use serde::Deserialize;

use crate::outcomes::{OutcomeTable, ReasonRow, StatusRow};
use crate::{
    Abilities, Account, BuildError, CallbackError, CallbacksConfig, Delivery, Kind,
    OutgoingReceipt, Progress, Provider, ProviderError, Secret, Verdict, delivery, send_json,
};

/// `[providers.NAME]` with `kind = "photon"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotonConfig {
    #[serde(default = "default_base_url")]
    pub base_url: String,
    pub client_id: Secret,
    /// Not secret on its own; sent with the api key in `AUTHORIZATION`.
    pub username: String,
    pub api_key: Secret,
    pub password: Secret,
    pub secret_key: Secret,
    /// Where results are fetched (undocumented; see the module doc).
    #[serde(default = "default_result_path")]
    pub result_path: String,
    /// Results by the webhook registered in Photon's dashboard, carrying the
    /// key in `callbacks.header`. Polled without.
    #[serde(default)]
    pub callbacks: Option<CallbacksConfig>,
}

/// The header Photon's webhook carries the key in, unless configured.
const CALLBACK_HEADER: &str = "X-Webhook-Key";

impl Kind for PhotonConfig {
    // One document per upload: a long receipt's photos are combined.
    // The document's one field is `pdf`: "the pdf, document, or image".
    const ABILITIES: Abilities = Abilities {
        pdf: true,
        ..Abilities::ONE_IMAGE
    };
    const OUTCOMES: &'static OutcomeTable = &OUTCOMES;

    fn callbacks(&self) -> Option<&CallbacksConfig> {
        self.callbacks.as_ref()
    }

    fn build(self, account: &Account<'_>) -> Result<Arc<dyn Provider>, BuildError> {
        Ok(Arc::new(Photon::new(account, self)?))
    }
}

fn default_base_url() -> String {
    "https://api.photoncommerce.com".to_owned()
}

fn default_result_path() -> String {
    "/api/v4/result".to_owned()
}

#[derive(Debug)]
pub struct Photon {
    config: PhotonConfig,
    http: reqwest::Client,
    delivery: Delivery,
}

impl Photon {
    pub fn new(account: &Account<'_>, mut config: PhotonConfig) -> Result<Self, BuildError> {
        let delivery = account.delivery(config.callbacks.take(), CALLBACK_HEADER)?;
        Ok(Self {
            config,
            http: account.http.clone(),
            delivery,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    /// Adds the four credential headers.
    fn authenticated(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let c = &self.config;
        request
            .header("CLIENT-ID", c.client_id.expose())
            .header(
                "AUTHORIZATION",
                format!("apikey {}:{}", c.username, c.api_key.expose()),
            )
            .header("PASSWORD", c.password.expose())
            .header("SECRET-KEY", c.secret_key.expose())
    }
}

#[derive(Deserialize)]
struct Uploaded {
    photon_key: String,
}

#[derive(Deserialize)]
struct Fetched {
    status: String,
    /// Present in webhook bodies (and in fetch answers).
    #[serde(default)]
    photon_key: Option<String>,
    #[serde(default)]
    result: Option<Document>,
    #[serde(default)]
    error_code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    vendor: Vendor,
    date: Option<String>,
    time: Option<String>,
    currency: Option<String>,
    total: Option<f64>,
    #[serde(default)]
    line_items: Vec<Line>,
}

#[derive(Deserialize, Default)]
struct Vendor {
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    description: String,
    quantity: Option<f64>,
    total: Option<f64>,
}

#[async_trait]
impl Provider for Photon {
    async fn submit(&self, receipt: &OutgoingReceipt) -> Result<(String, Progress), ProviderError> {
        let part = receipt.first_photo()?.part(&receipt.submission_id)?;
        let uploaded: Uploaded = send_json(
            self.authenticated(self.http.post(self.url("/api/v4")))
                .query(&[("type", "async")])
                .multipart(Form::new().part("pdf", part)),
        )
        .await?;
        Ok((uploaded.photon_key, Progress::Pending))
    }

    async fn poll(&self, reference: &str) -> Result<Progress, ProviderError> {
        let fetched: Fetched = send_json(
            self.authenticated(self.http.get(self.url(&self.config.result_path)))
                .query(&[("photon_key", reference)]),
        )
        .await?;
        map_fetched(fetched)
    }

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    fn read_callback(&self, body: &[u8]) -> Result<(String, Progress), CallbackError> {
        let fetched: Fetched = delivery::json(body)?;
        let reference = fetched
            .photon_key
            .clone()
            .ok_or_else(|| CallbackError::Malformed("no photon_key".to_owned()))?;
        Ok((reference, map_fetched(fetched)?))
    }
}

const PROCESSING: StatusRow = StatusRow::undecided("`status: processing` (or any other status)");
const SUCCESS: StatusRow = StatusRow::decides("`status: success`", SubmissionStatus::Accepted);
const FAILED: StatusRow = StatusRow::decides("`status: failed`", SubmissionStatus::Rejected);

/// How Photon answers map to our outcome (see `docs/outcomes.md`).
pub const OUTCOMES: OutcomeTable = OutcomeTable {
    provider: "Photon Commerce",
    seed: "003",
    synchronous: false,
    statuses: &[PROCESSING, SUCCESS, FAILED],
    reasons: &[
        ReasonRow::not_receipt("not_a_document"),
        ReasonRow::unreadable("unreadable"),
        ReasonRow::CATCH_ALL,
    ],
};

fn map_fetched(fetched: Fetched) -> Result<Progress, ProviderError> {
    let answer = match fetched.status.as_str() {
        "success" => SUCCESS,
        "failed" => FAILED,
        _ => PROCESSING,
    };
    let Some(status) = answer.status else {
        return Ok(Progress::Pending);
    };
    let outcome = if status == SubmissionStatus::Accepted {
        let document = fetched
            .result
            .ok_or_else(|| ProviderError::Malformed("success without result".to_owned()))?;
        Outcome {
            receipt: Some(Receipt {
                store: document.vendor.name,
                address: document.vendor.address,
                date: document.date,
                time: document.time,
                total: document.total,
                currency: document.currency,
                items: document
                    .line_items
                    .into_iter()
                    .map(|l| LineItem {
                        description: l.description,
                        quantity: l.quantity,
                        total: l.total,
                    })
                    .collect(),
            }),
            ..Outcome::default()
        }
    } else {
        Outcome {
            reasons: vec![OUTCOMES.reason(&fetched.error_code, fetched.message)],
            ..Outcome::default()
        }
    };
    Ok(Progress::Done(Box::new(Verdict { status, outcome })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::ReasonCode;

    fn map(json: serde_json::Value) -> Result<Progress, ProviderError> {
        map_fetched(serde_json::from_value(json).unwrap())
    }

    #[test]
    fn processing_is_pending() {
        assert_eq!(
            map(serde_json::json!({"status": "processing", "photon_key": "k"})).unwrap(),
            Progress::Pending
        );
    }

    #[test]
    fn a_read_document_becomes_an_accepted_receipt() {
        let Progress::Done(verdict) = map(serde_json::json!({"status": "success", "result": {
            "vendor": {"name": "CLAREL"}, "date": "2025-09-24", "currency": "EUR", "total": 37.87,
            "line_items": [{"description": "SERUM", "quantity": 1, "total": 24.19}]}}))
        .unwrap() else {
            panic!("not done")
        };
        assert_eq!(verdict.status, SubmissionStatus::Accepted);
        let receipt = verdict.outcome.receipt.unwrap();
        assert_eq!(receipt.store.as_deref(), Some("CLAREL"));
        assert_eq!(receipt.items[0].description, "SERUM");
    }

    #[test]
    fn a_failed_document_is_rejected_with_a_unified_reason() {
        let Progress::Done(verdict) =
            map(serde_json::json!({"status": "failed", "error_code": "unreadable"})).unwrap()
        else {
            panic!("not done")
        };
        assert_eq!(verdict.status, SubmissionStatus::Rejected);
        assert_eq!(verdict.outcome.reasons[0].code, ReasonCode::Unreadable);
    }

    #[test]
    fn success_without_a_result_is_malformed() {
        assert!(matches!(
            map(serde_json::json!({"status": "success"})),
            Err(ProviderError::Malformed(_))
        ));
    }
}
