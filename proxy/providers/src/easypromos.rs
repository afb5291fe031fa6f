//! Easypromos OCR API adapter (`seeds/000_*`), in both of its modes.
//!
//! `POST {base_url}/v2/ocr/tickets` with the first photo as the multipart `ticket`
//! field and `Authorization: Bearer`, and keep the returned `event_id`. Then:
//! - polling mode: poll `GET {base_url}/v2/ocr/events/{event_id}` until `status`
//!   is `finished`;
//! - with `callbacks = { key = ... }`: the upload also carries `webhook_url`
//!   (`{public_url}/webhooks/{account name}`) and `webhook_key` (the key), and
//!   Easypromos posts the finished event there. The worker still polls now and
//!   then, in case a callback is lost.
//!
//! With `min_credits` set, `GET /v2/ocr/credits` is checked before forwarding
//! (cached for 30 s and counted down locally); under the threshold submissions
//! are held, kept and retried, and a warning is logged for the operator.
//!
//! Assumptions where the document is silent (the sandbox implements the same):
//! - the callback proves itself by carrying the `webhook_key` in a header,
//!   `X-Webhook-Key` by default (`callbacks.header`); it is compared in
//!   constant time, and a callback without it changes nothing;
//! - any `status` other than `finished` means "not yet";
//! - `finished_status` other than `ok` comes with `error: {code, message}`:
//!   `not_a_ticket` maps to `not_receipt`, `unreadable` to `unreadable`, anything
//!   else to `other`; such a receipt is `rejected`.
//!
//! Easypromos reads receipts; it does not judge promotions, so a receipt it read
//! is `accepted` with the receipt attached, for the campaign's rules to judge.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use api::{LineItem, Outcome, Receipt, SubmissionStatus};
use async_trait::async_trait;
use reqwest::multipart::Form;
use serde::Deserialize;

use crate::outcomes::{OutcomeTable, ReasonRow, StatusRow};
use crate::{
    Abilities, Account, BuildError, CallbackError, CallbacksConfig, Delivery, Kind,
    OutgoingReceipt, Progress, Provider, ProviderError, Secret, Verdict, delivery, send_json,
};

/// `[providers.NAME]` with `kind = "easypromos"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EasypromosConfig {
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The account's bearer token.
    pub token: Secret,
    /// Results by callback: the key is sent as `webhook_key` and comes back in
    /// `callbacks.header` (undocumented; see the module doc). Polled without.
    #[serde(default)]
    pub callbacks: Option<CallbacksConfig>,
    /// Hold submissions while the account has fewer credits than this (0: never
    /// check).
    #[serde(default)]
    pub min_credits: u64,
}

/// The header Easypromos' callbacks carry the key in, unless configured.
const CALLBACK_HEADER: &str = "X-Webhook-Key";

impl Kind for EasypromosConfig {
    // One ticket image per receipt: a long receipt's photos are combined.
    // Its documents: each upload uses one of the account's OCR credits.
    const ABILITIES: Abilities = Abilities {
        metered: Some("one Easypromos OCR credit"),
        ..Abilities::ONE_IMAGE
    };
    const OUTCOMES: &'static OutcomeTable = &OUTCOMES;

    fn callbacks(&self) -> Option<&CallbacksConfig> {
        self.callbacks.as_ref()
    }

    fn build(self, account: &Account<'_>) -> Result<Arc<dyn Provider>, BuildError> {
        Ok(Arc::new(Easypromos::new(account, self)?))
    }
}

/// How long a credits reading is trusted, from when it was read.
const CREDITS_TTL: Duration = Duration::from_secs(30);

/// The last credits reading, counted down locally as submissions use credits.
/// It stays as old as the reading: counting down must not make it young again,
/// or under steady traffic it would never be read again (and an account held
/// for low credits would stay held after a top-up).
#[derive(Debug, Default)]
struct CreditsCache(Option<(Instant, u64)>);

impl CreditsCache {
    /// When the trusted reading was taken, and the credits it leaves, at `now`.
    fn trusted(&self, now: Instant) -> Option<(Instant, u64)> {
        self.0
            .filter(|(read_at, _)| now.saturating_duration_since(*read_at) < CREDITS_TTL)
    }

    /// Keeps `credits` left as of the reading taken at `read_at`.
    fn keep(&mut self, read_at: Instant, credits: u64) {
        self.0 = Some((read_at, credits));
    }
}

fn default_base_url() -> String {
    "https://api.easypromosapp.com".to_owned()
}

#[derive(Debug)]
pub struct Easypromos {
    /// The account's name in `[providers]`, the last segment of its callback URL.
    name: String,
    config: EasypromosConfig,
    http: reqwest::Client,
    delivery: Delivery,
    /// The last credits reading, counted down.
    credits: Mutex<CreditsCache>,
}

