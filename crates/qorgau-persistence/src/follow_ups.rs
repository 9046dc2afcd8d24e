//! Contacts with the child after a case closed (`follow_ups`): each meets the follow-up
//! deadline; one that found concerns asks the supervisor whether to reopen.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::{CaseId, FollowUpId, UserId};
use qorgau_domain::lifecycle::FollowUpOutcome;

use crate::error::DbError;
use crate::schema::follow_ups;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = follow_ups)]
pub struct FollowUpRow {
    pub id: FollowUpId,
    pub case_id: CaseId,
    pub occurred_at: NaiveDateTime,
    pub child_seen: bool,
    pub outcome: FollowUpOutcome,
    pub note: String,
    pub recorded_by: UserId,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &FollowUpRow) -> Result<(), DbError> {
    diesel::insert_into(follow_ups::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A page of the case's follow-ups in the order they were recorded (by id).
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<FollowUpRow>, DbError> {
    let mut query = follow_ups::table
        .filter(follow_ups::case_id.eq(case_id))
        .order(follow_ups::id)
        .limit(page.limit)
        .select(FollowUpRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(follow_ups::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}
