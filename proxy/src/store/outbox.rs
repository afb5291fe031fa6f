//! The brand's outbox: letters put in by the change they tell of, in its
//! transaction, then leased to a sender until delivered or abandoned.

use std::time::Duration;

use sqlx::Row;

use super::{Db, Dialect, Letter, Notify, Outgoing, SUBMISSION_COLUMNS, to_row};

impl Db {
    /// Commits a status change's transaction; where it `changed` submission
    /// `id` and the brand is told, its letter goes into the outbox first, in
    /// the same transaction. Answers `changed`.
    pub(super) async fn commit_telling(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        changed: bool,
        notify: Notify,
    ) -> Result<bool, sqlx::Error> {
        if !changed {
            tx.commit().await?;
            return Ok(false);
        }
        if let Notify::Brand(letter) = notify {
            self.tell_brand(&mut tx, id, letter).await?;
        }
        self.commit_announcing(tx, id).await?;
        Ok(true)
    }

    /// Puts the letter about the change just made to submission `id` into the
    /// outbox, in the transaction that made it.
    async fn tell_brand(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        letter: Letter,
    ) -> Result<(), sqlx::Error> {
        let sql = format!("SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        let row = to_row(&row)?;
        let now = self.clock.now_ms();
        let campaign = row.campaign.clone();
        let payload = letter(row, now).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        self.enqueue(tx, id, &campaign, payload, now).await
    }

    /// Puts one notification into the outbox, in `tx`.
    pub(super) async fn enqueue(
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
}
