//! api.md § Signals and § Children: filing, validation, safe retries, the registry, triage,
//! scope and the timeline.

use chrono::Utc;
use qorgau_domain::iin::Sex;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backend, invalid_fields, join_all};
use crate::on_both_backends;
use crate::world::{World, iin, signal};

async fn a_valid_signal_is_stored_and_matches_the_child_by_iin(backend: Backend) {
    let w = World::new(backend).await;
    let child = json!({"iin": iin("2015-04-12", Sex::Female, 321), "last_name": "Сәрсенова", "first_name": "Әлия",
                       "birth_date": "2015-04-12", "sex": "female"});
    let r = w.file(signal(child.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["status"], "received");
    assert_eq!(r.body["concerns"], json!(["neglect", "violence_physical"]));
    let child_id = r.body["child_id"].as_str().unwrap().to_string();
    let received: chrono::DateTime<Utc> = r.body["received_at"].as_str().unwrap().parse().unwrap();
    let due: chrono::DateTime<Utc> = r.body["triage_due_at"].as_str().unwrap().parse().unwrap();
    assert!(
        due - received >= chrono::Duration::hours(24),
        "one working day for high urgency"
    );

    let fetched = w
        .app
        .get(
            &format!("/api/v1/signals/{}", r.body["id"].as_str().unwrap()),
            &w.intake,
        )
        .await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(
        fetched.body["description"],
        "Neighbours report shouting and a child with bruises."
    );

    let again = w.file(signal(json!({"iin": child["iin"]}))).await;
    assert_eq!(
        again.body["child_id"],
        child_id.as_str(),
        "same IIN, same child"
    );

    let card = w
        .app
        .get(&format!("/api/v1/children/{child_id}"), &w.intake)
        .await;
    assert_eq!(card.status, StatusCode::OK);
    assert_eq!(card.body["first_name"], "Әлия");
    assert_eq!(card.body["birth_date"], "2015-04-12");
    let by_iin = w
        .app
        .get(
            &format!("/api/v1/children?iin={}", child["iin"].as_str().unwrap()),
            &w.supervisor,
        )
        .await;
    assert_eq!(by_iin.body["items"].as_array().unwrap().len(), 1);

    let critical = w
        .file(
            json!({"source": "mobile_group", "concerns": ["suicide_risk"], "urgency": "critical",
        "description": "Call from a teenager.", "region_code": "KZ-71", "district_code": "KZ-71-01",
        "reporter": {"anonymous": true, "name": "Should not be kept"}}),
        )
        .await;
    assert_eq!(critical.status, StatusCode::CREATED);
    assert!(
        critical.body["child_id"].is_null(),
        "nothing identifies the child"
    );
    assert!(
        critical.body["reporter"]["name"].is_null(),
        "anonymous reporters are not stored"
    );
    let received: chrono::DateTime<Utc> = critical.body["received_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let due: chrono::DateTime<Utc> = critical.body["triage_due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(due - received, chrono::Duration::hours(1));
}

async fn each_invalid_field_is_named_and_nothing_is_stored(backend: Backend) {
    let w = World::new(backend).await;
    let valid_iin = iin("2012-06-01", Sex::Male, 100);
    let mut bad_check = valid_iin.clone().into_bytes();
    bad_check[11] = if bad_check[11] == b'9' {
        b'0'
    } else {
        bad_check[11] + 1
    };
    let bad_check = String::from_utf8(bad_check).unwrap();
    let adult = iin("2000-01-01", Sex::Male, 100);
    let future = (Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"child": {"iin": "12345"}}), vec!["child.iin"]),
        (json!({"child": {"iin": bad_check}}), vec!["child.iin"]),
        (
            json!({"child": {"iin": valid_iin, "birth_date": "2012-06-02"}}),
            vec!["child.birth_date"],
        ),
        (
            json!({"child": {"iin": valid_iin, "sex": "female"}}),
            vec!["child.sex"],
        ),
        (json!({"child": {"iin": adult}}), vec!["child.iin"]),
        (
            json!({"child": {"birth_date": "2031-01-01", "first_name": "A"}}),
            vec!["child.birth_date"],
        ),
        (json!({"concerns": []}), vec!["concerns"]),
        (
            json!({"concerns": ["neglect", "witchcraft"]}),
            vec!["concerns[1]"],
        ),
        (json!({"source": "pigeon"}), vec!["source"]),
        (json!({"urgency": "extreme"}), vec!["urgency"]),
        (
            json!({"description": "x".repeat(10_001)}),
            vec!["description"],
        ),
        (json!({"observed_at": future}), vec!["observed_at"]),
        (json!({"district_code": "KZ-75-01"}), vec!["district_code"]),
        (
            json!({"region_code": "KZ-99", "district_code": "KZ-99-01"}),
            vec!["district_code"],
        ),
        (json!({"district_code": "KZ-71-77"}), vec!["district_code"]),
        (
            json!({"source": "pigeon", "urgency": "extreme", "child": {"iin": "1"}}),
            vec!["source", "urgency", "child.iin"],
        ),
    ];
    for (patch, expected) in cases {
        let mut body =
            signal(json!({"first_name": "Test", "last_name": "Child", "birth_date": "2014-01-01"}));
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = w.file(body).await;
        let mut fields = invalid_fields(&r);
        fields.sort();
        let mut expected: Vec<String> = expected.into_iter().map(String::from).collect();
        expected.sort();
        assert_eq!(fields, expected, "{patch}");
    }
    assert_eq!(w.signal_count().await, 0);
    let children = w.app.get("/api/v1/children", &w.supervisor).await;
    assert_eq!(
        children.body["items"].as_array().unwrap().len(),
        0,
        "no half-written child"
    );
}

