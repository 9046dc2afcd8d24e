//! The work reaches the right person, from the first signal to the follow-up after closure
//! (issue 19, "Done when"): each step shows up as the next person's task or notification, and
//! disappears from their list once done; at the end nobody's list holds anything of the case.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::Backend;
use crate::on_both_backends;
use crate::world::{World, all_domains, signal};

on_both_backends!(a_child_from_signal_to_follow_up);

/// The caller's task list.
async fn tasks(w: &World, token: &str) -> Value {
    let r = w.app.get("/api/v1/me/tasks?limit=500", token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

/// The caller's tasks about `subject` (a case number or a signal id), by kind.
async fn tasks_on(w: &World, token: &str, subject: &str) -> Vec<String> {
    let mut kinds: Vec<String> = tasks(w, token).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["subject"] == subject)
        .map(|t| t["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    kinds
}

/// The kinds of the caller's unread notifications about `subject`; marks them read.
async fn news(w: &World, token: &str, subject: &str) -> Vec<String> {
    let r = w
        .app
        .get("/api/v1/me/notifications?unread=true", token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let mut kinds: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["subject"] == subject)
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    let read = w
        .app
        .send(
            Method::POST,
            "/api/v1/me/notifications/read-all",
            Some(token),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    kinds
}

async fn ok(r: crate::common::Response, expected: StatusCode) -> Value {
    assert_eq!(r.status, expected, "{:?}", r.body);
    r.body
}

async fn a_child_from_signal_to_follow_up(backend: Backend) {
    let mut w = World::new(backend).await;
    // Monday 30 November 2026, 09:00 in Astana.
    w.until(w.app.at("2026-11-30 04:00")).await;
    let centre = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let (_, psychologist) = w.app.user("psy.astana", "specialist", &centre).await;
    let (cm, sup, intake) = (w.manager.clone(), w.supervisor.clone(), w.intake.clone());

    // A mobile group files a signal: it is the district's intake coordinator's task, not the
    // other district's.
    let mut body =
        signal(json!({"first_name": "Айгерім", "last_name": "Test", "birth_date": "2013-02-02"}));
    body["concerns"] = json!(["disability_support"]);
    body["urgency"] = json!("medium");
    let filed = ok(w.file(body).await, StatusCode::CREATED).await;
    let signal_id = filed["id"].as_str().unwrap().to_string();
    assert_eq!(tasks_on(&w, &intake, &signal_id).await, ["triage"]);
    assert!(
        tasks_on(&w, &w.intake_elsewhere, &signal_id)
            .await
            .is_empty()
    );

    // Triage opens a case without an assignee: the supervisor's task is to assign it.
    let triaged = ok(
        w.app
            .post(
                &format!("/api/v1/signals/{signal_id}/triage"),
                &intake,
                json!({"decision": "open_case", "risk_level": "medium"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let case = triaged["case_id"].as_str().unwrap().to_string();
    assert!(
        tasks_on(&w, &intake, &signal_id).await.is_empty(),
        "triaged"
    );
    let number = w.app.get(&format!("/api/v1/cases/{case}"), &sup).await.body["number"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(tasks_on(&w, &sup, &number).await, ["assignment"]);

    // Assigned: the case manager is told, and has the case's first steps to take.
    w.assign_to_manager(&case).await;
    assert!(tasks_on(&w, &sup, &number).await.is_empty());
    assert_eq!(news(&w, &cm, &number).await, ["case_assigned"]);
    assert_eq!(
        tasks_on(&w, &cm, &number).await,
        [
            "comprehensive_assessment",
            "first_contact",
            "initial_assessment"
        ]
    );

    // The child seen, both assessments done: the plan is next.
    let cases = format!("/api/v1/cases/{case}");
    let now = w.app.now().to_rfc3339();
    ok(
        w.app
            .post(
                &format!("{cases}/interventions"),
                &cm,
                json!({"kind": "home_visit", "assistance_type": "social", "occurred_at": now,
                       "summary": "Visited the family", "child_seen": true}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    for kind in ["initial", "comprehensive"] {
        ok(
            w.app
                .post(
                    &format!("{cases}/assessments"),
                    &cm,
                    json!({"kind": kind, "summary": "Needs across domains", "risk_level": "medium",
                           "domains": all_domains()}),
                )
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    assert_eq!(tasks_on(&w, &cm, &number).await, ["plan_approval"]);

    // A referral to the psychologists, with the mother's consent: their notification and task.
    ok(
        w.app
            .post(
                &format!("{cases}/consents"),
                &cm,
                json!({"given_by_name": "Мама", "relation": "mother", "services": true,
                       "share_with": ["psychological_support_centre"], "given_at": now}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let referral = ok(
        w.app
            .post(
                &format!("{cases}/referrals"),
                &cm,
                json!({"to_organisation_id": centre, "service": "Psychological support",
                       "reason": "Support after the family crisis"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let referral = referral["id"].as_str().unwrap().to_string();
    assert_eq!(
        news(&w, &psychologist, &number).await,
        ["referral_received"]
    );
    assert_eq!(
        tasks_on(&w, &psychologist, &number).await,
        ["referral_response"]
    );

    // Accepted: the manager is told; the psychologists' task is now the work itself; completed.
    let referrals = format!("/api/v1/referrals/{referral}");
    let accepted = w
        .app
        .send(
            Method::POST,
            &format!("{referrals}/accept"),
            Some(&psychologist),
            None,
        )
        .await;
    ok(accepted, StatusCode::OK).await;
    assert_eq!(news(&w, &cm, &number).await, ["referral_accepted"]);
    assert_eq!(
        tasks_on(&w, &psychologist, &number).await,
        ["referral_in_progress"]
    );
    ok(
        w.app
            .post(
                &format!("{referrals}/complete"),
                &psychologist,
                json!({"outcome": "Six sessions held"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(tasks_on(&w, &psychologist, &number).await.is_empty());
    assert_eq!(news(&w, &cm, &number).await, ["referral_completed"]);

    // The plan submitted: the supervisor's decision; approved: the manager's review clock.
    let due = (w.app.now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let plan = json!({"goals": [{"title": "Safe at home", "measures": [
        {"kind": "psychological", "description": "Weekly sessions", "responsible_organisation_id": centre, "due_date": due}]}]});
    ok(w.app.put_plan(&case, &cm, plan).await, StatusCode::OK).await;
    assert_eq!(news(&w, &sup, &number).await, ["plan_submitted"]);
    assert_eq!(tasks_on(&w, &sup, &number).await, ["plan_decision"]);
    ok(
        w.app
            .post(
                &format!("{cases}/plan/approval"),
                &sup,
                json!({"decision": "approve"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(tasks_on(&w, &sup, &number).await.is_empty());
    assert_eq!(news(&w, &cm, &number).await, ["plan_approved"]);
    assert_eq!(tasks_on(&w, &cm, &number).await, ["plan_review"]);

    // Closure requested and approved: the follow-up after closure is the manager's last task.
    for to in ["in_progress", "monitoring"] {
        ok(
            w.app
                .post(&format!("{cases}/transitions"), &cm, json!({"to": to}))
                .await,
            StatusCode::OK,
        )
        .await;
    }
    ok(
        w.app
            .post(
                &format!("{cases}/transitions"),
                &cm,
                json!({"to": "closure_requested", "closure_reason": "goals_achieved"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(news(&w, &sup, &number).await, ["closure_requested"]);
    assert_eq!(tasks_on(&w, &sup, &number).await, ["closure_decision"]);
    ok(
        w.app
            .post(
                &format!("{cases}/transitions"),
                &sup,
                json!({"to": "closed"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(news(&w, &cm, &number).await, ["closure_approved"]);
    assert_eq!(tasks_on(&w, &cm, &number).await, ["follow_up"]);

    // Three months later the manager sees the child: the follow-up is met, nothing is left.
    w.later(chrono::Duration::days(80)).await;
    let (cm, sup, intake) = (w.manager.clone(), w.supervisor.clone(), w.intake.clone());
    let psychologist = w
        .app
        .login("psy.astana", crate::common::USER_PASSWORD)
        .await;
    ok(
        w.app
            .post(
                &format!("{cases}/follow-ups"),
                &cm,
                json!({"occurred_at": w.app.now().to_rfc3339(), "child_seen": true,
                       "outcome": "stable", "note": "Doing well at school"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    for (who, token) in [
        ("manager", &cm),
        ("supervisor", &sup),
        ("intake", &intake),
        ("psychologist", &psychologist),
    ] {
        let list = tasks(&w, token).await;
        assert_eq!(list["total"], 0, "{who}'s list: {list}");
    }
}
