//! Simulator of Aboutgoods Receipt Analysis v2 (`seeds/001_*`).
//!
//! Documented, and simulated as written:
//! - every call but the token's needs `Authorization: Bearer <token>`: 401 without
//!   a valid one;
//! - `POST /documents`, `/campaigns/{campaignId}/documents` and
//!   `/endpoints/{endpointId}/documents`: the image is the body (`image/jpg`,
//!   `image/png`, `application/pdf`), query `name` (required, unique: 409 for a
//!   name already used), `dominantLanguage`, `userPseudoId`; 402 when the quota is
//!   exceeded; answers the document, `WAITING_FOR_PROCESS` / `NOT_ANALYZED`;
//! - `GET /documents?filter=name:X` (other filters are ignored) and
//!   `GET /documents/{uid}`: the document, `PROCESSED` with `data` (and
//!   `processedRules` for documents sent to a campaign) or `NOT_EXPLOITABLE` with
//!   its `processReport`, once the processing delay has passed;
//! - `POST /documents/check`: `{uid, name, status: EXPLOITABLE | NOT_EXPLOITABLE,
//!   processReport, imageQuality}`; 400 for a body that is not an image;
//! - errors as documented: `{"badRequest": ...}` (400), `{"notFound": ...}` (404).
//!
//! Assumed (the document does not say), as in the proxy's adapter:
//! - `POST /oauth2/token` with `grant_type=client_credentials` as a form and the
//!   client in HTTP Basic -> `{access_token, token_type: "bearer", expires_in}`;
//!   a wrong client gets 401 `{"error": "invalid_client"}`;
//! - the simulated account has one campaign, [`Settings::campaign_uid`], whose
//!   rules a receipt matches unless its photo is
//!   [`Verdict::OffPromotion`](crate::verdict::Verdict) (then `dateRule` fails);
//!   any other campaign or endpoint uid is 404.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::sample::Reading;
use crate::verdict::{self, Verdict};
use crate::{Controls, SandboxConfig, sample};

/// The simulated account.
#[derive(Debug, Clone)]
pub struct Settings {
    pub client_id: String,
    pub client_secret: String,
    /// Lifetime of the tokens it hands out.
    pub token_ttl: Duration,
    /// The one promotion campaign the account has.
    pub campaign_uid: String,
    /// The one endpoint the account has.
    pub endpoint_uid: String,
}

#[derive(Debug)]
struct Document {
    uid: String,
    name: String,
    campaign_uid: Option<String>,
    endpoint_uid: Option<String>,
    dominant_language: Option<String>,
    user_pseudo_id: Option<String>,
    created: Instant,
    created_at: String,
    verdict: Verdict,
    reading: Reading,
}

#[derive(Debug)]
struct Account {
    settings: Settings,
    delay: Duration,
    /// Token -> (expiry, the revocation epoch it was issued in).
    /// Token -> (expiry, revocation epoch, granted the `access:promo` scope).
    tokens: HashMap<String, (Instant, u64, bool)>,
    documents: Vec<Document>,
}

#[derive(Clone)]
struct Shared {
    account: Arc<Mutex<Account>>,
    controls: Arc<Controls>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Account> {
        self.account
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the bearer token is one we issued, unexpired and not revoked.
    fn authorized(&self, headers: &HeaderMap) -> bool {
        self.token(headers).is_some()
    }

    /// The bearer token's `access:promo` scope, where the token is valid.
    fn token(&self, headers: &HeaderMap) -> Option<bool> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))?;
        let epoch = self.controls.aboutgoods_epoch.load(Ordering::SeqCst);
        let account = self.lock();
        let (expiry, issued, promo) = account.tokens.get(token)?;
        (Instant::now() < *expiry && *issued == epoch).then_some(*promo)
    }
}

pub(crate) fn router(prefix: &str, config: &SandboxConfig, controls: Arc<Controls>) -> Router {
    let shared = Shared {
        account: Arc::new(Mutex::new(Account {
            settings: config.aboutgoods.clone(),
            delay: config.processing_delay,
            tokens: HashMap::new(),
            documents: Vec::new(),
        })),
        controls,
    };
    let routes = Router::new()
        .route("/oauth2/token", post(token))
        .route("/documents", get(list).post(create))
        .route("/documents/check", post(check))
        .route("/documents/{uid}", get(document))
        .route("/campaigns/{uid}/documents", post(create_in_campaign))
        .route("/endpoints/{uid}/documents", post(create_in_endpoint))
        .with_state(shared);
    Router::new().nest(prefix, routes)
}

fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, "Authentication with Auth0 failed").into_response()
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"badRequest": message})),
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"notFound": "resource has not been found on this system"})),
    )
        .into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    /// Space-separated, as OAuth2 has it.
    scope: Option<String>,
}

