//! The operator API, for the brand's staff and systems (server to server, never
//! CORS-enabled): list a campaign's submissions with filters and a cursor,
//! fetch one with everything known, decide one held for a person, export a
//! campaign as CSV, and erase
//! everything about one shopper. Every route needs the operator key as a
//! bearer token (`operator_key`), compared in constant time; without an
//! `operator_key` in the configuration the operator API does not exist (404).
//! `/metrics` is here too unless `metrics_listen` gives it an address of its
//! own.

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::{self, Action, Origin, Record};
use crate::error::ApiError;
use crate::retention::RetentionChange;
use crate::state::AppState;
use crate::store::{Listing, SubmissionRow, rfc3339};
use crate::submissions::decision::Decision;

/// Most submissions one page lists.
const MAX_PAGE: u32 = 500;

/// `/v1/operator/...`, behind the operator key.
pub fn router(state: AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(export))
        .routes(routes!(one))
        .routes(routes!(decide))
        .routes(routes!(erase))
        .routes(routes!(retention, change_retention))
        // Prometheus metrics, where they have no listen address of their own.
        .routes(routes!(crate::routes::metrics::serve))
        .layer(middleware::from_fn_with_state(state, require_operator))
}

/// Lets a request through only with `Authorization: Bearer <operator key>`.
async fn require_operator(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    use subtle::ConstantTimeEq;
    let Some(key) = &state.config.operator_key else {
        return Err(ApiError::NotFound);
    };
    let presented = bearer(request.headers()).unwrap_or_default();
    if !bool::from(presented.as_bytes().ct_eq(key.expose().as_bytes())) {
        tracing::warn!(path = %request.uri().path(), "operator API called without the operator key");
        return Err(ApiError::NotOperator);
    }
    Ok(next.run(request).await)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Everything known about a submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorSubmission {
    pub id: String,
    pub campaign: String,
    /// The provider account it went to.
    pub provider: Option<String>,
    pub status: api::SubmissionStatus,
    /// The provider's reference, once it acknowledged the receipt.
    pub provider_ref: Option<String>,
    pub user: Option<String>,
    pub merchant: Option<String>,
    pub qr: Option<String>,
    pub claimed_offers: Vec<api::ClaimedOffer>,
    pub outcome: Option<api::Outcome>,
    /// Upstream failures in a row, and the last one.
    pub attempts: u32,
    pub last_error: Option<String>,
    /// The earlier submission this one duplicates, where it was caught as one
    /// (`"erased"` where that one was erased since).
    pub duplicate_of: Option<String>,
    /// The earlier submission whose photo this one's resembled on upload (a
    /// hint the provider's reading settled).
    pub photo_match_of: Option<String>,
    /// Who decided it, where a person did (it was held for one).
    pub decided_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<SubmissionRow> for OperatorSubmission {
    fn from(row: SubmissionRow) -> Self {
        Self {
            id: row.id,
            campaign: row.campaign,
            provider: row.provider,
            status: row.status,
            provider_ref: row.provider_ref,
            user: row.user_id,
            merchant: row.merchant,
            qr: row.qr,
            claimed_offers: row.offers,
            outcome: row.outcome,
            attempts: row.attempts,
            last_error: row.last_error,
            duplicate_of: row.duplicate_of,
            photo_match_of: row.photo_match_of,
            decided_by: row.decided_by,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

/// `?status=&from=&to=&user=&cursor=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only submissions with this status.
    status: Option<String>,
    /// RFC 3339: created at or after.
    from: Option<String>,
    /// RFC 3339: created before.
    to: Option<String>,
    user: Option<String>,
    /// `next_cursor` of the page before.
    cursor: Option<String>,
    /// Submissions a page (50 unless given, at most 500).
    limit: Option<u32>,
}

/// A page of a campaign's submissions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page {
    pub submissions: Vec<OperatorSubmission>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

fn invalid(field: &'static str, message: &str) -> ApiError {
    ApiError::InvalidField {
        field,
        message: message.to_owned(),
    }
}

/// A time given as RFC 3339, in Unix milliseconds.
fn unix_ms(field: &'static str, text: &str) -> Result<i64, ApiError> {
    let time = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| invalid(field, "Give times as RFC 3339, e.g. 2026-11-29T09:00:00Z."))?;
    i64::try_from(time.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| invalid(field, "Out of range."))
}

impl ListQuery {
    fn listing(&self) -> Result<Listing, ApiError> {
        let status = self
            .status
            .as_deref()
            .map(|s| {
                api::SubmissionStatus::parse(s).ok_or_else(|| invalid("status", "Unknown status."))
            })
            .transpose()?;
        let after = self
            .cursor
            .as_deref()
            .map(|c| {
                let (at, id) = c
                    .split_once('_')
                    .ok_or_else(|| invalid("cursor", "Unknown cursor."))?;
                let at = at
                    .parse()
                    .map_err(|_| invalid("cursor", "Unknown cursor."))?;
                Ok::<_, ApiError>((at, id.to_owned()))
            })
            .transpose()?;
        Ok(Listing {
            status,
            from: self
                .from
                .as_deref()
                .map(|t| unix_ms("from", t))
                .transpose()?,
            to: self.to.as_deref().map(|t| unix_ms("to", t)).transpose()?,
            user: self.user.clone(),
            after,
            limit: self.limit.unwrap_or(50).clamp(1, MAX_PAGE),
        })
    }
}

/// A campaign's submissions, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/operator/campaigns/{campaign}/submissions",
    operation_id = "operator_list",
    tag = "operator",
    security(("operator_key" = [])),
    params(
        ("campaign" = String, Path, description = "The campaign's id"),
        ("status" = Option<api::SubmissionStatus>, Query, description = "Only submissions with this status"),
        ("from" = Option<String>, Query, description = "Created at or after (RFC 3339)"),
        ("to" = Option<String>, Query, description = "Created before (RFC 3339)"),
        ("user" = Option<String>, Query, description = "Only this shopper's"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the page before"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Submissions a page (50 unless given)"),
    ),
    responses(
        (status = 200, description = "A page", body = Page),
        (status = 422, description = "`invalid_field`: a filter or cursor that cannot be read", body = api::ErrorBody),
        crate::error::OperatorTrouble,
    )
)]
async fn list(
    State(state): State<AppState>,
    Path(campaign): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    state.campaign(&campaign)?;
    let listing = query.listing()?;
    let limit = listing.limit as usize;
    let rows = state.db.list(&campaign, &listing).await?;
    let next_cursor = (rows.len() == limit)
        .then(|| rows.last().map(|r| format!("{}_{}", r.created_at, r.id)))
        .flatten();
    let page = Page {
        submissions: rows.into_iter().map(OperatorSubmission::from).collect(),
        next_cursor,
    };
    Ok(private(Json(page).into_response()))
}

/// One submission with everything known.
#[utoipa::path(
    get,
    path = "/v1/operator/submissions/{id}",
    operation_id = "operator_submission",
    tag = "operator",
    security(("operator_key" = [])),
    params(("id" = String, Path, description = "The submission's id")),
    responses(
        (status = 200, description = "The submission", body = OperatorSubmission),
        crate::error::OperatorTrouble,
    )
)]
async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let row = state
        .db
        .get(&id)
        .await?
        .ok_or(ApiError::SubmissionNotFound)?;
    Ok(private(Json(OperatorSubmission::from(row)).into_response()))
}

