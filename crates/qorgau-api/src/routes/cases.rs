//! Cases (api.md § Cases): list, card with `ETag`, edits under `If-Match`, assignment. The
//! lifecycle — transitions, assessments, plan, interventions — is in `case_work`. The use
//! cases are `qorgau_app::cases`; the bodies `crate::dto::cases`.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use qorgau_app::cases::{CaseSearch, assign_case, case_card, edit_case, list_cases};
use qorgau_domain::ids::CaseId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::cases::{AssignmentRequest, CasePatch, CaseQuery, CaseView};
use crate::dto::views;
use crate::error::{ApiError, Problem};
use crate::etag::if_match;
use crate::json::Json;
use crate::list::{List, ListParams, paginate};
use crate::state::AppState;

/// Cases the caller may see: their own for a case manager, the region's for a supervisor.
#[utoipa::path(operation_id = "listCases", tag = "cases", security(("bearer" = [])), params(CaseQuery, ListParams), responses(
    (status = 200, body = List<CaseView>),
    (status = 403, body = Problem),
))]
#[get("/cases")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CaseQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<CaseView>>, ApiError> {
    let page = params.page()?;
    let search = CaseSearch::try_from(query.into_inner())?;
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(list_cases(conn, &caller, search, &query_page)?))
        .await?;
    let list = paginate(rows, &page, |s| &s.case.id, |s| s);
    Ok(web::Json(List {
        items: views(list.items)?,
        next_cursor: list.next_cursor,
    }))
}

/// One case, with `ETag: "<version>"`.
#[utoipa::path(operation_id = "getCase", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = CaseView, headers(("ETag" = String, description = "The case version, quoted"))),
    (status = 404, body = Problem),
))]
#[get("/cases/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = CaseId(id.into_inner());
    let work = move |conn: &mut _| case_card(conn, &caller, id);
    state.versioned::<CaseView, _>(work).await
}

/// Edits a case. `If-Match` with the current version is required: a stale version answers 412,
/// so two people cannot silently overwrite each other.
#[utoipa::path(operation_id = "editCase", tag = "cases", security(("bearer" = [])), request_body = CasePatch,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag of the version being edited")),
    responses(
        (status = 200, body = CaseView),
        (status = 404, body = Problem),
        (status = 412, body = Problem, description = "The case changed since that version"),
        (status = 422, body = Problem),
        (status = 428, body = Problem, description = "If-Match missing"),
    ))]
#[patch("/cases/{id}")]
pub async fn edit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<CasePatch>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let edit = body.0.into_edit(CaseId(id.into_inner()), expected)?;
    let app = state.app.clone();
    let work = move |conn: &mut _| edit_case(conn, &app, &caller, edit);
    state.versioned::<CaseView, _>(work).await
}

/// Assigns the case to a case manager of its region (supervisors).
#[utoipa::path(operation_id = "assignCase", tag = "cases", security(("bearer" = [])), request_body = AssignmentRequest, params(("id" = Uuid, Path)), responses(
    (status = 200, body = CaseView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/assignment")]
pub async fn assign(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<AssignmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let assignee = body.0.assignee()?;
    let id = CaseId(id.into_inner());
    let app = state.app.clone();
    let work = move |conn: &mut _| assign_case(conn, &app, &caller, id, assignee);
    state.versioned::<CaseView, _>(work).await
}
