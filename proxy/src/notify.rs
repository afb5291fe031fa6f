//! Verdicts told to the brand's backend, which pays the reward and cannot trust
//! what happens in the shopper's browser.
//!
//! A campaign with `notify = { url, secret }` has every final status of its
//! submissions, and every manual-review request, POSTed to `url` as JSON signed
//! as the Standard Webhooks specification says (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`; the
//! `standardwebhooks` crate signs). Delivery is durable and at least once: the
//! event's letter ([`decided`], [`review_requested`], [`erased`]) is written to
//! the `notifications` outbox in the transaction that changes the status
//! (`Db::decide`, `Db::send_to_review`,
//! `Db::erase_user`), then the [`Notifier`] sends it, under a lease like the
//! worker's (so several instances share the outbox), retrying with backoff
//! until the receiver answers 2xx, for up to [`GIVE_UP_AFTER`]. Its
//! `webhook-id` is the same on every attempt, so the receiver can drop repeats.
//! A shopper's erasure is told too (`submission.erased`, one per submission),
//! so the brand erases its own copy.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::campaign::Campaigns;
use crate::state::AppState;
use crate::store::{Outgoing, SubmissionRow, rfc3339};

/// First wait after a failed delivery; it doubles on each failure.
const RETRY_BASE: Duration = Duration::from_secs(5);
/// Longest wait between two attempts.
const RETRY_MAX: Duration = Duration::from_secs(3600);
/// How long a notification is tried before it is given up (and logged as an
/// error): days, so a receiver down over a weekend still gets everything.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);
/// Notifications sent at once by one instance.
const CONCURRENCY: usize = 16;
/// How long a delivery may take before another instance may retry it.
const LEASE: Duration = Duration::from_secs(60);

/// What happened to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Its final status.
    Decided,
    /// The shopper asked for a person to look again (`needs_review`).
    ReviewRequested,
    /// A person decided a submission held for one (`decided_by` says who).
    Reviewed,
}

/// The JSON body, in the specification's `{type, timestamp, data}` shape.
#[derive(Debug, Serialize)]
pub struct Body {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: String,
    pub data: Data,
}

/// The submission as the brand sees it: the API's shape plus the shopper and
/// what they claimed.
#[derive(Debug, Serialize)]
pub struct Data {
    #[serde(flatten)]
    pub submission: api::Submission,
    pub user: Option<String>,
    pub merchant: Option<String>,
    pub claimed_offers: Vec<api::ClaimedOffer>,
    /// The earlier submission this one duplicates, where it was caught as one.
    pub duplicate_of: Option<String>,
    /// Who decided it, where a person did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// The body telling the brand that a submission was erased (a shopper's
/// right to erasure): the brand erases what it keeps of it too. It names the
/// submission and nothing personal.
#[derive(Debug, Serialize)]
pub struct ErasedBody {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: String,
    pub data: ErasedData,
}

#[derive(Debug, Serialize)]
pub struct ErasedData {
    pub id: String,
    pub campaign: String,
    pub status: &'static str,
}

impl Event {
    /// The body telling that submission `id` of `campaign` was erased at
    /// `now` (Unix ms).
    pub fn erased_body(id: &str, campaign: &str, now: i64) -> ErasedBody {
        ErasedBody {
            kind: "submission.erased",
            timestamp: rfc3339(now),
            data: ErasedData {
                id: id.to_owned(),
                campaign: campaign.to_owned(),
                status: "erased",
            },
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Self::Decided => "submission.decided",
            Self::ReviewRequested => "submission.review_requested",
            Self::Reviewed => "submission.reviewed",
        }
    }

    /// The body telling `row` (as it is after the change), at `now` (Unix ms).
    pub fn body(self, row: SubmissionRow, now: i64) -> Body {
        let (user, merchant, claimed_offers, duplicate_of, decided_by) = (
            row.user_id.clone(),
            row.merchant.clone(),
            row.offers.clone(),
            row.duplicate_of.clone(),
            row.decided_by.clone(),
        );
        Body {
            kind: self.kind(),
            timestamp: rfc3339(now),
            data: Data {
                submission: row.to_api(),
                user,
                merchant,
                claimed_offers,
                duplicate_of,
                decided_by,
            },
        }
    }
}

/// The letter telling the brand that a submission was decided
/// ([`crate::store::Letter`]).
pub fn decided(row: SubmissionRow, now: i64) -> serde_json::Result<String> {
    serde_json::to_string(&Event::Decided.body(row, now))
}

/// The letter telling the brand that a shopper asked for a person's look.
pub fn review_requested(row: SubmissionRow, now: i64) -> serde_json::Result<String> {
    serde_json::to_string(&Event::ReviewRequested.body(row, now))
}

/// The letter telling the brand that a person decided a submission held for
/// one.
pub fn reviewed(row: SubmissionRow, now: i64) -> serde_json::Result<String> {
    serde_json::to_string(&Event::Reviewed.body(row, now))
}

/// The letter telling the brand that submission `id` of `campaign` was erased
/// at `now`, where the campaign's brand is told (`Db::erase_user`).
pub fn erased(campaigns: &Campaigns) -> impl Fn(&str, &str, i64) -> Option<String> + '_ {
    |campaign, id, now| {
        campaigns
            .get(campaign)
            .filter(|c| c.config.notify.is_some())
            .and_then(|_| serde_json::to_string(&Event::erased_body(id, campaign, now)).ok())
    }
}

