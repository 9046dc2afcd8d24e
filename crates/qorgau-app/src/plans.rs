//! The individual plan of a case (docs/lifecycle.md): versions drafted by the case manager,
//! approved or rejected by the supervisor, measures marked done once approved.

use qorgau_domain::access::Action;
use qorgau_domain::ids::{CaseId, PlanGoalId, PlanId, PlanMeasureId, PlanReviewId};
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::plan::PlanStatus;
use qorgau_domain::plan::{Plan, PlanDecision, PlanReview};
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::timeline::TimelineKind;
use qorgau_domain::validation::FieldError;
use qorgau_persistence::plans::{self, GoalRow, MeasureRow, PlanReviewRow, PlanRow};
use qorgau_persistence::{DbConnection, DbError, deadlines, organisations, write};

use crate::access::visible_case;
use crate::app::App;
use crate::caller::Caller;
use crate::cases::{ensure_open, note};
use crate::error::AppError;
use crate::inbox::{self, Event};
use crate::protocol;

/// The plan's latest version with its content, and every version.
pub struct PlanCard {
    pub plan: PlanRow,
    pub goals: Vec<GoalRow>,
    pub measures: Vec<MeasureRow>,
    /// Oldest first.
    pub versions: Vec<PlanRow>,
    /// The plan's revision, its `ETag`: it changes with every new version, decision and
    /// measure done.
    pub revision: i32,
}

/// The latest version of the case's plan; not found when there is none yet.
fn latest(conn: &mut DbConnection, case_id: CaseId) -> Result<PlanCard, AppError> {
    let versions = plans::versions(conn, case_id)?;
    let plan = versions.last().cloned().ok_or(AppError::NotFound)?;
    let (goals, measures) = plans::content(conn, plan.id)?;
    let revision = versions
        .iter()
        .map(|v| v.revision)
        .max()
        .unwrap_or(plan.revision);
    Ok(PlanCard {
        plan,
        goals,
        measures,
        versions,
        revision,
    })
}

/// The plan of a case the caller may see.
pub fn plan_of(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
) -> Result<PlanCard, AppError> {
    visible_case(conn, caller, case_id, Action::ViewCases)?;
    latest(conn, case_id)
}

/// A new version of a case's plan, written from the revision the editor read (`If-Match`), or
/// — `expected_revision: None` (`If-None-Match: *`) — as its first version.
pub struct PlanDraft {
    pub case_id: CaseId,
    pub expected_revision: Option<i64>,
    pub plan: Plan,
}

/// Writes a new version of the plan as a draft for the supervisor to approve, and tells the
/// region's supervisors it awaits them. Earlier approved versions are kept; an undecided draft
/// is superseded. Stale unless the plan is still at the revision the editor read.
pub fn draft_plan(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    draft: PlanDraft,
) -> Result<PlanCard, AppError> {
    let (now, case_id, plan) = (caller.at, draft.case_id, &draft.plan);
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::WorkCase)?;
        ensure_open(&case)?;
        plans::lock(tx, case_id)?;
        let revision = plans::revision(tx, case_id)?;
        match (draft.expected_revision, revision) {
            (Some(expected), Some(current)) => AppError::unless_current(expected, current)?,
            (None, None) => {}
            _ => return Err(AppError::Stale),
        }
        responsible_exist(tx, plan)?;
        let version = plans::next_version(tx, case_id)?;
        let row = PlanRow {
            id: PlanId::new(),
            case_id,
            version,
            status: PlanStatus::Draft,
            created_by: caller.actor.user_id,
            created_at: now.naive_utc(),
            decided_by: None,
            decided_at: None,
            decision_note: None,
            revision: revision.unwrap_or(0) + 1,
        };
        let (goals, measures) = content_rows(row.id, plan);
        // Two first versions at once: the second finds version 1 taken.
        plans::insert_version(tx, &row, &goals, &measures).map_err(|e| match e {
            DbError::Duplicate(_) => AppError::Stale,
            e => e.into(),
        })?;
        let summary = format!("Individual plan version {version} drafted");
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::PlanVersion,
            summary,
            row.id,
        )?;
        let me = caller.actor.user_id;
        let event = Event::act(NotificationKind::PlanSubmitted, &case, me, row.id);
        let to = inbox::supervisors(&case.region_code);
        inbox::notify(tx, app, &event, &[to], now)?;
        latest(tx, case_id)
    })
}

