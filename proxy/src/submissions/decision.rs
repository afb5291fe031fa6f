//! A person's decision on a submission held for one (a duplicate held for
//! review, `duplicates = "review"`): accepted, rejected with a reason, or
//! found no duplicate (sent on to the provider where it was held before the
//! provider saw it; its photos were kept for this).
//! Once: a second decision is told the submission is already decided, and
//! the same decision sent again (a retried request) answers as the first
//! did, writing nothing. A submission waiting on the provider's own review
//! (a shopper's request to BitLabs) is the provider's to decide, not ours.

use api::{Outcome, Reason, ReasonCode, SubmissionStatus};

use crate::error::ApiError;
use crate::notify;
use crate::state::AppState;
use crate::store::SubmissionRow;

/// What a person decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The receipt is good (not a duplicate after all).
    Accept,
    /// Not a duplicate: one held on upload, before the provider saw it, goes
    /// on to the provider like any other (or, where the campaign says
    /// `not_duplicate = "accept"`, is accepted outright); one the provider
    /// has read is accepted with what it read.
    NotDuplicate,
    /// The receipt is refused, for this reason, said in these words (the
    /// reason's usual words where none are given).
    Reject {
        reason: ReasonCode,
        message: Option<String>,
        /// The shopper's words by language, where the reason is one of the
        /// campaign's own (`reject_reasons`).
        words: Vec<(String, String)>,
    },
}

impl Decision {
    /// A rejection for `campaign`'s own reason `id` (`reject_reasons`): filed
    /// under its code, with its words for the shopper in each language, and
    /// `message` (or its words in the campaign's language) as the message.
    /// `None` where the campaign has no such reason.
    pub fn campaign_reason(
        campaign: &crate::config::CampaignConfig,
        id: &str,
        message: Option<String>,
    ) -> Option<Self> {
        let reason = campaign.reject_reasons.iter().find(|r| r.id == id)?;
        let language = campaign.locale.split(['-', '_']).next().unwrap_or("en");
        let own = reason
            .words
            .get(language)
            .or_else(|| reason.words.values().next())
            .cloned();
        Some(Self::Reject {
            reason: ReasonCode::parse(&reason.code),
            message: message.or(own),
            words: reason
                .words
                .iter()
                .map(|(lang, said)| (lang.clone(), said.clone()))
                .collect(),
        })
    }

    /// Its name, as it is recorded (and as the operator API takes it).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::NotDuplicate => "not_duplicate",
            Self::Reject { .. } => "reject",
        }
    }

    /// The decision in a few words, for the audit log: its kind, and a
    /// rejection's reason.
    pub fn summary(&self) -> String {
        match self {
            Self::Reject { reason, .. } => format!("reject: {}", reason.as_str()),
            other => other.kind().to_owned(),
        }
    }

    /// The status it ends the submission in.
    pub const fn status(&self) -> SubmissionStatus {
        match self {
            Self::Accept | Self::NotDuplicate => SubmissionStatus::Accepted,
            Self::Reject { .. } => SubmissionStatus::Rejected,
        }
    }

    /// `held`'s outcome as decided: what the provider read is kept; the
    /// reasons are the person's (none for an accepted receipt), and every
    /// claimed offer goes the way of the receipt.
    fn outcome(&self, held: Option<Outcome>) -> Outcome {
        let mut outcome = held.unwrap_or_default();
        let reason = match self {
            Self::Accept | Self::NotDuplicate => None,
            Self::Reject {
                reason,
                message,
                words,
            } => Some(Reason {
                code: *reason,
                message: message
                    .clone()
                    .unwrap_or_else(|| "Refused after a person's review.".to_owned()),
                words: words.clone(),
            }),
        };
        outcome.reasons = reason.iter().cloned().collect();
        for offer in &mut outcome.offers {
            offer.state = self.status();
            offer.reason.clone_from(&reason);
            offer.review_available = false;
        }
        outcome
    }
}

