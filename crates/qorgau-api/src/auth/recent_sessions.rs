//! Logins recently found active in the database, so that a burst of requests on one login
//! checks its session row once per [`FRESH_FOR`] instead of once per request: the check was a
//! second trip to the blocking pool and a second pool checkout on every request
//! (docs/benchmarks.md).
//!
//! A login ended on this instance (logout, a reused refresh token) is forgotten at once. One
//! ended on another instance is refused here within `FRESH_FOR`; a session past its expiry is
//! never accepted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

/// How long a successful check stands for.
pub const FRESH_FOR: Duration = Duration::from_secs(2);

/// Beyond this many remembered logins the stale ones are dropped (and all, if none is stale):
/// memory stays bounded whatever the number of logins.
const MAX_REMEMBERED: usize = 10_000;

#[derive(Debug, Default)]
pub struct RecentSessions {
    /// Session id → (when it was found active, when it expires).
    seen: Mutex<HashMap<String, (Instant, NaiveDateTime)>>,
}

impl RecentSessions {
    /// Was the session found active less than `FRESH_FOR` ago, and has it not expired since?
    pub fn is_fresh(&self, session: &str, now: NaiveDateTime) -> bool {
        self.lock()
            .get(session)
            .is_some_and(|(checked, expires)| checked.elapsed() < FRESH_FOR && now < *expires)
    }

    pub fn remember(&self, session: String, expires_at: NaiveDateTime) {
        let mut seen = self.lock();
        if seen.len() >= MAX_REMEMBERED {
            seen.retain(|_, (checked, _)| checked.elapsed() < FRESH_FOR);
            if seen.len() >= MAX_REMEMBERED {
                seen.clear();
            }
        }
        seen.insert(session, (Instant::now(), expires_at));
    }

    /// A login was ended here: nothing remembered may vouch for it any more.
    pub fn forget_all(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, NaiveDateTime)>> {
        // A panic while holding the lock leaves a map that is still valid: keep using it.
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration as Span, Utc};

    #[test]
    fn a_checked_session_is_fresh_until_it_expires_or_is_forgotten() {
        let recent = RecentSessions::default();
        let now = Utc::now().naive_utc();
        assert!(!recent.is_fresh("s", now));
        recent.remember("s".into(), now + Span::minutes(30));
        assert!(recent.is_fresh("s", now));
        assert!(!recent.is_fresh("other", now));
        assert!(
            !recent.is_fresh("s", now + Span::minutes(30)),
            "never past its expiry"
        );
        recent.forget_all();
        assert!(!recent.is_fresh("s", now));
    }

    #[test]
    fn a_check_goes_stale() {
        let recent = RecentSessions::default();
        let now = Utc::now().naive_utc();
        recent.seen.lock().unwrap().insert(
            "s".into(),
            (Instant::now() - FRESH_FOR, now + Span::minutes(30)),
        );
        assert!(!recent.is_fresh("s", now));
    }

    #[test]
    fn memory_stays_bounded() {
        let recent = RecentSessions::default();
        let expires = Utc::now().naive_utc() + Span::minutes(30);
        for i in 0..MAX_REMEMBERED + 10 {
            recent.remember(i.to_string(), expires);
        }
        assert!(recent.seen.lock().unwrap().len() <= MAX_REMEMBERED);
    }
}
