//! The work on a case (api.md § Cases): status transitions, assessments, the individual plan,
//! its approval and review, interventions, and follow-up contacts after closure. The use cases
//! are in `qorgau_app` (`transitions`, `assessments`, `plans`, `interventions`, `follow_ups`);
//! the bodies in `crate::dto`.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use qorgau_app::assessments::{assessments_of, record_assessment};
use qorgau_app::follow_ups;
use qorgau_app::interventions::{interventions_of, record_intervention};
use qorgau_app::plans::{self, PlanDraft, draft_plan, plan_of};
use qorgau_app::transitions::transition_case;
use qorgau_domain::assessment::{AssessmentInput, parse_assessment};
use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::ids::{CaseId, PlanMeasureId};
use qorgau_domain::intervention::{InterventionInput, parse_intervention};
use qorgau_domain::lifecycle::{FollowUpInput, TransitionInput, parse_follow_up};
use qorgau_domain::plan::{
    PlanDecisionInput, PlanInput, PlanReviewInput, parse_decision, parse_plan, parse_review,
};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::case_work::{
    AssessmentView, FollowUpView, InterventionView, PlanReviewView, PlanView,
};
use crate::dto::cases::CaseView;
use crate::dto::checked_page;
use crate::error::{ApiError, Problem};
use crate::etag::if_match_or_absent;
use crate::idempotency::{RetryKey, Retryable, created};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// Transitions

/// Moves the case through its lifecycle. 409 lists the moves allowed from here; 403 when the
/// move belongs to another role.
#[utoipa::path(operation_id = "transitionCase", tag = "cases", security(("bearer" = [])), request_body = TransitionInput, params(("id" = Uuid, Path)), responses(
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
    let id = CaseId(id.into_inner());
    let app = state.app.clone();
    let work = move |conn: &mut _| transition_case(conn, &app, &caller, id, None, body.0);
    state.versioned::<CaseView, _>(work).await
}

// ---------------------------------------------------------------------------------------------
// Assessments

/// Records an assessment. An initial assessment moves a case in intake to assessment; a
/// comprehensive one (all seven domains) moves it to planning. A risk level different from the
/// case's revises it.
#[utoipa::path(operation_id = "addAssessment", tag = "cases", security(("bearer" = [])), request_body = AssessmentInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = AssessmentView),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Not allowed in the case's status, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/assessments")]
pub async fn add_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<AssessmentInput>,
) -> Result<HttpResponse, ApiError> {
    let assessment = parse_assessment(body.body)?;
    let id = CaseId(id.into_inner());
    let work = move |conn: &mut _, app: &_, caller: &_| {
        record_assessment(conn, app, caller, id, None, assessment)
    };
    state
        .once(caller, body.key, work, created::<AssessmentView, _>)
        .await
}

/// The case's assessments, oldest first.
#[utoipa::path(operation_id = "listAssessments", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<AssessmentView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/assessments")]
pub async fn list_assessments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<AssessmentView>>, ApiError> {
    let page = params.page()?;
    let id = CaseId(id.into_inner());
    let (rows, page) = state
        .run(move |conn| {
            let rows = assessments_of(conn, &caller, id, &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.id, AssessmentView::try_from)?;
    Ok(web::Json(answer))
}

// ---------------------------------------------------------------------------------------------
// The individual plan

/// Writes a new version of the individual plan as a draft for the supervisor to approve.
/// Earlier approved versions are kept; an unapproved draft is superseded. `If-Match` with the
/// plan's `ETag` is required (the first version: `If-None-Match: *`): a stale one answers 412.
#[utoipa::path(operation_id = "putPlan", tag = "cases", security(("bearer" = [])), request_body = PlanInput,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The plan's ETag, as read"),
        ("If-None-Match" = Option<String>, Header, description = "`*` to write the first version")),
    responses(
        (status = 200, body = PlanView, headers(("ETag" = String, description = "The plan's revision, quoted"))),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 412, body = Problem, description = "The plan changed since that revision"),
        (status = 422, body = Problem),
        (status = 428, body = Problem, description = "Neither If-Match nor If-None-Match: *"),
    ))]
#[put("/cases/{id}/plan")]
pub async fn put_plan(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PlanInput>,
) -> Result<HttpResponse, ApiError> {
    let expected_revision = if_match_or_absent(&req)?;
    let today = caller.at.with_timezone(&kazakhstan()).date_naive();
    let plan = parse_plan(body.0, today)?;
    let draft = PlanDraft {
        case_id: CaseId(id.into_inner()),
        expected_revision,
        plan,
    };
    let app = state.app.clone();
    let work = move |conn: &mut _| draft_plan(conn, &app, &caller, draft);
    state.versioned::<PlanView, _>(work).await
}

/// The latest version of the individual plan and the list of versions, with the plan's
/// revision as `ETag`.
#[utoipa::path(operation_id = "getPlan", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = PlanView, headers(("ETag" = String, description = "The plan's revision, quoted"))),
    (status = 404, body = Problem, description = "No such case, or no plan yet"),
))]
#[get("/cases/{id}/plan")]
pub async fn get_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = CaseId(id.into_inner());
    let work = move |conn: &mut _| plan_of(conn, &caller, id);
    state.versioned::<PlanView, _>(work).await
}

