//! My tasks (api.md § My tasks): HTTP only; the use case is `qorgau_app::tasks::mine`.

use actix_web::{get, web};
use qorgau_app::tasks;

use crate::auth::Caller;
use crate::dto::tasks::{TaskList, TasksQuery, task_page};
use crate::error::{ApiError, Problem};
use crate::list::ListParams;
use crate::state::AppState;

/// Everything waiting for the caller, oldest due first, then what waits with no clock (oldest
/// first), with the count of each kind over the whole list.
///
/// A case manager: the pending deadlines of their cases, returned plans and closures. A
/// supervisor, in their region: plans and closures awaiting decision, incoming transfers,
/// lapsed deadlines, cases awaiting assignment, signals past their triage clock, unresolved
/// routing gaps, reopen decisions. An intake coordinator: the district's signals awaiting
/// triage. A specialist: referrals to their organisation pending or accepted; a commission's
/// staff, its measures not yet carried out. Other roles: an empty list. Tasks carry no name,
/// concern or description; reading them is not audited.
#[utoipa::path(operation_id = "listTasks", tag = "notifications", security(("bearer" = [])), params(TasksQuery, ListParams), responses(
    (status = 200, body = TaskList), (status = 422, body = Problem),
))]
#[get("/me/tasks")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<TasksQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<TaskList>, ApiError> {
    let page = params.page()?;
    let asked = query.asked(&page)?;
    let app = state.app.clone();
    let found = state
        .run(move |conn| Ok(tasks::mine(conn, &app, &caller, &asked)?))
        .await?;
    let list = task_page(found.items, &page)?;
    Ok(web::Json(TaskList {
        items: list.items,
        next_cursor: list.next_cursor,
        counts: found
            .counts
            .into_iter()
            .map(|(kind, n)| (kind.as_str().to_string(), n))
            .collect(),
        total: found.total,
        as_of: found.as_of,
    }))
}
