//! The writers of one SQLite database take turns in the order they come.
//!
//! SQLite lets one writer in at a time and makes the others poll for the lock (`busy_timeout`):
//! whoever polls just after it is freed wins, the newest writer as likely as the one that has
//! waited longest. Under a steady load one writer can wait out its whole timeout, and the WAL
//! keeper's checkpoint (`crate::wal`), which needs the lock once with no writer in between, may
//! not get it look after look while the WAL grows until the disk is full (measured:
//! `connection::tests::the_wal_stays_small_while_writers_keep_coming`).
//!
//! So the server's writers to one SQLite file first queue in a fair lock — handed to the
//! longest waiter — and only then ask SQLite for its write lock, which is then free or about to
//! be; the keeper queues in the same line. Another process on the same file (a second
//! instance, the `sqlite3` shell) is not in the line and still meets SQLite's polling.
//!
//! The line reaches [`crate::write`] through the thread, like the marks of `crate::storage`:
//! the pool hands a connection out on the thread that works with it ([`crate::Database::conn`]
//! tells this module which line that connection belongs to).

use std::cell::RefCell;
use std::sync::Arc;

use parking_lot::FairMutex;

/// The queue of one SQLite database's writers.
pub(crate) type Line = Arc<FairMutex<()>>;

thread_local! {
    static CURRENT: RefCell<Option<Line>> = const { RefCell::new(None) };
}

/// The connection being handed out on this thread writes in `line` (None: it needs no turns —
/// PostgreSQL, or a pool for reads).
pub(crate) fn enter(line: Option<&Line>) {
    CURRENT.with(|c| *c.borrow_mut() = line.cloned());
}

/// The line of the connection this thread works with, if it has one.
pub(crate) fn current() -> Option<Line> {
    CURRENT.with(|c| c.borrow().clone())
}