/// A person's decision on a submission held for one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    decision: DecisionKind,
    /// Why it is refused (with `reject`): the shopper's widget words it in
    /// their language.
    reason: Option<api::ReasonCode>,
    /// One of the campaign's own reasons to reject (`reject_reasons`), in
    /// place of `reason`: filed under its code, with its words for the
    /// shopper in each language.
    reason_id: Option<String>,
    /// The refusal in the brand's own words, where the reason's usual
    /// words will not do.
    message: Option<String>,
    /// Who decided, as the brand's tool knows them (`operator-api` where
    /// not said).
    by: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// The receipt is good: accepted as it is.
    Accept,
    /// Not a duplicate: held before the provider saw it, it goes on to the
    /// provider like any other; read by the provider already, accepted.
    NotDuplicate,
    /// The receipt is refused, for `reason`.
    Reject,
}

/// Longest `message` or `by`.
const MAX_DECISION_TEXT: usize = 500;

/// Decides a submission held for a person (a duplicate held for review):
/// `accepted`, `rejected` for a reason, or `not_duplicate` (sent on to the
/// provider, `queued`, where it was held before the provider saw it). Once: the same decision sent
/// again answers the submission as decided, writing nothing; another is
/// refused 409. The brand's webhook gets `submission.reviewed`.
#[utoipa::path(
    post,
    path = "/v1/operator/submissions/{id}/decision",
    operation_id = "operator_decide",
    tag = "operator",
    security(("operator_key" = [])),
    params(("id" = String, Path, description = "The submission's id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "The submission, decided", body = OperatorSubmission),
        (status = 400, description = "`bad_request`: not JSON of the fields", body = api::ErrorBody),
        (status = 409, description = "`conflict`: already decided otherwise, not held for a person, or with the provider's own review", body = api::ErrorBody),
        (status = 422, description = "`invalid_field`: `reject` without a `reason`, text too long", body = api::ErrorBody),
        crate::error::OperatorTrouble,
    )
)]
async fn decide(
    State(state): State<AppState>,
    origin: Origin,
    Path(id): Path<String>,
    body: Result<Json<DecisionRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|_| {
        ApiError::BadRequest(
            "Send JSON with decision (accept or reject), and reason to reject.".to_owned(),
        )
    })?;
    let too_long =
        |text: &Option<String>| text.as_ref().is_some_and(|t| t.len() > MAX_DECISION_TEXT);
    if too_long(&request.message) || too_long(&request.by) {
        return Err(invalid(
            "message",
            "Keep message and by under 500 characters.",
        ));
    }
    let row = state
        .db
        .get(&id)
        .await?
        .ok_or(ApiError::SubmissionNotFound)?;
    let decision = match (request.decision, request.reason, request.reason_id) {
        (DecisionKind::Accept, ..) => Decision::Accept,
        (DecisionKind::NotDuplicate, ..) => Decision::NotDuplicate,
        (DecisionKind::Reject, _, Some(reason_id)) => {
            let campaign = state.campaign(&row.campaign)?;
            Decision::campaign_reason(&campaign.config, &reason_id, request.message)
                .ok_or_else(|| invalid("reason_id", "The campaign has no reason with this id."))?
        }
        (DecisionKind::Reject, Some(reason), None) => Decision::Reject {
            reason,
            message: request.message,
            words: Vec::new(),
        },
        (DecisionKind::Reject, None, None) => {
            return Err(invalid(
                "reason",
                "Say why it is refused (reason, or reason_id).",
            ));
        }
    };
    let by = request.by.unwrap_or_else(|| "operator-api".to_owned());
    let shopper = row.user_id.clone();
    let decided = crate::submissions::decision::decide(&state, row, &decision, &by).await?;
    let record = Record::of(Action::Decide)
        .subject(&id)
        .shopper(shopper.as_deref())
        .detail(format!("{} (by {by})", decision.summary()));
    audit::record(&state, audit::API_KEY, origin, record).await;
    Ok(private(
        Json(OperatorSubmission::from(decided)).into_response(),
    ))
}

