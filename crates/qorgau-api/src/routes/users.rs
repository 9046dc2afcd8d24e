//! Users (api.md § Geography, organisations, users).

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::users;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::users::{NewUser, TrainingInput, TrainingView, UserQuery, UserView};
use crate::dto::{checked_page, views};
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Creates a user (administrators). The password is never echoed.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = NewUser, params(RetryKey), responses(
    (status = 201, body = UserView),
    (status = 403, body = Problem),
    (status = 409, body = Problem, description = "Username taken, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Retryable<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let new = body.body.into();
    let work = move |conn: &mut _, _: &_, caller: &_| users::create(conn, caller, new);
    state
        .once(caller, body.key, work, created::<UserView, _>)
        .await
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
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = TrainingInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = TrainingView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/users/{id}/trainings")]
pub async fn add_training(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<TrainingInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let new = body.body.into();
    let work = move |conn: &mut _, _: &_, caller: &_| users::add_training(conn, caller, &id, &new);
    state
        .once(caller, body.key, work, created::<TrainingView, _>)
        .await
}

/// The trainings recorded for a user the caller may see, most recent first.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<TrainingView>),
    (status = 404, body = Problem),
))]
#[get("/users/{id}/trainings")]
pub async fn list_trainings(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<TrainingView>>, ApiError> {
    let id = id.into_inner().to_string();
    let rows = state
        .run(move |conn| Ok(users::trainings(conn, &caller, &id)?))
        .await?;
    Ok(web::Json(views(rows)?))
}
