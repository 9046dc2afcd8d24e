//! api.md § Auth: login, refresh rotation and reuse detection, logout, /me.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, TestApp, USER_PASSWORD, join_all};
use crate::on_both_backends;

async fn login_failures_are_indistinguishable(backend: Backend) {
    let app = TestApp::start(backend).await;
    let unknown = app.login_pair("nobody", "some password here").await;
    let wrong = app.login_pair("admin", "wrong password here").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.body, wrong.body);
    assert_eq!(unknown.headers["content-type"], "application/problem+json");
}

async fn login_returns_a_bearer_pair_and_me_describes_the_caller(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .organisation("child_rights_department", "KZ-75", None)
        .await;
    let (id, token) = app.user("aigerim", "case_manager", &org).await;
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["id"], id.as_str());
    assert_eq!(me.body["username"], "aigerim");
    assert_eq!(me.body["role"], "case_manager");
    assert_eq!(me.body["organisation_id"], org.as_str());
    assert_eq!(me.body["region_code"], "KZ-75");
    assert!(me.body["district_code"].is_null());
    assert!(me.body.get("password_hash").is_none());

    let pair = app.login_pair("aigerim", "long enough password").await;
    assert_eq!(pair.body["token_type"], "Bearer");
    assert_eq!(pair.body["expires_in"], 900);
    assert!(pair.body["refresh_token"].as_str().unwrap().len() >= 40);
}

async fn requests_without_a_valid_token_are_401(backend: Backend) {
    let app = TestApp::start(backend).await;
    for token in [None, Some("garbage"), Some("a.b.c")] {
        let r = app
            .send(reqwest::Method::GET, "/api/v1/me", token, None)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(r.headers["www-authenticate"], "Bearer");
    }
}

async fn refresh_rotates_and_reuse_revokes_the_login(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    app.user("dana", "supervisor", &org).await;
    let first = app.login_pair("dana", "long enough password").await.body;
    let refresh = |token: &str| {
        app.send(
            reqwest::Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": token})),
        )
    };

    let second = refresh(first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_ne!(second.body["refresh_token"], first["refresh_token"]);
    let new_access = second.body["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/me", new_access).await.status,
        StatusCode::OK
    );

    // The first token again: someone holds a copy. Everything of this login dies.
    let reused = refresh(first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    let after = refresh(second.body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/api/v1/me", new_access).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Another login of the same user is untouched.
    let other = app.login("dana", "long enough password").await;
    assert_eq!(app.get("/api/v1/me", &other).await.status, StatusCode::OK);
    assert_eq!(
        refresh("never-issued").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn logout_ends_the_login(backend: Backend) {
    let app = TestApp::start(backend).await;
    let pair = app.login_pair("admin", "x").await;
    assert_eq!(pair.status, StatusCode::UNAUTHORIZED);
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    app.user("erlan", "analyst", &org).await;
    let pair = app.login_pair("erlan", "long enough password").await.body;
    let access = pair["access_token"].as_str().unwrap();
    let out = app
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some(access),
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refreshed = app
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": pair["refresh_token"]})),
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);
}

async fn concurrent_refreshes_with_one_token_yield_one_pair(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    app.user("marat", "supervisor", &org).await;
    let pair = app.login_pair("marat", "long enough password").await.body;
    let body = json!({"refresh_token": pair["refresh_token"]});
    let attempts = (0..8).map(|_| {
        app.send(
            reqwest::Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(body.clone()),
        )
    });
    let results = join_all(attempts).await;
    let ok = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert!(ok <= 1, "{ok} refreshes succeeded with one token");
    assert!(
        results
            .iter()
            .all(|r| r.status == StatusCode::OK || r.status == StatusCode::UNAUTHORIZED)
    );
}

/// Access tokens, refresh tokens and the login itself end when the server's clock says so.
async fn tokens_and_logins_expire_by_the_clock(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    app.user("saule", "supervisor", &org).await;
    let logged_in = app.now();
    let pair = app.login_pair("saule", USER_PASSWORD).await.body;
    let me = |token: Value| {
        let app = &app;
        async move {
            let token = token.as_str().unwrap().to_string();
            app.get("/api/v1/me", &token).await
        }
    };
    let refresh = |token: Value| {
        app.send(
            reqwest::Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": token})),
        )
    };

    // The access token lives `expires_in` seconds.
    let lifetime = Duration::seconds(pair["expires_in"].as_i64().unwrap());
    app.clock.set(logged_in + lifetime - Duration::minutes(1));
    assert_eq!(
        me(pair["access_token"].clone()).await.status,
        StatusCode::OK
    );
    app.clock.set(logged_in + lifetime + Duration::minutes(1));
    let expired = me(pair["access_token"].clone()).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.headers["www-authenticate"], "Bearer");
    // The refresh token gives a new one.
    let renewed = refresh(pair["refresh_token"].clone()).await;
    assert_eq!(renewed.status, StatusCode::OK, "{:?}", renewed.body);
    assert_eq!(
        me(renewed.body["access_token"].clone()).await.status,
        StatusCode::OK
    );

    // The login lasts `refresh_token_days` from the password, however often it is refreshed.
    let lasts = Duration::days(app.state.config.refresh_token_days);
    app.clock.set(logged_in + lasts - Duration::minutes(1));
    let last = refresh(renewed.body["refresh_token"].clone()).await;
    assert_eq!(last.status, StatusCode::OK, "{:?}", last.body);
    assert_eq!(
        me(last.body["access_token"].clone()).await.status,
        StatusCode::OK
    );
    app.clock.set(logged_in + lasts + Duration::minutes(1));
    assert_eq!(
        refresh(last.body["refresh_token"].clone()).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me(last.body["access_token"].clone()).await.status,
        StatusCode::UNAUTHORIZED,
        "its access token, unexpired itself, ends with the login"
    );
    // A new login starts a new one.
    assert_eq!(
        app.login_pair("saule", USER_PASSWORD).await.status,
        StatusCode::OK
    );
}

on_both_backends!(
    login_failures_are_indistinguishable,
    login_returns_a_bearer_pair_and_me_describes_the_caller,
    requests_without_a_valid_token_are_401,
    refresh_rotates_and_reuse_revokes_the_login,
    logout_ends_the_login,
    concurrent_refreshes_with_one_token_yield_one_pair,
    tokens_and_logins_expire_by_the_clock,
);
