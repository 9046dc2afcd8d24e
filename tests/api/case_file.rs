//! The case file (issue 20 items 2 and 4): contact and supervision notes — who writes which, a
//! sensitive note withheld like the text of a sensitive concern, pages, the timeline and the
//! audit — and flags: set, cleared with the history kept, a filter of `GET /cases`, counts on
//! the caseload, and scope.

use chrono::Duration;
use diesel::prelude::*;
use qorgau_persistence::schema::{audit_log, cases};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, Response, invalid_fields};
use crate::on_both_backends;
use crate::world::{World, signal};

on_both_backends!(
    notes_are_written_by_the_team_listed_a_page_at_a_time_and_audited,
    a_sensitive_note_is_withheld_from_who_may_not_read_sensitive_text,
    flags_are_set_cleared_kept_filtered_and_counted,
);

const SECRET: &str = "The girl told me what her stepfather did at night.";

async fn note(w: &World, token: &str, case: &str, body: Value) -> Response {
    w.app
        .post(&format!("/api/v1/cases/{case}/notes"), token, body)
        .await
}

fn contact(text: &str) -> Value {
    json!({"kind": "contact", "text": text})
}

async fn notes(w: &World, token: &str, case: &str, query: &str) -> Response {
    w.app
        .get(&format!("/api/v1/cases/{case}/notes{query}"), token)
        .await
}

/// The events of the case's child's timeline, as the supervisor reads them.
async fn timeline(w: &World, case: &str) -> Vec<Value> {
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    let child = card.body["child_id"].as_str().unwrap();
    let r = w
        .app
        .get(
            &format!("/api/v1/children/{child}/timeline?limit=500"),
            &w.supervisor,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

/// Audit entries `action` on the case by `user`.
fn audited(w: &World, case: &str, user: &str, action: &str) -> i64 {
    let mut conn = w.app.state.db.conn().unwrap();
    audit_log::table
        .filter(audit_log::resource.eq("case"))
        .filter(audit_log::resource_id.eq(case))
        .filter(audit_log::user_id.eq(user))
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut conn)
        .unwrap()
}

async fn notes_are_written_by_the_team_listed_a_page_at_a_time_and_audited(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Нұрлан", true).await;

    let called = (w.app.now() - Duration::days(2))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let written = note(
        &w,
        &w.manager,
        &case,
        json!({"kind": "contact", "text": "  Phoned the mother; visit agreed for Friday.  ",
               "occurred_at": called}),
    )
    .await;
    assert_eq!(written.status, StatusCode::CREATED, "{:?}", written.body);
    let n = &written.body;
    assert_eq!(n["kind"], "contact");
    assert_eq!(n["text"], "Phoned the mother; visit agreed for Friday.");
    assert_eq!(n["occurred_at"], called);
    assert_eq!(n["sensitive"], false);
    assert_eq!(n["author_id"], w.manager_id.as_str());
    assert_eq!(n["case_id"], case.as_str());
    assert!(n.get("hidden").is_none(), "{n:?}");

    // Supervision notes are the supervisor's; contact notes the whole case team's.
    let supervision = json!({"kind": "supervision", "text": "Check school attendance weekly."});
    let by_manager = note(&w, &w.manager, &case, supervision.clone()).await;
    assert_eq!(
        by_manager.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        by_manager.body
    );
    let by_supervisor = note(&w, &w.supervisor, &case, supervision).await;
    assert_eq!(by_supervisor.status, StatusCode::CREATED);
    assert_eq!(by_supervisor.body["kind"], "supervision");
    let contact_by_supervisor = note(&w, &w.supervisor, &case, contact("Met the teacher.")).await;
    assert_eq!(contact_by_supervisor.status, StatusCode::CREATED);
    // Outside the case's team: as if the case did not exist.
    for token in [&w.intake, &w.mobile, &w.almaty_supervisor] {
        assert_eq!(
            note(&w, token, &case, contact("x")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            notes(&w, token, &case, "").await.status,
            StatusCode::NOT_FOUND
        );
    }

    // Bad input names its field, and writes nothing.
    for (body, fields) in [
        (json!({"kind": "visit", "text": "x"}), vec!["kind"]),
        (json!({"kind": "contact", "text": "   "}), vec!["text"]),
        (
            json!({"kind": "contact", "text": "x".repeat(10_001)}),
            vec!["text"],
        ),
        (json!({"kind": "contact"}), vec!["text"]),
        (
            json!({"kind": "contact", "text": "x", "occurred_at": "2099-01-01T00:00:00Z"}),
            vec!["occurred_at"],
        ),
        (json!({"text": ""}), vec!["kind", "text"]),
    ] {
        let r = note(&w, &w.manager, &case, body.clone()).await;
        assert_eq!(invalid_fields(&r), fields, "{body}");
    }

    // A page at a time, in the order written.
    let reads_before = audited(&w, &case, &w.manager_id, "read");
    let first = notes(&w, &w.manager, &case, "?limit=2").await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let items = first.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], n["id"]);
    assert_eq!(items[1]["kind"], "supervision");
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = notes(&w, &w.manager, &case, &format!("?limit=2&cursor={cursor}")).await;
    let items = second.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["text"], "Met the teacher.");
    assert!(second.body["next_cursor"].is_null());
    assert_eq!(
        audited(&w, &case, &w.manager_id, "read"),
        reads_before + 2,
        "each read of the notes is a read of the case's data"
    );
    assert_eq!(
        invalid_fields(&notes(&w, &w.manager, &case, "?limit=0").await),
        ["limit"]
    );

    // On the timeline: that a note was written, never what it says.
    let events = timeline(&w, &case).await;
    let noted: Vec<&Value> = events.iter().filter(|e| e["kind"] == "note").collect();
    assert_eq!(noted.len(), 3);
    assert_eq!(noted[0]["summary"], "Contact note written");
    assert_eq!(noted[1]["summary"], "Supervision note written");
    assert!(
        events
            .iter()
            .all(|e| !e["summary"].as_str().unwrap().contains("mother")),
        "{events:?}"
    );
}

