//! Placements of the child (api.md § Interagency records): HTTP only; the use cases are
//! `qorgau_app::placements`.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use qorgau_app::placements::{self, PlacementEnd};
use qorgau_domain::ids::{CaseId, PlacementId};
use qorgau_domain::interagency::{PlacementEndInput, PlacementInput, parse_placement};
use qorgau_domain::report::kazakhstan_date;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::placements::PlacementView;
use crate::error::{ApiError, Problem};
use crate::etag::if_match;
use crate::idempotency::{RetryKey, Retryable, created};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Records a placement of the child.
#[utoipa::path(operation_id = "addPlacement", tag = "records", security(("bearer" = [])), request_body = PlacementInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = PlacementView), (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The Idempotency-Key was used for another request"), (status = 422, body = Problem),
))]
#[post("/cases/{id}/placements")]
pub async fn add_placement(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<PlacementInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_placement(body.body, kazakhstan_date(caller.at.naive_utc()))?;
    let case = CaseId(*id);
    let work =
        move |conn: &mut _, app: &_, caller: &_| placements::add(conn, app, caller, case, new);
    state
        .once(caller, body.key, work, created::<PlacementView, _>)
        .await
}

/// One placement, with its version as `ETag`.
#[utoipa::path(operation_id = "getPlacement", tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = PlacementView, headers(("ETag" = String, description = "The placement's version, quoted"))),
    (status = 404, body = Problem),
))]
#[get("/placements/{id}")]
pub async fn get_placement(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let work = move |conn: &mut _| placements::get(conn, &caller, PlacementId(*id));
    state.versioned::<PlacementView, _>(work).await
}

/// Ends a placement (`ended_on`, `end_reason` — e.g. `breakdown`). `If-Match` with the
/// placement's version is required: a stale one answers 412.
#[utoipa::path(operation_id = "endPlacement", tag = "records", security(("bearer" = [])), request_body = PlacementEndInput,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag (version) of the placement being changed")),
    responses(
        (status = 200, body = PlacementView, headers(("ETag" = String, description = "The placement's new version, quoted"))),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Already ended"),
        (status = 412, body = Problem, description = "The placement changed since that version"),
        (status = 422, body = Problem), (status = 428, body = Problem, description = "If-Match missing"),
    ))]
#[patch("/placements/{id}")]
pub async fn end_placement(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PlacementEndInput>,
) -> Result<HttpResponse, ApiError> {
    let command = PlacementEnd {
        id: PlacementId(*id),
        expected_version: if_match(&req)?,
        input: body.0,
    };
    let app = state.clone();
    let work = move |conn: &mut _| placements::end(conn, &app, &caller, command);
    state.versioned::<PlacementView, _>(work).await
}

/// The case's placements, oldest first; an over-long stay in a juvenile adaptation centre is
/// flagged.
#[utoipa::path(operation_id = "listPlacements", tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<PlacementView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/placements")]
pub async fn list_placements(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<PlacementView>>, ApiError> {
    let page = params.page()?;
    let (rows, page) = state
        .run(move |conn| {
            let rows = placements::list(conn, &caller, CaseId(*id), &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.row.id, PlacementView::try_from)?;
    Ok(web::Json(answer))
}
