//! api.md § Cases: lists by scope, ETag and If-Match, assignment.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Backend, Response, invalid_fields, join_all};
use crate::on_both_backends;
use crate::world::World;

async fn patch(
    w: &World,
    token: &str,
    case: &str,
    if_match: Option<&str>,
    body: serde_json::Value,
) -> Response {
    let mut req = w
        .app
        .http
        .request(Method::PATCH, format!("{}/api/v1/cases/{case}", w.app.base))
        .bearer_auth(token)
        .json(&body);
    if let Some(tag) = if_match {
        req = req.header("If-Match", tag);
    }
    crate::common::into_response(req.send().await.unwrap()).await
}

async fn cases_are_listed_by_scope_with_numbers(backend: Backend) {
    let w = World::new(backend).await;
    let mine = w.open_case("Алихан", true).await;
    let unassigned = w.open_case("Томирис", false).await;
    let own = w.app.get("/api/v1/cases", &w.manager).await;
    let ids: Vec<&str> = own.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [mine.as_str()],
        "a case manager sees the cases assigned to them"
    );
    let region = w
        .app
        .get("/api/v1/cases?status=intake", &w.supervisor)
        .await;
    assert_eq!(region.body["items"].as_array().unwrap().len(), 2);
    let numbers: Vec<&str> = region.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap())
        .collect();
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(
        numbers,
        [
            format!("KZ-71-{year}-000001"),
            format!("KZ-71-{year}-000002")
        ]
    );
    let unassigned_only = w
        .app
        .get(
            &format!("/api/v1/cases?assignee_id={}", w.manager_id),
            &w.supervisor,
        )
        .await;
    assert_eq!(unassigned_only.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        w.app
            .get(&format!("/api/v1/cases/{unassigned}"), &w.manager)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.app
            .get(&format!("/api/v1/cases/{mine}"), &w.almaty_supervisor)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.app.get("/api/v1/cases", &w.intake).await.status,
        StatusCode::FORBIDDEN
    );
    let card = w
        .app
        .get(&format!("/api/v1/cases/{mine}"), &w.manager)
        .await;
    assert_eq!(card.headers["etag"], "\"1\"");
    assert_eq!(
        card.body["concerns"],
        json!(["neglect", "violence_physical"])
    );
    let deadlines: Vec<(&str, &str)> = card.body["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["kind"].as_str().unwrap(), d["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        deadlines,
        [
            ("triage", "met"),
            ("assignment", "met"),
            ("first_contact", "pending"),
            ("initial_assessment", "pending"),
            ("comprehensive_assessment", "pending"),
            ("referral_response", "pending"),
        ],
        "the protocol's clocks started when the case opened"
    );
}

async fn edits_need_the_current_version(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Алихан", true).await;
    let body = json!({"risk_level": "high", "risk_reason": "Second report of violence"});
    assert_eq!(
        patch(&w, &w.manager, &case, None, body.clone())
            .await
            .status,
        StatusCode::PRECONDITION_REQUIRED
    );
    assert_eq!(
        patch(&w, &w.manager, &case, Some("\"7\""), body.clone())
            .await
            .status,
        StatusCode::PRECONDITION_FAILED
    );
    let no_reason = patch(
        &w,
        &w.manager,
        &case,
        Some("\"1\""),
        json!({"risk_level": "high"}),
    )
    .await;
    assert_eq!(invalid_fields(&no_reason), ["risk_reason"]);
    let bad = patch(
        &w,
        &w.manager,
        &case,
        Some("\"1\""),
        json!({"risk_level": "severe", "concerns": ["neglect", "x"]}),
    )
    .await;
    assert_eq!(invalid_fields(&bad), ["risk_level", "concerns[1]"]);
    let ok = patch(&w, &w.manager, &case, Some("\"1\""), body.clone()).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.headers["etag"], "\"2\"");
    assert_eq!(ok.body["risk_level"], "high");
    let stale = patch(
        &w,
        &w.manager,
        &case,
        Some("\"1\""),
        json!({"concerns": ["bullying"]}),
    )
    .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "the second editor does not overwrite the first"
    );
    let concerns = patch(
        &w,
        &w.manager,
        &case,
        Some("\"2\""),
        json!({"concerns": ["bullying", "neglect"]}),
    )
    .await;
    assert_eq!(concerns.body["concerns"], json!(["bullying", "neglect"]));
    assert_eq!(concerns.body["version"], 3);
}

async fn concurrent_edits_of_one_version_succeed_once(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Алихан", true).await;
    let levels = [
        "critical", "high", "low", "critical", "high", "low", "critical", "high",
    ];
    let results = join_all(levels.iter().map(|level| {
        patch(
            &w,
            &w.manager,
            &case,
            Some("\"1\""),
            json!({"risk_level": level, "risk_reason": "reassessed"}),
        )
    }))
    .await;
    let ok: Vec<&Response> = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(
        ok.len(),
        1,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(
        results
            .iter()
            .all(|r| r.status == StatusCode::OK || r.status == StatusCode::PRECONDITION_FAILED)
    );
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    assert_eq!(card.body["version"], 2);
    assert_eq!(
        card.body["risk_level"], ok[0].body["risk_level"],
        "the stored value is the one acknowledged"
    );
}

async fn supervisors_assign_to_case_managers_of_the_region(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Томирис", false).await;
    let path = format!("/api/v1/cases/{case}/assignment");
    let by_manager = w
        .app
        .post(&path, &w.manager, json!({"assignee_id": w.manager_id}))
        .await;
    assert_eq!(
        by_manager.status,
        StatusCode::NOT_FOUND,
        "not their case: it does not exist for them"
    );
    let wrong = w
        .app
        .post(
            &path,
            &w.supervisor,
            json!({"assignee_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(invalid_fields(&wrong), ["assignee_id"]);
    let ok = w
        .app
        .post(&path, &w.supervisor, json!({"assignee_id": w.manager_id}))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["assignee_id"], w.manager_id.as_str());
    assert_eq!(
        w.app
            .get(&format!("/api/v1/cases/{case}"), &w.manager)
            .await
            .status,
        StatusCode::OK
    );
    let reassign_by_manager = w
        .app
        .post(&path, &w.manager, json!({"assignee_id": w.manager_id}))
        .await;
    assert_eq!(
        reassign_by_manager.status,
        StatusCode::FORBIDDEN,
        "their case now, but assignment is the supervisor's"
    );
}

on_both_backends!(
    cases_are_listed_by_scope_with_numbers,
    edits_need_the_current_version,
    concurrent_edits_of_one_version_succeed_once,
    supervisors_assign_to_case_managers_of_the_region,
);
