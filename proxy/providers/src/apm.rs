//! APM receipt moderation ("Revizor") adapter (`seeds/002_*`).
//!
//! Every call carries the `api-key` header. People (moderators) review each
//! receipt, so a verdict takes a while: the receipt is `ARRIVED` until it is
//! `REVIEWED`, then `approved` or not, with a `rejectKey`.
//!
//! What is sent where:
//! - photos, polled: `POST /api/widgets/receipts`, multipart `photos` (1..5),
//!   `userUuid`, `qrAsString` (the QR the shopper scanned, if any), `source`,
//!   `channel`;
//! - photos, with callbacks: `POST /api/receipts`, the same photos with `config`
//!   (the review config, with `callback`) and `externalId`, only the fields the
//!   document lists for it. It has no field for a QR code, so a code the
//!   shopper scanned beside the photos is not sent there (the moderators read
//!   the receipt from its photos; the code stays with the submission);
//! - a QR code alone: `POST /api/receipts/qr`, JSON `{qrStr, userUuid, channel,
//!   externalId}` (plus `config` with callbacks).
//!
//! `externalId` is "Receipt's id in Promo's system", a number in the
//! document: our submission id is a UUID, so it is sent as the number of its
//! first 52 bits ([`external_id`]), which a JSON number carries exactly.
//!
//! The answer's `uuid` is the reference; `GET /api/receipts/{uuid}` gives the
//! state. With `callbacks = { key = ... }`, `config.callback` asks APM to `POST`
//! results to `{public_url}/webhooks/{account}` with an `authorization` header
//! (or `callbacks.header`) holding the key, a secret only the proxy and APM
//! know; a callback without it changes nothing.
//!
//! Assumptions where the document is silent (the sandbox implements the same):
//! - the callback body (the document points to an "APM Callbacks Documentation" it
//!   does not include) is the receipt as `GET /api/receipts/{uuid}` shows it;
//! - the reject keys, besides the documented `NOT_QUANTITY_PRODUCT`, follow the
//!   moderators' questions (`receipt`, `readable`, `modification`, `one_photo`,
//!   `photo`, `brands`, `cities`): `NOT_RECEIPT`, `NOT_READABLE`, `MODIFIED`,
//!   `NOT_ONE_RECEIPT`, `NOT_FULL_PHOTO`, `NOT_BRANDS`, `NOT_CITY`, and
//!   `DUPLICATE` (also told by a non-null `duplicate`);
//! - `rejectReason` is the moderators' own text, in their language: it is not
//!   shown to shoppers (the reason row's message is);
//! - the default `base_url` is `https://api.apmcheck.ru` (the document shows only
//!   `localhost:8080`).

use api::{Outcome, Receipt, SubmissionStatus};
use async_trait::async_trait;
use std::sync::Arc;

use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::outcomes::{OutcomeTable, ReasonRow, StatusRow};
use crate::{
    Abilities, Account, BuildError, CallbackError, CallbacksConfig, Delivery, Kind,
    OutgoingReceipt, Progress, Provider, ProviderError, Secret, Verdict, delivery, send_json,
};

/// `[providers.NAME]` with `kind = "apm"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApmConfig {
    #[serde(default = "default_base_url")]
    pub base_url: String,
    pub api_key: Secret,
    /// `source` of every receipt (any string up to 255 characters).
    #[serde(default = "default_source")]
    pub source: String,
    /// `channel` of every receipt.
    #[serde(default = "default_channel")]
    pub channel: String,
    /// Results by callback (`config.callback`), carrying the key in
    /// `callbacks.header`. Polled without.
    #[serde(default)]
    pub callbacks: Option<CallbacksConfig>,
    /// The review `config` (products, brands, cities...) sent with each receipt
    /// as the document describes it; `callback` is added with callbacks.
    #[serde(default)]
    pub review: Option<serde_json::Map<String, Value>>,
    /// The ISO 4217 currency of the receipts' totals (`"RUB"`): APM's answers
    /// give the sum alone, and a total without its currency reads as a bare
    /// number to the shopper.
    #[serde(default)]
    pub currency: Option<String>,
}

fn default_base_url() -> String {
    "https://api.apmcheck.ru".to_owned()
}

fn default_source() -> String {
    "receipt-relay".to_owned()
}

fn default_channel() -> String {
    "web".to_owned()
}

/// The header APM's callbacks carry the key in, unless configured.
const CALLBACK_HEADER: &str = "authorization";

