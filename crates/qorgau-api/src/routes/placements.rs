//! Placements of the child (api.md § Interagency records): HTTP only; the use cases are
//! `qorgau_app::placements`.

use actix_web::{HttpResponse, get, patch, post, web};
use qorgau_app::placements;
use qorgau_domain::ids::CaseId;
use qorgau_domain::interagency::{PlacementEndInput, PlacementInput, parse_placement};
use qorgau_domain::report::kazakhstan_date;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::placements::PlacementView;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Records a placement of the child.
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = PlacementInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = PlacementView), (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[post("/cases/{id}/placements")]
pub async fn add_placement(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PlacementInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_placement(body.0, kazakhstan_date(caller.at.naive_utc()))?;
    let app = state.clone();
    let placement = state
        .run(move |conn| Ok(placements::add(conn, &app, &caller, CaseId(*id), new)?))
        .await?;
    Ok(HttpResponse::Created().json(PlacementView::try_from(placement)?))
}

/// Ends a placement (`ended_on`, `end_reason` — e.g. `breakdown`).
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = PlacementEndInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = PlacementView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[patch("/placements/{id}")]
pub async fn end_placement(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PlacementEndInput>,
) -> Result<web::Json<PlacementView>, ApiError> {
    let app = state.clone();
    let placement = state
        .run(move |conn| Ok(placements::end(conn, &app, &caller, *id, body.0)?))
        .await?;
    Ok(web::Json(placement.try_into()?))
}

/// The case's placements, oldest first; an over-long stay in a juvenile adaptation centre is
/// flagged.
#[utoipa::path(tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
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
