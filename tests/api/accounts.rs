//! Staff accounts (issue 20, defect 5 and item 1): deactivation and reactivation, hand-over of
//! a case manager's open cases and deadlines, password resets with a forced change, changing
//! one's own password, an administrator's edit of role and organisation under `If-Match`, and
//! the staff directory's filters and scope.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{
    Backend, Response, TestApp, USER_PASSWORD, invalid_fields, serve, test_config,
};
use crate::on_both_backends;
use crate::world::World;

fn id(body: &Value) -> String {
    body["id"].as_str().unwrap().to_string()
}

impl TestApp {
    async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> Response {
        let mut req = self
            .http
            .patch(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        crate::common::into_response(req.send().await.unwrap()).await
    }
}

/// `POST /users/{user}/{act}` (`deactivate`, `reactivate`) as `token`, without a body (the
/// routes read none).
async fn act(app: &TestApp, token: &str, user: &str, act: &str) -> Response {
    let path = format!("/api/v1/users/{user}/{act}");
    app.send(reqwest::Method::POST, &path, Some(token), None)
        .await
}

/// `POST /auth/refresh` with `refresh_token` (a JSON string).
async fn refresh(app: &TestApp, refresh_token: &Value) -> Response {
    let body = json!({ "refresh_token": refresh_token });
    app.send(
        reqwest::Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(body),
    )
    .await
}

/// The organisation of a user, as the directory shows it.
async fn organisation_of(app: &TestApp, user: &str) -> String {
    let r = app
        .get(&format!("/api/v1/users/{user}"), &app.admin_token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["organisation_id"].as_str().unwrap().to_string()
}

/// The usernames of a directory answer.
fn usernames(r: &Response) -> Vec<String> {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let mut names: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn problem_type(r: &Response) -> &str {
    r.body["type"].as_str().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Deactivation

/// The documented window: a deactivated user's access token is refused at once on the
/// instance that deactivated them, and within 2 s (a login's check is remembered that long) on
/// another; they cannot sign in or refresh; reactivated, they can. Audited.
async fn a_deactivated_user_is_refused_within_the_window_and_cannot_sign_in(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let admin = &app.admin_token;
    // A second instance of the same deployment, on the same database.
    let other = serve(
        qorgau_api::AppState::open(test_config(&app.db.url))
            .unwrap()
            .with_clock(app.clock.clone()),
    );
    let on_other = |token: &str| {
        let url = format!("{other}/api/v1/me");
        let token = token.to_string();
        async move {
            crate::common::http_client()
                .build()
                .unwrap()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let pair = app.login_pair("cm.astana", USER_PASSWORD).await;
    let refresh_token = pair.body["refresh_token"].clone();
    // Both instances have just checked the login: the check is remembered.
    assert_eq!(
        app.get("/api/v1/me", &w.manager).await.status,
        StatusCode::OK
    );
    assert_eq!(on_other(&w.manager).await, StatusCode::OK);

    let r = act(app, admin, &w.manager_id, "deactivate").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["active"], false);
    // At once on this instance, on every route.
    for path in ["/api/v1/me", "/api/v1/cases", "/api/v1/me/tasks"] {
        let r = app.get(path, &w.manager).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}: {:?}", r.body);
    }
    // Within the window on the other.
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(on_other(&w.manager).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login_pair("cm.astana", USER_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let renewed = refresh(app, &refresh_token).await;
    assert_eq!(renewed.status, StatusCode::UNAUTHORIZED);
    // Deactivated, listed as such; deactivating again changes nothing.
    let listed = app.get("/api/v1/users?active=false", admin).await;
    assert_eq!(usernames(&listed), ["cm.astana"]);
    let again = act(app, admin, &w.manager_id, "deactivate").await;
    assert_eq!(again.status, StatusCode::OK);

    // Reactivated: the same password works again.
    let r = act(app, admin, &w.manager_id, "reactivate").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["active"], true);
    let token = app.login("cm.astana", USER_PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);

    // Only administrators; never oneself.
    let r = act(app, &w.supervisor, &w.manager_id, "deactivate").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let me = app.get("/api/v1/me", admin).await;
    let r = act(app, admin, &id(&me.body), "deactivate").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    // Nor resets their own password (that would end their own login mid-work): 409, and the
    // token still works.
    let own = format!("/api/v1/users/{}/password-reset", id(&me.body));
    let r = app.post(&own, admin, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(app.get("/api/v1/me", admin).await.status, StatusCode::OK);

    // Audited, each with who did it.
    let log = app.get("/api/v1/audit?limit=500", admin).await;
    let acts: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"] == "user" && e["resource_id"] == w.manager_id.as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(acts, ["reactivate", "deactivate"], "newest first");
}

// ---------------------------------------------------------------------------------------------
// Hand-over

/// A case manager with open cases cannot be deactivated (409 counting them) or moved to
/// another role; a hand-over gives their cases, deadlines and tasks to another case manager of
/// the region — on the timeline, in the audit log, with the notification — and then they can.
async fn a_hand_over_moves_open_cases_and_their_deadlines_before_deactivation(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let admin = &app.admin_token;
    let department = organisation_of(app, &w.manager_id).await;
    let (next_id, next) = app.user("cm.next", "case_manager", &department).await;
    let almaty = organisation_of(
        app,
        &id(&app.get("/api/v1/me", &w.almaty_supervisor).await.body),
    )
    .await;
    let (almaty_manager, _) = app.user("cm.almaty", "case_manager", &almaty).await;
    let cases = [
        w.open_case("Айгерім", true).await,
        w.open_case("Нұрлан", true).await,
    ];
    let tasks = app.get("/api/v1/me/tasks?limit=500", &w.manager).await;
    let held_tasks = tasks.body["total"].as_i64().unwrap();
    assert!(held_tasks >= 2, "{:?}", tasks.body);

    let refused = act(app, admin, &w.manager_id, "deactivate").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("2 open case(s)"), "{detail}");
    assert!(detail.contains("/handover"), "{detail}");
    // Nothing changed: still active, still signed in.
    assert_eq!(
        app.get("/api/v1/me", &w.manager).await.status,
        StatusCode::OK
    );
    let user = app
        .get(&format!("/api/v1/users/{}", w.manager_id), admin)
        .await;
    assert_eq!(user.body["active"], true);
    let tag = user.headers["etag"].to_str().unwrap().to_string();
    let r = app
        .patch(
            &format!("/api/v1/users/{}", w.manager_id),
            admin,
            Some(&tag),
            json!({"role": "supervisor"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);

    let handover = format!("/api/v1/users/{}/handover", w.manager_id);
    // Not to someone of another region, not to oneself, not by a case manager.
    let r = app
        .post(&handover, admin, json!({"to": almaty_manager}))
        .await;
    assert_eq!(invalid_fields(&r), ["to"]);
    let r = app
        .post(&handover, admin, json!({"to": w.manager_id}))
        .await;
    assert_eq!(invalid_fields(&r), ["to"]);
    let r = app.post(&handover, &next, json!({"to": next_id})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Not by the supervisor of another region: the user is not theirs to see.
    let r = app
        .post(&handover, &w.almaty_supervisor, json!({"to": next_id}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The region's supervisor hands them over.
    let r = app
        .post(&handover, &w.supervisor, json!({"to": next_id}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let mut moved: Vec<String> = r.body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    moved.sort();
    let mut expected = cases.to_vec();
    expected.sort();
    assert_eq!(moved, expected);
    assert!(r.body["deadlines"].as_i64().unwrap() >= 2, "{:?}", r.body);
    for case in &cases {
        let card = app.get(&format!("/api/v1/cases/{case}"), &next).await;
        assert_eq!(card.status, StatusCode::OK, "{:?}", card.body);
        assert_eq!(card.body["assignee_id"], next_id.as_str());
        // The case's pending deadlines went with it.
        let tasks = app.get("/api/v1/me/tasks?limit=500", &next).await;
        assert!(
            tasks.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["case_id"] == case.as_str()),
            "{:?}",
            tasks.body
        );
        // On the child's timeline, by the supervisor.
        let child = card.body["child_id"].as_str().unwrap();
        let timeline = app
            .get(&format!("/api/v1/children/{child}/timeline"), &w.supervisor)
            .await;
        assert!(
            timeline.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "assigned"
                    && e["summary"] == "Handed over from cm.astana to cm.next"),
            "{:?}",
            timeline.body
        );
        // The former holder no longer sees it.
        let gone = app.get(&format!("/api/v1/cases/{case}"), &w.manager).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    }
    let tasks = app.get("/api/v1/me/tasks?limit=500", &next).await;
    assert_eq!(tasks.body["total"].as_i64().unwrap(), held_tasks);
    let left = app.get("/api/v1/me/tasks", &w.manager).await;
    assert_eq!(left.body["total"], 0, "{:?}", left.body);
    let inbox = app.get("/api/v1/me/notifications?limit=500", &next).await;
    let told = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "case_assigned")
        .count();
    assert_eq!(told, 2, "{:?}", inbox.body);
    // Audited on each case (so the child's access log shows it) and on the user.
    let log = app.get("/api/v1/audit?limit=500", admin).await;
    let handed: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "hand_over")
        .map(|e| e["resource"].as_str().unwrap())
        .collect();
    assert_eq!(handed.iter().filter(|r| **r == "case").count(), 2);
    assert_eq!(handed.iter().filter(|r| **r == "user").count(), 1);

    // Nothing left: the deactivation goes through.
    let r = act(app, admin, &w.manager_id, "deactivate").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // A deactivated person is given no case.
    let one = &cases[0];
    let r = app
        .post(
            &format!("/api/v1/cases/{one}/assignment"),
            &w.supervisor,
            json!({"assignee_id": w.manager_id}),
        )
        .await;
    assert_eq!(
        invalid_fields(&r),
        ["assignee_id"],
        "an inactive person holds no case"
    );
}

/// Reassigning each case through the assignment route empties a manager's hands as well.
async fn per_case_reassignment_also_frees_a_manager_for_deactivation(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let department = organisation_of(app, &w.manager_id).await;
    let (next_id, _) = app.user("cm.next", "case_manager", &department).await;
    let case = w.open_case("Дана", true).await;
    let r = act(app, &app.admin_token, &w.manager_id, "deactivate").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("1 open case(s)")
    );
    let r = app
        .post(
            &format!("/api/v1/cases/{case}/assignment"),
            &w.supervisor,
            json!({"assignee_id": next_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = act(app, &app.admin_token, &w.manager_id, "deactivate").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

// ---------------------------------------------------------------------------------------------
// Passwords

/// An administrator's reset ends the user's logins; the temporary password signs in to a token
/// that may only change it (403 `password-change-required` elsewhere); the change answers
/// unrestricted tokens and the temporary password stops working.
async fn a_password_reset_forces_a_change_at_the_next_sign_in(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let reset = format!("/api/v1/users/{}/password-reset", w.manager_id);
    let r = app.post(&reset, &w.supervisor, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "administrators only");
    let r = app.post(&reset, &app.admin_token, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let temporary = r.body["temporary_password"].as_str().unwrap().to_string();
    assert_eq!(r.body["user"]["must_change_password"], true);
    assert_eq!(
        app.get("/api/v1/me", &w.manager).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_pair("cm.astana", USER_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    let pair = app.login_pair("cm.astana", &temporary).await;
    assert_eq!(pair.status, StatusCode::OK, "{:?}", pair.body);
    assert_eq!(pair.body["password_change_required"], true);
    let restricted = pair.body["access_token"].as_str().unwrap().to_string();
    for path in ["/api/v1/me", "/api/v1/cases", "/api/v1/users"] {
        let r = app.get(path, &restricted).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(problem_type(&r), "/problems/password-change-required");
    }
    // A refresh keeps the restriction while the password is unchanged.
    let renewed = refresh(app, &pair.body["refresh_token"]).await;
    assert_eq!(renewed.body["password_change_required"], true);
    let restricted = renewed.body["access_token"].as_str().unwrap().to_string();

    let change = |current: &str, new: &str| json!({"current": current, "new": new});
    let r = app
        .post(
            "/api/v1/me/password",
            &restricted,
            change("not it at all", "a brand new passphrase"),
        )
        .await;
    assert_eq!(invalid_fields(&r), ["current"]);
    let r = app
        .post(
            "/api/v1/me/password",
            &restricted,
            change(&temporary, &temporary),
        )
        .await;
    assert_eq!(invalid_fields(&r), ["new"]);
    let r = app
        .post(
            "/api/v1/me/password",
            &restricted,
            change(&temporary, "short"),
        )
        .await;
    assert_eq!(invalid_fields(&r), ["new"]);
    let r = app
        .post(
            "/api/v1/me/password",
            &restricted,
            change(&temporary, "a brand new passphrase"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["password_change_required"], false);
    let fresh = r.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", fresh).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["must_change_password"], false);
    assert_eq!(
        app.get("/api/v1/me", &restricted).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_pair("cm.astana", &temporary).await.status,
        StatusCode::UNAUTHORIZED
    );
    let pair = app.login_pair("cm.astana", "a brand new passphrase").await;
    assert_eq!(pair.body["password_change_required"], false);

    // A password the administrator chooses is not echoed, and must be changed as well.
    let r = app
        .post(&reset, &app.admin_token, json!({"password": "short"}))
        .await;
    assert_eq!(invalid_fields(&r), ["password"]);
    let r = app
        .post(
            &reset,
            &app.admin_token,
            json!({"password": "Chosen by the admin 7"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(r.body["temporary_password"].is_null());
    let pair = app.login_pair("cm.astana", "Chosen by the admin 7").await;
    assert_eq!(pair.body["password_change_required"], true);
    // A restricted login may still log out.
    let token = pair.body["access_token"].as_str().unwrap();
    let out = app
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some(token),
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
}

/// Changing one's own password ends one's other logins (and the one used: the answer is a new
/// login); wrong current passwords count against the sign-in lockout.
async fn changing_ones_password_ends_the_other_logins(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let other = app.login_pair("cm.astana", USER_PASSWORD).await;
    let change = json!({"current": USER_PASSWORD, "new": "another long password 2"});
    let r = app.post("/api/v1/me/password", &w.manager, change).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let fresh = r.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/v1/me", &fresh).await.status, StatusCode::OK);
    for token in [&w.manager, other.body["access_token"].as_str().unwrap()] {
        assert_eq!(
            app.get("/api/v1/me", token).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let renewed = refresh(app, &other.body["refresh_token"]).await;
    assert_eq!(renewed.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login_pair("cm.astana", USER_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let pair = app.login_pair("cm.astana", "another long password 2").await;
    assert_eq!(pair.status, StatusCode::OK);

    // Guessing the current password with a stolen token meets the lockout.
    let guess = json!({"current": "a wrong guess here", "new": "yet another password 3"});
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            app.post("/api/v1/me/password", &fresh, guess.clone())
                .await
                .status,
        );
    }
    assert_eq!(statuses[..5], [StatusCode::UNPROCESSABLE_ENTITY; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}

// ---------------------------------------------------------------------------------------------
// Role and organisation

/// `PATCH /users/{id}` under `If-Match` (428 without, 412 stale): a new role ends the user's
/// logins, whose next token carries it; a new name does not; bad values are 422; one's own role
/// is 409; administrators only.
async fn an_administrator_changes_role_and_organisation_under_if_match(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let admin = &app.admin_token;
    let path = "/api/v1/users/".to_string();
    let intake_id = id(&app.get("/api/v1/me", &w.intake).await.body);
    let user = format!("{path}{intake_id}");
    let r = app.get(&user, admin).await;
    assert_eq!(r.headers["etag"], "\"1\"");
    assert_eq!(r.body["version"], 1);

    let to_manager = json!({"role": "case_manager"});
    let r = app.patch(&user, admin, None, to_manager.clone()).await;
    assert_eq!(r.status, StatusCode::PRECONDITION_REQUIRED);
    let r = app
        .patch(&user, admin, Some("\"7\""), to_manager.clone())
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED);
    let r = app
        .patch(&user, &w.supervisor, Some("\"1\""), to_manager.clone())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .patch(
            &user,
            admin,
            Some("\"1\""),
            json!({"role": "wizard", "email": "no"}),
        )
        .await;
    assert_eq!(invalid_fields(&r), ["email", "role"]);
    let nowhere = uuid::Uuid::new_v4().to_string();
    let r = app
        .patch(
            &user,
            admin,
            Some("\"1\""),
            json!({"organisation_id": nowhere}),
        )
        .await;
    assert_eq!(invalid_fields(&r), ["organisation_id"]);

    let r = app.patch(&user, admin, Some("\"1\""), to_manager).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["role"], "case_manager");
    assert_eq!(r.headers["etag"], "\"2\"");
    // Its tokens carried the old role: they end at once.
    assert_eq!(
        app.get("/api/v1/me", &w.intake).await.status,
        StatusCode::UNAUTHORIZED
    );
    let token = app.login("intake.one", USER_PASSWORD).await;
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.body["role"], "case_manager");

    // The organisation too (a centre of the other district).
    let other = organisation_of(
        app,
        &id(&app.get("/api/v1/me", &w.intake_elsewhere).await.body),
    )
    .await;
    let r = app
        .patch(
            &user,
            admin,
            Some("\"1\""),
            json!({"organisation_id": other}),
        )
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "stale");
    let r = app
        .patch(
            &user,
            admin,
            Some("\"2\""),
            json!({"organisation_id": other, "full_name": "Aigerim B."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["district_code"], "KZ-71-02");
    assert_eq!(r.body["full_name"], "Aigerim B.");
    assert_eq!(
        app.get("/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A new name or address keeps the logins; null clears the address.
    let token = app.login("intake.one", USER_PASSWORD).await;
    let r = app
        .patch(&user, admin, Some("\"3\""), json!({"email": null}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(r.body["email"].is_null());
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);

    // Never one's own role.
    let me = app.get("/api/v1/me", admin).await;
    let mine = format!("{path}{}", id(&me.body));
    let r = app
        .patch(&mine, admin, Some("\"1\""), json!({"role": "analyst"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(app.get("/api/v1/me", admin).await.body["role"], "admin");
}

// ---------------------------------------------------------------------------------------------
// The staff directory

/// `GET /users` filters by role, organisation, region, district, active and a part of the name
/// (any case, any script), pages like every list; administrators see everyone, a supervisor
/// their region's staff, others their organisation.
async fn the_staff_directory_filters_and_is_scoped(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let admin = &app.admin_token;
    let department = organisation_of(app, &w.manager_id).await;
    let r = app
        .post(
            "/api/v1/users",
            admin,
            json!({"username": "aigerim.b", "full_name": "Айгерім Бекова", "password": USER_PASSWORD,
                   "role": "case_manager", "organisation_id": department}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let list = |query: &str, token: &str| {
        let path = format!("/api/v1/users?{query}");
        let token = token.to_string();
        async move { usernames(&app.get(&path, &token).await) }
    };
    assert_eq!(
        list("role=intake_coordinator", admin).await,
        ["intake.one", "intake.two"]
    );
    assert_eq!(list("region_code=KZ-75", admin).await, ["sup.almaty"]);
    assert_eq!(list("district_code=KZ-71-02", admin).await, ["intake.two"]);
    assert_eq!(list("q=ASTANA", admin).await, ["cm.astana", "sup.astana"]);
    assert_eq!(
        list("q=%D0%B0%D0%B9%D0%B3%D0%B5%D1%80", admin).await,
        ["aigerim.b"],
        "айгер"
    );
    assert_eq!(
        list("q=50%25", admin).await,
        Vec::<String>::new(),
        "% is no wildcard"
    );
    assert_eq!(
        list(
            &format!("organisation_id={department}&role=case_manager"),
            admin
        )
        .await,
        ["aigerim.b", "cm.astana"]
    );
    let r = app.get("/api/v1/users?role=wizard", admin).await;
    assert_eq!(invalid_fields(&r), ["role"]);
    // Deactivated accounts are listed unless asked otherwise.
    let aigerim = list("q=aigerim", admin).await;
    assert_eq!(aigerim, ["aigerim.b"]);
    let aigerim_id = app.get("/api/v1/users?q=aigerim", admin).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = act(app, admin, &aigerim_id, "deactivate").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(list("q=aigerim", admin).await, ["aigerim.b"]);
    assert_eq!(
        list("q=aigerim&active=true", admin).await,
        Vec::<String>::new()
    );
    assert_eq!(list("active=false", admin).await, ["aigerim.b"]);

    // Pages of two, each with a cursor to the next, cover everyone once.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = app
            .get(&format!("/api/v1/users?limit=2{cursor}"), admin)
            .await;
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_string()),
        );
        match r.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    // The administrator and the world's six, with aigerim.b.
    assert_eq!(seen.len(), 8, "{seen:?}");

    // Scope: the supervisor sees the region's staff (not Almaty's); a case manager their
    // organisation's.
    let region = list("", &w.supervisor).await;
    assert!(!region.contains(&"sup.almaty".to_string()), "{region:?}");
    assert!(region.contains(&"intake.two".to_string()), "{region:?}");
    assert_eq!(
        list("region_code=KZ-75", &w.supervisor).await,
        Vec::<String>::new()
    );
    assert_eq!(
        list("", &w.manager).await,
        ["aigerim.b", "cm.astana", "sup.astana"]
    );
}

on_both_backends!(
    a_deactivated_user_is_refused_within_the_window_and_cannot_sign_in,
    a_hand_over_moves_open_cases_and_their_deadlines_before_deactivation,
    per_case_reassignment_also_frees_a_manager_for_deactivation,
    a_password_reset_forces_a_change_at_the_next_sign_in,
    changing_ones_password_ends_the_other_logins,
    an_administrator_changes_role_and_organisation_under_if_match,
    the_staff_directory_filters_and_is_scoped,
);
