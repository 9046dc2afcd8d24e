//! Interventions: everything done for the child.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::CaseId;
use qorgau_domain::intervention::InterventionKind;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::interventions;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = interventions)]
pub struct InterventionRow {
    pub id: String,
    pub case_id: CaseId,
    pub kind: InterventionKind,
    pub assistance_type: String,
    pub occurred_at: NaiveDateTime,
    pub summary: String,
    pub child_seen: bool,
    pub duration_minutes: Option<i32>,
    pub plan_measure_id: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &InterventionRow) -> Result<(), DbError> {
    diesel::insert_into(interventions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn for_case(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<InterventionRow>, DbError> {
    Ok(interventions::table
        .filter(interventions::case_id.eq(case_id))
        .order((interventions::occurred_at, interventions::id))
        .select(InterventionRow::as_select())
        .load(conn)?)
}
