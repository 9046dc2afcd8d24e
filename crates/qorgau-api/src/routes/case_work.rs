//! The work on a case (api.md § Cases): status transitions, assessments, the individual plan
//! and its approval, and interventions. Every change writes its timeline event in the same
//! transaction.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use qorgau_domain::access::{Action, Actor};
use qorgau_domain::assessment::{
    AssessmentInput, AssessmentKind, DomainFinding, may_record, parse_assessment, status_after,
};
use qorgau_domain::case::CaseStatus;
use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::intervention::{InterventionInput, parse_intervention};
use qorgau_domain::lifecycle::{
    CaseState, TransitionError, TransitionInput, decide, status_from_code,
};
use qorgau_domain::plan::{PlanDecision, PlanDecisionInput, PlanInput, parse_decision, parse_plan};
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_persistence::assessments::{self, AssessmentRow};
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::interventions::{self, InterventionRow};
use qorgau_persistence::plans::{self, GoalRow, MeasureRow, PlanRow};
use qorgau_persistence::{DbConnection, deadlines, organisations, timeline, write};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::cases::{CaseView, view, visible_case, with_etag};
use crate::routes::signals::event;
use crate::state::AppState;

fn uuid(s: &str) -> Uuid {
    s.parse().unwrap_or_default()
}

fn status_of(case: &CaseRow) -> Result<CaseStatus, ApiError> {
    status_from_code(&case.status).ok_or_else(|| {
        tracing::error!("stored case has an unknown status");
        ApiError::Internal
    })
}

/// Work is recorded on open cases only (not while closure is requested, not once closed).
fn ensure_open(case: &CaseRow) -> Result<CaseStatus, ApiError> {
    let status = status_of(case)?;
    if may_record(status) {
        Ok(status)
    } else {
        Err(ApiError::conflict(format!(
            "the case is {}: reopen it first",
            case.status
        )))
    }
}

fn record(
    conn: &mut DbConnection,
    case: &CaseRow,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: &str,
    summary: String,
    ref_id: &str,
) -> Result<(), ApiError> {
    let e = event(
        &case.child_id,
        Some(&case.id),
        now,
        kind,
        summary,
        &actor.user_id.to_string(),
        ref_id,
    );
    Ok(timeline::record(conn, &e)?)
}

// ---------------------------------------------------------------------------------------------
// Transitions