/// Every submission of a campaign as CSV, oldest first, one row each.
#[utoipa::path(
    get,
    path = "/v1/operator/campaigns/{campaign}/export.csv",
    operation_id = "operator_export",
    tag = "operator",
    security(("operator_key" = [])),
    params(("campaign" = String, Path, description = "The campaign's id")),
    responses(
        (status = 200, description = "The CSV (text quoted, formulas neutralised)", body = String, content_type = "text/csv"),
        crate::error::OperatorTrouble,
    )
)]
async fn export(
    State(state): State<AppState>,
    origin: Origin,
    Path(campaign): Path<String>,
) -> Result<Response, ApiError> {
    state.campaign(&campaign)?;
    let body = crate::submissions::export::csv(&state, &campaign).await?;
    let record = Record::of(Action::Export).subject(&campaign);
    audit::record(&state, audit::API_KEY, origin, record).await;
    let disposition = format!("attachment; filename=\"{campaign}.csv\"");
    Ok(private(
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response(),
    ))
}

/// What an erasure removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    /// Submissions removed, with their photos, read data and notifications.
    pub submissions: u64,
    /// Their ids, each told to its campaign's brand (`submission.erased`).
    pub ids: Vec<String>,
}

/// A shopper's right to erasure, in every campaign. What stops their
/// receipts from being claimed again is kept, as one-way hashes linked to no
/// one.
#[utoipa::path(
    delete,
    path = "/v1/operator/users/{user}",
    operation_id = "operator_erase",
    tag = "operator",
    security(("operator_key" = [])),
    params(("user" = String, Path, description = "The shopper's id")),
    responses(
        (status = 200, description = "Erased (none, if the shopper had nothing)", body = Erased),
        crate::error::OperatorTrouble,
    )
)]
async fn erase(
    State(state): State<AppState>,
    origin: Origin,
    Path(user): Path<String>,
) -> Result<Response, ApiError> {
    let ids = crate::submissions::erase::shopper(&state, &user, audit::API_KEY, origin).await?;
    Ok(private(
        (
            StatusCode::OK,
            Json(Erased {
                submissions: ids.len() as u64,
                ids,
            }),
        )
            .into_response(),
    ))
}

