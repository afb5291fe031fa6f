//! How long personal data is kept. Photos are dropped as soon as the provider
//! has them; the photos of submissions that ended `failed` (kept so an operator
//! can look) are dropped after `retention.failed_photos_days`, and final
//! submissions, with what is left of them, after `retention.submissions_days`.
//! Both come from the configuration and can be changed by an operator at run
//! time (`PUT /v1/operator/retention`, stored in the database so every instance
//! follows it).
//!
//! [`run`] sweeps now and then in the background; [`sweep`] is one sweep, which
//! tests call after moving the clock.

use std::time::Duration;

use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;
use crate::store::Swept;

/// The key the retention an operator set is stored under.
const SETTING: &str = "retention";

/// How often the background sweep runs.
const EVERY: Duration = Duration::from_secs(600);
const DAY: Duration = Duration::from_secs(24 * 3600);

pub use crate::config::Retention;

/// A change of the retention: only the fields it names change (`PUT` and
/// `PATCH /v1/operator/retention`); a field left out keeps its value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionChange {
    pub failed_photos_days: Option<u32>,
    pub submissions_days: Option<u32>,
}

impl RetentionChange {
    /// Whether it names nothing to change.
    pub fn is_empty(self) -> bool {
        self == Self::default()
    }

    /// `current` with this change made.
    pub fn apply(self, current: Retention) -> Retention {
        Retention {
            failed_photos_days: self
                .failed_photos_days
                .unwrap_or(current.failed_photos_days),
            submissions_days: self.submissions_days.unwrap_or(current.submissions_days),
        }
    }
}

/// The retention in force: an operator's, else the configuration's.
pub async fn in_force(state: &AppState) -> Result<Retention, sqlx::Error> {
    Ok(state
        .db
        .setting(SETTING)
        .await?
        .unwrap_or(state.config.retention))
}

/// Sets the retention every instance follows from now on (an operator's).
pub async fn set(state: &AppState, retention: Retention) -> Result<(), sqlx::Error> {
    state.db.set_setting(SETTING, &retention).await
}

/// Drops what has been kept long enough, as of the clock's now.
pub async fn sweep(state: &AppState) -> Result<Swept, sqlx::Error> {
    let retention = in_force(state).await?;
    let clock = state.db.clock();
    let before = |days: u32| {
        clock
            .now_ms()
            .saturating_sub(crate::clock::millis(DAY * days))
    };
    let swept = state
        .db
        .sweep(
            before(retention.failed_photos_days),
            before(retention.submissions_days),
        )
        .await?;
    if swept != Swept::default() {
        tracing::info!(
            photos = swept.photos,
            submissions = swept.submissions,
            "retention: dropped what was kept long enough"
        );
    }
    Ok(swept)
}

/// Sweeps every ten minutes until `shutdown`.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    loop {
        if let Err(error) = sweep(&state).await {
            tracing::error!(%error, "storage error while applying retention");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = state.db.clock().sleep(EVERY) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_naming_one_field_keeps_the_other() {
        let current = Retention {
            failed_photos_days: 1,
            submissions_days: 30,
        };
        let change: RetentionChange = serde_json::from_str(r#"{"submissions_days": 60}"#).unwrap();
        assert_eq!(
            change.apply(current),
            Retention {
                failed_photos_days: 1,
                submissions_days: 60
            }
        );
        let empty: RetentionChange = serde_json::from_str("{}").unwrap();
        assert!(empty.is_empty());
        assert!(serde_json::from_str::<RetentionChange>(r#"{"days": 1}"#).is_err());
    }
}