/// Moves the case through its lifecycle. 409 lists the moves allowed from here; 403 when the
/// move belongs to another role.
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = TransitionInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = CaseView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Not allowed from the current status; `allowed` lists what is"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let input = body.0;
    let app = state.clone();
    let case = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::ViewCases)?;
                let from = status_of(&case)?;
                let facts = CaseState {
                    status: from,
                    comprehensive_assessed: assessments::has_kind(
                        c,
                        &id,
                        AssessmentKind::Comprehensive.as_str(),
                    )?,
                    plan_approved: plans::has_approved(c, &id)?,
                };
                let is_assignee =
                    case.assignee_id.as_deref() == Some(actor.user_id.to_string().as_str());
                let t = decide(actor.role, is_assignee, &facts, input).map_err(|e| match e {
                    TransitionError::Invalid(errors) => ApiError::Validation(errors),
                    TransitionError::Forbidden => ApiError::Forbidden,
                    TransitionError::NotAllowed { detail, allowed } => ApiError::Conflict {
                        detail,
                        allowed: Some(allowed.iter().map(|s| s.as_str().to_string()).collect()),
                    },
                })?;
                // Closure fields: the reason is kept from the request until reopening; the date
                // is set on closing.
                let (closed_at, closure_reason) = match t.to {
                    CaseStatus::ClosureRequested => {
                        (None, t.closure_reason.map(|r| r.as_str().to_string()))
                    }
                    CaseStatus::Closed => (Some(now.naive_utc()), case.closure_reason.clone()),
                    _ => (None, None),
                };
                if !cases::move_status(
                    c,
                    &id,
                    from.as_str(),
                    t.to.as_str(),
                    closed_at,
                    closure_reason.as_deref(),
                )? {
                    return Err(ApiError::conflict(
                        "the case changed status meanwhile; reload it",
                    ));
                }
                let (kind, mut summary) = match (from, t.to) {
                    (CaseStatus::Closed, _) => ("reopened", "Case reopened".to_string()),
                    (CaseStatus::ClosureRequested, CaseStatus::InProgress) => (
                        "closure_returned",
                        "Closure returned to the case manager".into(),
                    ),
                    (_, CaseStatus::ClosureRequested) => (
                        "closure_requested",
                        format!(
                            "Closure requested: {}",
                            closure_reason.as_deref().unwrap_or_default()
                        ),
                    ),
                    (_, CaseStatus::Closed) => (
                        "closed",
                        format!(
                            "Case closed: {}",
                            closure_reason.as_deref().unwrap_or_default()
                        ),
                    ),
                    _ => (
                        "status_changed",
                        format!("Case moved from {} to {}", from.as_str(), t.to.as_str()),
                    ),
                };
                if let Some(reason) = &t.reason {
                    summary = format!("{summary} — {reason}");
                }
                record(c, &case, &actor, now, kind, summary, &id)?;
                match (from, t.to) {
                    // Closed: the open clocks stop; the post-closure follow-up starts.
                    (_, CaseStatus::Closed) => {
                        deadlines::cancel(c, &id, None, None)?;
                        let risk =
                            RiskLevel::from_code(&case.risk_level).unwrap_or(RiskLevel::Medium);
                        crate::protocol_engine::start(
                            c,
                            &app,
                            &case,
                            DeadlineKind::FollowUp,
                            now,
                            risk,
                            None,
                        )?;
                    }
                    (CaseStatus::Closed, _) => {
                        deadlines::cancel(c, &id, Some(DeadlineKind::FollowUp.as_str()), None)?
                    }
                    _ => {}
                }
                let updated = cases::find(c, &id)?.ok_or(ApiError::Internal)?;
                view(c, updated)
            })
        })
        .await?;
    Ok(with_etag(case))
}

// ---------------------------------------------------------------------------------------------
// Assessments

#[derive(Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: Uuid,
    pub case_id: Uuid,
    /// `initial` or `comprehensive`.
    pub kind: String,
    pub summary: String,
    pub risk_level: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub domains: Vec<DomainFinding>,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
}

impl From<AssessmentRow> for AssessmentView {
    fn from(a: AssessmentRow) -> Self {
        AssessmentView {
            id: uuid(&a.id),
            case_id: uuid(&a.case_id),
            kind: a.kind,
            summary: a.summary,
            risk_level: a.risk_level,
            domains: serde_json::from_str(&a.domains).unwrap_or_default(),
            recorded_by: uuid(&a.recorded_by),
            recorded_at: a.recorded_at.and_utc(),
        }
    }
}

/// Records an assessment. An initial assessment moves a case in intake to assessment; a
/// comprehensive one (all seven domains) moves it to planning. A risk level different from the
/// case's revises it.
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = AssessmentInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = AssessmentView),
    (status = 404, body = Problem),
    (status = 409, body = Problem),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/assessments")]
