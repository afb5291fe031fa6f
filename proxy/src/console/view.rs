//! What every console page shares: rendering (never cached, with the
//! console's Content-Security-Policy), the page that says one thing, the
//! signed-in header's data, and times as people read them.

use askama::Template;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::Role;
use super::auth::SignedIn;
use crate::store::rfc3339;

/// What a console page may load and where its forms may go: its own inline
/// style, forms to itself, nothing else; and no other site may frame it (a
/// decision button under someone else's page).
pub const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page, rendered, never cached; a template that fails to render is a
/// plain 500.
pub fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (
            status,
            [
                (CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY)),
            ],
            Html(html),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "a console page failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A page that says one thing, with a way back.
#[derive(Template)]
#[template(path = "console/message.html")]
pub struct Message<'a> {
    pub title: &'a str,
    pub text: &'a str,
    /// Under the console's root: `/`, `/sign-in`.
    pub back: &'a str,
    pub back_label: &'a str,
}

pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    page(
        status,
        &Message {
            title,
            text,
            back: "/",
            back_label: "Back to the queue",
        },
    )
}

/// A form without its CSRF token (or with another session's).
pub fn forged() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Not sent",
        "This form did not come from your console page. Reload the page and try again.",
    )
}

/// A moment as people read it: `2026-12-06 09:30 UTC`.
pub fn when(unix_ms: i64) -> String {
    let text = rfc3339(unix_ms);
    match (text.get(..10), text.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => text,
    }
}

tokio::task_local! {
    /// Where the console is served (`[console] path`), for the request in
    /// hand: every page's links, redirects and cookies are under it.
    static ROOT: std::sync::Arc<str>;
}

/// Where the console is served, without a trailing `/` (`/operator` unless
/// `[console] path` says otherwise).
pub fn root() -> String {
    ROOT.try_with(|root| root.to_string())
        .unwrap_or_else(|_| DEFAULT_ROOT.to_owned())
}

/// Where the console is served unless configured.
pub const DEFAULT_ROOT: &str = "/operator";

/// Runs `work` with the console at `root`.
pub async fn at<F: Future>(root: std::sync::Arc<str>, work: F) -> F::Output {
    ROOT.scope(root, work).await
}

/// Every campaign as a page offers them to choose from: id and title.
pub fn campaign_choices(state: &crate::state::AppState) -> Vec<(String, String)> {
    state
        .config
        .campaigns
        .iter()
        .map(|(id, c)| (id.clone(), c.title.clone()))
        .collect()
}

/// The campaign a page asked for, where there is one, else the first of
/// `choices` (`campaign_choices`).
pub fn chosen_campaign(
    state: &crate::state::AppState,
    asked: Option<String>,
    choices: &[(String, String)],
) -> String {
    asked
        .filter(|c| state.campaign(c).is_ok())
        .or_else(|| choices.first().map(|(id, _)| id.clone()))
        .unwrap_or_default()
}

/// Submission `id`, or the page that says it is not there (erased, say)
/// or that the database cannot be reached.
pub async fn submission(
    state: &crate::state::AppState,
    id: &str,
) -> Result<crate::store::SubmissionRow, Response> {
    match state.db.get(id).await {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(message(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such submission (or it was erased).",
        )),
        Err(error) => {
            tracing::error!(%error, "reading a submission failed");
            Err(unavailable())
        }
    }
}

/// The database could not be reached: try again.
pub fn unavailable() -> Response {
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again",
        "The console cannot reach its database just now.",
    )
}

/// Who is signed in, as each page's header shows them, with the token of
/// the header's sign-out form; an admin also sees the admin pages.
#[derive(Debug, Clone)]
pub struct Me {
    pub email: String,
    pub role: &'static str,
    pub csrf: String,
    pub admin: bool,
}

impl Me {
    pub fn of(signed_in: &SignedIn) -> Self {
        Self {
            email: signed_in.operator.email.clone(),
            role: signed_in.role.as_str(),
            csrf: signed_in.csrf.clone(),
            admin: signed_in.role == Role::Admin,
        }
    }
}
