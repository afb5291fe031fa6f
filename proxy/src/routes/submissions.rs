//! `POST /v1/campaigns/{campaign}/submissions`, `GET /v1/submissions/{id}` and
//! `POST /v1/submissions/{id}/review`.

use std::time::Duration;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::changes::Changes;
use crate::error::ApiError;
use crate::routes::upload;
use crate::state::AppState;
use crate::store::SubmissionRow;
use crate::submissions::intake::{self, Received};
use crate::submissions::review;

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
    request_body(content = upload::SubmissionForm, content_type = "multipart/form-data"),
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
    let upload = upload::read(multipart, &campaign.policy).await?;
    let received = Received {
        idempotency_key,
        request_id: request_id(&headers),
    };
    let row = intake::take(&state, &campaign_id, campaign, upload, received).await?;
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
        crate::error::ProviderTrouble,
    )
)]
pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<api::Submission>, ApiError> {
    let row = load(&state, &id).await?;
    let row = review::request(&state, row).await?;
    Ok(Json(row.to_api()))
}

async fn load(state: &AppState, id: &str) -> Result<SubmissionRow, ApiError> {
    state.db.get(id).await?.ok_or(ApiError::SubmissionNotFound)
}
