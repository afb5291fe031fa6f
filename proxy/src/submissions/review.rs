//! A shopper's request for a person to look again at a rejected receipt: the
//! provider is asked, then the offers that allowed it are `needs_review` and
//! the brand is told, once.

use crate::error::ApiError;
use crate::notify;
use crate::state::AppState;
use crate::store::SubmissionRow;

/// Asks `row`'s provider for a manual review of the offers that allow one;
/// answers the submission, now `needs_review`. A conflict when it is not (or
/// no longer) a rejected submission with such offers.
pub async fn request(state: &AppState, row: SubmissionRow) -> Result<SubmissionRow, ApiError> {
    let cannot = || ApiError::Conflict("This receipt cannot be sent to manual review.".to_owned());
    let (Some(outcome), Some(reference)) = (&row.outcome, &row.provider_ref) else {
        return Err(cannot());
    };
    if row.status != api::SubmissionStatus::Rejected || !outcome.review_available() {
        return Err(cannot());
    }
    let campaign = state.campaign(&row.campaign)?;
    campaign
        .adapter
        .provider
        .request_review(reference, outcome)
        .await
        .map_err(|e| ApiError::upstream(&row.campaign, "requesting a manual review", e))?;
    let mut reviewed = outcome.clone();
    for offer in reviewed.offers.iter_mut().filter(|o| o.review_available) {
        offer.state = api::SubmissionStatus::NeedsReview;
        offer.review_available = false;
    }
    let tell = campaign.notify(notify::review_requested);
    if !state.db.send_to_review(&row.id, &reviewed, tell).await? {
        return Err(cannot());
    }
    tracing::info!(submission = %row.id, campaign = %row.campaign, "manual review requested");
    state
        .db
        .get(&row.id)
        .await?
        .ok_or(ApiError::SubmissionNotFound)
}
