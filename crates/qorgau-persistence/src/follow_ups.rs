//! Contacts with the child after a case closed (`follow_ups`): each meets the follow-up
//! deadline; one that found concerns asks the supervisor whether to reopen.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::lifecycle::FollowUpOutcome;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::follow_ups;

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = follow_ups)]
pub struct FollowUpRow {
    pub id: String,
    pub case_id: String,
    pub occurred_at: NaiveDateTime,
    pub child_seen: bool,
    pub outcome: FollowUpOutcome,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &FollowUpRow) -> Result<(), DbError> {
    diesel::insert_into(follow_ups::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}
