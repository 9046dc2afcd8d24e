//! Cases: opening (by triage), numbering, lists, and the changes of the lifecycle.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use qorgau_domain::access::Scope;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::case_file::FlagKind;
use qorgau_domain::deadline::DeadlineStatus;
use qorgau_domain::ids::{CaseId, ChildId, UserId};
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::taxonomy::RiskLevel;

use crate::error::DbError;
use crate::schema::{case_concerns, case_flags, cases, deadlines};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: CaseId,
    pub number: String,
    pub child_id: ChildId,
    pub status: CaseStatus,
    pub risk_level: RiskLevel,
    pub region_code: String,
    pub district_code: String,
    pub assignee_id: Option<UserId>,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub closure_reason: Option<String>,
    pub version: i32,
}

#[derive(QueryableByName)]
struct Counter {
    #[diesel(sql_type = Integer)]
    last_value: i32,
}

/// The next sequence number of `region` in `year`. One atomic upsert, so concurrent openings
/// in a region never share a number.
pub fn next_number(conn: &mut DbConnection, region: &str, year: i32) -> Result<i32, DbError> {
    // The same statement on both backends, but each has its own placeholder syntax.
    const UPSERT: &str = "INSERT INTO case_number_counters (region_code, year, last_value) VALUES ({r}, {y}, 1)
        ON CONFLICT (region_code, year) DO UPDATE SET last_value = case_number_counters.last_value + 1
        RETURNING last_value";
    let counter: Counter = match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(UPSERT.replace("{r}", "$1").replace("{y}", "$2"))
                .bind::<Text, _>(region)
                .bind::<Integer, _>(year)
                .get_result(pg)?
        }
        DbConnection::Sqlite(sqlite) => {
            diesel::sql_query(UPSERT.replace("{r}", "?").replace("{y}", "?"))
                .bind::<Text, _>(region)
                .bind::<Integer, _>(year)
                .get_result(sqlite)?
        }
    };
    Ok(counter.last_value)
}

pub fn insert(conn: &mut DbConnection, row: &CaseRow, concerns: &[&str]) -> Result<(), DbError> {
    diesel::insert_into(cases::table)
        .values(row)
        .execute(conn)?;
    add_concerns(conn, row.id, concerns)
}

