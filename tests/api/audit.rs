//! The audit log (brief § 5, issue 7): reads and writes of children's data recorded with who,
//! when, what, from where and the request id; the hash chain detects edited and deleted rows
//! (`qorgau audit verify`); review by region; a child's access log; break-glass access.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use qorgau_api::audit::{Verified, seal_all, verify};
use qorgau_domain::audit::ChainBreak;
use qorgau_persistence::schema::{audit_log, break_glass};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, TestApp, into_response, qorgau};
use crate::on_both_backends;
use crate::world::World;

on_both_backends!(
    reads_and_writes_of_a_case_are_audited_with_ip_and_request_id,
    the_chain_detects_edited_and_deleted_entries,
    review_is_scoped_to_the_region,
    break_glass_grants_a_time_limited_flagged_read,
);

async fn get_with_request_id(app: &TestApp, path: &str, token: &str, id: &str) -> Value {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("X-Request-Id", id)
        .send()
        .await
        .unwrap();
    let r = into_response(r).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
    r.body
}

/// (action, resource, resource id, ip, request id) of each entry, oldest first.
type Entry = (String, String, String, Option<String>, Option<String>);

fn entries(app: &TestApp) -> Vec<Entry> {
    let mut conn = app.state.db.conn().unwrap();
    audit_log::table
        .order(audit_log::id)
        .select((
            audit_log::action,
            audit_log::resource,
            audit_log::resource_id,
            audit_log::ip,
            audit_log::request_id,
        ))
        .load(&mut conn)
        .unwrap()
}

async fn reads_and_writes_of_a_case_are_audited_with_ip_and_request_id(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Ақбота", true).await;
    let card = get_with_request_id(
        &w.app,
        &format!("/api/v1/cases/{case}"),
        &w.manager,
        "req-card-1",
    )
    .await;
    let child = card["child_id"].as_str().unwrap().to_string();
    let all = entries(&w.app);
    let read = all
        .iter()
        .find(|e| e.4.as_deref() == Some("req-card-1"))
        .expect("the read is logged under its request id");
    assert_eq!(
        (read.0.as_str(), read.1.as_str(), read.2.as_str()),
        ("read", "case", case.as_str())
    );
    assert_eq!(read.3.as_deref(), Some("127.0.0.1"));

    // The signal filed and triaged, the case opened: creates and updates were logged.
    assert!(all.iter().any(|e| e.0 == "create" && e.1 == "signal"));
    assert!(all.iter().any(|e| e.0 == "update" && e.1 == "signal"));

    // A write's entry is part of its transaction: a refused write leaves none.
    let before = entries(&w.app).len();
    let bad = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/interventions"),
            &w.manager,
            json!({"kind": "teleport", "assistance_type": "social", "occurred_at": "2026-11-20T10:00:00Z", "summary": "", "child_seen": false}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        entries(&w.app).len(),
        before,
        "nothing stored, not even the audit entry"
    );
    let good = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/interventions"),
            &w.manager,
            json!({"kind": "home_visit", "assistance_type": "social", "occurred_at": "2026-11-20T10:00:00Z", "summary": "Visit", "child_seen": true}),
        )
        .await;
    assert_eq!(good.status, StatusCode::CREATED, "{:?}", good.body);
    let after = entries(&w.app);
    assert_eq!(after.len(), before + 1);
    assert_eq!(after.last().unwrap().0, "update");

    // Child card, timeline and lists are recorded too.
    get_with_request_id(
        &w.app,
        &format!("/api/v1/children/{child}"),
        &w.manager,
        "req-child",
    )
    .await;
    get_with_request_id(
        &w.app,
        &format!("/api/v1/children/{child}/timeline"),
        &w.manager,
        "req-timeline",
    )
    .await;
    get_with_request_id(&w.app, "/api/v1/cases", &w.manager, "req-list").await;
    let logged = entries(&w.app);
    for (id, resource, what) in [
        ("req-child", "child", child.as_str()),
        ("req-timeline", "child", child.as_str()),
        ("req-list", "cases", "*"),
    ] {
        let e = logged
            .iter()
            .find(|e| e.4.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("{id} not logged"));
        assert_eq!((e.1.as_str(), e.2.as_str()), (resource, what), "{id}");
    }

    // The supervisor sees who opened the child's data.
    let log = w
        .app
        .get(
            &format!("/api/v1/children/{child}/access-log"),
            &w.supervisor,
        )
        .await;
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    let items = log.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|e| e["request_id"] == "req-card-1" && e["user_id"] == w.manager_id.as_str())
    );
    assert!(items.iter().all(|e| e["child_id"] == child.as_str()));
    for role_token in [&w.manager, &w.intake] {
        let denied = w
            .app
            .get(&format!("/api/v1/children/{child}/access-log"), role_token)
            .await;
        assert!(
            denied.status == StatusCode::FORBIDDEN || denied.status == StatusCode::NOT_FOUND,
            "{}",
            denied.status
        );
    }
    let elsewhere = w
        .app
        .get(
            &format!("/api/v1/children/{child}/access-log"),
            &w.almaty_supervisor,
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
}

