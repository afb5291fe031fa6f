//! The documented mapping from each provider's answers to the normalized status
//! and reason codes. Adapters decide by these tables (an adapter sorts an answer
//! into one of its [`StatusRow`] constants and takes the row's status; a
//! provider code is looked up in its reasons), and `docs/outcomes.md` is
//! generated from them (`proxy/providers/tests/outcomes_doc.rs` fails when the
//! page and the tables differ), so the page cannot drift from the code.

use std::fmt::Write as _;

use api::{Reason, ReasonCode, SubmissionStatus};

/// One kind of provider answer and the status it means. Adapters name each row
/// as a constant and decide by the constant, never by its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRow {
    /// The answer, in the provider's words.
    pub answer: &'static str,
    /// `None`: not decided yet; asked again later.
    pub status: Option<SubmissionStatus>,
}

/// One provider reason code and the unified reason it means.
#[derive(Debug, Clone, Copy)]
pub struct ReasonRow {
    /// The provider's code; `*` is every code not listed above it.
    pub code: &'static str,
    pub reason: ReasonCode,
    /// Shown when the provider sends no message of its own.
    pub message: &'static str,
}

impl StatusRow {
    /// An answer that means the provider has not decided yet.
    pub const fn undecided(answer: &'static str) -> Self {
        Self {
            answer,
            status: None,
        }
    }

    /// An answer that means `status`.
    pub const fn decides(answer: &'static str, status: SubmissionStatus) -> Self {
        Self {
            answer,
            status: Some(status),
        }
    }
}

impl ReasonRow {
    pub const fn new(code: &'static str, reason: ReasonCode, message: &'static str) -> Self {
        Self {
            code,
            reason,
            message,
        }
    }

    /// The provider's code for "this is not a receipt".
    pub const fn not_receipt(code: &'static str) -> Self {
        Self {
            code,
            reason: ReasonCode::NotReceipt,
            message: "The photo does not show a receipt.",
        }
    }

    /// The provider's code for "could not be read".
    pub const fn unreadable(code: &'static str) -> Self {
        Self {
            code,
            reason: ReasonCode::Unreadable,
            message: "The receipt could not be read.",
        }
    }

    /// Every code a table does not list: the last row of every table.
    pub const CATCH_ALL: Self = Self {
        code: "*",
        reason: ReasonCode::Other,
        message: "The receipt could not be processed.",
    };
}

/// A provider's whole mapping.
#[derive(Debug)]
pub struct OutcomeTable {
    pub provider: &'static str,
    /// The seed document it follows (`seeds/NNN_*`).
    pub seed: &'static str,
    /// Decides on upload (no "still processing" answer).
    pub synchronous: bool,
    pub statuses: &'static [StatusRow],
    pub reasons: &'static [ReasonRow],
}

impl OutcomeTable {
    /// The unified reason for a provider code, keeping the provider's message
    /// when it sent one.
    pub fn reason(&self, code: &str, message: String) -> Reason {
        let row = self
            .reasons
            .iter()
            .find(|row| row.code == code)
            .unwrap_or(&ReasonRow::CATCH_ALL);
        let message = if message.is_empty() {
            row.message.to_owned()
        } else {
            message
        };
        Reason {
            code: row.reason,
            message,
            words: Vec::new(),
        }
    }
}

/// `docs/outcomes.md`, from every provider's table
/// (the registry's `OUTCOME_TABLES`, in the order of the seeds).
pub fn markdown(tables: &[&OutcomeTable]) -> String {
    let mut page = String::from(
        "# How provider answers become outcomes\n\n\
         Generated from the adapters' tables (`proxy/providers/src/`); \
         `proxy/providers/tests/outcomes_doc.rs` fails when this page and the code differ \
         (`BLESS=1 cargo test -p providers --test outcomes_doc` rewrites it).\n\n\
         Statuses: `queued` (stored, not yet with the provider), `processing`, \
         `accepted`, `rejected`, `needs_review`, `failed`.\n",
    );
    for &table in tables {
        let _ = write!(
            page,
            "\n## {} (`seeds/{}_*`)\n\n",
            table.provider, table.seed
        );
        if table.synchronous {
            page.push_str("Decides on upload: the answer to the upload is the verdict.\n\n");
        }
        page.push_str("| provider answer | status |\n|---|---|\n");
        for row in table.statuses {
            let status = row.status.map_or_else(
                || "`processing` (asked again later)".to_owned(),
                |s| format!("`{}`", s.as_str()),
            );
            let _ = writeln!(page, "| {} | {status} |", row.answer);
        }
        page.push_str("\n| provider reason code | reason code | message when the provider sends none |\n|---|---|---|\n");
        for row in table.reasons {
            let code = if row.code == "*" {
                "any other".to_owned()
            } else {
                format!("`{}`", row.code)
            };
            let reason = serde_json::to_value(row.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(page, "| {code} | `{reason}` | {} |", row.message);
        }
    }
    page
}
