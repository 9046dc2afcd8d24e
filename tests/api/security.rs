//! Hardening (docs/security.md): login lockout, per-IP rate limit, password policy, body limit,
//! security headers, CORS, and errors that give nothing away.

use chrono::Duration;
use diesel::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Backend, Response, TestApp, invalid_fields, qorgau, serve, test_config};
use crate::on_both_backends;

const RIGHT: &str = "long enough password";
const WRONG: &str = "not the password at all";

fn retry_after(r: &Response) -> u64 {
    r.headers["retry-after"].to_str().unwrap().parse().unwrap()
}

fn assert_too_many(r: &Response) {
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(r.body["type"], "/problems/too-many-requests");
    assert_eq!(r.body["status"], 429);
}

async fn five_failures_lock_the_username_even_for_the_right_password(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    app.user("aliya", "case_manager", &org).await;
    app.user("bolat", "case_manager", &org).await;
    for _ in 0..5 {
        let r = app.login_pair("aliya", WRONG).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let locked = app.login_pair("aliya", RIGHT).await;
    assert_too_many(&locked);
    let wait = retry_after(&locked);
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    // The username typed in another case is the same account.
    assert_too_many(&app.login_pair(" ALIYA ", RIGHT).await);
    // Someone else is not affected.
    assert_eq!(app.login_pair("bolat", RIGHT).await.status, StatusCode::OK);

    // An unknown username locks the same way, with the same answer: nothing tells whether an
    // account exists.
    for _ in 0..5 {
        let r = app.login_pair("nobody.here", WRONG).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let unknown = app.login_pair("nobody.here", WRONG).await;
    assert_too_many(&unknown);
    assert_eq!(unknown.body, locked.body);
}

async fn the_lock_lifts_when_the_oldest_failure_leaves_the_window(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    app.user("dana", "supervisor", &org).await;
    for _ in 0..5 {
        app.login_pair("dana", WRONG).await;
    }
    // Fourteen minutes on, one minute of the lock remains.
    app.clock.advance(Duration::minutes(14));
    let locked = app.login_pair("dana", RIGHT).await;
    assert_too_many(&locked);
    assert!(
        (50..=60).contains(&retry_after(&locked)),
        "{:?}",
        locked.headers
    );
    // Sixteen minutes on, the failures no longer count.
    app.clock.advance(Duration::minutes(2));
    assert_eq!(app.login_pair("dana", RIGHT).await.status, StatusCode::OK);
}

async fn a_successful_login_clears_the_failures(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    app.user("erlan", "analyst", &org).await;
    for _ in 0..4 {
        app.login_pair("erlan", WRONG).await;
    }
    assert_eq!(app.login_pair("erlan", RIGHT).await.status, StatusCode::OK);
    for _ in 0..4 {
        let r = app.login_pair("erlan", WRONG).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "the count started again"
        );
    }
    assert_eq!(app.login_pair("erlan", RIGHT).await.status, StatusCode::OK);
}

async fn the_lockout_holds_across_instances(backend: Backend) {
    let app = TestApp::start(backend).await;
    let other = serve(qorgau_api::AppState::open(test_config(&app.db.url)).unwrap());
    let http = crate::common::http_client().build().unwrap();
    let login = |base: String, password: &'static str| {
        let http = http.clone();
        async move {
            crate::common::into_response(
                http.post(format!("{base}/api/v1/auth/login"))
                    .json(&json!({"username": "admin", "password": password}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    for i in 0..5 {
        let base = if i % 2 == 0 { &app.base } else { &other };
        let r = login(base.clone(), WRONG).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_too_many(&login(other.clone(), WRONG).await);
    assert_too_many(&login(app.base.clone(), WRONG).await);
}

async fn parallel_guesses_cannot_outrun_the_lockout(backend: Backend) {
    let app = TestApp::start(backend).await;
    let attempts = (0..12).map(|_| app.login_pair("admin", WRONG));
    let results = crate::common::join_all(attempts).await;
    let refused = |s| results.iter().filter(|r| r.status == s).count();
    assert_eq!(
        refused(StatusCode::UNAUTHORIZED),
        5,
        "only five guesses were checked"
    );
    assert_eq!(refused(StatusCode::TOO_MANY_REQUESTS), 7);
}

async fn requests_over_the_per_ip_limit_are_429(backend: Backend) {
    let app = TestApp::start_with(backend, |config| {
        config.rate_limit_per_second = 1;
        config.rate_limit_burst = 5;
        config.trusted_proxies = vec!["127.0.0.1".to_string().try_into().unwrap()];
    })
    .await;
    let mut limited = None;
    for _ in 0..10 {
        let r = app.get("/api/v1/me", &app.admin_token).await;
        if r.status != StatusCode::OK {
            limited = Some(r);
            break;
        }
    }
    let limited = limited.expect("the limit was reached");
    assert_too_many(&limited);
    assert!(retry_after(&limited) >= 1);
    // Probes are exempt: an orchestrator must not restart a healthy instance.
    let live = app.http.get(format!("{}/health/live", app.base)).send();
    assert_eq!(live.await.unwrap().status(), StatusCode::OK);
    // Behind a trusted proxy, the client named in X-Forwarded-For has an allowance of its own.
    let via_proxy = app
        .http
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&app.admin_token)
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    assert_eq!(via_proxy.status(), StatusCode::OK);
}

async fn forwarded_for_from_an_untrusted_peer_is_ignored(backend: Backend) {
    let app = TestApp::start_with(backend, |config| {
        config.rate_limit_per_second = 1;
        config.rate_limit_burst = 3;
    })
    .await;
    let statuses = crate::common::join_all((0..6).map(|i| {
        app.http
            .get(format!("{}/api/v1/me", app.base))
            .bearer_auth(&app.admin_token)
            // A fresh address each time would be a fresh allowance, were it believed.
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .send()
    }))
    .await;
    assert!(
        statuses
            .iter()
            .any(|r| r.as_ref().unwrap().status() == StatusCode::TOO_MANY_REQUESTS)
    );
}

async fn weak_passwords_are_refused_naming_the_field(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    for weak in [
        "short",
        "150412600321",
        "aaaaaaaaaaaa",
        "qwertyuiopas",
        "my-galym-is-long",
    ] {
        let r = app
            .post(
                "/api/v1/users",
                &app.admin_token,
                json!({"username": "galym", "full_name": "Galym", "password": weak,
                       "role": "analyst", "organisation_id": org}),
            )
            .await;
        assert_eq!(invalid_fields(&r), ["password"], "{weak}");
        assert!(
            !r.body.to_string().contains(weak),
            "the password is not echoed"
        );
    }

    // The command line applies the same policy.
    let out = qorgau(
        &app.db,
        &[
            "user",
            "create",
            "--username",
            "galym",
            "--password-stdin",
            "--role",
            "analyst",
            "--organisation",
            &org,
        ],
        "123456789012\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password: must not be only digits"));
}

async fn bodies_over_the_limit_are_413_whatever_their_type(backend: Backend) {
    let app = TestApp::start(backend).await;
    let two_mb = vec![b'x'; 2 * 1024 * 1024];
    for (path, content_type) in [
        ("/api/v1/organisations", "application/json"),
        ("/api/v1/organisations", "text/plain"),
        ("/api/v1/organisations", "application/octet-stream"),
        // A route that never reads its body.
        ("/api/v1/auth/logout", "multipart/form-data; boundary=x"),
    ] {
        let res = app
            .http
            .post(format!("{}{path}", app.base))
            .bearer_auth(&app.admin_token)
            .header("content-type", content_type)
            .body(two_mb.clone())
            .send()
            .await
            .unwrap();
        let r = crate::common::into_response(res).await;
        assert_eq!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{path} {content_type}"
        );
        assert_eq!(r.headers["content-type"], "application/problem+json");
        assert_eq!(r.body["type"], "/problems/payload-too-large");
    }
    // The admin is still logged in: the logout above was refused before it ran.
    assert_eq!(
        app.get("/api/v1/me", &app.admin_token).await.status,
        StatusCode::OK
    );
}

async fn security_headers_are_set_and_hsts_only_behind_tls(backend: Backend) {
    let app = TestApp::start(backend).await;
    for r in [
        app.get("/api/v1/me", &app.admin_token).await,
        app.send(Method::GET, "/api/v1/me", None, None).await,
        app.send(Method::GET, "/health/live", None, None).await,
    ] {
        let h = &r.headers;
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-store");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(h.get("strict-transport-security").is_none());
        assert!(h.get("access-control-allow-origin").is_none());
    }
    let tls = TestApp::start_with(backend, |config| {
        config.public_url = "https://qorgau.example.kz".into();
    })
    .await;
    let r = tls.send(Method::GET, "/health/live", None, None).await;
    assert_eq!(r.headers["strict-transport-security"], "max-age=31536000");
}

async fn cors_answers_configured_origins_only(backend: Backend) {
    const ALLOWED: &str = "https://app.example.kz";
    let app = TestApp::start_with(backend, |config| {
        config.cors_origins = vec![ALLOWED.into()];
    })
    .await;
    let from = |origin: &'static str| {
        app.http
            .get(format!("{}/api/v1/me", app.base))
            .bearer_auth(&app.admin_token)
            .header("origin", origin)
            .send()
    };
    let allowed = from(ALLOWED).await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(allowed.headers()["access-control-allow-origin"], ALLOWED);
    assert!(
        allowed.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("retry-after")
    );
    let other = from("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let preflight = |origin: &'static str| {
        app.http
            .request(Method::OPTIONS, format!("{}/api/v1/cases", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "PATCH")
            .header("access-control-request-headers", "authorization, if-match")
            .send()
    };
    let ok = preflight(ALLOWED).await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(ok.headers()["access-control-allow-origin"], ALLOWED);
    let refused = preflight("https://evil.example.com").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

async fn database_errors_reveal_no_sql(backend: Backend) {
    let app = TestApp::start(backend).await;
    let sql_words = [
        "SELECT",
        "INSERT",
        "UNIQUE",
        "constraint",
        "column",
        "relation",
        "districts",
        "organisations",
        "email",
        "diesel",
        "panicked",
    ];
    let reveals = |r: &Response| {
        let text = r.body.to_string();
        sql_words
            .iter()
            .find(|w| text.to_lowercase().contains(&w.to_lowercase()))
            .copied()
    };

    // A unique constraint refuses the second district.
    let district = json!({"code": "KZ-71-09", "name": {"kk": "А", "ru": "Р", "en": "E"}});
    let path = "/api/v1/regions/KZ-71/districts";
    assert_eq!(
        app.post(path, &app.admin_token, district.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    let duplicate = app.post(path, &app.admin_token, district).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(reveals(&duplicate), None, "{:?}", duplicate.body);

    // The schema drifts from the code under the server's feet: every statement on the table
    // fails inside the database.
    let mut conn = app.state.db.conn().unwrap();
    diesel::sql_query("ALTER TABLE organisations RENAME COLUMN email TO email_gone")
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    for r in [
        app.get("/api/v1/organisations", &app.admin_token).await,
        app.post(
            "/api/v1/organisations",
            &app.admin_token,
            json!({"name": "School 1", "kind": "school", "region_code": "KZ-71",
                   "email": "school1@edu.kz"}),
        )
        .await,
    ] {
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{:?}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        assert_eq!(r.body["detail"], "internal error");
        assert_eq!(reveals(&r), None, "{:?}", r.body);
    }
}

on_both_backends!(
    five_failures_lock_the_username_even_for_the_right_password,
    the_lock_lifts_when_the_oldest_failure_leaves_the_window,
    a_successful_login_clears_the_failures,
    the_lockout_holds_across_instances,
    parallel_guesses_cannot_outrun_the_lockout,
    requests_over_the_per_ip_limit_are_429,
    forwarded_for_from_an_untrusted_peer_is_ignored,
    weak_passwords_are_refused_naming_the_field,
    bodies_over_the_limit_are_413_whatever_their_type,
    security_headers_are_set_and_hsts_only_behind_tls,
    cors_answers_configured_origins_only,
    database_errors_reveal_no_sql,
);
