//! Qorgau's storage: one diesel schema over PostgreSQL (production) and SQLite (local default).
//!
//! Functions here take `&mut DbConnection` and run the statements of one unit of work; the
//! caller decides the transaction boundary with [`write`]. Nothing here decides policy.

/// A page of `$query` (a select of one table, not yet boxed) in ascending order of its unique
/// text column `$key` (an id, a code): the rows after the page's cursor (a `$key` value), at
/// most `limit`. Boxed, so that filters can still be added.
macro_rules! keyset {
    ($query:expr, $key:expr, $page:expr) => {{
        let page: &$crate::Page = $page;
        let mut query = $query.order($key).limit(page.limit).into_boxed();
        if let Some(after) = &page.after {
            query = query.filter($key.gt(after.clone()));
        }
        query
    }};
}

pub mod assessments;
pub mod audit;
pub mod cases;
pub mod children;
#[cfg(test)]
mod codes;
pub mod commission;
pub mod connection;
pub mod consents;
pub mod deadlines;
pub mod documents;
pub mod domain_events;
pub mod error;
pub mod families;
pub mod flags;
pub mod follow_ups;
pub mod geography;
pub mod idempotency;
#[cfg(test)]
mod ids;
pub mod interventions;
pub mod interviews;
pub mod login_failures;
pub mod migrate;
pub mod notes;
pub mod notifications;
pub mod organisations;
pub mod outbox;
pub mod placements;
pub mod plans;
pub mod referrals;
pub mod relations;
pub mod report_facts;
pub mod report_months;
pub mod reports;
pub mod retention;
pub mod routing;
pub mod schema;
pub mod sessions;
pub mod signals;
pub mod storage;
pub mod supervision;
pub mod tasks;
pub mod timeline;
pub mod trainings;
pub mod transfers;
mod turns;
pub mod users;
mod wal;
pub mod webhooks;

pub use connection::{Backend, Database, DbConnection, PoolSettings, ping, read_only, write};
pub use error::DbError;

/// Keyset pagination: rows after `after` (an id), at most `limit`. Callers ask for one row more
/// than they show to learn whether a next page exists.
#[derive(Clone, Debug, Default)]
pub struct Page {
    pub after: Option<String>,
    pub limit: i64,
}

impl Page {
    /// The rows of `rows` an answer shows: all but the look-ahead row (`limit` is one more than
    /// shown, to learn whether another page follows). What is audited as shown must be exactly
    /// this.
    pub fn shown<'r, R>(&self, rows: &'r [R]) -> &'r [R] {
        let shown = usize::try_from(self.limit - 1).unwrap_or(0);
        &rows[..rows.len().min(shown)]
    }
}
