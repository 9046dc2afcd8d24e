//! Entries of a child's timeline, written by the use cases in the same transaction as the
//! change they record.

use chrono::{DateTime, Utc};
use qorgau_domain::ids::{CaseId, ChildId, TimelineEventId, UserId};
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::DbConnection;
use qorgau_persistence::timeline::{self, TimelineRow};

use crate::error::AppError;

/// One event of `kind` on the child's timeline (and the case's, when there is one), done by
/// `actor` about the record `ref_id`.
pub fn event(
    child_id: ChildId,
    case_id: Option<CaseId>,
    at: DateTime<Utc>,
    kind: TimelineKind,
    summary: String,
    actor: UserId,
    ref_id: impl std::fmt::Display,
) -> TimelineRow {
    TimelineRow {
        id: TimelineEventId::new(),
        child_id,
        case_id,
        at: at.naive_utc(),
        kind,
        summary,
        actor_id: Some(actor),
        ref_id: Some(ref_id.to_string()),
    }
}

/// Writes one event.
pub fn record(conn: &mut DbConnection, row: &TimelineRow) -> Result<(), AppError> {
    Ok(timeline::record(conn, row)?)
}
