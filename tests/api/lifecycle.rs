//! The case lifecycle end to end (issue: signal → … → closed, reopened, closed again), and
//! every refusal: wrong role 403, wrong state 409 with `allowed`.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, invalid_fields};
use crate::on_both_backends;
use crate::world::{World, all_domains, iin, move_to, signal};

async fn a_child_walks_from_signal_to_closure_and_back(backend: Backend) {
    let w = World::new(backend).await;
    let child = json!({"iin": iin("2013-02-14", qorgau_domain::iin::Sex::Female, 7), "first_name": "Жансая", "last_name": "Бекова"});
    let s = w.file(signal(child)).await.body;
    let child_id = s["child_id"].as_str().unwrap().to_string();
    let opened = w
        .app
        .post(
            &format!("/api/v1/signals/{}/triage", s["id"].as_str().unwrap()),
            &w.intake,
            json!({"decision": "open_case", "risk_level": "high"}),
        )
        .await;
    let case = opened.body["case_id"].as_str().unwrap().to_string();
    w.assign_to_manager(&case).await;
    let cm = &w.manager;
    let sup = &w.supervisor;
    let status =
        |r: &crate::common::Response| r.body["status"].as_str().unwrap_or_default().to_string();

    // Initial assessment moves intake → assessment.
    let initial = w.app.post(&format!("/api/v1/cases/{case}/assessments"), cm,
        json!({"kind": "initial", "summary": "Child safe at grandmother's for now", "domains": [{"domain": "safety", "level": "high"}]})).await;
    assert_eq!(initial.status, StatusCode::CREATED, "{:?}", initial.body);
    assert_eq!(
        status(&w.app.get(&format!("/api/v1/cases/{case}"), cm).await),
        "assessment"
    );
    // Planning needs the comprehensive assessment.
    let early = move_to(&w, cm, &case, json!({"to": "planning"})).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    let incomplete = w.app.post(&format!("/api/v1/cases/{case}/assessments"), cm,
        json!({"kind": "comprehensive", "summary": "x", "domains": [{"domain": "safety", "level": "high"}]})).await;
    assert_eq!(invalid_fields(&incomplete), ["domains"]);
    let comprehensive = w.app.post(&format!("/api/v1/cases/{case}/assessments"), cm,
        json!({"kind": "comprehensive", "summary": "Needs across domains", "risk_level": "medium", "domains": all_domains()})).await;
    assert_eq!(comprehensive.status, StatusCode::CREATED);
    let card = w.app.get(&format!("/api/v1/cases/{case}"), cm).await;
    assert_eq!(status(&card), "planning");
    assert_eq!(
        card.body["risk_level"], "medium",
        "revised by the assessment"
    );

    // The plan: in_progress needs an approved one.
    let org = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let due = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let plan = json!({"goals": [{"title": "Safe at home", "measures": [
        {"kind": "psychological", "description": "Weekly sessions", "responsible_organisation_id": org, "due_date": due},
        {"kind": "social", "description": "Benefit application", "responsible_organisation_id": org, "due_date": due}]}]});
    let v1 = w.app.put_plan(&case, cm, plan.clone()).await;
    assert_eq!(v1.status, StatusCode::OK, "{:?}", v1.body);
    assert_eq!(v1.body["status"], "draft");
    let too_soon = move_to(&w, cm, &case, json!({"to": "in_progress"})).await;
    assert_eq!(too_soon.status, StatusCode::CONFLICT);
    let by_manager = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/plan/approval"),
            cm,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(by_manager.status, StatusCode::FORBIDDEN);
    let rejected = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/plan/approval"),
            sup,
            json!({"decision": "reject", "note": "Add school support"}),
        )
        .await;
    assert_eq!(rejected.body["status"], "rejected");
    let v2 = w.app.put_plan(&case, cm, plan).await;
    assert_eq!(v2.body["version"], 2);
    let approved = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/plan/approval"),
            sup,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(approved.body["status"], "approved");
    let versions: Vec<&str> = approved.body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["rejected", "approved"], "every version is kept");
    assert_eq!(
        status(&move_to(&w, cm, &case, json!({"to": "in_progress"})).await),
        "in_progress"
    );

    // Interventions, one against a plan measure; the measure is marked done.
    let measure = approved.body["goals"][0]["measures"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let visit = w.app.post(&format!("/api/v1/cases/{case}/interventions"), cm,
        json!({"kind": "home_visit", "assistance_type": "social", "occurred_at": now, "summary": "Visited the family", "child_seen": true, "duration_minutes": 60})).await;
    assert_eq!(visit.status, StatusCode::CREATED, "{:?}", visit.body);
    let session = w.app.post(&format!("/api/v1/cases/{case}/interventions"), cm,
        json!({"kind": "psychological_session", "assistance_type": "psychological", "occurred_at": now, "summary": "First session", "child_seen": true, "plan_measure_id": measure})).await;
    assert_eq!(session.status, StatusCode::CREATED);
    let done = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/plan/measures/{measure}/done"),
            cm,
            json!({}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        w.app
            .get(&format!("/api/v1/cases/{case}/interventions"), cm)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Monitoring, closure request, approval.
    assert_eq!(
        status(&move_to(&w, cm, &case, json!({"to": "monitoring"})).await),
        "monitoring"
    );
    let no_reason = move_to(&w, cm, &case, json!({"to": "closure_requested"})).await;
    assert_eq!(invalid_fields(&no_reason), ["closure_reason"]);
    let requested = move_to(
        &w,
        cm,
        &case,
        json!({"to": "closure_requested", "closure_reason": "goals_achieved"}),
    )
    .await;
    assert_eq!(requested.body["closure_reason"], "goals_achieved");
    let self_close = move_to(&w, cm, &case, json!({"to": "closed"})).await;
    assert_eq!(
        self_close.status,
        StatusCode::FORBIDDEN,
        "closing is the supervisor's"
    );
    let closed = move_to(&w, sup, &case, json!({"to": "closed"})).await;
    assert_eq!(status(&closed), "closed");
    assert!(closed.body["closed_at"].is_string());
    let number = closed.body["number"].clone();

    // Reopened by the supervisor with a reason: same case, same number, history kept.
    let reopen_by_manager = move_to(
        &w,
        cm,
        &case,
        json!({"to": "assessment", "reason": "New report"}),
    )
    .await;
    assert_eq!(reopen_by_manager.status, StatusCode::FORBIDDEN);
    let reopened = move_to(
        &w,
        sup,
        &case,
        json!({"to": "assessment", "reason": "New report from the school"}),
    )
    .await;
    assert_eq!(status(&reopened), "assessment");
    assert_eq!(reopened.body["number"], number);
    assert!(reopened.body["closed_at"].is_null());
    // Straight to closure again (the plan is still approved, the assessment done).
    assert_eq!(
        status(&move_to(&w, cm, &case, json!({"to": "planning"})).await),
        "planning"
    );
    assert_eq!(
        status(&move_to(&w, cm, &case, json!({"to": "in_progress"})).await),
        "in_progress"
    );
    let requested = move_to(
        &w,
        cm,
        &case,
        json!({"to": "closure_requested", "closure_reason": "risk_eliminated"}),
    )
    .await;
    assert_eq!(requested.status, StatusCode::OK);
    let returned = move_to(
        &w,
        sup,
        &case,
        json!({"to": "in_progress", "reason": "One more visit first"}),
    )
    .await;
    assert_eq!(status(&returned), "in_progress");
    move_to(
        &w,
        cm,
        &case,
        json!({"to": "closure_requested", "closure_reason": "risk_eliminated"}),
    )
    .await;
    assert_eq!(
        status(&move_to(&w, sup, &case, json!({"to": "closed"})).await),
        "closed"
    );

    let timeline = w
        .app
        .get(&format!("/api/v1/children/{child_id}/timeline"), sup)
        .await;
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "signal",
            "triage",
            "case_opened",
            // The default protocol's routing for violence_physical and neglect: a referral to the
            // family-support centre and a police notice, for which no police unit is registered.
            "routing_gap",
            "referral",
            "assigned",
            "deadline_met", // assignment
            "assessment",
            "deadline_met", // initial_assessment
            "status_changed",
            "assessment",
            "deadline_met", // comprehensive_assessment
            "risk_revised",
            "status_changed",
            "plan_version",
            "plan_rejected",
            "plan_version",
            "plan_approved",
            "deadline_met", // plan_approval
            "status_changed",
            "intervention",
            "deadline_met", // first_contact, by the first visit that saw the child
            "intervention",
            "measure_done",
            "status_changed",
            "closure_requested",
            "closed",
            "reopened",
            "status_changed",
            "status_changed",
            "closure_requested",
            "closure_returned",
            "closure_requested",
            "closed",
        ]
    );
    let items = timeline.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|e| e["actor_id"].is_string() && e["at"].is_string())
    );
    assert!(
        items
            .windows(2)
            .all(|p| p[0]["at"].as_str() <= p[1]["at"].as_str()),
        "oldest first"
    );

    // A closed case takes no more work until it is reopened.
    let late = w.app.post(&format!("/api/v1/cases/{case}/interventions"), cm,
        json!({"kind": "consultation", "assistance_type": "social", "occurred_at": now, "summary": "Call", "child_seen": false})).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
}

