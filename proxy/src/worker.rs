//! The background worker: forwards stored submissions to their provider and
//! follows them until the provider has decided.
//!
//! It works from the database only, so a restarted proxy picks up where the last
//! one stopped, and several instances share the work through leases. Upstream
//! failures are retried with exponential backoff and jitter; nothing is dropped.

use std::time::Duration;

use api::{Outcome, Reason, ReasonCode, SubmissionStatus};
use providers::{Alert, OutgoingReceipt, Progress, Retry, Verdict};
use rand::Rng;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::db::SubmissionRow;

/// Runs until `shutdown` is cancelled. The submission being worked on when that
/// happens is finished first, so its state is never left half-done.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let idle = (state.config.worker.poll_interval / 4)
        .clamp(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            match state.db.claim_due(state.config.worker.lease).await {
                Ok(Some(row)) => {
                    let id = row.id.clone();
                    if let Err(error) = process(&state, row).await {
                        tracing::error!(submission = %id, %error, "storage error while processing");
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::error!(%error, "storage error while looking for work");
                    break;
                }
            }
        }
        // Woken by a new submission, or on the idle tick for scheduled retries
        // and submissions stored by another instance.
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = state.wake.notified() => {}
            () = tokio::time::sleep(idle) => {}
        }
    }
}

async fn process(state: &AppState, row: SubmissionRow) -> Result<(), sqlx::Error> {
    let config = &state.config;
    let Some(campaign) = state.campaigns.get(&row.campaign) else {
        tracing::error!(submission = %row.id, campaign = %row.campaign, "campaign is no longer configured");
        return state
            .db
            .finish(&row.id, SubmissionStatus::Failed, &provider_failure())
            .await
            .map(drop);
    };
    let provider = &campaign.adapter.provider;

    let answer = match &row.provider_ref {
        None => {
            let receipt = OutgoingReceipt {
                submission_id: row.id.clone(),
                campaign: row.campaign.clone(),
                locale: campaign.config.locale.clone(),
                photos: state.db.photos(&row.id).await?,
                qr: row.qr.clone(),
                merchant: row.merchant.clone(),
                user: row.user_id.clone(),
                offers: row.offers.clone(),
            };
            provider
                .submit(&receipt)
                .await
                .map(|(reference, progress)| (Some(reference), progress))
        }
        Some(reference) => provider
            .poll(reference)
            .await
            .map(|progress| (None, progress)),
    };

    // A provider that calls back is polled only as a safety net.
    let next_poll = if provider.delivery().callbacks().is_some() {
        config.worker.callback_fallback
    } else {
        config.worker.poll_interval
    };
    match answer {
        Ok((Some(reference), Progress::Done(verdict))) => {
            tracing::info!(submission = %row.id, campaign = %row.campaign, status = verdict.status.as_str(), "decided on upload");
            state
                .db
                .decided_on_upload(&row.id, &reference, verdict.status, &verdict.outcome)
                .await
        }
        Ok((reference, progress)) => {
            if let Some(reference) = reference {
                tracing::info!(submission = %row.id, campaign = %row.campaign, "provider acknowledged");
                state
                    .db
                    .acknowledged(&row.id, &reference, next_poll)
                    .await?;
            }
            match progress {
                Progress::Pending => state.db.reschedule(&row.id, next_poll).await,
                Progress::Done(verdict) => {
                    let Verdict { status, outcome } = *verdict;
                    tracing::info!(submission = %row.id, status = status.as_str(), "verdict");
                    state.db.finish(&row.id, status, &outcome).await.map(drop)
                }
            }
        }
        Err(error) => {
            let attempts = row.attempts + 1;
            let meaning = error.meaning();
            let give_up = match meaning.retry {
                Retry::Never => true,
                Retry::Limited => row.malformed + 1 >= config.worker.max_malformed,
                Retry::Always => false,
            };
            match meaning.alert {
                Alert::Operator => tracing::error!(
                    submission = %row.id, campaign = %row.campaign, provider = %campaign.config.provider,
                    %error, "provider credentials refused; fix the configuration"
                ),
                // A hold the adapter has already explained to the operator.
                Alert::Quiet => {
                    tracing::info!(submission = %row.id, campaign = %row.campaign, %error, "submission held")
                }
                Alert::Transient => {
                    tracing::warn!(submission = %row.id, campaign = %row.campaign, attempts, %error, "provider call failed")
                }
            }
            if give_up {
                state
                    .db
                    .finish(&row.id, SubmissionStatus::Failed, &provider_failure())
                    .await
                    .map(drop)
            } else {
                let delay = backoff(
                    config.worker.retry_base,
                    config.worker.retry_max,
                    row.attempts,
                );
                let malformed = meaning.retry == Retry::Limited;
                state
                    .db
                    .failed_attempt(&row.id, delay, &error.to_string(), malformed)
                    .await
            }
        }
    }
}

fn provider_failure() -> Outcome {
    Outcome {
        reasons: vec![Reason {
            code: ReasonCode::ProviderError,
            message: "The receipt service could not process this submission.".to_owned(),
        }],
        ..Outcome::default()
    }
}

/// `base * 2^failures`, capped at `max`, with +-20% jitter so that many
/// submissions failing together do not retry in lockstep.
pub fn backoff(base: Duration, max: Duration, failures: u32) -> Duration {
    let exp = base.saturating_mul(2u32.saturating_pow(failures.min(20)));
    let capped = exp.min(max);
    capped.mul_f64(rand::rng().random_range(0.8..=1.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for failures in 0..4 {
            let d = backoff(base, max, failures);
            let nominal = 100.0 * f64::from(2u32.pow(failures));
            let ms = d.as_secs_f64() * 1000.0;
            assert!(
                ms >= nominal * 0.8 - 1.0 && ms <= nominal * 1.2 + 1.0,
                "{failures}: {ms}"
            );
        }
        assert!(backoff(base, max, 30) <= max.mul_f64(1.2));
    }
}
