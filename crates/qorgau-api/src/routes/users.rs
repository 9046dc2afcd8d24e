//! Users (api.md § Geography, organisations, users).

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::users;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::users::{NewUser, TrainingInput, TrainingView, UserQuery, UserView};
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

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
    let new = body.0.into();
    let account = state
        .run(move |conn| Ok(users::create(conn, &caller, new)?))
        .await?;
    Ok(HttpResponse::Created().json(UserView::try_from(account)?))
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
    let page = params.page()?;
    let filter = query.into_inner().into();
    let query_page = page.clone();
    let accounts = state
        .run(move |conn| Ok(users::list(conn, &caller, &filter, &query_page)?))
        .await?;
    let list = checked_page(accounts, &page, |a| &a.user.id, UserView::try_from)?;
    Ok(web::Json(list))
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
    let account = state
        .run(move |conn| Ok(users::get(conn, &caller, &id)?))
        .await?;
    Ok(web::Json(UserView::try_from(account)?))
}

/// Records a child-rights training the user completed (seed indicator 2): administrators, or
/// the supervisor for staff of their region.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = TrainingInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = TrainingView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[post("/users/{id}/trainings")]
pub async fn add_training(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<TrainingInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let new = body.0.into();
    let row = state
        .run(move |conn| Ok(users::add_training(conn, &caller, &id, &new)?))
        .await?;
    Ok(HttpResponse::Created().json(TrainingView::try_from(row)?))
}

/// The trainings recorded for a user the caller may see, most recent first (by `completed_on`,
/// then id).
#[utoipa::path(tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<TrainingView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/users/{id}/trainings")]
pub async fn list_trainings(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<TrainingView>>, ApiError> {
    let page = params.page()?;
    let id = id.into_inner().to_string();
    let (rows, page) = state
        .run(move |conn| {
            let rows = users::trainings(conn, &caller, &id, &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.id, TrainingView::try_from)?;
    Ok(web::Json(answer))
}
