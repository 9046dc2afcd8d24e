//! Interventions: the help given to the child, logged by the case team or — while their
//! organisation holds an active referral on the case — a partner's specialists.

use qorgau_domain::access::Action;
use qorgau_domain::ids::{CaseId, InterventionId};
use qorgau_domain::intervention::Intervention;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::interventions::{self, InterventionRow};
use qorgau_persistence::{DbConnection, Page, plans, write};

use crate::access::{case_for_work, visible_case};
use crate::caller::Caller;
use crate::cases::{ensure_open, note};
use crate::error::AppError;
use crate::protocol;

/// Logs help given to the child of an open case, optionally against a measure of its plan. The
/// child seen in person meets the first-contact deadline. With `expected_version` (the case's
/// version the form was made from, as an `If-Match` names it), a case changed since — moved
/// on, reassigned, its risk revised — is [`AppError::Stale`] and nothing is written.
pub fn record_intervention(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    expected_version: Option<i64>,
    intervention: Intervention,
) -> Result<InterventionRow, AppError> {
    let now = caller.at;
    write(conn, |tx| {
        let case = case_for_work(tx, caller, case_id)?;
        if let Some(expected) = expected_version {
            AppError::unless_current(expected, case.version)?;
        }
        ensure_open(&case)?;
        if let Some(measure) = intervention.plan_measure_id
            && plans::find_measure(tx, measure)?
                .filter(|(_, of_case, _)| *of_case == case_id)
                .is_none()
        {
            return Err(AppError::invalid(
                "plan_measure_id",
                "no such measure in this case's plan",
            ));
        }
        let me = caller.actor.user_id;
        let row = InterventionRow {
            id: InterventionId::new(),
            case_id,
            kind: intervention.kind,
            assistance_type: intervention.assistance_type.as_str().into(),
            occurred_at: intervention.occurred_at.naive_utc(),
            summary: intervention.summary,
            child_seen: intervention.child_seen,
            duration_minutes: intervention.duration_minutes.map(i32::from),
            plan_measure_id: intervention.plan_measure_id,
            recorded_by: me,
            recorded_at: now.naive_utc(),
        };
        interventions::insert(tx, &row)?;
        if row.child_seen {
            crate::facts::case(tx, row.case_id)?;
        }
        let seen = if row.child_seen {
            ", child seen in person"
        } else {
            ""
        };
        let summary = format!("Intervention: {} ({}){seen}", row.kind, row.assistance_type);
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::Intervention,
            summary,
            row.id,
        )?;
        if row.child_seen {
            protocol::meet(tx, &case, DeadlineKind::FirstContact, None, me, now)?;
        }
        Ok(row)
    })
}

/// A page of the interventions of a case the caller may see, in the order they happened.
pub fn interventions_of(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<InterventionRow>, AppError> {
    visible_case(conn, caller, case_id, Action::ViewCases)?;
    interventions::for_case(conn, case_id, page)?.ok_or_else(AppError::foreign_cursor)
}
