//! Sign-in through the brand's OpenID Connect identity provider
//! (`[console.oidc]`), with the `openidconnect` crate: the authorization code
//! flow with PKCE, a nonce and a state. The provider proves who someone is
//! (a verified email); the console's own accounts say what they may do, so
//! an email with no account is refused. Password sign-in is off meanwhile.
//!
//! The flow's state, nonce and PKCE verifier wait in a cookie of their own
//! (`HttpOnly`, `SameSite=Lax`: it must come back with the provider's
//! redirect, a cross-site navigation). The session cookie is `Strict`, which
//! a browser does not send on a redirect chain that began at another site,
//! so the callback answers a page that moves on to the console by itself.

use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, HttpRequest, HttpResponse, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::auth;
use super::view::{message, page, root};
use super::{Role, SignInWith};
use crate::audit::{self, Action, Origin, Record};
use crate::config::console::OidcConfig;
use crate::state::AppState;

/// A client built from discovery: its authorization endpoint set, its token
/// and user-info endpoints as the provider's document gives them.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The cookie that carries a sign-in's state, nonce and PKCE verifier.
pub const FLOW_COOKIE: &str = "rr_console_oidc";
/// How long a sign-in at the provider may take.
const FLOW_LIFETIME: Duration = Duration::from_secs(600);
/// How long the provider's discovery document is trusted before it is read
/// again (its keys rotate).
const DISCOVERY_LIFETIME: Duration = Duration::from_secs(3600);

/// The console's client at the brand's identity provider: its configuration,
/// an HTTP client that follows no redirect, and the provider's discovery
/// document, read when first needed and again after an hour.
pub struct Oidc {
    config: OidcConfig,
    redirect: String,
    http: reqwest::Client,
    discovered: Mutex<Option<(std::time::Instant, CoreProviderMetadata)>>,
}

/// Why a sign-in through the provider did not go through.
#[derive(Debug, thiserror::Error)]
enum Failed {
    #[error("the identity provider could not be reached or answered wrongly: {0}")]
    Provider(String),
    #[error("the sign-in came back with another state, or too late")]
    State,
    #[error("the identity provider's token did not hold: {0}")]
    Token(String),
}

impl Oidc {
    /// The client for `config`, whose redirect URI is on `public_url`.
    pub fn new(config: &OidcConfig, public_url: &str, root: &str) -> Arc<Self> {
        Arc::new(Self {
            config: config.clone(),
            redirect: format!("{}{root}/oidc/callback", public_url.trim_end_matches('/')),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            discovered: Mutex::new(None),
        })
    }

    /// What the sign-in button names the provider.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// One request to the provider, with the proxy's HTTP client.
    async fn call(
        http: reqwest::Client,
        request: HttpRequest,
    ) -> Result<HttpResponse, reqwest::Error> {
        let response = http.execute(request.try_into()?).await?;
        let mut answer = axum::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        let body = response.bytes().await?.to_vec();
        Ok(answer.body(body).unwrap_or_default())
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, Failed> {
        let mut cached = self.discovered.lock().await;
        if let Some((at, metadata)) = cached.as_ref()
            && at.elapsed() < DISCOVERY_LIFETIME
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| Failed::Provider(e.to_string()))?;
        let http = |request| Self::call(self.http.clone(), request);
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|e| Failed::Provider(e.to_string()))?;
        *cached = Some((std::time::Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// The console's client at the provider, as its discovery document
    /// describes it, coming back to the console's callback.
    async fn client(&self) -> Result<Client, Failed> {
        let metadata = self.metadata().await?;
        let redirect =
            RedirectUrl::new(self.redirect.clone()).map_err(|e| Failed::Provider(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose().to_owned(),
            )),
        )
        .set_redirect_uri(redirect))
    }

