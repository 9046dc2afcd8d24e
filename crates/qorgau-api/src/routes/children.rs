//! The child registry (api.md § Children): search, the child's card, timeline, possible
//! duplicates and the supervisor's merge and its undoing.

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::children::{self, ChildSearch};
use qorgau_app::export::child_file;
use qorgau_app::merging::{self, MergeChildren, UnmergeChild};
use qorgau_domain::ids::ChildId;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::children::{
    ChildQuery, ChildView, MergeRequest, MergedRecord, Timeline, UnmergeRequest, found,
};
use crate::dto::export::ChildFileView;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Children the caller may see, by IIN, name (spelling-tolerant) or birth date.
#[utoipa::path(operation_id = "listChildren", tag = "children", security(("bearer" = [])), params(ChildQuery, ListParams), responses(
    (status = 200, body = List<ChildView>),
    (status = 403, body = Problem),
))]
#[get("/children")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ChildQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<ChildView>>, ApiError> {
    let page = params.page()?;
    let search = ChildSearch::from(query.into_inner());
    let query_page = page.clone();
    let cards = state
        .run(move |conn| Ok(children::search(conn, &caller, &search, &query_page)?))
        .await?;
    let list = checked_page(cards, &page, |c| &c.child.id, ChildView::try_from)?;
    Ok(web::Json(list))
}

/// A child's card. A record merged into another answers `307` with `Location` the record it
/// was merged into (the one that stands now) — if the caller may see that one, else 404.
#[utoipa::path(operation_id = "getChild", tag = "children", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ChildView),
    (status = 307, body = MergedRecord, description = "A merged record: the child is now the record in `Location`",
        headers(("Location" = String, description = "/api/v1/children/{merged_into}"))),
    (status = 404, body = Problem),
))]
#[get("/children/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = ChildId(id.into_inner());
    let answer = state
        .run(move |conn| Ok(children::card(conn, &caller, id)?))
        .await?;
    Ok(found(id, answer)?)
}

/// Everything that happened to the child, oldest first. A merged record's timeline is what
/// stayed on it — the merge — with `merged_into`, for whoever may read that child's file.
#[utoipa::path(operation_id = "getChildTimeline", tag = "children", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Timeline),
    (status = 404, body = Problem),
))]
#[get("/children/{id}/timeline")]
pub async fn timeline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Timeline>, ApiError> {
    let id = ChildId(id.into_inner());
    let timeline = state
        .run(move |conn| Ok(children::timeline(conn, &caller, id)?))
        .await?;
    Ok(web::Json(timeline.try_into()?))
}

/// Children flagged as probably the same person (never merged automatically), in id order:
/// those the caller may see.
#[utoipa::path(operation_id = "listPossibleDuplicates", tag = "children", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<ChildView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/children/{id}/possible-duplicates")]
pub async fn possible_duplicates(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<ChildView>>, ApiError> {
    let page = params.page()?;
    let id = ChildId(id.into_inner());
    let (cards, page) = state
        .run(move |conn| {
            let cards = children::possible_duplicates(conn, &caller, id, &page)?;
            Ok((cards, page))
        })
        .await?;
    let answer = checked_page(cards, &page, |c| &c.child.id, ChildView::try_from)?;
    Ok(web::Json(answer))
}

/// Merges a duplicate record into this child (supervisors): its signals, cases and timeline
/// move here; the merge is recorded on both timelines and can be undone (`/unmerge`).
///
/// A pair not flagged as possible duplicates, or whose last name, first name, birth date or
/// sex differ, merges only with `confirm_differences` listing exactly the fields that differ;
/// two records that both have an IIN never merge.
#[utoipa::path(operation_id = "mergeChild", tag = "children", security(("bearer" = [])), request_body = MergeRequest, params(("id" = Uuid, Path)), responses(
    (status = 200, body = ChildView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Both children have an open case"),
    (status = 422, body = Problem, description = "Invalid field; on `confirm_differences`, `differences` lists the fields that differ; on `duplicate_id`, also two records with an IIN each"),
))]
#[post("/children/{id}/merge")]
pub async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<MergeRequest>,
) -> Result<web::Json<ChildView>, ApiError> {
    let body = body.0;
    let cmd = MergeChildren::parse(
        ChildId(id.into_inner()),
        &body.duplicate_id,
        &body.reason,
        body.confirm_differences.as_deref(),
    )?;
    let card = state
        .run(move |conn| Ok(merging::merge(conn, &caller, &cmd)?))
        .await?;
    Ok(web::Json(ChildView::try_from(card)?))
}

/// Undoes a merge into this child (supervisors of the region, as for a merge): what the merge
/// moved goes back to the other record, which is a child of its own again with its IIN and its
/// possible-duplicate flag; the merge stays in the history, marked undone, and both timelines
/// record the undoing. Answers with this child's card.
#[utoipa::path(operation_id = "unmergeChild", tag = "children", security(("bearer" = [])), request_body = UnmergeRequest, params(("id" = Uuid, Path, description = "The child the record was merged into")), responses(
    (status = 200, body = ChildView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "No merge into this child to undo, the merge was undone already, or undoing it would give a child two open cases"),
    (status = 422, body = Problem),
))]
#[post("/children/{id}/unmerge")]
pub async fn unmerge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<UnmergeRequest>,
) -> Result<web::Json<ChildView>, ApiError> {
    let body = body.0;
    let cmd = UnmergeChild::parse(
        ChildId(id.into_inner()),
        body.merge_id.as_deref(),
        &body.reason,
    )?;
    let card = state
        .run(move |conn| Ok(merging::unmerge(conn, &caller, &cmd)?))
        .await?;
    Ok(web::Json(ChildView::try_from(card)?))
}

#[derive(Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `json` (the default) or `pdf`: the same file, printable.
    #[param(schema_with = export_formats)]
    pub format: Option<String>,
}

/// The values of `format`, read as text so that another is a 422 naming the field.
fn export_formats() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["json", "pdf"]))
        .build()
}

/// The child's whole file in one document — the card, the people around the child, the
/// signals, every case the caller may see with all its work, notes and flags, and the timeline
/// — for a court or a subject-access request: the region's supervisor only, audited as
/// `export`. `format=pdf` gives the same document as a printable PDF.
#[utoipa::path(operation_id = "exportChild", tag = "children", security(("bearer" = [])), params(("id" = Uuid, Path), ExportQuery), responses(
    (status = 200, description = "The file; with `format=pdf`, the same as a PDF attachment", content(
        (ChildFileView = "application/json"),
        (String = "application/pdf"),
    )),
    (status = 403, body = Problem, description = "Only a supervisor may export a child's file"),
    (status = 404, body = Problem),
    (status = 422, body = Problem, description = "An unknown `format`"),
))]
#[get("/children/{id}/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let pdf = match query.format.as_deref() {
        None | Some("json") => false,
        Some("pdf") => true,
        Some(_) => return Err(ApiError::invalid("format", "must be `json` or `pdf`")),
    };
    let id = ChildId(id.into_inner());
    let file = state
        .run(move |conn| Ok(child_file(conn, &caller, id)?))
        .await?;
    let view = ChildFileView::try_from(file)?;
    if !pdf {
        return Ok(HttpResponse::Ok().json(view));
    }
    let disposition = format!("attachment; filename=\"child-{}.pdf\"", id.0);
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", disposition))
        .body(view.to_pdf()?))
}
