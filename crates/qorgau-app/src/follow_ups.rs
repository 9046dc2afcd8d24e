//! Follow-up after closure (docs/lifecycle.md, docs/protocols.md): a contact with the child of a
//! closed case, by its case manager or the region's supervisor, meets the case's `follow_up`
//! deadline — without it every closed case would escalate at 90 or 180 days. A contact that
//! found concerns asks the region's supervisors to decide whether to reopen the case.

use qorgau_domain::access::Action;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::{CaseId, FollowUpId};
use qorgau_domain::lifecycle::{FollowUp, FollowUpOutcome};
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::follow_ups::{self, FollowUpRow};
use qorgau_persistence::{DbConnection, Page, write};

use crate::access::visible_case;
use crate::app::App;
use crate::caller::Caller;
use crate::cases::note;
use crate::error::AppError;
use crate::inbox::{self, Event};
use crate::protocol;

/// Records a follow-up contact on a closed case: it happened after the closure (else 422), the
/// case is closed (else 409: an open case records interventions). Meets the pending follow-up
/// deadline; `concerns` notifies the region's supervisors.
pub fn record(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    follow_up: FollowUp,
) -> Result<FollowUpRow, AppError> {
    let now = caller.at;
    let me = caller.actor.user_id;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::WorkCase)?;
        if case.status != CaseStatus::Closed {
            return Err(AppError::conflict(format!(
                "the case is {}: a follow-up is recorded after closure, work on an open case \
                 is an intervention",
                case.status
            )));
        }
        if case
            .closed_at
            .is_some_and(|closed| follow_up.occurred_at.naive_utc() < closed)
        {
            return Err(AppError::invalid(
                "occurred_at",
                "must not be before the case was closed",
            ));
        }
        let row = FollowUpRow {
            id: FollowUpId::new(),
            case_id: case.id,
            occurred_at: follow_up.occurred_at.naive_utc(),
            child_seen: follow_up.child_seen,
            outcome: follow_up.outcome,
            note: follow_up.note,
            recorded_by: me,
            recorded_at: now.naive_utc(),
        };
        follow_ups::insert(tx, &row)?;
        let seen = if row.child_seen {
            "child seen in person"
        } else {
            "child not seen"
        };
        let summary = format!("Follow-up after closure: {}, {seen}", row.outcome);
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::FollowUp,
            summary,
            row.id,
        )?;
        protocol::meet(tx, &case, DeadlineKind::FollowUp, None, me, now)?;
        if row.outcome == FollowUpOutcome::Concerns {
            let event = Event::act(NotificationKind::FollowUpConcerns, &case, me, row.id);
            let to = inbox::supervisors(&case.region_code);
            inbox::notify(tx, app, &event, &[to], now)?;
        }
        Ok(row)
    })
}

/// A page of the follow-ups of a case the caller may see, in the order they were recorded.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<FollowUpRow>, AppError> {
    visible_case(conn, caller, case_id, Action::ViewCases)?;
    Ok(follow_ups::for_case(conn, case_id, page)?)
}
