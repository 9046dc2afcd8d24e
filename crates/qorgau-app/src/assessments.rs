//! Assessments of a case (docs/lifecycle.md): the initial (safety) assessment and the
//! comprehensive one across the seven domains. Each meets its deadline and may move the case
//! on or revise its risk level.

use chrono::{DateTime, Utc};
use qorgau_domain::access::Action;
use qorgau_domain::assessment::{Assessment, AssessmentKind, status_after};
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::{AssessmentId, CaseId};
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::assessments::{self, AssessmentRow};
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::{DbConnection, Page, write};

use crate::access::visible_case;
use crate::app::App;
use crate::caller::Caller;
use crate::cases::{ensure_open, note};
use crate::error::AppError;
use crate::protocol;

/// Records an assessment on an open case. An initial assessment moves a case in intake to
/// assessment; a comprehensive one moves it to planning and starts the plan's clock. A risk
/// level different from the case's revises it. With `expected_version` (the case's version the
/// form was made from, as an `If-Match` names it), a case changed since — moved on, reassigned,
/// its risk revised — is [`AppError::Stale`] and nothing is written.
pub fn record_assessment(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    expected_version: Option<i64>,
    assessment: Assessment,
) -> Result<AssessmentRow, AppError> {
    let now = caller.at;
    let me = caller.actor.user_id;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::WorkCase)?;
        if let Some(expected) = expected_version {
            AppError::unless_current(expected, case.version)?;
        }
        let status = ensure_open(&case)?;
        let domains = serde_json::to_string(&assessment.domains).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise assessment domains");
            AppError::Internal
        })?;
        let row = AssessmentRow {
            id: AssessmentId::new(),
            case_id,
            kind: assessment.kind.as_str().into(),
            summary: assessment.summary.clone(),
            risk_level: assessment.risk_level,
            domains,
            recorded_by: me,
            recorded_at: now.naive_utc(),
        };
        assessments::insert(tx, &row)?;
        let label = match assessment.kind {
            AssessmentKind::Initial => "Initial (safety) assessment recorded",
            AssessmentKind::Comprehensive => "Comprehensive assessment recorded",
        };
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::Assessment,
            label.into(),
            row.id,
        )?;
        match assessment.kind {
            AssessmentKind::Initial => {
                protocol::meet(tx, &case, DeadlineKind::InitialAssessment, None, me, now)?;
            }
            AssessmentKind::Comprehensive => {
                protocol::meet(
                    tx,
                    &case,
                    DeadlineKind::ComprehensiveAssessment,
                    None,
                    me,
                    now,
                )?;
                let risk = match assessment.risk_level {
                    Some(risk) => risk,
                    None => case.risk_level,
                };
                protocol::start(tx, app, &case, DeadlineKind::PlanApproval, now, risk, None)?;
            }
        }
        revise_risk(tx, app, caller, &case, &assessment, row.id, now)?;
        if let Some(next) = status_after(assessment.kind, status) {
            move_on(tx, caller, &case, status, next, row.id, now)?;
        }
        Ok(row)
    })
}

/// The assessment found another risk level than the case's: the case takes it, and its pending
/// deadlines are re-timed.
fn revise_risk(
    tx: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case: &CaseRow,
    assessment: &Assessment,
    assessment_id: AssessmentId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(risk) = assessment.risk_level.filter(|r| *r != case.risk_level) else {
        return Ok(());
    };
    cases::set_risk(tx, case.id, risk)?;
    protocol::retime(tx, app, case.id, risk)?;
    let summary = format!(
        "Risk level revised from {} to {} by the assessment",
        case.risk_level,
        risk.as_str()
    );
    note(
        tx,
        caller,
        case,
        now,
        TimelineKind::RiskRevised,
        summary,
        assessment_id,
    )
}

/// The assessment moves the case to its next stage.
fn move_on(
    tx: &mut DbConnection,
    caller: &Caller,
    case: &CaseRow,
    from: CaseStatus,
    to: CaseStatus,
    assessment_id: AssessmentId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    cases::move_status(tx, case.id, from, to, None, None)?;
    crate::facts::case(tx, case.id)?;
    let summary = format!("Case moved from {} to {}", from.as_str(), to.as_str());
    note(
        tx,
        caller,
        case,
        now,
        TimelineKind::StatusChanged,
        summary,
        assessment_id,
    )
}

/// A page of the assessments of a case the caller may see, oldest first.
pub fn assessments_of(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<AssessmentRow>, AppError> {
    visible_case(conn, caller, case_id, Action::ViewCases)?;
    Ok(assessments::for_case(conn, case_id, page)?)
}
