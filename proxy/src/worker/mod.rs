//! The background worker: forwards stored submissions to their provider and
//! follows them until the provider has decided.
//!
//! It works from the database only, so a restarted proxy picks up where the last
//! one stopped, and several instances share the work through leases. Up to
//! `worker.concurrency` submissions are in hand at once, each in its own task,
//! and never more than a provider account's `max_in_flight`; a provider's 429
//! pauses its whole account (for its `Retry-After` where it sent one). The lease
//! of a submission in hand is renewed every third of `lease_ms`, so a step that
//! takes longer than the lease keeps its submission, and an instance that dies
//! lets go of its submissions within `lease_ms`. Upstream failures are retried
//! with exponential backoff and jitter; nothing is dropped.
//!
//! A step is a provider call, then a pure decision ([`plan`]: what this answer
//! means for this submission) applied in one transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use api::SubmissionStatus;
use providers::{Alert, OutgoingReceipt, ProviderError};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::campaign::Campaign;
use crate::metrics;
use crate::state::AppState;
use crate::store::SubmissionRow;
use crate::submissions::verdict::{self, Came};

mod plan;

use plan::{Answer, Plan, Tries, plan};

/// Runs a worker until `shutdown` is cancelled. The submissions in hand when
/// that happens are finished first, so no state is left half-done.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let idle = (state.config.worker.poll_interval / 4)
        .clamp(Duration::from_millis(50), Duration::from_secs(1));
    let wake = state.wake.clone();
    let clock = state.db.clock().clone();
    let worker = Worker::new(state);
    let mut tasks = JoinSet::new();
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        worker.fill(&mut tasks, None).await;
        // Woken by a finished step (a slot is free), a new submission, or the
        // idle tick for scheduled retries and submissions stored by another
        // instance.
        tokio::select! {
            () = shutdown.cancelled() => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = wake.notified() => {}
            () = clock.sleep(idle) => {}
        }
    }
    while tasks.join_next().await.is_some() {}
}

/// One instance's worker: what it has in hand, per provider account. [`run`]
/// drives one in the background; a test drives one step by step
/// ([`Worker::run_once`]).
#[derive(Debug)]
pub struct Worker {
    state: AppState,
    /// Marks the leases this worker takes, so it renews only its own.
    token: String,
    accounts: Mutex<HashMap<String, Account>>,
}

/// A provider account as this instance uses it.
#[derive(Debug, Default)]
struct Account {
    in_flight: u32,
    /// After a 429: no call to this account before then (Unix ms).
    paused_until: Option<i64>,
}

impl Worker {
    pub fn new(state: AppState) -> Arc<Self> {
        Arc::new(Self {
            state,
            token: uuid::Uuid::new_v4().to_string(),
            accounts: Mutex::default(),
        })
    }

    /// Steps the worker once: claims every submission that is due now (within
    /// the limits), processes them concurrently, and returns how many it took.
    pub async fn run_once(self: &Arc<Self>) -> usize {
        let mut tasks = JoinSet::new();
        // Only what is due as the step starts: a submission that comes due again
        // while the step runs (a poll) is the next step's.
        self.fill(&mut tasks, Some(self.state.db.clock().now_ms()))
            .await;
        let taken = tasks.len();
        while tasks.join_next().await.is_some() {}
        taken
    }