    /// Where to send the browser to sign in, and the flow's cookie value.
    async fn start(&self) -> Result<(String, String), Failed> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        let flow = format!(
            "{}.{}.{}",
            state.secret(),
            nonce.secret(),
            verifier.secret()
        );
        Ok((url.to_string(), flow))
    }

    /// The verified email of whoever the provider signed in, from the code
    /// it sent back with `state`, against the flow's cookie.
    async fn finish(&self, code: &str, state: &str, flow: &str) -> Result<String, Failed> {
        let mut parts = flow.splitn(3, '.');
        let (Some(expected), Some(nonce), Some(verifier)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(Failed::State);
        };
        if !auth::same_token(state, expected) {
            return Err(Failed::State);
        }
        let client = self.client().await?;
        let http = |request| Self::call(self.http.clone(), request);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Failed::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&http)
            .await
            .map_err(|e| Failed::Provider(e.to_string()))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| Failed::Token("no ID token".to_owned()))?;
        let verifier = client.id_token_verifier().set_allowed_algs([
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        ]);
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce.to_owned()))
            .map_err(|e| Failed::Token(e.to_string()))?;
        match (claims.email(), claims.email_verified()) {
            (Some(email), Some(true)) => Ok(email.as_str().trim().to_lowercase()),
            _ => Err(Failed::Token("no verified email".to_owned())),
        }
    }
}

/// `/operator/sign-in/oidc`: off to the provider, the flow's cookie set.
pub async fn start(
    State(state): State<AppState>,
    Extension(SignInWith(oidc)): Extension<SignInWith>,
) -> Response {
    let Some(oidc) = oidc else {
        return password_only();
    };
    match oidc.start().await {
        Ok((url, flow)) => {
            let mut response = (StatusCode::SEE_OTHER, [(LOCATION, url)]).into_response();
            response.headers_mut().append(
                SET_COOKIE,
                auth::cookie_lax(FLOW_COOKIE, &flow, FLOW_LIFETIME, auth::secure(&state)),
            );
            response
        }
        Err(error) => {
            tracing::error!(%error, "console sign-in through the identity provider failed");
            message(
                StatusCode::BAD_GATEWAY,
                "Try again",
                "Your company's sign-in cannot be reached just now.",
            )
        }
    }
}

/// The answer where the console has no identity provider to sign in with.
fn password_only() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Not here",
        "This console signs in with a password.",
    )
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    /// Set where the provider refused (the person cancelled, say).
    #[serde(default)]
    error: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "console/signed_in.html")]
struct SignedInPage;

/// `/operator/oidc/callback`: the provider's answer. A known account's
/// session opens; anyone else is refused.
pub async fn callback(
    State(state): State<AppState>,
    Extension(SignInWith(oidc)): Extension<SignInWith>,
    origin: Origin,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(oidc) = oidc else {
        return password_only();
    };
    let secure = auth::secure(&state);
    let flow = auth::read_cookie(&headers, FLOW_COOKIE).unwrap_or_default();
    let outcome = if query.error.is_some() {
        Err(Failed::Token(
            "the identity provider refused the sign-in".to_owned(),
        ))
    } else {
        oidc.finish(&query.code, &query.state, flow).await
    };
    let email = match outcome {
        Ok(email) => email,
        Err(error) => {
            tracing::warn!(%error, "console sign-in through the identity provider refused");
            return message(
                StatusCode::FORBIDDEN,
                "Not signed in",
                "Your company's sign-in did not go through. Try again from the sign-in page.",
            );
        }
    };
    let operator = match state.db.operator_by_email(&email).await {
        Ok(Some(operator)) if Role::parse(&operator.role).is_some() => operator,
        Ok(_) => {
            tracing::warn!("a person with no console account signed in at the identity provider");
            return message(
                StatusCode::FORBIDDEN,
                "No account",
                "You signed in, but have no account on this console. Ask one of its admins to add you.",
            );
        }
        Err(_) => return super::view::unavailable(),
    };
    let Ok(session) = auth::open_session(&state, &operator).await else {
        return super::view::unavailable();
    };
    let record = Record::of(Action::SignIn).detail(format!("through {}", oidc.name()));
    audit::record(&state, &operator.email, origin, record).await;
    let mut response = page(StatusCode::OK, &SignedInPage);
    let cookies = response.headers_mut();
    cookies.append(SET_COOKIE, session);
    cookies.append(
        SET_COOKIE,
        auth::cookie_lax(FLOW_COOKIE, "", Duration::ZERO, secure),
    );
    response
}
