//! Families (api.md § Families): HTTP only; the use cases are `qorgau_app::families`.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use qorgau_app::families;
use qorgau_domain::family::{
    FamilyInput, FamilyPatchInput, MemberInput, RemovalInput, parse_family, parse_member,
    parse_patch, parse_removal,
};
use qorgau_domain::ids::{ChildId, FamilyId, FamilyMemberId};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::families::{ChildFamilyView, FamilyView, MemberView};
use crate::error::{ApiError, Problem};
use crate::etag::{if_match, with_etag};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::json::Json;
use crate::state::AppState;

/// Records a household: its place (a district of a region), a label, an address, and its
/// members — at least one child (`child`, `sibling`, `half_sibling`, `other`) and adults, each a
/// relation already recorded on a member child (`relation_id`) or a name, with a role
/// (`mother`, `father`, `guardian`, `grandparent`, `other`). The case manager of a member
/// child's open case or the region's supervisor; each child gets a timeline event.
#[utoipa::path(operation_id = "createFamily", tag = "records", security(("bearer" = [])), request_body = FamilyInput, params(RetryKey), responses(
    (status = 201, body = FamilyView),
    (status = 403, body = Problem),
    (status = 404, body = Problem, description = "A child, or the place, outside the caller's reach"),
    (status = 409, body = Problem, description = "A child already belongs to a family, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/families")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Retryable<FamilyInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_family(body.body)?;
    let work = move |conn: &mut _, _: &_, caller: &_| families::create(conn, caller, new);
    state
        .once(caller, body.key, work, created::<FamilyView, _>)
        .await
}

/// A family with its current members, its version as `ETag`. A child member the reader may
/// not see is listed without its name (`hidden`); an open case the reader may not see is
/// counted in `hidden_open_cases`, never shown. Audited on each child member.
#[utoipa::path(operation_id = "getFamily", tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = FamilyView, headers(("ETag" = String, description = "The family's version, quoted"))),
    (status = 404, body = Problem),
))]
#[get("/families/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = FamilyId(id.into_inner());
    let card = state
        .run(move |conn| Ok(families::get(conn, &caller, id)?))
        .await?;
    Ok(with_etag(FamilyView::from(card)))
}

/// Changes the family's `label` or `address` (an empty address removes it). `If-Match` with the
/// family's version is required: a stale one answers 412.
#[utoipa::path(operation_id = "editFamily", tag = "records", security(("bearer" = [])), request_body = FamilyPatchInput,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag (version) of the family being changed")),
    responses(
        (status = 200, body = FamilyView, headers(("ETag" = String, description = "The family's new version, quoted"))),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem, description = "The family changed since that version"),
        (status = 422, body = Problem), (status = 428, body = Problem, description = "If-Match missing"),
    ))]
#[patch("/families/{id}")]
pub async fn edit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<FamilyPatchInput>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let patch = parse_patch(body.0)?;
    let id = FamilyId(id.into_inner());
    let card = state
        .run(move |conn| Ok(families::update(conn, &caller, id, expected, patch)?))
        .await?;
    Ok(with_etag(FamilyView::from(card)))
}

/// Adds one member: a child (`child_id`; on its timeline) or an adult (`relation_id` of a
/// relation recorded on a member child, or `full_name`), with its `relation`. The family gets a
/// new version.
#[utoipa::path(operation_id = "addFamilyMember", tag = "records", security(("bearer" = [])), request_body = MemberInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = MemberView),
    (status = 403, body = Problem),
    (status = 404, body = Problem, description = "No such family, or the child outside the caller's reach"),
    (status = 409, body = Problem, description = "The child already belongs to a family, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/families/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<MemberInput>,
) -> Result<HttpResponse, ApiError> {
    let member = parse_member(body.body)?;
    let id = FamilyId(id.into_inner());
    let work = move |conn: &mut _, _: &_, caller: &_| families::add(conn, caller, id, member);
    state
        .once(caller, body.key, work, created::<MemberView, _>)
        .await
}

/// Removes a member from the family, with a reason; the membership stays on record (and on a
/// child's timeline). The family gets a new version.
#[utoipa::path(operation_id = "removeFamilyMember", tag = "records", security(("bearer" = [])), request_body = RemovalInput,
    params(("id" = Uuid, Path), ("member_id" = Uuid, Path)), responses(
    (status = 200, body = MemberView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Already removed"),
    (status = 422, body = Problem),
))]
#[post("/families/{id}/members/{member_id}/remove")]
pub async fn remove_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<RemovalInput>,
) -> Result<web::Json<MemberView>, ApiError> {
    let (id, member) = path.into_inner();
    let reason = parse_removal(body.0)?;
    let (id, member) = (FamilyId(id), FamilyMemberId(member));
    let card = state
        .run(move |conn| Ok(families::remove(conn, &caller, id, member, reason)?))
        .await?;
    Ok(web::Json(MemberView::from(card)))
}

/// The family of a child whose file the caller may read (`family: null` when it belongs to
/// none): its members, its siblings' open cases within the caller's scope, the others counted.
#[utoipa::path(operation_id = "getChildFamily", tag = "children", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ChildFamilyView),
    (status = 404, body = Problem),
))]
#[get("/children/{id}/family")]
pub async fn of_child(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ChildFamilyView>, ApiError> {
    let id = ChildId(id.into_inner());
    let found = state
        .run(move |conn| Ok(families::of_child(conn, &caller, id)?))
        .await?;
    Ok(web::Json(ChildFamilyView::from(found)))
}
