//! The work queue: submissions leased to a worker, rescheduled, and moved
//! along the lifecycle to their verdict.

use std::time::Duration;

use api::SubmissionStatus;
use sqlx::Row;

use super::{Db, Decision, Dialect, Notify, SUBMISSION_COLUMNS, SubmissionRow, to_json, to_row};

/// What comes with a verdict ([`Db::decide`]).
#[derive(Debug, Clone, Copy)]
pub enum Settles<'a> {
    /// The verdict came in the answer to the upload, with the provider's
    /// reference: the reference is kept and the photos dropped with it
    /// (unless kept until `photos_until`), so no
    /// crash leaves a submission acknowledged but undecided (nothing to poll).
    WithUpload { reference: &'a str },
    /// It came later (a poll, a callback).
    Later,
    /// The worker gave up: `error`, what went wrong, stays for the operator.
    GivenUp { error: &'a str },
}
use crate::lifecycle::{IN_HAND, Move};

/// A submission can go to its provider again: it has its photos, or the
/// provider's reference to follow.
const STILL_SENDABLE: &str = "(provider_ref IS NOT NULL
     OR EXISTS (SELECT 1 FROM photos WHERE photos.submission_id = submissions.id))";

/// Drops the photos of a submission the provider has now, unless they are
/// kept for a person comparing a later duplicate with it (`photos_until`).
const DROP_SENT_PHOTOS: &str = "DELETE FROM photos WHERE submission_id IN
     (SELECT id FROM submissions WHERE id = $1 AND photos_until IS NULL)";

impl Db {
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

