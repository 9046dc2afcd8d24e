//! Supervision (api.md § Supervision and reports): the caseload of a region with, for every
//! count, the list query that shows the records behind it; the region's overdue work; and its
//! routing gaps until resolved.

use actix_web::{get, post, web};
use qorgau_app::area::AreaAsked;
use qorgau_app::routing_gaps as gaps;
use qorgau_app::supervision::{self, OverdueAsked};
use qorgau_domain::ids::{RoutingGapId, UserId};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::supervision::{
    AreaQuery, CaseloadView, GapResolution, OverdueQuery, OverdueView, RoutingGapQuery,
    RoutingGapView, cursor_key, parse_cursor,
};
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

/// The caseload of the supervisor's region, or of one district of it.
///
/// Per case manager: open cases by risk and status, overdue cases, children not seen in time
/// and overdue work items; then unassigned cases and untriaged signals. Every count has a link
/// to the list behind it.
#[utoipa::path(operation_id = "getCaseload", tag = "supervision", security(("bearer" = [])), params(AreaQuery), responses(
    (status = 200, body = CaseloadView),
    (status = 403, body = Problem),
    (status = 404, body = Problem, description = "A region or district outside the caller's"),
    (status = 422, body = Problem),
))]
#[get("/supervision/caseload")]
pub async fn caseload(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AreaQuery>,
) -> Result<web::Json<CaseloadView>, ApiError> {
    let asked = AreaAsked::from(query.into_inner());
    let app = state.app.clone();
    let caseload = state
        .run(move |conn| Ok(supervision::caseload(conn, &app, &caller, &asked)?))
        .await?;
    Ok(web::Json(CaseloadView::try_from(caseload)?))
}

/// Every lapsed deadline and overdue commission measure of the region, oldest first.
#[utoipa::path(operation_id = "listOverdue", tag = "supervision", security(("bearer" = [])), params(OverdueQuery, ListParams), responses(
    (status = 200, body = List<OverdueView>),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
#[get("/supervision/overdue")]
pub async fn overdue(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OverdueQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<OverdueView>>, ApiError> {
    let page = params.page()?;
    let q = query.into_inner();
    let asked = OverdueAsked {
        area: AreaAsked {
            region_code: q.region_code,
            district_code: q.district_code,
        },
        assignee_id: q.assignee_id.map(UserId),
        after: page.after.as_deref().map(parse_cursor).transpose()?,
        limit: page.limit,
    };
    let app = state.app.clone();
    let rows = state
        .run(move |conn| Ok(supervision::overdue(conn, &app, &caller, &asked)?))
        .await?;
    let keyed = rows.into_iter().map(|r| (cursor_key(&r), r)).collect();
    let list = checked_page(keyed, &page, |(key, _)| key, |(_, r)| r.try_into())?;
    Ok(web::Json(list))
}

/// The routing gaps of the supervisor's region — mandatory steps of the protocol that found no
/// organisation to take them — oldest first; `resolved=false` is her list of gaps to resolve.
#[utoipa::path(operation_id = "listRoutingGaps", tag = "supervision", security(("bearer" = [])), params(RoutingGapQuery, ListParams), responses(
    (status = 200, body = List<RoutingGapView>),
    (status = 403, body = Problem, description = "Not a supervisor"),
    (status = 422, body = Problem),
))]
#[get("/supervision/routing-gaps")]
pub async fn list_routing_gaps(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RoutingGapQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<RoutingGapView>>, ApiError> {
    let page = params.page()?;
    let resolved = query.resolved;
    let (rows, page) = state
        .run(move |conn| {
            let rows = gaps::list(conn, &caller, resolved, &page)?;
            Ok((rows, page))
        })
        .await?;
    let list = checked_page(rows, &page, |g| &g.gap.id, RoutingGapView::try_from)?;
    Ok(web::Json(list))
}

/// The supervisor of the case's region records how a routing gap's duty was met; the gap leaves
/// the list of open gaps. Audited, and noted on the case's timeline.
#[utoipa::path(operation_id = "resolveRoutingGap", tag = "supervision", security(("bearer" = [])), request_body = GapResolution, params(("id" = Uuid, Path)), responses(
    (status = 200, body = RoutingGapView),
    (status = 403, body = Problem, description = "Not a supervisor"),
    (status = 404, body = Problem, description = "No such gap in the caller's region"),
    (status = 409, body = Problem, description = "Already resolved"),
    (status = 422, body = Problem, description = "No note"),
))]
#[post("/supervision/routing-gaps/{id}/resolve")]
pub async fn resolve_routing_gap(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<GapResolution>,
) -> Result<web::Json<RoutingGapView>, ApiError> {
    let id = RoutingGapId(id.into_inner());
    let gap = state
        .run(move |conn| Ok(gaps::resolve(conn, &caller, id, &body.0.note)?))
        .await?;
    Ok(web::Json(RoutingGapView::try_from(gap)?))
}
