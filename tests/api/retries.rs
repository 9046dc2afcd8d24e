//! Safe retries (api.md § Safe retries; issue 20, defect 2): every creating `POST` takes
//! `Idempotency-Key` — the same key and body answer the stored response and change nothing, the
//! same key with another body or on another endpoint is 409, a malformed key is 422 naming the
//! header, and concurrent retries store one record.

use std::collections::{BTreeMap, BTreeSet};

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};
use qorgau_persistence::DbConnection;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Response, TestApp, invalid_fields, join_all};
use crate::on_both_backends;
use crate::world::{World, all_domains, day, signal, ts};

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The row count of every table: "nothing changed" means all of them are as they were.
fn row_counts(app: &TestApp) -> BTreeMap<String, i64> {
    let mut conn = app.state.db.conn().unwrap();
    macro_rules! counts {
        ($c:expr, $catalog:expr) => {{
            let names: Vec<Name> = diesel::sql_query($catalog).load($c).unwrap();
            names
                .into_iter()
                .filter(|t| t.name != "__diesel_schema_migrations")
                .map(|t| {
                    let sql = format!("SELECT COUNT(*) AS n FROM {}", t.name);
                    let count: Count = diesel::sql_query(sql).get_result($c).unwrap();
                    (t.name, count.n)
                })
                .collect()
        }};
    }
    match &mut *conn {
        DbConnection::Postgres(c) => counts!(
            c,
            "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = current_schema()"
        ),
        DbConnection::Sqlite(c) => counts!(
            c,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ),
    }
}

/// `POST path` as `token` with `Idempotency-Key: key`.
async fn post_keyed(app: &TestApp, path: &str, token: &str, key: &str, body: Value) -> Response {
    let headers = [("Idempotency-Key", key)];
    app.send_with(Method::POST, path, Some(token), Some(body), &headers)
        .await
}

fn intervention() -> Value {
    json!({"kind": "consultation", "assistance_type": "psychological", "occurred_at": ts(-60),
           "summary": "Talked with the family", "child_seen": false})
}

async fn interventions_of(w: &World, case: &str) -> usize {
    let path = format!("/api/v1/cases/{case}/interventions");
    let r = w.app.get(&path, &w.manager).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // A bare array today; `{"items"}` once the case's lists are paginated.
    let items = r.body.get("items").unwrap_or(&r.body);
    items.as_array().unwrap().len()
}

async fn a_retried_visit_is_logged_once(backend: crate::common::Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Айгерим", true).await;
    let path = format!("/api/v1/cases/{case}/interventions");
    let send = |key: &'static str, body: Value| post_keyed(&w.app, &path, &w.manager, key, body);
    // One visit, one body: a retry resends it as it was.
    let visit = intervention();

    let first = send("visit-0001", visit.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let before = row_counts(&w.app);
    let again = send("visit-0001", visit.clone()).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, first.body, "the original response: the same id");
    assert_eq!(row_counts(&w.app), before, "a retry changes nothing");
    assert_eq!(interventions_of(&w, &case).await, 1);

    let mut other = visit.clone();
    other["summary"] = json!("Another visit");
    let conflict = send("visit-0001", other).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{:?}", conflict.body);
    assert_eq!(conflict.headers["content-type"], "application/problem+json");
    // The same key and body on another endpoint is another request.
    let elsewhere = post_keyed(
        &w.app,
        &format!(
            "/api/v1/cases/{}/interventions",
            w.open_case("Бекзат", true).await
        ),
        &w.manager,
        "visit-0001",
        visit.clone(),
    )
    .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::CONFLICT,
        "{:?}",
        elsewhere.body
    );
    for bad in ["", "with space", &"k".repeat(201), "ключ"] {
        let headers = [("Idempotency-Key", bad)];
        let r = w
            .app
            .send_with(
                Method::POST,
                &path,
                Some(&w.manager),
                Some(intervention()),
                &headers,
            )
            .await;
        assert_eq!(invalid_fields(&r), ["Idempotency-Key"], "{bad:?}");
    }
    assert_eq!(interventions_of(&w, &case).await, 1);

    // A bad mobile link: twenty copies of one request in flight at once.
    let storm = join_all((0..20).map(|_| send("visit-0002", visit.clone()))).await;
    let ids: BTreeSet<&str> = storm
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
            r.body["id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1, "20 concurrent retries, one visit");
    assert_eq!(interventions_of(&w, &case).await, 2);
}

/// One creating `POST`: where, as whom, with what, and what it answers.
struct Creating {
    path: String,
    token: String,
    body: Value,
    status: StatusCode,
}