fn verify_now(app: &TestApp) -> Result<Verified, ChainBreak> {
    let mut conn = app.state.db.conn().unwrap();
    seal_all(&mut conn).unwrap();
    verify(&mut conn).unwrap()
}

fn cli_verify(app: &TestApp) -> std::process::Output {
    qorgau(&app.db, &["audit", "verify"], "")
}

async fn the_chain_detects_edited_and_deleted_entries(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Арман", true).await;
    for _ in 0..3 {
        w.app
            .get(&format!("/api/v1/cases/{case}"), &w.manager)
            .await;
    }
    let intact = verify_now(&w.app).unwrap();
    assert!(intact.entries >= 5, "{intact:?}");
    assert_eq!(intact.unsealed, 0);
    let ok = cli_verify(&w.app);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("audit chain intact"));

    // New entries after sealing continue the chain — also when several sealers race (the
    // worker of every instance seals).
    for _ in 0..20 {
        w.app
            .get(&format!("/api/v1/cases/{case}"), &w.manager)
            .await;
    }
    let mut sealers = vec![w.app.state.clone(), w.app.state.clone()];
    if backend == Backend::Postgres {
        sealers
            .push(qorgau_api::AppState::open(crate::common::test_config(&w.app.db.url)).unwrap());
    }
    let sealed: usize = crate::common::join_all(sealers.iter().map(qorgau_api::audit::seal))
        .await
        .into_iter()
        .map(|n| n.unwrap())
        .sum();
    assert_eq!(sealed, 20, "each entry sealed once");
    assert_eq!(verify_now(&w.app).unwrap().entries, intact.entries + 20);

    let mut conn = w.app.state.db.conn().unwrap();
    // An insider rewrites who read the file.
    diesel::update(audit_log::table.filter(audit_log::seq.eq(3)))
        .set(audit_log::user_id.eq("someone-else"))
        .execute(&mut conn)
        .unwrap();
    assert!(matches!(
        verify_now(&w.app),
        Err(ChainBreak::Edited { seq: 3, .. })
    ));
    let broken = cli_verify(&w.app);
    assert!(!broken.status.success());
    let said = String::from_utf8_lossy(&broken.stderr);
    assert!(
        said.contains("entry 3") && said.contains("edited"),
        "{said}"
    );

    // Deleting the edited row instead breaks the link from the next one.
    diesel::delete(audit_log::table.filter(audit_log::seq.eq(3)))
        .execute(&mut conn)
        .unwrap();
    assert!(matches!(
        verify_now(&w.app),
        Err(ChainBreak::Gap {
            seq: 4,
            expected_prev: 2,
            ..
        })
    ));
}