/// Decides `row`, held for a person, as `decision`, by `by` (who decided, as
/// the caller knows them); answers the submission as it now is.
pub async fn decide(
    state: &AppState,
    row: SubmissionRow,
    decision: &Decision,
    by: &str,
) -> Result<SubmissionRow, ApiError> {
    if row.status != SubmissionStatus::NeedsReview {
        return again(row, decision);
    }
    // Held here only where it was held as a duplicate; otherwise it waits on
    // the provider's own people.
    if row.duplicate_of.is_none() {
        return Err(ApiError::Conflict(
            "This receipt is with the provider's own review; it decides it.".to_owned(),
        ));
    }
    let campaign = state.campaign(&row.campaign)?;
    // Held on upload, before the provider saw it, with what it needs (its
    // photos, kept while it was held, or a QR code the campaign takes
    // alone): the provider reads it now.
    let sendable = state.db.photo_count(&row.id).await? > 0
        || (row.qr.is_some() && *campaign.policy.photos.start() == 0);
    let send_on = campaign.config.not_duplicate == crate::config::reasons::NotDuplicate::SendOn;
    if *decision == Decision::NotDuplicate && row.provider_ref.is_none() && sendable && send_on {
        if !state.db.send_on(&row.id, (by, decision.kind())).await? {
            let now = state
                .db
                .get(&row.id)
                .await?
                .ok_or(ApiError::SubmissionNotFound)?;
            return again(now, decision);
        }
        tracing::info!(submission = %row.id, campaign = %row.campaign, "found no duplicate by a person: sent on");
        state.wake.notify_one();
        return state
            .db
            .get(&row.id)
            .await?
            .ok_or(ApiError::SubmissionNotFound);
    }
    let tell = campaign.notify(notify::reviewed);
    let outcome = decision.outcome(row.outcome.clone());
    let settled = state
        .db
        .settle(
            &row.id,
            decision.status(),
            &outcome,
            (by, decision.kind()),
            tell,
        )
        .await?;
    let now = state
        .db
        .get(&row.id)
        .await?
        .ok_or(ApiError::SubmissionNotFound)?;
    if !settled {
        // Another reviewer, or this request's earlier try, was first.
        return again(now, decision);
    }
    tracing::info!(submission = %now.id, campaign = %now.campaign, status = now.status.as_str(), "decided by a person");
    Ok(now)
}

/// `row`, already past review: the same decision sent again answers as the
/// first did; any other is told it is decided.
fn again(row: SubmissionRow, decision: &Decision) -> Result<SubmissionRow, ApiError> {
    let same_reason = match (decision, row.outcome.as_ref()) {
        (Decision::Reject { reason, .. }, Some(outcome)) => {
            outcome.reasons.first().map(|r| r.code) == Some(*reason)
        }
        (Decision::Accept | Decision::NotDuplicate, _) => true,
        (Decision::Reject { .. }, None) => false,
    };
    // The same decision: a submission sent on may be on its way, or read
    // since (a provider's rejection after it is no person's).
    let same = match row.decision.as_deref() {
        Some(kind) => kind == decision.kind() && same_reason,
        // Decided before the decision was recorded.
        None => row.status == decision.status() && same_reason,
    };
    if row.decided_by.is_some() && same {
        return Ok(row);
    }
    Err(ApiError::Conflict(if row.decided_by.is_some() {
        "This receipt has already been decided by a person.".to_owned()
    } else {
        "This receipt is not held for a person's decision.".to_owned()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held() -> Outcome {
        Outcome {
            reasons: vec![crate::duplicates::reason()],
            receipt: None,
            offers: vec![api::OfferOutcome {
                offer_id: "7".to_owned(),
                title: None,
                state: SubmissionStatus::NeedsReview,
                award: None,
                reason: None,
                review_available: true,
            }],
        }
    }

    #[test]
    fn an_accepted_receipt_has_no_reason_left_and_its_offers_follow_it() {
        let accepted = Decision::Accept.outcome(Some(held()));
        assert!(accepted.reasons.is_empty());
        assert_eq!(accepted.offers[0].state, SubmissionStatus::Accepted);
        assert!(!accepted.offers[0].review_available);
        let rejected = Decision::Reject {
            reason: ReasonCode::Duplicate,
            message: Some("Sent twice.".to_owned()),
            words: Vec::new(),
        }
        .outcome(Some(held()));
        assert_eq!(rejected.reasons[0].message, "Sent twice.");
        assert_eq!(rejected.offers[0].state, SubmissionStatus::Rejected);
        assert_eq!(
            rejected.offers[0].reason.as_ref().map(|r| r.code),
            Some(ReasonCode::Duplicate)
        );
    }
}
