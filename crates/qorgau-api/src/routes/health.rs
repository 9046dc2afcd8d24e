//! Liveness, readiness and metrics.

use actix_web::{HttpRequest, HttpResponse, get, web};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// 200 while the process runs.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is running")))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "live"}))
}

/// 200 when the database answers and the server is not stopping, else 503.
///
/// 503 from the start of a graceful stop, so that load balancers send nothing more.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "The database answers"),
    (status = 503, description = "The database is unavailable, or the server is stopping", body = crate::error::Problem),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.drain.is_stopping() {
        return Err(ApiError::Unavailable);
    }
    state
        .run(|conn| Ok(qorgau_persistence::ping(conn)?))
        .await
        // Any failure to answer means "not ready", whatever its cause.
        .map_err(|_| ApiError::Unavailable)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ready"})))
}

/// Prometheus text format. Metrics describe the service's load, not children, but they are an
/// operator's view (issue 17, finding 11): with `QORGAU_METRICS_TOKEN` set, the scraper sends it
/// as a bearer token; without one, only the machine itself (loopback) may read them.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "Prometheus metrics", content_type = "text/plain"),
    (status = 401, description = "The metrics token is missing or wrong, or the scraper is not local and no token is configured", body = crate::error::Problem),
))]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let allowed = match &state.config.secrets.metrics_token {
        Some(token) => crate::auth::bearer(&req).is_some_and(|given| same(given, token)),
        None => req.peer_addr().is_some_and(|a| a.ip().is_loopback()),
    };
    if !allowed {
        return Err(ApiError::Unauthorized);
    }
    let body = state
        .metrics
        .render(state.db.pool_state(), state.db.max_size());
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}

/// Compares digests, so the time taken does not depend on how much of the token was right.
fn same(given: &str, token: &str) -> bool {
    Sha256::digest(given) == Sha256::digest(token)
}
