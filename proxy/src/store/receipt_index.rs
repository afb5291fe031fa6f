//! The receipts seen before: QR and receipt keys and photo fingerprints,
//! looked up to catch a receipt sent again (erased ones by keyed hash).

use api::SubmissionStatus;
use sqlx::Row;

use super::{Db, Dialect, ERASED, Key, keyed_hash};

/// How far a reader of a campaign's photo fingerprints has read
/// ([`Db::photo_hashes_after`]); the default is the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HashMark {
    kept: i64,
    erased: i64,
}

impl HashMark {
    /// The further of two places (marks only move forward).
    #[must_use]
    pub fn furthest(self, other: Self) -> Self {
        Self {
            kept: self.kept.max(other.kept),
            erased: self.erased.max(other.erased),
        }
    }
}

fn mark_of(mark: HashMark, at: usize) -> i64 {
    if at == 0 { mark.kept } else { mark.erased }
}

/// A stored photo fingerprint: whose it is, the fingerprint as its caller
/// wrote it, and when its submission came.
#[derive(Debug, Clone)]
pub struct StoredHash {
    pub owner: HashOwner,
    pub hash: String,
    pub created_at: i64,
}

/// Whose a stored photo fingerprint is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HashOwner {
    Submission(String),
    /// An erased receipt's (its tombstone's id).
    Erased(String),
}

/// Ids bound in one `IN (...)` list.
const IDS_PER_QUERY: usize = 200;

/// `$first, $first+1, ...`: `count` numbered parameters.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
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

    /// The photo fingerprints of `campaign` since `since` (Unix ms) written
    /// after `mark` (a place an earlier read returned; the default: from the
    /// start), with whose they are, and the place to read from next time.
    /// Nothing committed is ever skipped, whatever order transactions commit
    /// in; a fingerprint may come again in the next read (on PostgreSQL, one
    /// of a transaction running during this one).
    pub async fn photo_hashes_after(
        &self,
        campaign: &str,
        since: i64,
        mark: HashMark,
    ) -> Result<(Vec<StoredHash>, HashMark), sqlx::Error> {
        // SQLite numbers rows as they commit (one writer at a time). On
        // PostgreSQL a row carries its transaction's id, and every
        // transaction below the oldest one running now has finished: read
        // from there next time.
        let (after, next) = match self.dialect {
            Dialect::Sqlite => (">", None),
            Dialect::Postgres => {
                let xmin = sqlx::query_scalar::<_, i64>(
                    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
                )
                .fetch_one(&self.pool)
                .await?;
                (">=", Some(xmin))
            }
        };
        let mut found = Vec::new();
        let mut marks = [mark.kept, mark.erased];
        for (table, owner, at) in [
            ("photo_hashes", "submission_id", 0),
            ("erased_photo_hashes", "erased_id", 1),
        ] {
            let sql = format!(
                "SELECT seq, {owner}, hash, created_at FROM {table}
                 WHERE campaign = $1 AND created_at >= $2 AND seq {after} $3"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(campaign)
                .bind(since)
                .bind(marks[at])
                .fetch_all(&self.pool)
                .await?;
            for row in rows {
                let seq: i64 = row.try_get(0)?;
                marks[at] = marks[at].max(seq);
                let id: String = row.try_get(1)?;
                found.push(StoredHash {
                    owner: if at == 0 {
                        HashOwner::Submission(id)
                    } else {
                        HashOwner::Erased(id)
                    },
                    hash: row.try_get(2)?,
                    created_at: row.try_get(3)?,
                });
            }
            if let Some(xmin) = next {
                marks[at] = xmin.max(mark_of(mark, at));
            }
        }
        let [kept, erased] = marks;
        Ok((found, HashMark { kept, erased }))
    }

    /// Of `owners` (in the order given), the first that still counts as an
    /// earlier receipt: a submission that is neither a duplicate itself nor
    /// failed, else [`ERASED`] for an erased receipt. With `qr_key`, those
    /// with another fiscal QR are passed over: no photo likeness makes two
    /// fiscal codes one receipt.
    pub async fn first_original(
        &self,
        owners: &[HashOwner],
        qr_key: Option<&str>,
    ) -> Result<Option<String>, sqlx::Error> {
        let submissions: Vec<&str> = owners
            .iter()
            .filter_map(|o| match o {
                HashOwner::Submission(id) => Some(id.as_str()),
                HashOwner::Erased(_) => None,
            })
            .collect();
        for chunk in submissions.chunks(IDS_PER_QUERY) {
            let same_qr = if qr_key.is_some() {
                format!("AND (qr_key IS NULL OR qr_key = ${})", chunk.len() + 2)
            } else {
                String::new()
            };
            let sql = format!(
                "SELECT id FROM submissions
                 WHERE id IN ({}) AND duplicate_of IS NULL AND status <> $1 {same_qr}",
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
                .bind(SubmissionStatus::Failed.as_str());
            for id in chunk {
                query = query.bind(*id);
            }
            if let Some(qr) = qr_key {
                query = query.bind(qr);
            }
            let originals = query.fetch_all(&self.pool).await?;
            if let Some(first) = chunk.iter().find(|id| originals.iter().any(|o| o == *id)) {
                return Ok(Some((*first).to_owned()));
            }
        }
        let erased: Vec<&str> = owners
            .iter()
            .filter_map(|o| match o {
                HashOwner::Erased(id) => Some(id.as_str()),
                HashOwner::Submission(_) => None,
            })
            .collect();
        let hashed_qr = match qr_key {
            Some(qr) => Some(keyed_hash(&self.receipt_hash_key().await?, qr)),
            None => None,
        };
        for chunk in erased.chunks(IDS_PER_QUERY) {
            let same_qr = if hashed_qr.is_some() {
                format!("AND (qr_key IS NULL OR qr_key = ${})", chunk.len() + 1)
            } else {
                String::new()
            };
            let sql = format!(
                "SELECT id FROM erased_receipts WHERE id IN ({}) {same_qr} LIMIT 1",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(*id);
            }
            if let Some(qr) = &hashed_qr {
                query = query.bind(qr.clone());
            }
            if query.fetch_optional(&self.pool).await?.is_some() {
                return Ok(Some(ERASED.to_owned()));
            }
        }
        Ok(None)
    }

    /// The key receipts' keys are hashed with once erased: made at random the
    /// first time, kept in `settings` so every instance hashes alike.
    pub(super) async fn receipt_hash_key(&self) -> Result<Vec<u8>, sqlx::Error> {
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
}
