//! Simulator of APM's receipt moderation API, "Revizor" (`seeds/002_*`).
//!
//! Documented, and simulated as written:
//! - the `api-key` header on every call (401 without the right one);
//! - `POST /api/widgets/receipts`, multipart `photos` (1 to 5 files), `userUuid`,
//!   `qrAsString`, `source`, `channel` -> `{uuid, status: "success"}`;
//! - `POST /api/receipts`, multipart `photos` (1 to 5) with `config` (a JSON
//!   string), `meta` (a JSON string), `source`, `channel`, `userUuid`,
//!   `externalId` (a number) -> `{uuid, status}`;
//! - `POST /api/receipts/qr`, JSON `{qrStr, userUuid, externalId, config, meta,
//!   channel}` -> `{uuid, status}`;
//! - `GET /api/receipts/{uuid}` -> the receipt: `state` `ARRIVED` until the
//!   moderators are done (the processing delay), then `REVIEWED` with `approved`,
//!   `rejectKey`, `rejectReason`, `retailer`, `receiptDate`, `total`, `qrString`;
//! - `config.callback` `{url, method, headers: [{name, values}]}`: once reviewed,
//!   the receipt is sent there with those headers.
//!
//! Assumed (as in the proxy's adapter): errors are Spring's `{timestamp, status,
//! error, message, path}`; the callback body is the receipt as `GET` shows it;
//! reject keys are `NOT_RECEIPT` (a red photo, or a QR string that is no fiscal
//! QR), `NOT_READABLE` (a dark photo) and `NOT_QUANTITY_PRODUCT` (a blue,
//! off-promotion photo: the document's example).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::sample::Reading;
use crate::verdict::{self, Verdict};
use crate::{Controls, SandboxConfig, sample, webhook};

/// Photos per receipt, as documented.
const MAX_PHOTOS: usize = 5;

#[derive(Debug)]
struct ApmReceipt {
    uuid: String,
    receipt_id: u64,
    created: Instant,
    created_at: String,
    verdict: Verdict,
    /// What the moderators read: the fiscal code's facts where it was sent
    /// or shown, else the photo's.
    reading: Reading,
    user_uuid: Option<String>,
    source: Option<String>,
    channel: Option<String>,
    meta: Option<String>,
    qr: Option<String>,
    photos: usize,
}

#[derive(Debug)]
struct Account {
    api_key: String,
    delay: Duration,
    controls: Arc<Controls>,
    receipts: HashMap<String, ApmReceipt>,
}

type Shared = Arc<Mutex<Account>>;

pub(crate) fn router(prefix: &str, config: &SandboxConfig, controls: Arc<Controls>) -> Router {
    let account = Arc::new(Mutex::new(Account {
        api_key: config.apm_api_key.clone(),
        delay: config.processing_delay,
        controls,
        receipts: HashMap::new(),
    }));
    let routes = Router::new()
        .route("/api/widgets/receipts", post(widget_receipt))
        .route("/api/receipts", post(receipt_with_config))
        .route("/api/receipts/qr", post(qr_receipt))
        .route("/api/receipts/{uuid}", get(result))
        .with_state(account);
    Router::new().nest(prefix, routes)
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Account> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn error(status: StatusCode, message: &str, path: &str) -> Response {
    (
        status,
        Json(json!({
            "timestamp": crate::now_rfc3339(), "status": status.as_u16(),
            "error": status.canonical_reason().unwrap_or_default(),
            "message": message, "path": path,
        })),
    )
        .into_response()
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let account = lock(shared);
    headers
        .get("api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| k == account.api_key)
}

/// What a receipt upload carried.
#[derive(Default)]
struct Upload {
    photos: Vec<Vec<u8>>,
    texts: HashMap<String, String>,
}

async fn read_multipart(mut multipart: Multipart, allowed: &[&str]) -> Result<Upload, String> {
    let mut upload = Upload::default();
    let mut files = std::collections::HashSet::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let field_name = field.file_name().map(str::to_owned);
                let data = field
                    .bytes()
                    .await
                    .map_err(|_| "Malformed multipart body".to_owned())?;
                if name == "photos" {
                    // Files of one upload are kept by name: two with one name
                    // would be one photo.
                    let file = field_name.unwrap_or_default();
                    if !files.insert(file) {
                        return Err("Two photos have the same file name".to_owned());
                    }
                    upload.photos.push(data.to_vec());
                } else if allowed.contains(&name.as_str()) {
                    let text = String::from_utf8(data.to_vec())
                        .map_err(|_| format!("{name} is not text"))?;
                    if text.chars().count() > 255 && name != "config" && name != "meta" {
                        return Err(format!("{name} is longer than 255 symbols"));
                    }
                    upload.texts.insert(name, text);
                } else {
                    return Err(format!("Unknown request part '{name}'"));
                }
            }
            Ok(None) => break,
            Err(_) => return Err("Malformed multipart body".to_owned()),
        }
    }
    if upload.photos.is_empty() || upload.photos.len() > MAX_PHOTOS {
        return Err(format!(
            "Photos: min 1, max {MAX_PHOTOS} files (got {})",
            upload.photos.len()
        ));
    }
    if upload.photos.iter().any(Vec::is_empty) {
        return Err("A photo is empty".to_owned());
    }
    Ok(upload)
}

