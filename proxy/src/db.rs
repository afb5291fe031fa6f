//! Storage of submissions through sqlx: SQLite (a file, zero setup) or
//! PostgreSQL (several proxy instances behind a load balancer), chosen by the
//! `database_url`'s scheme. One SQL text serves both (`$N` parameters, which
//! SQLite also reads), but for the claim, where PostgreSQL skips rows other
//! instances have locked (`FOR UPDATE SKIP LOCKED`). Each has its migrations
//! (`migrations/sqlite`, `migrations/postgres`).
//!
//! All state lives here, not in process memory, so a restarted proxy (or a second
//! instance on the same database) carries on with every submission in flight. A
//! submission and its photos are written in one transaction, so a failed upload
//! never leaves half a row. Workers take a submission with a lease, so two of them
//! never work on the same one at once. Status changes are the moves of
//! [`crate::lifecycle`], made only from the statuses it allows.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use api::SubmissionStatus;
use providers::{MediaType, Photo};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::changes::Changes;
use crate::clock::Clock;
use crate::lifecycle::{IN_HAND, Move};
use crate::notify::Event;
use crate::retention::{Retention, Swept};

/// A submission as received, before it is stored.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub id: String,
    pub campaign: String,
    /// The provider account (a `[providers]` name) it goes to.
    pub provider: String,
    pub idempotency_key: String,
    pub qr: Option<String>,
    pub merchant: Option<String>,
    pub user_id: Option<String>,
    /// The claimed offers, as validated.
    pub offers: Vec<api::ClaimedOffer>,
    pub photos: Vec<Photo>,
    /// What identifies its fiscal QR ([`crate::duplicates::qr_key`]).
    pub qr_key: Option<String>,
    /// Its photos' perceptual hashes (base64), where its campaign catches
    /// duplicates; kept after the photos are gone.
    pub photo_hashes: Vec<String>,
    /// Caught on upload as the duplicate of an earlier submission: it is stored
    /// decided (this status), without its photos, and never forwarded.
    pub duplicate: Option<(SubmissionStatus, String)>,
    /// The earlier submission whose photo its photo resembles: a suspicion the
    /// provider's reading settles ([`crate::duplicates::decide`]).
    pub photo_match_of: Option<String>,
    /// What it carries, as one digest (user, QR, store, offers, photos).
    pub content_hash: String,
    /// The uploading request's id (`x-request-id`), which its log lines carry.
    pub request_id: Option<String>,
}

/// What storing a submission came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Stored now, under this id.
    New(String),
    /// Its idempotency key names this earlier submission, with the same content:
    /// a retry, answered as the first.
    Again(String),
    /// Its idempotency key names an earlier submission with other content.
    Conflict,
}

/// A verdict as stored: the status and outcome, what the provider read of the
/// receipt identifies it as, and the earlier submission it duplicates.
#[derive(Debug, Clone)]
pub struct Decision {
    pub status: SubmissionStatus,
    pub outcome: api::Outcome,
    pub receipt_key: Option<String>,
    pub duplicate_of: Option<String>,
}

impl Decision {
    /// A verdict with no receipt to identify (a failure, say).
    pub fn plain(status: SubmissionStatus, outcome: api::Outcome) -> Self {
        Self {
            status,
            outcome,
            receipt_key: None,
            duplicate_of: None,
        }
    }
}

/// What identifies a receipt, to look for it again.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    Qr,
    Receipt,
}

impl Key {
    fn column(self) -> &'static str {
        match self {
            Self::Qr => "qr_key",
            Self::Receipt => "receipt_key",
        }
    }
}

/// A stored submission.
#[derive(Debug, Clone)]
pub struct SubmissionRow {
    pub id: String,
    pub campaign: String,
    /// The provider account it goes to (`None` for rows stored before this was
    /// kept).
    pub provider: Option<String>,
    pub status: SubmissionStatus,
    pub provider_ref: Option<String>,
    pub outcome: Option<api::Outcome>,
    pub qr: Option<String>,
    pub merchant: Option<String>,
    pub user_id: Option<String>,
    /// The claimed offers, as validated on upload.
    pub offers: Vec<api::ClaimedOffer>,
    /// Upstream failures in a row (the backoff grows with them).
    pub attempts: u32,
    /// Unusable answers in a row (`worker.max_malformed`).
    pub malformed: u32,
    /// The last upstream failure, for operators.
    pub last_error: Option<String>,
    /// The earlier submission this one duplicates, where it was caught as one
    /// ([`ERASED`] where that one has been erased since).
    pub duplicate_of: Option<String>,
    /// What identifies its fiscal QR, where it came with one.
    pub qr_key: Option<String>,
    /// The earlier submission whose photo its photo resembled on upload.
    pub photo_match_of: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The uploading request's id, which every log line about it carries.
    pub request_id: Option<String>,
}

impl SubmissionRow {
    /// Still waiting, and the last try to reach the provider failed.
    pub fn is_delayed(&self) -> bool {
        !self.status.is_final() && self.attempts > 0
    }

