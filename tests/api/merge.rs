//! api.md § Children, merging and unmerging (security finding 7 of issue 17): two records are
//! merged only when they were flagged as possible duplicates and agree on who the child is, or
//! when the supervisor confirms every field in which they differ; two IINs are never merged; a
//! merge can be undone, and both the merge and its undoing stay in the history.

use diesel::sql_types::{Integer, Nullable, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use qorgau_domain::iin::Sex;
use qorgau_persistence::connection::establish_postgres;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, Response, TestApp, invalid_fields, join_all};
use crate::on_both_backends;
use crate::world::{World, iin, signal};

const ALL_FOUR: [&str; 4] = ["last_name", "first_name", "birth_date", "sex"];

/// Files a signal about `child` with `concerns`; returns the signal.
async fn file(w: &World, child: Value, concerns: &[&str]) -> Value {
    let mut body = signal(child);
    body["concerns"] = json!(concerns);
    let r = w.file(body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

fn id(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

async fn open_case(w: &World, signal: &Value) -> String {
    let r = w
        .app
        .post(
            &format!("/api/v1/signals/{}/triage", id(&signal["id"])),
            &w.intake,
            json!({"decision": "open_case", "risk_level": "high"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    id(&r.body["case_id"])
}

async fn merge(w: &World, keep: &str, body: Value) -> Response {
    w.app
        .post(
            &format!("/api/v1/children/{keep}/merge"),
            &w.supervisor,
            body,
        )
        .await
}

async fn unmerge(w: &World, token: &str, keep: &str, body: Value) -> Response {
    w.app
        .post(&format!("/api/v1/children/{keep}/unmerge"), token, body)
        .await
}

async fn child_of_case(w: &World, case: &str) -> String {
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    id(&r.body["child_id"])
}

async fn child_of_signal(w: &World, signal: &Value) -> String {
    let r = w
        .app
        .get(
            &format!("/api/v1/signals/{}", id(&signal["id"])),
            &w.supervisor,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    id(&r.body["child_id"])
}

async fn timeline(w: &World, child: &str) -> Vec<Value> {
    let r = w
        .app
        .get(&format!("/api/v1/children/{child}/timeline"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

fn kinds(items: &[Value]) -> Vec<&str> {
    items.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

fn differences(r: &Response) -> Vec<&str> {
    r.body["differences"]
        .as_array()
        .unwrap_or_else(|| panic!("no differences member: {:?}", r.body))
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect()
}

async fn possible_duplicates(w: &World, child: &str) -> Vec<String> {
    let r = w
        .app
        .get(
            &format!("/api/v1/children/{child}/possible-duplicates"),
            &w.supervisor,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| id(&c["id"]))
        .collect()
}

/// What the child's id answers the supervisor, redirects not followed: 200 for a record that
/// stands, 307 for a merged one.
async fn status_of_child(w: &World, child: &str) -> StatusCode {
    w.app
        .get_unfollowed(&format!("/api/v1/children/{child}"), &w.supervisor)
        .await
        .status
}

/// One boy filed three times under spellings that match (Нұрлан Сейтқали, Nurlan Seitkali,
/// Нурлан Сейткалиев): three records flagged as possible duplicates of each other.
async fn one_boy_three_times(w: &World) -> [String; 3] {
    let mut ids = Vec::new();
    for (first, last) in [
        ("Нұрлан", "Сейтқали"),
        ("Nurlan", "Seitkali"),
        ("Нурлан", "Сейткалиев"),
    ] {
        let s = file(
            w,
            json!({"first_name": first, "last_name": last, "birth_date": "2015-04-12"}),
            &["neglect"],
        )
        .await;
        ids.push(id(&s["child_id"]));
    }
    <[String; 3]>::try_from(ids).unwrap()
}

/// The finding as the probe made it: a boy and a girl with nothing in common, not flagged; the
/// girl has an open `violence_sexual` case.
async fn the_boy_and_the_girl(w: &World) -> (String, String, String, String) {
    let girl_iin = iin("2015-04-12", Sex::Female, 321);
    let girl_signal = file(
        w,
        json!({"iin": girl_iin, "last_name": "Сәрсенова", "first_name": "Әлия",
               "birth_date": "2015-04-12", "sex": "female"}),
        &["violence_sexual"],
    )
    .await;
    let case = open_case(w, &girl_signal).await;
    let boy_signal = file(
        w,
        json!({"last_name": "Сейтқали", "first_name": "Нұрлан", "birth_date": "2013-02-01", "sex": "male"}),
        &["neglect"],
    )
    .await;
    (
        id(&boy_signal["child_id"]),
        id(&girl_signal["child_id"]),
        case,
        girl_iin,
    )
}

async fn unrelated_children_are_merged_only_with_every_difference_confirmed(backend: Backend) {
    let w = World::new(backend).await;
    let (boy, girl, case, _) = the_boy_and_the_girl(&w).await;
    assert!(possible_duplicates(&w, &boy).await.is_empty());

    let reason = "Same child, registered twice";
    let unconfirmed = merge(&w, &boy, json!({"duplicate_id": girl, "reason": reason})).await;
    assert_eq!(invalid_fields(&unconfirmed), ["confirm_differences"]);
    assert_eq!(unconfirmed.body["type"], "/problems/validation");
    assert_eq!(differences(&unconfirmed), ALL_FOUR);
    let message = unconfirmed.body["errors"][0]["message"].as_str().unwrap();
    for field in ALL_FOUR {
        assert!(message.contains(field), "{message}");
    }
    // Nothing changed: the girl is still there with her case.
    assert_eq!(status_of_child(&w, &girl).await, StatusCode::OK);
    assert_eq!(child_of_case(&w, &case).await, girl);

    // Every difference must be named, and nothing else.
    for confirm in [
        json!([]),
        json!(["sex"]),
        json!(["last_name", "first_name", "birth_date"]),
        json!([
            "last_name",
            "first_name",
            "birth_date",
            "sex",
            "middle_name"
        ]),
        json!(["iin", "last_name", "first_name", "birth_date", "sex"]),
    ] {
        let r = merge(
            &w,
            &boy,
            json!({"duplicate_id": girl, "reason": reason, "confirm_differences": confirm}),
        )
        .await;
        assert_eq!(invalid_fields(&r), ["confirm_differences"], "{confirm}");
        assert_eq!(child_of_case(&w, &case).await, girl, "{confirm}");
    }
    // The reason is still required, confirmation or not.
    let no_reason = merge(
        &w,
        &boy,
        json!({"duplicate_id": girl, "reason": " ", "confirm_differences": ALL_FOUR}),
    )
    .await;
    assert_eq!(invalid_fields(&no_reason), ["reason"]);

    // Confirmed field by field (in any order): the supervisor takes responsibility.
    let confirmed = merge(
        &w,
        &boy,
        json!({"duplicate_id": girl, "reason": reason,
               "confirm_differences": ["sex", "birth_date", "first_name", "last_name"]}),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    assert_eq!(child_of_case(&w, &case).await, boy);
    let merge_event = timeline(&w, &boy)
        .await
        .into_iter()
        .find(|e| e["kind"] == "merge")
        .unwrap();
    let summary = merge_event["summary"].as_str().unwrap();
    assert!(
        summary.contains("last_name, first_name, birth_date, sex"),
        "the confirmed differences are kept with the merge: {summary}"
    );
}

async fn a_flagged_pair_that_differs_and_an_unflagged_pair_need_an_explicit_confirmation(
    backend: Backend,
) {
    let w = World::new(backend).await;
    // Flagged (the same name in two scripts, the same birth date) but of different sex.
    let a = file(
        &w,
        json!({"first_name": "Нұрлан", "last_name": "Сейтқали", "birth_date": "2015-04-12", "sex": "male"}),
        &["neglect"],
    )
    .await;
    let b = file(
        &w,
        json!({"first_name": "Nurlan", "last_name": "Seitkali", "birth_date": "2015-04-12", "sex": "female"}),
        &["neglect"],
    )
    .await;
    let (a, b) = (id(&a["child_id"]), id(&b["child_id"]));
    assert_eq!(possible_duplicates(&w, &b).await, [a.as_str()]);
    let r = merge(&w, &a, json!({"duplicate_id": b, "reason": "Same boy"})).await;
    assert_eq!(invalid_fields(&r), ["confirm_differences"]);
    assert_eq!(differences(&r), ["sex"]);
    assert_eq!(status_of_child(&w, &b).await, StatusCode::OK);
    let r = merge(
        &w,
        &a,
        json!({"duplicate_id": b, "reason": "Same boy, sex mistyped by the 111 operator",
               "confirm_differences": ["sex"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        status_of_child(&w, &b).await,
        StatusCode::TEMPORARY_REDIRECT
    );

    // Not flagged (no birth date on one record, so never compared), though nothing differs:
    // the supervisor says so explicitly with an empty list.
    let c = file(
        &w,
        json!({"first_name": "Айгерім", "last_name": "Бекова"}),
        &["neglect"],
    )
    .await;
    let d = file(
        &w,
        json!({"first_name": "Aigerim", "last_name": "Bekova", "birth_date": "2016-03-03"}),
        &["neglect"],
    )
    .await;
    let (c, d) = (id(&c["child_id"]), id(&d["child_id"]));
    assert!(possible_duplicates(&w, &d).await.is_empty());
    let r = merge(&w, &c, json!({"duplicate_id": d, "reason": "Same girl"})).await;
    assert_eq!(invalid_fields(&r), ["confirm_differences"]);
    assert_eq!(differences(&r), Vec::<&str>::new());
    let message = r.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("not flagged"), "{message}");
    let r = merge(
        &w,
        &c,
        json!({"duplicate_id": d, "reason": "Same girl", "confirm_differences": []}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

async fn two_children_with_different_iins_are_never_merged(backend: Backend) {
    let w = World::new(backend).await;
    let child = |serial| {
        json!({"iin": iin("2014-01-01", Sex::Male, serial), "first_name": "Айдос",
               "last_name": "Ахметов", "birth_date": "2014-01-01", "sex": "male"})
    };
    let x = id(&file(&w, child(100), &["neglect"]).await["child_id"]);
    let y = id(&file(&w, child(500), &["neglect"]).await["child_id"]);
    assert_ne!(x, y);
    for confirm in [None, Some(json!([]))] {
        let mut body = json!({"duplicate_id": y, "reason": "Twins registered twice?"});
        if let Some(c) = confirm {
            body["confirm_differences"] = c;
        }
        let r = merge(&w, &x, body).await;
        assert_eq!(invalid_fields(&r), ["duplicate_id"]);
        let message = r.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("IIN"), "{message}");
    }
    assert_eq!(status_of_child(&w, &y).await, StatusCode::OK);
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct MergeRecord {
    #[diesel(sql_type = Text)]
    child_id: String,
    #[diesel(sql_type = Text)]
    duplicate_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    undone_by: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    undo_reason: Option<String>,
    #[diesel(sql_type = Integer)]
    undone: i32,
}

/// The merges recorded, read straight from the database, oldest first.
fn merge_records(app: &TestApp) -> Vec<MergeRecord> {
    let sql = "SELECT child_id, duplicate_id, undone_by, undo_reason,
                      CASE WHEN undone_at IS NULL THEN 0 ELSE 1 END AS undone
               FROM child_merges ORDER BY id";
    let url = &app.db.url;
    match url.strip_prefix("sqlite://") {
        Some(path) => diesel::sql_query(sql)
            .load(&mut SqliteConnection::establish(path).unwrap())
            .unwrap(),
        None => diesel::sql_query(sql)
            .load(&mut establish_postgres(url).unwrap())
            .unwrap(),
    }
}

fn execute(app: &TestApp, sql: &str) {
    let url = &app.db.url;
    match url.strip_prefix("sqlite://") {
        Some(path) => diesel::sql_query(sql)
            .execute(&mut SqliteConnection::establish(path).unwrap())
            .unwrap(),
        None => diesel::sql_query(sql)
            .execute(&mut establish_postgres(url).unwrap())
            .unwrap(),
    };
}

async fn a_merge_is_undone_and_its_history_kept(backend: Backend) {
    let w = World::new(backend).await;
    let (boy, girl, case, girl_iin) = the_boy_and_the_girl(&w).await;
    // A second signal about the girl, still waiting for triage, and one about the boy.
    let girl_later = file(&w, json!({"iin": girl_iin}), &["neglect"]).await;
    assert_eq!(id(&girl_later["child_id"]), girl);
    let r = merge(
        &w,
        &boy,
        json!({"duplicate_id": girl, "reason": "Same child?", "confirm_differences": ALL_FOUR}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    crate::report_facts::assert_facts_agree(&mut w.app.state.db.conn().unwrap());
    assert_eq!(
        r.body["iin"],
        girl_iin.as_str(),
        "the IIN moved with the merge"
    );
    assert_eq!(r.body["open_case_id"], case.as_str());

    // Work done after the merge: the case is assigned (a case event); a new signal with the
    // girl's IIN reaches the boy's record and is linked to her case; another is screened out.
    w.assign_to_manager(&case).await;
    let linked = file(&w, json!({"iin": girl_iin}), &["neglect"]).await;
    assert_eq!(id(&linked["child_id"]), boy);
    let r = w
        .app
        .post(
            &format!("/api/v1/signals/{}/triage", id(&linked["id"])),
            &w.intake,
            json!({"decision": "link_case", "case_id": case}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let screened = file(&w, json!({"iin": girl_iin}), &["neglect"]).await;
    let r = w
        .app
        .post(
            &format!("/api/v1/signals/{}/triage", id(&screened["id"])),
            &w.intake,
            json!({"decision": "screen_out", "reason": "Already known"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let merge_id = id(&timeline(&w, &boy)
        .await
        .into_iter()
        .find(|e| e["kind"] == "merge")
        .unwrap()["ref_id"]);

    // Who may undo: the supervisor of the region, as for a merge.
    let body = json!({"reason": "Not the same child: a boy and a girl"});
    let r = unmerge(&w, &w.intake, &boy, body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    let r = unmerge(&w, &w.manager, &boy, body.clone()).await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&r.status),
        "{:?}",
        r.body
    );
    let r = unmerge(&w, &w.almaty_supervisor, &boy, body.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    let r = unmerge(&w, &w.supervisor, &boy, json!({"reason": ""})).await;
    assert_eq!(invalid_fields(&r), ["reason"]);
    let r = unmerge(
        &w,
        &w.supervisor,
        &boy,
        json!({"reason": "x", "merge_id": "not an id"}),
    )
    .await;
    assert_eq!(invalid_fields(&r), ["merge_id"]);
    let r = unmerge(
        &w,
        &w.supervisor,
        &boy,
        json!({"reason": "x", "merge_id": uuid::Uuid::now_v7()}),
    )
    .await;
    assert_eq!(invalid_fields(&r), ["merge_id"]);
    // The duplicate's id is not the place to undo from: it answers as a merged record does.
    let r = unmerge(&w, &w.supervisor, &girl, body.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    assert_eq!(child_of_case(&w, &case).await, boy, "nothing undone yet");

    let undone = unmerge(
        &w,
        &w.supervisor,
        &boy,
        json!({"merge_id": merge_id, "reason": "Not the same child: a boy and a girl"}),
    )
    .await;
    assert_eq!(undone.status, StatusCode::OK, "{:?}", undone.body);
    assert_eq!(
        undone.body["id"],
        boy.as_str(),
        "the surviving child's card"
    );
    assert!(undone.body["open_case_id"].is_null(), "{:?}", undone.body);
    assert!(undone.body["iin"].is_null(), "{:?}", undone.body);

    // The girl is back, with her IIN, her case and her signals.
    let card = w
        .app
        .get(&format!("/api/v1/children/{girl}"), &w.supervisor)
        .await;
    assert_eq!(card.status, StatusCode::OK, "{:?}", card.body);
    assert_eq!(card.body["iin"], girl_iin.as_str());
    assert_eq!(card.body["first_name"], "Әлия");
    assert_eq!(card.body["open_case_id"], case.as_str());
    assert_eq!(child_of_case(&w, &case).await, girl);
    assert_eq!(child_of_signal(&w, &girl_later).await, girl);
    // Made after the merge but part of her case: goes back with it.
    assert_eq!(child_of_signal(&w, &linked).await, girl);
    // Made after the merge with nothing tying it to her: stays (docs/api.md).
    assert_eq!(child_of_signal(&w, &screened).await, boy);

    // Both timelines keep the merge and record its undoing, last; the case's events are hers.
    let boys = timeline(&w, &boy).await;
    let girls = timeline(&w, &girl).await;
    for (name, items) in [("boy", &boys), ("girl", &girls)] {
        let k = kinds(items);
        assert!(k.contains(&"merge"), "{name}: {k:?}");
        assert_eq!(k.last(), Some(&"unmerge"), "{name}: {k:?}");
        assert_eq!(k.iter().filter(|k| **k == "unmerge").count(), 1, "{name}");
        let unmerge = items.iter().find(|e| e["kind"] == "unmerge").unwrap();
        assert_eq!(unmerge["ref_id"], merge_id.as_str(), "{name}");
        assert!(
            unmerge["summary"]
                .as_str()
                .unwrap()
                .contains("Not the same child"),
            "{name}: {unmerge}"
        );
    }
    assert!(
        boys.iter().all(|e| e["case_id"] != case.as_str()),
        "{boys:?}"
    );
    assert!(
        girls
            .iter()
            .filter(|e| e["case_id"] == case.as_str())
            .count()
            >= 3,
        "case opened, assignment, linked signal's triage: {girls:?}"
    );
    let girl_kinds = kinds(&girls);
    assert_eq!(girl_kinds[0], "signal", "{girl_kinds:?}");
    assert!(girl_kinds.contains(&"case_opened"), "{girl_kinds:?}");

    // The merge is kept, marked undone, by whom and why.
    let me = w.app.get("/api/v1/me", &w.supervisor).await;
    let records = merge_records(&w.app);
    assert_eq!(
        records,
        [MergeRecord {
            child_id: boy.clone(),
            duplicate_id: girl.clone(),
            undone_by: Some(id(&me.body["id"])),
            undo_reason: Some("Not the same child: a boy and a girl".into()),
            undone: 1,
        }]
    );
    // Audited like the merge: an update of each child by the supervisor, for each of the two.
    for child in [&boy, &girl] {
        let log = w
            .app
            .get(
                &format!("/api/v1/children/{child}/access-log"),
                &w.supervisor,
            )
            .await;
        assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
        let updates = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "update" && e["resource"] == "child")
            .count();
        assert!(updates >= 2, "{child}: {:?}", log.body);
    }

    // Her IIN finds her again.
    let again = file(&w, json!({"iin": girl_iin}), &["neglect"]).await;
    assert_eq!(id(&again["child_id"]), girl);

    // Nothing left to undo.
    let r = unmerge(&w, &w.supervisor, &boy, body.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    let r = unmerge(
        &w,
        &w.supervisor,
        &boy,
        json!({"merge_id": merge_id, "reason": "again"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    // The report facts followed the merge and its undoing.
    crate::report_facts::assert_facts_agree(&mut w.app.state.db.conn().unwrap());
}

async fn merges_into_one_child_are_undone_newest_first_and_their_flags_return(backend: Backend) {
    let w = World::new(backend).await;
    let [a, b, c] = one_boy_three_times(&w).await;
    let mut flagged = possible_duplicates(&w, &a).await;
    flagged.sort();
    let mut expected = vec![b.clone(), c.clone()];
    expected.sort();
    assert_eq!(flagged, expected);
    for dup in [&b, &c] {
        let r = merge(&w, &a, json!({"duplicate_id": dup, "reason": "Spelling"})).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    assert!(possible_duplicates(&w, &a).await.is_empty());

    let why = json!({"reason": "Three different boys after all"});
    let r = unmerge(&w, &w.supervisor, &a, why.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        status_of_child(&w, &c).await,
        StatusCode::OK,
        "newest first"
    );
    assert_eq!(
        status_of_child(&w, &b).await,
        StatusCode::TEMPORARY_REDIRECT
    );
    assert_eq!(possible_duplicates(&w, &a).await, [c.as_str()]);
    let r = unmerge(&w, &w.supervisor, &a, why.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(status_of_child(&w, &b).await, StatusCode::OK);
    let mut flagged = possible_duplicates(&w, &a).await;
    flagged.sort();
    assert_eq!(
        flagged, expected,
        "the flags are back, for a human to decide"
    );
    let r = unmerge(&w, &w.supervisor, &a, why).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(
        merge_records(&w.app)
            .iter()
            .filter(|m| m.undone == 1)
            .count(),
        2
    );
}

async fn an_undo_that_would_give_a_child_two_open_cases_is_refused(backend: Backend) {
    let w = World::new(backend).await;
    let (boy, girl, case, _) = the_boy_and_the_girl(&w).await;
    let r = merge(
        &w,
        &boy,
        json!({"duplicate_id": girl, "reason": "Same child?", "confirm_differences": ALL_FOUR}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // The API gives a merged record nothing new (its IIN leads to the survivor); the database
    // could still hold another open case of hers, and undoing must not make two.
    execute(
        &w.app,
        &format!(
            "INSERT INTO cases (id, number, child_id, status, risk_level, region_code, district_code,
                                opened_at, version)
             VALUES ('{}', 'KZ-71-2026-999999', '{girl}', 'intake', 'low', 'KZ-71', 'KZ-71-01',
                     '2026-12-01 10:00:00', 1)",
            uuid::Uuid::now_v7()
        ),
    );
    let r = unmerge(&w, &w.supervisor, &boy, json!({"reason": "Not her"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert!(
        r.body["detail"].as_str().unwrap().contains("open case"),
        "{:?}",
        r.body
    );
    assert_eq!(child_of_case(&w, &case).await, boy, "nothing undone");
    assert_eq!(
        status_of_child(&w, &girl).await,
        StatusCode::TEMPORARY_REDIRECT,
        "still merged"
    );
}

async fn a_merge_made_before_moves_were_recorded_is_not_undone(backend: Backend) {
    let w = World::new(backend).await;
    let (boy, girl, case, _) = the_boy_and_the_girl(&w).await;
    let r = merge(
        &w,
        &boy,
        json!({"duplicate_id": girl, "reason": "Same child?", "confirm_differences": ALL_FOUR}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // As the merges made before migration 000012 are: nothing tells what they moved.
    execute(&w.app, "UPDATE child_merges SET moves_recorded = FALSE");
    let r = unmerge(&w, &w.supervisor, &boy, json!({"reason": "Not her"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("cannot be undone"),
        "{:?}",
        r.body
    );
    assert_eq!(child_of_case(&w, &case).await, boy, "nothing undone");
    assert_eq!(merge_records(&w.app)[0].undone, 0);
}

async fn concurrent_undos_of_one_merge_succeed_once(backend: Backend) {
    let w = World::new(backend).await;
    let (boy, girl, case, _) = the_boy_and_the_girl(&w).await;
    let r = merge(
        &w,
        &boy,
        json!({"duplicate_id": girl, "reason": "Same child?", "confirm_differences": ALL_FOUR}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let body = json!({"reason": "Not her"});
    let answers = join_all((0..4).map(|_| unmerge(&w, &w.supervisor, &boy, body.clone()))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort_unstable();
    let bodies: Vec<&Value> = answers.iter().map(|r| &r.body).collect();
    assert_eq!(statuses, [200, 409, 409, 409], "{bodies:?}");
    assert_eq!(child_of_case(&w, &case).await, girl);
    let girls = timeline(&w, &girl).await;
    assert_eq!(kinds(&girls).iter().filter(|k| **k == "unmerge").count(), 1);
}

/// Issue 20, defect 4: a merged record's id is no dead end. Its card answers 307 to the record
/// it was merged into (followed to the one that stands) and its timeline shows the merge with
/// `merged_into` — for whoever may see that record; anyone else gets 404, as for an id they may
/// not know, and learns nothing of where the child went.
async fn a_merged_records_id_points_to_the_record_that_stands(backend: Backend) {
    let w = World::new(backend).await;
    let [a, b, c] = one_boy_three_times(&w).await;
    let r = merge(&w, &a, json!({"duplicate_id": b, "reason": "Spelling"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    let card = format!("/api/v1/children/{b}");
    let r = w.app.get_unfollowed(&card, &w.supervisor).await;
    assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT, "{:?}", r.body);
    assert_eq!(
        r.headers["location"],
        format!("/api/v1/children/{a}").as_str()
    );
    assert_eq!(r.body, json!({"id": b, "merged_into": a}));
    let r = w.app.get(&card, &w.supervisor).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a client that follows lands on the card"
    );
    assert_eq!(r.body["id"], a.as_str());
    let r = w.app.get_unfollowed(&card, &w.intake).await;
    assert_eq!(
        r.status,
        StatusCode::TEMPORARY_REDIRECT,
        "the district's intake sees the short card"
    );
    for token in [&w.almaty_supervisor, &w.intake_elsewhere, &w.manager] {
        let r = w.app.get_unfollowed(&card, token).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
        assert!(!r.headers.contains_key("location"));
        assert!(!r.body.to_string().contains(&a), "{:?}", r.body);
    }

    // The merged record's timeline: the merge, and where the child is now.
    let on_b = format!("/api/v1/children/{b}/timeline");
    let r = w.app.get(&on_b, &w.supervisor).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["merged_into"], a.as_str());
    let items = r.body["items"].as_array().unwrap();
    let merge_event = items.iter().find(|e| e["kind"] == "merge").unwrap();
    assert!(
        merge_event["summary"].as_str().unwrap().contains(&a),
        "{merge_event:?}"
    );
    let on_a = format!("/api/v1/children/{a}/timeline");
    assert!(timeline(&w, &a).await.iter().any(|e| e["kind"] == "merge"));
    assert!(
        w.app
            .get(&on_a, &w.supervisor)
            .await
            .body
            .get("merged_into")
            .is_none()
    );
    for token in [
        &w.intake,
        &w.almaty_supervisor,
        &w.intake_elsewhere,
        &w.manager,
    ] {
        let (merged, standing) = (w.app.get(&on_b, token).await, w.app.get(&on_a, token).await);
        assert!(merged.status.is_client_error(), "{:?}", merged.body);
        assert_eq!(merged.status, standing.status, "as the record that stands");
    }

    // Merged on: the id leads to the record that stands, in one step.
    let r = merge(&w, &c, json!({"duplicate_id": a, "reason": "Spelling"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    for merged in [&a, &b] {
        let r = w
            .app
            .get_unfollowed(&format!("/api/v1/children/{merged}"), &w.supervisor)
            .await;
        assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(
            r.headers["location"],
            format!("/api/v1/children/{c}").as_str()
        );
    }
    assert_eq!(
        w.app.get(&on_b, &w.supervisor).await.body["merged_into"],
        c.as_str()
    );

    // Undone, each record answers for itself again.
    let why = json!({"reason": "Different boys"});
    assert_eq!(
        unmerge(&w, &w.supervisor, &c, why.clone()).await.status,
        StatusCode::OK
    );
    let r = w.app.get_unfollowed(&card, &w.supervisor).await;
    assert_eq!(
        r.headers["location"],
        format!("/api/v1/children/{a}").as_str()
    );
    assert_eq!(
        unmerge(&w, &w.supervisor, &a, why).await.status,
        StatusCode::OK
    );
    let r = w.app.get_unfollowed(&card, &w.supervisor).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["id"], b.as_str());
    let r = w.app.get(&on_b, &w.supervisor).await;
    assert!(r.body.get("merged_into").is_none(), "{:?}", r.body);
    let kinds_on_b = kinds(r.body["items"].as_array().unwrap());
    assert!(kinds_on_b.contains(&"merge") && kinds_on_b.contains(&"unmerge"));
}

on_both_backends!(
    a_merged_records_id_points_to_the_record_that_stands,
    unrelated_children_are_merged_only_with_every_difference_confirmed,
    a_flagged_pair_that_differs_and_an_unflagged_pair_need_an_explicit_confirmation,
    two_children_with_different_iins_are_never_merged,
    a_merge_is_undone_and_its_history_kept,
    merges_into_one_child_are_undone_newest_first_and_their_flags_return,
    an_undo_that_would_give_a_child_two_open_cases_is_refused,
    a_merge_made_before_moves_were_recorded_is_not_undone,
    concurrent_undos_of_one_merge_succeed_once,
);
