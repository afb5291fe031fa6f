//! The proxy's time, injected: the system clock in production, a clock the test
//! moves by hand ([`Clock::manual`]). Every time the proxy stores or compares
//! (when a submission is due, when a lease ends, until when an account is
//! paused) comes from here, so a test of timing runs without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Milliseconds since the Unix epoch, from the system or from a test.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    /// Stands still until [`Clock::advance`] moves it.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A clock that starts at the system's time and then moves only when told.
    pub fn manual() -> Self {
        Self::Manual(Arc::new(AtomicI64::new(system_ms())))
    }

    /// Now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match self {
            Self::System => system_ms(),
            Self::Manual(now) => now.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward (the system clock moves by itself).
    pub fn advance(&self, by: Duration) {
        if let Self::Manual(now) = self {
            now.fetch_add(millis(by), Ordering::SeqCst);
        }
    }

    /// `by` from now, in milliseconds since the Unix epoch.
    pub fn after(&self, by: Duration) -> i64 {
        self.now_ms().saturating_add(millis(by))
    }
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
}
