//! [`ProviderError`]: why a call to a provider gave no answer, and
//! [`ProviderError::meaning`], the one place that decides what each kind means
//! for the worker (retry or give up), the operator (what is logged how loudly)
//! and a shopper waiting on a synchronous call (the HTTP status and error code).

use std::time::Duration;

use api::ErrorCode;
use http::StatusCode;

/// Why a call to a provider did not give an answer. The messages are for logs and
/// operators; they never hold a secret (the adapters send secrets in headers and
/// never format requests into errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// Could not reach the provider, or it answered 5xx: try again later.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// 429: try again later, after `Retry-After` where the provider sent one.
    /// It slows the whole account down, not just this submission.
    #[error("provider rate limit reached")]
    RateLimited { retry_after: Option<Duration> },
    /// The provider does not know the reference it gave us (404 on a status
    /// check): retried a few times, in case it is not yet visible everywhere,
    /// then the submission fails.
    #[error("provider does not know this receipt's reference")]
    UnknownReference,
    /// 401/403: our credentials are wrong. Retried slowly, since an operator fixing
    /// the configuration makes it go through.
    #[error("provider refused our credentials (HTTP {0})")]
    Auth(u16),
    /// An answer we cannot understand: retried a few times, then the submission
    /// fails.
    #[error("provider answered something unexpected: {0}")]
    Malformed(String),
    /// We hold the submission back on purpose (e.g. the account's credits are
    /// low); it is kept and tried again later.
    #[error("submission held: {0}")]
    Held(String),
    /// The provider refused this submission for good (4xx).
    #[error("provider refused the submission (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// The provider took the upload (it answered 2xx) but its answer could
    /// not be read, and it has no way to look the upload up: sending it again
    /// would be a second upload (refused as the shopper's own duplicate), so
    /// it never is; a person checks it at the provider.
    #[error("provider took the upload but its answer could not be read: {0}")]
    Unconfirmed(String),
    /// This provider does not have the asked-for ability.
    #[error("this provider cannot {0}")]
    Unsupported(&'static str),
}

/// Whether the worker tries a submission again after this failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The provider refused it for good: the submission fails.
    Never,
    /// Only up to `worker.max_malformed` failures, then it fails.
    Limited,
    /// With backoff, for as long as it takes: nothing is lost.
    Always,
}

/// Who should hear of a failure, and how loudly it is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// Expected on the way (a hold the adapter has already explained, an
    /// ability the provider lacks): info.
    Quiet,
    /// A passing upstream fault: warn.
    Transient,
    /// Only the operator can fix it (our credentials are refused): error.
    Operator,
}

/// What a failure means, for everyone who sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meaning {
    pub retry: Retry,
    pub alert: Alert,
    /// What the submission becomes once the worker gives up on it: `failed`,
    /// or `needs_review` where the provider may have it and only a person
    /// can tell (it is never sent again).
    pub given_up: api::SubmissionStatus,
    /// What a shopper waiting on a synchronous call gets: status, code and
    /// plain words (the widget says them from the code, in its language).
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: &'static str,
}

const BUSY: &str = "The receipt service is busy. Please try again in a moment.";
const FAILED: &str = "The receipt service could not handle this request.";

