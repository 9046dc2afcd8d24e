//! Users (api.md § Geography, organisations, users).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use qorgau_domain::access::{Action, Location};
use qorgau_persistence::organisations::OrganisationRow;
use qorgau_persistence::users::{self, UserFilter, UserRow};
use qorgau_persistence::write;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::accounts::{self, NewUser};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::list::{List, ListParams, paginate};
use crate::state::AppState;

/// A user as others see them. The password hash never leaves the database layer.
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub role: String,
    pub organisation_id: Uuid,
    /// Fixed by the organisation.
    pub region_code: String,
    pub district_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl UserView {
    pub fn from_rows(u: UserRow, o: OrganisationRow) -> Self {
        UserView {
            id: u.id.parse().unwrap_or_default(),
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            role: u.role,
            organisation_id: o.id.parse().unwrap_or_default(),
            region_code: o.region_code,
            district_code: o.district_code,
            created_at: u.created_at.and_utc(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct UserQuery {
    pub organisation_id: Option<Uuid>,
    pub role: Option<String>,
}

/// Creates a user (administrators). The password is never echoed.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = NewUser, responses(
    (status = 201, body = UserView),
    (status = 403, body = Problem),
    (status = 409, body = Problem, description = "Username taken"),
    (status = 422, body = Problem),
))]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    caller.actor.scope(Action::CreateUser)?;
    let valid = body.0.validate()?;
    let hashed = web::block(move || valid.hash()).await??;
    let now = state.now();
    let (user, org) = state
        .run(move |conn| write(conn, |conn| accounts::insert(conn, hashed, now)))
        .await?;
    Ok(HttpResponse::Created().json(UserView::from_rows(user, org)))
}

/// Users the caller may see: administrators all, supervisors their region, others their
/// organisation.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(UserQuery, ListParams), responses(
    (status = 200, body = List<UserView>),
    (status = 401, body = Problem),
))]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UserQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<UserView>>, ApiError> {
    let scope = caller.actor.scope(Action::ViewUsers)?;
    let page = params.page()?;
    let filter = UserFilter {
        organisation_id: query.organisation_id.map(|o| o.to_string()),
        role: query.role.clone(),
    };
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(users::list(conn, &scope, &filter, &query_page)?))
        .await?;
    Ok(web::Json(paginate(
        rows,
        &page,
        |(u, _)| &u.id,
        |(u, o)| UserView::from_rows(u, o),
    )))
}

/// One user, if within the caller's view.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = UserView),
    (status = 404, body = Problem),
))]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserView>, ApiError> {
    let id = id.into_inner().to_string();
    let (user, org) = state
        .run(move |conn| Ok(users::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    let owner = user.id.parse().ok();
    let organisation = org.id.parse().ok();
    caller.actor.authorize(
        Action::ViewUsers,
        &Location {
            owner,
            organisation,
            region: Some(&org.region_code),
            district: org.district_code.as_deref(),
        },
    )?;
    Ok(web::Json(UserView::from_rows(user, org)))
}
