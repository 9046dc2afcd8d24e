//! api.md § Geography, organisations, users: who may create what, validation, scope, lists.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, TestApp, invalid_fields};
use crate::on_both_backends;

async fn regions_ship_and_admins_add_districts(backend: Backend) {
    let app = TestApp::start(backend).await;
    let regions = app.get("/api/v1/regions", &app.admin_token).await;
    assert_eq!(regions.status, StatusCode::OK);
    let list = regions.body["items"].as_array().unwrap();
    assert_eq!(list.len(), 20);
    let astana = list.iter().find(|r| r["code"] == "KZ-71").unwrap();
    assert_eq!(astana["name"]["en"], "Astana");
    assert_eq!(astana["name"]["kk"], "Астана қаласы");

    app.district("KZ-71", "KZ-71-01").await;
    let again = app
        .post(
            "/api/v1/regions/KZ-71/districts",
            &app.admin_token,
            json!({"code": "KZ-71-01", "name": {"kk": "А", "ru": "Р", "en": "D"}}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let foreign = app
        .post(
            "/api/v1/regions/KZ-71/districts",
            &app.admin_token,
            json!({"code": "KZ-75-01", "name": {"kk": "", "ru": "Р", "en": "D"}}),
        )
        .await;
    assert_eq!(invalid_fields(&foreign), ["code", "name.kk"]);
    let nowhere = app
        .post(
            "/api/v1/regions/KZ-98/districts",
            &app.admin_token,
            json!({"code": "KZ-98-01", "name": {"kk": "А", "ru": "Р", "en": "D"}}),
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    let listed = app.get("/api/v1/regions", &app.admin_token).await;
    let astana = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "KZ-71")
        .unwrap()
        .clone();
    assert_eq!(astana["districts"][0]["code"], "KZ-71-01");
}

async fn only_admins_create_users_organisations_and_districts(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.district("KZ-71", "KZ-71-01").await;
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    for role in [
        "mobile_group_member",
        "intake_coordinator",
        "case_manager",
        "specialist",
        "supervisor",
        "analyst",
    ] {
        let (_, token) = app.user(&format!("user.{role}"), role, &org).await;
        let user = app
            .post("/api/v1/users", &token,
                  json!({"username": "x.new", "full_name": "X", "email": null, "password": "long enough password",
                         "role": "admin", "organisation_id": org}))
            .await;
        assert_eq!(user.status, StatusCode::FORBIDDEN, "{role} created a user");
        let organisation = app
            .post(
                "/api/v1/organisations",
                &token,
                json!({"name": "X", "kind": "school", "region_code": "KZ-71"}),
            )
            .await;
        assert_eq!(
            organisation.status,
            StatusCode::FORBIDDEN,
            "{role} created an organisation"
        );
        let district = app
            .post(
                "/api/v1/regions/KZ-71/districts",
                &token,
                json!({"code": "KZ-71-09", "name": {"kk": "А", "ru": "Р", "en": "D"}}),
            )
            .await;
        assert_eq!(
            district.status,
            StatusCode::FORBIDDEN,
            "{role} created a district"
        );
    }
    // Nothing was written by the refused requests.
    let users = app.get("/api/v1/users?limit=500", &app.admin_token).await;
    assert!(
        users.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["username"] != "x.new")
    );
}

async fn bad_input_is_422_naming_each_field_and_stores_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .post(
            "/api/v1/organisations",
            &app.admin_token,
            json!({"name": " ", "kind": "bank", "region_code": "KZ71", "email": "nope"}),
        )
        .await;
    assert_eq!(
        invalid_fields(&org),
        ["name", "kind", "region_code", "email"]
    );
    let mobile = app
        .post(
            "/api/v1/organisations",
            &app.admin_token,
            json!({"name": "Mobile group", "kind": "mobile_group", "region_code": "KZ-71"}),
        )
        .await;
    assert_eq!(invalid_fields(&mobile), ["district_code"]);
    let unknown_district = app
        .post("/api/v1/organisations", &app.admin_token,
              json!({"name": "School", "kind": "school", "region_code": "KZ-71", "district_code": "KZ-71-77"}))
        .await;
    assert_eq!(invalid_fields(&unknown_district), ["district_code"]);

    let real_org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    let user = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "Bad Name", "full_name": "", "email": "x", "password": "short",
                     "role": "wizard", "organisation_id": "not-an-id"}),
        )
        .await;
    assert_eq!(
        invalid_fields(&user),
        [
            "username",
            "full_name",
            "email",
            "password",
            "role",
            "organisation_id"
        ]
    );
    let contains_username = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "saule", "full_name": "Saule", "password": "saule-is-my-password",
                     "role": "analyst", "organisation_id": real_org}),
        )
        .await;
    assert_eq!(invalid_fields(&contains_username), ["password"]);
    let missing = app
        .post("/api/v1/users", &app.admin_token, json!({"username": "a"}))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.body["errors"][0]["field"], "full_name");
    let no_org = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "saule", "full_name": "Saule", "password": "long enough password",
                     "role": "analyst", "organisation_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(invalid_fields(&no_org), ["organisation_id"]);

    let orgs = app.get("/api/v1/organisations", &app.admin_token).await;
    // The administration organisation and the one created above: nothing half-written.
    assert_eq!(orgs.body["items"].as_array().unwrap().len(), 2);
    let users = app.get("/api/v1/users", &app.admin_token).await;
    assert_eq!(users.body["items"].as_array().unwrap().len(), 1);
}

