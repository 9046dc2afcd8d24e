//! Interviews of the child (api.md § Interagency records): HTTP only; the use cases are
//! `qorgau_app::interviews`.

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::interviews;
use qorgau_domain::ids::CaseId;
use qorgau_domain::interagency::InterviewInput;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::interviews::{InterviewView, Interviews};
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::state::AppState;

/// Records an interview of the child; a second one in the same case needs `repeat_reason`.
#[utoipa::path(operation_id = "addInterview", tag = "records", security(("bearer" = [])), request_body = InterviewInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = InterviewView), (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The Idempotency-Key was used for another request"), (status = 422, body = Problem),
))]
#[post("/cases/{id}/interviews")]
pub async fn add_interview(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<InterviewInput>,
) -> Result<HttpResponse, ApiError> {
    let (case, input) = (CaseId(*id), body.body);
    let work =
        move |conn: &mut _, app: &_, caller: &_| interviews::add(conn, app, caller, case, input);
    state
        .once(caller, body.key, work, created::<InterviewView, _>)
        .await
}

/// The case's interviews, and how many times the child has been interviewed in all.
#[utoipa::path(operation_id = "listInterviews", tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Interviews), (status = 404, body = Problem),
))]
#[get("/cases/{id}/interviews")]
pub async fn list_interviews(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Interviews>, ApiError> {
    let interviews = state
        .run(move |conn| Ok(interviews::list(conn, &caller, CaseId(*id))?))
        .await?;
    Ok(web::Json(interviews.try_into()?))
}