impl Easypromos {
    pub fn new(account: &Account<'_>, mut config: EasypromosConfig) -> Result<Self, BuildError> {
        let delivery = account.delivery(config.callbacks.take(), CALLBACK_HEADER)?;
        Ok(Self {
            name: account.name.to_owned(),
            config,
            http: account.http.clone(),
            delivery,
            credits: Mutex::new(CreditsCache::default()),
        })
    }

    /// Holds the submission back when the account's credits are under the
    /// configured threshold.
    async fn ensure_credits(&self) -> Result<(), ProviderError> {
        let min = self.config.min_credits;
        if min == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let cached = self.credits.lock().ok().and_then(|c| c.trusted(now));
        let (read_at, credits) = match cached {
            Some(trusted) => trusted,
            None => {
                let reading: Credits = send_json(
                    self.http
                        .get(self.url("/v2/ocr/credits"))
                        .bearer_auth(self.config.token.expose()),
                )
                .await?;
                (now, reading.credits)
            }
        };
        if credits < min {
            tracing::warn!(
                provider = %self.name, credits, threshold = min,
                "Easypromos credits are under the threshold: new submissions are held until they are topped up"
            );
            if let Ok(mut c) = self.credits.lock() {
                c.keep(read_at, credits);
            }
            return Err(ProviderError::Held(format!(
                "{credits} Easypromos credits left, threshold {min}"
            )));
        }
        // This submission will use one.
        if let Ok(mut c) = self.credits.lock() {
            c.keep(read_at, credits - 1);
        }
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }
}

#[derive(Deserialize)]
struct Uploaded {
    event_id: u64,
}

#[derive(Deserialize)]
struct Credits {
    credits: u64,
}

#[derive(Deserialize)]
struct Event {
    #[serde(default)]
    event_id: Option<u64>,
    status: String,
    #[serde(default)]
    finished_status: Option<String>,
    #[serde(default)]
    result: Option<OcrResult>,
    #[serde(default)]
    error: Option<EventError>,
}

#[derive(Deserialize, Default)]
struct EventError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct OcrResult {
    #[serde(default)]
    header: Header,
    #[serde(default)]
    line_items: Vec<OcrLine>,
    #[serde(default)]
    footer: Footer,
}

#[derive(Deserialize, Default)]
struct Header {
    store_name: Option<String>,
    store_address: Option<String>,
    date: Option<String>,
    time: Option<String>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct OcrLine {
    #[serde(default)]
    article: String,
    quantity: Option<f64>,
    total: Option<f64>,
}

#[derive(Deserialize, Default)]
struct Footer {
    total: Option<f64>,
}

#[async_trait]
impl Provider for Easypromos {
    async fn submit(&self, receipt: &OutgoingReceipt) -> Result<(String, Progress), ProviderError> {
        // Easypromos takes one ticket image (the widget combines a long receipt's
        // photos into one).
        self.ensure_credits().await?;
        let part = receipt.first_photo()?.part(&receipt.submission_id)?;
        let mut form = Form::new().part("ticket", part);
        if let Some(callbacks) = self.delivery.callbacks() {
            form = form
                .text("webhook_url", callbacks.url.clone())
                .text("webhook_key", callbacks.key.expose().to_owned());
        }
        let uploaded: Uploaded = send_json(
            self.http
                .post(self.url("/v2/ocr/tickets"))
                .bearer_auth(self.config.token.expose())
                .multipart(form),
        )
        .await?;
        Ok((uploaded.event_id.to_string(), Progress::Pending))
    }

