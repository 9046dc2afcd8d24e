//! Reviewing access (brief § 5): the audit log, a child's access log, and break-glass grants.

use actix_web::{HttpResponse, get, post, web};
use chrono::Duration;
use qorgau_app::audit_log::{self, AuditAsked, BreakGlassAsked};
use qorgau_domain::ids::ChildId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::audit::{
    AuditQuery, AuditView, BreakGlassQuery, BreakGlassRequest, BreakGlassView,
};
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::list::{List, ListParams, paginate};
use crate::state::AppState;

/// The audit log, newest first: a supervisor's region, or everything for an administrator.
#[utoipa::path(operation_id = "listAuditEntries", tag = "audit", security(("bearer" = [])), params(AuditQuery, ListParams), responses(
    (status = 200, body = List<AuditView>),
    (status = 403, body = Problem),
))]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<AuditView>>, ApiError> {
    let page = params.page()?;
    let asked = AuditAsked::from(query.into_inner());
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(audit_log::entries(conn, &caller, &asked, &query_page)?))
        .await?;
    Ok(web::Json(paginate(rows, &page, |r| &r.id, AuditView::from)))
}

/// Who opened this child's data and when, newest first — for the supervisor of the child's
/// region.
#[utoipa::path(operation_id = "getChildAccessLog", tag = "audit", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<AuditView>),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
#[get("/children/{id}/access-log")]
pub async fn access_log(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<AuditView>>, ApiError> {
    let page = params.page()?;
    let id = ChildId(id.into_inner());
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(audit_log::access_log(conn, &caller, id, &query_page)?))
        .await?;
    Ok(web::Json(paginate(rows, &page, |r| &r.id, AuditView::from)))
}

/// Break-glass: a supervisor opens a case outside their scope, stating why, for
/// `break_glass_minutes`. Every access under it is flagged in the audit log.
#[utoipa::path(operation_id = "openBreakGlass", tag = "audit", security(("bearer" = [])), request_body = BreakGlassRequest, params(RetryKey), responses(
    (status = 201, body = BreakGlassView),
    (status = 403, body = Problem),
    (status = 409, body = Problem, description = "The Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/break-glass")]
pub async fn open(
    state: web::Data<AppState>,
    caller: Caller,
    body: Retryable<BreakGlassRequest>,
) -> Result<HttpResponse, ApiError> {
    let asked = BreakGlassAsked {
        case_id: body.body.case_id,
        reason: body.body.reason,
        lasts: Duration::minutes(state.config.break_glass_minutes),
    };
    let work = move |conn: &mut _, app: &_, caller: &_| audit_log::open(conn, app, caller, &asked);
    state
        .once(caller, body.key, work, created::<BreakGlassView, _>)
        .await
}

/// Break-glass grants on a region's cases, newest first, for review.
#[utoipa::path(operation_id = "listBreakGlassGrants", tag = "audit", security(("bearer" = [])), params(BreakGlassQuery, ListParams), responses(
    (status = 200, body = List<BreakGlassView>),
    (status = 403, body = Problem),
))]
#[get("/break-glass")]
pub async fn grants(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<BreakGlassQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<BreakGlassView>>, ApiError> {
    let page = params.page()?;
    let region = query.into_inner().region_code;
    let query_page = page.clone();
    let rows = state
        .run(move |conn| {
            Ok(audit_log::grants(
                conn,
                &caller,
                region.as_deref(),
                &query_page,
            )?)
        })
        .await?;
    Ok(web::Json(paginate(
        rows,
        &page,
        |r| &r.id,
        BreakGlassView::from,
    )))
}
