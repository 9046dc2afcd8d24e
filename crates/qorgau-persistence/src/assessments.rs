//! Assessments of a case: initial (safety) and comprehensive (seven domains).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::{AssessmentId, CaseId, UserId};
use qorgau_domain::taxonomy::RiskLevel;

use crate::error::DbError;
use crate::schema::assessments;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessments)]
pub struct AssessmentRow {
    pub id: AssessmentId,
    pub case_id: CaseId,
    pub kind: String,
    pub summary: String,
    pub risk_level: Option<RiskLevel>,
    /// JSON list of domain findings.
    pub domains: String,
    pub recorded_by: UserId,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &AssessmentRow) -> Result<(), DbError> {
    diesel::insert_into(assessments::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A page of the case's assessments, oldest first (by id).
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<AssessmentRow>, DbError> {
    let of_case = assessments::table
        .filter(assessments::case_id.eq(case_id))
        .select(AssessmentRow::as_select());
    Ok(keyset!(of_case, assessments::id, page).load(conn)?)
}

pub fn has_kind(conn: &mut DbConnection, case_id: CaseId, kind: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        assessments::table
            .filter(assessments::case_id.eq(case_id))
            .filter(assessments::kind.eq(kind)),
    ))
    .get_result(conn)?)
}
