//! A brand's OpenID Connect identity provider, as the review console meets
//! one (OpenID Connect Core 1.0, the authorization code flow with PKCE,
//! RFC 7636): discovery, a key set, an authorization page where a person
//! says who they are (the sandbox trusts them: it stands in for the brand's
//! own sign-in), and a token endpoint that answers an ES256-signed ID token
//! for a code, once, to the client that asked for it with its secret and
//! the PKCE verifier. The issuer is the URL the request came to,
//! `http://{host}/oidc`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, Query, State};
use axum::http::header::{AUTHORIZATION, HOST, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};

/// The console's client at this provider.
#[derive(Debug, Clone)]
pub struct Settings {
    pub client_id: String,
    pub client_secret: String,
}

/// The key's id in the key set and in each token's header.
const KEY_ID: &str = "sandbox-oidc-1";
/// How long a code may wait to be exchanged.
const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// A code handed to the browser, waiting for the client's exchange.
struct Grant {
    redirect_uri: String,
    email: String,
    nonce: Option<String>,
    challenge: String,
    issued: Instant,
}

struct Provider {
    settings: Settings,
    key: SigningKey,
    codes: Mutex<HashMap<String, Grant>>,
}

/// The routes, under `prefix` (`/oidc`).
pub fn router(prefix: &str, settings: Settings) -> Router {
    // A fresh key for each sandbox: 32 random bytes are a valid P-256
    // scalar but with a chance of about 2^-128.
    let key = loop {
        let bytes: [u8; 32] = rand::random();
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            break key;
        }
    };
    let provider = Arc::new(Provider {
        settings,
        key,
        codes: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route(
            &format!("{prefix}/.well-known/openid-configuration"),
            get(discovery),
        )
        .route(&format!("{prefix}/jwks"), get(jwks))
        .route(
            &format!("{prefix}/authorize"),
            get(authorize_page).post(authorize),
        )
        .route(&format!("{prefix}/token"), post(token))
        .with_state(provider)
}

/// `http://{host}/oidc`, as the request reached the sandbox.
fn issuer(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}/oidc")
}

async fn discovery(headers: HeaderMap) -> Json<serde_json::Value> {
    let issuer = issuer(&headers);
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "scopes_supported": ["openid", "email"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "email", "email_verified"],
    }))
}

async fn jwks(State(provider): State<Arc<Provider>>) -> Json<serde_json::Value> {
    let point = provider.key.verifying_key().to_encoded_point(false);
    let (x, y) = (point.x().unwrap(), point.y().unwrap());
    Json(json!({"keys": [{
        "kty": "EC",
        "crv": "P-256",
        "use": "sig",
        "alg": "ES256",
        "kid": KEY_ID,
        "x": URL_SAFE_NO_PAD.encode(x),
        "y": URL_SAFE_NO_PAD.encode(y),
    }]}))
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
}

fn refused(status: StatusCode, why: &str) -> Response {
    (
        status,
        Json(json!({"error": "invalid_request", "error_description": why})),
    )
        .into_response()
}

/// HTML-escapes `text` for an attribute.
fn attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The sign-in page: the person says who they are.
async fn authorize_page(
    State(provider): State<Arc<Provider>>,
    Query(query): Query<AuthorizeQuery>,
) -> Response {
    if query.response_type != "code" || query.client_id != provider.settings.client_id {
        return refused(StatusCode::BAD_REQUEST, "unknown client or response type");
    }
    if query.code_challenge.is_empty() || query.code_challenge_method != "S256" {
        return refused(StatusCode::BAD_REQUEST, "PKCE with S256 is required");
    }
    let hidden = [
        ("redirect_uri", query.redirect_uri.as_str()),
        ("state", query.state.as_str()),
        ("nonce", query.nonce.as_deref().unwrap_or("")),
        ("code_challenge", query.code_challenge.as_str()),
    ]
    .iter()
    .map(|(name, value)| {
        format!(
            r#"<input type="hidden" name="{name}" value="{}">"#,
            attr(value)
        )
    })
    .collect::<String>();
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sandbox ID: sign in</title></head>
<body><main><h1>Sandbox ID</h1><form method="post">{hidden}
<label>Work email <input type="email" name="email" required></label>
<button type="submit">Sign in</button></form></main></body></html>"#
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeForm {
    email: String,
    redirect_uri: String,
    state: String,
    #[serde(default)]
    nonce: String,
    code_challenge: String,
}

/// Signed in: back to the client with a code.
async fn authorize(
    State(provider): State<Arc<Provider>>,
    Form(form): Form<AuthorizeForm>,
) -> Response {
    let code = crate::random_token("code");
    let location = format!(
        "{}{}code={}&state={}",
        form.redirect_uri,
        if form.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        },
        code,
        url_escape(&form.state)
    );
    provider
        .codes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(
            code,
            Grant {
                redirect_uri: form.redirect_uri,
                email: form.email.trim().to_lowercase(),
                nonce: (!form.nonce.is_empty()).then_some(form.nonce),
                challenge: form.code_challenge,
                issued: Instant::now(),
            },
        );
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

/// Percent-encodes what is not unreserved (RFC 3986).
fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: String,
}

/// A code for an ID token: the client's secret (HTTP Basic), the same
/// redirect URI, the PKCE verifier; once.
async fn token(
    State(provider): State<Arc<Provider>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            url_escape(&provider.settings.client_id),
            url_escape(&provider.settings.client_secret)
        ))
    );
    let authorized = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    if !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let grant = provider
        .codes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&form.code);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(form.code_verifier.as_bytes()));
    let Some(grant) = grant.filter(|g| {
        form.grant_type == "authorization_code"
            && g.redirect_uri == form.redirect_uri
            && g.challenge == challenge
            && g.issued.elapsed() < CODE_LIFETIME
    }) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut claims = json!({
        "iss": issuer(&headers),
        "sub": format!("user-{}", URL_SAFE_NO_PAD.encode(Sha256::digest(grant.email.as_bytes()))),
        "aud": provider.settings.client_id,
        "iat": now,
        "exp": now + 300,
        "email": grant.email,
        "email_verified": true,
    });
    if let Some(nonce) = grant.nonce {
        claims["nonce"] = json!(nonce);
    }
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": KEY_ID});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature: Signature = provider.key.sign(signing_input.as_bytes());
    let id_token = format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    );
    Json(json!({
        "access_token": crate::random_token("at"),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}
