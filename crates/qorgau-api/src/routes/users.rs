//! Users (api.md § Geography, organisations, users; § Staff accounts).

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use qorgau_app::AppError;
use qorgau_app::accounts::Account;
use qorgau_app::handover::hand_over;
use qorgau_app::users::{self, Operator};
use qorgau_domain::ids::UserId;
use qorgau_persistence::DbConnection;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::users::{
    HandoverRequest, HandoverView, NewUser, PasswordResetRequest, PasswordResetView, TrainingInput,
    TrainingView, UserPatch, UserQuery, UserView,
};
use crate::error::{ApiError, Problem};
use crate::etag::{if_match, with_etag};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Creates a user (administrators). The password is never echoed.
#[utoipa::path(operation_id = "createUser", tag = "users", security(("bearer" = [])), request_body = NewUser, params(RetryKey), responses(
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
/// organisation — deactivated accounts too, unless `active` is given. Filters narrow within
/// that view.
#[utoipa::path(operation_id = "listUsers", tag = "users", security(("bearer" = [])), params(UserQuery, ListParams), responses(
    (status = 200, body = List<UserView>),
    (status = 401, body = Problem),
    (status = 403, body = Problem),
    (status = 422, body = Problem, description = "An unknown role, or `q` too long"),
))]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UserQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<UserView>>, ApiError> {
    let page = params.page()?;
    let search = query.into_inner().into();
    let query_page = page.clone();
    let accounts = state
        .run(move |conn| Ok(users::list(conn, &caller, search, &query_page)?))
        .await?;
    let list = checked_page(accounts, &page, |a| &a.user.id, UserView::try_from)?;
    Ok(web::Json(list))
}

/// One user, if within the caller's view, with `ETag: "<version>"`.
#[utoipa::path(operation_id = "getUser", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = UserView, headers(("ETag" = String, description = "The account's version, quoted"))),
    (status = 404, body = Problem),
))]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(id.into_inner());
    let work = move |conn: &mut _| users::get(conn, &caller, id);
    account(&state, Logins::Kept, work).await
}

/// Edits an account (administrators): `full_name`, `email`, `role`, `organisation_id`.
/// `If-Match` with the current version is required. A new role or organisation ends the user's
/// logins; it is refused (409) for one's own account and for a user holding open cases — hand
/// them over first.
#[utoipa::path(operation_id = "editUser", tag = "users", security(("bearer" = [])), request_body = UserPatch,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag of the version being edited")),
    responses(
        (status = 200, body = UserView, headers(("ETag" = String, description = "The new version, quoted"))),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The user holds open cases, or it is your own role"),
        (status = 412, body = Problem, description = "The account changed since that version"),
        (status = 422, body = Problem),
        (status = 428, body = Problem, description = "If-Match missing"),
    ))]
#[patch("/users/{id}")]
pub async fn edit_user(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let edit = body.0.into_edit(if_match(&req)?);
    let id = UserId(id.into_inner());
    let work = move |conn: &mut _| users::edit(conn, &caller, id, edit);
    account(&state, Logins::MayEnd, work).await
}

/// Deactivates an account (administrators): it cannot sign in, and its logins end — access
/// tokens are refused at once on this instance, within 2 s on the others. 409 for a user who
/// holds open cases (hand them over first) and for one's own account.
#[utoipa::path(operation_id = "deactivateUser", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = UserView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The user holds open cases (the detail counts them), or it is you"),
))]
#[post("/users/{id}/deactivate")]
pub async fn deactivate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(id.into_inner());
    let work = move |conn: &mut _| users::deactivate(conn, &Operator::Caller(&caller), id);
    account(&state, Logins::MayEnd, work).await
}

/// Reactivates an account (administrators): it may sign in again with its password.
#[utoipa::path(operation_id = "reactivateUser", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = UserView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
#[post("/users/{id}/reactivate")]
pub async fn reactivate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId(id.into_inner());
    let work = move |conn: &mut _| users::reactivate(conn, &Operator::Caller(&caller), id);
    account(&state, Logins::Kept, work).await
}

/// Whether what is done to an account may end its logins.
enum Logins {
    Kept,
    /// A new role or organisation, a deactivation.
    MayEnd,
}

/// Runs `work` on an account and answers the account with its version. When its logins may have
/// ended, the sessions this instance remembers as valid are forgotten at once, to be checked
/// again.
async fn account<F>(state: &AppState, logins: Logins, work: F) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<Account, AppError> + Send + 'static,
{
    let account = state.run(move |conn| Ok(work(conn)?)).await?;
    if let Logins::MayEnd = logins {
        state.recent_sessions.forget_all();
    }
    Ok(with_etag(UserView::try_from(account)?))
}

/// Resets an account's password (administrators) to the one given, or to a temporary one shown
/// once in the answer. The user's logins end, their lockout is cleared, and at the next sign-in
/// their tokens may only change the password (`POST /me/password`).
#[utoipa::path(operation_id = "resetUserPassword", tag = "users", security(("bearer" = [])), request_body = PasswordResetRequest, params(("id" = Uuid, Path)), responses(
    (status = 200, body = PasswordResetView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "One's own account: change it with `POST /me/password`"),
    (status = 422, body = Problem),
))]
#[post("/users/{id}/password-reset")]
pub async fn reset_password(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PasswordResetRequest>,
) -> Result<web::Json<PasswordResetView>, ApiError> {
    let id = UserId(id.into_inner());
    let chosen = body.0.password;
    let reset = state
        .run(move |conn| {
            let operator = Operator::Caller(&caller);
            Ok(users::reset_password(conn, &operator, id, chosen)?)
        })
        .await?;
    state.recent_sessions.forget_all();
    Ok(web::Json(PasswordResetView::try_from(reset)?))
}

/// Hands every open case of the user — with its pending deadlines and tasks — to `to`, an active
/// case manager of the user's region (administrators; the supervisor of the user's region).
/// Each case is on the new holder's list at once, with a timeline entry and a notification.
#[utoipa::path(operation_id = "handOverUserWork", tag = "users", security(("bearer" = [])), request_body = HandoverRequest, params(("id" = Uuid, Path)), responses(
    (status = 200, body = HandoverView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem, description = "`to` may not hold the cases"),
))]
#[post("/users/{id}/handover")]
pub async fn handover(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<HandoverRequest>,
) -> Result<web::Json<HandoverView>, ApiError> {
    let (from, to) = (UserId(id.into_inner()), UserId(body.0.to));
    let app = state.app.clone();
    let moved = state
        .run(move |conn| Ok(hand_over(conn, &app, &caller, from, to)?))
        .await?;
    Ok(web::Json(HandoverView::try_from(moved)?))
}

/// Records a child-rights training the user completed (seed indicator 2): administrators, or
/// the supervisor for staff of their region.
#[utoipa::path(operation_id = "addTraining", tag = "users", security(("bearer" = [])), request_body = TrainingInput, params(("id" = Uuid, Path), RetryKey), responses(
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
    let id = UserId(id.into_inner());
    let new = body.body.into();
    let work = move |conn: &mut _, _: &_, caller: &_| users::add_training(conn, caller, id, &new);
    state
        .once(caller, body.key, work, created::<TrainingView, _>)
        .await
}

/// The trainings recorded for a user the caller may see, most recent first (by `completed_on`,
/// then id).
#[utoipa::path(operation_id = "listTrainings", tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
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
    let id = UserId(id.into_inner());
    let (rows, page) = state
        .run(move |conn| {
            let rows = users::trainings(conn, &caller, id, &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.id, TrainingView::try_from)?;
    Ok(web::Json(answer))
}
