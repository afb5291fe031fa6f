//! What is dropped: a shopper's submissions on request (their receipts kept
//! as keyed hashes), and what has been kept long enough.

use api::SubmissionStatus;
use sqlx::Row;

use super::{Db, Dialect, ERASED, keyed_hash};
use crate::lifecycle::IN_HAND;

impl Db {
    /// Deletes everything about one shopper: their submissions, with their
    /// photos, read data and the notifications about them, in one transaction.
    /// What stops their receipts from being claimed again stays, and nothing
    /// personal with it: each receipt's exact keys as keyed one-way hashes and
    /// its photos' fingerprints, under a new id linked to no one. Other
    /// submissions that named an erased one (`duplicate_of`, `photo_match_of`)
    /// now say [`ERASED`]; the audit log's entries about them keep what was
    /// done, by whom and when, not whom it concerned. Where `letter` writes one for a submission (from its
    /// campaign, id and the time, Unix ms), it goes into the outbox for the
    /// campaign's brand. On SQLite, the
    /// write-ahead log is then checkpointed, so no erased text stays in the
    /// files (`secure_delete` zeroes the freed pages). Answers the erased ids.
    pub async fn erase_user(
        &self,
        user: &str,
        letter: impl Fn(&str, &str, i64) -> Option<String>,
    ) -> Result<Vec<String>, sqlx::Error> {
        let hash_key = self.receipt_hash_key().await?;
        let now = self.clock.now_ms();
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT id, campaign, qr_key, receipt_key, document_key, created_at FROM submissions
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
            let document_key: Option<String> = row.try_get("document_key")?;
            let created_at: i64 = row.try_get("created_at")?;
            let hashes: Vec<String> =
                sqlx::query_scalar("SELECT hash FROM photo_hashes WHERE submission_id = $1")
                    .bind(&id)
                    .fetch_all(&mut *tx)
                    .await?;
            if qr_key.is_some()
                || receipt_key.is_some()
                || document_key.is_some()
                || !hashes.is_empty()
            {
                let mark = format!("erased_{}", uuid::Uuid::new_v4().simple());
                sqlx::query(
                    "INSERT INTO erased_receipts (id, campaign, qr_key, receipt_key, document_key, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&mark)
                .bind(&campaign)
                .bind(qr_key.map(|k| keyed_hash(&hash_key, &k)))
                .bind(receipt_key.map(|k| keyed_hash(&hash_key, &k)))
                .bind(document_key.map(|k| keyed_hash(&hash_key, &k)))
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
            if let Some(payload) = letter(&campaign, &id, now) {
                self.enqueue(&mut tx, &id, &campaign, payload, now).await?;
            }
            erased.push(id);
        }
        // The log keeps that its actions happened, not whom they concerned.
        sqlx::query(
            "UPDATE audit_log SET shopper = NULL, subject = NULL, detail = NULL WHERE shopper = $1",
        )
        .bind(user)
        .execute(&mut *tx)
        .await?;
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

    /// Drops the photos of submissions that failed before `failed_before`,
    /// those kept for comparing duplicates once past their `photos_until` and
    /// no longer needed by a held submission, and final submissions (with their photos and notifications) created before
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
        // Photos kept for a person comparing duplicates, past their time,
        // unless a submission held for review is, or matched, theirs.
        let kept = sqlx::query(
            "DELETE FROM photos WHERE submission_id IN
                 (SELECT s.id FROM submissions s
                  WHERE s.photos_until IS NOT NULL AND s.photos_until < $1 AND s.status <> $2
                    AND NOT EXISTS (SELECT 1 FROM submissions h
                                    WHERE h.status = $2
                                      AND (h.duplicate_of = s.id OR h.photo_match_of = s.id)))",
        )
        .bind(self.clock.now_ms())
        .bind(SubmissionStatus::NeedsReview.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let photos = photos + kept;
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
}

/// What one sweep dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub photos: u64,
    pub submissions: u64,
}
