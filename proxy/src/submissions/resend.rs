//! Sending failed submissions again, one or all of a campaign's (after a
//! fix: the provider back, its credentials corrected): each back in the
//! queue while what it needs is still kept, the worker woken. One the
//! provider had already is followed there, not uploaded again; one it never
//! had is uploaded, which some providers count against a paid allowance
//! ([`Cost`]), said to the person before they confirm.

use crate::state::AppState;
use crate::store::SubmissionRow;

/// What sending submissions again may cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    /// Uploaded again: the provider never had them.
    pub uploads: usize,
    /// Followed at the provider, which has them.
    pub followed: usize,
    /// What each upload uses of the provider's allowance, where it counts
    /// uploads.
    pub metered: Option<&'static str>,
}

impl Cost {
    /// The cost of sending `row` again.
    pub fn of_one(state: &AppState, row: &SubmissionRow) -> Self {
        let uploads = usize::from(row.provider_ref.is_none());
        Self {
            uploads,
            followed: 1 - uploads,
            metered: metered(state, &row.campaign),
        }
    }
}

fn metered(state: &AppState, campaign: &str) -> Option<&'static str> {
    state
        .campaigns
        .get(campaign)
        .and_then(|c| c.adapter.abilities.metered)
}

/// Sends failed submission `id` again, as `by`; `false` when it is not
/// failed, or what it needs is gone.
pub async fn one(state: &AppState, id: &str, by: &str) -> Result<bool, sqlx::Error> {
    let moved = state.db.resend(id, by).await?;
    if moved {
        tracing::info!(submission = %id, "a failed submission sent again");
        state.wake.notify_one();
    }
    Ok(moved)
}

/// What sending every failed submission of `campaign` again would cost.
pub async fn campaign_cost(state: &AppState, campaign: &str) -> Result<Cost, sqlx::Error> {
    let resendable = state.db.resendable(campaign).await?;
    let followed = resendable.iter().filter(|(_, had)| *had).count();
    Ok(Cost {
        uploads: resendable.len() - followed,
        followed,
        metered: metered(state, campaign),
    })
}

/// Sends every failed submission of `campaign` again, as `by`; answers how
/// many went.
pub async fn campaign(state: &AppState, campaign: &str, by: &str) -> Result<usize, sqlx::Error> {
    let mut sent = 0;
    for (id, _) in state.db.resendable(campaign).await? {
        sent += usize::from(state.db.resend(&id, by).await?);
    }
    if sent > 0 {
        tracing::info!(campaign, sent, "failed submissions sent again");
        state.wake.notify_one();
    }
    Ok(sent)
}
