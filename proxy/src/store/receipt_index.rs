//! The receipts seen before: QR and receipt keys and photo fingerprints,
//! looked up to catch a receipt sent again (erased ones by keyed hash).

use api::SubmissionStatus;
use sqlx::Row;

use super::{Db, ERASED, Key, keyed_hash};

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