pub async fn add_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<AssessmentInput>,
) -> Result<HttpResponse, ApiError> {
    let assessment = parse_assessment(body.0)?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let app = state.clone();
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::WorkCase)?;
                let status = ensure_open(&case)?;
                let row = AssessmentRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: id.clone(),
                    kind: assessment.kind.as_str().into(),
                    summary: assessment.summary.clone(),
                    risk_level: assessment.risk_level.map(|r| r.as_str().into()),
                    domains: serde_json::to_string(&assessment.domains)
                        .map_err(|_| ApiError::Internal)?,
                    recorded_by: actor.user_id.to_string(),
                    recorded_at: now.naive_utc(),
                };
                assessments::insert(c, &row)?;
                let label = match assessment.kind {
                    AssessmentKind::Initial => "Initial (safety) assessment recorded",
                    AssessmentKind::Comprehensive => "Comprehensive assessment recorded",
                };
                record(c, &case, &actor, now, "assessment", label.into(), &row.id)?;
                let me = actor.user_id.to_string();
                match assessment.kind {
                    AssessmentKind::Initial => crate::protocol_engine::meet(
                        c,
                        &case,
                        DeadlineKind::InitialAssessment,
                        None,
                        &me,
                        now,
                    )?,
                    AssessmentKind::Comprehensive => {
                        crate::protocol_engine::meet(
                            c,
                            &case,
                            DeadlineKind::ComprehensiveAssessment,
                            None,
                            &me,
                            now,
                        )?;
                        let risk = assessment
                            .risk_level
                            .or_else(|| RiskLevel::from_code(&case.risk_level))
                            .unwrap_or(RiskLevel::Medium);
                        crate::protocol_engine::start(
                            c,
                            &app,
                            &case,
                            DeadlineKind::PlanApproval,
                            now,
                            risk,
                            None,
                        )?;
                    }
                }
                if let Some(risk) = assessment
                    .risk_level
                    .filter(|r| r.as_str() != case.risk_level)
                {
                    cases::set_risk(c, &id, risk.as_str())?;
                    crate::protocol_engine::retime(c, &app, &id, risk)?;
                    let summary = format!(
                        "Risk level revised from {} to {} by the assessment",
                        case.risk_level,
                        risk.as_str()
                    );
                    record(c, &case, &actor, now, "risk_revised", summary, &row.id)?;
                }
                if let Some(next) = status_after(assessment.kind, status) {
                    cases::move_status(c, &id, status.as_str(), next.as_str(), None, None)?;
                    let summary =
                        format!("Case moved from {} to {}", status.as_str(), next.as_str());
                    record(c, &case, &actor, now, "status_changed", summary, &row.id)?;
                }
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(AssessmentView::from(row)))
}

/// The case's assessments, oldest first.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<AssessmentView>),
    (status = 404, body = Problem),
))]
#[get("/cases/{id}/assessments")]
pub async fn list_assessments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<AssessmentView>>, ApiError> {
    let id = id.into_inner().to_string();
    let rows = state
        .run(move |conn| {
            visible_case(conn, &caller, &id, Action::ViewCases)?;
            Ok(assessments::for_case(conn, &id)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(AssessmentView::from).collect(),
    ))
}

// ---------------------------------------------------------------------------------------------
// The individual plan

#[derive(Serialize, ToSchema)]
pub struct PlanView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub version: i32,
    /// `draft`, `approved`, `rejected` or `superseded`.
    pub status: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub goals: Vec<GoalView>,
    /// Every version of the plan, oldest first.
    pub versions: Vec<PlanVersionView>,
}

#[derive(Serialize, ToSchema)]
pub struct GoalView {
    pub id: Uuid,
    pub title: String,
    pub measures: Vec<MeasureView>,
}

