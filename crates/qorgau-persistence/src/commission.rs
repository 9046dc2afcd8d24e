//! Commission matters (КТІҚҚК): referral to the commission on minors' affairs, the hearing,
//! the decision and the execution of its measures (seed l. 489–493).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use qorgau_domain::ids::{CaseId, CommissionMatterId, CommissionMeasureId, OrganisationId, UserId};

use crate::error::DbError;
use crate::schema::{commission_matters, commission_measures};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = commission_matters)]
pub struct MatterRow {
    pub id: CommissionMatterId,
    pub case_id: CaseId,
    pub commission_organisation_id: OrganisationId,
    pub grounds: String,
    pub hearing_date: Option<NaiveDate>,
    pub decision: Option<String>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = commission_measures)]
pub struct MeasureRow {
    pub id: CommissionMeasureId,
    pub matter_id: CommissionMatterId,
    pub description: String,
    pub responsible_organisation_id: OrganisationId,
    pub due_date: NaiveDate,
    pub done_at: Option<NaiveDateTime>,
    pub done_note: Option<String>,
    pub done_by: Option<UserId>,
}

pub fn insert(conn: &mut DbConnection, row: &MatterRow) -> Result<(), DbError> {
    diesel::insert_into(commission_matters::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: CommissionMatterId) -> Result<Option<MatterRow>, DbError> {
    Ok(commission_matters::table
        .find(id)
        .select(MatterRow::as_select())
        .first(conn)
        .optional()?)
}

/// A page of the case's commission matters, oldest first (by id).
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<MatterRow>, DbError> {
    let of_case = commission_matters::table
        .filter(commission_matters::case_id.eq(case_id))
        .select(MatterRow::as_select());
    Ok(keyset!(of_case, commission_matters::id, page).load(conn)?)
}

/// Records the hearing's decision and its measures; `false` if already decided.
pub fn decide(
    conn: &mut DbConnection,
    id: CommissionMatterId,
    hearing_date: NaiveDate,
    decision: &str,
    at: NaiveDateTime,
    measures: &[MeasureRow],
) -> Result<bool, DbError> {
    let changed = diesel::update(
        commission_matters::table
            .find(id)
            .filter(commission_matters::decided_at.is_null()),
    )
    .set((
        commission_matters::hearing_date.eq(hearing_date),
        commission_matters::decision.eq(decision),
        commission_matters::decided_at.eq(at),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    for m in measures {
        diesel::insert_into(commission_measures::table)
            .values(m)
            .execute(conn)?;
    }
    Ok(true)
}

pub fn measures(
    conn: &mut DbConnection,
    matter_ids: &[CommissionMatterId],
) -> Result<Vec<MeasureRow>, DbError> {
    Ok(commission_measures::table
        .filter(commission_measures::matter_id.eq_any(matter_ids))
        .order(commission_measures::id)
        .select(MeasureRow::as_select())
        .load(conn)?)
}

pub fn find_measure(
    conn: &mut DbConnection,
    id: CommissionMeasureId,
) -> Result<Option<MeasureRow>, DbError> {
    Ok(commission_measures::table
        .find(id)
        .select(MeasureRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn mark_done(
    conn: &mut DbConnection,
    id: CommissionMeasureId,
    by: UserId,
    at: NaiveDateTime,
    note: &str,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        commission_measures::table
            .find(id)
            .filter(commission_measures::done_at.is_null()),
    )
    .set((
        commission_measures::done_at.eq(at),
        commission_measures::done_by.eq(by),
        commission_measures::done_note.eq(note),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