/// The verdict on several photos: the worst of them.
fn judge_all(photos: &[Vec<u8>]) -> Verdict {
    let verdicts: Vec<_> = photos.iter().map(|p| verdict::judge(p)).collect();
    [
        Verdict::NotReceipt,
        Verdict::Unreadable,
        Verdict::OffPromotion,
    ]
    .into_iter()
    .find(|v| verdicts.contains(v))
    .unwrap_or(Verdict::Accepted)
}

async fn widget_receipt(
    State(shared): State<Shared>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    const PATH: &str = "/api/widgets/receipts";
    if !authorized(&shared, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Wrong api-key", PATH);
    }
    let upload =
        match read_multipart(multipart, &["userUuid", "qrAsString", "source", "channel"]).await {
            Ok(upload) => upload,
            Err(message) => return error(StatusCode::BAD_REQUEST, &message, PATH),
        };
    let verdict = judge_all(&upload.photos);
    let mut texts = upload.texts;
    let qr = texts.remove("qrAsString");
    let reading = match qr.as_deref().and_then(Reading::of_qr_text) {
        Some(reading) => reading,
        None => read_photos(&upload.photos).await,
    };
    store(
        &shared,
        ApmReceipt {
            qr,
            meta: None,
            ..new_receipt(verdict, reading, &mut texts, upload.photos.len())
        },
        None,
    )
}

async fn receipt_with_config(
    State(shared): State<Shared>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    const PATH: &str = "/api/receipts";
    if !authorized(&shared, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Wrong api-key", PATH);
    }
    let upload = match read_multipart(
        multipart,
        // As the document lists them for this endpoint: no `meta` (only
        // `/api/receipts/qr` takes it) and no QR field.
        &["config", "source", "channel", "userUuid", "externalId"],
    )
    .await
    {
        Ok(upload) => upload,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, PATH),
    };
    let mut texts = upload.texts;
    let callback = match parse_config(texts.get("config").map(String::as_str)) {
        Ok(callback) => callback,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, PATH),
    };
    if texts
        .get("externalId")
        .is_some_and(|id| id.parse::<u64>().is_err())
    {
        return error(StatusCode::BAD_REQUEST, "externalId must be a number", PATH);
    }
    let verdict = judge_all(&upload.photos);
    let reading = read_photos(&upload.photos).await;
    store(
        &shared,
        ApmReceipt {
            ..new_receipt(verdict, reading, &mut texts, upload.photos.len())
        },
        callback,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QrBody {
    qr_str: Option<String>,
    user_uuid: Option<String>,
    /// Accepted as documented; the simulator has no use for it.
    #[serde(rename = "externalId")]
    _external_id: Option<u64>,
    config: Option<String>,
    meta: Option<String>,
    channel: Option<String>,
}

async fn qr_receipt(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    const PATH: &str = "/api/receipts/qr";
    if !authorized(&shared, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Wrong api-key", PATH);
    }
    let Ok(body) = serde_json::from_slice::<QrBody>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Malformed JSON body", PATH);
    };
    let Some(qr) = body.qr_str.filter(|q| !q.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "qrStr is required", PATH);
    };
    let callback = match parse_config(body.config.as_deref()) {
        Ok(callback) => callback,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, PATH),
    };
    // Moderators check a QR against the fiscal service: a string that is no
    // fiscal receipt QR is no receipt.
    let fiscal =
        qr.split('&').any(|p| p.starts_with("t=")) && qr.split('&').any(|p| p.starts_with("s="));
    let verdict = if fiscal {
        Verdict::Accepted
    } else {
        Verdict::NotReceipt
    };
    let mut texts = HashMap::new();
    if let Some(user) = body.user_uuid {
        texts.insert("userUuid".to_owned(), user);
    }
    if let Some(channel) = body.channel {
        texts.insert("channel".to_owned(), channel);
    }
    store(
        &shared,
        ApmReceipt {
            reading: Reading::of_qr_text(&qr).unwrap_or(Reading::SAMPLE),
            qr: Some(qr),
            meta: body.meta,
            ..new_receipt(verdict, Reading::SAMPLE, &mut texts, 0)
        },
        callback,
    )
}

/// Where and how to call back, from a review config.
#[derive(Debug, Clone, Deserialize)]
struct Callback {
    url: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    headers: Vec<CallbackHeader>,
}

#[derive(Debug, Clone, Deserialize)]
struct CallbackHeader {
    name: String,
    values: Vec<String>,
}

