//! The console's pages and the forms they post: sign in and out, a password
//! set from a one-time link, and the review queue with its decisions. Every
//! form carries a CSRF token (the session's, or before sign-in one kept in a
//! cookie of its own); a page without a session sends to sign-in. Pages are
//! never cached.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::auth::{self, SignInLimits, SignedIn};
use super::browse::{PhotoLink, photo_links};
use super::view::{Me, Message, forged, message, page, root, unavailable, when};
use super::{Role, SignInWith};
use crate::audit::{self, Action, Origin, Record};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::SubmissionRow;
use crate::submissions::decision::{self, Decision};

/// Most held submissions the queue shows at once.
const QUEUE_PAGE: u32 = 200;
/// The longest text a decision's message may have.
const MAX_MESSAGE: usize = 500;

/// `/operator` to `/operator/`.
pub async fn to_queue() -> Redirect {
    Redirect::permanent(&format!("{}/", root()))
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage<'a> {
    csrf: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    notice: Option<&'a str>,
    /// The identity provider people sign in through, where there is one
    /// (then there is no password form).
    oidc: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    /// Set after a password was just set.
    #[serde(default)]
    set: Option<String>,
}

/// The sign-in form, with a fresh CSRF token in its cookie.
pub async fn sign_in_page(
    State(state): State<AppState>,
    Extension(SignInWith(oidc)): Extension<SignInWith>,
    Query(query): Query<SignInQuery>,
) -> Response {
    if let Some(oidc) = oidc {
        return page(
            StatusCode::OK,
            &SignInPage {
                csrf: "",
                email: "",
                error: None,
                notice: None,
                oidc: Some(oidc.name()),
            },
        );
    }
    let notice = query.set.map(|_| "Your password is set. Sign in with it.");
    sign_in_form(&state, StatusCode::OK, "", None, notice)
}