async fn token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let client = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let mut account = shared.lock();
    let expected = format!(
        "{}:{}",
        account.settings.client_id, account.settings.client_secret
    );
    if client.as_deref() != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let Some(Form(form)) = form.ok() else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_request"})),
        )
            .into_response();
    };
    let promo = form
        .scope
        .as_deref()
        .is_some_and(|s| s.split(' ').any(|s| s == "access:promo"));
    if form.grant_type.as_deref() != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    let access_token = crate::random_token("ag_access");
    let ttl = account.settings.token_ttl;
    let epoch = shared.controls.aboutgoods_epoch.load(Ordering::SeqCst);
    account
        .tokens
        .insert(access_token.clone(), (Instant::now() + ttl, epoch, promo));
    Json(json!({"access_token": access_token, "token_type": "bearer", "expires_in": ttl.as_secs()}))
        .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateQuery {
    name: Option<String>,
    dominant_language: Option<String>,
    user_pseudo_id: Option<String>,
}

/// Where a document is sent.
enum Target {
    Documents,
    Campaign(String),
    Endpoint(String),
}

async fn create(
    State(shared): State<Shared>,
    Query(query): Query<CreateQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reading = sample::read(body.clone()).await;
    create_document(&shared, Target::Documents, query, &headers, &body, reading)
}

async fn create_in_campaign(
    State(shared): State<Shared>,
    Path(uid): Path<String>,
    Query(query): Query<CreateQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reading = sample::read(body.clone()).await;
    create_document(
        &shared,
        Target::Campaign(uid),
        query,
        &headers,
        &body,
        reading,
    )
}

async fn create_in_endpoint(
    State(shared): State<Shared>,
    Path(uid): Path<String>,
    Query(query): Query<CreateQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reading = sample::read(body.clone()).await;
    create_document(
        &shared,
        Target::Endpoint(uid),
        query,
        &headers,
        &body,
        reading,
    )
}

/// The documented body types.
fn is_document_type(headers: &HeaderMap) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    ["image/jpg", "image/jpeg", "image/png", "application/pdf"]
        .iter()
        .any(|t| content_type.starts_with(t))
}

fn create_document(
    shared: &Shared,
    target: Target,
    query: CreateQuery,
    headers: &HeaderMap,
    body: &[u8],
    reading: Reading,
) -> Response {
    let Some(promo) = shared.token(headers) else {
        return unauthorized();
    };
    // "OAuth2.0 authentification required AND the scope 'access:promo' must be
    // activated" (the document, for `/campaigns/...`).
    if matches!(target, Target::Campaign(_)) && !promo {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"forbidden": "the scope 'access:promo' is required"})),
        )
            .into_response();
    }
    let Some(name) = query.name.filter(|n| !n.is_empty()) else {
        return bad_request("You are missing some field or they are malformed");
    };
    if body.is_empty() || !is_document_type(headers) {
        return bad_request("You are missing some field or they are malformed");
    }
    if shared
        .controls
        .aboutgoods_quota_exceeded
        .load(Ordering::SeqCst)
    {
        return (StatusCode::PAYMENT_REQUIRED, "Your quota has been exceeded").into_response();
    }
    let verdict = verdict::judge(body);
    let mut account = shared.lock();
    let (campaign_uid, endpoint_uid) = match target {
        Target::Documents => (None, None),
        Target::Campaign(uid) if uid == account.settings.campaign_uid => (Some(uid), None),
        Target::Endpoint(uid) if uid == account.settings.endpoint_uid => (None, Some(uid)),
        Target::Campaign(_) | Target::Endpoint(_) => return not_found(),
    };
    if account.documents.iter().any(|d| d.name == name) {
        return (
            StatusCode::CONFLICT,
            "Document or name already exists for your company",
        )
            .into_response();
    }
    let document = Document {
        uid: crate::random_uuid(),
        name,
        campaign_uid,
        endpoint_uid,
        dominant_language: query.dominant_language,
        user_pseudo_id: query.user_pseudo_id,
        created: Instant::now(),
        created_at: crate::now_rfc3339(),
        verdict,
        reading,
    };
    // The first answer: data is empty while the process runs.
    let body = describe(&document, false);
    account.documents.push(document);
    Json(body).into_response()
}

#[derive(Deserialize)]
struct ListQuery {
    filter: Option<String>,
}

