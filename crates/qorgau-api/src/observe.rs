//! Per-request observation: a request id (accepted from `X-Request-Id` or generated), a tracing
//! span that every log line of the request carries, one completion log line, metrics, and the
//! count of requests in flight that a graceful stop waits for.
//!
//! Only the method, route pattern, status and duration are logged — never the path with its
//! values, the query string (names, IINs), headers or bodies: no personal data in logs.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use tracing::Instrument;

use crate::metrics::{RequestLabels, RouteLabels};
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, in the request's extensions for whoever records it (the audit log).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_safe_request_id(v))
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_string);
    let route = req.match_pattern().unwrap_or_else(|| "(unmatched)".into());
    let method = req.method().to_string();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let span = tracing::info_span!("request", id = %request_id, %method, %route);
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let started = Instant::now();
    // Counted until answered (or abandoned by the client): a graceful stop waits for it.
    let _in_flight = state.as_ref().map(|state| state.drain.enter());

    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = match &result {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    span.in_scope(|| {
        let ms = elapsed.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), ms, "answered");
        } else {
            tracing::info!(status = status.as_u16(), ms, "answered");
        }
    });
    if let Some(state) = state {
        state
            .metrics
            .requests
            .get_or_create(&RequestLabels {
                method: method.clone(),
                route: route.clone(),
                status: status.as_u16(),
            })
            .inc();
        state
            .metrics
            .latency
            .get_or_create(&RouteLabels { method, route })
            .observe(elapsed.as_secs_f64());
    }
    let mut res = result?;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

/// A client-supplied id is echoed into logs, so it must be short and plain.
fn is_safe_request_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_from_clients_are_bounded() {
        assert!(super::is_safe_request_id("abc-123_X"));
        assert!(!super::is_safe_request_id(""));
        assert!(!super::is_safe_request_id("a b"));
        assert!(!super::is_safe_request_id(&"a".repeat(65)));
        assert!(!super::is_safe_request_id("x\ny"));
    }
}