async fn retries_with_an_idempotency_key_store_one_signal(backend: Backend) {
    let w = World::new(backend).await;
    let body =
        signal(json!({"first_name": "Ерлан", "last_name": "Ахметов", "birth_date": "2013-03-03"}));
    let send = |key: &'static str, body: Value| {
        let req = w
            .app
            .http
            .post(format!("{}/api/v1/signals", w.app.base))
            .bearer_auth(&w.mobile)
            .header("Idempotency-Key", key)
            .json(&body);
        async move { crate::common::into_response(req.send().await.unwrap()).await }
    };
    let first = send("field-app-0001", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let replay = send("field-app-0001", body.clone()).await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.body, first.body, "the original response, again");
    let mut changed = body.clone();
    changed["description"] = json!("Something else");
    assert_eq!(
        send("field-app-0001", changed).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(w.signal_count().await, 1);

    let storm = join_all((0..50).map(|_| send("field-app-0002", body.clone()))).await;
    let ids: std::collections::BTreeSet<String> = storm
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
            r.body["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1, "50 concurrent retries, one signal");
    assert_eq!(w.signal_count().await, 2);
}

async fn the_same_external_reference_updates_the_signal(backend: Backend) {
    let w = World::new(backend).await;
    let mut body = signal(json!(null));
    body["external_ref"] = json!("MG-2026-0001234");
    let first = w.file(body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    body["description"] = json!("Operator added: the child is 9.");
    body["concerns"] = json!(["neglect"]);
    let second = w.file(body.clone()).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body["id"], first.body["id"]);
    assert_eq!(
        second.body["description"],
        "Operator added: the child is 9."
    );
    assert_eq!(second.body["concerns"], json!(["neglect"]));
    // Concurrent resends of one ticket: still one signal.
    let resends = join_all((0..10).map(|_| w.file(body.clone()))).await;
    assert!(
        resends.iter().all(|r| r.status == StatusCode::OK),
        "{:?}",
        resends.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(w.signal_count().await, 1);
}

async fn spelling_variants_are_flagged_not_merged_until_a_supervisor_merges(backend: Backend) {
    let w = World::new(backend).await;
    let first = w
        .file(signal(
            json!({"first_name": "Нұрлан", "last_name": "Сейтқали", "birth_date": "2015-04-12"}),
        ))
        .await;
    let second = w
        .file(signal(
            json!({"first_name": "Nurlan", "last_name": "Seitkali", "birth_date": "2015-04-12"}),
        ))
        .await;
    let other = w
        .file(signal(
            json!({"first_name": "Нурбол", "last_name": "Сейткали", "birth_date": "2015-04-12"}),
        ))
        .await;
    let (a, b, c) = (
        first.body["child_id"].as_str().unwrap(),
        second.body["child_id"].as_str().unwrap(),
        other.body["child_id"].as_str().unwrap(),
    );
    assert_ne!(a, b, "never merged silently");
    let flagged = w
        .app
        .get(
            &format!("/api/v1/children/{b}/possible-duplicates"),
            &w.supervisor,
        )
        .await;
    let flagged: Vec<&str> = flagged.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, [a]);
    let other_flags = w
        .app
        .get(
            &format!("/api/v1/children/{c}/possible-duplicates"),
            &w.supervisor,
        )
        .await;
    assert_eq!(
        other_flags.body["items"].as_array().unwrap().len(),
        0,
        "a different name is not a duplicate"
    );
    let search = w.app.get("/api/v1/children?q=Nurlan", &w.supervisor).await;
    assert_eq!(
        search.body["items"].as_array().unwrap().len(),
        2,
        "Нұрлан and Nurlan"
    );

    let by_intake = w
        .app
        .post(
            &format!("/api/v1/children/{a}/merge"),
            &w.intake,
            json!({"duplicate_id": b, "reason": "same"}),
        )
        .await;
    assert_eq!(by_intake.status, StatusCode::FORBIDDEN);
    let no_reason = w
        .app
        .post(
            &format!("/api/v1/children/{a}/merge"),
            &w.supervisor,
            json!({"duplicate_id": b, "reason": ""}),
        )
        .await;
    assert_eq!(invalid_fields(&no_reason), ["reason"]);
    let merged = w
        .app
        .post(
            &format!("/api/v1/children/{a}/merge"),
            &w.supervisor,
            json!({"duplicate_id": b, "reason": "Same child, Latin spelling from the 111 centre"}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{:?}", merged.body);
    let moved = w
        .app
        .get(
            &format!("/api/v1/signals/{}", second.body["id"].as_str().unwrap()),
            &w.supervisor,
        )
        .await;
    assert_eq!(moved.body["child_id"], a);
    let gone = w
        .app
        .get_unfollowed(&format!("/api/v1/children/{b}"), &w.supervisor)
        .await;
    assert_eq!(
        gone.status,
        StatusCode::TEMPORARY_REDIRECT,
        "{:?}",
        gone.body
    );
    assert_eq!(
        gone.body["merged_into"], a,
        "the merged record points to the child"
    );
    let timeline = w
        .app
        .get(&format!("/api/v1/children/{a}/timeline"), &w.supervisor)
        .await;
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["signal", "signal", "merge"]);
}

async fn triage_rules_and_their_conflicts(backend: Backend) {
    let w = World::new(backend).await;
    let child = json!({"iin": iin("2016-09-09", Sex::Male, 55), "first_name": "Айдос"});
    let s1 = w.file(signal(child.clone())).await.body;
    let s2 = w.file(signal(child.clone())).await.body;
    let s3 = w.file(signal(child.clone())).await.body;
    let path = |s: &Value| format!("/api/v1/signals/{}/triage", s["id"].as_str().unwrap());

    let no_reason = w
        .app
        .post(&path(&s3), &w.intake, json!({"decision": "screen_out"}))
        .await;
    assert_eq!(invalid_fields(&no_reason), ["reason"]);
    let no_risk = w
        .app
        .post(&path(&s1), &w.intake, json!({"decision": "open_case"}))
        .await;
    assert_eq!(invalid_fields(&no_risk), ["risk_level"]);
    let bad_assignee = w.app.post(&path(&s1), &w.intake, json!({"decision": "open_case", "risk_level": "high", "assignee_id": uuid::Uuid::new_v4()})).await;
    assert_eq!(invalid_fields(&bad_assignee), ["assignee_id"]);

    let opened = w
        .app
        .post(
            &path(&s1),
            &w.intake,
            json!({"decision": "open_case", "risk_level": "high", "assignee_id": w.manager_id}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{:?}", opened.body);
    assert_eq!(opened.body["status"], "case_opened");
    assert_eq!(opened.body["risk_level"], "high");
    let case_id = opened.body["case_id"].as_str().unwrap().to_string();
    let card = w
        .app
        .get(
            &format!("/api/v1/children/{}", s1["child_id"].as_str().unwrap()),
            &w.intake,
        )
        .await;
    assert_eq!(card.body["open_case_id"], case_id.as_str());
    let listed = w
        .app
        .get(
            &format!("/api/v1/children?iin={}", child["iin"].as_str().unwrap()),
            &w.intake,
        )
        .await;
    assert_eq!(listed.body["items"][0]["open_case_id"], case_id.as_str());

    let twice = w
        .app
        .post(
            &path(&s1),
            &w.intake,
            json!({"decision": "screen_out", "reason": "again"}),
        )
        .await;
    assert_eq!(
        twice.status,
        StatusCode::CONFLICT,
        "a triaged signal cannot be triaged again"
    );
    let second_case = w
        .app
        .post(
            &path(&s2),
            &w.intake,
            json!({"decision": "open_case", "risk_level": "low"}),
        )
        .await;
    assert_eq!(
        second_case.status,
        StatusCode::CONFLICT,
        "one open case per child"
    );
    let wrong_case = w
        .app
        .post(
            &path(&s2),
            &w.intake,
            json!({"decision": "link_case", "case_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(invalid_fields(&wrong_case), ["case_id"]);
    let linked = w
        .app
        .post(
            &path(&s2),
            &w.intake,
            json!({"decision": "link_case", "case_id": case_id}),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK);
    assert_eq!(linked.body["status"], "linked");
    let screened = w
        .app
        .post(
            &path(&s3),
            &w.intake,
            json!({"decision": "screen_out", "reason": "Duplicate of the 111 call"}),
        )
        .await;
    assert_eq!(screened.body["status"], "screened_out");
    assert_eq!(
        screened.body["screen_out_reason"],
        "Duplicate of the 111 call"
    );

    let timeline = w
        .app
        .get(
            &format!(
                "/api/v1/children/{}/timeline",
                s1["child_id"].as_str().unwrap()
            ),
            &w.supervisor,
        )
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
            "signal",
            "signal",
            "triage",
            "case_opened",
            "deadline_met", // assignment, made by the triage decision
            "routing_gap",
            "referral",
            "triage",
            "triage"
        ]
    );
    let queue = w
        .app
        .get("/api/v1/signals?status=received", &w.intake)
        .await;
    assert_eq!(queue.body["items"].as_array().unwrap().len(), 0);
}

async fn concurrent_triage_of_one_signal_succeeds_once(backend: Backend) {
    let w = World::new(backend).await;
    let s = w
        .file(signal(
            json!({"first_name": "Дана", "last_name": "Омарова", "birth_date": "2011-02-02"}),
        ))
        .await
        .body;
    let path = format!("/api/v1/signals/{}/triage", s["id"].as_str().unwrap());
    let attempts = join_all((0..8).map(|_| {
        w.app.post(
            &path,
            &w.intake,
            json!({"decision": "open_case", "risk_level": "medium"}),
        )
    }))
    .await;
    let ok = attempts
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        attempts.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(
        attempts
            .iter()
            .all(|r| r.status == StatusCode::OK || r.status == StatusCode::CONFLICT)
    );
}

async fn scope_decides_who_sees_and_triages(backend: Backend) {
    let w = World::new(backend).await;
    let s = w
        .file(signal(
            json!({"first_name": "Аружан", "last_name": "Ким", "birth_date": "2017-07-07"}),
        ))
        .await
        .body;
    let id = s["id"].as_str().unwrap();
    let child = s["child_id"].as_str().unwrap();
    // Another district's coordinator, another region's supervisor: it does not exist for them.
    for token in [&w.intake_elsewhere, &w.almaty_supervisor] {
        assert_eq!(
            w.app
                .get(&format!("/api/v1/signals/{id}"), token)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let triage = w
            .app
            .post(
                &format!("/api/v1/signals/{id}/triage"),
                token,
                json!({"decision": "screen_out", "reason": "x"}),
            )
            .await;
        assert_eq!(triage.status, StatusCode::NOT_FOUND);
        assert_eq!(
            w.app
                .get(&format!("/api/v1/children/{child}"), token)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    let elsewhere = w.app.get("/api/v1/signals", &w.intake_elsewhere).await;
    assert_eq!(elsewhere.body["items"].as_array().unwrap().len(), 0);
    // The mobile group sees what it filed, but does not triage.
    let own = w.app.get("/api/v1/signals", &w.mobile).await;
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1);
    let triage = w
        .app
        .post(
            &format!("/api/v1/signals/{id}/triage"),
            &w.mobile,
            json!({"decision": "screen_out", "reason": "x"}),
        )
        .await;
    assert_eq!(triage.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.app
            .get(&format!("/api/v1/children/{child}"), &w.mobile)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "nor whether the child is registered (issue 17, finding 8)"
    );
    // The region's supervisor may triage too.
    let by_supervisor = w
        .app
        .post(
            &format!("/api/v1/signals/{id}/triage"),
            &w.supervisor,
            json!({"decision": "screen_out", "reason": "Not a child-protection matter"}),
        )
        .await;
    assert_eq!(by_supervisor.status, StatusCode::OK);
    let filter = w
        .app
        .send(
            Method::GET,
            "/api/v1/signals?status=screened_out&source=mobile_group",
            Some(&w.supervisor),
            None,
        )
        .await;
    assert_eq!(filter.body["items"].as_array().unwrap().len(), 1);
}

on_both_backends!(
    a_valid_signal_is_stored_and_matches_the_child_by_iin,
    each_invalid_field_is_named_and_nothing_is_stored,
    retries_with_an_idempotency_key_store_one_signal,
    the_same_external_reference_updates_the_signal,
    spelling_variants_are_flagged_not_merged_until_a_supervisor_merges,
    triage_rules_and_their_conflicts,
    concurrent_triage_of_one_signal_succeeds_once,
    scope_decides_who_sees_and_triages,
);
