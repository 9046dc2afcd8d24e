//! Organisations (api.md § Geography, organisations, users).

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::organisations;
use qorgau_domain::ids::OrganisationId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::organisations::{NewOrganisation, OrganisationQuery, OrganisationView};
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Registers an organisation (administrators).
#[utoipa::path(operation_id = "createOrganisation", tag = "organisations", security(("bearer" = [])), request_body = NewOrganisation, params(RetryKey), responses(
    (status = 201, body = OrganisationView),
    (status = 403, body = Problem),
    (status = 409, body = Problem, description = "The Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/organisations")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Retryable<NewOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let new = body.body.into();
    let work = move |conn: &mut _, _: &_, caller: &_| organisations::create(conn, caller, new);
    state
        .once(caller, body.key, work, created::<OrganisationView, _>)
        .await
}

/// Organisations, optionally by kind and region. Every signed-in user may list them: they are
/// the directory that referrals and plans are addressed to.
#[utoipa::path(operation_id = "listOrganisations", tag = "organisations", security(("bearer" = [])), params(OrganisationQuery, ListParams), responses(
    (status = 200, body = List<OrganisationView>),
    (status = 401, body = Problem),
))]
#[get("/organisations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OrganisationQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<OrganisationView>>, ApiError> {
    let page = params.page()?;
    let filter = query.into_inner().into();
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(organisations::list(conn, &caller, &filter, &query_page)?))
        .await?;
    let list = checked_page(rows, &page, |o| &o.id, OrganisationView::try_from)?;
    Ok(web::Json(list))
}

/// One organisation.
#[utoipa::path(operation_id = "getOrganisation", tag = "organisations", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = OrganisationView),
    (status = 404, body = Problem),
))]
#[get("/organisations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrganisationView>, ApiError> {
    let id = OrganisationId(id.into_inner());
    let row = state
        .run(move |conn| Ok(organisations::get(conn, &caller, id)?))
        .await?;
    Ok(web::Json(OrganisationView::try_from(row)?))
}
