//! Settings an operator changes at run time, kept where every instance reads
//! them: each a value stored as JSON under its key. What a setting means is
//! its caller's (the retention is one).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Db, from_json, to_json};

impl Db {
    /// The setting stored under `key`, if one was set.
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, sqlx::Error> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        value.map(|v| from_json("settings.value", &v)).transpose()
    }

    /// Sets `key` to `value` for every instance from now on.
    pub async fn set_setting(&self, key: &str, value: &impl Serialize) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(to_json(value)?)
        .execute(&self.pool)
        .await
        .map(drop)
    }
}