#[derive(Serialize, ToSchema)]
pub struct MeasureView {
    pub id: Uuid,
    /// `medical`, `psychological`, `pedagogical`, `social` or `legal`.
    pub kind: String,
    pub description: String,
    pub responsible_organisation_id: Uuid,
    pub due_date: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanVersionView {
    pub id: Uuid,
    pub version: i32,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

fn plan_view(
    conn: &mut DbConnection,
    plan: PlanRow,
    versions: Vec<PlanRow>,
) -> Result<PlanView, ApiError> {
    let (goals, measures) = plans::content(conn, &plan.id)?;
    let goals = goals
        .into_iter()
        .map(|g: GoalRow| GoalView {
            id: uuid(&g.id),
            title: g.title,
            measures: measures
                .iter()
                .filter(|m| m.goal_id == g.id)
                .map(|m| MeasureView {
                    id: uuid(&m.id),
                    kind: m.kind.clone(),
                    description: m.description.clone(),
                    responsible_organisation_id: uuid(&m.responsible_organisation_id),
                    due_date: m.due_date,
                    done_at: m.done_at.map(|t| t.and_utc()),
                })
                .collect(),
        })
        .collect();
    Ok(PlanView {
        id: uuid(&plan.id),
        case_id: uuid(&plan.case_id),
        version: plan.version,
        status: plan.status,
        created_by: uuid(&plan.created_by),
        created_at: plan.created_at.and_utc(),
        decided_by: plan.decided_by.as_deref().map(uuid),
        decided_at: plan.decided_at.map(|t| t.and_utc()),
        decision_note: plan.decision_note,
        goals,
        versions: versions
            .into_iter()
            .map(|p| PlanVersionView {
                id: uuid(&p.id),
                version: p.version,
                status: p.status,
                created_at: p.created_at.and_utc(),
            })
            .collect(),
    })
}

/// The latest version of the plan, with the list of all versions.
fn latest_plan(conn: &mut DbConnection, case_id: &str) -> Result<PlanView, ApiError> {
    let versions = plans::versions(conn, case_id)?;
    let latest = versions.last().cloned().ok_or(ApiError::NotFound)?;
    plan_view(conn, latest, versions)
}

/// Writes a new version of the individual plan as a draft for the supervisor to approve.
/// Earlier approved versions are kept; an unapproved draft is superseded.
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = PlanInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = PlanView),
    (status = 404, body = Problem),
    (status = 409, body = Problem),
    (status = 422, body = Problem),
))]
#[put("/cases/{id}/plan")]
pub async fn put_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PlanInput>,
) -> Result<web::Json<PlanView>, ApiError> {
    let now = state.now();
    let plan = parse_plan(body.0, now.with_timezone(&kazakhstan()).date_naive())?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let view = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::WorkCase)?;
                ensure_open(&case)?;
                let mut missing = Vec::new();
                for (g, goal) in plan.goals.iter().enumerate() {
                    for (m, measure) in goal.measures.iter().enumerate() {
                        if organisations::find(c, &measure.responsible_organisation_id.to_string())?
                            .is_none()
                        {
                            missing.push(qorgau_domain::validation::FieldError {
                                field: format!(
                                    "goals[{g}].measures[{m}].responsible_organisation_id"
                                ),
                                message: "no such organisation".into(),
                            });
                        }
                    }
                }
                if !missing.is_empty() {
                    return Err(ApiError::Validation(missing));
                }
                let version = plans::next_version(c, &id)?;
                let row = PlanRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: id.clone(),
                    version,
                    status: "draft".into(),
                    created_by: actor.user_id.to_string(),
                    created_at: now.naive_utc(),
                    decided_by: None,
                    decided_at: None,
                    decision_note: None,
                };
                let mut goals = Vec::new();
                let mut measures = Vec::new();
                for (g, goal) in plan.goals.iter().enumerate() {
                    let goal_id = Uuid::now_v7().to_string();
                    for (m, measure) in goal.measures.iter().enumerate() {
                        measures.push(MeasureRow {
                            id: Uuid::now_v7().to_string(),
                            plan_id: row.id.clone(),
                            goal_id: goal_id.clone(),
                            position: i32::try_from(m).unwrap_or(i32::MAX),
                            kind: measure.kind.as_str().into(),
                            description: measure.description.clone(),
                            responsible_organisation_id: measure
                                .responsible_organisation_id
                                .to_string(),
                            due_date: measure.due_date,
                            done_at: None,
                            done_by: None,
                        });
                    }
                    goals.push(GoalRow {
                        id: goal_id,
                        plan_id: row.id.clone(),
                        position: i32::try_from(g).unwrap_or(i32::MAX),
                        title: goal.title.clone(),
                    });
                }
                plans::insert_version(c, &row, &goals, &measures)?;
                record(
                    c,
                    &case,
                    &actor,
                    now,
                    "plan_version",
                    format!("Individual plan version {version} drafted"),
                    &row.id,
                )?;
                latest_plan(c, &id)
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// The latest version of the individual plan and the list of versions.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = PlanView),
    (status = 404, body = Problem, description = "No such case, or no plan yet"),
))]
#[get("/cases/{id}/plan")]
pub async fn get_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PlanView>, ApiError> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| {
            visible_case(conn, &caller, &id, Action::ViewCases)?;
            latest_plan(conn, &id)
        })
        .await?;
    Ok(web::Json(view))
}

