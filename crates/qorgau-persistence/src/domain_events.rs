//! The feed of domain events (issue 23, docs/integration.md § Ordering).
//!
//! An event is inserted unnumbered (`seq` NULL) in the transaction of the change it reports.
//! [`crate::write`] numbers the transaction's events just before it commits
//! ([`sequence_pending`]): it bumps the one-row counter `event_sequence`, whose row lock is then
//! held until the commit. A second transaction with events waits there for the first to
//! commit, so numbers are given in commit order — on PostgreSQL, where concurrent transactions
//! can commit out of the order they inserted in, as on SQLite, whose writers take turns. A
//! reader who saw `seq` n never later sees a smaller number appear: the feed's cursor is safe.
//! The lock is taken last, when the transaction has nothing left to do but commit, so it adds
//! no lock-order cycle (no deadlock) and is held for one round trip.

use std::cell::Cell;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::event::EventType;
use qorgau_domain::ids::{CaseId, ChildId, EventId, SignalId, UserId};

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::{cases, domain_events, event_sequence, webhooks};

thread_local! {
    /// Whether the transaction under way on this thread inserted events (a use case's
    /// transaction runs on one thread of the blocking pool, start to end).
    static UNSEQUENCED: Cell<bool> = const { Cell::new(false) };
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = domain_events)]
pub struct EventRow {
    pub id: EventId,
    /// The position in commit order: the feed's cursor. Set at commit.
    pub seq: Option<i64>,
    pub event_type: EventType,
    pub at: NaiveDateTime,
    pub region_code: String,
    pub district_code: Option<String>,
    pub signal_id: Option<SignalId>,
    pub case_id: Option<CaseId>,
    /// Never shown; what reading the feed is audited against.
    pub child_id: Option<ChildId>,
    pub ref_id: Option<String>,
    pub filed_by: Option<UserId>,
    pub external_ref: Option<String>,
    /// A JSON object of codes and ids.
    pub payload: String,
}

/// Writes one event, unnumbered until its transaction commits.
pub fn insert(conn: &mut DbConnection, row: &EventRow) -> Result<(), DbError> {
    diesel::insert_into(domain_events::table)
        .values(row)
        .execute(conn)?;
    UNSEQUENCED.set(true);
    Ok(())
}

/// Forgets what an earlier transaction on this thread left (one rolled back).
pub(crate) fn begin() {
    UNSEQUENCED.set(false);
}

/// Numbers the events this transaction inserted, in the order they were inserted (ids are
/// time-ordered), from the counter — whose lock is then held until the commit that follows.
pub(crate) fn sequence_pending(conn: &mut DbConnection) -> Result<(), DbError> {
    if !UNSEQUENCED.replace(false) {
        return Ok(());
    }
    let pending: Vec<EventId> = domain_events::table
        .filter(domain_events::seq.is_null())
        .order(domain_events::id)
        .select(domain_events::id)
        .load(conn)?;
    if pending.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(pending.len()).unwrap_or(i64::MAX);
    diesel::update(event_sequence::table.find(1))
        .set(event_sequence::last.eq(event_sequence::last + n))
        .execute(conn)?;
    let last: i64 = event_sequence::table
        .find(1)
        .select(event_sequence::last)
        .first(conn)?;
    for (seq, id) in (last - n + 1..).zip(&pending) {
        diesel::update(domain_events::table.find(id))
            .set(domain_events::seq.eq(seq))
            .execute(conn)?;
    }
    Ok(())
}

/// Whose events a reader sees.
#[derive(Clone, Debug)]
pub enum View {
    /// Every event of a region (a supervisor).
    Region(String),
    /// Every event of a district (intake).
    District(String),
    /// The events of the cases assigned to the user (a case manager).
    AssignedTo(UserId),
    /// The status events of the signals the user filed (an integration account).
    FiledBy(UserId),
}

/// The numbered events after `after` that `view` may see, of `types` (all when empty), in
/// commit order, at most `limit`.
pub fn feed(
    conn: &mut DbConnection,
    view: &View,
    after: i64,
    types: &[EventType],
    limit: i64,
) -> Result<Vec<EventRow>, DbError> {
    let mut query = domain_events::table
        .filter(domain_events::seq.gt(after))
        .order(domain_events::seq)
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if !types.is_empty() {
        query = query.filter(domain_events::event_type.eq_any(types.to_vec()));
    }
    query = match view {
        View::Region(r) => query.filter(domain_events::region_code.eq(r.clone())),
        View::District(d) => query.filter(domain_events::district_code.eq(d.clone())),
        View::AssignedTo(user) => query.filter(
            domain_events::case_id.eq_any(
                cases::table
                    .filter(cases::assignee_id.eq(*user))
                    .select(cases::id.nullable()),
            ),
        ),
        View::FiledBy(user) => {
            let statuses: Vec<EventType> = EventType::ALL
                .into_iter()
                .filter(|t| t.is_signal_status())
                .collect();
            query
                .filter(domain_events::filed_by.eq(*user))
                .filter(domain_events::event_type.eq_any(statuses))
        }
    };
    Ok(query.load(conn)?)
}

/// The last number given (0 before the first event): where a new subscription starts.
pub fn last_seq(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(event_sequence::table
        .find(1)
        .select(event_sequence::last)
        .first(conn)?)
}

/// Deletes the events that happened before `before` (retention) — but none a webhook
/// subscription has not fanned out yet (numbered after the lowest cursor, paused ones
/// included); returns how many.
pub fn delete_before(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, DbError> {
    let waited_for: Option<i64> = webhooks::table
        .select(diesel::dsl::min(webhooks::cursor_seq))
        .first(conn)?;
    let old = domain_events::table.filter(domain_events::at.lt(before));
    Ok(match waited_for {
        Some(cursor) => diesel::delete(old.filter(domain_events::seq.le(cursor))).execute(conn)?,
        None => diesel::delete(old).execute(conn)?,
    })
}
