//! Which submissions just changed status, for the requests waiting on them
//! (`GET /v1/submissions/{id}?wait=…`): the verdict reaches the shopper the
//! moment it is stored instead of at their next poll.
//!
//! Every status change the database layer commits is announced on a broadcast
//! channel in this process. On PostgreSQL it is also announced with `NOTIFY`
//! in the transaction that makes it (so it is sent only if that commits), and
//! each instance `LISTEN`s and passes what it hears to its own channel: a
//! shopper waiting on one instance hears of a verdict another stored. A
//! waiter that hears its id reads the submission again; hearing one twice
//! costs one extra read.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

/// The PostgreSQL channel status changes are announced on.
const CHANNEL: &str = "receipt_relay_status";

/// How many announcements a slow waiter may fall behind before it is told it
/// lagged (it then reads its submission again, losing nothing).
const BACKLOG: usize = 1024;

#[derive(Clone)]
pub struct Changes {
    sender: broadcast::Sender<Arc<str>>,
    /// The `LISTEN` task on PostgreSQL; stopped when the last clone drops.
    _listening: Option<Arc<Listening>>,
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Changes")
            .field("waiting", &self.sender.receiver_count())
            .field("listening", &self._listening.is_some())
            .finish()
    }
}

struct Listening(tokio::task::JoinHandle<()>);

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Changes {
    /// Announcements within this process only (SQLite: one instance).
    pub fn local() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            _listening: None,
        }
    }

    /// Announcements from every instance on the PostgreSQL database at `url`.
    pub async fn listening(url: &str) -> Result<Self, sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        let sender = broadcast::channel(BACKLOG).0;
        let heard = sender.clone();
        let task = tokio::spawn(async move {
            loop {
                // `recv` reconnects by itself after a lost connection; what
                // was announced meanwhile is caught by the waiters' own
                // re-reads (`Changes::RECHECK`).
                match listener.recv().await {
                    Ok(notification) => {
                        let _ = heard.send(notification.payload().into());
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for status changes");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Self {
            sender,
            _listening: Some(Arc::new(Listening(task))),
        })
    }

    /// How often a waiter reads its submission again even if it heard nothing:
    /// the bound on a missed announcement.
    pub const RECHECK: Duration = Duration::from_secs(5);

    /// Starts hearing announcements (before reading the status it waits on,
    /// so that no change falls between the two).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.sender.subscribe()
    }

    /// Announces to this process that submission `id` changed.
    pub fn announce(&self, id: &str) {
        // No one waiting is not an error.
        let _ = self.sender.send(id.into());
    }

    /// Announces `id` to every instance when the transaction `tx` commits
    /// (PostgreSQL `NOTIFY`, on the channel [`Changes::listening`] listens to).
    pub async fn notify_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(id)
            .execute(&mut **tx)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_subscriber_hears_every_id_announced_after_it_subscribed() {
        let changes = Changes::local();
        changes.announce("before");
        let mut heard = changes.subscribe();
        changes.announce("a");
        changes.clone().announce("b");
        assert_eq!(&*heard.recv().await.unwrap(), "a");
        assert_eq!(&*heard.recv().await.unwrap(), "b");
        assert!(heard.try_recv().is_err());
    }
}