async fn list(
    State(shared): State<Shared>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Response {
    if !shared.authorized(&headers) {
        return unauthorized();
    }
    let name = match query.filter.as_deref() {
        None => None,
        Some(filter) => match filter.strip_prefix("name:") {
            Some(name) => Some(name.to_owned()),
            None if filter.contains(':') => None,
            None => return bad_request("Filter malformed or invalid filter key"),
        },
    };
    let account = shared.lock();
    let results: Vec<Value> = account
        .documents
        .iter()
        .filter(|d| name.as_ref().is_none_or(|n| *n == d.name))
        .map(|d| describe(d, d.created.elapsed() >= account.delay))
        .collect();
    Json(json!({
        "countPerPage": results.len(), "totalEntities": results.len(), "totalPages": 1,
        "nextPageUri": "", "prevPageUri": "", "results": results,
    }))
    .into_response()
}

async fn document(
    State(shared): State<Shared>,
    Path(uid): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !shared.authorized(&headers) {
        return unauthorized();
    }
    let account = shared.lock();
    match account.documents.iter().find(|d| d.uid == uid) {
        Some(d) => Json(describe(d, d.created.elapsed() >= account.delay)).into_response(),
        None => not_found(),
    }
}

#[derive(Deserialize)]
struct CheckQuery {
    name: Option<String>,
}

async fn check(
    State(shared): State<Shared>,
    Query(query): Query<CheckQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !shared.authorized(&headers) {
        return unauthorized();
    }
    if image::load_from_memory(&body).is_err() {
        return (StatusCode::BAD_REQUEST, "Cannot read image data").into_response();
    }
    let (status, report, luminosity) = match verdict::judge(&body) {
        Verdict::Accepted | Verdict::OffPromotion => ("EXPLOITABLE", "NO_ERROR", 193),
        Verdict::Unreadable => ("NOT_EXPLOITABLE", "BAD_QUALITY_IMAGE", 21),
        Verdict::NotReceipt => ("NOT_EXPLOITABLE", "NOT_RECEIPT", 120),
    };
    Json(json!({
        "uid": crate::random_uuid(),
        "name": query.name.unwrap_or_default(),
        "status": status,
        "processReport": report,
        "imageQuality": {"bluriness": 158, "contrast": 31, "goodSize": true, "luminosity": luminosity},
    }))
    .into_response()
}

/// The document as the API shows it; `done` once its processing time has passed.
fn describe(d: &Document, done: bool) -> Value {
    let mut body = json!({
        "uid": d.uid,
        "createdAt": d.created_at,
        "updatedAt": d.created_at,
        "name": d.name,
        "companyUid": "sandbox-company",
        "imageUrl": format!("/documents/{}/show", d.uid),
        "metaData": {},
        "imageQuality": {},
    });
    let fields = [
        ("campaignUid", &d.campaign_uid),
        ("endpointUid", &d.endpoint_uid),
        ("dominantLanguage", &d.dominant_language),
        ("userPseudoId", &d.user_pseudo_id),
    ];
    for (key, value) in fields {
        if let Some(value) = value {
            body[key] = json!(value);
        }
    }
    let (status, report) = match (done, d.verdict) {
        (false, _) => ("WAITING_FOR_PROCESS", "NOT_ANALYZED"),
        (true, Verdict::Accepted | Verdict::OffPromotion) => ("PROCESSED", "NO_ERROR"),
        (true, Verdict::NotReceipt) => ("NOT_EXPLOITABLE", "NOT_RECEIPT"),
        (true, Verdict::Unreadable) => ("NOT_EXPLOITABLE", "UNREADABLE"),
    };
    body["status"] = json!(status);
    body["processReport"] = json!(report);
    if status == "PROCESSED" {
        body["data"] = sample_data(d.reading);
        if d.campaign_uid.is_some() {
            body["processedRules"] = rules(d.verdict != Verdict::OffPromotion);
        }
    }
    body
}

fn sample_data(reading: Reading) -> Value {
    let items: Vec<Value> = sample::LINES
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({"id": format!("it{i}"), "rawLabel": l.article, "quantity": l.quantity,
                "unitPrice": l.total / f64::from(l.quantity), "price": l.total, "bundle": 1})
        })
        .collect();
    json!({
        "shop": {"sign": sample::STORE, "address": sample::ADDRESS, "city": "TARRAGONA"},
        "articleCount": items.len(),
        "total": reading.total(),
        "currency": sample::CURRENCY,
        "payment": "CARD",
        "buyDate": reading.date(),
        "buyHour": format!("{}:00", reading.time()),
        "items": items,
    })
}

/// The campaign's rules: the sample receipt meets them, unless `in_dates` is off.
fn rules(in_dates: bool) -> Value {
    json!({
        "uid": "sandbox-rule", "name": "Sandbox promotion",
        "dateRule": {"min": "2025-09-01", "max": "2025-12-31", "isMatched": in_dates},
        "signRule": {"signList": [sample::STORE], "isMatched": true},
        "itemRule": {"term": "SERUM", "quantityRequired": 1, "isMatched": true,
            "itemsMatched": ["it0"], "quantityMatched": 1},
        "allRulesMatched": in_dates,
        "totalPriceOfMatchedItems": sample::LINES[0].total,
    })
}