async fn forbidden_moves_are_refused_with_their_reason(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Ернар", true).await;
    // Wrong state: 409 with the moves allowed from here.
    let skip = move_to(&w, &w.manager, &case, json!({"to": "in_progress"})).await;
    assert_eq!(skip.status, StatusCode::CONFLICT);
    assert_eq!(skip.body["allowed"], json!(["assessment"]));
    let same = move_to(&w, &w.manager, &case, json!({"to": "intake"})).await;
    assert_eq!(same.status, StatusCode::CONFLICT);
    let unknown = move_to(&w, &w.manager, &case, json!({"to": "archived"})).await;
    assert_eq!(invalid_fields(&unknown), ["to"]);
    // Wrong role: the supervisor does not do the case manager's moves.
    let by_supervisor = move_to(&w, &w.supervisor, &case, json!({"to": "assessment"})).await;
    assert_eq!(by_supervisor.status, StatusCode::FORBIDDEN);
    // Out of scope: it does not exist.
    let elsewhere = move_to(&w, &w.almaty_supervisor, &case, json!({"to": "assessment"})).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let unassigned = w.open_case("Диас", false).await;
    assert_eq!(
        move_to(&w, &w.manager, &unassigned, json!({"to": "assessment"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Invalid work is named field by field.
    let before = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    assert_eq!(before.body["status"], "intake");
    let bad_intervention = w.app.post(&format!("/api/v1/cases/{case}/interventions"), &w.manager,
        json!({"kind": "teleport", "assistance_type": "social", "occurred_at": "2099-01-01T00:00:00Z", "summary": "", "child_seen": false})).await;
    let mut fields = invalid_fields(&bad_intervention);
    fields.sort();
    assert_eq!(fields, ["kind", "occurred_at", "summary"]);
    let no_plan = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/plan/approval"),
            &w.supervisor,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(no_plan.status, StatusCode::CONFLICT);
}

on_both_backends!(
    a_child_walks_from_signal_to_closure_and_back,
    forbidden_moves_are_refused_with_their_reason
);