impl Kind for ApmConfig {
    // Up to five photos of one receipt, or its QR code alone.
    const ABILITIES: Abilities = Abilities {
        photos_per_receipt: 5,
        qr: true,
        qr_alone: true,
        ..Abilities::ONE_IMAGE
    };
    const OUTCOMES: &'static OutcomeTable = &OUTCOMES;

    fn callbacks(&self) -> Option<&CallbacksConfig> {
        self.callbacks.as_ref()
    }

    fn build(self, account: &Account<'_>) -> Result<Arc<dyn Provider>, BuildError> {
        Ok(Arc::new(Apm::new(account, self)?))
    }
}

#[derive(Debug)]
pub struct Apm {
    config: ApmConfig,
    http: reqwest::Client,
    delivery: Delivery,
}

impl Apm {
    pub fn new(account: &Account<'_>, mut config: ApmConfig) -> Result<Self, BuildError> {
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

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(self.url(path))
            .header("api-key", self.config.api_key.expose())
    }

    /// The review `config` as a JSON string, with the callback where results
    /// come back that way;
    /// `None` when there is nothing to configure.
    fn review_config(&self) -> Option<String> {
        let mut config = self.config.review.clone().unwrap_or_default();
        if let Some(callbacks) = self.delivery.callbacks() {
            config.insert(
                "callback".to_owned(),
                json!({
                    "url": callbacks.url,
                    "method": "POST",
                    "headers": [{"name": callbacks.header, "values": [callbacks.key.expose()]}],
                }),
            );
        }
        (!config.is_empty()).then(|| Value::Object(config).to_string())
    }

    fn photos_form(&self, receipt: &OutgoingReceipt) -> Result<Form, ProviderError> {
        let mut form = Form::new()
            .text("source", self.config.source.clone())
            .text("channel", self.config.channel.clone());
        if let Some(user) = &receipt.user {
            form = form.text("userUuid", user.clone());
        }
        // Each part its own file name: parts of one receipt under one name
        // could overwrite each other.
        for (n, photo) in receipt.photos.iter().enumerate() {
            let stem = format!("{}-{}", receipt.submission_id, n + 1);
            form = form.part("photos", photo.part(&stem)?);
        }
        Ok(form)
    }
}

/// The number APM knows a submission by (`externalId`): the first 52 bits of
/// its id (a UUID's hex digits), exact in a JSON number; `None` for an id
/// that is not hex.
pub fn external_id(submission_id: &str) -> Option<u64> {
    let hex: String = submission_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(13)
        .collect();
    (hex.len() == 13)
        .then(|| u64::from_str_radix(&hex, 16).ok())
        .flatten()
}

#[derive(Deserialize)]
struct Created {
    uuid: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApmReceipt {
    uuid: String,
    state: String,
    #[serde(default)]
    approved: Option<bool>,
    #[serde(default)]
    reject_key: Option<String>,
    #[serde(default)]
    duplicate: Option<Value>,
    #[serde(default)]
    receipt_date: Option<String>,
    #[serde(default)]
    retailer: Option<Retailer>,
    #[serde(default)]
    total: Option<Total>,
}

#[derive(Deserialize)]
struct Retailer {
    name: Option<String>,
    store: Option<String>,
}

#[derive(Deserialize)]
struct Total {
    sum: Option<f64>,
}

#[async_trait]
impl Provider for Apm {
    async fn submit(&self, receipt: &OutgoingReceipt) -> Result<(String, Progress), ProviderError> {
        let request = if receipt.photos.is_empty() {
            let qr = receipt.qr.as_ref().ok_or_else(|| ProviderError::Refused {
                status: 400,
                message: "neither a photo nor a QR code to send".to_owned(),
            })?;
            let mut body = json!({
                "qrStr": qr,
                "channel": self.config.channel,
            });
            if let Some(id) = external_id(&receipt.submission_id) {
                body["externalId"] = json!(id);
            }
            if let Some(user) = &receipt.user {
                body["userUuid"] = json!(user);
            }
            if let Some(config) = self.review_config() {
                body["config"] = json!(config);
            }
            self.post("/api/receipts/qr").json(&body)
        } else if self.delivery.callbacks().is_some() {
            let mut form = self.photos_form(receipt)?;
            if let Some(id) = external_id(&receipt.submission_id) {
                form = form.text("externalId", id.to_string());
            }
            if let Some(config) = self.review_config() {
                form = form.part("config", Part::text(config));
            }
            self.post("/api/receipts").multipart(form)
        } else {
            let mut form = self.photos_form(receipt)?;
            if let Some(qr) = &receipt.qr {
                form = form.text("qrAsString", qr.clone());
            }
            self.post("/api/widgets/receipts").multipart(form)
        };
        let created: Created = send_json(request).await?;
        Ok((created.uuid, Progress::Pending))
    }