async fn review_is_scoped_to_the_region(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Самат", true).await;
    w.app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    let astana = w.app.get("/api/v1/audit", &w.supervisor).await;
    assert_eq!(astana.status, StatusCode::OK, "{:?}", astana.body);
    let items = astana.body["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["resource_id"] == case.as_str()));
    // Newest first.
    let times: Vec<DateTime<Utc>> = items
        .iter()
        .map(|e| e["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|p| p[0] >= p[1]));
    let by_manager = w
        .app
        .get(
            &format!("/api/v1/audit?user_id={}", w.manager_id),
            &w.supervisor,
        )
        .await;
    assert!(
        by_manager.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["user_id"] == w.manager_id.as_str())
    );
    let almaty = w.app.get("/api/v1/audit", &w.almaty_supervisor).await;
    assert!(
        almaty.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["resource_id"] != case.as_str()),
        "another region's supervisor sees none of Astana's log"
    );
    let admin = w
        .app
        .get("/api/v1/audit?region_code=KZ-71", &w.app.admin_token)
        .await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(!admin.body["items"].as_array().unwrap().is_empty());
    for token in [&w.manager, &w.intake, &w.mobile] {
        assert_eq!(
            w.app.get("/api/v1/audit", token).await.status,
            StatusCode::FORBIDDEN
        );
    }
}

async fn break_glass_grants_a_time_limited_flagged_read(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Дәулет", true).await;
    let path = format!("/api/v1/cases/{case}");
    assert_eq!(
        w.app.get(&path, &w.almaty_supervisor).await.status,
        StatusCode::NOT_FOUND
    );

    let vague = w
        .app
        .post(
            "/api/v1/break-glass",
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "need"}),
        )
        .await;
    assert_eq!(vague.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(crate::common::invalid_fields(&vague), ["reason"]);
    assert_eq!(
        w.app
            .post(
                "/api/v1/break-glass",
                &w.manager,
                json!({"case_id": case, "reason": "Child ran away to Almaty tonight"})
            )
            .await
            .status,
        StatusCode::FORBIDDEN,
        "only supervisors break the glass"
    );
    let granted = w
        .app
        .post(
            "/api/v1/break-glass",
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "Child ran away to Almaty tonight; police ask for the risk"}),
        )
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{:?}", granted.body);
    let expires: DateTime<Utc> = granted.body["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let lasts = expires - Utc::now();
    assert!(
        lasts > Duration::minutes(59) && lasts <= Duration::minutes(60),
        "{lasts}"
    );

    // Read, flagged; never write.
    let read = w.app.get(&path, &w.almaty_supervisor).await;
    assert_eq!(read.status, StatusCode::OK);
    let assessments = w
        .app
        .get(&format!("{path}/assessments"), &w.almaty_supervisor)
        .await;
    assert_eq!(assessments.status, StatusCode::OK);
    let write = w
        .app
        .post(
            &format!("{path}/assignment"),
            &w.almaty_supervisor,
            json!({"assignee_id": w.manager_id}),
        )
        .await;
    assert_eq!(
        write.status,
        StatusCode::NOT_FOUND,
        "break-glass opens for reading only"
    );
    let mut conn = w.app.state.db.conn().unwrap();
    let flagged: i64 = audit_log::table
        .filter(audit_log::break_glass.eq(true))
        .filter(audit_log::resource_id.eq(&case))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(
        flagged >= 2,
        "each access under break-glass is flagged ({flagged})"
    );

    // Reviewed in the case's region, by its supervisor.
    let review = w.app.get("/api/v1/break-glass", &w.supervisor).await;
    assert_eq!(review.status, StatusCode::OK, "{:?}", review.body);
    assert_eq!(review.body["items"][0]["case_id"], case.as_str());
    assert!(
        review.body["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("ran away")
    );
    let flagged_log = w
        .app
        .get("/api/v1/audit?break_glass=true", &w.supervisor)
        .await;
    assert!(!flagged_log.body["items"].as_array().unwrap().is_empty());
    assert!(
        w.app
            .get("/api/v1/break-glass", &w.almaty_supervisor)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Expired: out of scope again.
    diesel::update(break_glass::table)
        .set(break_glass::expires_at.eq((Utc::now() - Duration::seconds(1)).naive_utc()))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(
        w.app.get(&path, &w.almaty_supervisor).await.status,
        StatusCode::NOT_FOUND
    );
}
