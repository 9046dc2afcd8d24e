//! Keeps SQLite's write-ahead log from growing without bound.
//!
//! SQLite's automatic checkpoints copy the WAL into the database file but never wait for
//! readers, and the WAL is only begun anew by a writer that finds all of it copied and no
//! reader still using it. Under a steady load of reads overlapping writes that moment never
//! comes, and the WAL grows with every write (measured with 4 writers and 2 readers on the
//! API: 300 MB in 6 s) until the disk is full — and a WAL that fills the disk cannot be
//! checkpointed into a database file that has no room to grow.
//!
//! A thread per SQLite pool looks at the WAL's size a few times a second; past [`RESTART_ABOVE`] it
//! runs a `TRUNCATE` checkpoint on a connection of its own: it waits for its turn among the pool's
//! writers (`crate::turns`) and the write lock, copies the whole WAL into the database, holds up
//! writers until the readers of older snapshots are done (up to [`WAIT`]), then empties the file. A
//! reader still there after that (a long report) only puts the truncation off to the next look.

use std::path::{Path, PathBuf};
use std::sync::Weak;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::turns::Line;

/// The WAL's size past which it is checkpointed and emptied. A signal's write adds about 30
/// pages (120 KB) to it.
pub const RESTART_ABOVE: u64 = 16 << 20;

/// How often the keeper looks.
const EVERY: Duration = Duration::from_millis(250);

/// How long a checkpoint waits for the write lock, then for the readers (writers are held up
/// during the second wait only).
const WAIT: Duration = Duration::from_secs(2);

/// Starts the keeper of the SQLite database at `path`; it stops once `alive` is gone (the
/// pool dropped). It checkpoints in its turn among the pool's writers (`line`).
pub(crate) fn keep_small(path: &Path, alive: Weak<()>, line: Line) {
    let path = path.to_path_buf();
    // Should the thread not start, the server works without it; only a WAL under a heavy load
    // grows.
    let _ = std::thread::Builder::new()
        .name("sqlite-wal".into())
        .spawn(move || run(&path, &alive, &line));
}

fn run(path: &Path, alive: &Weak<()>, line: &Line) {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let mut conn: Option<SqliteConnection> = None;
    while alive.strong_count() > 0 {
        std::thread::sleep(EVERY);
        let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
        if size <= RESTART_ABOVE {
            continue;
        }
        if conn.is_none() {
            conn = open(path);
        }
        let _turn = line.lock();
        if let Some(c) = conn.as_mut()
            && c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)").is_err()
        {
            // Opened afresh at the next look.
            conn = None;
        }
    }
}

fn open(path: &Path) -> Option<SqliteConnection> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).ok()?;
    conn.batch_execute(&format!("PRAGMA busy_timeout = {}", WAIT.as_millis()))
        .ok()?;
    Some(conn)
}
