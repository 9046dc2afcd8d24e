//! Regions (reference data) and districts (added by an administrator).

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::geography;

use crate::auth::Caller;
use crate::dto::geography::{DistrictView, NewDistrict, RegionView};
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::list::{List, ListParams, paginate};
use crate::state::AppState;

/// The 20 regions with their districts, in code order (the cursor is a region code).
#[utoipa::path(operation_id = "listRegions", tag = "geography", security(("bearer" = [])), params(ListParams), responses(
    (status = 200, body = List<RegionView>),
    (status = 401, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/regions")]
pub async fn list_regions(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<RegionView>>, ApiError> {
    let page = params.page()?;
    let (regions, page) = state
        .run(move |conn| {
            let regions = geography::regions(conn, &caller, &page)?;
            Ok((regions, page))
        })
        .await?;
    Ok(web::Json(paginate(
        regions,
        &page,
        |(region, _)| &region.code,
        RegionView::from,
    )))
}

/// Adds a district to a region (administrators).
#[utoipa::path(operation_id = "addDistrict", tag = "geography", security(("bearer" = [])), request_body = NewDistrict,
    params(("code" = String, Path, description = "Region code, e.g. KZ-71"), RetryKey),
    responses(
        (status = 201, body = DistrictView),
        (status = 403, body = Problem),
        (status = 404, body = Problem, description = "No such region"),
        (status = 409, body = Problem, description = "The district code exists, or the Idempotency-Key was used for another request"),
        (status = 422, body = Problem),
    ))]
#[post("/regions/{code}/districts")]
pub async fn add_district(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Retryable<NewDistrict>,
) -> Result<HttpResponse, ApiError> {
    let region = path.into_inner();
    let new = body.body.into();
    let work =
        move |conn: &mut _, _: &_, caller: &_| geography::add_district(conn, caller, &region, new);
    state
        .once(caller, body.key, work, created::<DistrictView, _>)
        .await
}