fn creating(path: String, token: &str, body: Value, status: StatusCode) -> Creating {
    Creating {
        path,
        token: token.to_string(),
        body,
        status,
    }
}

/// A case of `w` taken to `closure_requested`, then closed by the supervisor.
async fn closed_case(w: &World, centre: &str) -> String {
    let case = w.open_case("Дана", true).await;
    let at = |rest: &str| format!("/api/v1/cases/{case}/{rest}");
    let (cm, sup) = (&w.manager, &w.supervisor);
    let must = |r: Response| assert!(r.status.is_success(), "{:?}", r.body);
    must(
        w.app
            .post(
                &at("assessments"),
                cm,
                json!({"kind": "initial", "summary": "Safe for now"}),
            )
            .await,
    );
    let full = json!({"kind": "comprehensive", "summary": "Needs", "domains": all_domains()});
    must(w.app.post(&at("assessments"), cm, full).await);
    must(w.app.put_plan(&case, cm, plan(centre)).await);
    must(
        w.app
            .post(&at("plan/approval"), sup, json!({"decision": "approve"}))
            .await,
    );
    must(
        w.app
            .post(&at("transitions"), cm, json!({"to": "in_progress"}))
            .await,
    );
    let closing = json!({"to": "closure_requested", "closure_reason": "goals_achieved"});
    must(w.app.post(&at("transitions"), cm, closing).await);
    must(
        w.app
            .post(&at("transitions"), sup, json!({"to": "closed"}))
            .await,
    );
    case
}

fn plan(centre: &str) -> Value {
    json!({"goals": [{"title": "Safe at home", "measures": [
        {"kind": "social", "description": "Benefit application", "responsible_organisation_id": centre,
         "due_date": day(30)}]}]})
}

