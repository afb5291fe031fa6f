//! `POST /v1/campaigns/{campaign}/submissions`, `GET /v1/submissions/{id}` and
//! `POST /v1/submissions/{id}/review`.

use std::time::Duration;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use providers::Photo;
use serde::Deserialize;

use crate::AppState;
use crate::campaign::Campaign;
use crate::changes::Changes;
use crate::duplicates;
use crate::error::ApiError;
use crate::routes::upload;
use crate::shopper;
use crate::store::{CaughtDuplicate, Key, NewSubmission, Stored, SubmissionRow};

const MAX_IDEMPOTENCY_KEY: usize = 128;

/// Stores a checked submission and wakes the worker; answers `202` at once.
#[utoipa::path(
    post,
    path = "/v1/campaigns/{campaign}/submissions",
    operation_id = "submit",
    tag = "shopper",
    params(
        ("campaign" = String, Path, description = "The campaign's public id"),
        ("Idempotency-Key" = Option<String>, Header, description = "The same key with the same content answers the first submission (1 to 255 visible characters)"),
    ),
    request_body(content = crate::openapi::SubmissionForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored; follow it at `Location`", body = api::SubmissionCreated,
            headers(("location" = String, description = "`/v1/submissions/{id}`"))),
        (status = 400, description = "`bad_request`: not a well-formed multipart body, an unknown field", body = api::ErrorBody),
        (status = 401, description = "`shopper_unsigned`", body = api::ErrorBody),
        (status = 403, description = "`origin_not_allowed`, `shopper_expired`", body = api::ErrorBody),
        (status = 404, description = "`unknown_campaign`", body = api::ErrorBody),
        (status = 408, description = "`too_slow`: the body came slower than `limits.min_body_rate`", body = api::ErrorBody),
        (status = 413, description = "`photo_too_large`", body = api::ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = api::ErrorBody),
        (status = 422, description = "`invalid_field`, `too_many_photos`, `idempotency_conflict`", body = api::ErrorBody),
        (status = 429, description = "`rate_limited`", body = api::ErrorBody, headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 503, description = "`unavailable`", body = api::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Path(campaign_id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let campaign = state.campaign(&campaign_id)?;
    let multipart = multipart.map_err(|_| {
        ApiError::BadRequest("The upload must be sent as multipart/form-data.".to_owned())
    })?;
    let idempotency_key = idempotency_key(&headers)?;
    let mut upload = upload::read(multipart, &campaign.policy).await?;
    state
        .catalogue
        .check_claim(campaign, upload.merchant.as_deref(), &upload.offers)
        .await?;
    // Refused before anything is stored when the brand vouches for no one.
    let user = shopper::identify(campaign, upload.user_token.as_deref(), upload.user.take())?;
    let id = uuid::Uuid::new_v4().to_string();
    // The same fiscal receipt sent again is caught before the provider sees it.
    let qr_key = upload.qr.as_deref().and_then(duplicates::qr_key);
    let duplicate = match &qr_key {
        Some(key) => duplicates::earlier(&state.db, campaign, Key::Qr, key, &id, None).await?,
        None => None,
    };
    // A photo like one sent before is only a hint: the provider's reading of
    // this one settles it (`duplicates::decide`).
    let hashes = photo_hashes(campaign, &upload.photos).await;
    let photo_match_of = match duplicate {
        Some(_) => None,
        None => duplicates::photo_match(&state.db, campaign, &hashes, qr_key.as_deref()).await?,
    };

    let content_hash = content_hash(&upload, user.as_deref());
    let stored = state
        .db
        .insert(
            NewSubmission {
                request_id: request_id(&headers),
                id,
                campaign: campaign_id.clone(),
                provider: campaign.config.provider.clone(),
                idempotency_key,
                qr: upload.qr,
                merchant: upload.merchant,
                user_id: user,
                offers: upload.offers,
                photos: upload.photos,
                qr_key,
                photo_hashes: hashes.iter().map(|h| h.to_base64()).collect(),
                duplicate: duplicate.map(|(status, of)| CaughtDuplicate {
                    status,
                    of,
                    outcome: duplicates::caught_on_upload(),
                }),
                photo_match_of,
                content_hash,
            },
            campaign.notify(crate::notify::decided),
        )
        .await?;
    let id = match stored {
        Stored::New(id) | Stored::Again(id) => id,
        Stored::Conflict => return Err(ApiError::IdempotencyConflict),
    };
    let row = load(&state, &id).await?;
    tracing::info!(submission = %id, campaign = %campaign_id, "submission stored");
    state.wake.notify_one();

    let body = api::SubmissionCreated {
        id: row.id.clone(),
        status: row.status,
        poll_after_ms: u32::try_from(state.config.worker.poll_interval.as_millis())
            .unwrap_or(u32::MAX),
    };
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/v1/submissions/{}", row.id))],
        Json(body),
    )
        .into_response())
}

