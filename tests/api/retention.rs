//! Retention (issue 20, item 7): `qorgau retention run --dry-run` lists the children whose last
//! case closed more than `retention.closed_case_years` ago and changes nothing; the run
//! anonymises them — no name, IIN, address, phone or free text of theirs left anywhere in the
//! database — leaves a child with an open case, a recent closing or a later signal alone, runs
//! once per child, keeps every report's numbers, and leaves the audit chain valid. Her family's
//! label, address and adults' names go with her.
//!
//! The history is made through the API with the server's clock set in 2020 (and 2023–2024 for
//! the children kept); the command runs on the system clock, years later.

use chrono::Duration;
use diesel::QueryableByName;
use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use qorgau_domain::iin::Sex;
use qorgau_persistence::DbConnection;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, Response, qorgau};
use crate::documents;
use crate::on_both_backends;
use crate::world::{World, all_domains, iin, move_to};

/// Every text about the child to be anonymised carries this, so that a trace of any of them
/// anywhere in the database is found.
const SECRET: &str = "Секрет";
const A_BIRTH: &str = "2010-02-15";
const A_PHONE: &str = "+7 701 555 12 34";
const A_RELATION_PHONE: &str = "+7 702 555 00 11";

fn ok(r: Response) -> Value {
    assert!(r.status.is_success(), "{} {:?}", r.status, r.body);
    r.body
}

/// A signal about `child` (JSON) described by `text`, filed by the mobile group now (the
/// server's clock).
async fn file(w: &World, child: Value, text: &str) -> Value {
    let phone = if text.contains(SECRET) {
        A_PHONE
    } else {
        "+7 777 000 00 00"
    };
    let body = json!({
        "source": "mobile_group", "concerns": ["neglect"], "urgency": "high",
        "description": text, "observed_at": (w.app.now() - Duration::hours(1)).to_rfc3339(),
        "region_code": "KZ-71", "district_code": "KZ-71-01", "child": child,
        "reporter": {"name": format!("{text} reporter"), "phone": phone,
                     "relation": format!("{text} neighbour"), "anonymous": false}
    });
    ok(w.app.post("/api/v1/signals", &w.mobile, body).await)
}

async fn triage(w: &World, signal: &Value, decision: Value) -> Value {
    let path = format!("/api/v1/signals/{}/triage", signal["id"].as_str().unwrap());
    ok(w.app.post(&path, &w.intake, decision).await)
}

/// Files a signal about `child` and opens a case for it, assigned to the case manager; returns
/// (child id, case id).
async fn open(w: &World, child: Value, text: &str) -> (String, String) {
    let s = file(w, child, text).await;
    let opened = triage(
        w,
        &s,
        json!({"decision": "open_case", "risk_level": "medium", "assignee_id": w.manager_id}),
    )
    .await;
    (
        s["child_id"].as_str().unwrap().to_string(),
        opened["case_id"].as_str().unwrap().to_string(),
    )
}