/// Adds concerns the case does not have yet.
pub fn add_concerns(
    conn: &mut DbConnection,
    case_id: CaseId,
    concerns: &[&str],
) -> Result<(), DbError> {
    let existing: Vec<String> = case_concerns::table
        .filter(case_concerns::case_id.eq(case_id))
        .select(case_concerns::concern)
        .load(conn)?;
    for concern in concerns
        .iter()
        .filter(|c| !existing.iter().any(|e| e == *c))
    {
        diesel::insert_into(case_concerns::table)
            .values((
                case_concerns::case_id.eq(case_id),
                case_concerns::concern.eq(*concern),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: CaseId) -> Result<Option<CaseRow>, DbError> {
    Ok(cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub status: Option<String>,
    pub risk_level: Option<String>,
    pub assignee_id: Option<UserId>,
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    /// Only cases with a pending deadline due before this instant.
    pub overdue_at: Option<NaiveDateTime>,
    /// With `overdue_at`: only a lapsed deadline of this kind counts.
    pub overdue_kind: Option<DeadlineKind>,
    /// `true`: every status but `closed`; `false`: only `closed`.
    pub open: Option<bool>,
    /// `true`: nobody assigned; `false`: assigned to someone.
    pub unassigned: Option<bool>,
    /// Only cases with an active flag of this kind.
    pub flag: Option<FlagKind>,
}

/// Cases within `scope` matching `filter`, in id (= opening) order.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &CaseFilter,
    page: &Page,
) -> Result<Vec<CaseRow>, DbError> {
    let mut query = cases::table
        .select(CaseRow::as_select())
        .order(cases::id)
        .limit(page.limit)
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Region(r) => query.filter(cases::region_code.eq(r.clone())),
        Scope::District(d) => query.filter(cases::district_code.eq(d.clone())),
        Scope::Own(u) => query.filter(cases::assignee_id.eq(u.to_string())),
        Scope::Organisation(_) => query.filter(cases::id.eq_any(Vec::<String>::new())),
    };
    if let Some(v) = &filter.status {
        query = query.filter(cases::status.eq(v.clone()));
    }
    if let Some(v) = &filter.risk_level {
        query = query.filter(cases::risk_level.eq(v.clone()));
    }
    if let Some(v) = &filter.assignee_id {
        query = query.filter(cases::assignee_id.eq(*v));
    }
    if let Some(v) = &filter.region_code {
        query = query.filter(cases::region_code.eq(v.clone()));
    }
    if let Some(v) = &filter.district_code {
        query = query.filter(cases::district_code.eq(v.clone()));
    }
    if let Some(now) = filter.overdue_at {
        let lapsed = deadlines::table
            .filter(deadlines::status.eq(DeadlineStatus::Pending))
            .filter(deadlines::due_at.lt(now))
            .select(deadlines::case_id);
        query = match &filter.overdue_kind {
            Some(kind) => query.filter(cases::id.eq_any(lapsed.filter(deadlines::kind.eq(*kind)))),
            None => query.filter(cases::id.eq_any(lapsed)),
        };
    }
    match filter.open {
        Some(true) => query = query.filter(cases::status.ne(CaseStatus::Closed)),
        Some(false) => query = query.filter(cases::status.eq(CaseStatus::Closed)),
        None => {}
    }
    match filter.unassigned {
        Some(true) => query = query.filter(cases::assignee_id.is_null()),
        Some(false) => query = query.filter(cases::assignee_id.is_not_null()),
        None => {}
    }
    if let Some(kind) = filter.flag {
        let flagged = case_flags::table
            .filter(case_flags::kind.eq(kind))
            .filter(case_flags::cleared_at.is_null())
            .select(case_flags::case_id);
        query = query.filter(cases::id.eq_any(flagged));
    }
    if let Some(after) = &page.after {
        query = query.filter(cases::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

/// Concerns of many cases in one query, sorted.
pub fn concerns_of(
    conn: &mut DbConnection,
    ids: &[CaseId],
) -> Result<HashMap<CaseId, Vec<String>>, DbError> {
    let rows: Vec<(CaseId, String)> = case_concerns::table
        .filter(case_concerns::case_id.eq_any(ids))
        .order((case_concerns::case_id, case_concerns::concern))
        .select((case_concerns::case_id, case_concerns::concern))
        .load(conn)?;
    let mut map: HashMap<CaseId, Vec<String>> = HashMap::new();
    for (id, concern) in rows {
        map.entry(id).or_default().push(concern);
    }
    Ok(map)
}

/// Replaces the case's concerns.
pub fn set_concerns(
    conn: &mut DbConnection,
    case_id: CaseId,
    concerns: &[&str],
) -> Result<(), DbError> {
    diesel::delete(case_concerns::table.filter(case_concerns::case_id.eq(case_id)))
        .execute(conn)?;
    add_concerns(conn, case_id, concerns)
}

/// The edits of a PATCH, applied only if the case is still at `expected_version` (optimistic
/// concurrency: of two edits made from the same version, exactly one applies). Bumps the version.
pub fn update_if_version(
    conn: &mut DbConnection,
    id: CaseId,
    expected_version: i32,
    risk_level: RiskLevel,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        cases::table
            .find(id)
            .filter(cases::version.eq(expected_version)),
    )
    .set((
        cases::risk_level.eq(risk_level),
        cases::version.eq(cases::version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Moves the case from `from` to `to` if it is still in `from` (of two concurrent moves one
/// wins), setting the closure fields as given; bumps the version.
pub fn move_status(
    conn: &mut DbConnection,
    id: CaseId,
    from: CaseStatus,
    to: CaseStatus,
    closed_at: Option<NaiveDateTime>,
    closure_reason: Option<&str>,
) -> Result<bool, DbError> {
    let changed = diesel::update(cases::table.find(id).filter(cases::status.eq(from)))
        .set((
            cases::status.eq(to),
            cases::closed_at.eq(closed_at),
            cases::closure_reason.eq(closure_reason),
            cases::version.eq(cases::version + 1),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// The open cases assigned to `user`, in id order.
pub fn open_of(conn: &mut DbConnection, user: UserId) -> Result<Vec<CaseRow>, DbError> {
    Ok(cases::table
        .filter(cases::assignee_id.eq(user))
        .filter(cases::status.ne(CaseStatus::Closed))
        .order(cases::id)
        .select(CaseRow::as_select())
        .load(conn)?)
}

/// What a user holds that must not be left with an inactive person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held {
    pub open_cases: i64,
    /// Pending deadlines assigned to them (those of their open cases).
    pub pending_deadlines: i64,
}

impl Held {
    pub fn is_empty(&self) -> bool {
        self.open_cases == 0 && self.pending_deadlines == 0
    }
}

/// The open cases and pending deadlines assigned to `user`: two counts read from the indexes
/// `cases_assignee_open` and `deadlines_assignee_pending`.
pub fn held_by(conn: &mut DbConnection, user: UserId) -> Result<Held, DbError> {
    let open_cases = cases::table
        .filter(cases::assignee_id.eq(user))
        .filter(cases::status.ne(CaseStatus::Closed))
        .count()
        .get_result(conn)?;
    let pending_deadlines = deadlines::table
        .filter(deadlines::assignee_id.eq(user))
        .filter(deadlines::status.eq(DeadlineStatus::Pending))
        .count()
        .get_result(conn)?;
    Ok(Held {
        open_cases,
        pending_deadlines,
    })
}

/// Gives the case, and so its deadlines, to `assignee`.
pub fn assign(conn: &mut DbConnection, id: CaseId, assignee: UserId) -> Result<(), DbError> {
    diesel::update(cases::table.find(id))
        .set((
            cases::assignee_id.eq(assignee),
            cases::version.eq(cases::version + 1),
        ))
        .execute(conn)?;
    diesel::update(deadlines::table.filter(deadlines::case_id.eq(id)))
        .set(deadlines::assignee_id.eq(assignee))
        .execute(conn)?;
    Ok(())
}

pub fn set_risk(conn: &mut DbConnection, id: CaseId, risk_level: RiskLevel) -> Result<(), DbError> {
    diesel::update(cases::table.find(id))
        .set((
            cases::risk_level.eq(risk_level),
            cases::version.eq(cases::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}