/// The photos' perceptual hashes, where the campaign catches duplicates
/// (decoding is work, done off the async threads).
async fn photo_hashes(campaign: &Campaign, photos: &[Photo]) -> Vec<duplicates::PhotoHash> {
    if campaign.config.duplicates.status().is_none() {
        return Vec::new();
    }
    let photos: Vec<bytes::Bytes> = photos.iter().map(|p| p.bytes.clone()).collect();
    // A hash decodes the whole photo: in turn with the uploads' checks.
    let Ok(_turn) = crate::photo::DECODING.acquire().await else {
        return Vec::new();
    };
    tokio::task::spawn_blocking(move || {
        photos
            .iter()
            .filter_map(|bytes| duplicates::photo_hash(bytes))
            .collect()
    })
    .await
    .unwrap_or_default()
}

/// The request's id (`x-request-id`: the load balancer's, else the one the
/// proxy gave it), kept with the submission so that the worker's log lines
/// carry it too.
fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| id.len() <= 128)
        .map(str::to_owned)
}

/// The request's `Idempotency-Key`: a retried upload with the same key gets the
/// submission the first one made.
fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(value) = headers.get(api::IDEMPOTENCY_KEY_HEADER) else {
        // Without a key every request is new; a generated one keeps the column
        // unique.
        return Ok(uuid::Uuid::new_v4().to_string());
    };
    let key = value.to_str().unwrap_or_default();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
        return Err(ApiError::BadRequest(format!(
            "{} must be 1 to {MAX_IDEMPOTENCY_KEY} visible characters.",
            api::IDEMPOTENCY_KEY_HEADER
        )));
    }
    Ok(key.to_owned())
}

/// The submission's status and, once final, its outcome.
/// The longest a status request is held open (`?wait=`): below the idle
/// timeouts of the proxies and load balancers commonly in front.
pub const MAX_WAIT: Duration = Duration::from_secs(25);

/// `?wait=S&seen=STATUS[&delayed=true]`: hold the answer up to `S` seconds
/// while the submission is still as the caller shows it: its status `seen`,
/// and delayed or not as `delayed` says (not, unless given).
#[derive(Debug, Deserialize)]
pub struct Follow {
    wait: Option<String>,
    seen: Option<String>,
    delayed: Option<String>,
}

/// What the caller already shows: how long to wait while it stays so.
struct Shown {
    wait: Duration,
    status: api::SubmissionStatus,
    delayed: bool,
}

impl Follow {
    /// How long to wait while the submission is as shown, or nothing to wait
    /// for.
    fn parse(&self) -> Result<Option<Shown>, ApiError> {
        let invalid = |field, message: &str| ApiError::InvalidField {
            field,
            message: message.to_owned(),
        };
        let (Some(wait), Some(seen)) = (&self.wait, &self.seen) else {
            return match (&self.wait, &self.seen) {
                (None, None) => Ok(None),
                _ => Err(invalid("wait", "`wait` and `seen` go together.")),
            };
        };
        let wait: u64 = wait
            .parse()
            .map_err(|_| invalid("wait", "`wait` is a whole number of seconds."))?;
        let seen = api::SubmissionStatus::parse(seen)
            .ok_or_else(|| invalid("seen", "`seen` is not a submission status."))?;
        let delayed = match self.delayed.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(invalid("delayed", "`delayed` is true or false.")),
        };
        Ok(Some(Shown {
            wait: Duration::from_secs(wait).min(MAX_WAIT),
            status: seen,
            delayed,
        }))
    }
}