fn sign_in_form(
    state: &AppState,
    status: StatusCode,
    email: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> Response {
    let csrf = auth::token();
    let mut response = page(
        status,
        &SignInPage {
            csrf: &csrf,
            email,
            error,
            notice,
            oidc: None,
        },
    );
    let cookie = auth::cookie(
        auth::SIGN_IN_COOKIE,
        &csrf,
        std::time::Duration::from_secs(3600),
        auth::secure(state),
    );
    response.headers_mut().append(SET_COOKIE, cookie);
    response
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// Signs in: the form's token checked, the attempt counted, the password
/// verified; then a session, in the database, and its cookie.
pub async fn sign_in(
    State(state): State<AppState>,
    Extension(limits): Extension<Arc<SignInLimits>>,
    Extension(SignInWith(oidc)): Extension<SignInWith>,
    origin: Origin,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    // Through the identity provider only, where there is one: a password
    // set before it was configured opens nothing.
    if oidc.is_some() {
        return message(
            StatusCode::FORBIDDEN,
            "Not signed in",
            "This console signs in through your company account.",
        );
    }
    let expected = auth::read_cookie(&headers, auth::SIGN_IN_COOKIE).unwrap_or_default();
    if !auth::same_token(&form.csrf, expected) {
        return sign_in_form(
            &state,
            StatusCode::FORBIDDEN,
            &form.email,
            Some("This form had expired. Sign in again."),
            None,
        );
    }
    let email = form.email.trim().to_lowercase();
    if !limits.allow(&email, origin.0) {
        tracing::warn!("console sign-in attempts over the limit");
        return sign_in_form(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &form.email,
            Some("Too many attempts. Wait a minute, then try again."),
            None,
        );
    }
    let operator = match state.db.operator_by_email(&email).await {
        Ok(operator) => operator,
        Err(error) => {
            tracing::error!(%error, "reading an operator failed");
            return unavailable();
        }
    };
    let hash = operator.as_ref().and_then(|o| o.password_hash.clone());
    let password = form.password;
    let matches =
        tokio::task::spawn_blocking(move || auth::password_matches(&password, hash.as_deref()))
            .await
            .unwrap_or(false);
    let Some(operator) = operator.filter(|o| matches && Role::parse(&o.role).is_some()) else {
        return sign_in_form(
            &state,
            StatusCode::UNAUTHORIZED,
            &form.email,
            Some("That email and password do not match an account."),
            None,
        );
    };
    let session = match auth::open_session(&state, &operator).await {
        Ok(session) => session,
        Err(error) => {
            tracing::error!(%error, "opening a console session failed");
            return unavailable();
        }
    };
    tracing::info!(operator = %operator.id, "console sign-in");
    audit::record(&state, &operator.email, origin, Record::of(Action::SignIn)).await;
    let mut response = Redirect::to(&format!("{}/", root())).into_response();
    let headers = response.headers_mut();
    headers.append(SET_COOKIE, session);
    headers.append(
        SET_COOKIE,
        auth::cookie(
            auth::SIGN_IN_COOKIE,
            "",
            std::time::Duration::ZERO,
            auth::secure(&state),
        ),
    );
    response
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Signs out: the session ends everywhere, its cookie is removed.
pub async fn sign_out(
    State(state): State<AppState>,
    signed_in: SignedIn,
    origin: Origin,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !auth::same_token(&form.csrf, &signed_in.csrf) {
        return forged();
    }
    if let Err(error) = state.db.end_session(&signed_in.token).await {
        tracing::error!(%error, "ending a console session failed");
    }
    let email = &signed_in.operator.email;
    audit::record(&state, email, origin, Record::of(Action::SignOut)).await;
    let mut response = Redirect::to(&format!("{}/sign-in", root())).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        auth::cookie(
            auth::SESSION_COOKIE,
            "",
            std::time::Duration::ZERO,
            auth::secure(&state),
        ),
    );
    response
}

#[derive(Template)]
#[template(path = "console/setup.html")]
struct SetupPage<'a> {
    email: &'a str,
    token: &'a str,
    error: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

fn link_gone() -> Response {
    page(
        StatusCode::GONE,
        &Message {
            title: "This link no longer works",
            text: "It has been used, or it is more than three days old. Ask an admin for a new one.",
            back: "/sign-in",
            back_label: "Sign in",
        },
    )
}

/// The form to set a password, from a live one-time link.
pub async fn setup_page(
    State(state): State<AppState>,
    Query(query): Query<SetupQuery>,
) -> Response {
    match state.db.link(&query.token).await {
        Ok(Some(operator)) => page(
            StatusCode::OK,
            &SetupPage {
                email: &operator.email,
                token: &query.token,
                error: None,
            },
        ),
        Ok(None) => link_gone(),
        Err(error) => {
            tracing::error!(%error, "reading a console link failed");
            link_gone()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

/// Sets the password of a live link's operator, once; their sessions end.
/// The link itself is the form's proof: no one else has it.
pub async fn setup(
    State(state): State<AppState>,
    origin: Origin,
    Form(form): Form<SetupForm>,
) -> Response {
    let Ok(Some(operator)) = state.db.link(&form.token).await else {
        return link_gone();
    };
    let problem = if form.password.chars().count() < auth::MIN_PASSWORD {
        Some("Use at least 12 characters.")
    } else if form.password != form.again {
        Some("The two passwords differ.")
    } else {
        None
    };
    if let Some(problem) = problem {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage {
                email: &operator.email,
                token: &form.token,
                error: Some(problem),
            },
        );
    }
    let password = form.password;
    let hashed = tokio::task::spawn_blocking(move || auth::hash_password(&password)).await;
    let Ok(Ok(hash)) = hashed else {
        return message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not set",
            "Your password could not be set. Try again.",
        );
    };
    match state.db.set_password_by_link(&form.token, &hash).await {
        Ok(Some(operator)) => {
            tracing::info!(operator = %operator.id, "console password set");
            let set = Record::of(Action::PasswordSet);
            audit::record(&state, &operator.email, origin, set).await;
            Redirect::to(&format!("{}/sign-in?set=1", root())).into_response()
        }
        Ok(None) => link_gone(),
        Err(error) => {
            tracing::error!(%error, "setting a console password failed");
            link_gone()
        }
    }
}

/// One held submission, as the queue shows it.
struct Held {
    id: String,
    campaign: String,
    received: String,
    /// Why it waits for a person.
    why: String,
    /// The earlier submission it matches, where it is a duplicate.
    earlier: Option<String>,
    /// The claimed offers, each as `offer × quantity`.
    offers: Vec<String>,
    /// What the provider read, in one line.
    read: Option<String>,
    /// Held here (a duplicate): ours to decide. Otherwise the provider's
    /// own people decide.
    ours: bool,
    /// Its photos, and the earlier submission's, where they are kept.
    photos: Vec<PhotoLink>,
    earlier_photos: Vec<PhotoLink>,
    /// What the reviewer may give as the reason to reject, with its label:
    /// the campaign's own where it has them, else the API's codes.
    reasons: Vec<(String, String)>,
}

impl Held {
    fn of(row: &SubmissionRow, state: &AppState) -> Self {
        let campaign = state
            .campaigns
            .get(&row.campaign)
            .map_or_else(|| row.campaign.clone(), |c| c.config.title.clone());
        let ours = row.duplicate_of.is_some();
        let why = match (&row.duplicate_of, &row.photo_match_of) {
            (Some(_), _) => "The same receipt was sent before.".to_owned(),
            (None, Some(_)) => "Its photo resembles an earlier receipt's.".to_owned(),
            (None, None) => "Waiting on the provider's own review.".to_owned(),
        };
        let read = super::browse::read(row);
        Self {
            id: row.id.clone(),
            campaign,
            received: when(row.created_at),
            why,
            earlier: row
                .duplicate_of
                .clone()
                .or_else(|| row.photo_match_of.clone()),
            offers: row
                .offers
                .iter()
                .map(|o| format!("{} × {}", o.offer_id, o.quantity))
                .collect(),
            read,
            ours,
            photos: Vec::new(),
            earlier_photos: Vec::new(),
            reasons: state
                .campaigns
                .get(&row.campaign)
                .map(|c| &c.config.reject_reasons)
                .filter(|own| !own.is_empty())
                .map_or_else(
                    || {
                        reject_reasons()
                            .into_iter()
                            .map(|(code, label)| (code.to_owned(), label.to_owned()))
                            .collect()
                    },
                    |own| {
                        own.iter()
                            .map(|r| (r.id.clone(), r.label.clone()))
                            .collect()
                    },
                ),
        }
    }
}

#[derive(Template)]
#[template(path = "console/queue.html")]
struct QueuePage<'a> {
    me: Me,
    csrf: &'a str,
    held: Vec<Held>,
    decided: Option<String>,
}

/// What a person may give as the reason to reject, with its label.
fn reject_reasons() -> Vec<(&'static str, &'static str)> {
    use api::ReasonCode as R;
    [
        (R::Duplicate, "A duplicate of an earlier receipt"),
        (R::NotReceipt, "Not a receipt"),
        (R::Unreadable, "Cannot be read"),
        (R::DateOutOfRange, "Bought outside the promotion's dates"),
        (R::ProductMismatch, "Not the promoted products"),
        (R::StoreMismatch, "Not a participating store"),
        (R::Other, "Another reason (say which)"),
    ]
    .into_iter()
    .map(|(code, label)| (code.as_str(), label))
    .collect()
}

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    decided: Option<String>,
}

/// The review queue: held submissions, oldest first.
pub async fn queue(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<QueueQuery>,
) -> Response {
    let rows = match state.db.held(QUEUE_PAGE).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::error!(%error, "reading the review queue failed");
            return unavailable();
        }
    };
    let mut held = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut one = Held::of(row, &state);
        one.photos = photo_links(&state, &row.id, "the held receipt").await;
        if let Some(earlier) = &one.earlier {
            one.earlier_photos = photo_links(&state, earlier, "the earlier receipt").await;
        }
        held.push(one);
    }
    page(
        StatusCode::OK,
        &QueuePage {
            me: Me::of(&signed_in),
            csrf: &signed_in.csrf,
            held,
            decided: query.decided,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
}

/// A reviewer's decision on a held submission, as the operator API's: made
/// once, the brand told, the shopper's widget shown it; who decided is the
/// signed-in operator.
pub async fn decide(
    State(state): State<AppState>,
    signed_in: SignedIn,
    origin: Origin,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    if !auth::same_token(&form.csrf, &signed_in.csrf) {
        return forged();
    }
    let message_text = form.message.trim();
    if message_text.chars().count() > MAX_MESSAGE {
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not decided",
            "Keep the message to the shopper under 500 characters.",
        );
    }
    let row = match super::view::submission(&state, &id).await {
        Ok(row) => row,
        Err(page) => return page,
    };
    let typed = (!message_text.is_empty()).then(|| message_text.to_owned());
    let campaign = state.campaigns.get(&row.campaign).map(|c| &c.config);
    let decision = match form.decision.as_str() {
        "accept" => Some(Decision::Accept),
        "not_duplicate" => Some(Decision::NotDuplicate),
        // The campaign's own reasons where it has them, else the API's codes.
        "reject" => match campaign.filter(|c| !c.reject_reasons.is_empty()) {
            Some(campaign) => Decision::campaign_reason(campaign, &form.reason, typed),
            None => (!form.reason.is_empty()).then(|| Decision::Reject {
                reason: api::ReasonCode::parse(&form.reason),
                message: typed,
                words: Vec::new(),
            }),
        },
        _ => None,
    };
    let Some(decision) = decision else {
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not decided",
            "Choose a decision, and a reason to reject.",
        );
    };
    let shopper = row.user_id.clone();
    let by = &signed_in.operator.email;
    match decision::decide(&state, row, &decision, by).await {
        Ok(_) => {
            let record = Record::of(Action::Decide)
                .subject(&id)
                .shopper(shopper.as_deref())
                .detail(decision.summary());
            audit::record(&state, by, origin, record).await;
            Redirect::to(&format!("{}/?decided={id}", root())).into_response()
        }
        Err(ApiError::Conflict(why)) => message(StatusCode::CONFLICT, "Already decided", &why),
        Err(error) => {
            tracing::error!(%error, "a console decision failed");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Not decided",
                "The decision could not be recorded. Try again.",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reject_reason_is_a_code_the_api_knows() {
        for (code, label) in reject_reasons() {
            assert_eq!(api::ReasonCode::parse(code).as_str(), code);
            assert!(!label.is_empty());
        }
    }
}