    fn accounts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Account>> {
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims due submissions (due by `due_by`, else by each claim's time) into
    /// the free slots; each goes to a task.
    async fn fill(self: &Arc<Self>, tasks: &mut JoinSet<()>, due_by: Option<i64>) {
        while tasks.len() < self.state.config.worker.concurrency {
            let due_by = due_by.unwrap_or_else(|| self.state.db.clock().now_ms());
            match self.claim(due_by).await {
                Ok(Some((row, account))) => {
                    tasks.spawn(self.clone().step(row, account));
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::error!(%error, "storage error while looking for work");
                    break;
                }
            }
        }
    }

    /// The most calls in flight to `account` from this instance.
    fn limit(&self, account: &str) -> u32 {
        let configured = self.state.config.worker.max_in_flight.get(account);
        let default = self.state.providers.get(account).map(|a| a.max_in_flight);
        configured.copied().or(default).unwrap_or(1)
    }

    /// Takes the next due submission of an account that has room, and counts
    /// it in flight.
    async fn claim(&self, due_by: i64) -> Result<Option<(SubmissionRow, String)>, sqlx::Error> {
        let now = self.state.db.clock().now_ms();
        let busy: Vec<String> = self
            .accounts()
            .iter()
            .filter(|(name, account)| {
                account.in_flight >= self.limit(name)
                    || account.paused_until.is_some_and(|until| until > now)
            })
            .map(|(name, _)| name.clone())
            .collect();
        let busy: Vec<&str> = busy.iter().map(String::as_str).collect();
        let lease = self.state.config.worker.lease;
        let claimed = self.state.db.claim_due(lease, &self.token, &busy, due_by);
        let Some(row) = claimed.await? else {
            return Ok(None);
        };
        let account = row
            .provider
            .clone()
            .or_else(|| {
                let campaign = self.state.campaigns.get(&row.campaign)?;
                Some(campaign.config.provider.clone())
            })
            .unwrap_or_default();
        self.accounts()
            .entry(account.clone())
            .or_default()
            .in_flight += 1;
        Ok(Some((row, account)))
    }

    /// Processes one submission while renewing its lease, then frees its slot.
    async fn step(self: Arc<Self>, row: SubmissionRow, account: String) {
        let id = row.id.clone();
        let db = &self.state.db;
        let lease = self.state.config.worker.lease;
        let renew = async {
            loop {
                db.clock().sleep(lease / 3).await;
                match db.renew_lease(&id, &self.token, lease).await {
                    Ok(true) => {}
                    // Ended meanwhile, or taken over after this instance stalled
                    // past its lease: nothing of ours left to keep.
                    Ok(false) => std::future::pending().await,
                    Err(error) => {
                        tracing::warn!(submission = %id, %error, "could not renew a lease")
                    }
                }
            }
        };
        // Every line about this submission carries its id and its upload's
        // request id.
        let span = tracing::info_span!(
            "submission",
            id = %row.id,
            request_id = row.request_id.as_deref().unwrap_or_default(),
        );
        let result = tokio::select! {
            result = tracing::Instrument::instrument(process(&self.state, row), span) => result,
            () = renew => Ok(None),
        };
        let pause = match result {
            Ok(pause) => pause,
            Err(error) => {
                tracing::error!(submission = %id, %error, "storage error while processing");
                None
            }
        };
        let mut accounts = self.accounts();
        let slot = accounts.entry(account.clone()).or_default();
        slot.in_flight = slot.in_flight.saturating_sub(1);
        if let Some(pause) = pause {
            tracing::warn!(provider = %account, pause_ms = pause.as_millis() as u64, "provider rate limit: the account is paused");
            let until = self.state.db.clock().after(pause);
            slot.paused_until = Some(until);
            ::metrics::gauge!("receipt_relay_provider_paused_until_seconds",
                "account" => account.clone())
            .set(until as f64 / 1000.0);
        }
    }
}

/// One step of one submission: forwards it, or asks where the provider is with
/// it, [`plan`]s what the answer means, and applies that (each plan is one
/// transaction). Answers how long to pause the account (after a 429).
async fn process(state: &AppState, row: SubmissionRow) -> Result<Option<Duration>, sqlx::Error> {
    let Some(campaign) = state.campaigns.get(&row.campaign) else {
        tracing::error!(submission = %row.id, campaign = %row.campaign, "campaign is no longer configured");
        let error = "its campaign is no longer configured";
        verdict::give_up(state, None, &row, SubmissionStatus::Failed, error).await?;
        return Ok(None);
    };
    let provider = &campaign.adapter.provider;
    let account = &campaign.config.provider;

    let answer = match &row.provider_ref {
        None => {
            // The photos are in memory until the provider has them: they
            // count against the same budget as the uploads coming in, within
            // the sends' half of it.
            let size = state.db.photo_bytes(&row.id).await?;
            let _held = state.upload_budget.hold_for_send(size).await;
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
            Answer::Submitted(
                metrics::provider_call(account, "submit", provider.submit(&receipt)).await,
            )
        }
        Some(reference) => {
            Answer::Polled(metrics::provider_call(account, "poll", provider.poll(reference)).await)
        }
    };
    let tries = Tries {
        attempts: row.attempts,
        malformed: row.malformed,
    };
    let calls_back = provider.delivery().callbacks().is_some();
    let jitter = rand::Rng::random_range(&mut rand::rng(), 0.8..=1.2);
    match plan(&state.config.worker, calls_back, tries, answer, jitter) {
        Plan::Record { reference, verdict } => {
            let came = match &reference {
                Some(reference) => Came::WithUpload { reference },
                None => Came::Later,
            };
            verdict::record(state, Some(campaign), &row, verdict, came).await?;
            Ok(None)
        }
        Plan::Wait {
            acknowledged,
            next_in,
        } => {
            if acknowledged.is_some() {
                tracing::info!(submission = %row.id, campaign = %row.campaign, "provider acknowledged");
            }
            state
                .db
                .wait(&row.id, acknowledged.as_deref(), next_in)
                .await?;
            Ok(None)
        }
        Plan::Retry {
            delay,
            malformed,
            pause,
            error,
        } => {
            alert(campaign, &row, &error);
            count_trouble(state, &row, &error).await;
            let text = error.to_string();
            state
                .db
                .failed_attempt(&row.id, delay, &text, malformed)
                .await?;
            Ok(pause)
        }
        Plan::GiveUp { status, error } => {
            alert(campaign, &row, &error);
            count_trouble(state, &row, &error).await;
            verdict::give_up(state, Some(campaign), &row, status, &error.to_string()).await?;
            Ok(None)
        }
    }
}

/// Counts a provider's failure for the console's day at a glance (a hold
/// the adapter chose is no failure); a count that cannot be written is
/// logged, and the step goes on.
async fn count_trouble(state: &AppState, row: &SubmissionRow, error: &ProviderError) {
    let kind = match (error.meaning().alert, error) {
        (Alert::Quiet, _) => return,
        (_, ProviderError::Auth(_)) => "credentials",
        _ => "error",
    };
    if let Err(error) = state.db.count_trouble(&row.campaign, kind).await {
        tracing::warn!(%error, "a provider failure could not be counted");
    }
}

/// Logs a provider's failure as loudly as its [`Alert`] says.
fn alert(campaign: &Campaign, row: &SubmissionRow, error: &ProviderError) {
    let account = &campaign.config.provider;
    match error.meaning().alert {
        Alert::Operator if matches!(error, ProviderError::Auth(_)) => tracing::error!(
            submission = %row.id, campaign = %row.campaign, provider = %account,
            %error, "provider credentials refused; fix the configuration"
        ),
        Alert::Operator => tracing::error!(
            submission = %row.id, campaign = %row.campaign, provider = %account,
            %error, "check this submission at the provider"
        ),
        // A hold the adapter has already explained to the operator.
        Alert::Quiet => {
            ::metrics::counter!("receipt_relay_submissions_held_total",
                "account" => account.clone())
            .increment(1);
            tracing::info!(submission = %row.id, campaign = %row.campaign, %error, "submission held")
        }
        Alert::Transient => {
            let attempts = row.attempts + 1;
            tracing::warn!(submission = %row.id, campaign = %row.campaign, attempts, %error, "provider call failed")
        }
    }
}
