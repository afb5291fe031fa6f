//! The audit log: one row per operator action, in the order written. What an
//! action is and who may read the log are the caller's; a shopper's erasure
//! ([`Db::erase_user`]) removes what the log says about them, in the same
//! transaction, and keeps the rest of each entry.

use sqlx::Row;

use super::Db;

/// One operator action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix ms.
    pub at: i64,
    /// Who: an operator's email, or the operator API's key.
    pub actor: String,
    /// What, as a short code (`decide`, `erase`, ...).
    pub action: String,
    /// What it was done to: a submission, an account, a campaign.
    pub subject: Option<String>,
    /// The shopper it concerns, where it concerns one.
    pub shopper: Option<String>,
    pub detail: Option<String>,
    /// From where: the client's address.
    pub address: Option<String>,
}

/// An entry as read back, with its place in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audited {
    pub seq: i64,
    pub entry: AuditEntry,
}

impl Db {
    /// Writes `entry`, stamped now (its `at` is ignored).
    pub async fn audit(&self, entry: &AuditEntry) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, subject, shopper, detail, address)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.clock.now_ms())
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.subject)
        .bind(&entry.shopper)
        .bind(&entry.detail)
        .bind(&entry.address)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// At most `limit` entries, newest first, from before `before` (a
    /// `seq`; the newest where `None`).
    pub async fn audit_log(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Audited>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, subject, shopper, detail, address FROM audit_log
             WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Audited {
                    seq: row.try_get("seq")?,
                    entry: AuditEntry {
                        at: row.try_get("at")?,
                        actor: row.try_get("actor")?,
                        action: row.try_get("action")?,
                        subject: row.try_get("subject")?,
                        shopper: row.try_get("shopper")?,
                        detail: row.try_get("detail")?,
                        address: row.try_get("address")?,
                    },
                })
            })
            .collect()
    }
}
