//! A shopper's right to erasure, from the operator API or the console: their
//! submissions go in every campaign (`Db::erase_user`, each brand told), and
//! the audit log keeps that it happened, how many went, and by whom, not
//! whose they were.

use crate::audit::{self, Action, Origin, Record};
use crate::state::AppState;

/// Erases `user`'s submissions as `by` from `from`; answers their ids.
pub async fn shopper(
    state: &AppState,
    user: &str,
    by: &str,
    from: Origin,
) -> Result<Vec<String>, sqlx::Error> {
    let campaigns = state.campaigns.clone();
    let ids = state
        .db
        .erase_user(user, crate::notify::erased(&campaigns))
        .await?;
    tracing::info!(
        submissions = ids.len(),
        "a shopper's submissions were erased"
    );
    let record = Record::of(Action::Erase).detail(format!("{} submissions", ids.len()));
    audit::record(state, by, from, record).await;
    Ok(ids)
}
