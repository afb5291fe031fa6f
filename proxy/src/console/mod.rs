//! The review console at `/operator/`: pages rendered on the server (askama
//! templates in `proxy/templates/console/`, no script) for the brand's people,
//! who sign in with their own accounts. The operator API's bearer key stays
//! for servers.
//!
//! - `auth`: passwords (argon2id), tokens, the session cookie, the
//!   [`auth::SignedIn`] extractor, CSRF and the sign-in limits;
//! - `pages`: the pages and their forms: sign in and out, set a password
//!   from a one-time link, the review queue and its decisions;
//! - `browse`: a campaign's submissions a page at a time, a search by
//!   submission id, shopper id or receipt QR, and one submission;
//! - `day`: a campaign's day at a glance (an SVG chart of the last 24
//!   hours, provider failures, duplicates caught, the oldest held receipt);
//! - `oidc`: sign-in through the brand's OpenID Connect identity provider,
//!   where `[console.oidc]` names one (password sign-in is off then);
//! - `resend`: failed submissions sent again, one or a campaign's, with
//!   what that may cost said first;
//! - `admin`: an admin's pages: accounts, a shopper's erasure, exports,
//!   retention, the audit log (a reviewer is refused them);
//! - `view`: what every page shares (rendering, the header, times).
//!
//! Accounts are added with `proxy operator add` ([`invite`]), which prints a
//! one-time link to set the password; `proxy operator link` prints a new
//! one for an existing account ([`password_link`]).

mod admin;
pub mod auth;
mod browse;
mod day;
mod oidc;
mod pages;
mod resend;
mod view;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::store::Db;

/// How people sign in: through the brand's identity provider, or (`None`)
/// with a password.
#[derive(Clone)]
pub struct SignInWith(pub Option<Arc<oidc::Oidc>>);

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Decides held submissions.
    Reviewer,
    /// Also exports, erases, changes retention and manages accounts.
    Admin,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reviewer => "reviewer",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "reviewer" => Some(Self::Reviewer),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// Runs `work` (an [`invite`], say) for the console of `config`: its links
/// are under its `[console] path`.
pub async fn serving<F: Future>(config: &crate::config::Config, work: F) -> F::Output {
    view::at(Arc::from(config.console.path.as_str()), work).await
}

/// A new account and the link that sets its password.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub email: String,
    pub role: Role,
    /// `{public_url}{console path}/setup?token=...` (the path alone where the
    /// proxy has no public URL configured).
    pub link: String,
}

/// Why an account could not be added.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("{0:?} is not an email address")]
    NotAnEmail(String),
    #[error("{0:?} has an account already")]
    Exists(String),
    #[error("{0:?} has no account")]
    Unknown(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Adds an operator `email` with `role`, and answers the one-time link
/// (good for [`auth::LINK_LIFETIME`]) with which they set their password.
pub async fn invite(
    db: &Db,
    email: &str,
    role: Role,
    public_url: Option<&str>,
) -> Result<Invitation, InviteError> {
    let email = email.trim().to_lowercase();
    let plausible = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(name, host)| !name.is_empty() && host.contains('.'));
    if !plausible || email.chars().any(char::is_whitespace) {
        return Err(InviteError::NotAnEmail(email));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let operator = db
        .add_operator(&id, &email, role.as_str())
        .await?
        .ok_or_else(|| InviteError::Exists(email.clone()))?;
    link(db, &operator.id, email, role, public_url).await
}

/// A new one-time link for `email`'s existing account, to set its password
/// again (a forgotten one): earlier links are void, and setting it ends the
/// account's sessions.
pub async fn password_link(
    db: &Db,
    email: &str,
    public_url: Option<&str>,
) -> Result<Invitation, InviteError> {
    let email = email.trim().to_lowercase();
    let operator = db
        .operator_by_email(&email)
        .await?
        .ok_or_else(|| InviteError::Unknown(email.clone()))?;
    let role = Role::parse(&operator.role).unwrap_or(Role::Reviewer);
    link(db, &operator.id, email, role, public_url).await
}

async fn link(
    db: &Db,
    operator_id: &str,
    email: String,
    role: Role,
    public_url: Option<&str>,
) -> Result<Invitation, InviteError> {
    let token = auth::token();
    let expires = db.clock().after(auth::LINK_LIFETIME);
    db.put_link(operator_id, &token, expires).await?;
    let base = public_url.unwrap_or_default().trim_end_matches('/');
    Ok(Invitation {
        email,
        role,
        link: format!("{base}{}/setup?token={token}", view::root()),
    })
}

/// The console's pages, under `[console] path` (`/operator/...`).
pub fn router(config: &crate::config::Config) -> Router<AppState> {
    let root = config.console.path.as_str();
    let limits = Arc::new(auth::SignInLimits::default());
    // Through the brand's identity provider where configured (the
    // configuration makes sure it has a public URL to come back to).
    let oidc = config.console.oidc.as_ref().map(|oidc| {
        let public_url = config.public_url.as_deref().unwrap_or_default();
        oidc::Oidc::new(oidc, public_url, root)
    });
    let at = |path: &str| format!("{root}{path}");
    // Every page, redirect and cookie of the request is under the root.
    let serving: Arc<str> = Arc::from(root);
    Router::new()
        .route(&at(""), get(pages::to_queue))
        .route(&at("/"), get(pages::queue))
        .route(
            &at("/sign-in"),
            get(pages::sign_in_page).post(pages::sign_in),
        )
        .route(&at("/sign-out"), post(pages::sign_out))
        .route(&at("/setup"), get(pages::setup_page).post(pages::setup))
        .route(&at("/submissions"), get(browse::list))
        .route(&at("/search"), get(browse::search))
        .route(&at("/day"), get(day::day))
        .route(&at("/submissions/{id}"), get(browse::one))
        .route(&at("/submissions/{id}/photos/{n}"), get(browse::photo))
        .route(&at("/submissions/{id}/decision"), post(pages::decide))
        .route(&at("/submissions/{id}/resend"), post(resend::one))
        .route(&at("/campaigns/{campaign}/resend"), post(resend::campaign))
        .route(
            &at("/accounts"),
            get(admin::accounts).post(admin::add_account),
        )
        .route(&at("/accounts/link"), post(admin::new_link))
        .route(&at("/shoppers"), get(admin::shoppers))
        .route(&at("/shoppers/erase"), post(admin::erase))
        .route(&at("/exports"), get(admin::exports))
        .route(&at("/exports/{file}"), get(admin::export_csv))
        .route(
            &at("/retention"),
            get(admin::retention_page).post(admin::change_retention),
        )
        .route(&at("/audit"), get(admin::audit_log))
        .route(&at("/audit.csv"), get(admin::audit_csv))
        .route(&at("/sign-in/oidc"), get(oidc::start))
        .route(&at("/oidc/callback"), get(oidc::callback))
        .layer(axum::Extension(limits))
        .layer(axum::Extension(SignInWith(oidc)))
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                view::at(serving.clone(), next.run(request))
            },
        ))
}