/// The supervisor approves the draft, or rejects it with a note.
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = PlanDecisionInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = PlanView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "No draft awaits a decision"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/plan/approval")]
pub async fn decide_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PlanDecisionInput>,
) -> Result<web::Json<PlanView>, ApiError> {
    let decision = parse_decision(body.0)?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let app = state.clone();
    let view = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::DecidePlan)?;
                let latest = plans::versions(c, &id)?
                    .pop()
                    .filter(|p| p.status == "draft");
                let Some(draft) = latest else {
                    return Err(ApiError::conflict("no draft plan awaits a decision"));
                };
                let (status, note, kind) = match &decision {
                    PlanDecision::Approve { note } => {
                        ("approved", note.as_deref(), "plan_approved")
                    }
                    PlanDecision::Reject { note } => {
                        ("rejected", Some(note.as_str()), "plan_rejected")
                    }
                };
                if !plans::decide(
                    c,
                    &draft.id,
                    status,
                    &actor.user_id.to_string(),
                    now.naive_utc(),
                    note,
                )? {
                    return Err(ApiError::conflict("the draft was decided meanwhile"));
                }
                let mut summary = format!("Individual plan version {} {status}", draft.version);
                if let Some(note) = note {
                    summary = format!("{summary}: {note}");
                }
                record(c, &case, &actor, now, kind, summary, &draft.id)?;
                if matches!(decision, PlanDecision::Approve { .. }) {
                    // Approval meets the plan deadline and (re)starts the periodic review.
                    let me = actor.user_id.to_string();
                    crate::protocol_engine::meet(
                        c,
                        &case,
                        DeadlineKind::PlanApproval,
                        None,
                        &me,
                        now,
                    )?;
                    crate::protocol_engine::meet(
                        c,
                        &case,
                        DeadlineKind::PlanReview,
                        None,
                        &me,
                        now,
                    )?;
                    let risk = RiskLevel::from_code(&case.risk_level).unwrap_or(RiskLevel::Medium);
                    crate::protocol_engine::start(
                        c,
                        &app,
                        &case,
                        DeadlineKind::PlanReview,
                        now,
                        risk,
                        None,
                    )?;
                }
                latest_plan(c, &id)
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// Marks a measure of an approved plan as done.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path), ("measure_id" = Uuid, Path)), responses(
    (status = 200, body = PlanView),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Already done, or the plan is not approved"),
))]
#[post("/cases/{id}/plan/measures/{measure_id}/done")]
pub async fn measure_done(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<PlanView>, ApiError> {
    let (id, measure_id) = path.into_inner();
    let (id, measure_id) = (id.to_string(), measure_id.to_string());
    let actor = caller.actor.clone();
    let now = state.now();
    let view = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::WorkCase)?;
                let (measure, _, plan_status) = plans::find_measure(c, &measure_id)?
                    .filter(|(_, case_id, _)| *case_id == id)
                    .ok_or(ApiError::NotFound)?;
                if plan_status != "approved" {
                    return Err(ApiError::conflict("measures are done on an approved plan"));
                }
                if !plans::mark_done(c, &measure_id, &actor.user_id.to_string(), now.naive_utc())? {
                    return Err(ApiError::conflict("the measure is already done"));
                }
                record(
                    c,
                    &case,
                    &actor,
                    now,
                    "measure_done",
                    format!("Plan measure done: {}", measure.description),
                    &measure_id,
                )?;
                latest_plan(c, &id)
            })
        })
        .await?;
    Ok(web::Json(view))
}

