//! The API's one error type. Every variant becomes the JSON error body of the
//! public contract with its HTTP status; internal details go to the log only.

use api::{ErrorBody, ErrorCode, ErrorDetail};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use providers::{Alert, ProviderError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("This campaign does not exist.")]
    UnknownCampaign,
    #[error("This submission does not exist.")]
    SubmissionNotFound,
    #[error("Not found.")]
    NotFound,
    #[error("The callback could not be authenticated.")]
    Unauthorized,
    #[error("This needs the operator key (Authorization: Bearer).")]
    NotOperator,
    #[error("{0}")]
    ShopperUnsigned(String),
    #[error("The shopper's token has expired: get a new one from the brand's site.")]
    ShopperExpired,
    #[error("This page may not send to this promotion (its origin is not allowed).")]
    OriginNotAllowed,
    #[error("This Idempotency-Key was used for another upload: use a new key for new content.")]
    IdempotencyConflict,
    #[error("{0}")]
    Conflict(String),
    /// Too many requests from this client, or for this campaign, just now.
    #[error("Too many requests just now. Please try again in {retry_after} s.")]
    RateLimited { retry_after: u64 },
    /// The body came slower than `limits.min_body_rate`.
    #[error("The upload came too slowly. Please try again where the connection is better.")]
    TooSlow,
    #[error("{0}")]
    BadRequest(String),
    #[error("{message}")]
    PhotoTooLarge { message: String },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("At most {max} photos can be sent for this campaign.")]
    TooManyPhotos { max: u8 },
    #[error("{message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
    #[error("The service is temporarily unavailable. Please try again.")]
    Storage(#[from] sqlx::Error),
    /// Work the proxy set aside did not finish (a task that panicked).
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// A synchronous call to the campaign's provider failed. The shopper sees
    /// plain words; the details (never a secret) are logged by the caller.
    #[error("{}", .0.meaning().message)]
    Provider(ProviderError),
}

impl ApiError {
    /// A failed synchronous call to a campaign's provider, logged as loudly as
    /// it deserves, naming the campaign (never a secret).
    pub fn upstream(campaign: &str, doing: &str, error: ProviderError) -> Self {
        match error.meaning().alert {
            Alert::Quiet => {}
            Alert::Operator => {
                tracing::error!(%campaign, %error, "provider refused our credentials while {doing}");
            }
            Alert::Transient => {
                tracing::warn!(%campaign, %error, "provider call failed while {doing}");
            }
        }
        Self::Provider(error)
    }

    fn parts(&self) -> (StatusCode, ErrorCode, Option<&'static str>) {
        use api::field::PHOTO;
        match self {
            Self::UnknownCampaign => (StatusCode::NOT_FOUND, ErrorCode::UnknownCampaign, None),
            Self::SubmissionNotFound | Self::NotFound => {
                (StatusCode::NOT_FOUND, ErrorCode::NotFound, None)
            }
            Self::Unauthorized | Self::NotOperator => {
                (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, None)
            }
            Self::ShopperUnsigned(_) => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::ShopperUnsigned,
                Some(api::field::USER_TOKEN),
            ),
            Self::ShopperExpired => (
                StatusCode::FORBIDDEN,
                ErrorCode::ShopperExpired,
                Some(api::field::USER_TOKEN),
            ),
            Self::OriginNotAllowed => (StatusCode::FORBIDDEN, ErrorCode::OriginNotAllowed, None),
            Self::IdempotencyConflict => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::IdempotencyConflict,
                None,
            ),
            Self::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict, None),
            Self::RateLimited { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, None)
            }
            Self::TooSlow => (StatusCode::REQUEST_TIMEOUT, ErrorCode::TooSlow, None),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest, None),
            Self::PhotoTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PhotoTooLarge,
                Some(PHOTO),
            ),
            Self::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                Some(PHOTO),
            ),
            Self::TooManyPhotos { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::TooManyPhotos,
                Some(PHOTO),
            ),
            Self::InvalidField { field, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidField,
                Some(*field),
            ),
            Self::Storage(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                None,
            ),
            Self::Internal => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, None),
            Self::Provider(error) => {
                let meaning = error.meaning();
                (meaning.status, meaning.code, None)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Storage(error) = &self {
            tracing::error!(%error, "storage error");
        }
        let (status, code, field) = self.parts();
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.to_string(),
                field: field.map(str::to_owned),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::RateLimited { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

/// Middleware on everything, for the API's paths (`/v1/`, `/webhooks/`): an
/// error answered by something other than a handler (axum's own rejections of a query or path it cannot read, a
/// method a route does not take, a body over the limit) becomes the JSON
/// error body too, with its status and its text as the message.
pub async fn every_error_json(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = ["/v1/", "/webhooks/"]
        .iter()
        .any(|prefix| request.uri().path().starts_with(prefix));
    let response = next.run(request).await;
    if !api {
        return response;
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let code = match status {
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PhotoTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::InvalidField,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        StatusCode::REQUEST_TIMEOUT => ErrorCode::TooSlow,
        StatusCode::BAD_GATEWAY => ErrorCode::ProviderError,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => ErrorCode::Unavailable,
        s if s.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    };
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 1024).await.unwrap_or_default();
    let message = match std::str::from_utf8(&text).map(str::trim) {
        Ok(text) if !text.is_empty() => text.to_owned(),
        _ => status.canonical_reason().unwrap_or("Error").to_owned(),
    };
    let body = ErrorBody {
        error: ErrorDetail {
            code,
            message,
            field: None,
        },
    };
    let mut json = (status, Json(body)).into_response();
    // Keep what the answer said beyond its body (Allow, Retry-After...).
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}

/// What every operator route may also answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum OperatorTrouble {
    /// `unauthorized`: without the operator key.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// `not_found`: no operator API here (no `operator_key` configured), or
    /// no such campaign or submission.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// `unavailable`: the database, for now.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// What any call that is rate limited and reaches a provider may also
/// answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ProviderTrouble {
    /// `rate_limited`: this client's or this campaign's allowance is spent.
    #[response(status = 429, headers(("retry-after" = u64, description = "Seconds to wait")))]
    RateLimited(ErrorBody),
    /// `provider_auth` (the provider refused the proxy's credentials) or
    /// `provider_error`.
    #[response(status = 502)]
    Provider(ErrorBody),
    /// `unavailable`: the provider, or the proxy's database, for now.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}
