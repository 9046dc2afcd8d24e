//! Commission matters (КТІҚҚК) of a case (api.md § Interagency records): HTTP only; the use
//! cases are `qorgau_app::commission`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use qorgau_app::commission;
use qorgau_domain::ids::{CaseId, CommissionMatterId, CommissionMeasureId};
use qorgau_domain::interagency::{
    CommissionDecisionInput, CommissionMatterInput, parse_commission_decision,
    parse_commission_matter,
};
use qorgau_domain::validation::bounded_text;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::commission::{CommissionMatterView, CommissionMeasureView, DoneInput};
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, created, respond};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Refers the case to the commission on minors' affairs, with the grounds.
#[utoipa::path(operation_id = "addCommissionMatter", tag = "records", security(("bearer" = [])), request_body = CommissionMatterInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = CommissionMatterView), (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The Idempotency-Key was used for another request"), (status = 422, body = Problem),
))]
#[post("/cases/{id}/commission-matters")]
pub async fn add_matter(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<CommissionMatterInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_commission_matter(body.body)?;
    let case = CaseId(*id);
    let work = move |conn: &mut _, app: &_, caller: &_| {
        commission::add_matter(conn, app, caller, case, new)
    };
    state
        .once(caller, body.key, work, created::<CommissionMatterView, _>)
        .await
}

/// Records the hearing's decision and the measures it ordered.
#[utoipa::path(operation_id = "decideCommissionMatter", tag = "records", security(("bearer" = [])), request_body = CommissionDecisionInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 200, body = CommissionMatterView), (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Already decided, or the Idempotency-Key was used for another request"), (status = 422, body = Problem),
))]
#[post("/commission-matters/{id}/decision")]
pub async fn decide_matter(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<CommissionDecisionInput>,
) -> Result<HttpResponse, ApiError> {
    let decision = parse_commission_decision(body.body)?;
    let matter = CommissionMatterId(*id);
    let work = move |conn: &mut _, app: &_, caller: &_| {
        commission::decide(conn, app, caller, matter, decision)
    };
    let render = respond::<CommissionMatterView, _>(StatusCode::OK);
    state.once(caller, body.key, work, render).await
}

/// Records that a commission measure was carried out.
#[utoipa::path(operation_id = "markCommissionMeasureDone", tag = "records", security(("bearer" = [])), request_body = DoneInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = CommissionMeasureView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[post("/commission-measures/{id}/done")]
pub async fn measure_done(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<DoneInput>,
) -> Result<web::Json<CommissionMeasureView>, ApiError> {
    let note = bounded_text(body.0.note.as_deref().unwrap_or_default(), 2000)
        .map_err(|e| ApiError::invalid("note", e.to_string()))?;
    let app = state.clone();
    let measure = state
        .run(move |conn| {
            Ok(commission::measure_done(
                conn,
                &app,
                &caller,
                CommissionMeasureId(*id),
                note,
            )?)
        })
        .await?;
    Ok(web::Json(measure.try_into()?))
}

/// The case's commission matters with their measures' execution, oldest first.
#[utoipa::path(operation_id = "listCommissionMatters", tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<CommissionMatterView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/commission-matters")]
pub async fn list_matters(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<CommissionMatterView>>, ApiError> {
    let page = params.page()?;
    let (rows, page) = state
        .run(move |conn| {
            let rows = commission::list(conn, &caller, CaseId(*id), &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.row.id, CommissionMatterView::try_from)?;
    Ok(web::Json(answer))
}
