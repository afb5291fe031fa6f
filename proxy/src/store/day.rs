//! What a campaign's day looks like, for the console: submissions by status
//! and hour, failed provider calls by hour and kind (counted as they
//! happen), the duplicates caught, and the oldest submission waiting for a
//! person. Hours are Unix ms / 3,600,000.

use sqlx::Row;

use super::{Db, SUBMISSION_COLUMNS, SubmissionRow, to_row};

/// A millisecond time's hour.
pub const HOUR_MS: i64 = 3_600_000;

impl Db {
    /// Counts one failed call to `campaign`'s provider, of `kind`, in this
    /// hour.
    pub async fn count_trouble(&self, campaign: &str, kind: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO provider_trouble (campaign, hour, kind, count) VALUES ($1, $2, $3, 1)
             ON CONFLICT (campaign, hour, kind) DO UPDATE SET count = provider_trouble.count + 1",
        )
        .bind(campaign)
        .bind(self.clock.now_ms() / HOUR_MS)
        .bind(kind)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `(hour, kind, count)` of `campaign`'s failed provider calls since
    /// `since_hour`.
    pub async fn trouble(
        &self,
        campaign: &str,
        since_hour: i64,
    ) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT hour, kind, count FROM provider_trouble WHERE campaign = $1 AND hour >= $2",
        )
        .bind(campaign)
        .bind(since_hour)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("hour")?, r.try_get("kind")?, r.try_get("count")?)))
            .collect()
    }

    /// `(hour, status, count)` of `campaign`'s submissions received since
    /// `since_hour`.
    pub async fn by_hour(
        &self,
        campaign: &str,
        since_hour: i64,
    ) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT created_at / 3600000 AS hour, status, COUNT(*) AS n FROM submissions
             WHERE campaign = $1 AND created_at >= $2
             GROUP BY created_at / 3600000, status",
        )
        .bind(campaign)
        .bind(since_hour * HOUR_MS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("hour")?, r.try_get("status")?, r.try_get("n")?)))
            .collect()
    }

    /// `campaign`'s submissions caught as duplicates since `since` (Unix ms),
    /// newest first, at most `limit`.
    pub async fn duplicates_since(
        &self,
        campaign: &str,
        since: i64,
        limit: u32,
    ) -> Result<Vec<SubmissionRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions
             WHERE campaign = $1 AND created_at >= $2 AND duplicate_of IS NOT NULL
             ORDER BY created_at DESC, id DESC LIMIT {limit}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(campaign)
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(to_row).collect()
    }

    /// When `campaign`'s oldest submission waiting for a person came (Unix
    /// ms).
    pub async fn oldest_held(&self, campaign: &str) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT MIN(created_at) FROM submissions WHERE campaign = $1 AND status = $2",
        )
        .bind(campaign)
        .bind(api::SubmissionStatus::NeedsReview.as_str())
        .fetch_one(&self.pool)
        .await
    }
}
