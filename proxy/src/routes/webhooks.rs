//! `POST /webhooks/{provider}`: callbacks from a provider account (server to
//! server). The adapter proves the callback authentic; then the submission it
//! names is updated, once: a replayed or late callback changes nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use providers::{CallbackError, Progress};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;
use crate::submissions::verdict::{self, Came};

/// A provider's callback (server to server), authenticated by the account's
/// shared key in the header its module's doc names; the body is the
/// provider's own.
#[utoipa::path(
    post,
    path = "/webhooks/{provider}",
    operation_id = "provider_callback",
    tag = "providers",
    params(("provider" = String, Path, description = "The provider account's name (`[providers.NAME]`)")),
    request_body(content = String, description = "The provider's callback body", content_type = "application/json"),
    responses(
        (status = 200, description = "Taken (or already known: a replay changes nothing)", body = serde_json::Value),
        (status = 400, description = "`bad_request`: a body the provider's adapter cannot read", body = api::ErrorBody),
        (status = 401, description = "`unauthorized`: without the account's shared key", body = api::ErrorBody),
        (status = 404, description = "`not_found`: no such account, or one that is polled", body = api::ErrorBody),
        (status = 413, description = "`photo_too_large`: a body over the limit", body = api::ErrorBody),
        (status = 503, description = "`unavailable`", body = api::ErrorBody),
    )
)]
pub async fn receive(
    State(state): State<AppState>,
    Path(provider_name): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    // Too large, or not readable: said in the JSON error body, as every error.
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PhotoTooLarge {
            message: "The callback body is too large.".to_owned(),
        },
        _ => ApiError::BadRequest("The callback body could not be read.".to_owned()),
    })?;
    let adapter = state
        .providers
        .get(&provider_name)
        .ok_or(ApiError::NotFound)?;
    // An account that is polled takes no callbacks.
    let callbacks = adapter
        .provider
        .delivery()
        .callbacks()
        .ok_or(ApiError::NotFound)?;
    let read = callbacks
        .authenticate(&headers)
        .and_then(|()| adapter.provider.read_callback(&body));
    let (reference, progress) = match read {
        Ok(callback) => callback,
        Err(CallbackError::Unauthorized) => {
            tracing::warn!(provider = %provider_name, "refused a callback without the shared key");
            return Err(ApiError::Unauthorized);
        }
        Err(CallbackError::Malformed(why)) => {
            tracing::warn!(provider = %provider_name, %why, "refused a callback we cannot read");
            return Err(ApiError::BadRequest(
                "The callback body is not understood.".to_owned(),
            ));
        }
    };
    let row = state
        .db
        .find_by_provider_ref(&provider_name, &reference)
        .await?
        .ok_or(ApiError::SubmissionNotFound)?;
    let campaign = state.campaigns.get(&row.campaign);
    let decided = match progress {
        Progress::Pending => false,
        Progress::Done(verdict) => {
            verdict::record(&state, campaign, &row, *verdict, Came::Later).await?
        }
    };
    if decided {
        tracing::info!(submission = %row.id, provider = %provider_name, "verdict by callback");
    }
    Ok(Json(
        json!({"status": if decided { "updated" } else { "unchanged" }}),
    ))
}