/// The supervisor approves the draft, or rejects it with a note.
#[utoipa::path(operation_id = "decidePlan", tag = "cases", security(("bearer" = [])), request_body = PlanDecisionInput, params(("id" = Uuid, Path)), responses(
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
) -> Result<HttpResponse, ApiError> {
    let decision = parse_decision(body.0)?;
    let id = CaseId(id.into_inner());
    let app = state.app.clone();
    let work = move |conn: &mut _| plans::decide_plan(conn, &app, &caller, id, None, decision);
    state.versioned::<PlanView, _>(work).await
}

/// The case manager of the case, or the region's supervisor, reviewed the approved plan and
/// keeps it unchanged: the pending `plan_review` deadline is met and its clock restarts from
/// now. A changed plan is a new version instead (`PUT /cases/{id}/plan`).
#[utoipa::path(operation_id = "reviewPlan", tag = "cases", security(("bearer" = [])), request_body = PlanReviewInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = PlanReviewView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "No approved plan, the case is closed, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/plan/review")]
pub async fn review_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<PlanReviewInput>,
) -> Result<HttpResponse, ApiError> {
    let review = parse_review(body.body)?;
    let id = CaseId(id.into_inner());
    let work =
        move |conn: &mut _, app: &_, caller: &_| plans::review_plan(conn, app, caller, id, review);
    state
        .once(caller, body.key, work, created::<PlanReviewView, _>)
        .await
}

/// Marks a measure of an approved plan as done.
#[utoipa::path(operation_id = "markPlanMeasureDone", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path), ("measure_id" = Uuid, Path)), responses(
    (status = 200, body = PlanView),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Already done, or the plan is not approved"),
))]
#[post("/cases/{id}/plan/measures/{measure_id}/done")]
pub async fn measure_done(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, measure_id) = path.into_inner();
    let (id, measure_id) = (CaseId(id), PlanMeasureId(measure_id));
    let work = move |conn: &mut _| plans::measure_done(conn, &caller, id, measure_id);
    state.versioned::<PlanView, _>(work).await
}

// ---------------------------------------------------------------------------------------------
// Interventions

/// Logs help given to the child, optionally against a measure of the plan.
#[utoipa::path(operation_id = "addIntervention", tag = "cases", security(("bearer" = [])), request_body = InterventionInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = InterventionView),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Not allowed in the case's status, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/interventions")]
pub async fn add_intervention(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<InterventionInput>,
) -> Result<HttpResponse, ApiError> {
    let intervention = parse_intervention(body.body, caller.at)?;
    let id = CaseId(id.into_inner());
    let work = move |conn: &mut _, _: &_, caller: &_| {
        record_intervention(conn, caller, id, None, intervention)
    };
    state
        .once(caller, body.key, work, created::<InterventionView, _>)
        .await
}

/// The case's interventions, in the order they happened (by `occurred_at`, then id).
#[utoipa::path(operation_id = "listInterventions", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<InterventionView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/interventions")]
pub async fn list_interventions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<InterventionView>>, ApiError> {
    let page = params.page()?;
    let id = CaseId(id.into_inner());
    let (rows, page) = state
        .run(move |conn| {
            let rows = interventions_of(conn, &caller, id, &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.id, InterventionView::try_from)?;
    Ok(web::Json(answer))
}

// ---------------------------------------------------------------------------------------------
// Follow-up after closure

/// Records a contact with the child of a closed case (its case manager or the region's
/// supervisor): meets the case's `follow_up` deadline; `concerns` asks the region's supervisors
/// to decide whether to reopen it.
#[utoipa::path(operation_id = "addFollowUp", tag = "cases", security(("bearer" = [])), request_body = FollowUpInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = FollowUpView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The case is not closed, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/follow-ups")]
pub async fn add_follow_up(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<FollowUpInput>,
) -> Result<HttpResponse, ApiError> {
    let follow_up = parse_follow_up(body.body, caller.at)?;
    let id = CaseId(id.into_inner());
    let work = move |conn: &mut _, app: &_, caller: &_| {
        follow_ups::record(conn, app, caller, id, follow_up)
    };
    state
        .once(caller, body.key, work, created::<FollowUpView, _>)
        .await
}

/// The case's follow-up contacts after closure, in the order they were recorded.
#[utoipa::path(operation_id = "listFollowUps", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<FollowUpView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<FollowUpView>>, ApiError> {
    let page = params.page()?;
    let id = CaseId(id.into_inner());
    let (rows, page) = state
        .run(move |conn| {
            let rows = follow_ups::list(conn, &caller, id, &page)?;
            Ok((rows, page))
        })
        .await?;
    let list = checked_page(rows, &page, |f| &f.id, FollowUpView::try_from)?;
    Ok(web::Json(list))
}