/// Every creating `POST` of the API, each ready to be sent once.
async fn every_creating_post(w: &World) -> Vec<Creating> {
    let (app, cm, admin) = (&w.app, w.manager.as_str(), w.app.admin_token.as_str());
    let centre = app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let commission = app.organisation("commission", "KZ-71", None).await;
    let case = w.open_case("Ержан", true).await;
    let at = |rest: &str| format!("/api/v1/cases/{case}/{rest}");
    // An approved plan, for its review.
    let planned = w.open_case("Мадина", true).await;
    assert!(
        app.put_plan(&planned, cm, plan(&centre))
            .await
            .status
            .is_success()
    );
    let approval = format!("/api/v1/cases/{planned}/plan/approval");
    let approve = json!({"decision": "approve"});
    assert!(
        app.post(&approval, &w.supervisor, approve)
            .await
            .status
            .is_success()
    );
    let matter = app
        .post(
            &at("commission-matters"),
            cm,
            json!({"commission_organisation_id": commission, "grounds": "Repeated begging"}),
        )
        .await;
    let matter = matter.body["id"].as_str().unwrap().to_string();
    let child = app.get(&format!("/api/v1/cases/{case}"), cm).await.body["child_id"]
        .as_str()
        .unwrap()
        .to_string();
    let untriaged = w
        .file(signal(
            json!({"first_name": "Санжар", "last_name": "Test", "birth_date": "2012-02-02"}),
        ))
        .await;
    let untriaged = untriaged.body["id"].as_str().unwrap().to_string();
    let closed = closed_case(w, &centre).await;
    let moving = w.open_case("Тимур", true).await;
    let (staff_id, _) = app.user("staff.retry", "case_manager", &centre).await;
    let created = StatusCode::CREATED;
    vec![
        creating(
            "/api/v1/signals".into(),
            &w.mobile,
            signal(
                json!({"first_name": "Ерлан", "last_name": "Retry", "birth_date": "2013-03-03"}),
            ),
            created,
        ),
        creating(
            format!("/api/v1/signals/{untriaged}/triage"),
            &w.intake,
            json!({"decision": "screen_out", "risk_level": "low", "reason": "Already known, no new concern"}),
            StatusCode::OK,
        ),
        creating(
            at("assessments"),
            cm,
            json!({"kind": "initial", "summary": "Safe at grandmother's"}),
            created,
        ),
        creating(at("interventions"), cm, intervention(), created),
        creating(
            at("notes"),
            cm,
            json!({"kind": "contact", "text": "Phoned the mother"}),
            created,
        ),
        creating(
            at("flags"),
            cm,
            json!({"kind": "watch", "reason": "Third signal this year"}),
            created,
        ),
        creating(
            format!("/api/v1/cases/{planned}/plan/review"),
            cm,
            json!({"decision": "unchanged", "note": "Goals still fit"}),
            created,
        ),
        creating(
            format!("/api/v1/cases/{closed}/follow-ups"),
            cm,
            json!({"occurred_at": ts(1), "child_seen": true, "outcome": "stable", "note": "Seen at school"}),
            created,
        ),
        creating(
            at("consents"),
            cm,
            json!({"given_by_name": "Mother", "relation": "mother", "services": true,
                   "share_with": ["psychological_support_centre"], "given_at": ts(-60)}),
            created,
        ),
        creating(
            at("referrals"),
            cm,
            json!({"to_organisation_id": centre, "service": "psychological support", "reason": "Distress",
                   "consent_override": {"basis": "legal_duty", "note": "Mandatory notification"}}),
            created,
        ),
        creating(
            at("commission-matters"),
            cm,
            json!({"commission_organisation_id": commission, "grounds": "Truancy"}),
            created,
        ),
        creating(
            format!("/api/v1/commission-matters/{matter}/decision"),
            cm,
            json!({"hearing_date": day(-1), "decision": "Supervision by the school",
                   "measures": [{"description": "Weekly report", "responsible_organisation_id": centre,
                                 "due_date": day(30)}]}),
            StatusCode::OK,
        ),
        creating(
            at("interviews"),
            cm,
            json!({"conducted_at": ts(-60), "interviewer_name": "Inspector", "organisation_id": centre,
                   "present": ["psychologist"]}),
            created,
        ),
        creating(
            at("placements"),
            cm,
            json!({"type": "temporary_shelter", "started_on": day(-10)}),
            created,
        ),
        creating(
            format!("/api/v1/cases/{moving}/transfer"),
            cm,
            json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "The family moved"}),
            StatusCode::ACCEPTED,
        ),
        creating(
            format!("/api/v1/children/{child}/relations"),
            cm,
            json!({"full_name": "Aunt Test", "relation": "aunt", "is_legal_representative": false,
                   "alleged_perpetrator": false}),
            created,
        ),
        creating(
            "/api/v1/break-glass".into(),
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "Child in danger tonight, the case team unreachable"}),
            created,
        ),
        creating(
            "/api/v1/regions/KZ-71/districts".into(),
            admin,
            json!({"code": "KZ-71-09", "name": {"kk": "Аудан", "ru": "Район", "en": "District"}}),
            created,
        ),
        creating(
            "/api/v1/organisations".into(),
            admin,
            json!({"name": "Retry NGO", "kind": "ngo", "region_code": "KZ-71"}),
            created,
        ),
        creating(
            "/api/v1/users".into(),
            admin,
            json!({"username": "retry.user", "full_name": "Retry User", "email": "retry.user@example.kz",
                   "password": "long enough password", "role": "case_manager", "organisation_id": centre}),
            created,
        ),
        creating(
            format!("/api/v1/users/{staff_id}/trainings"),
            admin,
            json!({"course": "Child rights and child protection basics", "completed_on": day(-2)}),
            created,
        ),
    ]
}

async fn every_creating_post_honours_the_key(backend: crate::common::Backend) {
    let w = World::new(backend).await;
    for (n, c) in every_creating_post(&w).await.into_iter().enumerate() {
        let key = format!("retry-{n}");
        let first = post_keyed(&w.app, &c.path, &c.token, &key, c.body.clone()).await;
        assert_eq!(first.status, c.status, "{}: {:?}", c.path, first.body);
        let before = row_counts(&w.app);
        let again = post_keyed(&w.app, &c.path, &c.token, &key, c.body.clone()).await;
        assert_eq!(again.status, c.status, "{}: the original status", c.path);
        assert_eq!(again.body, first.body, "{}: the original body", c.path);
        assert_eq!(
            row_counts(&w.app),
            before,
            "{}: a retry changes nothing",
            c.path
        );
        let mut other = c.body.clone();
        other["client_note"] = json!("another request");
        let conflict = post_keyed(&w.app, &c.path, &c.token, &key, other).await;
        assert_eq!(
            conflict.status,
            StatusCode::CONFLICT,
            "{}: {:?}",
            c.path,
            conflict.body
        );
        let bad = post_keyed(&w.app, &c.path, &c.token, "two words", c.body.clone()).await;
        assert_eq!(invalid_fields(&bad), ["Idempotency-Key"], "{}", c.path);
        assert_eq!(
            row_counts(&w.app),
            before,
            "{}: refusals change nothing",
            c.path
        );
    }
}

on_both_backends!(
    a_retried_visit_is_logged_once,
    every_creating_post_honours_the_key,
);