/// The retention in force.
#[utoipa::path(
    get,
    path = "/v1/operator/retention",
    operation_id = "operator_retention",
    tag = "operator",
    security(("operator_key" = [])),
    responses(
        (status = 200, description = "The retention in force", body = crate::retention::Retention),
        crate::error::OperatorTrouble,
    )
)]
async fn retention(State(state): State<AppState>) -> Result<Response, ApiError> {
    let retention = crate::retention::in_force(&state).await?;
    Ok(private(Json(retention).into_response()))
}

/// Changes the fields the body names, for every instance; the others keep
/// their value (`PUT` means the same).
#[utoipa::path(
    method(patch, put),
    path = "/v1/operator/retention",
    operation_id = "operator_change_retention",
    tag = "operator",
    security(("operator_key" = [])),
    request_body = RetentionChange,
    responses(
        (status = 200, description = "The retention now in force", body = crate::retention::Retention),
        (status = 400, description = "`bad_request`: not JSON of the fields", body = api::ErrorBody),
        (status = 422, description = "`invalid_field`: nothing named, or less than a day", body = api::ErrorBody),
        crate::error::OperatorTrouble,
    )
)]
async fn change_retention(
    State(state): State<AppState>,
    origin: Origin,
    body: Result<Json<RetentionChange>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(change) = body.map_err(|_| {
        ApiError::BadRequest(
            "Send JSON with failed_photos_days, submissions_days or both (whole days).".to_owned(),
        )
    })?;
    if change.is_empty() {
        return Err(invalid(
            "retention",
            "Name failed_photos_days, submissions_days or both.",
        ));
    }
    let retention = change.apply(crate::retention::in_force(&state).await?);
    if !retention.is_valid() {
        return Err(invalid("retention", "Keep data at least one day."));
    }
    crate::retention::set(&state, retention).await?;
    tracing::info!(?retention, "retention changed by an operator");
    let record = Record::of(Action::Retention).detail(retention.summary());
    audit::record(&state, audit::API_KEY, origin, record).await;
    Ok(private(Json(retention).into_response()))
}

/// Personal data: no cache may keep it.
fn private(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
