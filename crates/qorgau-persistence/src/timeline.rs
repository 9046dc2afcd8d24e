//! The child's timeline: every signal, triage and case event, oldest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::{CaseId, ChildId, TimelineEventId, UserId};
use qorgau_domain::timeline::TimelineKind;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::timeline_events;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = timeline_events)]
pub struct TimelineRow {
    pub id: TimelineEventId,
    pub child_id: ChildId,
    pub case_id: Option<CaseId>,
    pub at: NaiveDateTime,
    pub kind: TimelineKind,
    pub summary: String,
    pub actor_id: Option<UserId>,
    /// The record the event is about, whose kind varies with `kind` (a signal, an assessment,
    /// a plan, a referral, a deadline, a merge, a user…): one column for all of them, so it
    /// stays the text every id is stored as.
    pub ref_id: Option<String>,
}

pub fn record(conn: &mut DbConnection, event: &TimelineRow) -> Result<(), DbError> {
    diesel::insert_into(timeline_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}

pub fn for_child(conn: &mut DbConnection, child_id: ChildId) -> Result<Vec<TimelineRow>, DbError> {
    Ok(timeline_events::table
        .filter(timeline_events::child_id.eq(child_id))
        .order((timeline_events::at, timeline_events::id))
        .select(TimelineRow::as_select())
        .load(conn)?)
}
