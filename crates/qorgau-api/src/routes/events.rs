//! The event feed (docs/integration.md): HTTP only; the use case is `qorgau_app::events::feed`.

use actix_web::{get, web};
use qorgau_app::events;

use crate::auth::Caller;
use crate::dto::events::{EventPage, EventParams, EventView, asked};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Domain events after `after`, in commit order, as far as the caller may know of them: a
/// supervisor her region's, intake its district's, a case manager her cases', an integration
/// account the status of the signals it filed (with their `external_ref`, nothing about the
/// child). Reading events of cases is audited.
#[utoipa::path(operation_id = "listEvents", tag = "events", security(("bearer" = [])), params(EventParams), responses(
    (status = 200, body = EventPage), (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/events")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<EventParams>,
) -> Result<web::Json<EventPage>, ApiError> {
    let (after, types, limit) = asked(&params)?;
    let rows = state
        .run(move |conn| Ok(events::feed(conn, &caller, after, &types, limit)?))
        .await?;
    let items = rows
        .into_iter()
        .map(EventView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let next_after = items.last().map_or(after, |e| e.seq);
    Ok(web::Json(EventPage { items, next_after }))
}
