//! Recording a provider's verdict, however it came: in the answer to the upload
//! (a provider that decides at once), by the worker's polling, or by the
//! provider's callback. The duplicate rules settle it first
//! ([`duplicates::decide`]), and the campaign's brand is told in the
//! transaction that stores it.

use providers::Verdict;

use crate::campaign::Campaign;
use crate::store::{Decision, Notify, SubmissionRow};
use crate::{AppState, duplicates, notify};

/// How a verdict reached us.
#[derive(Debug, Clone, Copy)]
pub enum Came<'a> {
    /// In the answer to the upload, with the provider's reference for it: the
    /// reference, the verdict and the photos' removal are stored together.
    WithUpload { reference: &'a str },
    /// After the upload, by polling or by callback.
    Later,
}

/// Records `verdict` on `row`, a submission of `campaign` (`None`: a campaign
/// no longer configured, whose verdict is kept as it came and told to nobody).
/// Answers whether this call decided it: a verdict already stored is never
/// replaced.
pub async fn record(
    state: &AppState,
    campaign: Option<&Campaign>,
    row: &SubmissionRow,
    verdict: Verdict,
    came: Came<'_>,
) -> Result<bool, sqlx::Error> {
    let (decision, tell) = match campaign {
        Some(campaign) => (
            duplicates::decide(&state.db, campaign, &row.id, verdict).await?,
            campaign.notify(notify::decided),
        ),
        None => (
            Decision::plain(verdict.status, verdict.outcome),
            Notify::Nobody,
        ),
    };
    tracing::info!(submission = %row.id, campaign = %row.campaign, status = decision.status.as_str(), "verdict");
    match came {
        Came::WithUpload { reference } => {
            state
                .db
                .decided_on_upload(&row.id, reference, &decision, tell)
                .await
        }
        Came::Later => state.db.finish(&row.id, &decision, tell).await,
    }
}
