//! Interventions: everything done for the child.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::{CaseId, InterventionId, PlanMeasureId, UserId};
use qorgau_domain::intervention::InterventionKind;

use crate::error::DbError;
use crate::schema::interventions;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = interventions)]
pub struct InterventionRow {
    pub id: InterventionId,
    pub case_id: CaseId,
    pub kind: InterventionKind,
    pub assistance_type: String,
    pub occurred_at: NaiveDateTime,
    pub summary: String,
    pub child_seen: bool,
    pub duration_minutes: Option<i32>,
    pub plan_measure_id: Option<PlanMeasureId>,
    pub recorded_by: UserId,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &InterventionRow) -> Result<(), DbError> {
    diesel::insert_into(interventions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A page of the case's interventions in the order they happened (by time, then id). The
/// cursor is the id of the previous page's last, which must be one of the case's: `None` when
/// it is not.
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Option<Vec<InterventionRow>>, DbError> {
    let mut query = interventions::table
        .filter(interventions::case_id.eq(case_id))
        .order((interventions::occurred_at, interventions::id))
        .limit(page.limit)
        .select(InterventionRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        let at: Option<NaiveDateTime> = interventions::table
            .find(after)
            .filter(interventions::case_id.eq(case_id))
            .select(interventions::occurred_at)
            .first(conn)
            .optional()?;
        let Some(at) = at else { return Ok(None) };
        query = query.filter(
            interventions::occurred_at
                .gt(at)
                .or(interventions::occurred_at
                    .eq(at)
                    .and(interventions::id.gt(after.clone()))),
        );
    }
    Ok(Some(query.load(conn)?))
}
