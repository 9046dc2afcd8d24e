//! Flags on a case (`case_flags`): at most one active flag of a kind per case (a partial unique
//! index); cleared flags stay on record.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use qorgau_domain::case_file::FlagKind;
use qorgau_domain::ids::{CaseId, FlagId, UserId};

use crate::error::DbError;
use crate::schema::case_flags;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_flags)]
pub struct FlagRow {
    pub id: FlagId,
    pub case_id: CaseId,
    pub kind: FlagKind,
    pub reason: String,
    pub date: Option<NaiveDate>,
    pub set_by: UserId,
    pub set_at: NaiveDateTime,
    pub cleared_at: Option<NaiveDateTime>,
    pub cleared_by: Option<UserId>,
    pub clear_reason: Option<String>,
}

/// Inserts an active flag; a flag of the same kind already active on the case is
/// `DbError::Duplicate`.
pub fn insert(conn: &mut DbConnection, row: &FlagRow) -> Result<(), DbError> {
    diesel::insert_into(case_flags::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The active flag of `kind` on the case, if any.
pub fn active(
    conn: &mut DbConnection,
    case_id: CaseId,
    kind: FlagKind,
) -> Result<Option<FlagRow>, DbError> {
    Ok(case_flags::table
        .filter(case_flags::case_id.eq(case_id))
        .filter(case_flags::kind.eq(kind))
        .filter(case_flags::cleared_at.is_null())
        .select(FlagRow::as_select())
        .first(conn)
        .optional()?)
}

/// Clears the active flag `id` (if still active: of two concurrent clears one wins).
pub fn clear(
    conn: &mut DbConnection,
    id: FlagId,
    at: NaiveDateTime,
    by: UserId,
    reason: &str,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        case_flags::table
            .find(id)
            .filter(case_flags::cleared_at.is_null()),
    )
    .set((
        case_flags::cleared_at.eq(at),
        case_flags::cleared_by.eq(by),
        case_flags::clear_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The case's active flags, in the order they were set.
pub fn active_on(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<FlagRow>, DbError> {
    Ok(case_flags::table
        .filter(case_flags::case_id.eq(case_id))
        .filter(case_flags::cleared_at.is_null())
        .order(case_flags::id)
        .select(FlagRow::as_select())
        .load(conn)?)
}

/// A page of the case's flags, active and cleared, in the order they were set (by id).
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<FlagRow>, DbError> {
    let mut query = case_flags::table
        .filter(case_flags::case_id.eq(case_id))
        .order(case_flags::id)
        .limit(page.limit)
        .select(FlagRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(case_flags::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}
