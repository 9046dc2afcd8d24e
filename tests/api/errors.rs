//! The error contract: 400 malformed, 413 too large, 415 not JSON, 503 database away; health.

use reqwest::StatusCode;

use crate::common::{Backend, TestApp, serve, test_config};
use crate::on_both_backends;

async fn raw_post(app: &TestApp, content_type: &str, body: Vec<u8>) -> crate::common::Response {
    let res = app
        .http
        .post(format!("{}/api/v1/organisations", app.base))
        .bearer_auth(&app.admin_token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    crate::common::into_response(res).await
}

async fn malformed_bodies_are_400_413_415(backend: Backend) {
    let app = TestApp::start(backend).await;
    for body in [
        &b"{\"name\":"[..],
        b"not json",
        b"\xff\xfe\xfd",
        b"{\"name\": 5, \"kind\": \"school\", \"region_code\": \"KZ-71\"}",
    ] {
        let r = raw_post(&app, "application/json", body.to_vec()).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{:?}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(r.headers["content-type"], "application/problem+json");
        assert_eq!(r.body["type"], "/problems/bad-request");
    }
    let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000)).into_bytes();
    assert_eq!(
        raw_post(&app, "application/json", deep).await.status,
        StatusCode::BAD_REQUEST
    );
    let form = raw_post(
        &app,
        "application/x-www-form-urlencoded",
        b"name=x".to_vec(),
    )
    .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = raw_post(&app, "application/json", vec![b' '; 2 * 1024 * 1024]).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    let orgs = app.get("/api/v1/organisations", &app.admin_token).await;
    assert_eq!(
        orgs.body["items"].as_array().unwrap().len(),
        1,
        "only the administration organisation"
    );
}

async fn unreachable_database_is_503_with_retry_after(backend: Backend) {
    let url = match backend {
        Backend::Sqlite => "sqlite:///dev/null/qorgau.db".to_string(),
        Backend::Postgres => "postgres://postgres@127.0.0.1:1/none".to_string(),
    };
    let state = qorgau_api::AppState::open(test_config(&url)).unwrap();
    let base = serve(state);
    let http = crate::common::http_client().build().unwrap();
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": "whatever password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(login.headers().contains_key("retry-after"));
    assert_eq!(login.headers()["content-type"], "application/problem+json");
    let ready = http
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let live = http
        .get(format!("{base}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
}

async fn health_metrics_and_headers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let ready = app
        .http
        .get(format!("{}/health/ready", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.headers()["x-content-type-options"], "nosniff");
    assert_eq!(ready.headers()["cache-control"], "no-store");
    assert!(ready.headers().contains_key("x-request-id"));
    let echoed = app
        .http
        .get(format!("{}/health/live", app.base))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-42");
    app.get("/api/v1/me", &app.admin_token).await;
    let metrics = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"qorgau_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("qorgau_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("qorgau_db_pool_connections"));
}

/// Once a graceful stop has begun the server is no longer ready, but it still answers the
/// requests that reach it (those already queued when SIGTERM came).
async fn stopping_server_is_not_ready_but_still_answers(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.state.drain.begin();
    let probe = |path| app.send(reqwest::Method::GET, path, None, None);
    let ready = probe("/health/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.headers["content-type"], "application/problem+json");
    assert_eq!(probe("/health/live").await.status, StatusCode::OK);
    let me = app.get("/api/v1/me", &app.admin_token).await;
    assert_eq!(me.status, StatusCode::OK);
}

on_both_backends!(
    malformed_bodies_are_400_413_415,
    unreachable_database_is_503_with_retry_after,
    health_metrics_and_headers,
    stopping_server_is_not_ready_but_still_answers
);
