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
use crate::json::Json;
use crate::state::AppState;

/// Records an interview of the child; a second one in the same case needs `repeat_reason`.
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = InterviewInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = InterviewView), (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[post("/cases/{id}/interviews")]
pub async fn add_interview(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<InterviewInput>,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone();
    let interview = state
        .run(move |conn| Ok(interviews::add(conn, &app, &caller, CaseId(*id), body.0)?))
        .await?;
    Ok(HttpResponse::Created().json(InterviewView::try_from(interview)?))
}

/// The case's interviews, and how many times the child has been interviewed in all.
#[utoipa::path(tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
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
