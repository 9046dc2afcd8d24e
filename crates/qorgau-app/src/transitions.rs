//! Moving a case through its lifecycle (docs/lifecycle.md): the domain decides whether the move
//! is allowed; here it is applied, recorded, and its clocks stopped or started.

use chrono::{DateTime, Utc};
use qorgau_domain::access::Action;
use qorgau_domain::assessment::AssessmentKind;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::CaseId;
use qorgau_domain::lifecycle::{CaseState, Transition, TransitionError, TransitionInput, decide};
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::{DbConnection, assessments, deadlines, plans, write};

use crate::access::visible_case;
use crate::app::App;
use crate::caller::Caller;
use crate::cases::{CaseCard, note, reload};
use crate::error::AppError;
use crate::inbox::{self, About, Event};
use crate::protocol;

/// Moves the case as `input` asks. Conflict lists the moves allowed from here; denied when the
/// move belongs to another role. With `expected_version` (the case's version the decision was
/// made on, as an `If-Match` names it), a case changed since is [`AppError::Stale`] and nothing
/// is written: a closure approved on what the case was, not on what it became.
pub fn transition_case(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    expected_version: Option<i64>,
    input: TransitionInput,
) -> Result<CaseCard, AppError> {
    let now = caller.at;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::ViewCases)?;
        if let Some(expected) = expected_version {
            AppError::unless_current(expected, case.version)?;
        }
        let from = case.status;
        let facts = CaseState {
            status: from,
            comprehensive_assessed: assessments::has_kind(
                tx,
                case_id,
                AssessmentKind::Comprehensive.as_str(),
            )?,
            plan_approved: plans::has_approved(tx, case_id)?,
        };
        let actor = &caller.actor;
        let is_assignee = case.assignee_id == Some(actor.user_id);
        let t = decide(actor.role, is_assignee, &facts, input).map_err(refusal)?;
        // Closure fields: the reason is kept from the request until reopening; the date is set
        // on closing.
        let (closed_at, closure_reason) = match t.to {
            CaseStatus::ClosureRequested => {
                (None, t.closure_reason.map(|r| r.as_str().to_string()))
            }
            CaseStatus::Closed => (Some(now.naive_utc()), case.closure_reason.clone()),
            _ => (None, None),
        };
        let moved = cases::move_status(
            tx,
            case_id,
            from,
            t.to,
            closed_at,
            closure_reason.as_deref(),
        )?;
        if !moved {
            return Err(AppError::conflict(
                "the case changed status meanwhile; reload it",
            ));
        }
        crate::facts::case(tx, case_id)?;
        let (kind, summary) = event_of(&t, closure_reason.as_deref());
        note(tx, caller, &case, now, kind, summary, case_id)?;
        if let Some(kind) = event_type_of(&t) {
            let moved = crate::events::Event::case(kind, &case).with("status", t.to);
            crate::events::emit(tx, moved, now)?;
        }
        clocks(tx, app, &case, &t, now)?;
        if let Some(kind) = told_of(&t) {
            let me = actor.user_id;
            let event = Event::new(kind, About::case(&case)).by(me);
            let to = match kind {
                NotificationKind::ClosureRequested => inbox::supervisors(&case.region_code),
                _ => inbox::manager(&case),
            };
            inbox::notify(tx, app, &event, &[to], now)?;
        }
        reload(tx, case_id, now)
    })
}

/// Why the domain refused the move, as the application answers it.
fn refusal(e: TransitionError) -> AppError {
    match e {
        TransitionError::Invalid(errors) => AppError::Invalid(errors),
        TransitionError::Forbidden => AppError::Denied,
        TransitionError::NotAllowed { detail, allowed } => AppError::Conflict {
            detail,
            allowed: Some(allowed.iter().map(|s| s.as_str().to_string()).collect()),
        },
    }
}

/// The notification of a move, if it is one that waits on someone else: a closure requested
/// (for the region's supervisors), approved or returned (for the case's manager).
fn told_of(t: &Transition) -> Option<NotificationKind> {
    match (t.from, t.to) {
        (_, CaseStatus::ClosureRequested) => Some(NotificationKind::ClosureRequested),
        (CaseStatus::ClosureRequested, CaseStatus::Closed) => {
            Some(NotificationKind::ClosureApproved)
        }
        (CaseStatus::ClosureRequested, CaseStatus::InProgress) => {
            Some(NotificationKind::ClosureReturned)
        }
        _ => None,
    }
}

/// The domain event of a move, if it is one the feed reports: a closing or a reopening.
fn event_type_of(t: &Transition) -> Option<qorgau_domain::event::EventType> {
    use qorgau_domain::event::EventType;
    match (t.from, t.to) {
        (CaseStatus::Closed, _) => Some(EventType::CaseReopened),
        (_, CaseStatus::Closed) => Some(EventType::CaseClosed),
        _ => None,
    }
}

/// The timeline entry of a move.
fn event_of(t: &Transition, closure_reason: Option<&str>) -> (TimelineKind, String) {
    let (kind, summary) = match (t.from, t.to) {
        (CaseStatus::Closed, _) => (TimelineKind::Reopened, "Case reopened".to_string()),
        (CaseStatus::ClosureRequested, CaseStatus::InProgress) => (
            TimelineKind::ClosureReturned,
            "Closure returned to the case manager".into(),
        ),
        (_, CaseStatus::ClosureRequested) => (
            TimelineKind::ClosureRequested,
            format!("Closure requested: {}", closure_reason.unwrap_or_default()),
        ),
        (_, CaseStatus::Closed) => (
            TimelineKind::Closed,
            format!("Case closed: {}", closure_reason.unwrap_or_default()),
        ),
        (from, to) => (
            TimelineKind::StatusChanged,
            format!("Case moved from {} to {}", from.as_str(), to.as_str()),
        ),
    };
    match &t.reason {
        Some(reason) => (kind, format!("{summary} — {reason}")),
        None => (kind, summary),
    }
}

/// Closing stops the open clocks and starts the post-closure follow-up; reopening stops the
/// follow-up.
fn clocks(
    tx: &mut DbConnection,
    app: &App,
    case: &CaseRow,
    t: &Transition,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    match (t.from, t.to) {
        (_, CaseStatus::Closed) => {
            deadlines::cancel(tx, case.id, None, None)?;
            let risk = case.risk_level;
            protocol::start(tx, app, case, DeadlineKind::FollowUp, now, risk, None)
        }
        (CaseStatus::Closed, _) => Ok(deadlines::cancel(
            tx,
            case.id,
            Some(DeadlineKind::FollowUp),
            None,
        )?),
        _ => Ok(()),
    }
}
