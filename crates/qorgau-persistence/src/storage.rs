//! What the connections of a pool have found out about their database while serving work:
//! that its storage is full (a write refused for lack of space), and that a connection no
//! longer leads to a server that takes writes (a read-only refusal after a failover).
//!
//! Errors are classified in `From<diesel::result::Error> for DbError`, where no connection is
//! at hand; they leave a mark on the thread instead. The pool takes a connection out
//! ([`crate::Database::conn`]: marks cleared), the work runs on that thread, and the pool takes
//! the connection back on the same thread (`Manager::has_broken`, called from the pooled
//! connection's `drop`): there the marks are read, the pool's [`StorageWatch`] updated, and a
//! connection marked for discarding is dropped rather than handed out again.

use std::cell::Cell;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Default)]
struct Marks {
    /// A write was refused because the database's storage is full.
    refused_for_space: bool,
    /// A write transaction committed.
    wrote: bool,
    /// The connection is not worth keeping: its server refused a write as read-only.
    discard: bool,
}

thread_local! {
    static MARKS: Cell<Marks> = const { Cell::new(Marks { refused_for_space: false, wrote: false, discard: false }) };
}

fn mark(f: impl FnOnce(&mut Marks)) {
    MARKS.with(|m| {
        let mut marks = m.get();
        f(&mut marks);
        m.set(marks);
    });
}

pub(crate) fn refused_for_space() {
    mark(|m| m.refused_for_space = true);
}

pub(crate) fn wrote() {
    mark(|m| m.wrote = true);
}

pub(crate) fn discard_connection() {
    mark(|m| m.discard = true);
}

/// Clears the thread's marks: a connection is being handed out.
pub(crate) fn clear() {
    MARKS.with(|m| m.set(Marks::default()));
}

/// How long a refusal for lack of space is remembered without another one. Past it the pool
/// counts as writable again, so that an instance a load balancer took out of service on
/// `/health/ready` is sent writes again and finds out by itself whether space returned.
pub const REFUSAL_MEMORY: Duration = Duration::from_secs(10);

/// Whether the last writes of one pool found its storage full.
#[derive(Debug, Default)]
pub struct StorageWatch {
    refused_at: Mutex<Option<Instant>>,
}

impl StorageWatch {
    /// Takes the thread's marks (the connection goes back to the pool); true when the
    /// connection is not to be handed out again.
    pub(crate) fn take_marks(&self) -> bool {
        let marks = MARKS.with(|m| m.replace(Marks::default()));
        if marks.refused_for_space {
            self.set(Some(Instant::now()));
        } else if marks.wrote {
            self.set(None);
        }
        marks.discard
    }

    fn set(&self, at: Option<Instant>) {
        // A panic elsewhere while holding this lock cannot leave the value half-written.
        *self.refused_at.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    /// Since when writes are refused for lack of space: `Some` when the last write that ended
    /// refused for lack of space, less than [`REFUSAL_MEMORY`] ago, and none committed since.
    pub fn full_since(&self) -> Option<Duration> {
        let at = (*self.refused_at.lock().unwrap_or_else(|e| e.into_inner()))?;
        let ago = at.elapsed();
        (ago < REFUSAL_MEMORY).then_some(ago)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_remembered_until_a_write_commits() {
        let watch = StorageWatch::default();
        clear();
        assert!(!watch.take_marks());
        assert!(watch.full_since().is_none());

        refused_for_space();
        assert!(!watch.take_marks());
        assert!(watch.full_since().is_some());
        // Reads change nothing.
        watch.take_marks();
        assert!(watch.full_since().is_some());
        // A commit and a refusal in one piece of work: refused.
        wrote();
        refused_for_space();
        watch.take_marks();
        assert!(watch.full_since().is_some());

        wrote();
        watch.take_marks();
        assert!(watch.full_since().is_none());
    }

    #[test]
    fn a_refusal_is_forgotten_after_a_while() {
        let watch = StorageWatch::default();
        watch.set(Some(
            Instant::now() - REFUSAL_MEMORY - Duration::from_millis(1),
        ));
        assert!(watch.full_since().is_none());
    }

    #[test]
    fn a_discarded_connection_is_discarded_once() {
        let watch = StorageWatch::default();
        clear();
        discard_connection();
        assert!(watch.take_marks());
        assert!(!watch.take_marks());
    }
}
