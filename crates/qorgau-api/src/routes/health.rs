//! Liveness, readiness and metrics.

use actix_web::{HttpResponse, get, web};

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

/// Prometheus text format.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Prometheus metrics", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let body = state
        .metrics
        .render(state.db.pool_state(), state.db.max_size());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
