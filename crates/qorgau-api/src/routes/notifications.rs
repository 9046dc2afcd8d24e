//! The caller's inbox and email preference (docs/notifications.md): HTTP only; the use cases
//! are `qorgau_app::inbox`.

use actix_web::{HttpResponse, get, post, put, web};
use qorgau_app::inbox;
use qorgau_domain::ids::NotificationId;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::notifications::{
    InboxParams, NotificationList, NotificationView, Preferences, PreferencesInput, ReadAll,
};
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::list::ListParams;
use crate::state::AppState;

/// The caller's notifications, newest first, with the count of unread ones.
#[utoipa::path(operation_id = "listNotifications", tag = "notifications", security(("bearer" = [])), params(InboxParams, ListParams), responses(
    (status = 200, body = NotificationList), (status = 422, body = Problem),
))]
#[get("/me/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<InboxParams>,
    params: web::Query<ListParams>,
) -> Result<web::Json<NotificationList>, ApiError> {
    let page = params.page()?;
    let unread_only = filter.unread.unwrap_or(false);
    let (rows, unread, page) = state
        .run(move |conn| {
            let (rows, unread) = inbox::list(conn, &caller, unread_only, &page)?;
            Ok((rows, unread, page))
        })
        .await?;
    let list = checked_page(rows, &page, |n| &n.id, NotificationView::try_from)?;
    Ok(web::Json(NotificationList {
        items: list.items,
        next_cursor: list.next_cursor,
        unread,
    }))
}

/// Marks one of the caller's notifications read. Another user's answers 404.
#[utoipa::path(operation_id = "markNotificationRead", tag = "notifications", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 204), (status = 404, body = Problem),
))]
#[post("/notifications/{id}/read")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<NotificationId>,
) -> Result<HttpResponse, ApiError> {
    state
        .run(move |conn| Ok(inbox::mark_read(conn, &caller, *id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Marks all of the caller's notifications read.
#[utoipa::path(operation_id = "markAllNotificationsRead", tag = "notifications", security(("bearer" = [])), responses((status = 200, body = ReadAll)))]
#[post("/me/notifications/read-all")]
pub async fn read_all(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<ReadAll>, ApiError> {
    let marked = state
        .run(move |conn| Ok(inbox::mark_all_read(conn, &caller)?))
        .await?;
    Ok(web::Json(ReadAll { marked }))
}

/// The caller's email preference (`null`: the default).
#[utoipa::path(operation_id = "getPreferences", tag = "notifications", security(("bearer" = [])), responses((status = 200, body = Preferences)))]
#[get("/me/preferences")]
pub async fn preferences(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Preferences>, ApiError> {
    let email = state
        .run(move |conn| Ok(inbox::preference(conn, &caller)?))
        .await?;
    Ok(web::Json(Preferences { email }))
}

/// Chooses how notifications are mailed: `immediate`, `daily_digest` or `off`; `null` returns
/// to the default.
#[utoipa::path(operation_id = "setPreferences", tag = "notifications", security(("bearer" = [])), request_body = PreferencesInput, responses(
    (status = 200, body = Preferences), (status = 422, body = Problem),
))]
#[put("/me/preferences")]
pub async fn set_preferences(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<PreferencesInput>,
) -> Result<web::Json<Preferences>, ApiError> {
    let email = body.0.email()?;
    state
        .run(move |conn| Ok(inbox::set_preference(conn, &caller, email)?))
        .await?;
    Ok(web::Json(Preferences { email }))
}