/// Runs a notifier until `shutdown`; deliveries under way are finished first.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let notifier = Notifier::new(state);
    loop {
        let sent = notifier.run_once().await;
        if sent > 0 {
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = notifier.state.db.clock().sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// One instance's sender of the outbox. [`run`] drives one in the background; a
/// test steps one ([`Notifier::run_once`]).
#[derive(Debug)]
pub struct Notifier {
    state: AppState,
    http: reqwest::Client,
    /// Marks the leases this notifier takes.
    token: String,
}

impl Notifier {
    pub fn new(state: AppState) -> Arc<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // The receiver is the configured URL, not wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("receipt-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Arc::new(Self {
            state,
            http,
            token: uuid::Uuid::new_v4().to_string(),
        })
    }

    /// Sends every notification due now, concurrently; returns how many it took.
    pub async fn run_once(self: &Arc<Self>) -> usize {
        let due_by = self.state.db.clock().now_ms();
        let mut tasks = JoinSet::new();
        while tasks.len() < CONCURRENCY {
            match self
                .state
                .db
                .claim_notification(LEASE, &self.token, due_by)
                .await
            {
                Ok(Some(outgoing)) => {
                    let this = self.clone();
                    tasks.spawn(async move { this.deliver(outgoing).await });
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::error!(%error, "storage error while looking for notifications");
                    break;
                }
            }
        }
        let taken = tasks.len();
        while tasks.join_next().await.is_some() {}
        taken
    }

    async fn deliver(&self, outgoing: Outgoing) {
        let db = &self.state.db;
        let sent = self.send(&outgoing).await;
        ::metrics::counter!("receipt_relay_brand_deliveries_total",
            "outcome" => if sent.is_ok() { "delivered" } else { "failed" })
        .increment(1);
        let result = match sent {
            Ok(()) => {
                tracing::info!(notification = %outgoing.id, campaign = %outgoing.campaign, "brand notified");
                db.notification_delivered(&outgoing.id).await
            }
            Err(error) => {
                let age = db.clock().now_ms().saturating_sub(outgoing.created_at);
                if age >= crate::clock::millis(GIVE_UP_AFTER) {
                    tracing::error!(notification = %outgoing.id, campaign = %outgoing.campaign, %error, "brand notification given up");
                    db.notification_abandoned(&outgoing.id, &error).await
                } else {
                    tracing::warn!(notification = %outgoing.id, campaign = %outgoing.campaign, attempts = outgoing.attempts + 1, %error, "brand notification failed; retried later");
                    let delay = crate::clock::backoff(RETRY_BASE, RETRY_MAX, outgoing.attempts);
                    db.notification_failed(&outgoing.id, delay, &error).await
                }
            }
        };
        if let Err(error) = result {
            tracing::error!(notification = %outgoing.id, %error, "storage error after a delivery");
        }
    }

    /// One attempt; the error says why, for operators (never the secret, nor
    /// the URL, which may carry a token of the brand's).
    async fn send(&self, outgoing: &Outgoing) -> Result<(), String> {
        let notify = self
            .state
            .campaigns
            .get(&outgoing.campaign)
            .and_then(|c| c.config.notify.as_ref())
            .ok_or("the campaign no longer has notify")?;
        let webhook = standardwebhooks::Webhook::new(notify.secret.expose())
            .map_err(|_| "notify.secret is not a Standard Webhooks secret")?;
        let timestamp = self.state.db.clock().now_ms() / 1000;
        let signature = webhook
            .sign(&outgoing.id, timestamp, outgoing.payload.as_bytes())
            .map_err(|_| "the payload cannot be signed")?;
        let response = self
            .http
            .post(&notify.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, &outgoing.id)
            .header(
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            )
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            // The whole exchange, answer included: a receiver slower than
            // this gets the event again later, under the same webhook-id.
            .timeout(notify.timeout)
            .body(outgoing.payload.clone())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "the receiver timed out".to_owned()
                } else {
                    "the receiver could not be reached".to_owned()
                }
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered HTTP {}", status.as_u16()))
        }
    }
}
