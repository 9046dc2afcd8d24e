//! The mail outbox, for the administrator (docs/notifications.md § Email): HTTP only; the use
//! case is `qorgau_app::outbox`.

use actix_web::{get, web};
use qorgau_app::outbox;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::outbox::{OutboxParams, OutboxView};
use crate::error::{ApiError, Problem};
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Outgoing mail, oldest first; `failed=true`: only what was given up as undeliverable (a
/// permanent refusal after 3 attempts, any failure after 30), to fix the address and resend.
#[utoipa::path(operation_id = "listOutbox", tag = "operations", security(("bearer" = [])), params(OutboxParams, ListParams), responses(
    (status = 200, body = List<OutboxView>), (status = 403, body = Problem), (status = 422, body = Problem),
))]
#[get("/admin/outbox")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<OutboxParams>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<OutboxView>>, ApiError> {
    let page = params.page()?;
    let failed_only = filter.failed.unwrap_or(false);
    let (rows, page) = state
        .run(move |conn| Ok((outbox::list(conn, &caller, failed_only, &page)?, page)))
        .await?;
    Ok(web::Json(checked_page(
        rows,
        &page,
        |m| &m.id,
        OutboxView::try_from,
    )?))
}
