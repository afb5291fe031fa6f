//! The admin's pages: accounts (add one, a new password link), a shopper's
//! erasure (with a confirmation step), each campaign's CSV export, retention,
//! and the audit log. A reviewer is refused all of them ([`Admin`]). Each
//! action is written to the audit log.

use askama::Template;
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{self, SignedIn};
use super::view::{Me, campaign_choices, forged, message, page, root, unavailable, when};
use super::{Invitation, InviteError, Role};
use crate::audit::{self, Action, Origin, Record};
use crate::retention::{self, Retention};
use crate::state::AppState;
use crate::store::Audited;
use crate::submissions::export;

/// Audit entries one page shows.
const AUDIT_PAGE: u32 = 100;

/// A signed-in admin. A reviewer is refused with a page saying so (403);
/// no one signed in, as [`SignedIn`] refuses.
pub struct Admin(pub SignedIn);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if signed_in.role != Role::Admin {
            tracing::warn!(operator = %signed_in.operator.id, "a reviewer tried an admin page");
            return Err(message(
                StatusCode::FORBIDDEN,
                "Admins only",
                "Only an admin may do this. Ask one of your promotion's admins.",
            ));
        }
        Ok(Self(signed_in))
    }
}

/// A form that carries only its CSRF token and one value.
#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// An account as the accounts page lists it.
struct Account {
    email: String,
    role: String,
    password_set: bool,
}

#[derive(Template)]
#[template(path = "console/accounts.html")]
struct AccountsPage {
    me: Me,
    accounts: Vec<Account>,
    invited: Option<Invitation>,
    error: Option<String>,
}

async fn accounts_page(
    state: &AppState,
    me: Me,
    status: StatusCode,
    invited: Option<Invitation>,
    error: Option<String>,
) -> Response {
    let Ok(operators) = state.db.operators().await else {
        return unavailable();
    };
    let accounts = operators
        .into_iter()
        .map(|o| Account {
            password_set: o.password_hash.is_some(),
            email: o.email,
            role: o.role,
        })
        .collect();
    page(
        status,
        &AccountsPage {
            me,
            accounts,
            invited,
            error,
        },
    )
}

