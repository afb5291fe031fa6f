//! Simulator of Photon Commerce's async API (`seeds/003_*`).
//!
//! Documented, and simulated as written:
//! - four credential headers on every call: `CLIENT-ID`, `AUTHORIZATION: apikey
//!   <username>:<api_key>`, `PASSWORD`, `SECRET-KEY`; any wrong one is an
//!   authorization error;
//! - `POST /api/v4?type=async` with the document in the multipart `pdf` field
//!   (a PDF, document or image) -> `{photon_key: "data/<username>/<file>.json",
//!   message: "success", status: "success"}`.
//!
//! Not documented (the seed points to a "Retrieve Data (JSON)" page it does not
//! include), so assumed here and in the proxy's adapter:
//! - errors are `{"status": "error", "message": "..."}` with 401 (credentials), 400
//!   (no `pdf`, or `type` other than `async`: only the async API is simulated) and
//!   404 (unknown key);
//! - `GET /api/v4/result?photon_key=KEY` (the adapter's `result_path`) answers
//!   `{"status": "processing", "photon_key"}` until the document is read, then
//!   `{"status": "success", "photon_key", "result": {vendor: {name, address,
//!   tax_id}, invoice_number, date, time, currency, total, line_items:
//!   [{description, sku, quantity, total}]}}`, or `{"status": "failed",
//!   "photon_key", "error_code": "not_a_document" | "unreadable", "message"}`;
//! - the webhook ("Async API Webhook", a page not included) is registered in the
//!   dashboard ([`crate::Controls::set_photon_webhook`] here) and posts that same
//!   body with the key in `X-Webhook-Key`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::sample::Reading;
use crate::verdict::{self, Verdict};
use crate::{Controls, SandboxConfig, sample, webhook};

/// The simulated account's credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: String,
    pub username: String,
    pub api_key: String,
    pub password: String,
    pub secret_key: String,
}

#[derive(Debug)]
struct Document {
    created: Instant,
    verdict: Verdict,
    reading: Reading,
}

#[derive(Debug)]
struct Account {
    credentials: Credentials,
    delay: Duration,
    next: u64,
    documents: HashMap<String, Document>,
    controls: Arc<Controls>,
}

type Shared = Arc<Mutex<Account>>;

pub(crate) fn router(prefix: &str, config: &SandboxConfig, controls: Arc<Controls>) -> Router {
    let account = Arc::new(Mutex::new(Account {
        credentials: config.photon.clone(),
        delay: config.processing_delay,
        next: 1,
        documents: HashMap::new(),
        controls,
    }));
    let routes = Router::new()
        .route("/api/v4", post(upload))
        .route("/api/v4/result", get(result))
        .with_state(account);
    Router::new().nest(prefix, routes)
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"status": "error", "message": message}))).into_response()
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Account> {
    // A simulator's state cannot be left half-updated in a way that matters.
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// All four headers must match (header names are case-insensitive in HTTP).
fn authorized(c: &Credentials, headers: &HeaderMap) -> bool {
    let is = |name: &str, expected: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == expected)
    };
    is("client-id", &c.client_id)
        && is(
            "authorization",
            &format!("apikey {}:{}", c.username, c.api_key),
        )
        && is("password", &c.password)
        && is("secret-key", &c.secret_key)
}

#[derive(Deserialize)]
struct UploadQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

async fn upload(
    State(shared): State<Shared>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !authorized(&lock(&shared).credentials, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Authorization error");
    }
    if query.kind.as_deref() != Some("async") {
        return error(
            StatusCode::BAD_REQUEST,
            "Pass type as 'async' (the sandbox simulates the async API)",
        );
    }
    let mut document = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let file_name = field.file_name().unwrap_or("document").to_owned();
                let Ok(data) = field.bytes().await else {
                    return error(StatusCode::BAD_REQUEST, "Malformed multipart body");
                };
                if name == "pdf" {
                    document = Some((file_name, data));
                }
            }
            Ok(None) => break,
            Err(_) => return error(StatusCode::BAD_REQUEST, "Malformed multipart body"),
        }
    }
    let Some((file_name, data)) = document.filter(|(_, d)| !d.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "The pdf file is required");
    };
    let verdict = verdict::judge(&data);
    let reading = sample::read(data.clone()).await;
    let mut account = lock(&shared);
    let stem: String = file_name
        .rsplit_once('.')
        .map_or(file_name.as_str(), |(stem, _)| stem)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let key = format!(
        "data/{}/{stem}-{}.json",
        account.credentials.username, account.next
    );
    account.next += 1;
    account.documents.insert(
        key.clone(),
        Document {
            created: Instant::now(),
            verdict,
            reading,
        },
    );
    let webhook = account
        .controls
        .photon_webhook
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    if let Some((url, webhook_key)) = webhook {
        let (delay, body) = (account.delay, result_body(&key, verdict, reading));
        // Photon reads the document, then posts the result.
        webhook::deliver(
            &account.controls,
            webhook::Callback {
                method: reqwest::Method::POST,
                url,
                headers: vec![("X-Webhook-Key".to_owned(), webhook_key)],
                body,
            },
            delay,
        );
    }
    Json(json!({"photon_key": key, "message": "success", "status": "success"})).into_response()
}

#[derive(Deserialize)]
struct ResultQuery {
    photon_key: Option<String>,
}

async fn result(
    State(shared): State<Shared>,
    Query(query): Query<ResultQuery>,
    headers: HeaderMap,
) -> Response {
    let account = lock(&shared);
    if !authorized(&account.credentials, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Authorization error");
    }
    let Some(key) = query.photon_key else {
        return error(StatusCode::BAD_REQUEST, "photon_key is required");
    };
    let Some(document) = account.documents.get(&key) else {
        return error(StatusCode::NOT_FOUND, "photon_key not found");
    };
    if document.created.elapsed() < account.delay {
        return Json(json!({"status": "processing", "photon_key": key})).into_response();
    }
    Json(result_body(&key, document.verdict, document.reading)).into_response()
}

/// A read document's result, as fetched and as the webhook posts it.
fn result_body(key: &str, verdict: Verdict, reading: Reading) -> Value {
    match verdict {
        Verdict::Accepted | Verdict::OffPromotion => {
            json!({"status": "success", "photon_key": key, "result": sample_result(reading)})
        }
        Verdict::NotReceipt => json!({"status": "failed", "photon_key": key,
            "error_code": "not_a_document", "message": "The document is not an invoice or receipt"}),
        Verdict::Unreadable => json!({"status": "failed", "photon_key": key,
            "error_code": "unreadable", "message": "The document could not be read"}),
    }
}

fn sample_result(reading: Reading) -> Value {
    let lines: Vec<Value> = sample::LINES
        .iter()
        .map(|l| json!({"description": l.article, "sku": l.sku, "quantity": l.quantity, "total": l.total}))
        .collect();
    json!({
        "vendor": {"name": sample::STORE, "address": sample::ADDRESS, "tax_id": sample::TAX_ID},
        "invoice_number": reading.receipt_number(),
        "date": reading.date(),
        "time": reading.time(),
        "currency": sample::CURRENCY,
        "total": reading.total(),
        "line_items": lines,
    })
}
