//! The console's people and their sessions: operator accounts (an email, a
//! role, a password hash), the one-time links that set a password, and the
//! sessions of those signed in, kept here so that every instance knows them.
//! Tokens (links, session cookies) are stored only as their SHA-256: the
//! table alone opens nothing. What a role may do, how a password is hashed
//! and how long a session lasts are the caller's.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;

/// An operator account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: String,
    pub email: String,
    /// As the console names it (`reviewer`, `admin`).
    pub role: String,
    /// The password's hash (a PHC string); `None` until one is set.
    pub password_hash: Option<String>,
    /// When the password last changed (Unix ms): sessions from before it
    /// are over.
    pub password_changed_at: i64,
}

/// A signed-in session, as found by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub operator: Operator,
    /// The token its forms carry.
    pub csrf: String,
    pub created_at: i64,
}

const OPERATOR_COLUMNS: &str = "o.id, o.email, o.role, o.password_hash, o.password_changed_at";

fn operator(row: &AnyRow) -> Result<Operator, sqlx::Error> {
    Ok(Operator {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        role: row.try_get("role")?,
        password_hash: row.try_get("password_hash")?,
        password_changed_at: row.try_get("password_changed_at")?,
    })
}

/// `token` as it is stored: its SHA-256, hex.
fn hashed(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Db {
    /// Adds an operator with no password yet; `None` where the email has
    /// an account already.
    pub async fn add_operator(
        &self,
        id: &str,
        email: &str,
        role: &str,
    ) -> Result<Option<Operator>, sqlx::Error> {
        let added = sqlx::query(
            "INSERT INTO operators (id, email, role, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(id)
        .bind(email)
        .bind(role)
        .bind(self.clock.now_ms())
        .execute(&self.pool)
        .await?;
        if added.rows_affected() == 0 {
            return Ok(None);
        }
        self.operator_by_email(email).await
    }

    /// The operator with this email.
    pub async fn operator_by_email(&self, email: &str) -> Result<Option<Operator>, sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OPERATOR_COLUMNS} FROM operators o WHERE o.email = $1"
        )))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(operator)
        .transpose()
    }

    /// Every operator, by email.
    pub async fn operators(&self) -> Result<Vec<Operator>, sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OPERATOR_COLUMNS} FROM operators o ORDER BY o.email"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(operator)
        .collect()
    }

    /// Keeps a one-time link `token` for `operator_id`, good until
    /// `expires_at`; the operator's earlier links are void.
    pub async fn put_link(
        &self,
        operator_id: &str,
        token: &str,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM operator_links WHERE operator_id = $1")
            .bind(operator_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO operator_links (token_hash, operator_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(hashed(token))
        .bind(operator_id)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// The operator a link `token` is for, where it is live (not used, not
    /// expired).
    pub async fn link(&self, token: &str) -> Result<Option<Operator>, sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OPERATOR_COLUMNS} FROM operator_links l JOIN operators o ON o.id = l.operator_id
             WHERE l.token_hash = $1 AND l.expires_at > $2"
        )))
        .bind(hashed(token))
        .bind(self.clock.now_ms())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(operator)
        .transpose()
    }

    /// Sets the password of the operator a live link `token` is for, once:
    /// the link is used up, and every session of theirs ends. Answers who,
    /// or `None` where the link is not live.
    pub async fn set_password_by_link(
        &self,
        token: &str,
        password_hash: &str,
    ) -> Result<Option<Operator>, sqlx::Error> {
        let now = self.clock.now_ms();
        let mut tx = self.pool.begin().await?;
        let used: Option<String> = sqlx::query_scalar(
            "DELETE FROM operator_links WHERE token_hash = $1 AND expires_at > $2
             RETURNING operator_id",
        )
        .bind(hashed(token))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = used else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE operators SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM operator_sessions WHERE operator_id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        let who = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OPERATOR_COLUMNS} FROM operators o WHERE o.id = $1"
        )))
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        operator(&who).map(Some)
    }

    /// Opens a session `token` for `operator_id`, its forms carrying `csrf`,
    /// until `expires_at`.
    pub async fn open_session(
        &self,
        token: &str,
        operator_id: &str,
        csrf: &str,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO operator_sessions (token_hash, operator_id, csrf, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hashed(token))
        .bind(operator_id)
        .bind(csrf)
        .bind(self.clock.now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map(drop)
    }

    /// The live session `token` is, with its operator: not expired, and
    /// opened after the operator's password last changed.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, sqlx::Error> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OPERATOR_COLUMNS}, s.csrf, s.created_at FROM operator_sessions s
             JOIN operators o ON o.id = s.operator_id
             WHERE s.token_hash = $1 AND s.expires_at > $2
               AND s.created_at >= o.password_changed_at"
        )))
        .bind(hashed(token))
        .bind(self.clock.now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Session {
                operator: operator(&row)?,
                csrf: row.try_get("csrf")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// Ends the session `token` (signing out), and every expired one.
    pub async fn end_session(&self, token: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM operator_sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(hashed(token))
            .bind(self.clock.now_ms())
            .execute(&self.pool)
            .await
            .map(drop)
    }
}