impl ProviderError {
    /// The failure's kind, as the metrics label it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "unavailable",
            Self::RateLimited { .. } => "rate_limited",
            Self::UnknownReference => "unknown_reference",
            Self::Auth(_) => "auth",
            Self::Malformed(_) => "malformed",
            Self::Held(_) => "held",
            Self::Refused { .. } => "refused",
            Self::Unconfirmed(_) => "unconfirmed",
            Self::Unsupported(_) => "unsupported",
        }
    }

    /// What this failure means; see [`Meaning`].
    pub fn meaning(&self) -> Meaning {
        let (retry, alert, status, code, message) = match self {
            Self::Unavailable(_) => (
                Retry::Always,
                Alert::Transient,
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                BUSY,
            ),
            Self::Held(_) => (
                Retry::Always,
                Alert::Quiet,
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                BUSY,
            ),
            Self::RateLimited { .. } => (
                Retry::Always,
                Alert::Transient,
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                BUSY,
            ),
            Self::Auth(_) => (
                Retry::Always,
                Alert::Operator,
                StatusCode::BAD_GATEWAY,
                ErrorCode::ProviderAuth,
                FAILED,
            ),
            Self::Malformed(_) | Self::UnknownReference => (
                Retry::Limited,
                Alert::Transient,
                StatusCode::BAD_GATEWAY,
                ErrorCode::ProviderError,
                FAILED,
            ),
            Self::Refused { .. } => (
                Retry::Never,
                Alert::Transient,
                StatusCode::BAD_GATEWAY,
                ErrorCode::ProviderError,
                FAILED,
            ),
            Self::Unconfirmed(_) => (
                Retry::Never,
                Alert::Operator,
                StatusCode::BAD_GATEWAY,
                ErrorCode::ProviderError,
                FAILED,
            ),
            Self::Unsupported(_) => (
                Retry::Never,
                Alert::Quiet,
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "This campaign does not offer that.",
            ),
        };
        let given_up = match self {
            Self::Unconfirmed(_) => api::SubmissionStatus::NeedsReview,
            _ => api::SubmissionStatus::Failed,
        };
        Meaning {
            retry,
            alert,
            given_up,
            status,
            code,
            message,
        }
    }

    /// A 404 on a status check: the provider does not know the reference.
    /// Other failures are what they are.
    pub fn on_status_check(self) -> Self {
        match self {
            Self::Refused { status: 404, .. } => Self::UnknownReference,
            other => other,
        }
    }

    /// Sorts an HTTP error status into the kinds above; `retry_after` is the
    /// answer's `Retry-After` in seconds, where it sent one.
    pub fn from_status(status: StatusCode, message: String, retry_after: Option<Duration>) -> Self {
        match status.as_u16() {
            401 | 403 => Self::Auth(status.as_u16()),
            429 => Self::RateLimited { retry_after },
            s if s >= 500 => Self::Unavailable(format!("HTTP {s}")),
            s => Self::Refused { status: s, message },
        }
    }

    /// A network-level failure, described without the request (which may carry
    /// headers) and without the URL's query.
    pub fn from_transport(error: &reqwest::Error) -> Self {
        let what = if error.is_timeout() {
            "timed out"
        } else if error.is_connect() {
            "connection failed"
        } else if error.is_decode() {
            return Self::Malformed("body is not the expected JSON".to_owned());
        } else {
            "request failed"
        };
        Self::Unavailable(what.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_each_failure_means_for_the_worker_the_operator_and_the_submission() {
        let every = [
            ProviderError::Unavailable("HTTP 503".to_owned()),
            ProviderError::RateLimited { retry_after: None },
            ProviderError::UnknownReference,
            ProviderError::Auth(401),
            ProviderError::Malformed("x".to_owned()),
            ProviderError::Held("low credits".to_owned()),
            ProviderError::Refused {
                status: 400,
                message: String::new(),
            },
            ProviderError::Unsupported("list offers"),
            ProviderError::Unconfirmed("cut off".to_owned()),
        ];
        for error in &every {
            let meaning = error.meaning();
            let never = matches!(
                error,
                ProviderError::Refused { .. }
                    | ProviderError::Unsupported(_)
                    | ProviderError::Unconfirmed(_)
            );
            assert_eq!(meaning.retry == Retry::Never, never, "{error:?}");
            // Bad credentials, and an upload only a person can find again.
            let operator = matches!(
                error,
                ProviderError::Auth(_) | ProviderError::Unconfirmed(_)
            );
            assert_eq!(meaning.alert == Alert::Operator, operator, "{error:?}");
            let to_review = matches!(error, ProviderError::Unconfirmed(_));
            assert_eq!(
                meaning.given_up == api::SubmissionStatus::NeedsReview,
                to_review,
                "{error:?}"
            );
            assert!(
                meaning.status.is_client_error() || meaning.status.is_server_error(),
                "{error:?}"
            );
        }
        assert_eq!(
            ProviderError::Malformed(String::new()).meaning().retry,
            Retry::Limited
        );
        assert_eq!(
            ProviderError::UnknownReference.meaning().retry,
            Retry::Limited
        );
    }
}
