//! The interagency protocol in force (api.md § Protocol and audit).

use actix_web::{get, web};
use qorgau_app::protocols;
use qorgau_domain::protocol::Protocol;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The rule set in force today: version, effective date, legal reference, deadlines, routing.
/// Every signed-in user may read it: it is what their deadlines are counted by.
#[utoipa::path(operation_id = "getActiveProtocol", tag = "protocols", security(("bearer" = [])), responses(
    (status = 200, body = Protocol),
    (status = 401, body = Problem),
))]
#[get("/protocols/active")]
pub async fn active(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<web::Json<Protocol>, ApiError> {
    Ok(web::Json(protocols::active(&state).clone()))
}
