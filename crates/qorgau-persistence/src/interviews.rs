//! Interviews of child victims and witnesses (Barnahus principle: as few as possible).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::{CaseId, ChildId, InterviewId, OrganisationId, UserId};

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::interviews;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = interviews)]
pub struct InterviewRow {
    pub id: InterviewId,
    pub case_id: CaseId,
    pub child_id: ChildId,
    pub conducted_at: NaiveDateTime,
    pub interviewer_name: String,
    pub organisation_id: OrganisationId,
    /// Codes of who was present, comma-separated.
    pub present: String,
    pub recording_ref: Option<String>,
    pub repeat_reason: Option<String>,
    pub recorded_by: UserId,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &InterviewRow) -> Result<(), DbError> {
    diesel::insert_into(interviews::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn for_case(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<InterviewRow>, DbError> {
    Ok(interviews::table
        .filter(interviews::case_id.eq(case_id))
        .order((interviews::conducted_at, interviews::id))
        .select(InterviewRow::as_select())
        .load(conn)?)
}

pub fn count_for_child(conn: &mut DbConnection, child_id: ChildId) -> Result<i64, DbError> {
    Ok(interviews::table
        .filter(interviews::child_id.eq(child_id))
        .count()
        .get_result(conn)?)
}