/// Takes `case` from intake to a closure request, every text written with `text`; then the
/// supervisor closes it at `closed_at` (`YYYY-MM-DD HH:MM`, UTC).
async fn work_and_close(w: &World, case: &str, text: &str, closed_at: &str) {
    let path = |p: &str| format!("/api/v1/cases/{case}/{p}");
    let step = || w.app.clock.advance(Duration::hours(2));
    let mut domains = all_domains();
    domains[0]["note"] = json!(format!("{text}: safety note"));
    for (kind, domains) in [("initial", json!([])), ("comprehensive", domains)] {
        let body = json!({"kind": kind, "summary": format!("{text}: {kind} assessment"), "domains": domains});
        ok(w.app.post(&path("assessments"), &w.manager, body).await);
        step();
    }
    let organisation = w
        .app
        .get(
            "/api/v1/organisations?kind=mobile_group&region_code=KZ-71",
            &w.app.admin_token,
        )
        .await
        .body["items"][0]["id"]
        .clone();
    let due = (w.app.now() + Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let plan = json!({"goals": [{"title": format!("{text}: goal"), "measures": [
        {"kind": "social", "description": format!("{text}: measure"),
         "responsible_organisation_id": organisation, "due_date": due}]}]});
    // As a client writes a plan: `If-None-Match: *` for the first version (api.md § Concurrent
    // edits).
    ok(w.app.put_plan(case, &w.manager, plan).await);
    step();
    let approval = json!({"decision": "approve", "note": format!("{text}: approved")});
    ok(w.app
        .post(&path("plan/approval"), &w.supervisor, approval)
        .await);
    ok(move_to(w, &w.manager, case, json!({"to": "in_progress"})).await);
    step();
    let visit = json!({"kind": "home_visit", "assistance_type": "social", "child_seen": true,
                       "occurred_at": w.app.now().to_rfc3339(), "summary": format!("{text}: visit")});
    ok(w.app.post(&path("interventions"), &w.manager, visit).await);
    step();
    for (kind, sensitive) in [("contact", false), ("supervision", true)] {
        let note =
            json!({"kind": kind, "text": format!("{text}: {kind} note"), "sensitive": sensitive});
        ok(w.app.post(&path("notes"), &w.supervisor, note).await);
    }
    let watch = json!({"kind": "watch", "reason": format!("{text}: watched")});
    ok(w.app.post(&path("flags"), &w.manager, watch).await);
    let cleared = json!({"reason": format!("{text}: watch over")});
    ok(w.app
        .post(&path("flags/watch/clear"), &w.manager, cleared)
        .await);
    step();
    ok(move_to(w, &w.manager, case, json!({"to": "monitoring"})).await);
    let request = json!({"to": "closure_requested", "closure_reason": "goals_achieved",
                         "reason": format!("{text}: closing")});
    ok(move_to(w, &w.manager, case, request).await);
    w.app.at(closed_at);
    ok(move_to(w, &w.supervisor, case, json!({"to": "closed"})).await);
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn load<T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static>(
    conn: &mut DbConnection,
    sql: &str,
) -> Vec<T> {
    match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(sql).load(pg).unwrap(),
        DbConnection::Sqlite(sqlite) => diesel::sql_query(sql).load(sqlite).unwrap(),
    }
}

/// Every row of every table, each as one line of its columns as text (`table|a|b|…`), in a
/// stable order: what the database holds, read directly.
fn dump(w: &World, skip: &[&str]) -> Vec<String> {
    let mut conn = w.app.state.db.conn().unwrap();
    let postgres = matches!(*conn, DbConnection::Postgres(_));
    let tables: Vec<Name> = load(
        &mut conn,
        if postgres {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        } else {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        },
    );
    let mut lines = Vec::new();
    for table in tables.iter().map(|t| t.name.as_str()) {
        if skip.contains(&table) {
            continue;
        }
        let columns: Vec<Name> = load(
            &mut conn,
            &if postgres {
                format!(
                    "SELECT column_name AS name FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"
                )
            } else {
                format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
            },
        );
        let cells: Vec<String> = columns
            .iter()
            .map(|c| format!("COALESCE(CAST(\"{}\" AS TEXT), '∅')", c.name))
            .collect();
        let sql = format!(
            "SELECT '{table}' || '|' || {} AS line FROM \"{table}\"",
            cells.join(" || '|' || ")
        );
        let mut rows: Vec<String> = load::<Line>(&mut conn, &sql)
            .into_iter()
            .map(|l| l.line)
            .collect();
        rows.sort();
        lines.extend(rows);
    }
    lines
}

/// The reports of 2020 (and of everything since) as a supervisor and an analyst read them.
async fn reports(w: &World, analyst: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for (token, path) in [
        (
            &w.supervisor,
            "/api/v1/reports/kpis?from=2020-01-01&to=2020-12-31",
        ),
        (
            &w.supervisor,
            "/api/v1/reports/kpis?from=2020-01-01&to=2026-10-31",
        ),
        (
            &w.supervisor,
            "/api/v1/reports/kpis?from=2020-03-01&to=2020-03-31&district_code=KZ-71-01",
        ),
        (
            &analyst.to_string(),
            "/api/v1/reports/kpis?from=2020-01-01&to=2020-12-31",
        ),
        (
            &analyst.to_string(),
            "/api/v1/reports/aggregates?group_by=age_band,sex,month&from=2020-01-01&to=2020-12-31",
        ),
        (
            &analyst.to_string(),
            "/api/v1/reports/aggregates?group_by=region,district,concern,source,age_band,sex&from=2020-01-01&to=2024-12-31",
        ),
        (
            &w.supervisor,
            "/api/v1/reports/aggregates?group_by=age_band&from=2020-03-01&to=2020-03-31",
        ),
    ] {
        let mut report = ok(w.app.get(path, token).await);
        // When the data was read, not what it says: it moves with the clock.
        report.as_object_mut().unwrap().remove("as_of");
        all.push(report);
    }
    all
}

fn retention(w: &World, dry_run: bool) -> String {
    let mut args = vec!["retention", "run"];
    if dry_run {
        args.push("--dry-run");
    }
    let out = qorgau(&w.app.db, &args, "");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn retention_anonymises_children_long_closed_and_keeps_every_count(backend: Backend) {
    let w = World::new(backend).await;
    let ministry = w.app.organisation("other", "KZ-71", None).await;
    let (_, analyst) = w.app.user("analyst.kz", "analyst", &ministry).await;
    let a_iin = iin(A_BIRTH, Sex::Female, 5);
    let a = json!({"iin": a_iin, "first_name": "Секретай", "last_name": "Секретова",
                   "middle_name": "Секретқызы", "birth_date": A_BIRTH, "sex": "female",
                   "address": "Астана, Секрет көшесі 7"});

    // A, born 15 February 2010: ten in March 2020 (10–14), nine on 1 July of her birth year.
    // Six signals in March 2020 (a cell analysts see), her mother, a consent, the whole case,
    // closed on 25 March 2020.
    w.app.at("2020-03-02 04:00");
    let (a_id, a_case) = open(&w, a.clone(), &format!("{SECRET}: bruises")).await;
    for day in 3..=7 {
        w.app.at(&format!("2020-03-0{day} 04:00"));
        let s = file(&w, a.clone(), &format!("{SECRET}: again")).await;
        let link = json!({"decision": "link_case", "risk_level": "medium", "case_id": a_case});
        triage(&w, &s, link).await;
    }
    let mother = ok(w
        .app
        .post(
            &format!("/api/v1/children/{a_id}/relations"),
            &w.manager,
            json!({"full_name": "Секретова Мама", "relation": "mother", "is_legal_representative": true,
                   "alleged_perpetrator": false, "phone": A_RELATION_PHONE}),
        )
        .await);
    ok(w.app
        .post(
            &format!("/api/v1/cases/{a_case}/consents"),
            &w.manager,
            json!({"given_by_relation_id": mother["id"], "given_by_name": "Секретова Мама",
                   "relation": "mother", "services": true, "share_with": ["school"],
                   "given_at": w.app.now().to_rfc3339(), "images": true}),
        )
        .await);
    // A court decision and her photo (under the consent to images), in the document store.
    let decision_name = format!("{SECRET} решение.pdf");
    let decision_text = format!("{SECRET}: decision");
    let fields = [
        ("kind", "court_decision"),
        ("description", decision_text.as_str()),
    ];
    let decision = documents::form(
        &fields,
        Some((&decision_name, "application/pdf", documents::PDF)),
    );
    let decision = ok(documents::upload_with(&w, &w.manager, &a_case, decision, &[]).await);
    let photo = documents::form(
        &[("kind", "photo")],
        Some((&format!("{SECRET}.png"), "image/png", documents::PNG)),
    );
    ok(documents::upload_with(&w, &w.manager, &a_case, photo, &[]).await);
    assert_eq!(w.app.state.documents.keys().await.unwrap().len(), 2);
    // Her household (issue 20, item 5): she is its only child, so its label, address and
    // adults' names go with her.
    let household = json!({"region_code": "KZ-71", "district_code": "KZ-71-01",
        "label": format!("{SECRET}: household"), "address": "Астана, Секрет көшесі 7",
        "members": {"children": [{"child_id": a_id, "relation": "child"}],
                    "adults": [{"relation_id": mother["id"], "relation": "mother"},
                               {"full_name": "Секрет Әже", "relation": "grandparent"}]}});
    ok(w.app
        .post("/api/v1/families", &w.supervisor, household)
        .await);
    work_and_close(&w, &a_case, SECRET, "2020-03-25 04:00").await;

    // B: closed in 2024, within five years of now. C: open since 2020. D: closed in March
    // 2020, but a signal came in 2023 (screened out): the record was in use since.
    let keep = |birth: &str, serial: u32, name: &str| {
        json!({"iin": iin(birth, Sex::Male, serial), "first_name": name, "last_name": "Сақталған",
               "birth_date": birth, "sex": "male", "address": "Астана, Сақтау көшесі 1"})
    };
    let b = keep("2012-05-05", 20, "Бекжан");
    let c = keep("2013-06-06", 30, "Серік");
    let d = keep("2011-07-07", 40, "Дәурен");
    w.app.at("2020-03-10 04:00");
    let (b_id, b_case) = open(&w, b, "Kept: B").await;
    work_and_close(&w, &b_case, "Kept: B", "2024-05-01 04:00").await;
    w.app.at("2020-03-11 04:00");
    let (c_id, _) = open(&w, c, "Kept: C").await;
    w.app.at("2020-03-12 04:00");
    let (d_id, d_case) = open(&w, d.clone(), "Kept: D").await;
    work_and_close(&w, &d_case, "Kept: D", "2020-03-30 04:00").await;
    w.app.at("2023-06-01 04:00");
    let later = file(&w, d, "Kept: D later").await;
    let screen =
        json!({"decision": "screen_out", "risk_level": "low", "reason": "Handled by school"});
    triage(&w, &later, screen).await;
    w.app.back_to_the_present();

    let before = reports(&w, &analyst).await;
    let rows = dump(&w, &["audit_log", "audit_head"]);
    for trace in [SECRET, a_iin.as_str(), A_PHONE, A_RELATION_PHONE, A_BIRTH] {
        assert!(
            rows.iter().any(|r| r.contains(trace)),
            "{trace} is there to be erased"
        );
    }

    // Dry run: A listed with the closing that qualifies her; nothing changes.
    let dry = retention(&w, true);
    assert!(
        dry.starts_with("1 child(ren) whose last case closed before "),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("  {a_id}  last case closed 2020-03-25T04:00:00Z")),
        "{dry}"
    );
    assert!(dry.contains("dry run: nothing changed"), "{dry}");
    assert_eq!(
        dump(&w, &["audit_log", "audit_head"]),
        rows,
        "a dry run changes nothing"
    );

    // The run anonymises A, and only A.
    let run = retention(&w, false);
    assert!(run.starts_with("1 child(ren)"), "{run}");
    assert!(run.contains("anonymised 1 child(ren)"), "{run}");
    // Her documents' names and descriptions are erased with the rest (below), their bytes
    // deleted from the store; their content is gone, their kind, size and hash stay.
    assert!(
        run.contains("2 erased document(s) deleted from the document store"),
        "{run}"
    );
    assert!(w.app.state.documents.keys().await.unwrap().is_empty());
    let document = format!("/api/v1/documents/{}", decision["id"].as_str().unwrap());
    let record = ok(w.app.get(&document, &w.supervisor).await);
    assert!(record["erased_at"].is_string(), "{record}");
    assert_eq!(record["sha256"], decision["sha256"]);
    assert!(record["content_url"].is_null(), "{record}");
    let content = w
        .app
        .get(&format!("{document}/content"), &w.supervisor)
        .await;
    assert_eq!(content.status, StatusCode::GONE, "{:?}", content.body);
    let rows = dump(&w, &[]);
    for trace in [SECRET, a_iin.as_str(), A_PHONE, A_RELATION_PHONE, A_BIRTH] {
        let left: Vec<&String> = rows.iter().filter(|r| r.contains(trace)).collect();
        assert!(left.is_empty(), "{trace} left in {left:#?}");
    }
    let card = ok(w
        .app
        .get(&format!("/api/v1/children/{a_id}"), &w.supervisor)
        .await);
    assert_eq!(card["anonymised"], true, "{card}");
    for erased in [
        "iin",
        "last_name",
        "first_name",
        "middle_name",
        "birth_date",
        "address",
    ] {
        assert!(card[erased].is_null(), "{erased}: {card}");
    }
    assert_eq!(
        (&card["sex"], &card["region_code"], &card["district_code"]),
        (&json!("female"), &json!("KZ-71"), &json!("KZ-71-01"))
    );
    let case = ok(w
        .app
        .get(&format!("/api/v1/cases/{a_case}"), &w.supervisor)
        .await);
    assert_eq!(
        (
            &case["status"],
            &case["closure_reason"],
            &case["risk_level"]
        ),
        (&json!("closed"), &json!("goals_achieved"), &json!("medium")),
        "the facts reports count are kept"
    );
    let found = ok(w
        .app
        .get(&format!("/api/v1/children?iin={a_iin}"), &w.supervisor)
        .await);
    assert_eq!(found["items"], json!([]), "the IIN finds nobody");
    // A new signal with A's identity registers a new child: the old record cannot be matched.
    w.app.at("2026-11-02 04:00");
    let again = file(&w, a, "New report").await;
    assert_ne!(again["child_id"].as_str(), Some(a_id.as_str()));
    w.app.back_to_the_present();
    // The anonymised record takes no more changes.
    let relation = w
        .app
        .post(
            &format!("/api/v1/children/{a_id}/relations"),
            &w.supervisor,
            json!({"full_name": "X", "relation": "aunt", "is_legal_representative": false,
                   "alleged_perpetrator": false}),
        )
        .await;
    assert_eq!(relation.status, StatusCode::CONFLICT, "{:?}", relation.body);
    let reopen = move_to(
        &w,
        &w.supervisor,
        &a_case,
        json!({"to": "assessment", "reason": "x"}),
    )
    .await;
    assert_eq!(reopen.status, StatusCode::CONFLICT, "{:?}", reopen.body);

    for kept in [&b_id, &c_id, &d_id] {
        let card = ok(w
            .app
            .get(&format!("/api/v1/children/{kept}"), &w.supervisor)
            .await);
        assert_eq!(card["anonymised"], false, "{card}");
        assert_eq!(card["last_name"], "Сақталған", "{card}");
        assert!(
            card["iin"].is_string() && card["birth_date"].is_string(),
            "{card}"
        );
    }
    assert!(rows.iter().any(|r| r.contains("Kept: D later")));

    // Every report gives the same numbers (the new signal is of November 2026, outside them).
    assert_eq!(reports(&w, &analyst).await, before);

    // Once per child: the second run finds nobody.
    let second = retention(&w, false);
    assert!(second.starts_with("0 child(ren)"), "{second}");
    assert!(second.contains("anonymised 0 child(ren)"), "{second}");

    // Every run is in the audit log, and A's anonymisation in her access log; the chain holds.
    let mut conn = w.app.state.db.conn().unwrap();
    let runs: Vec<Line> = load(
        &mut conn,
        "SELECT action || ' ' || resource_id AS line FROM audit_log WHERE resource = 'retention' ORDER BY id",
    );
    let runs: Vec<String> = runs.into_iter().map(|l| l.line).collect();
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert!(
        runs[0].starts_with("retention_dry_run closed_before="),
        "{runs:?}"
    );
    assert!(
        runs[0].ends_with(";qualifying=1;anonymised=0;responses_deleted=0"),
        "{runs:?}"
    );
    assert!(
        runs[1].starts_with("retention_run ") && runs[1].contains(";qualifying=1;anonymised=1;")
    );
    assert!(runs[2].contains(";qualifying=0;anonymised=0;"), "{runs:?}");
    drop(conn);
    let access = ok(w
        .app
        .get(
            &format!("/api/v1/audit?child_id={a_id}"),
            &w.app.admin_token,
        )
        .await);
    let anonymise: Vec<&Value> = access["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "anonymise")
        .collect();
    assert_eq!(anonymise.len(), 1, "{access}");
    assert!(anonymise[0]["user_id"].is_null() && anonymise[0]["resource_id"] == a_id.as_str());
    let verify = qorgau(&w.app.db, &["audit", "verify"], "");
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

on_both_backends!(retention_anonymises_children_long_closed_and_keeps_every_count);
