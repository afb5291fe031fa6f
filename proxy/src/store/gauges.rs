//! What the metrics report of the stored state.

use sqlx::Row;

use super::Db;
use crate::lifecycle::IN_HAND;

impl Db {
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

    /// When the next piece of background work falls due (Unix ms): a
    /// submission in hand's next attempt, or a notification's to the brand.
    /// `None` when nothing waits. A test that steps the worker moves its
    /// clock to it.
    pub async fn next_due(&self) -> Result<Option<i64>, sqlx::Error> {
        let in_hand = crate::lifecycle::in_sql(IN_HAND);
        let submission: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT MIN(next_attempt_at) FROM submissions WHERE {in_hand}"
        )))
        .fetch_one(&self.pool)
        .await?;
        let letter: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM notifications
             WHERE delivered_at IS NULL AND abandoned_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(submission.into_iter().chain(letter).min())
    }

    /// How many submissions exist (used by tests and ops).
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
