//! How a submission ends: a provider's verdict recorded, however it came (in
//! the answer to the upload, by the worker's polling, by the provider's
//! callback), or the worker giving up on it. The duplicate rules settle a
//! verdict first ([`duplicates::decide`]), and the campaign's brand is told in
//! the transaction that stores it.

use api::{Outcome, Reason, ReasonCode, SubmissionStatus};
use providers::Verdict;

use crate::campaign::Campaign;
use crate::state::AppState;
use crate::store::{Decision, Notify, Settles, SubmissionRow};
use crate::{duplicates, notify};

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
        // A person found it no duplicate and sent it on: the provider's
        // verdict stands.
        Some(campaign) if row.decided_by.is_some() => (
            Decision::plain(verdict.status, verdict.outcome),
            campaign.notify(notify::decided),
        ),
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
    let settles = match came {
        Came::WithUpload { reference } => Settles::WithUpload { reference },
        Came::Later => Settles::Later,
    };
    state.db.decide(&row.id, &decision, settles, tell).await
}

/// Ends `row` without a provider's verdict, after `error`: `failed`, or
/// `needs_review` where the provider took it but its answer could not be read
/// ([`providers::ProviderError::Unconfirmed`]), so that a person checks it
/// there (the operator API shows the error) and it is never uploaded again. The
/// brand of `campaign` is told (`None`: a campaign no longer configured).
pub async fn give_up(
    state: &AppState,
    campaign: Option<&Campaign>,
    row: &SubmissionRow,
    status: SubmissionStatus,
    error: &str,
) -> Result<bool, sqlx::Error> {
    tracing::warn!(submission = %row.id, campaign = %row.campaign, %error, status = status.as_str(), "given up");
    let message = if status == SubmissionStatus::NeedsReview {
        "The receipt reached the receipt service, but its answer was lost: a person will check it."
    } else {
        "The receipt service could not process this submission."
    };
    let outcome = Outcome {
        reasons: vec![Reason {
            code: ReasonCode::ProviderError,
            message: message.to_owned(),
            words: Vec::new(),
        }],
        ..Outcome::default()
    };
    let tell = campaign.map_or(Notify::Nobody, |c| c.notify(notify::decided));
    let settles = Settles::GivenUp { error };
    let decision = Decision::plain(status, outcome);
    state.db.decide(&row.id, &decision, settles, tell).await
}