/// Every measure's responsible organisation exists; else each missing one is named.
fn responsible_exist(tx: &mut DbConnection, plan: &Plan) -> Result<(), AppError> {
    let mut missing = Vec::new();
    for (g, goal) in plan.goals.iter().enumerate() {
        for (m, measure) in goal.measures.iter().enumerate() {
            let org = measure.responsible_organisation_id;
            if organisations::find(tx, org)?.is_none() {
                missing.push(FieldError {
                    field: format!("goals[{g}].measures[{m}].responsible_organisation_id"),
                    message: "no such organisation".into(),
                });
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(missing))
    }
}

/// The goal and measure rows of version `plan_id` of `plan`, in the order given.
fn content_rows(plan_id: PlanId, plan: &Plan) -> (Vec<GoalRow>, Vec<MeasureRow>) {
    let mut goals = Vec::new();
    let mut measures = Vec::new();
    for (g, goal) in plan.goals.iter().enumerate() {
        let goal_id = PlanGoalId::new();
        for (m, measure) in goal.measures.iter().enumerate() {
            measures.push(MeasureRow {
                id: PlanMeasureId::new(),
                plan_id,
                goal_id,
                position: i32::try_from(m).unwrap_or(i32::MAX),
                kind: measure.kind.as_str().into(),
                description: measure.description.clone(),
                responsible_organisation_id: measure.responsible_organisation_id,
                due_date: measure.due_date,
                done_at: None,
                done_by: None,
            });
        }
        goals.push(GoalRow {
            id: goal_id,
            plan_id,
            position: i32::try_from(g).unwrap_or(i32::MAX),
            title: goal.title.clone(),
        });
    }
    (goals, measures)
}

/// The supervisor approves the draft, or rejects it with a note (returned to the case manager,
/// who is told either way). Approval meets the plan deadline and (re)starts the periodic review.
/// With `expected_revision` (the console's form, made from the plan as read) nothing is decided
/// unless the plan is still at that revision (`Stale`); the REST route passes none.
pub fn decide_plan(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    expected_revision: Option<i64>,
    decision: PlanDecision,
) -> Result<PlanCard, AppError> {
    let now = caller.at;
    let me = caller.actor.user_id;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::DecidePlan)?;
        plans::lock(tx, case_id)?;
        if let Some(expected) = expected_revision {
            let current = plans::revision(tx, case_id)?.unwrap_or(0);
            AppError::unless_current(expected, current)?;
        }
        let latest_version = plans::versions(tx, case_id)?
            .pop()
            .filter(|p| p.status == PlanStatus::Draft);
        let Some(draft) = latest_version else {
            return Err(AppError::conflict("no draft plan awaits a decision"));
        };
        let (status, note_text, kind) = match &decision {
            PlanDecision::Approve { note } => (
                PlanStatus::Approved,
                note.as_deref(),
                TimelineKind::PlanApproved,
            ),
            PlanDecision::Reject { note } => (
                PlanStatus::Rejected,
                Some(note.as_str()),
                TimelineKind::PlanRejected,
            ),
        };
        if !plans::decide(tx, draft.id, status, me, now.naive_utc(), note_text)? {
            return Err(AppError::conflict("the draft was decided meanwhile"));
        }
        plans::touch(tx, case_id, draft.id)?;
        crate::facts::case(tx, case_id)?;
        let summary = match note_text {
            Some(text) => format!("Individual plan version {} {status}: {text}", draft.version),
            None => format!("Individual plan version {} {status}", draft.version),
        };
        note(tx, caller, &case, now, kind, summary, draft.id)?;
        let told = match decision {
            PlanDecision::Approve { .. } => NotificationKind::PlanApproved,
            PlanDecision::Reject { .. } => NotificationKind::PlanReturned,
        };
        let event = Event::act(told, &case, me, draft.id);
        inbox::notify(tx, app, &event, &[inbox::manager(&case)], now)?;
        if matches!(decision, PlanDecision::Approve { .. }) {
            protocol::meet(tx, &case, DeadlineKind::PlanApproval, None, me, now)?;
            protocol::meet(tx, &case, DeadlineKind::PlanReview, None, me, now)?;
            let risk = case.risk_level;
            protocol::start(tx, app, &case, DeadlineKind::PlanReview, now, risk, None)?;
        }
        latest(tx, case_id)
    })
}

