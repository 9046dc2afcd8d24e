//! Liveness, readiness and metrics.

use actix_web::{HttpRequest, HttpResponse, get, web};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::metrics::{Backlog, Scrape};
use crate::state::AppState;

/// 200 while the process runs.
#[utoipa::path(operation_id = "getLiveness", tag = "operations", responses((status = 200, description = "The process is running")))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "live"}))
}

/// 200 when the database answers and the server is not stopping, else 503.
///
/// 503 from the start of a graceful stop, so that load balancers send nothing more. The 503's
/// `detail` says why: stopping, the database not answering, or its storage full (writes
/// refused for lack of space lately, none committed since).
#[utoipa::path(operation_id = "getReadiness", tag = "operations", responses(
    (status = 200, description = "The database answers"),
    (status = 503, description = "The database is unavailable, or the server is stopping", body = crate::error::Problem),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": readiness(&state).await?})))
}

pub(crate) const STOPPING: &str = "the server is stopping";
pub(crate) const NO_DATABASE: &str = "the database does not answer";
pub(crate) const STORAGE_FULL: &str =
    "the database's storage is full: writes are refused, reads still answered";

async fn readiness(state: &AppState) -> Result<&'static str, ApiError> {
    if state.drain.is_stopping() {
        return Err(ApiError::NotReady(STOPPING));
    }
    state
        .run(|conn| Ok(qorgau_persistence::ping(conn)?))
        .await
        // Any failure to answer means "not ready", whatever its cause.
        .map_err(|_| ApiError::NotReady(NO_DATABASE))?;
    if state.db.storage_full_since().is_some() {
        return Err(ApiError::NotReady(STORAGE_FULL));
    }
    Ok("ready")
}

/// Prometheus text format. Metrics describe the service's load, not children, but they are an
/// operator's view (issue 17, finding 11): with `QORGAU_METRICS_TOKEN` set, the scraper sends it
/// as a bearer token; without one, only the machine itself (loopback) may read them.
#[utoipa::path(operation_id = "getMetrics", tag = "operations", responses(
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
    // The backlog is the database's (all instances'); a database that does not answer leaves
    // those gauges as they were and `qorgau_backlog_read` at 0 — the scrape still answers.
    let backlog = state
        .run(|conn| {
            Ok(Backlog {
                outbox: qorgau_persistence::outbox::depth(conn)?,
                unsealed_audit: qorgau_persistence::audit::unsealed(conn)?,
                report_marks: qorgau_persistence::report_months::pending(conn)?,
            })
        })
        .await
        .ok();
    let body = state.metrics.render(&Scrape {
        pool: state.db.pool_state(),
        pool_max: state.db.max_size(),
        waits: state.db.pool_waits(),
        worker_enabled: state.config.worker_enabled,
        now: state.now().timestamp(),
        backlog,
    });
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}

/// Compares digests, so the time taken does not depend on how much of the token was right.
fn same(given: &str, token: &str) -> bool {
    Sha256::digest(given) == Sha256::digest(token)
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use actix_web::http::{StatusCode, header};
    use diesel::connection::SimpleConnection;
    use qorgau_persistence::{DbConnection, DbError};

    use super::*;
    use crate::state::ScratchState;

    fn insert(tx: &mut DbConnection) -> Result<(), ApiError> {
        Ok(tx
            .batch_execute("INSERT INTO filler (b) VALUES (zeroblob(100000))")
            .map_err(DbError::from)?)
    }

    /// SQLite's file may grow by no page (as on a full disk): the write answers 503 with
    /// `Retry-After` and the type `storage-full`; `/health/ready` says why it is not ready
    /// until a write commits again.
    #[actix_web::test]
    async fn a_write_refused_for_lack_of_space_answers_503_and_readiness_says_why() {
        let scratch = ScratchState::open();
        let state = &scratch.state;
        assert_eq!(readiness(state).await.expect("ready"), "ready");
        state
            .run(|conn| {
                Ok(conn
                    .batch_execute("CREATE TABLE filler (b BLOB NOT NULL)")
                    .map_err(DbError::from)?)
            })
            .await
            .expect("a table");

        let refused = state
            .run(|conn| {
                // Clamped to the file's present size.
                conn.batch_execute("PRAGMA max_page_count = 1")
                    .map_err(DbError::from)?;
                qorgau_persistence::write(conn, insert)
            })
            .await
            .expect_err("no space");
        assert!(matches!(refused, ApiError::StorageFull), "{refused:?}");
        let response = refused.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .expect("a body");
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(problem["type"], "/problems/storage-full");

        let not_ready = readiness(state).await.expect_err("not ready");
        assert!(
            matches!(not_ready, ApiError::NotReady(why) if why == STORAGE_FULL),
            "{not_ready:?}"
        );

        state
            .run(|conn| {
                conn.batch_execute("PRAGMA max_page_count = 1000000")
                    .map_err(DbError::from)?;
                qorgau_persistence::write(conn, insert)
            })
            .await
            .expect("space returned");
        assert_eq!(readiness(state).await.expect("ready again"), "ready");
    }

    #[actix_web::test]
    async fn a_stopping_server_says_so() {
        let scratch = ScratchState::open();
        scratch.state.drain.begin();
        let not_ready = readiness(&scratch.state).await.expect_err("stopping");
        assert!(matches!(not_ready, ApiError::NotReady(why) if why == STOPPING));
    }
}
