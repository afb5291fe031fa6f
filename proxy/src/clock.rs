//! The proxy's time, injected: the system clock in production, a clock the test
//! moves by hand ([`Clock::manual`]). Every time the proxy stores or compares
//! (when a submission is due, when a lease ends, until when an account is
//! paused) comes from here, and so does every wait for such a time (the
//! worker's idle tick and lease renewal, the notifier's and the retention
//! sweep's rounds): a test of timing moves the clock and what waited on it
//! wakes, without sleeping.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

/// Milliseconds since the Unix epoch, from the system or from a test.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    /// Stands still until [`Clock::advance`] moves it; whoever sleeps on it
    /// wakes once it is moved past their time.
    Manual(Arc<watch::Sender<i64>>),
}

impl Clock {
    /// A clock that starts at the system's time and then moves only when told.
    pub fn manual() -> Self {
        Self::Manual(Arc::new(watch::Sender::new(system_ms())))
    }

    /// Now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match self {
            Self::System => system_ms(),
            Self::Manual(now) => *now.borrow(),
        }
    }

    /// Moves a manual clock forward, waking the sleepers whose time has come
    /// (the system clock moves by itself).
    pub fn advance(&self, by: Duration) {
        if let Self::Manual(now) = self {
            now.send_modify(|now| *now = now.saturating_add(millis(by)));
        }
    }

    /// `by` from now, in milliseconds since the Unix epoch.
    pub fn after(&self, by: Duration) -> i64 {
        self.now_ms().saturating_add(millis(by))
    }

    /// Waits for `by` of this clock's time.
    pub async fn sleep(&self, by: Duration) {
        self.sleep_until(self.after(by)).await;
    }

    /// Waits until this clock reads `at` (Unix ms) or later.
    pub async fn sleep_until(&self, at: i64) {
        match self {
            Self::System => {
                let left = u64::try_from(at.saturating_sub(system_ms())).unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(left)).await;
            }
            Self::Manual(now) => {
                // The sender lives as long as `self`, which this borrows.
                let _ = now.subscribe().wait_for(|now| *now >= at).await;
            }
        }
    }
}

/// A duration written in a configuration as whole milliseconds
/// (`#[serde(with = "crate::clock::as_millis")]`).
pub(crate) mod as_millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// `base * 2^failures`, capped at `max`, with +-20% jitter so that many
/// things failing together (submissions, deliveries) do not retry in lockstep.
pub fn backoff(base: Duration, max: Duration, failures: u32) -> Duration {
    use rand::Rng;
    backoff_by(base, max, failures, rand::rng().random_range(0.8..=1.2))
}

/// [`backoff`] with its jitter given: `jitter` is the factor (0.8 to 1.2).
pub fn backoff_by(base: Duration, max: Duration, failures: u32, jitter: f64) -> Duration {
    let exp = base.saturating_mul(2u32.saturating_pow(failures.min(20)));
    exp.min(max).mul_f64(jitter)
}

fn system_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A duration in whole milliseconds, saturating.
pub fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = Clock::manual();
        let start = clock.now_ms();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now_ms(), start);
        clock.advance(Duration::from_secs(2));
        assert_eq!(clock.now_ms(), start + 2000);
        assert_eq!(clock.after(Duration::from_millis(500)), start + 2500);
        let system = Clock::System;
        assert!(system.now_ms() >= start);
    }

    #[tokio::test]
    async fn a_sleeper_on_a_manual_clock_wakes_when_the_clock_passes_its_time() {
        let clock = Clock::manual();
        let sleeper = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep(Duration::from_secs(10)).await }
        });
        // Real time passes; the test's clock does not: still asleep.
        tokio::time::sleep(Duration::from_millis(20)).await;
        clock.advance(Duration::from_secs(9));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!sleeper.is_finished(), "woke before its time");
        clock.advance(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("woken once the clock reached its time")
            .unwrap();
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for failures in 0..4 {
            let d = backoff(base, max, failures);
            let nominal = 100.0 * f64::from(2u32.pow(failures));
            let ms = d.as_secs_f64() * 1000.0;
            assert!(
                ms >= nominal * 0.8 - 1.0 && ms <= nominal * 1.2 + 1.0,
                "{failures}: {ms}"
            );
        }
        assert!(backoff(base, max, 30) <= max.mul_f64(1.2));
    }
}
