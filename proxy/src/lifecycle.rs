//! A submission's life in one table: its statuses and the moves between them.
//! The worker decides which move a provider's answer makes; the database layer
//! makes it only from the statuses the table allows (its SQL is written from
//! [`Move::from`], not from status literals), so a late poll, a replayed
//! callback or a second instance can never move a submission the wrong way.
//!
//! ```text
//!  queued ──Acknowledge──▶ processing ──Decide──▶ accepted | rejected | needs_review | failed
//!    └──────────────────Decide (on upload, or given up)──▶ (final)
//!  rejected ──Review──▶ needs_review (once, a shopper's request)
//!  needs_review ──Settle──▶ accepted | rejected (a person's decision, once)
//!  needs_review ──SendOn──▶ queued (a person's "not a duplicate", once)
//!  failed ──Resend──▶ queued (a person sends it again, after a fix)
//! ```
//!
//! Held and retried submissions do not move: they stay `queued` (or
//! `processing`) with a later `next_attempt_at`.

use api::SubmissionStatus::{self, Accepted, Failed, NeedsReview, Processing, Queued, Rejected};

/// The statuses a worker takes a submission in: the provider has not decided.
pub const IN_HAND: &[SubmissionStatus] = &[Queued, Processing];

/// A change of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The provider has the receipt and is reading it.
    Acknowledge,
    /// The verdict: the provider's, or ours when we give up (`failed`).
    Decide,
    /// A shopper asks a person to look again at a rejected receipt.
    Review,
    /// A person decides a receipt held for them.
    Settle,
    /// A person finds a receipt held on upload no duplicate: it goes on to
    /// the provider.
    SendOn,
    /// A person sends a failed submission again (the provider was down
    /// longer than the worker waited, a configuration error fixed since).
    Resend,
}

impl Move {
    /// The statuses this move starts from.
    pub const fn from(self) -> &'static [SubmissionStatus] {
        match self {
            Self::Acknowledge | Self::Decide => IN_HAND,
            Self::Review => &[Rejected],
            Self::Settle | Self::SendOn => &[NeedsReview],
            Self::Resend => &[Failed],
        }
    }

    /// Whether this move may end in `to`.
    pub const fn allows(self, to: SubmissionStatus) -> bool {
        match self {
            Self::Acknowledge => matches!(to, Processing),
            Self::Decide => matches!(to, Accepted | Rejected | NeedsReview | Failed),
            Self::Review => matches!(to, NeedsReview),
            Self::Settle => matches!(to, Accepted | Rejected),
            Self::SendOn | Self::Resend => matches!(to, Queued),
        }
    }

    /// `status IN (...)` for the statuses this move starts from, for SQL.
    pub fn from_sql(self) -> String {
        in_sql(self.from())
    }
}

/// `status IN ('a', 'b')` for these statuses (their names are fixed words, so
/// nothing here comes from outside).
pub fn in_sql(statuses: &[SubmissionStatus]) -> String {
    let names: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("status IN ({})", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: [SubmissionStatus; 6] =
        [Queued, Processing, Accepted, Rejected, NeedsReview, Failed];

    #[test]
    fn a_final_verdict_is_never_moved_but_for_the_one_review_and_a_persons_decision_or_resend() {
        for to in EVERY {
            assert_eq!(Move::Decide.allows(to), to.is_final(), "{to:?}");
        }
        for from in EVERY.into_iter().filter(|s| s.is_final()) {
            let moves = [
                Move::Acknowledge,
                Move::Decide,
                Move::Review,
                Move::Settle,
                Move::SendOn,
                Move::Resend,
            ];
            let out: Vec<Move> = moves
                .into_iter()
                .filter(|m| m.from().contains(&from))
                .collect();
            let expected = match from {
                Rejected => vec![Move::Review],
                NeedsReview => vec![Move::Settle, Move::SendOn],
                Failed => vec![Move::Resend],
                _ => vec![],
            };
            assert_eq!(out, expected, "{from:?}");
        }
        // A person's decision is a verdict, never back to the queue.
        for to in EVERY {
            assert_eq!(Move::Settle.allows(to), matches!(to, Accepted | Rejected));
        }
        assert_eq!(
            Move::Decide.from_sql(),
            "status IN ('queued', 'processing')"
        );
    }
}
