//! Simulator of the Easypromos OCR API (`seeds/000_*`).
//!
//! Documented, and simulated as written:
//! - `Authorization: Bearer <token>` on every call;
//! - `GET /v2/ocr/credits` -> `{status, credits, currency, updated_at}`;
//! - `POST /v2/ocr/tickets`, multipart `ticket` (+ optional `webhook_url`,
//!   `webhook_key`) -> `{status: "ok", event_id, created_at}`;
//! - `GET /v2/ocr/events/{event_id}` -> the finished body with `result.header`,
//!   `line_items`, `footer`, `controls`.
//!
//! Not documented, so assumed here (and in the proxy's adapter):
//! - errors are `{"status": "error", "message": "..."}` with 401 (bad or missing
//!   token), 400 (no `ticket`), 404 (unknown event), 402 (no credits left);
//! - an event still being read answers `{"status": "pending", "event_id": N}`;
//! - a receipt that cannot be read finishes with `"finished_status": "error"` and
//!   `"error": {"code": "not_a_ticket" | "unreadable", "message": "..."}`
//!   instead of `result`.
//!
//! - with `webhook_url` and `webhook_key`, once the event is finished it is POSTed
//!   to `webhook_url` as the document's "Webhook payload", with the key in the
//!   `X-Webhook-Key` header (how the key travels is not documented).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::sample::Reading;
use crate::verdict::{self, Verdict};
use crate::{Controls, SandboxConfig, sample, webhook};

/// The first event id handed out; the document's example id.
const FIRST_EVENT_ID: u64 = 987_654;

#[derive(Debug)]
struct Event {
    created: Instant,
    verdict: Verdict,
    reading: Reading,
}

/// The simulated account's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The bearer token it accepts.
    pub token: String,
    /// Credits it starts with.
    pub credits: u64,
}

#[derive(Debug)]
struct Account {
    token: String,
    delay: Duration,
    controls: Arc<Controls>,
    credits: u64,
    next_id: u64,
    events: HashMap<u64, Event>,
}

type Shared = Arc<Mutex<Account>>;

pub(crate) fn router(prefix: &str, config: &SandboxConfig, controls: Arc<Controls>) -> Router {
    let account = Arc::new(Mutex::new(Account {
        token: config.easypromos.token.clone(),
        delay: config.processing_delay,
        controls,
        credits: config.easypromos.credits,
        next_id: FIRST_EVENT_ID,
        events: HashMap::new(),
    }));
    let routes = Router::new()
        .route("/v2/ocr/credits", get(credits))
        .route("/v2/ocr/tickets", post(upload_ticket))
        .route("/v2/ocr/events/{event_id}", get(event))
        .with_state(account);
    Router::new().nest(prefix, routes)
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"status": "error", "message": message}))).into_response()
}

/// Whether the request carries the account's bearer token.
fn authorized(account: &Account, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| token == account.token)
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "Invalid or missing bearer token")
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Account> {
    // A panic while holding the lock cannot leave the account half-updated in a
    // way that matters to a simulator, so a poisoned lock is simply taken over.
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn credits(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let account = lock(&shared);
    if !authorized(&account, &headers) {
        return unauthorized();
    }
    Json(json!({
        "status": "ok",
        "credits": account.credits,
        "currency": "USD",
        "updated_at": crate::now_rfc3339(),
    }))
    .into_response()
}

async fn upload_ticket(
    State(shared): State<Shared>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !authorized(&lock(&shared), &headers) {
        return unauthorized();
    }
    let (mut ticket, mut webhook_url, mut webhook_key) = (None, None, None);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let Ok(data) = field.bytes().await else {
                    return error(StatusCode::BAD_REQUEST, "Malformed multipart body");
                };
                let text = || String::from_utf8_lossy(&data).into_owned();
                match name.as_str() {
                    "ticket" => ticket = Some(data.clone()),
                    "webhook_url" => webhook_url = Some(text()),
                    "webhook_key" => webhook_key = Some(text()),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return error(StatusCode::BAD_REQUEST, "Malformed multipart body"),
        }
    }
    let Some(ticket) = ticket.filter(|t| !t.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "The ticket file is required");
    };
    let verdict = verdict::judge(&ticket);
    let reading = sample::read(ticket.clone()).await;

    let mut account = lock(&shared);
    if account.credits == 0 {
        return error(StatusCode::PAYMENT_REQUIRED, "No OCR credits left");
    }
    account.credits -= 1;
    let event_id = account.next_id;
    account.next_id += 1;
    account.events.insert(
        event_id,
        Event {
            created: Instant::now(),
            verdict,
            reading,
        },
    );
    if let (Some(url), Some(key)) = (webhook_url, webhook_key) {
        let delay = account.delay;
        // The simulated provider takes its time, then calls back.
        webhook::deliver(
            &account.controls,
            webhook::Callback {
                method: reqwest::Method::POST,
                url,
                headers: vec![("X-Webhook-Key".to_owned(), key)],
                body: finished_body(event_id, verdict, reading),
            },
            delay,
        );
    }
    Json(json!({"status": "ok", "event_id": event_id, "created_at": crate::now_rfc3339()}))
        .into_response()
}

async fn event(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(event_id): Path<String>,
) -> Response {
    let account = lock(&shared);
    if !authorized(&account, &headers) {
        return unauthorized();
    }
    let Some(event) = event_id.parse().ok().and_then(|id| account.events.get(&id)) else {
        return error(StatusCode::NOT_FOUND, "Event not found");
    };
    let event_id: u64 = event_id.parse().unwrap_or_default();
    if event.created.elapsed() < account.delay {
        return Json(json!({"status": "pending", "event_id": event_id})).into_response();
    }
    Json(finished_body(event_id, event.verdict, event.reading)).into_response()
}

/// The finished event, as the document's "Finished poll response".
pub fn finished_body(event_id: u64, verdict: Verdict, reading: Reading) -> Value {
    let processed_at = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    match verdict {
        Verdict::Accepted | Verdict::OffPromotion => json!({
            "status": "finished",
            "event_id": event_id,
            "finished_status": "ok",
            "result": seed_result(reading),
            "processed_at": processed_at,
        }),
        Verdict::NotReceipt | Verdict::Unreadable => {
            let (code, message) = if verdict == Verdict::NotReceipt {
                ("not_a_ticket", "The image does not contain a ticket")
            } else {
                ("unreadable", "The ticket could not be read")
            };
            json!({
                "status": "finished",
                "event_id": event_id,
                "finished_status": "error",
                "error": {"code": code, "message": message},
                "processed_at": processed_at,
            })
        }
    }
}

/// The `result` of the document's example, with what was read of this photo.
fn seed_result(reading: Reading) -> Value {
    let lines: Vec<Value> = sample::LINES
        .iter()
        .map(|l| json!({"article": l.article, "sku": l.sku, "quantity": l.quantity, "total": l.total}))
        .collect();
    json!({
        "header": {
            "store_name": sample::STORE,
            "store_address": sample::ADDRESS,
            "tax_id": sample::TAX_ID,
            "phone": "+34912345678",
            "date": reading.date(),
            "time": reading.time(),
            "receipt_number": reading.receipt_number(),
            "currency": sample::CURRENCY,
            "city": "Venta de Banos",
            "postal_code": "34200",
            "country": "Spain",
            "country_code": "ES",
            "timezone": "Europe/Madrid",
            "utc_date_time": format!("{}T{}:00+02:00", reading.date(), reading.time())
        },
        "line_items": lines,
        "footer": {"total": reading.total()},
        "controls": {"handwritten": 0, "text_quality": 95}
    })
}