// ---------------------------------------------------------------------------------------------
// Interventions

#[derive(Serialize, ToSchema)]
pub struct InterventionView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub assistance_type: String,
    pub occurred_at: DateTime<Utc>,
    pub summary: String,
    /// The child was seen in person.
    pub child_seen: bool,
    pub duration_minutes: Option<i32>,
    pub plan_measure_id: Option<Uuid>,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
}

impl From<InterventionRow> for InterventionView {
    fn from(i: InterventionRow) -> Self {
        InterventionView {
            id: uuid(&i.id),
            case_id: uuid(&i.case_id),
            kind: i.kind,
            assistance_type: i.assistance_type,
            occurred_at: i.occurred_at.and_utc(),
            summary: i.summary,
            child_seen: i.child_seen,
            duration_minutes: i.duration_minutes,
            plan_measure_id: i.plan_measure_id.as_deref().map(uuid),
            recorded_by: uuid(&i.recorded_by),
            recorded_at: i.recorded_at.and_utc(),
        }
    }
}

/// Logs help given to the child, optionally against a measure of the plan.
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = InterventionInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = InterventionView),
    (status = 404, body = Problem),
    (status = 409, body = Problem),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/interventions")]
pub async fn add_intervention(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<InterventionInput>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let intervention = parse_intervention(body.0, now)?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                // Specialists log work while their organisation holds an active referral.
                let case = crate::routes::referrals::case_for_work(c, &caller, &id)?;
                ensure_open(&case)?;
                if let Some(measure) = intervention.plan_measure_id
                    && plans::find_measure(c, &measure.to_string())?
                        .filter(|(_, cid, _)| *cid == id)
                        .is_none()
                {
                    return Err(ApiError::invalid(
                        "plan_measure_id",
                        "no such measure in this case's plan",
                    ));
                }
                let row = InterventionRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: id.clone(),
                    kind: intervention.kind.as_str().into(),
                    assistance_type: intervention.assistance_type.as_str().into(),
                    occurred_at: intervention.occurred_at.naive_utc(),
                    summary: intervention.summary.clone(),
                    child_seen: intervention.child_seen,
                    duration_minutes: intervention.duration_minutes.map(i32::from),
                    plan_measure_id: intervention.plan_measure_id.map(|m| m.to_string()),
                    recorded_by: actor.user_id.to_string(),
                    recorded_at: now.naive_utc(),
                };
                interventions::insert(c, &row)?;
                let seen = if row.child_seen {
                    ", child seen in person"
                } else {
                    ""
                };
                record(
                    c,
                    &case,
                    &actor,
                    now,
                    "intervention",
                    format!("Intervention: {} ({}){seen}", row.kind, row.assistance_type),
                    &row.id,
                )?;
                if row.child_seen {
                    // The child seen in person: the first-contact deadline is met.
                    let me = actor.user_id.to_string();
                    crate::protocol_engine::meet(
                        c,
                        &case,
                        DeadlineKind::FirstContact,
                        None,
                        &me,
                        now,
                    )?;
                }
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(InterventionView::from(row)))
}

/// The case's interventions, in the order they happened.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<InterventionView>),
    (status = 404, body = Problem),
))]
#[get("/cases/{id}/interventions")]
pub async fn list_interventions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<InterventionView>>, ApiError> {
    let id = id.into_inner().to_string();
    let rows = state
        .run(move |conn| {
            visible_case(conn, &caller, &id, Action::ViewCases)?;
            Ok(interventions::for_case(conn, &id)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(InterventionView::from).collect(),
    ))
}