    /// The provider has not decided yet: come back after `next_in`, ending any
    /// run of failures. With `acknowledged` (its reference for a submission it
    /// has just taken), the reference is kept, the photos dropped (they are the
    /// provider's now; unless kept until `photos_until` for a person comparing
    /// duplicates) and the submission is `processing`, all in one
    /// transaction.
    pub async fn wait(
        &self,
        id: &str,
        acknowledged: Option<&str>,
        next_in: Duration,
    ) -> Result<(), sqlx::Error> {
        let Some(reference) = acknowledged else {
            return sqlx::query(
                "UPDATE submissions SET next_attempt_at = $1, lease_until = NULL,
                     attempts = 0, malformed = 0, last_error = NULL
                 WHERE id = $2",
            )
            .bind(self.clock.after(next_in))
            .bind(id)
            .execute(&self.pool)
            .await
            .map(drop);
        };
        let now = self.clock.now_ms();
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE submissions SET provider_ref = $1, status = $2, attempts = 0, malformed = 0,
                 last_error = NULL, next_attempt_at = $3, lease_until = NULL, updated_at = $4
             WHERE id = $5 AND {}",
            Move::Acknowledge.from_sql()
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(reference)
            .bind(SubmissionStatus::Processing.as_str())
            .bind(self.clock.after(next_in))
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(DROP_SENT_PHOTOS)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.commit_announcing(tx, id).await
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

    /// The final verdict, in one transaction with what `settles` adds to it
    /// and, with [`Notify::Brand`], the letter to the brand in the outbox. A
    /// final verdict is never replaced, so a late poll or a replayed callback
    /// changes nothing; the answer says whether this call decided. Photos still
    /// held are kept for an operator, unless the verdict came with the upload
    /// (the provider has them).
    pub async fn decide(
        &self,
        id: &str,
        decision: &Decision,
        settles: Settles<'_>,
        notify: Notify,
    ) -> Result<bool, sqlx::Error> {
        debug_assert!(Move::Decide.allows(decision.status));
        let (also, text) = match settles {
            Settles::WithUpload { reference } => (
                ", provider_ref = $7, attempts = 0, malformed = 0, last_error = NULL",
                Some(reference),
            ),
            Settles::Later => ("", None),
            Settles::GivenUp { error } => (", last_error = $7", Some(error)),
        };
        let sql = format!(
            "UPDATE submissions SET status = $1, outcome = $2, lease_until = NULL, updated_at = $3,
                 receipt_key = $4, duplicate_of = $5{also}
             WHERE id = $6 AND {}",
            Move::Decide.from_sql()
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(decision.status.as_str())
            .bind(to_json(&decision.outcome)?)
            .bind(self.clock.now_ms())
            .bind(&decision.receipt_key)
            .bind(&decision.duplicate_of)
            .bind(id);
        if let Some(text) = text {
            query = query.bind(text);
        }
        let mut tx = self.pool.begin().await?;
        let decided = query.execute(&mut *tx).await?.rows_affected() == 1;
        if matches!(settles, Settles::WithUpload { .. }) {
            sqlx::query(DROP_SENT_PHOTOS)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        self.commit_telling(tx, id, decided, notify).await
    }

    /// Moves a rejected submission to `needs_review` with its updated outcome,
    /// once: `false` when it is not (or no longer) rejected. With
    /// [`Notify::Brand`], the brand is told, as by [`Db::decide`].
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
        self.commit_telling(tx, id, moved, notify).await
    }

    /// A person's decision on a submission held for one: `to` (accepted or
    /// rejected) with `outcome`, who decided and what, once: `false` when it is
    /// not (or no longer) `needs_review`. With [`Notify::Brand`], the brand
    /// is told, as by [`Db::decide`].
    pub async fn settle(
        &self,
        id: &str,
        to: SubmissionStatus,
        outcome: &api::Outcome,
        (by, decision): (&str, &str),
        notify: Notify,
    ) -> Result<bool, sqlx::Error> {
        if !Move::Settle.allows(to) {
            return Ok(false);
        }
        let outcome = to_json(outcome)?;
        let sql = format!(
            "UPDATE submissions SET status = $1, outcome = $2, updated_at = $3, decided_by = $4,
                 decision = $5
             WHERE id = $6 AND {}",
            Move::Settle.from_sql()
        );
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(to.as_str())
            .bind(outcome)
            .bind(self.clock.now_ms())
            .bind(by)
            .bind(decision)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        self.commit_telling(tx, id, moved, notify).await
    }

    /// A submission held for a person on upload, found no duplicate by `by`
    /// (the decision named `decision`): back in the queue, due now, its held
    /// outcome gone, once: `false` when it is not (or no longer) `needs_review`.
    pub async fn send_on(
        &self,
        id: &str,
        (by, decision): (&str, &str),
    ) -> Result<bool, sqlx::Error> {
        self.requeue(id, Move::SendOn, "", (by, decision)).await
    }

    /// A failed submission sent again by `by`: back in the queue, due now,
    /// its failure forgotten, while what it needs is still here (its photos,
    /// or the provider's reference to follow): `false` when it is not
    /// `failed`, or its photos are gone (retention). Where the provider had
    /// it already, the worker follows it there instead of uploading again.
    pub async fn resend(&self, id: &str, by: &str) -> Result<bool, sqlx::Error> {
        let still_here = format!(" AND {STILL_SENDABLE}");
        self.requeue(id, Move::Resend, &still_here, (by, "resend"))
            .await
    }

    /// A person's move of submission `id` back to the queue (`mv`, from the
    /// statuses it allows, where `also` holds too): due now, its outcome and
    /// any run of failures gone, who moved it recorded. The brand hears of
    /// it with the provider's verdict.
    async fn requeue(
        &self,
        id: &str,
        mv: Move,
        also: &str,
        (by, decision): (&str, &str),
    ) -> Result<bool, sqlx::Error> {
        debug_assert!(mv.allows(SubmissionStatus::Queued));
        let sql = format!(
            "UPDATE submissions SET status = $1, outcome = NULL, next_attempt_at = $2,
                 updated_at = $2, decided_by = $3, decision = $4, attempts = 0,
                 malformed = 0, last_error = NULL, lease_until = NULL
             WHERE id = $5 AND {}{also}",
            mv.from_sql()
        );
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(SubmissionStatus::Queued.as_str())
            .bind(self.clock.now_ms())
            .bind(by)
            .bind(decision)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        self.commit_telling(tx, id, moved, Notify::Nobody).await
    }

    /// The failed submissions of `campaign` that can be sent again (their
    /// photos or provider reference still here), oldest first, each with
    /// whether the provider has it already (it is followed there, not
    /// uploaded again).
    pub async fn resendable(&self, campaign: &str) -> Result<Vec<(String, bool)>, sqlx::Error> {
        let sql = format!(
            "SELECT id, provider_ref FROM submissions WHERE campaign = $1 AND {} AND {STILL_SENDABLE}
             ORDER BY created_at, id",
            Move::Resend.from_sql()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(campaign)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let reference: Option<String> = row.try_get("provider_ref")?;
                Ok((row.try_get("id")?, reference.is_some()))
            })
            .collect()
    }

    /// Until when a worker holds a submission (Unix ms), if one does (used by
    /// tests and ops).
    pub async fn lease_until(&self, id: &str) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT lease_until FROM submissions WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
    }
}