/// Everyone who can sign in, and the form to add someone.
pub async fn accounts(State(state): State<AppState>, Admin(admin): Admin) -> Response {
    accounts_page(&state, Me::of(&admin), StatusCode::OK, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// Adds an account and shows its one-time link, once.
pub async fn add_account(
    State(state): State<AppState>,
    Admin(admin): Admin,
    origin: Origin,
    Form(form): Form<AddForm>,
) -> Response {
    if !auth::same_token(&form.csrf, &admin.csrf) {
        return forged();
    }
    let me = Me::of(&admin);
    let Some(role) = Role::parse(&form.role) else {
        let why = "Choose a role: reviewer or admin.".to_owned();
        return accounts_page(
            &state,
            me,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(why),
        )
        .await;
    };
    let public_url = state.config.public_url.as_deref();
    match super::invite(&state.db, &form.email, role, public_url).await {
        Ok(invitation) => {
            let record = Record::of(Action::AddAccount)
                .subject(&invitation.email)
                .detail(role.as_str());
            audit::record(&state, &admin.operator.email, origin, record).await;
            accounts_page(&state, me, StatusCode::OK, Some(invitation), None).await
        }
        Err(InviteError::Database(error)) => {
            tracing::error!(%error, "adding an operator failed");
            unavailable()
        }
        Err(refused) => {
            let why = match refused {
                InviteError::Exists(_) => "That email has an account already.",
                _ => "That is not an email address.",
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            accounts_page(&state, me, status, None, Some(why.to_owned())).await
        }
    }
}

/// A new one-time link for an account (a forgotten password): earlier
/// links are void, and setting it ends the account's sessions.
pub async fn new_link(
    State(state): State<AppState>,
    Admin(admin): Admin,
    origin: Origin,
    Form(form): Form<EmailForm>,
) -> Response {
    if !auth::same_token(&form.csrf, &admin.csrf) {
        return forged();
    }
    let me = Me::of(&admin);
    let public_url = state.config.public_url.as_deref();
    match super::password_link(&state.db, &form.email, public_url).await {
        Ok(invitation) => {
            let record = Record::of(Action::NewLink).subject(&invitation.email);
            audit::record(&state, &admin.operator.email, origin, record).await;
            accounts_page(&state, me, StatusCode::OK, Some(invitation), None).await
        }
        Err(InviteError::Database(error)) => {
            tracing::error!(%error, "making a password link failed");
            unavailable()
        }
        Err(_) => {
            let why = "There is no account with that email.".to_owned();
            accounts_page(&state, me, StatusCode::NOT_FOUND, None, Some(why)).await
        }
    }
}

#[derive(Template)]
#[template(path = "console/shoppers.html")]
struct ShoppersPage {
    me: Me,
    erased: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct ShoppersQuery {
    #[serde(default)]
    erased: Option<u64>,
}

/// The form to erase a shopper's data.
pub async fn shoppers(Admin(admin): Admin, Query(query): Query<ShoppersQuery>) -> Response {
    let me = Me::of(&admin);
    page(
        StatusCode::OK,
        &ShoppersPage {
            me,
            erased: query.erased,
        },
    )
}

#[derive(Template)]
#[template(path = "console/erase_confirm.html")]
struct EraseConfirmPage<'a> {
    me: Me,
    shopper: &'a str,
    submissions: i64,
}

#[derive(Debug, Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    shopper: String,
    /// `yes` on the confirmation step's form; without it, the step is shown.
    #[serde(default)]
    confirm: String,
}

/// Erases a shopper's data, in every campaign, once confirmed: the first
/// post shows what would go, the confirmation's post erases it.
pub async fn erase(
    State(state): State<AppState>,
    Admin(admin): Admin,
    origin: Origin,
    Form(form): Form<EraseForm>,
) -> Response {
    if !auth::same_token(&form.csrf, &admin.csrf) {
        return forged();
    }
    let shopper = form.shopper.trim();
    if shopper.is_empty() {
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Nothing erased",
            "Give the shopper's id.",
        );
    }
    if form.confirm != "yes" {
        let Ok(submissions) = state.db.count_of_user(shopper).await else {
            return unavailable();
        };
        return page(
            StatusCode::OK,
            &EraseConfirmPage {
                me: Me::of(&admin),
                shopper,
                submissions,
            },
        );
    }
    let by = &admin.operator.email;
    let Ok(ids) = crate::submissions::erase::shopper(&state, shopper, by, origin).await else {
        return unavailable();
    };
    Redirect::to(&format!("{}/shoppers?erased={}", root(), ids.len())).into_response()
}

#[derive(Template)]
#[template(path = "console/exports.html")]
struct ExportsPage {
    me: Me,
    /// Each campaign's id and title.
    campaigns: Vec<(String, String)>,
}

/// Every campaign, each with its CSV.
pub async fn exports(State(state): State<AppState>, Admin(admin): Admin) -> Response {
    let campaigns = campaign_choices(&state);
    page(
        StatusCode::OK,
        &ExportsPage {
            me: Me::of(&admin),
            campaigns,
        },
    )
}

/// A download that holds personal data: never cached.
fn download(body: Vec<u8>, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut response = (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `/operator/exports/{campaign}.csv`: the campaign's submissions, as the
/// operator API's export.
pub async fn export_csv(
    State(state): State<AppState>,
    Admin(admin): Admin,
    origin: Origin,
    Path(file): Path<String>,
) -> Response {
    let campaign = file.strip_suffix(".csv").unwrap_or(&file);
    if state.campaign(campaign).is_err() {
        return message(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such campaign.",
        );
    }
    let Ok(body) = export::csv(&state, campaign).await else {
        return unavailable();
    };
    let record = Record::of(Action::Export).subject(campaign);
    audit::record(&state, &admin.operator.email, origin, record).await;
    download(body, &format!("{campaign}.csv"))
}

#[derive(Template)]
#[template(path = "console/retention.html")]
struct RetentionPage {
    me: Me,
    retention: Retention,
    changed: bool,
    error: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct RetentionQuery {
    #[serde(default)]
    changed: Option<String>,
}

/// The retention in force, and the form to change it.
pub async fn retention_page(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Query(query): Query<RetentionQuery>,
) -> Response {
    let Ok(retention) = retention::in_force(&state).await else {
        return unavailable();
    };
    page(
        StatusCode::OK,
        &RetentionPage {
            me: Me::of(&admin),
            retention,
            changed: query.changed.is_some(),
            error: None,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct RetentionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    failed_photos_days: String,
    #[serde(default)]
    submissions_days: String,
}

/// Changes retention for every instance, as the operator API does.
pub async fn change_retention(
    State(state): State<AppState>,
    Admin(admin): Admin,
    origin: Origin,
    Form(form): Form<RetentionForm>,
) -> Response {
    if !auth::same_token(&form.csrf, &admin.csrf) {
        return forged();
    }
    let days = |text: &str| text.trim().parse::<u32>().ok();
    let asked = days(&form.failed_photos_days)
        .zip(days(&form.submissions_days))
        .map(|(failed_photos_days, submissions_days)| Retention {
            failed_photos_days,
            submissions_days,
        })
        .filter(|r| r.is_valid());
    let Some(retention) = asked else {
        let Ok(current) = retention::in_force(&state).await else {
            return unavailable();
        };
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RetentionPage {
                me: Me::of(&admin),
                retention: current,
                changed: false,
                error: Some("Give both as whole days, at least one."),
            },
        );
    };
    if retention::set(&state, retention).await.is_err() {
        return unavailable();
    }
    tracing::info!(?retention, "retention changed in the console");
    let record = Record::of(Action::Retention).detail(retention.summary());
    audit::record(&state, &admin.operator.email, origin, record).await;
    Redirect::to(&format!("{}/retention?changed=1", root())).into_response()
}

/// An audit entry as the log's page shows it.
struct Line {
    when: String,
    actor: String,
    what: &'static str,
    subject: String,
    detail: String,
    address: String,
}

impl Line {
    fn of(audited: &Audited) -> Self {
        let entry = &audited.entry;
        Self {
            when: when(entry.at),
            actor: entry.actor.clone(),
            what: Action::label(&entry.action),
            subject: entry.subject.clone().unwrap_or_default(),
            detail: entry.detail.clone().unwrap_or_default(),
            address: entry.address.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    me: Me,
    lines: Vec<Line>,
    /// Where the next, older page starts.
    older: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    before: Option<i64>,
}

/// The audit log, newest first, a page at a time.
pub async fn audit_log(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Query(query): Query<AuditQuery>,
) -> Response {
    let Ok(entries) = state.db.audit_log(query.before, AUDIT_PAGE).await else {
        return unavailable();
    };
    let older = (entries.len() == AUDIT_PAGE as usize)
        .then(|| entries.last().map(|a| a.seq))
        .flatten();
    page(
        StatusCode::OK,
        &AuditPage {
            me: Me::of(&admin),
            lines: entries.iter().map(Line::of).collect(),
            older,
        },
    )
}

/// `/operator/audit.csv`: the whole log, newest first.
pub async fn audit_csv(
    State(state): State<AppState>,
    Admin(admin): Admin,
    origin: Origin,
) -> Response {
    let mut csv = csv::Writer::from_writer(Vec::new());
    let header = ["at", "actor", "action", "subject", "detail", "address"];
    let mut written = csv.write_record(header).is_ok();
    let mut before = None;
    loop {
        let Ok(entries) = state.db.audit_log(before, 1000).await else {
            return unavailable();
        };
        for audited in &entries {
            let e = &audited.entry;
            let cell = |value: &Option<String>| export::text_cell(value.as_deref().unwrap_or(""));
            written &= csv
                .write_record([
                    crate::store::rfc3339(e.at),
                    export::text_cell(&e.actor),
                    e.action.clone(),
                    cell(&e.subject),
                    cell(&e.detail),
                    cell(&e.address),
                ])
                .is_ok();
        }
        match entries.last() {
            Some(last) if entries.len() == 1000 => before = Some(last.seq),
            _ => break,
        }
    }
    let body = csv.into_inner().ok().filter(|_| written);
    let Some(body) = body else {
        return message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not exported",
            "The audit log could not be written as CSV. Try again.",
        );
    };
    let record = Record::of(Action::ExportAudit);
    audit::record(&state, &admin.operator.email, origin, record).await;
    download(body, "audit-log.csv")
}
