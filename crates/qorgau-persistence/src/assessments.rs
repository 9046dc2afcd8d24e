//! Assessments of a case: initial (safety) and comprehensive (seven domains).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::CaseId;
use qorgau_domain::taxonomy::RiskLevel;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::assessments;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessments)]
pub struct AssessmentRow {
    pub id: String,
    pub case_id: CaseId,
    pub kind: String,
    pub summary: String,
    pub risk_level: Option<RiskLevel>,
    /// JSON list of domain findings.
    pub domains: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &AssessmentRow) -> Result<(), DbError> {
    diesel::insert_into(assessments::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn for_case(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<AssessmentRow>, DbError> {
    Ok(assessments::table
        .filter(assessments::case_id.eq(case_id))
        .order(assessments::id)
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

pub fn has_kind(conn: &mut DbConnection, case_id: CaseId, kind: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        assessments::table
            .filter(assessments::case_id.eq(case_id))
            .filter(assessments::kind.eq(kind)),
    ))
    .get_result(conn)?)
}
