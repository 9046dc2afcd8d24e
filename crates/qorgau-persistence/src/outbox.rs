//! The transactional outbox: mail is written in the transaction of the event it reports and
//! delivered afterwards, with retries. A delivery is leased before sending, so two workers do
//! not send the same message.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::OutboxMessageId;

use crate::error::DbError;
use crate::schema::outbox;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: OutboxMessageId,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    /// Given up: refused for good by the relay, or too many attempts. No longer retried.
    pub failed_at: Option<NaiveDateTime>,
}

pub fn enqueue(conn: &mut DbConnection, row: &OutboxRow) -> Result<(), DbError> {
    diesel::insert_into(outbox::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Unsent messages whose next attempt is due.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, DbError> {
    Ok(outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_null())
        .filter(outbox::next_attempt_at.le(now))
        .order(outbox::next_attempt_at)
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Leases a message until `until`, if nobody else did since it was read.
pub fn lease(
    conn: &mut DbConnection,
    row: &OutboxRow,
    until: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        outbox::table
            .find(&row.id)
            .filter(outbox::sent_at.is_null())
            .filter(outbox::next_attempt_at.eq(row.next_attempt_at)),
    )
    .set(outbox::next_attempt_at.eq(until))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn mark_sent(
    conn: &mut DbConnection,
    id: OutboxMessageId,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id))
        .set(outbox::sent_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up when `failed_at` is set.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: OutboxMessageId,
    retry_at: NaiveDateTime,
    error: &str,
    failed_at: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(retry_at),
            outbox::last_error.eq(error),
            outbox::failed_at.eq(failed_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A page of the outbox, oldest first: only the messages given up when `failed_only`.
pub fn list(
    conn: &mut DbConnection,
    failed_only: bool,
    page: &Page,
) -> Result<Vec<OutboxRow>, DbError> {
    let mut query = outbox::table
        .order(outbox::id)
        .limit(page.limit)
        .select(OutboxRow::as_select())
        .into_boxed();
    if failed_only {
        query = query.filter(outbox::failed_at.is_not_null());
    }
    if let Some(after) = &page.after {
        query = query.filter(outbox::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

/// The outbox's state for `/metrics`: messages waiting to be sent (due or retrying later),
/// messages given up, and when the oldest waiting one was queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Depth {
    pub pending: i64,
    pub failed: i64,
    pub oldest_pending: Option<NaiveDateTime>,
}

pub fn depth(conn: &mut DbConnection) -> Result<Depth, DbError> {
    let waiting = outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_null());
    let (pending, oldest_pending) = waiting
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(outbox::created_at),
        ))
        .get_result::<(i64, Option<NaiveDateTime>)>(conn)?;
    let failed = outbox::table
        .filter(outbox::failed_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(Depth {
        pending,
        failed,
        oldest_pending,
    })
}

pub fn all(conn: &mut DbConnection) -> Result<Vec<OutboxRow>, DbError> {
    Ok(outbox::table
        .order(outbox::id)
        .select(OutboxRow::as_select())
        .load(conn)?)
}