    async fn poll(&self, reference: &str) -> Result<Progress, ProviderError> {
        let found: ApmReceipt = send_json(
            self.http
                .get(self.url(&format!("/api/receipts/{reference}")))
                .header("api-key", self.config.api_key.expose()),
        )
        .await?;
        map_receipt(found, self.config.currency.as_deref())
    }

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    fn read_callback(&self, body: &[u8]) -> Result<(String, Progress), CallbackError> {
        let found: ApmReceipt = delivery::json(body)?;
        let uuid = found.uuid.clone();
        Ok((uuid, map_receipt(found, self.config.currency.as_deref())?))
    }
}

const ARRIVED: StatusRow = StatusRow::undecided("`ARRIVED` (waiting for moderators)");
const APPROVED: StatusRow =
    StatusRow::decides("`REVIEWED`, `approved: true`", SubmissionStatus::Accepted);
const NOT_APPROVED: StatusRow = StatusRow::decides(
    "`REVIEWED`, `approved: false` (the reason from `rejectKey`)",
    SubmissionStatus::Rejected,
);

/// How APM answers map to our outcome (see `docs/outcomes.md`).
pub const OUTCOMES: OutcomeTable = OutcomeTable {
    provider: "APM (Revizor)",
    seed: "002",
    synchronous: false,
    statuses: &[ARRIVED, APPROVED, NOT_APPROVED],
    reasons: &[
        ReasonRow::not_receipt("NOT_RECEIPT"),
        ReasonRow::new(
            "NOT_READABLE",
            api::ReasonCode::Unreadable,
            "The receipt could not be read.",
        ),
        ReasonRow::new(
            "MODIFIED",
            api::ReasonCode::Other,
            "The receipt looks altered.",
        ),
        ReasonRow::new(
            "NOT_ONE_RECEIPT",
            api::ReasonCode::BadQuality,
            "Send one receipt at a time.",
        ),
        ReasonRow::new(
            "NOT_FULL_PHOTO",
            api::ReasonCode::BadQuality,
            "The whole receipt must be in the photos.",
        ),
        ReasonRow::new(
            "NOT_BRANDS",
            api::ReasonCode::ProductMismatch,
            "The receipt does not show the promotion's brands.",
        ),
        ReasonRow::new(
            "NOT_QUANTITY_PRODUCT",
            api::ReasonCode::ProductMismatch,
            "The receipt does not show enough of the promotion's products.",
        ),
        ReasonRow::new(
            "NOT_CITY",
            api::ReasonCode::StoreMismatch,
            "The receipt is not from a city in the promotion.",
        ),
        ReasonRow::new(
            "DUPLICATE",
            api::ReasonCode::Duplicate,
            "This receipt has already been sent.",
        ),
        ReasonRow::CATCH_ALL,
    ],
};

/// A field APM fills with `Unknown` when moderators could not tell.
fn known(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty() && v != "Unknown")
}

