//! Supervision (api.md § Supervision and reports): the caseload of a region with, for every
//! count, the list query that shows the records behind it; and the region's overdue work.

use actix_web::{get, web};
use qorgau_app::area::AreaAsked;
use qorgau_app::supervision::{self, OverdueAsked};

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::supervision::{
    AreaQuery, CaseloadView, OverdueQuery, OverdueView, cursor_key, parse_cursor,
};
use crate::error::{ApiError, Problem};
use crate::list::{List, ListParams};
use crate::state::AppState;

/// The caseload of the supervisor's region, or of one district of it.
///
/// Per case manager: open cases by risk and status, overdue cases, children not seen in time
/// and overdue work items; then unassigned cases and untriaged signals. Every count has a link
/// to the list behind it.
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(AreaQuery), responses(
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
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(OverdueQuery, ListParams), responses(
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
        assignee_id: q.assignee_id.map(|a| a.to_string()),
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