    /// The submission as the API shows it: the outcome only once final.
    pub fn to_api(self) -> api::Submission {
        let delayed = self.is_delayed();
        api::Submission {
            id: self.id,
            campaign: self.campaign,
            status: self.status,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
            delayed,
            outcome: self.outcome.filter(|_| self.status.is_final()),
        }
    }
}

/// A Unix time in milliseconds as RFC 3339 (UTC).
pub fn rfc3339(unix_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Whether a status change is told to the campaign's brand (`notify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    /// An event goes into the outbox in the same transaction.
    Brand,
    Nobody,
}

/// Which of a campaign's submissions to list, newest first.
#[derive(Debug, Clone)]
pub struct Listing {
    pub status: Option<SubmissionStatus>,
    /// Created at or after (Unix ms).
    pub from: Option<i64>,
    /// Created before (Unix ms).
    pub to: Option<i64>,
    pub user: Option<String>,
    /// After this `(created_at, id)`: where the page before ended.
    pub after: Option<(i64, String)>,
    pub limit: u32,
}

/// A notification to deliver, as claimed from the outbox.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The `webhook-id`: the same on every attempt.
    pub id: String,
    pub campaign: String,
    /// The JSON body, exactly as signed and sent.
    pub payload: String,
    pub attempts: u32,
    pub created_at: i64,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
    /// The time every stored and compared moment comes from.
    clock: Clock,
    /// Every status change is announced here once committed.
    changes: Changes,
    /// The key erased receipts' keys are hashed with, once read.
    hash_key: Arc<OnceLock<Vec<u8>>>,
}

/// Which database a [`Db`] speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The dialect of a `database_url`: `sqlite:` or `postgres(ql):`.
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// `url` with `key=value` in its query, unless it names `key` already.
fn with_query(url: &str, key: &str, value: &str) -> String {
    if url.contains(&format!("{key}=")) {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&{key}={value}")
    } else {
        format!("{url}?{key}={value}")
    }
}

const SUBMISSION_COLUMNS: &str = "id, campaign, provider, status, provider_ref, outcome, qr, merchant, user_id, offers, attempts, malformed, last_error, created_at, updated_at, duplicate_of, request_id, qr_key, photo_match_of";

/// What a reference to an erased submission says instead of its id
/// (`duplicate_of`, `photo_match_of`): the submission is gone, what stops its
/// receipt being claimed again is not.
pub const ERASED: &str = "erased";