fn map_receipt(found: ApmReceipt, currency: Option<&str>) -> Result<Progress, ProviderError> {
    let answer = match (found.state.as_str(), found.approved) {
        ("ARRIVED", _) => ARRIVED,
        ("REVIEWED", Some(true)) => APPROVED,
        ("REVIEWED", _) => NOT_APPROVED,
        (other, _) => {
            return Err(ProviderError::Malformed(format!(
                "unknown receipt state {other:?}"
            )));
        }
    };
    let Some(status) = answer.status else {
        return Ok(Progress::Pending);
    };
    let reasons = if answer == NOT_APPROVED {
        let key = match (&found.duplicate, found.reject_key.as_deref()) {
            (Some(d), _) if !d.is_null() => "DUPLICATE",
            (_, Some(key)) => key,
            (_, None) => "*",
        };
        vec![OUTCOMES.reason(key, String::new())]
    } else {
        Vec::new()
    };
    let (store, address) = found
        .retailer
        .map_or((None, None), |r| (known(r.name), known(r.store)));
    let date = known(found.receipt_date);
    let total = found.total.and_then(|t| t.sum).filter(|s| *s > 0.0);
    let receipt = (store.is_some() || date.is_some() || total.is_some()).then(|| Receipt {
        store,
        address,
        date,
        currency: total.and(currency.map(str::to_owned)),
        total,
        ..Receipt::default()
    });
    Ok(Progress::Done(Box::new(Verdict {
        status,
        outcome: Outcome {
            reasons,
            receipt,
            ..Outcome::default()
        },
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::ReasonCode;

    fn map(value: Value) -> Result<Progress, ProviderError> {
        map_receipt(serde_json::from_value(value).unwrap(), None)
    }

    fn done(value: Value) -> Verdict {
        match map(value).unwrap() {
            Progress::Done(verdict) => *verdict,
            Progress::Pending => panic!("not done"),
        }
    }

    #[test]
    fn our_id_is_a_number_apm_can_keep_exactly() {
        let id = external_id("0f0f0f0f-1234-4000-8000-000000000000").unwrap();
        assert_eq!(id, 0x0000_f0f0_f0f1_2344);
        assert!(id < 1 << 53, "a JSON number keeps it exactly");
        assert_eq!(external_id("not-an-id"), None);
    }

    #[test]
    fn arrived_is_pending() {
        assert_eq!(
            map(json!({"uuid": "u", "state": "ARRIVED", "approved": false})).unwrap(),
            Progress::Pending
        );
    }

    #[test]
    fn the_seed_example_is_rejected_for_its_products_with_unknowns_left_out() {
        let verdict = done(json!({
            "state": "REVIEWED", "uuid": "ba77bb1a-f9c3-4855-acad-69f5f990cfc2", "approved": false,
            "receiptDate": "", "duplicate": null,
            "rejectReason": "Несоответствие продуктов в чеке условиям Акции",
            "retailer": {"id": null, "name": "Unknown", "inn": null, "store": "Unknown"},
            "rejectKey": "NOT_QUANTITY_PRODUCT",
            "total": {"sum": 30.35, "count": 0, "sum_subtotal": 0.0}
        }));
        assert_eq!(verdict.status, SubmissionStatus::Rejected);
        assert_eq!(verdict.outcome.reasons[0].code, ReasonCode::ProductMismatch);
        assert!(
            !verdict.outcome.reasons[0]
                .message
                .contains("Несоответствие"),
            "moderators' text is not shown"
        );
        let receipt = verdict.outcome.receipt.unwrap();
        assert_eq!(receipt.store, None);
        assert_eq!(receipt.total, Some(30.35));
    }

    #[test]
    fn the_accounts_currency_goes_with_a_total_and_only_with_one() {
        let reviewed = |total: Value| {
            let value = json!({"uuid": "u", "state": "REVIEWED", "approved": true,
                "receiptDate": "2025-09-24", "total": total});
            match map_receipt(serde_json::from_value(value).unwrap(), Some("RUB")).unwrap() {
                Progress::Done(verdict) => verdict.outcome.receipt.unwrap(),
                Progress::Pending => panic!("decided"),
            }
        };
        let with_total = reviewed(json!({"sum": 37.87}));
        assert_eq!(
            (with_total.total, with_total.currency.as_deref()),
            (Some(37.87), Some("RUB"))
        );
        let without = reviewed(json!({"sum": 0.0}));
        assert_eq!((without.total, without.currency), (None, None));
    }

    #[test]
    fn a_duplicate_is_told_whatever_the_key() {
        let verdict = done(json!({"uuid": "u", "state": "REVIEWED", "approved": false,
            "duplicate": {"uuid": "first"}, "rejectKey": "SOMETHING"}));
        assert_eq!(verdict.outcome.reasons[0].code, ReasonCode::Duplicate);
    }

    #[test]
    fn approved_is_accepted_with_what_moderators_read() {
        let verdict = done(json!({"uuid": "u", "state": "REVIEWED", "approved": true,
            "receiptDate": "2025-09-24", "retailer": {"name": "CLAREL", "store": "AV PRIMERO DE JUNIO 66"},
            "total": {"sum": 37.87}}));
        assert_eq!(verdict.status, SubmissionStatus::Accepted);
        let receipt = verdict.outcome.receipt.unwrap();
        assert_eq!(receipt.store.as_deref(), Some("CLAREL"));
        assert_eq!(receipt.date.as_deref(), Some("2025-09-24"));
    }

    #[test]
    fn an_unknown_state_is_malformed() {
        assert!(matches!(
            map(json!({"uuid": "u", "state": "LOST"})),
            Err(ProviderError::Malformed(_))
        ));
    }
}
