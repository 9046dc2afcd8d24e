//! Deadlines on cases: created when their clock starts, met by the event that satisfies them,
//! re-timed when the risk level changes; reminded and escalated once each by the worker. Each
//! carries its case's region, district and assignee.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::deadline::DeadlineStatus;
use qorgau_domain::ids::{CaseId, DeadlineId, ReferralId, UserId};
use qorgau_domain::protocol::DeadlineKind;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::deadlines;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = deadlines)]
pub struct DeadlineRow {
    pub id: DeadlineId,
    pub case_id: CaseId,
    pub kind: DeadlineKind,
    /// The referral a `referral_response` deadline waits on (a case has one per referral).
    pub ref_id: Option<ReferralId>,
    pub starts_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub status: DeadlineStatus,
    pub met_at: Option<NaiveDateTime>,
    pub reminded_at: Option<NaiveDateTime>,
    pub escalated_at: Option<NaiveDateTime>,
    /// The case's area and assignee, copied so that an area's deadlines are counted without
    /// joining its cases; changed with the case (`cases::assign`, `transfers::relocate`).
    pub region_code: String,
    pub district_code: String,
    pub assignee_id: Option<UserId>,
}

pub fn insert(conn: &mut DbConnection, row: &DeadlineRow) -> Result<(), DbError> {
    diesel::insert_into(deadlines::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn for_case(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<DeadlineRow>, DbError> {
    Ok(deadlines::table
        .filter(deadlines::case_id.eq(case_id))
        .order(deadlines::id)
        .select(DeadlineRow::as_select())
        .load(conn)?)
}

pub fn pending(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<DeadlineRow>, DbError> {
    Ok(deadlines::table
        .filter(deadlines::case_id.eq(case_id))
        .filter(deadlines::status.eq(DeadlineStatus::Pending))
        .select(DeadlineRow::as_select())
        .load(conn)?)
}

/// Marks the pending deadline of `kind` (for `ref_id`, if given) met; returns it if there was one.
pub fn meet(
    conn: &mut DbConnection,
    case_id: CaseId,
    kind: DeadlineKind,
    ref_id: Option<ReferralId>,
    at: NaiveDateTime,
) -> Result<Option<DeadlineRow>, DbError> {
    let mut query = deadlines::table
        .filter(deadlines::case_id.eq(case_id))
        .filter(deadlines::kind.eq(kind))
        .filter(deadlines::status.eq(DeadlineStatus::Pending))
        .select(DeadlineRow::as_select())
        .into_boxed();
    if let Some(r) = ref_id {
        query = query.filter(deadlines::ref_id.eq(r));
    }
    let Some(found) = query.first(conn).optional()? else {
        return Ok(None);
    };
    let changed = diesel::update(
        deadlines::table
            .find(&found.id)
            .filter(deadlines::status.eq(DeadlineStatus::Pending)),
    )
    .set((
        deadlines::status.eq(DeadlineStatus::Met),
        deadlines::met_at.eq(at),
    ))
    .execute(conn)?;
    Ok((changed == 1).then_some(found))
}

/// Cancels pending deadlines of the case (all kinds, or only `kind`).
pub fn cancel(
    conn: &mut DbConnection,
    case_id: CaseId,
    kind: Option<DeadlineKind>,
    ref_id: Option<ReferralId>,
) -> Result<(), DbError> {
    let mut query = diesel::update(deadlines::table)
        .filter(deadlines::case_id.eq(case_id))
        .filter(deadlines::status.eq(DeadlineStatus::Pending))
        .into_boxed();
    if let Some(k) = kind {
        query = query.filter(deadlines::kind.eq(k));
    }
    if let Some(r) = ref_id {
        query = query.filter(deadlines::ref_id.eq(r));
    }
    query
        .set(deadlines::status.eq(DeadlineStatus::Cancelled))
        .execute(conn)?;
    Ok(())
}

pub fn set_due(
    conn: &mut DbConnection,
    id: DeadlineId,
    due_at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(deadlines::table.find(id))
        .set(deadlines::due_at.eq(due_at))
        .execute(conn)?;
    Ok(())
}

/// Pending deadlines due in `due` (`from..until`) that still await their reminder (or
/// escalation): the worker's candidates, index-backed by (status, due_at). Reminders read only
/// deadlines not yet lapsed, so that lapsed ones never reminded cannot fill the batch.
pub fn awaiting(
    conn: &mut DbConnection,
    from: Option<NaiveDateTime>,
    until: NaiveDateTime,
    escalation: bool,
    limit: i64,
) -> Result<Vec<DeadlineRow>, DbError> {
    let mut query = deadlines::table
        .filter(deadlines::status.eq(DeadlineStatus::Pending))
        .filter(deadlines::due_at.lt(until))
        .order(deadlines::due_at)
        .limit(limit)
        .select(DeadlineRow::as_select())
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(deadlines::due_at.gt(from));
    }
    Ok(if escalation {
        query.filter(deadlines::escalated_at.is_null()).load(conn)?
    } else {
        query.filter(deadlines::reminded_at.is_null()).load(conn)?
    })
}

/// Claims the deadline's reminder (or escalation) for this worker: of several workers racing,
/// exactly one sees `true` — the conditional update is the lock.
pub fn claim(
    conn: &mut DbConnection,
    id: DeadlineId,
    escalation: bool,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let target = deadlines::table
        .find(id)
        .filter(deadlines::status.eq(DeadlineStatus::Pending));
    let changed = if escalation {
        diesel::update(target.filter(deadlines::escalated_at.is_null()))
            .set(deadlines::escalated_at.eq(at))
            .execute(conn)?
    } else {
        diesel::update(target.filter(deadlines::reminded_at.is_null()))
            .set(deadlines::reminded_at.eq(at))
            .execute(conn)?
    };
    Ok(changed == 1)
}