fn parse_config(config: Option<&str>) -> Result<Option<Callback>, String> {
    let Some(config) = config else {
        return Ok(None);
    };
    let config: Value =
        serde_json::from_str(config).map_err(|_| "config is not a JSON string".to_owned())?;
    match config.get("callback") {
        None => Ok(None),
        Some(callback) => serde_json::from_value(callback.clone())
            .map(Some)
            .map_err(|_| "config.callback needs url, method and headers".to_owned()),
    }
}

/// What the moderators read of a receipt's photos: its first photo's.
async fn read_photos(photos: &[Vec<u8>]) -> Reading {
    match photos.first() {
        Some(photo) => sample::read(photo.clone()).await,
        None => Reading::SAMPLE,
    }
}

fn new_receipt(
    verdict: Verdict,
    reading: Reading,
    texts: &mut HashMap<String, String>,
    photos: usize,
) -> ApmReceipt {
    ApmReceipt {
        uuid: crate::random_uuid(),
        receipt_id: 0,
        created: Instant::now(),
        created_at: crate::now_rfc3339(),
        verdict,
        reading,
        user_uuid: texts.remove("userUuid"),
        source: texts.remove("source"),
        channel: texts.remove("channel"),
        meta: None,
        qr: None,
        photos,
    }
}

fn store(shared: &Shared, mut receipt: ApmReceipt, callback: Option<Callback>) -> Response {
    let mut account = lock(shared);
    receipt.receipt_id = account.receipts.len() as u64 + 1;
    let uuid = receipt.uuid.clone();
    if let Some(callback) = callback {
        let delay = account.delay;
        let body = describe(&receipt, true);
        // The moderators take their time, then APM calls back.
        webhook::deliver(
            &account.controls,
            webhook::Callback {
                method: callback
                    .method
                    .as_deref()
                    .and_then(|m| reqwest::Method::from_bytes(m.as_bytes()).ok())
                    .unwrap_or(reqwest::Method::POST),
                url: callback.url,
                headers: callback
                    .headers
                    .into_iter()
                    .flat_map(|h| h.values.into_iter().map(move |v| (h.name.clone(), v)))
                    .collect(),
                body,
            },
            delay,
        );
    }
    account.receipts.insert(uuid.clone(), receipt);
    Json(json!({"uuid": uuid, "status": "success"})).into_response()
}

async fn result(
    State(shared): State<Shared>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/api/receipts/{uuid}");
    if !authorized(&shared, &headers) {
        return error(StatusCode::UNAUTHORIZED, "Wrong api-key", &path);
    }
    let account = lock(&shared);
    match account.receipts.get(&uuid) {
        Some(r) => Json(describe(r, r.created.elapsed() >= account.delay)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Receipt not found", &path),
    }
}

/// The receipt as `GET /api/receipts/{uuid}` shows it; `reviewed` once the
/// moderators are done.
fn describe(r: &ApmReceipt, reviewed: bool) -> Value {
    let reject = match r.verdict {
        Verdict::Accepted => None,
        Verdict::NotReceipt => Some(("NOT_RECEIPT", "Это не чек")),
        Verdict::Unreadable => Some(("NOT_READABLE", "Информация на чеке нечитаема")),
        Verdict::OffPromotion => Some((
            "NOT_QUANTITY_PRODUCT",
            "Несоответствие продуктов в чеке условиям Акции",
        )),
    };
    let read = reviewed && matches!(r.verdict, Verdict::Accepted | Verdict::OffPromotion);
    let unknown = || json!({"id": null, "name": "Unknown", "inn": null, "store": "Unknown"});
    json!({
        "state": if reviewed { "REVIEWED" } else { "ARRIVED" },
        "uuid": r.uuid,
        "userUuid": r.user_uuid,
        "approved": reviewed && reject.is_none(),
        "receiptId": r.receipt_id,
        "receiptDate": if read { r.reading.date() } else { String::new() },
        "createdAt": r.created_at,
        "duplicate": null,
        "promoId": 1,
        "photos": (0..r.photos).map(|i| format!("https://cdn.apm.sandbox/{}/{i}.jpg", r.uuid)).collect::<Vec<_>>(),
        "reviewers": if reviewed { json!([10, 11]) } else { json!([]) },
        "rejectReason": reject.filter(|_| reviewed).map(|(_, text)| text),
        "rejectKey": reject.filter(|_| reviewed).map(|(key, _)| key),
        "retailer": if read {
            json!({"id": 1, "name": sample::STORE, "inn": sample::TAX_ID, "store": sample::ADDRESS})
        } else {
            unknown()
        },
        "total": {"sum": if read { r.reading.total() } else { 0.0 }, "count": 0, "sum_subtotal": 0.0},
        "source": r.source,
        "channel": r.channel,
        "meta": r.meta,
        "qrString": r.qr,
        "rules": null, "rulesCount": null, "rulesPoints": null,
        "answers": {}, "promoPoints": {"earned": 0, "totalEarned": 0, "leftovers": 0.0, "leftoversInt": 0},
        "fnsReceipt": null, "matchedPromos": null,
        "city": {"id": -1, "city": "Unknown", "region": "Unknown", "address": "Unknown"},
    })
}
