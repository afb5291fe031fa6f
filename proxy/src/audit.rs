//! The audit log of what operators do, in the console or through the
//! operator API: who, what, when, and from where. Admins read it in the
//! console and export it; a shopper's erasure removes whom an entry
//! concerned and keeps that it happened (`store::audit`).
//!
//! An entry is written after its action succeeded; where the database
//! cannot take it, the action stands and the failure is logged (the action
//! itself is in the database already, with who did it where it matters:
//! a decision's `decided_by`).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::AppState;
use crate::store::AuditEntry;

/// Who the operator API's actions are written as: the key names no one.
pub const API_KEY: &str = "operator API key";

/// What an operator did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    SignOut,
    PasswordSet,
    Decide,
    Resend,
    AddAccount,
    NewLink,
    Erase,
    Export,
    Retention,
    ExportAudit,
}

impl Action {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignOut => "sign_out",
            Self::PasswordSet => "password_set",
            Self::Decide => "decide",
            Self::Resend => "resend",
            Self::AddAccount => "add_account",
            Self::NewLink => "new_link",
            Self::Erase => "erase",
            Self::Export => "export",
            Self::Retention => "retention",
            Self::ExportAudit => "export_audit",
        }
    }

    /// What the console says it was.
    pub fn label(code: &str) -> &'static str {
        match code {
            "sign_in" => "Signed in",
            "sign_out" => "Signed out",
            "password_set" => "Set their password",
            "decide" => "Decided a held submission",
            "resend" => "Sent failed submissions again",
            "add_account" => "Added an account",
            "new_link" => "Made a new password link",
            "erase" => "Erased a shopper's data",
            "export" => "Exported a campaign's submissions",
            "retention" => "Changed retention",
            "export_audit" => "Exported the audit log",
            _ => "Another action",
        }
    }
}

/// The address a request came from, as the rate limits see it (behind
/// `trusted_proxies`, the one they forwarded).
#[derive(Debug, Clone, Copy)]
pub struct Origin(pub Option<IpAddr>);

impl FromRequestParts<AppState> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        Ok(Self(state.rate_limits.client(peer, &parts.headers)))
    }
}

/// One action, as it is written.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub action: Action,
    /// What it was done to.
    pub subject: Option<&'a str>,
    /// The shopper it concerns.
    pub shopper: Option<&'a str>,
    pub detail: Option<String>,
}

impl Record<'_> {
    pub fn of(action: Action) -> Self {
        Self {
            action,
            subject: None,
            shopper: None,
            detail: None,
        }
    }
}

impl<'a> Record<'a> {
    pub fn subject(mut self, subject: &'a str) -> Self {
        self.subject = Some(subject);
        self
    }

    pub fn shopper(mut self, shopper: Option<&'a str>) -> Self {
        self.shopper = shopper;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Writes `record` as done by `actor` from `from`.
pub async fn record(state: &AppState, actor: &str, from: Origin, record: Record<'_>) {
    let entry = AuditEntry {
        at: 0,
        actor: actor.to_owned(),
        action: record.action.as_str().to_owned(),
        subject: record.subject.map(str::to_owned),
        shopper: record.shopper.map(str::to_owned),
        detail: record.detail,
        address: from.0.map(|ip| ip.to_string()),
    };
    if let Err(error) = state.db.audit(&entry).await {
        tracing::error!(%error, action = entry.action, "an audit entry could not be written");
    }
}
