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
//!
//! One [`Db`], its methods by concern: `submissions` (a submission and its
//! photos: insert, read, list, export), `queue` (leases, retries, verdicts),
//! `outbox` (the brand's notifications), `receipt_index` (receipts seen
//! before: keys and photo fingerprints), `erasure` (a shopper's erasure and
//! the retention sweep), `settings` (values an operator sets at run time),
//! `accounts` (the console's people, their one-time links and sessions) and
//! `gauges` (what the metrics report).
//!
//! Storage is the bottom layer: it depends on `api`, the lifecycle, the clock
//! and the change feed, and on nothing that calls it. It knows no webhook body,
//! policy or configuration: callers hand it what to write (a [`Letter`] for
//! the brand, a setting's value).

use std::sync::{Arc, OnceLock};

use api::SubmissionStatus;
use providers::Photo;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::changes::Changes;
use crate::clock::Clock;

mod accounts;
mod audit;
mod day;
mod erasure;
mod gauges;
mod outbox;
mod queue;
mod receipt_index;
mod settings;
mod submissions;

pub use accounts::{Operator, Session};
pub use audit::{AuditEntry, Audited};
pub use day::HOUR_MS;
pub use erasure::Swept;
pub use gauges::Gauges;
pub use queue::Settles;
pub use receipt_index::{HashMark, HashOwner, StoredHash};

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
    /// What identifies its fiscal QR (drive, document and sign), as the
    /// caller keys it.
    pub qr_key: Option<String>,
    /// What identifies its PDF e-receipt (its text's hash, else its bytes'),
    /// as the caller keys it.
    pub document_key: Option<String>,
    /// Its photos' perceptual hashes (base64), where its campaign catches
    /// duplicates; kept after the photos are gone.
    pub photo_hashes: Vec<String>,
    /// Caught on upload as the duplicate of an earlier submission: it is stored
    /// decided, without its photos, and never forwarded.
    pub duplicate: Option<CaughtDuplicate>,
    /// The earlier submission whose photo its photo resembles: a suspicion the
    /// provider's reading settles.
    pub photo_match_of: Option<String>,
    /// What it carries, as one digest (user, QR, store, offers, photos).
    pub content_hash: String,
    /// The uploading request's id (`x-request-id`), which its log lines carry.
    pub request_id: Option<String>,
    /// Keep its photos after the provider has them, until then (Unix ms),
    /// for a person comparing a later duplicate with it.
    pub photos_until: Option<i64>,
}

/// A submission decided at intake as the duplicate of an earlier one.
#[derive(Debug, Clone)]
pub struct CaughtDuplicate {
    /// The status it is stored with.
    pub status: SubmissionStatus,
    /// The earlier submission's id.
    pub of: String,
    /// Its outcome, as the shopper and the brand read it.
    pub outcome: api::Outcome,
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
    Document,
}

impl Key {
    fn column(self) -> &'static str {
        match self {
            Self::Qr => "qr_key",
            Self::Receipt => "receipt_key",
            Self::Document => "document_key",
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
    /// Who decided it, where a person did (it was held for one).
    pub decided_by: Option<String>,
    /// What they decided, as the caller named it.
    pub decision: Option<String>,
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

/// Whether a status change is told to the campaign's brand.
#[derive(Debug, Clone, Copy)]
pub enum Notify {
    /// This letter goes into the outbox in the change's own transaction.
    Brand(Letter),
    Nobody,
}

/// Writes what the brand is told of a change (the notification's JSON body)
/// from the submission as the change left it and the change's time (Unix ms).
/// The layer above knows the webhook's shape; storage only puts the letter into
/// the outbox, in the transaction that made the change.
pub type Letter = fn(SubmissionRow, i64) -> serde_json::Result<String>;

/// Which of a campaign's submissions to list, newest first.
#[derive(Debug, Clone, Default)]
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

const SUBMISSION_COLUMNS: &str = "id, campaign, provider, status, provider_ref, outcome, qr, merchant, user_id, offers, attempts, malformed, last_error, created_at, updated_at, duplicate_of, request_id, qr_key, photo_match_of, decided_by, decision";

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
        decided_by: r.try_get("decided_by")?,
        decision: r.try_get("decision")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        request_id: r.try_get("request_id")?,
    })
}
