//! "Now", in one place. Production reads the system clock; tests hold a [`TestClock`] and move
//! it forward instead of back-dating rows, so that deadlines, break-glass grants, token expiry
//! and KPIs are tested through the same code that runs in production.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// The time source of the API, the worker and the CLI.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that runs with the system clock, shifted by an offset that only moves forward when
/// a test says so. It keeps running (rather than standing still) so that ids and timestamps
/// taken one after another stay ordered, as they are in production.
#[derive(Debug, Default)]
pub struct TestClock {
    offset: Mutex<Duration>,
}

impl TestClock {
    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset += by;
    }

    /// Moves the clock to `at` (forward or back).
    pub fn set(&self, at: DateTime<Utc>) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = at - Utc::now();
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        Utc::now() + offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_clock_moves_only_when_told() {
        let clock = TestClock::default();
        let before = clock.now();
        clock.advance(Duration::days(3));
        let after = clock.now();
        assert!(after - before >= Duration::days(3));
        assert!(after - before < Duration::days(3) + Duration::minutes(1));
        let at = DateTime::parse_from_rfc3339("2026-01-05T04:00:00Z")
            .expect("valid")
            .to_utc();
        clock.set(at);
        assert!((clock.now() - at).abs() < Duration::minutes(1));
    }
}
