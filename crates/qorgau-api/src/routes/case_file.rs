//! The case file (api.md § Notes and flags): contact and supervision notes, and flags. The use
//! cases are `qorgau_app::notes` and `qorgau_app::flags`; the bodies `crate::dto::case_file`.

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::{flags, notes};
use qorgau_domain::case_file::{
    FlagClearInput, FlagInput, FlagKind, NoteInput, parse_clear, parse_flag, parse_note,
};
use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::ids::CaseId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::case_file::{FlagView, NoteView};
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::json::Json;
use crate::list::{List, ListParams, paginate};
use crate::state::AppState;

/// Writes a note on the case: `contact` (the case's manager or the region's supervisor) or
/// `supervision` (the supervisor only). `sensitive` keeps the text from those who may not read
/// sensitive text on the case. On the child's timeline without its text.
#[utoipa::path(operation_id = "addNote", tag = "cases", security(("bearer" = [])), request_body = NoteInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = NoteView),
    (status = 403, body = Problem, description = "A supervision note by someone other than the supervisor"),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The case is closed, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/notes")]
pub async fn add_note(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<NoteInput>,
) -> Result<HttpResponse, ApiError> {
    let note = parse_note(body.body, caller.at)?;
    let id = CaseId(id.into_inner());
    let work = move |conn: &mut _, _: &_, caller: &_| notes::write_note(conn, caller, id, note);
    state
        .once(caller, body.key, work, created::<NoteView, _>)
        .await
}

/// The case's notes in the order they were written; a withheld text is empty and named in
/// `hidden`.
#[utoipa::path(operation_id = "listNotes", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<NoteView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/notes")]
pub async fn list_notes(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<NoteView>>, ApiError> {
    let page = params.page()?;
    let id = CaseId(id.into_inner());
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(notes::notes_of(conn, &caller, id, &query_page)?))
        .await?;
    Ok(web::Json(paginate(
        rows,
        &page,
        |n| &n.row.id,
        NoteView::from,
    )))
}

/// Flags the case (the case's manager or the region's supervisor) with a reason and, for
/// `court_pending`, the hearing date (else, optionally, until when).
#[utoipa::path(operation_id = "setFlag", tag = "cases", security(("bearer" = [])), request_body = FlagInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = FlagView),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "A flag of this kind is already active, the case is closed, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/flags")]
pub async fn set_flag(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<FlagInput>,
) -> Result<HttpResponse, ApiError> {
    let today = caller.at.with_timezone(&kazakhstan()).date_naive();
    let flag = parse_flag(body.body, today)?;
    let id = CaseId(id.into_inner());
    let work = move |conn: &mut _, _: &_, caller: &_| flags::set_flag(conn, caller, id, flag);
    state
        .once(caller, body.key, work, created::<FlagView, _>)
        .await
}

/// Clears the case's active flag of this kind, with a reason. The flag stays on record.
#[utoipa::path(operation_id = "clearFlag", tag = "cases", security(("bearer" = [])), request_body = FlagClearInput,
    params(("id" = Uuid, Path), ("kind" = FlagKind, Path)), responses(
    (status = 200, body = FlagView),
    (status = 404, body = Problem, description = "No such case, or no such flag kind"),
    (status = 409, body = Problem, description = "No flag of this kind is active"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/flags/{kind}/clear")]
pub async fn clear_flag(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
    body: Json<FlagClearInput>,
) -> Result<web::Json<FlagView>, ApiError> {
    let (id, kind) = path.into_inner();
    let kind = FlagKind::from_code(&kind).ok_or(ApiError::NotFound)?;
    let reason = parse_clear(body.0)?;
    let id = CaseId(id);
    let row = state
        .run(move |conn| Ok(flags::clear_flag(conn, &caller, id, kind, reason)?))
        .await?;
    Ok(web::Json(FlagView::from(row)))
}

/// The case's flags, active and cleared, in the order they were set.
#[utoipa::path(operation_id = "listFlags", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<FlagView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/flags")]
pub async fn list_flags(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<FlagView>>, ApiError> {
    let page = params.page()?;
    let id = CaseId(id.into_inner());
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(flags::flags_of(conn, &caller, id, &query_page)?))
        .await?;
    Ok(web::Json(paginate(rows, &page, |f| &f.id, FlagView::from)))
}