/// The Almaty supervisor opens the case under break-glass: the only reader of a case's notes
/// who may not read its sensitive text.
async fn break_glass(w: &World, case: &str) {
    let r = w
        .app
        .post(
            "/api/v1/break-glass",
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "Child ran away to Almaty tonight; police ask for the risk"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
}

fn texts(r: &Response) -> Vec<(String, Value)> {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let hidden = n.get("hidden").cloned().unwrap_or(Value::Null);
            (n["text"].as_str().unwrap().to_string(), hidden)
        })
        .collect()
}

async fn a_sensitive_note_is_withheld_from_who_may_not_read_sensitive_text(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Жансая", true).await;
    let sensitive = note(
        &w,
        &w.manager,
        &case,
        json!({"kind": "contact", "text": SECRET, "sensitive": true}),
    )
    .await;
    assert_eq!(
        sensitive.status,
        StatusCode::CREATED,
        "{:?}",
        sensitive.body
    );
    assert_eq!(
        sensitive.body["text"], SECRET,
        "the author reads what she wrote"
    );
    assert_eq!(sensitive.body["sensitive"], true);
    let plain = note(&w, &w.manager, &case, contact("Visited the school.")).await;
    assert_eq!(plain.status, StatusCode::CREATED);

    // The case team reads everything.
    let shown = vec![
        (SECRET.to_string(), Value::Null),
        ("Visited the school.".to_string(), Value::Null),
    ];
    for token in [&w.manager, &w.supervisor] {
        assert_eq!(texts(&notes(&w, token, &case, "").await), shown);
    }
    // A reader under break-glass sees that a note is withheld, not what it says.
    break_glass(&w, &case).await;
    let glass = notes(&w, &w.almaty_supervisor, &case, "").await;
    assert_eq!(
        texts(&glass),
        [
            (String::new(), json!(["text"])),
            ("Visited the school.".to_string(), Value::Null)
        ]
    );
    assert_eq!(glass.body["items"][0]["sensitive"], true);
    // ... and writes nothing.
    assert_eq!(
        note(&w, &w.almaty_supervisor, &case, contact("x"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let events = timeline(&w, &case).await;
    let summaries: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "note")
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "Contact note written, marked sensitive",
            "Contact note written"
        ]
    );

    // On a case with a sensitive concern every note is sensitive text (brief § 5).
    let child = json!({"first_name": "Айару", "last_name": "Test", "birth_date": "2011-02-02"});
    let mut body = signal(child);
    body["concerns"] = json!(["suicide_risk"]);
    let filed = w.file(body).await;
    let triaged = w.triage_open(filed.body["id"].as_str().unwrap()).await;
    let hard = triaged["case_id"].as_str().unwrap().to_string();
    let written = note(&w, &w.manager, &hard, contact("Spoke with her alone.")).await;
    assert_eq!(written.status, StatusCode::CREATED, "{:?}", written.body);
    assert_eq!(
        texts(&notes(&w, &w.supervisor, &hard, "").await),
        [("Spoke with her alone.".to_string(), Value::Null)]
    );
    break_glass(&w, &hard).await;
    assert_eq!(
        texts(&notes(&w, &w.almaty_supervisor, &hard, "").await),
        [(String::new(), json!(["text"]))]
    );
}

