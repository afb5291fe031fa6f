//! Who is signed in to the console, and what proves it: passwords hashed with
//! argon2id, random tokens (session cookies, one-time links, CSRF tokens),
//! the session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` where the
//! proxy's public URL is https: TLS often ends at a load balancer), the
//! [`SignedIn`] extractor, the CSRF check of every form, and the limit on
//! sign-in attempts.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Role;
use crate::state::AppState;
use crate::store::Operator;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rr_console";
/// The cookie that carries the sign-in form's CSRF token (there is no
/// session yet to keep it in).
pub const SIGN_IN_COOKIE: &str = "rr_console_form";
/// How long a session lasts, however active.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// How long a one-time link to set a password stays good.
pub const LINK_LIFETIME: Duration = Duration::from_secs(72 * 3600);
/// The shortest password taken.
pub const MIN_PASSWORD: usize = 12;

/// A new random token: 32 bytes, URL-safe base64.
pub fn token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `password` hashed with argon2id and a random salt (a PHC string).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
}

/// Whether `password` is the one `hash` was made from. Where there is no
/// hash (no such account, or no password set yet), a made-up one is checked
/// all the same, so that the answer takes as long either way.
pub fn password_matches(password: &str, hash: Option<&str>) -> bool {
    static NOBODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let nobody = || {
        NOBODY
            .get_or_init(|| hash_password(&token()).unwrap_or_default())
            .as_str()
    };
    let parsed = PasswordHash::new(hash.unwrap_or_else(nobody));
    let Ok(parsed) = parsed else { return false };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && hash.is_some()
}

/// Whether cookies must be `Secure`: where the proxy's public URL is https.
pub fn secure(state: &AppState) -> bool {
    state
        .config
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"))
}

/// A `Set-Cookie` value for the console's `name`, `value`, kept `max_age`
/// (zero: removed).
pub fn cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path={}; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        super::view::root(),
        max_age.as_secs()
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// As [`cookie`], sent also when the browser comes back from another site
/// (`SameSite=Lax`): the identity provider's redirect.
pub fn cookie_lax(name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let strict = cookie(name, value, max_age, secure);
    let text = strict
        .to_str()
        .unwrap_or_default()
        .replace("SameSite=Strict", "SameSite=Lax");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Opens a session for `operator`, kept in the database (good for
/// [`SESSION_LIFETIME`]), and answers its cookie.
pub async fn open_session(
    state: &AppState,
    operator: &Operator,
) -> Result<HeaderValue, sqlx::Error> {
    let (session, csrf) = (token(), token());
    let expires = state.db.clock().after(SESSION_LIFETIME);
    state
        .db
        .open_session(&session, &operator.id, &csrf, expires)
        .await?;
    Ok(cookie(
        SESSION_COOKIE,
        &session,
        SESSION_LIFETIME,
        secure(state),
    ))
}

/// The value of the request's cookie `name`.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Whether a form's CSRF token is the one expected, compared in constant
/// time.
pub fn same_token(sent: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

/// An operator signed in, by the session cookie of the request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub operator: Operator,
    pub role: Role,
    /// The token each of this session's forms carries.
    pub csrf: String,
    /// The session's cookie value.
    pub token: String,
}

/// Why a request has no signed-in operator: a page sends them to sign in,
/// anything else is refused.
#[derive(Debug)]
pub struct NotSignedIn {
    page: bool,
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        if self.page {
            return (
                StatusCode::SEE_OTHER,
                [(LOCATION, format!("{}/sign-in", super::view::root()))],
            )
                .into_response();
        }
        (
            StatusCode::UNAUTHORIZED,
            "Your session has ended. Sign in again.",
        )
            .into_response()
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = NotSignedIn;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let refused = NotSignedIn {
            page: parts.method == Method::GET,
        };
        let Some(token) = read_cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(refused);
        };
        let session = match state.db.session(token).await {
            Ok(Some(session)) => session,
            Ok(None) => return Err(refused),
            Err(error) => {
                tracing::error!(%error, "reading a console session failed");
                return Err(refused);
            }
        };
        let role = Role::parse(&session.operator.role).ok_or(refused)?;
        Ok(Self {
            operator: session.operator,
            role,
            csrf: session.csrf,
            token: token.to_owned(),
        })
    }
}

/// Sign-in attempts, limited by the email tried and by the address trying
/// (in this instance's memory): a few at once, then one a minute.
#[derive(Debug)]
pub struct SignInLimits {
    by_email: DefaultKeyedRateLimiter<String>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
}

/// Tries at once per email, then one a minute.
const TRIES_PER_EMAIL: u32 = 5;
/// Tries at once per address (an office shares one), then one every 6 s.
const TRIES_PER_ADDRESS: u32 = 30;

impl Default for SignInLimits {
    fn default() -> Self {
        let quota = |burst: u32, every: Duration| {
            Quota::with_period(every)
                .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
        };
        Self {
            by_email: RateLimiter::keyed(quota(TRIES_PER_EMAIL, Duration::from_secs(60))),
            by_address: RateLimiter::keyed(quota(TRIES_PER_ADDRESS, Duration::from_secs(6))),
        }
    }
}

impl SignInLimits {
    /// Whether one more attempt for `email` from `address` may be made now.
    pub fn allow(&self, email: &str, address: Option<IpAddr>) -> bool {
        let email_ok = self.by_email.check_key(&email.to_lowercase()).is_ok();
        let address_ok = address.is_none_or(|a| self.by_address.check_key(&a).is_ok());
        email_ok && address_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_only_and_no_account_matches_nothing() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches("correct horse battery", Some(&hash)));
        assert!(!password_matches("correct horse battery!", Some(&hash)));
        assert!(!password_matches("anything", None));
        assert!(!password_matches("anything", Some("not a hash")));
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_behind_https() {
        let plain = cookie(SESSION_COOKIE, "abc", SESSION_LIFETIME, false);
        let plain = plain.to_str().unwrap();
        assert!(
            plain.contains("HttpOnly") && plain.contains("SameSite=Strict"),
            "{plain}"
        );
        assert!(!plain.contains("Secure"), "{plain}");
        let secure = cookie(SESSION_COOKIE, "abc", SESSION_LIFETIME, true);
        assert!(secure.to_str().unwrap().ends_with("; Secure"));
    }

    #[test]
    fn cookies_are_read_by_name_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; rr_console=xyz; b=2"));
        assert_eq!(read_cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(read_cookie(&headers, "rr"), None);
    }

    #[test]
    fn sign_in_attempts_for_one_email_stop_after_a_few() {
        let limits = SignInLimits::default();
        let tries = (0..10)
            .filter(|_| limits.allow("Ana@Brand.example", None))
            .count();
        assert_eq!(tries, TRIES_PER_EMAIL as usize);
        assert!(limits.allow("other@brand.example", None));
    }

    #[test]
    fn tokens_are_long_and_differ() {
        let (a, b) = (token(), token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(same_token(&a, &a) && !same_token(&a, &b) && !same_token("", ""));
    }
}