async fn usernames_are_unique(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("school", "KZ-75", None).await;
    app.user("gulnar", "specialist", &org).await;
    let again = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "gulnar", "full_name": "G", "password": "long enough password",
                     "role": "specialist", "organisation_id": org}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

async fn unknown_ids_are_404(backend: Backend) {
    let app = TestApp::start(backend).await;
    let random = uuid::Uuid::new_v4();
    for path in [
        format!("/api/v1/organisations/{random}"),
        format!("/api/v1/users/{random}"),
        "/api/v1/users/not-a-uuid".to_string(),
        "/api/v1/no-such-route".to_string(),
    ] {
        let r = app.get(&path, &app.admin_token).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.body["status"], 404);
    }
}

async fn user_directory_is_scoped(backend: Backend) {
    let app = TestApp::start(backend).await;
    let astana = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    let almaty = app
        .organisation("child_rights_department", "KZ-75", None)
        .await;
    let (_, supervisor) = app.user("sup.astana", "supervisor", &astana).await;
    let (colleague, _) = app.user("cm.astana", "case_manager", &astana).await;
    let (stranger, _) = app.user("cm.almaty", "case_manager", &almaty).await;

    assert_eq!(
        app.get(&format!("/api/v1/users/{colleague}"), &supervisor)
            .await
            .status,
        StatusCode::OK
    );
    // Out of scope reads as absent, not forbidden.
    assert_eq!(
        app.get(&format!("/api/v1/users/{stranger}"), &supervisor)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let listed = app.get("/api/v1/users", &supervisor).await;
    let names: Vec<_> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"cm.astana") && !names.contains(&"cm.almaty"),
        "{names:?}"
    );
}

async fn lists_paginate_with_cursors(backend: Backend) {
    let app = TestApp::start(backend).await;
    for region in ["KZ-10", "KZ-11", "KZ-15"] {
        app.organisation("school", region, None).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/organisations?kind=school&limit=2".to_string();
    loop {
        let page = app.get(&path, &app.admin_token).await;
        assert_eq!(page.status, StatusCode::OK);
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["region_code"].clone()),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/organisations?kind=school&limit=2&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, ["KZ-10", "KZ-11", "KZ-15"]);
    let bad = app
        .get("/api/v1/organisations?limit=501", &app.admin_token)
        .await;
    assert_eq!(invalid_fields(&bad), ["limit"]);
    let filtered = app
        .get("/api/v1/organisations?region_code=KZ-11", &app.admin_token)
        .await;
    assert_eq!(filtered.body["items"].as_array().unwrap().len(), 1);
}

on_both_backends!(
    regions_ship_and_admins_add_districts,
    only_admins_create_users_organisations_and_districts,
    bad_input_is_422_naming_each_field_and_stores_nothing,
    usernames_are_unique,
    unknown_ids_are_404,
    user_directory_is_scoped,
    lists_paginate_with_cursors,
);