/// A submission's state; with `?wait=S&seen=STATUS`, answered as soon as its
/// status is no longer `seen` (a long poll), or after `S` seconds with the
/// status unchanged.
#[utoipa::path(
    get,
    path = "/v1/submissions/{id}",
    operation_id = "submission",
    tag = "shopper",
    params(
        ("id" = String, Path, description = "The submission's id"),
        ("wait" = Option<u32>, Query, maximum = 25, description = "With `seen`: hold the answer up to this many seconds while the status is still `seen`"),
        ("seen" = Option<api::SubmissionStatus>, Query, description = "The status the caller already shows"),
        ("delayed" = Option<bool>, Query, description = "With `seen`: whether the caller already shows the submission as `delayed` (false unless given)"),
    ),
    responses(
        (status = 200, description = "The submission; its outcome once final", body = api::Submission),
        (status = 400, description = "`bad_request`: a query string that cannot be read", body = api::ErrorBody),
        (status = 404, description = "`not_found`", body = api::ErrorBody),
        (status = 422, description = "`invalid_field`: `wait` without `seen`, or not a number; `delayed` not a boolean", body = api::ErrorBody),
        (status = 503, description = "`unavailable`", body = api::ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(follow): Query<Follow>,
) -> Result<Json<api::Submission>, ApiError> {
    let follow = follow.parse()?;
    // Hear changes before reading, so none falls between the read and the wait.
    let mut changes = state.db.changes().subscribe();
    let mut row = load(&state, &id).await?;
    let Some(shown) = follow else {
        return Ok(Json(row.to_api()));
    };
    let deadline = tokio::time::Instant::now() + shown.wait;
    while row.status == shown.status && row.is_delayed() == shown.delayed {
        let recheck = (tokio::time::Instant::now() + Changes::RECHECK).min(deadline);
        match tokio::time::timeout_at(recheck, changes.recv()).await {
            Ok(Ok(changed)) if *changed != *id => continue,
            // Ours, or too many to tell (lagged): read it again.
            Ok(_) => {}
            Err(_) if recheck >= deadline => break,
            Err(_) => {}
        }
        row = load(&state, &id).await?;
    }
    Ok(Json(row.to_api()))
}

/// Asks the provider for a person to look again at a rejected receipt's offers
/// that allow it; the submission is then `needs_review`. 409 when it is not a
/// rejected submission with such offers.
#[utoipa::path(
    post,
    path = "/v1/submissions/{id}/review",
    operation_id = "request_review",
    tag = "shopper",
    params(("id" = String, Path, description = "The submission's id")),
    responses(
        (status = 200, description = "Sent to a person: now `needs_review`", body = api::Submission),
        (status = 403, description = "`origin_not_allowed`", body = api::ErrorBody),
        (status = 404, description = "`not_found`", body = api::ErrorBody),
        (status = 409, description = "`conflict`: not a rejected receipt with offers a person may look at again", body = api::ErrorBody),
        crate::openapi::ProviderTrouble,
    )
)]
pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<api::Submission>, ApiError> {
    let row = load(&state, &id).await?;
    let cannot = || ApiError::Conflict("This receipt cannot be sent to manual review.".to_owned());
    let (Some(outcome), Some(reference)) = (&row.outcome, &row.provider_ref) else {
        return Err(cannot());
    };
    if row.status != api::SubmissionStatus::Rejected || !outcome.review_available() {
        return Err(cannot());
    }
    let campaign = state.campaign(&row.campaign)?;
    campaign
        .adapter
        .provider
        .request_review(reference, outcome)
        .await
        .map_err(|e| ApiError::upstream(&row.campaign, "requesting a manual review", e))?;
    let mut reviewed = outcome.clone();
    for offer in reviewed.offers.iter_mut().filter(|o| o.review_available) {
        offer.state = api::SubmissionStatus::NeedsReview;
        offer.review_available = false;
    }
    if !state
        .db
        .send_to_review(
            &id,
            &reviewed,
            campaign.notify(crate::notify::review_requested),
        )
        .await?
    {
        return Err(cannot());
    }
    tracing::info!(submission = %id, campaign = %row.campaign, "manual review requested");
    let row = load(&state, &id).await?;
    Ok(Json(row.to_api()))
}

async fn load(state: &AppState, id: &str) -> Result<SubmissionRow, ApiError> {
    state.db.get(id).await?.ok_or(ApiError::SubmissionNotFound)
}

/// What an upload carries, as one digest (hex SHA-256): the shopper it is
/// for, its QR code, store, offers and photos, each length-prefixed so no two
/// uploads read alike. A retry with the same `Idempotency-Key` carries the
/// same; another upload under that key is refused, not taken for the first.
fn content_hash(upload: &upload::Upload, user: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    let mut part = |value: &[u8]| {
        digest.update((value.len() as u64).to_be_bytes());
        digest.update(value);
    };
    part(user.unwrap_or_default().as_bytes());
    part(upload.qr.as_deref().unwrap_or_default().as_bytes());
    part(upload.merchant.as_deref().unwrap_or_default().as_bytes());
    for offer in &upload.offers {
        part(offer.offer_id.as_bytes());
        part(&offer.quantity.to_be_bytes());
    }
    for photo in &upload.photos {
        part(&photo.bytes);
    }
    digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