    async fn poll(&self, reference: &str) -> Result<Progress, ProviderError> {
        let event: Event = send_json(
            self.http
                .get(self.url(&format!("/v2/ocr/events/{reference}")))
                .bearer_auth(self.config.token.expose()),
        )
        .await?;
        map_event(event)
    }

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    fn read_callback(&self, body: &[u8]) -> Result<(String, Progress), CallbackError> {
        let event: Event = delivery::json(body)?;
        let reference = event
            .event_id
            .ok_or_else(|| CallbackError::Malformed("no event_id".to_owned()))?
            .to_string();
        Ok((reference, map_event(event)?))
    }
}

const NOT_FINISHED: StatusRow = StatusRow::undecided("`status` other than `finished`");
const FINISHED_OK: StatusRow = StatusRow::decides(
    "`finished`, `finished_status: ok`",
    SubmissionStatus::Accepted,
);
const FINISHED_OTHER: StatusRow = StatusRow::decides(
    "`finished`, any other `finished_status`",
    SubmissionStatus::Rejected,
);

/// How Easypromos answers map to our outcome (see `docs/outcomes.md`).
pub const OUTCOMES: OutcomeTable = OutcomeTable {
    provider: "Easypromos",
    seed: "000",
    synchronous: false,
    statuses: &[NOT_FINISHED, FINISHED_OK, FINISHED_OTHER],
    reasons: &[
        ReasonRow::not_receipt("not_a_ticket"),
        ReasonRow::unreadable("unreadable"),
        ReasonRow::CATCH_ALL,
    ],
};

fn map_event(event: Event) -> Result<Progress, ProviderError> {
    let answer = if event.status != "finished" {
        NOT_FINISHED
    } else if event.finished_status.as_deref() == Some("ok") {
        FINISHED_OK
    } else {
        FINISHED_OTHER
    };
    let Some(status) = answer.status else {
        return Ok(Progress::Pending);
    };
    let outcome = if status == SubmissionStatus::Accepted {
        let result = event
            .result
            .ok_or_else(|| ProviderError::Malformed("finished ok without result".to_owned()))?;
        Outcome {
            receipt: Some(Receipt {
                store: result.header.store_name,
                address: result.header.store_address,
                date: result.header.date,
                time: result.header.time,
                total: result.footer.total,
                currency: result.header.currency,
                items: result
                    .line_items
                    .into_iter()
                    .map(|l| LineItem {
                        description: l.article,
                        quantity: l.quantity,
                        total: l.total,
                    })
                    .collect(),
            }),
            ..Outcome::default()
        }
    } else {
        let error = event.error.unwrap_or_default();
        Outcome {
            reasons: vec![OUTCOMES.reason(&error.code, error.message)],
            ..Outcome::default()
        }
    };
    Ok(Progress::Done(Box::new(Verdict { status, outcome })))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_credits_reading_held_under_steady_traffic_is_read_again_after_30_s() {
        // Once each use restamped the reading: with a submission every few
        // seconds it never aged, and a topped-up account stayed held.
        let read = Instant::now();
        let mut cache = CreditsCache::default();
        cache.keep(read, 10);
        for s in [5, 10, 15, 20, 25] {
            let now = read + Duration::from_secs(s);
            let (read_at, left) = cache.trusted(now).expect("still trusted");
            assert_eq!(read_at, read, "the reading keeps its own time");
            cache.keep(read_at, left - 1);
        }
        assert_eq!(
            cache
                .trusted(read + Duration::from_secs(29))
                .map(|(_, n)| n),
            Some(5)
        );
        assert_eq!(
            cache.trusted(read + Duration::from_secs(30)),
            None,
            "read again"
        );
    }

    use super::*;
    use api::ReasonCode;

    fn parse(json: serde_json::Value) -> Progress {
        map_event(serde_json::from_value(json).unwrap()).unwrap()
    }

    #[test]
    fn anything_but_finished_is_pending() {
        assert_eq!(
            parse(serde_json::json!({"status": "pending", "event_id": 1})),
            Progress::Pending
        );
        assert_eq!(
            parse(serde_json::json!({"status": "processing"})),
            Progress::Pending
        );
    }

    #[test]
    fn the_documented_finished_body_becomes_an_accepted_receipt() {
        let body = serde_json::json!({
            "status": "finished", "event_id": 987654, "finished_status": "ok",
            "result": {
                "header": {"store_name": "CLAREL", "store_address": "AV PRIMERO DE JUNIO 66",
                           "date": "2025-09-24", "time": "20:08", "currency": "EUR", "tax_id": "A"},
                "line_items": [{"article": "SERUM", "sku": "1", "quantity": 1, "total": 24.19}],
                "footer": {"total": 37.87},
                "controls": {"handwritten": 0, "text_quality": 95}
            },
            "processed_at": "2026-04-08 09:30:18"
        });
        let Progress::Done(verdict) = parse(body) else {
            panic!("not done")
        };
        assert_eq!(verdict.status, SubmissionStatus::Accepted);
        let receipt = verdict.outcome.receipt.unwrap();
        assert_eq!(receipt.store.as_deref(), Some("CLAREL"));
        assert_eq!(receipt.total, Some(37.87));
        assert_eq!(receipt.currency.as_deref(), Some("EUR"));
        assert_eq!(receipt.items[0].description, "SERUM");
    }

    #[test]
    fn a_finished_error_is_rejected_with_a_unified_reason() {
        let body = serde_json::json!({"status": "finished", "finished_status": "error",
            "error": {"code": "not_a_ticket", "message": "no ticket"}});
        let Progress::Done(verdict) = parse(body) else {
            panic!("not done")
        };
        assert_eq!(verdict.status, SubmissionStatus::Rejected);
        assert_eq!(verdict.outcome.reasons[0].code, ReasonCode::NotReceipt);
    }

    #[test]
    fn finished_ok_without_a_result_is_malformed() {
        let event = serde_json::from_value(
            serde_json::json!({"status": "finished", "finished_status": "ok"}),
        )
        .unwrap();
        assert!(matches!(map_event(event), Err(ProviderError::Malformed(_))));
    }
}