async fn flag(w: &World, token: &str, case: &str, body: Value) -> Response {
    w.app
        .post(&format!("/api/v1/cases/{case}/flags"), token, body)
        .await
}

async fn clear(w: &World, token: &str, case: &str, kind: &str, reason: &str) -> Response {
    w.app
        .post(
            &format!("/api/v1/cases/{case}/flags/{kind}/clear"),
            token,
            json!({"reason": reason}),
        )
        .await
}

/// The ids of the cases `GET /cases?{query}` lists for the supervisor.
async fn listed(w: &World, query: &str) -> Vec<String> {
    let r = w
        .app
        .get(&format!("/api/v1/cases?limit=500&{query}"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

async fn caseload(w: &World) -> Value {
    let r = w
        .app
        .get("/api/v1/supervision/caseload", &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

async fn flags_are_set_cleared_kept_filtered_and_counted(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Тимур", true).await;
    let other = w.open_case("Әлихан", true).await;
    let unassigned = w.open_case("Санжар", false).await;

    // The case's manager and the region's supervisor flag it.
    let court = flag(
        &w,
        &w.manager,
        &case,
        json!({"kind": "court_pending", "reason": "Hearing on the father's charges", "date": "2027-01-15"}),
    )
    .await;
    assert_eq!(court.status, StatusCode::CREATED, "{:?}", court.body);
    assert_eq!(court.body["kind"], "court_pending");
    assert_eq!(court.body["date"], "2027-01-15");
    assert_eq!(court.body["active"], true);
    assert_eq!(court.body["set_by"], w.manager_id.as_str());
    let watch = json!({"kind": "watch", "reason": "Third signal this year"});
    assert_eq!(
        flag(&w, &w.supervisor, &case, watch.clone()).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        flag(&w, &w.supervisor, &unassigned, watch.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    // One active flag of a kind.
    let again = flag(
        &w,
        &w.supervisor,
        &case,
        json!({"kind": "court_pending", "reason": "Again"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);

    // Bad input names its field.
    for (body, fields) in [
        (json!({"kind": "urgent", "reason": "x"}), vec!["kind"]),
        (json!({"kind": "watch", "reason": " "}), vec!["reason"]),
        (
            json!({"kind": "watch", "reason": "x", "date": "15.01.2027"}),
            vec!["date"],
        ),
        (
            json!({"kind": "watch", "reason": "x", "date": "2099-01-01"}),
            vec!["date"],
        ),
        (json!({}), vec!["kind", "reason"]),
    ] {
        let r = flag(&w, &w.manager, &other, body.clone()).await;
        assert_eq!(invalid_fields(&r), fields, "{body}");
    }

    // Scope: another region's supervisor, intake — as if the case did not exist.
    for token in [&w.almaty_supervisor, &w.intake] {
        assert_eq!(
            flag(&w, token, &case, watch.clone()).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            clear(&w, token, &case, "watch", "Done").await.status,
            StatusCode::NOT_FOUND
        );
        let path = format!("/api/v1/cases/{case}/flags");
        assert_eq!(w.app.get(&path, token).await.status, StatusCode::NOT_FOUND);
    }

    // On the case card.
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    let kinds: Vec<&str> = card.body["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["court_pending", "watch"]);

    // A filter of the case list.
    assert_eq!(listed(&w, "flag=court_pending").await, [case.as_str()]);
    let mut watched = listed(&w, "flag=watch").await;
    watched.sort();
    let mut expected = vec![case.clone(), unassigned.clone()];
    expected.sort();
    assert_eq!(watched, expected);
    assert!(listed(&w, "flag=media_attention").await.is_empty());
    let bad = w.app.get("/api/v1/cases?flag=urgent", &w.supervisor).await;
    assert_eq!(invalid_fields(&bad), ["flag"]);

    // Counted on the caseload, each count with the list behind it.
    let load = caseload(&w).await;
    assert_eq!(
        load["flagged"],
        json!({"watch": 2, "court_pending": 1, "media_attention": 0, "special_supervision": 0})
    );
    let me = &load["managers"][0];
    assert_eq!(me["user_id"], w.manager_id.as_str());
    assert_eq!(
        me["flagged"],
        json!({"watch": 1, "court_pending": 1, "media_attention": 0, "special_supervision": 0})
    );
    let link = me["links"]["flagged"]["court_pending"].as_str().unwrap();
    assert_eq!(
        link,
        format!(
            "/api/v1/cases?region_code=KZ-71&assignee_id={}&open=true&flag=court_pending",
            w.manager_id
        )
    );
    let behind = w.app.get(link, &w.supervisor).await;
    assert_eq!(behind.body["items"][0]["id"], case.as_str());
    let area_link = load["links"]["flagged"]["watch"].as_str().unwrap();
    let behind = w.app.get(area_link, &w.supervisor).await;
    assert_eq!(behind.body["items"].as_array().unwrap().len(), 2);

    // Cleared with a reason, and kept.
    assert_eq!(
        invalid_fields(&clear(&w, &w.manager, &case, "court_pending", "  ").await),
        ["reason"]
    );
    let cleared = clear(&w, &w.manager, &case, "court_pending", "Hearing held").await;
    assert_eq!(cleared.status, StatusCode::OK, "{:?}", cleared.body);
    assert_eq!(cleared.body["active"], false);
    assert_eq!(cleared.body["clear_reason"], "Hearing held");
    assert_eq!(cleared.body["cleared_by"], w.manager_id.as_str());
    assert_eq!(
        clear(&w, &w.manager, &case, "court_pending", "Again")
            .await
            .status,
        StatusCode::CONFLICT,
        "no active flag of the kind"
    );
    assert_eq!(
        clear(&w, &w.manager, &case, "urgent", "x").await.status,
        StatusCode::NOT_FOUND,
        "no such flag kind"
    );
    assert!(listed(&w, "flag=court_pending").await.is_empty());
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    assert_eq!(card.body["flags"].as_array().unwrap().len(), 1);
    assert_eq!(card.body["flags"][0]["kind"], "watch");
    assert_eq!(caseload(&w).await["flagged"]["court_pending"], 0);
    // The history: the cleared flag stays, and the kind may be set again.
    let again = flag(
        &w,
        &w.supervisor,
        &case,
        json!({"kind": "court_pending", "reason": "Appeal lodged", "date": "2027-03-01"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
    let history = w
        .app
        .get(&format!("/api/v1/cases/{case}/flags?limit=2"), &w.manager)
        .await;
    assert_eq!(history.status, StatusCode::OK, "{:?}", history.body);
    let items = history.body["items"].as_array().unwrap();
    assert_eq!(
        (items[0]["kind"].as_str(), items[0]["active"].as_bool()),
        (Some("court_pending"), Some(false))
    );
    assert_eq!(items[1]["kind"], "watch");
    let cursor = history.body["next_cursor"].as_str().expect("a next page");
    let rest = w
        .app
        .get(
            &format!("/api/v1/cases/{case}/flags?limit=2&cursor={cursor}"),
            &w.manager,
        )
        .await;
    assert_eq!(rest.body["items"][0]["id"], again.body["id"]);

    // On the timeline, without the reasons.
    let events = timeline(&w, &case).await;
    let flagged: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["kind"] == "flag_set" || e["kind"] == "flag_cleared")
        .map(|e| (e["kind"].as_str().unwrap(), e["summary"].as_str().unwrap()))
        .collect();
    assert_eq!(
        flagged,
        [
            ("flag_set", "Flagged court_pending (2027-01-15)"),
            ("flag_set", "Flagged watch"),
            ("flag_cleared", "Flag court_pending cleared"),
            ("flag_set", "Flagged court_pending (2027-03-01)"),
        ]
    );
    // Audited as changes to the case.
    assert!(audited(&w, &case, &w.manager_id, "update") >= 2);

    // A closed case takes no new note or flag, is no longer counted, and its flags can still
    // be cleared. (Closed here by storage: the way there is lifecycle.rs's.)
    {
        let mut conn = w.app.state.db.conn().unwrap();
        diesel::update(cases::table.filter(cases::id.eq(&case)))
            .set(cases::status.eq("closed"))
            .execute(&mut conn)
            .unwrap();
    }
    let closed = note(&w, &w.manager, &case, contact("Seen at school")).await;
    assert_eq!(closed.status, StatusCode::CONFLICT, "{:?}", closed.body);
    let closed = flag(
        &w,
        &w.manager,
        &case,
        json!({"kind": "media_attention", "reason": "x"}),
    )
    .await;
    assert_eq!(closed.status, StatusCode::CONFLICT, "{:?}", closed.body);
    assert_eq!(
        caseload(&w).await["flagged"],
        json!({"watch": 1, "court_pending": 0, "media_attention": 0, "special_supervision": 0}),
        "the unassigned case's watch only"
    );
    assert_eq!(
        clear(&w, &w.supervisor, &case, "watch", "Case closed")
            .await
            .status,
        StatusCode::OK
    );
}
