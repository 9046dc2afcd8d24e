//! Webhook subscriptions, for the administrator (docs/integration.md § Webhooks): HTTP only;
//! the use cases are `qorgau_app::webhooks`.

use actix_web::{HttpResponse, delete, get, post, web};
use qorgau_app::webhooks;
use qorgau_domain::ids::WebhookId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::events::{DeliveryView, NewWebhookBody, WebhookList, WebhookView};
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Registers a subscription: from now on, each event its scope may see (of its types) is
/// POSTed to its URL, signed. The answer shows the secret, once.
#[utoipa::path(operation_id = "createWebhook", tag = "events", security(("bearer" = [])), request_body = NewWebhookBody, responses(
    (status = 201, body = WebhookView), (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
#[post("/admin/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewWebhookBody>,
) -> Result<HttpResponse, ApiError> {
    let new = body.0.into();
    let row = state
        .run(move |conn| Ok(webhooks::create(conn, &caller, new)?))
        .await?;
    Ok(HttpResponse::Created().json(WebhookView::of(row, true)))
}

/// The subscriptions, with their state (paused, failures in a row), without their secrets.
#[utoipa::path(operation_id = "listWebhooks", tag = "events", security(("bearer" = [])), responses(
    (status = 200, body = WebhookList), (status = 401, body = Problem), (status = 403, body = Problem),
))]
#[get("/admin/webhooks")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<WebhookList>, ApiError> {
    let rows = state
        .run(move |conn| Ok(webhooks::list(conn, &caller)?))
        .await?;
    let items = rows
        .into_iter()
        .map(|w| WebhookView::of(w, false))
        .collect();
    Ok(web::Json(WebhookList { items }))
}

/// Removes a subscription and its delivery log; nothing more is sent to it.
#[utoipa::path(operation_id = "deleteWebhook", tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 204, description = "Removed"), (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
#[delete("/admin/webhooks/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = WebhookId(id.into_inner());
    state
        .run(move |conn| Ok(webhooks::delete(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Resumes a subscription paused after repeated failures: what waited is sent at the next
/// worker pass.
#[utoipa::path(operation_id = "resumeWebhook", tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = WebhookView), (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 404, body = Problem),
))]
#[post("/admin/webhooks/{id}/resume")]
pub async fn resume(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<WebhookView>, ApiError> {
    let id = WebhookId(id.into_inner());
    let row = state
        .run(move |conn| Ok(webhooks::resume(conn, &caller, id)?))
        .await?;
    Ok(web::Json(WebhookView::of(row, false)))
}

/// A subscription's deliveries in the events' order: attempts, the receiver's last answer,
/// when the next attempt is due.
#[utoipa::path(operation_id = "listWebhookDeliveries", tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<DeliveryView>), (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[get("/admin/webhooks/{id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<DeliveryView>>, ApiError> {
    let id = WebhookId(id.into_inner());
    let page = params.page()?;
    let (rows, page) = state
        .run(move |conn| Ok((webhooks::deliveries(conn, &caller, id, &page)?, page)))
        .await?;
    Ok(web::Json(checked_page(
        rows,
        &page,
        |d| &d.id,
        DeliveryView::try_from,
    )?))
}