/// A review of the approved plan and when the next one is due.
pub struct PlanReviewed {
    pub review: PlanReviewRow,
    /// The version reviewed.
    pub version: i32,
    pub next_review_due: chrono::DateTime<chrono::Utc>,
}

/// The case manager of the case, or the region's supervisor, reviewed the approved plan and
/// keeps it as it is: the pending `plan_review` deadline is met and its clock starts again from
/// now (as an approval starts it). A changed plan is a new version to approve instead. Needs an
/// open case with an approved version (else 409).
pub fn review_plan(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    review: PlanReview,
) -> Result<PlanReviewed, AppError> {
    let now = caller.at;
    let me = caller.actor.user_id;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::WorkCase)?;
        ensure_open(&case)?;
        let Some(approved) = plans::versions(tx, case_id)?
            .into_iter()
            .rev()
            .find(|p| p.status == PlanStatus::Approved)
        else {
            return Err(AppError::conflict(
                "the case has no approved plan to review",
            ));
        };
        let row = PlanReviewRow {
            id: PlanReviewId::new(),
            plan_id: approved.id,
            case_id: case.id,
            decision: review.decision,
            note: review.note,
            reviewed_by: me,
            reviewed_at: now.naive_utc(),
        };
        plans::insert_review(tx, &row)?;
        let summary = format!(
            "Individual plan version {} reviewed: {}",
            approved.version, row.decision
        );
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::PlanReviewed,
            summary,
            row.id,
        )?;
        protocol::meet(tx, &case, DeadlineKind::PlanReview, None, me, now)?;
        let risk = case.risk_level;
        protocol::start(tx, app, &case, DeadlineKind::PlanReview, now, risk, None)?;
        // As stored (the database keeps microseconds), so that it matches the case card.
        let next = deadlines::pending(tx, case.id)?
            .into_iter()
            .find(|d| d.kind == DeadlineKind::PlanReview)
            .ok_or_else(|| AppError::corrupt("deadlines", case.id, "kind", "plan_review"))?;
        Ok(PlanReviewed {
            review: row,
            version: approved.version,
            next_review_due: next.due_at.and_utc(),
        })
    })
}

/// Marks a measure of the case's approved plan as done.
pub fn measure_done(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    measure_id: PlanMeasureId,
) -> Result<PlanCard, AppError> {
    let now = caller.at;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::WorkCase)?;
        let (measure, _, plan_status) = plans::find_measure(tx, measure_id)?
            .filter(|(_, of_case, _)| *of_case == case_id)
            .ok_or(AppError::NotFound)?;
        if plan_status != PlanStatus::Approved {
            return Err(AppError::conflict("measures are done on an approved plan"));
        }
        let me = caller.actor.user_id;
        plans::lock(tx, case_id)?;
        if !plans::mark_done(tx, measure_id, me, now.naive_utc())? {
            return Err(AppError::conflict("the measure is already done"));
        }
        plans::touch(tx, case_id, measure.plan_id)?;
        let summary = format!("Plan measure done: {}", measure.description);
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::MeasureDone,
            summary,
            measure_id,
        )?;
        latest(tx, case_id)
    })
}
