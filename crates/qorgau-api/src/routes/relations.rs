//! The people around a child (api.md § Interagency records): HTTP only; the use cases are
//! `qorgau_app::relations`.

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::relations;
use qorgau_domain::ids::ChildId;
use qorgau_domain::interagency::{RelationInput, parse_relation};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::relations::RelationView;
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Records a family member or legal representative of the child.
#[utoipa::path(operation_id = "addRelation", tag = "records", security(("bearer" = [])), request_body = RelationInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = RelationView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The Idempotency-Key was used for another request"), (status = 422, body = Problem),
))]
#[post("/children/{id}/relations")]
pub async fn add_relation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<RelationInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_relation(body.body)?;
    let child = ChildId(*id);
    let work =
        move |conn: &mut _, app: &_, caller: &_| relations::add(conn, app, caller, child, new);
    state
        .once(caller, body.key, work, created::<RelationView, _>)
        .await
}

/// The child's family members and legal representatives, in the order they were recorded;
/// alleged perpetrators are flagged.
#[utoipa::path(operation_id = "listRelations", tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<RelationView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/children/{id}/relations")]
pub async fn list_relations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<RelationView>>, ApiError> {
    let page = params.page()?;
    let (rows, page) = state
        .run(move |conn| {
            let rows = relations::list(conn, &caller, ChildId(*id), &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.id, RelationView::try_from)?;
    Ok(web::Json(answer))
}