impl Db {
    /// Opens the database at `url` (a SQLite file is created if missing) and
    /// runs the migrations; its times come from `clock`.
    pub async fn connect(url: &str, clock: Clock) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of(url).ok_or_else(|| {
            sqlx::Error::Configuration("database_url must start with sqlite: or postgres:".into())
        })?;
        let pool = match dialect {
            Dialect::Sqlite => {
                let url = with_query(url, "mode", "rwc");
                AnyPoolOptions::new()
                    .max_connections(4)
                    // Readers do not wait for the writer; writers queue briefly.
                    .after_connect(|connection, _| {
                        Box::pin(async move {
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                // What is deleted (an erased shopper) is
                                // overwritten, not left in free pages.
                                "PRAGMA secure_delete = ON",
                                "PRAGMA busy_timeout = 5000",
                                "PRAGMA foreign_keys = ON",
                            ] {
                                sqlx::query(pragma).execute(&mut *connection).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Dialect::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .connect(url)
                    .await?
            }
        };
        let changes = match dialect {
            Dialect::Sqlite => {
                sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
                Changes::local()
            }
            Dialect::Postgres => {
                sqlx::migrate!("./migrations/postgres").run(&pool).await?;
                Changes::listening(url).await?
            }
        };
        Ok(Self {
            pool,
            dialect,
            clock,
            changes,
            hash_key: Arc::default(),
        })
    }

    /// The feed of status changes, from this instance and (on PostgreSQL)
    /// every other one on the database.
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// Commits a transaction that changed submission `id`'s status and
    /// announces the change (on PostgreSQL, to every instance, at commit).
    async fn commit_announcing(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
    ) -> Result<(), sqlx::Error> {
        if self.dialect == Dialect::Postgres {
            Changes::notify_in(&mut tx, id).await?;
        }
        tx.commit().await?;
        self.changes.announce(id);
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Answers whether the database takes queries (for `/readyz`).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// Stores a new submission with its photos, all or nothing. When the campaign
    /// already has a submission with this idempotency key, nothing is written and
    /// that submission's id is returned instead.
    pub async fn insert(&self, new: NewSubmission, notify: Notify) -> Result<Stored, sqlx::Error> {
        let now = self.clock.now_ms();
        let (status, outcome, duplicate_of) = match &new.duplicate {
            None => (SubmissionStatus::Queued, None, None),
            Some((status, of)) => (
                *status,
                Some(to_json(&crate::duplicates::caught_on_upload())?),
                Some(of.clone()),
            ),
        };
        // No offers is no column, as when the field was not sent.
        let offers = (!new.offers.is_empty())
            .then(|| to_json(&new.offers))
            .transpose()?;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO submissions (id, campaign, provider, idempotency_key, status, qr, merchant, user_id, offers, next_attempt_at, created_at, updated_at, qr_key, outcome, duplicate_of, content_hash, request_id, photo_match_of)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
             ON CONFLICT (campaign, idempotency_key) DO NOTHING",
        )
        .bind(&new.id)
        .bind(&new.campaign)
        .bind(&new.provider)
        .bind(&new.idempotency_key)
        .bind(status.as_str())
        .bind(&new.qr)
        .bind(&new.merchant)
        .bind(&new.user_id)
        .bind(offers)
        .bind(now)
        .bind(now)
        .bind(now)
        .bind(&new.qr_key)
        .bind(outcome)
        .bind(duplicate_of)
        .bind(&new.content_hash)
        .bind(&new.request_id)
        .bind(&new.photo_match_of)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            let existing = sqlx::query(
                "SELECT id, content_hash FROM submissions WHERE campaign = $1 AND idempotency_key = $2",
            )
            .bind(&new.campaign)
            .bind(&new.idempotency_key)
            .fetch_one(&mut *tx)
            .await?;
            tx.rollback().await?;
            let id: String = existing.try_get("id")?;
            let hash: Option<String> = existing.try_get("content_hash")?;
            // Rows stored before digests were kept are taken at their word.
            return Ok(match hash {
                Some(hash) if hash != new.content_hash => Stored::Conflict,
                _ => Stored::Again(id),
            });
        }
        for hash in &new.photo_hashes {
            sqlx::query(
                "INSERT INTO photo_hashes (submission_id, campaign, hash, created_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&new.id)
            .bind(&new.campaign)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if new.duplicate.is_some() {
            // Decided already: its photos go nowhere and are not kept.
            self.commit_telling(tx, &new.id, true, notify, Event::Decided)
                .await?;
            return Ok(Stored::New(new.id));
        }
        for (position, photo) in new.photos.iter().enumerate() {
            sqlx::query(
                "INSERT INTO photos (submission_id, position, content_type, bytes) VALUES ($1, $2, $3, $4)",
            )
            .bind(&new.id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(photo.media_type.as_str())
            .bind(photo.bytes.as_ref())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Stored::New(new.id))
    }

    /// One submission by id.
    pub async fn get(&self, id: &str) -> Result<Option<SubmissionRow>, sqlx::Error> {
        let sql = format!("SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| to_row(&r)).transpose()
    }

    /// The submission a provider account knows as `provider_ref`.
    pub async fn find_by_provider_ref(
        &self,
        provider: &str,
        provider_ref: &str,
    ) -> Result<Option<SubmissionRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE provider = $1 AND provider_ref = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(provider)
            .bind(provider_ref)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| to_row(&r)).transpose()
    }

    /// The photos of a submission, in the order they were uploaded.
    /// The bytes of a submission's photos, all told (what loading them takes).
    pub async fn photo_bytes(&self, id: &str) -> Result<u64, sqlx::Error> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(LENGTH(bytes)), 0) FROM photos WHERE submission_id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    pub async fn photos(&self, id: &str) -> Result<Vec<Photo>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT content_type, bytes FROM photos WHERE submission_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let content_type: String = r.try_get("content_type")?;
                let media_type = MediaType::from_mime(&content_type).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown photo type {content_type:?}").into())
                })?;
                Ok(Photo {
                    media_type,
                    bytes: bytes::Bytes::from(r.try_get::<Vec<u8>, _>("bytes")?),
                })
            })
            .collect()
    }

    /// Takes the submission that is due soonest (due by `due_by`, Unix ms, at
    /// the latest), except those of `busy_accounts`, leasing it to `token` until
    /// `now + lease`. `None` when nothing is due.
    pub async fn claim_due(
        &self,
        lease: Duration,
        token: &str,
        busy_accounts: &[&str],
        due_by: i64,
    ) -> Result<Option<SubmissionRow>, sqlx::Error> {
        let now = self.clock.now_ms();
        // Accounts at their limit wait; their submissions stay due.
        let busy = if busy_accounts.is_empty() {
            String::new()
        } else {
            let marks: Vec<String> = (0..busy_accounts.len())
                .map(|i| format!("${}", i + 5))
                .collect();
            let marks = marks.join(", ");
            format!("AND (provider IS NULL OR provider NOT IN ({marks}))")
        };
        // One statement, so two workers can never both take the same row;
        // PostgreSQL's workers pass over rows another one is taking.
        let skip_locked = match self.dialect {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let in_hand = crate::lifecycle::in_sql(IN_HAND);
        let sql = format!(
            "UPDATE submissions SET lease_until = $1, lease_token = $2
             WHERE id = (
                 SELECT id FROM submissions
                 WHERE {in_hand}
                   AND next_attempt_at <= $3
                   AND (lease_until IS NULL OR lease_until <= $4)
                   {busy}
                 ORDER BY next_attempt_at
                 LIMIT 1
                 {skip_locked})
             RETURNING {SUBMISSION_COLUMNS}"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.clock.after(lease))
            .bind(token)
            .bind(due_by.min(now))
            .bind(now);
        for account in busy_accounts {
            query = query.bind(*account);
        }
        let row = query.fetch_optional(&self.pool).await?;
        row.map(|r| to_row(&r)).transpose()
    }

    /// Extends the lease `token` holds on a submission by `lease` from now;
    /// `false` when that lease is gone (the step ended, or another worker holds
    /// the submission).
    pub async fn renew_lease(
        &self,
        id: &str,
        token: &str,
        lease: Duration,
    ) -> Result<bool, sqlx::Error> {
        sqlx::query(
            "UPDATE submissions SET lease_until = $1
             WHERE id = $2 AND lease_token = $3 AND lease_until IS NOT NULL",
        )
        .bind(self.clock.after(lease))
        .bind(id)
        .bind(token)
        .execute(&self.pool)
        .await
        .map(|done| done.rows_affected() == 1)
    }

    /// A provider that decides on upload (BitLabs): its reference, the verdict
    /// and the photos' removal in one transaction, so no crash can leave a
    /// submission acknowledged but undecided (there would be nothing to poll).
    pub async fn decided_on_upload(
        &self,
        id: &str,
        provider_ref: &str,
        decision: &Decision,
        notify: Notify,
    ) -> Result<(), sqlx::Error> {
        let outcome = to_json(&decision.outcome)?;
        let mut tx = self.pool.begin().await?;
        debug_assert!(Move::Decide.allows(decision.status));
        let sql = format!(
            "UPDATE submissions SET provider_ref = $1, status = $2, outcome = $3, attempts = 0,
                 malformed = 0, last_error = NULL, lease_until = NULL, updated_at = $4,
                 receipt_key = $5, duplicate_of = $6
             WHERE id = $7 AND {}",
            Move::Decide.from_sql()
        );
        let decided = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(provider_ref)
            .bind(decision.status.as_str())
            .bind(outcome)
            .bind(self.clock.now_ms())
            .bind(&decision.receipt_key)
            .bind(&decision.duplicate_of)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        sqlx::query("DELETE FROM photos WHERE submission_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit_telling(tx, id, decided, notify, Event::Decided)
            .await
            .map(drop)
    }

    /// Commits a status change's transaction; where it `changed` submission
    /// `id` and the brand is told, the event goes into the outbox first, in the
    /// same transaction. Answers `changed`.
    async fn commit_telling(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        changed: bool,
        notify: Notify,
        event: Event,
    ) -> Result<bool, sqlx::Error> {
        if !changed {
            tx.commit().await?;
            return Ok(false);
        }
        if notify == Notify::Brand {
            self.tell_brand(&mut tx, id, event).await?;
        }
        self.commit_announcing(tx, id).await?;
        Ok(true)
    }

    /// Puts the event of the change just made to submission `id` into the
    /// outbox, in the transaction that made it.
    async fn tell_brand(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        event: Event,
    ) -> Result<(), sqlx::Error> {
        let sql = format!("SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        let row = to_row(&row)?;
        let now = self.clock.now_ms();
        let campaign = row.campaign.clone();
        let payload = to_json(&event.body(row, now))?;
        self.enqueue(tx, id, &campaign, payload, now).await
    }

    /// Puts one notification into the outbox, in `tx`.
    async fn enqueue(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        campaign: &str,
        payload: String,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO notifications (id, submission_id, campaign, payload, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(format!("msg_{}", uuid::Uuid::new_v4().simple()))
        .bind(id)
        .bind(campaign)
        .bind(payload)
        .bind(now)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map(drop)
    }

    /// Takes the notification that is due soonest (by `due_by`), leasing it to
    /// `token` for `lease`.
    pub async fn claim_notification(
        &self,
        lease: Duration,
        token: &str,
        due_by: i64,
    ) -> Result<Option<Outgoing>, sqlx::Error> {
        let now = self.clock.now_ms();
        let skip_locked = match self.dialect {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE notifications SET lease_until = $1, lease_token = $2
             WHERE id = (
                 SELECT id FROM notifications
                 WHERE delivered_at IS NULL AND abandoned_at IS NULL
                   AND next_attempt_at <= $3
                   AND (lease_until IS NULL OR lease_until <= $4)
                 ORDER BY next_attempt_at
                 LIMIT 1
                 {skip_locked})
             RETURNING id, campaign, payload, attempts, created_at"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.clock.after(lease))
            .bind(token)
            .bind(due_by.min(now))
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Outgoing {
                id: r.try_get("id")?,
                campaign: r.try_get("campaign")?,
                payload: r.try_get("payload")?,
                attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// The receiver took notification `id` (it answered 2xx).
    pub async fn notification_delivered(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE notifications SET delivered_at = $1, lease_until = NULL, last_error = NULL
             WHERE id = $2",
        )
        .bind(self.clock.now_ms())
        .bind(id)
        .execute(&self.pool)
        .await
        .map(drop)
    }

    /// The receiver did not take notification `id`: try again after `next_in`.
    pub async fn notification_failed(
        &self,
        id: &str,
        next_in: Duration,
        error: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = $1,
                 lease_until = NULL, last_error = $2
             WHERE id = $3",
        )
        .bind(self.clock.after(next_in))
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await
        .map(drop)
    }

    /// Stops trying to deliver notification `id` (after days of failures).
    pub async fn notification_abandoned(&self, id: &str, error: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE notifications SET abandoned_at = $1, lease_until = NULL, last_error = $2
             WHERE id = $3",
        )
        .bind(self.clock.now_ms())
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await
        .map(drop)
    }

    /// Notifications not yet delivered nor abandoned (used by tests and ops).
    pub async fn notifications_pending(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE delivered_at IS NULL AND abandoned_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await
    }

    /// The provider has the submission: remember its reference, drop the photos
    /// (they are the provider's now) and come back after `next_in`.
    pub async fn acknowledged(
        &self,
        id: &str,
        provider_ref: &str,
        next_in: Duration,
    ) -> Result<(), sqlx::Error> {
        let now = self.clock.now_ms();
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE submissions SET provider_ref = $1, status = $2, attempts = 0, malformed = 0,
                 last_error = NULL, next_attempt_at = $3, lease_until = NULL, updated_at = $4
             WHERE id = $5 AND {}",
            Move::Acknowledge.from_sql()
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(provider_ref)
            .bind(SubmissionStatus::Processing.as_str())
            .bind(self.clock.after(next_in))
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM photos WHERE submission_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit_announcing(tx, id).await
    }

    /// Not done yet, and no failure: come back after `next_in`. Ends any run of
    /// failures.
    pub async fn reschedule(&self, id: &str, next_in: Duration) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE submissions SET next_attempt_at = $1, lease_until = NULL,
                 attempts = 0, malformed = 0, last_error = NULL
             WHERE id = $2",
        )
        .bind(self.clock.after(next_in))
        .bind(id)
        .execute(&self.pool)
        .await
        .map(drop)
    }

    /// An upstream failure: come back after `next_in`. It counts towards the
    /// backoff (`attempts`), and, where the answer was unusable (`malformed`),
    /// towards `worker.max_malformed`; any other failure ends that run.
    pub async fn failed_attempt(
        &self,
        id: &str,
        next_in: Duration,
        error: &str,
        malformed: bool,
    ) -> Result<(), sqlx::Error> {
        let now = self.clock.now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE submissions SET next_attempt_at = $1, lease_until = NULL,
                 attempts = attempts + 1,
                 malformed = CASE WHEN $2 THEN malformed + 1 ELSE 0 END,
                 last_error = $3, updated_at = $4
             WHERE id = $5",
        )
        .bind(self.clock.after(next_in))
        .bind(malformed)
        .bind(error)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        // Announced: a shopper waiting on it learns it is delayed.
        self.commit_announcing(tx, id).await
    }

    /// Keeps `error` as a submission's last error, for operators, changing
    /// nothing else.
    pub async fn note_error(&self, id: &str, error: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE submissions SET last_error = $1 WHERE id = $2")
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await
            .map(drop)
    }

    /// The final verdict. Photos still held (a provider that refused the upload)
    /// are kept for an operator to look at. A final verdict is never replaced, so
    /// a late poll or a replayed callback changes nothing; the answer says
    /// whether this call decided. With [`Notify::Brand`], the event for the
    /// brand goes into the outbox in the same transaction.
    pub async fn finish(
        &self,
        id: &str,
        decision: &Decision,
        notify: Notify,
    ) -> Result<bool, sqlx::Error> {
        debug_assert!(Move::Decide.allows(decision.status));
        let now = self.clock.now_ms();
        let outcome = to_json(&decision.outcome)?;
        let sql = format!(
            "UPDATE submissions SET status = $1, outcome = $2, lease_until = NULL, updated_at = $3,
                 receipt_key = $4, duplicate_of = $5
             WHERE id = $6 AND {}",
            Move::Decide.from_sql()
        );
        let mut tx = self.pool.begin().await?;
        let decided = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(decision.status.as_str())
            .bind(outcome)
            .bind(now)
            .bind(&decision.receipt_key)
            .bind(&decision.duplicate_of)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        self.commit_telling(tx, id, decided, notify, Event::Decided)
            .await
    }

    /// Moves a rejected submission to `needs_review` with its updated outcome,
    /// once: `false` when it is not (or no longer) rejected. With
    /// [`Notify::Brand`], the brand is told, as by [`Db::finish`].
    pub async fn send_to_review(
        &self,
        id: &str,
        outcome: &api::Outcome,
        notify: Notify,
    ) -> Result<bool, sqlx::Error> {
        let outcome = to_json(outcome)?;
        let sql = format!(
            "UPDATE submissions SET status = $1, outcome = $2, updated_at = $3
             WHERE id = $4 AND {}",
            Move::Review.from_sql()
        );
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(SubmissionStatus::NeedsReview.as_str())
            .bind(outcome)
            .bind(self.clock.now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        self.commit_telling(tx, id, moved, notify, Event::ReviewRequested)
            .await
    }

    /// The earliest submission of `campaign` since `since` (Unix ms), other than
    /// `not`, with this `key` (and not itself a duplicate, nor failed), else
    /// [`ERASED`] where an erased receipt had it. With `qr_key`, a submission
    /// whose fiscal QR is another is passed over: two fiscal codes are two
    /// receipts, whatever else they share.
    pub async fn find_duplicate(
        &self,
        campaign: &str,
        key: Key,
        value: &str,
        since: i64,
        not: &str,
        qr_key: Option<&str>,
    ) -> Result<Option<String>, sqlx::Error> {
        let column = key.column();
        let same_qr = if qr_key.is_some() {
            "AND (qr_key IS NULL OR qr_key = $6)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id FROM submissions
             WHERE campaign = $1 AND {column} = $2 AND created_at >= $3 AND id <> $4
               AND duplicate_of IS NULL AND status <> $5 {same_qr}
             ORDER BY created_at, id LIMIT 1"
        );
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(campaign)
            .bind(value)
            .bind(since)
            .bind(not)
            .bind(SubmissionStatus::Failed.as_str());
        if let Some(qr) = qr_key {
            query = query.bind(qr);
        }
        if let Some(found) = query.fetch_optional(&self.pool).await? {
            return Ok(Some(found));
        }
        let hash_key = self.receipt_hash_key().await?;
        let same_qr = if qr_key.is_some() {
            "AND (qr_key IS NULL OR qr_key = $4)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id FROM erased_receipts
             WHERE campaign = $1 AND {column} = $2 AND created_at >= $3 {same_qr} LIMIT 1"
        );
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
            .bind(campaign)
            .bind(keyed_hash(&hash_key, value))
            .bind(since);
        if let Some(qr) = qr_key {
            query = query.bind(keyed_hash(&hash_key, qr));
        }
        Ok(query
            .fetch_optional(&self.pool)
            .await?
            .map(|_| ERASED.to_owned()))
    }

    /// The photo hashes of `campaign` since `since` (Unix ms), oldest first,
    /// with their submission: those that count as originals (not duplicates
    /// themselves, nor failed), then those of erased receipts (as [`ERASED`]).
    /// With `qr_key`, those of receipts with another fiscal QR are left out:
    /// no photo likeness makes two fiscal codes one receipt.
    pub async fn photo_hashes(
        &self,
        campaign: &str,
        since: i64,
        qr_key: Option<&str>,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        let same_qr = if qr_key.is_some() {
            "AND (s.qr_key IS NULL OR s.qr_key = $4)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT h.submission_id, h.hash FROM photo_hashes h
             JOIN submissions s ON s.id = h.submission_id
             WHERE h.campaign = $1 AND h.created_at >= $2
               AND s.duplicate_of IS NULL AND s.status <> $3 {same_qr}
             ORDER BY h.created_at, h.submission_id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(campaign)
            .bind(since)
            .bind(SubmissionStatus::Failed.as_str());
        if let Some(qr) = qr_key {
            query = query.bind(qr);
        }
        let mut found = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<(String, String)>, sqlx::Error>>()?;
        let same_qr = if qr_key.is_some() {
            "AND (e.qr_key IS NULL OR e.qr_key = $3)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT h.hash FROM erased_photo_hashes h
             JOIN erased_receipts e ON e.id = h.erased_id
             WHERE h.campaign = $1 AND h.created_at >= $2 {same_qr}"
        );
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
            .bind(campaign)
            .bind(since);
        if let Some(qr) = qr_key {
            query = query.bind(keyed_hash(&self.receipt_hash_key().await?, qr));
        }
        for hash in query.fetch_all(&self.pool).await? {
            found.push((ERASED.to_owned(), hash));
        }
        Ok(found)
    }

    /// The key receipts' keys are hashed with once erased: made at random the
    /// first time, kept in `settings` so every instance hashes alike.
    async fn receipt_hash_key(&self) -> Result<Vec<u8>, sqlx::Error> {
        if let Some(key) = self.hash_key.get() {
            return Ok(key.clone());
        }
        let fresh: String = (0..32)
            .map(|_| format!("{:02x}", rand::random::<u8>()))
            .collect();
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('receipt_hash_key', $1)
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(fresh)
        .execute(&self.pool)
        .await?;
        let key: String =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'receipt_hash_key'")
                .fetch_one(&self.pool)
                .await?;
        let key = key.into_bytes();
        let _ = self.hash_key.set(key.clone());
        Ok(key)
    }

    /// A page of a campaign's submissions, newest first.
    pub async fn list(
        &self,
        campaign: &str,
        listing: &Listing,
    ) -> Result<Vec<SubmissionRow>, sqlx::Error> {
        // Only the filters given are in the SQL (PostgreSQL cannot type a NULL
        // parameter compared to nothing), each with its own `$N`.
        let mut conditions = vec!["campaign = $1".to_owned()];
        let mut n = 1;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if listing.status.is_some() {
            conditions.push(format!("status = {}", next()));
        }
        if listing.from.is_some() {
            conditions.push(format!("created_at >= {}", next()));
        }
        if listing.to.is_some() {
            conditions.push(format!("created_at < {}", next()));
        }
        if listing.user.is_some() {
            conditions.push(format!("user_id = {}", next()));
        }
        if listing.after.is_some() {
            let (at, again, id) = (next(), next(), next());
            conditions.push(format!(
                "(created_at < {at} OR (created_at = {again} AND id < {id}))"
            ));
        }
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE {}
             ORDER BY created_at DESC, id DESC LIMIT {}",
            conditions.join(" AND "),
            listing.limit
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(campaign);
        if let Some(status) = listing.status {
            query = query.bind(status.as_str());
        }
        if let Some(from) = listing.from {
            query = query.bind(from);
        }
        if let Some(to) = listing.to {
            query = query.bind(to);
        }
        if let Some(user) = &listing.user {
            query = query.bind(user.clone());
        }
        if let Some((at, id)) = &listing.after {
            query = query.bind(*at).bind(*at).bind(id.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(to_row).collect()
    }

    /// Every submission of a campaign, oldest first (the CSV export).
    pub async fn export(&self, campaign: &str) -> Result<Vec<SubmissionRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE campaign = $1
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(campaign)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(to_row).collect()
    }

    /// Deletes everything about one shopper: their submissions, with their
    /// photos, read data and the notifications about them, in one transaction.
    /// What stops their receipts from being claimed again stays, and nothing
    /// personal with it: each receipt's exact keys as keyed one-way hashes and
    /// its photos' fingerprints, under a new id linked to no one. Other
    /// submissions that named an erased one (`duplicate_of`, `photo_match_of`)
    /// now say [`ERASED`]. Where `told` says a campaign's brand is told, an
    /// `erased` event per submission goes into the outbox. On SQLite, the
    /// write-ahead log is then checkpointed, so no erased text stays in the
    /// files (`secure_delete` zeroes the freed pages). Answers the erased ids.
    pub async fn erase_user(
        &self,
        user: &str,
        told: impl Fn(&str) -> bool,
    ) -> Result<Vec<String>, sqlx::Error> {
        let hash_key = self.receipt_hash_key().await?;
        let now = self.clock.now_ms();
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT id, campaign, qr_key, receipt_key, created_at FROM submissions
             WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        let mut erased = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let campaign: String = row.try_get("campaign")?;
            let qr_key: Option<String> = row.try_get("qr_key")?;
            let receipt_key: Option<String> = row.try_get("receipt_key")?;
            let created_at: i64 = row.try_get("created_at")?;
            let hashes: Vec<String> =
                sqlx::query_scalar("SELECT hash FROM photo_hashes WHERE submission_id = $1")
                    .bind(&id)
                    .fetch_all(&mut *tx)
                    .await?;
            if qr_key.is_some() || receipt_key.is_some() || !hashes.is_empty() {
                let mark = format!("erased_{}", uuid::Uuid::new_v4().simple());
                sqlx::query(
                    "INSERT INTO erased_receipts (id, campaign, qr_key, receipt_key, created_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&mark)
                .bind(&campaign)
                .bind(qr_key.map(|k| keyed_hash(&hash_key, &k)))
                .bind(receipt_key.map(|k| keyed_hash(&hash_key, &k)))
                .bind(created_at)
                .execute(&mut *tx)
                .await?;
                for hash in hashes {
                    sqlx::query(
                        "INSERT INTO erased_photo_hashes (erased_id, campaign, hash, created_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&mark)
                    .bind(&campaign)
                    .bind(hash)
                    .bind(created_at)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for column in ["duplicate_of", "photo_match_of"] {
                let sql = format!("UPDATE submissions SET {column} = $1 WHERE {column} = $2");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(ERASED)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
            }
            for table in ["notifications", "photos", "photo_hashes"] {
                let sql = format!("DELETE FROM {table} WHERE submission_id = $1");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM submissions WHERE id = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            if told(&campaign) {
                let payload = to_json(&Event::erased_body(&id, &campaign, now))?;
                self.enqueue(&mut tx, &id, &campaign, payload, now).await?;
            }
            erased.push(id);
        }
        tx.commit().await?;
        if self.dialect == Dialect::Sqlite && !erased.is_empty() {
            self.checkpoint().await;
        }
        Ok(erased)
    }

    /// Moves everything in SQLite's write-ahead log into the database file and
    /// empties the log, so what was just erased is in neither. Best effort: a
    /// reader in the middle of a long query can hold it up, and the next
    /// erasure (or SQLite's own checkpoint) finishes it.
    async fn checkpoint(&self) {
        let done = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await;
        match done {
            Ok(row) if row.try_get::<i64, _>(0).unwrap_or(1) == 0 => {}
            Ok(_) => tracing::warn!("the log could not be checkpointed at once after an erasure"),
            Err(error) => tracing::warn!(%error, "checkpoint after an erasure failed"),
        }
    }

    /// The retention an operator set, if one did.
    pub async fn retention(&self) -> Result<Option<Retention>, sqlx::Error> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'retention'")
                .fetch_optional(&self.pool)
                .await?;
        value.map(|v| from_json("settings.value", &v)).transpose()
    }

    /// Sets the retention every instance follows from now on.
    pub async fn set_retention(&self, retention: Retention) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('retention', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(to_json(&retention)?)
        .execute(&self.pool)
        .await
        .map(drop)
    }

    /// Drops the photos of submissions that failed before `failed_before`, and
    /// final submissions (with their photos and notifications) created before
    /// `submissions_before` (both Unix ms).
    pub async fn sweep(
        &self,
        failed_before: i64,
        submissions_before: i64,
    ) -> Result<Swept, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let photos = sqlx::query(
            "DELETE FROM photos WHERE submission_id IN
                 (SELECT id FROM submissions WHERE status = $1 AND updated_at < $2)",
        )
        .bind(SubmissionStatus::Failed.as_str())
        .bind(failed_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let old = format!(
            "SELECT id FROM submissions WHERE NOT ({}) AND created_at < $1",
            crate::lifecycle::in_sql(IN_HAND)
        );
        for table in ["notifications", "photos", "photo_hashes"] {
            let sql = format!("DELETE FROM {table} WHERE submission_id IN ({old})");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(submissions_before)
                .execute(&mut *tx)
                .await?;
        }
        let sql = format!(
            "DELETE FROM submissions WHERE NOT ({}) AND created_at < $1",
            crate::lifecycle::in_sql(IN_HAND)
        );
        let submissions = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(submissions_before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // What stops an erased receipt's claim again lasts as long as the
        // submission would have, and the outbox keeps nothing about a
        // submission that is gone once it is sent.
        sqlx::query("DELETE FROM erased_receipts WHERE created_at < $1")
            .bind(submissions_before)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM notifications
             WHERE (delivered_at IS NOT NULL OR abandoned_at IS NOT NULL) AND created_at < $1
               AND submission_id NOT IN (SELECT id FROM submissions)",
        )
        .bind(submissions_before)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Swept {
            photos,
            submissions,
        })
    }

    /// Until when a worker holds a submission (Unix ms), if one does (used by
    /// tests and ops).
    pub async fn lease_until(&self, id: &str) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT lease_until FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
    }

    /// How many photos are held for a submission (used by tests and ops).
    pub async fn photo_count(&self, id: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM photos WHERE submission_id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
    }

    /// How many submissions exist (used by tests and ops).
    /// What the metrics tell of the store: submissions by status, how many
    /// in hand are due now, and since when the longest-waiting one is due
    /// (Unix ms), and the notifications still to deliver.
    pub async fn gauges(&self) -> Result<Gauges, sqlx::Error> {
        let by_status =
            sqlx::query("SELECT status, COUNT(*) AS n FROM submissions GROUP BY status")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>("status")?, r.try_get::<i64, _>("n")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let in_hand = crate::lifecycle::in_sql(IN_HAND);
        let due = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM submissions
             WHERE {in_hand} AND next_attempt_at <= $1"
        )))
        .bind(self.clock.now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(Gauges {
            by_status,
            due: due.try_get("n")?,
            oldest_due_ms: due.try_get("oldest")?,
            undelivered: self.notifications_pending().await?,
        })
    }

    pub async fn submission_count(&self) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM submissions")
            .fetch_one(&self.pool)
            .await
    }
}

/// See [`Db::gauges`].
#[derive(Debug)]
pub struct Gauges {
    pub by_status: Vec<(String, i64)>,
    pub due: i64,
    pub oldest_due_ms: Option<i64>,
    pub undelivered: i64,
}

/// `value` hashed one way with `key` (HMAC-SHA256, hex): what an erased
/// receipt's keys are kept as, so the same receipt is known again but the
/// table alone tells nothing of it.
fn keyed_hash(key: &[u8], value: &str) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes a key of any length")
    };
    mac.update(value.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A value as the JSON text it is stored as. It cannot fail for the types
/// stored here, but if it did, the write fails rather than storing `{}`.
fn to_json(value: &impl serde::Serialize) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// A stored JSON column read back; a value that no longer reads is an error
/// to see, not a silently missing outcome.
fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(e),
    })
}

fn to_row(r: &AnyRow) -> Result<SubmissionRow, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let outcome: Option<String> = r.try_get("outcome")?;
    Ok(SubmissionRow {
        id: r.try_get("id")?,
        campaign: r.try_get("campaign")?,
        provider: r.try_get("provider")?,
        status: SubmissionStatus::parse(&status).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "status".to_owned(),
            source: format!("unknown status {status:?}").into(),
        })?,
        provider_ref: r.try_get("provider_ref")?,
        outcome: outcome.map(|o| from_json("outcome", &o)).transpose()?,
        qr: r.try_get("qr")?,
        merchant: r.try_get("merchant")?,
        user_id: r.try_get("user_id")?,
        offers: r
            .try_get::<Option<String>, _>("offers")?
            .map(|o| from_json("offers", &o))
            .transpose()?
            .unwrap_or_default(),
        attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
        malformed: u32::try_from(r.try_get::<i64, _>("malformed")?).unwrap_or(0),
        last_error: r.try_get("last_error")?,
        duplicate_of: r.try_get("duplicate_of")?,
        qr_key: r.try_get("qr_key")?,
        photo_match_of: r.try_get("photo_match_of")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        request_id: r.try_get("request_id")?,
    })
}
