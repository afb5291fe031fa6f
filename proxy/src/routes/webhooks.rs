//! `POST /webhooks/{provider}`: callbacks from a provider account (server to
//! server). The adapter proves the callback authentic; then the submission it
//! names is updated, once: a replayed or late callback changes nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use providers::{CallbackError, Progress};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;

pub async fn receive(
    State(state): State<AppState>,
    Path(provider_name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let adapter = state
        .providers
        .get(&provider_name)
        .ok_or(ApiError::NotFound)?;
    let (reference, progress) = match adapter.provider.callback(&headers, &body) {
        Ok(Some(callback)) => callback,
        Ok(None) => return Err(ApiError::NotFound),
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
    let decided = match progress {
        Progress::Pending => false,
        Progress::Done(verdict) => {
            state
                .db
                .finish(&row.id, verdict.status, &verdict.outcome)
                .await?
        }
    };
    if decided {
        tracing::info!(submission = %row.id, provider = %provider_name, "verdict by callback");
    }
    Ok(Json(
        json!({"status": if decided { "updated" } else { "unchanged" }}),
    ))
}
