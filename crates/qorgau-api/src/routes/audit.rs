//! Reviewing access (brief § 5): the audit log, a child's access log, and break-glass grants.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use qorgau_domain::access::{Action, Scope};
use qorgau_domain::validation::Validation;
use qorgau_persistence::audit::{self as store, AuditFilter, AuditRow, BreakGlassRow};
use qorgau_persistence::{cases, write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::list::{List, ListParams, paginate};
use crate::state::AppState;
use qorgau_app::access::visible_child;
use qorgau_app::audit::{self, Act, Target};

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub at: DateTime<Utc>,
    pub user_id: Option<String>,
    /// `read`, `list`, `create` or `update`.
    pub action: String,
    /// `child`, `signal`, `case`, `assessment`, … (`*_list` for a list request).
    pub resource: String,
    pub resource_id: String,
    pub child_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// Access under break-glass (a supervisor outside their region).
    pub break_glass: bool,
    /// Position in the hash chain; `null` until sealed (within a worker interval).
    pub seq: Option<i64>,
}

impl From<AuditRow> for AuditView {
    fn from(r: AuditRow) -> Self {
        AuditView {
            at: r.at.and_utc(),
            user_id: r.user_id,
            action: r.action,
            resource: r.resource,
            resource_id: r.resource_id,
            child_id: r.child_id,
            ip: r.ip,
            request_id: r.request_id,
            break_glass: r.break_glass,
            seq: r.seq,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct AuditQuery {
    pub child_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// From this instant (inclusive), RFC 3339.
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive), RFC 3339.
    pub to: Option<DateTime<Utc>>,
    /// Only break-glass accesses (`true`) or only ordinary ones (`false`).
    pub break_glass: Option<bool>,
    /// An administrator may narrow to one region; a supervisor always sees their own.
    pub region_code: Option<String>,
}

/// The audit log, newest first: a supervisor's region, or everything for an administrator.
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(AuditQuery, ListParams), responses(
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
    let region = match caller.actor.scope(Action::ViewAudit)? {
        Scope::All => query.region_code.clone(),
        _ => Some(caller.actor.region_code.clone()),
    };
    let q = query.into_inner();
    let filter = AuditFilter {
        region,
        child_id: q.child_id.map(|c| c.to_string()),
        user_id: q.user_id.map(|u| u.to_string()),
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
        break_glass: q.break_glass,
    };
    entries(&state, filter, &params).await
}

async fn entries(
    state: &AppState,
    filter: AuditFilter,
    params: &ListParams,
) -> Result<web::Json<List<AuditView>>, ApiError> {
    let page = params.page()?;
    let query_page = page.clone();
    let rows = state
        .run(move |conn| {
            Ok(store::list(
                conn,
                &filter,
                query_page.after.as_deref(),
                query_page.limit,
            )?)
        })
        .await?;
    Ok(web::Json(paginate(rows, &page, |r| &r.id, AuditView::from)))
}

/// Who opened this child's data and when, newest first — for the supervisor of the child's
/// region.
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
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
    let id = id.into_inner().to_string();
    let child = id.clone();
    state
        .run(move |conn| {
            visible_child(conn, &caller, Action::ViewAudit, &child)?;
            Ok(())
        })
        .await?;
    let filter = AuditFilter {
        child_id: Some(id),
        ..AuditFilter::default()
    };
    entries(&state, filter, &params).await
}

/// A reason a reviewer can judge is more than a word.
const MIN_REASON: usize = 10;

#[derive(Deserialize, ToSchema)]
pub struct BreakGlassRequest {
    pub case_id: String,
    /// Why the record must be opened now; reviewed in the case's region.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct BreakGlassView {
    pub id: String,
    pub case_id: String,
    pub user_id: String,
    pub reason: String,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub region_code: String,
}

impl From<BreakGlassRow> for BreakGlassView {
    fn from(r: BreakGlassRow) -> Self {
        BreakGlassView {
            id: r.id,
            case_id: r.case_id,
            user_id: r.user_id,
            reason: r.reason,
            granted_at: r.granted_at.and_utc(),
            expires_at: r.expires_at.and_utc(),
            region_code: r.region_code,
        }
    }
}

/// Break-glass: a supervisor opens a case outside their scope, stating why, for
/// `break_glass_minutes`. Every access under it is flagged in the audit log.
#[utoipa::path(tag = "audit", security(("bearer" = [])), request_body = BreakGlassRequest, responses(
    (status = 201, body = BreakGlassView),
    (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
#[post("/break-glass")]
pub async fn open(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<BreakGlassRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.actor.scope(Action::BreakGlass)?;
    let request = body.0;
    let mut v = Validation::new();
    let reason = v.text("reason", &request.reason, 2000);
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() < MIN_REASON)
    {
        v.add(
            "reason",
            format!("must say why, in at least {MIN_REASON} characters"),
        );
    }
    let case_id = v.check("case_id", request.case_id.trim().parse::<Uuid>());
    let (reason, case_id) =
        v.finish(|| (reason.unwrap_or_default(), case_id.unwrap_or_default()))?;
    let case_id = case_id.to_string();
    let now = state.now();
    let expires = now + Duration::minutes(state.config.break_glass_minutes);
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let case = cases::find(c, &case_id)?
                    .ok_or_else(|| ApiError::invalid("case_id", "no such case"))?;
                let row = BreakGlassRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: case.id.clone(),
                    user_id: caller.actor.user_id.to_string(),
                    reason,
                    granted_at: now.naive_utc(),
                    expires_at: expires.naive_utc(),
                    region_code: case.region_code.clone(),
                };
                store::grant(c, &row)?;
                audit::log(
                    c,
                    &caller,
                    Act::Create,
                    Target {
                        resource: "break_glass",
                        id: &case.id,
                        child_id: Some(&case.child_id),
                        region: Some(&case.region_code),
                    },
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(BreakGlassView::from(row)))
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct BreakGlassQuery {
    /// A supervisor sees grants on their own region's cases; an administrator any region.
    pub region_code: Option<String>,
}

/// Break-glass grants on a region's cases, newest first, for review.
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(BreakGlassQuery, ListParams), responses(
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
    let region = match caller.actor.scope(Action::ViewAudit)? {
        Scope::All => query.region_code.clone(),
        _ => Some(caller.actor.region_code.clone()),
    };
    let page = params.page()?;
    let query_page = page.clone();
    let rows = state
        .run(move |conn| {
            Ok(store::grants(
                conn,
                region.as_deref(),
                query_page.after.as_deref(),
                query_page.limit,
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
