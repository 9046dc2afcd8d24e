//! Issue 20, defect 1: every list answers `{"items": [...], "next_cursor"}` with `?limit=` and
//! `?cursor=` (api.md § Lists) — a case's assessments, interventions, referrals, consents,
//! commission matters and placements, a child's relations and possible duplicates, transfers,
//! a user's trainings and regions included — and paging through one returns every item once,
//! in the list's order.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, invalid_fields};
use crate::on_both_backends;
use crate::world::{World, signal};

/// Every item of the list at `path`, one page of `limit` after another; checks that each page
/// is a list of at most `limit` items and that no item comes twice.
async fn every_page(w: &World, path: &str, token: &str, limit: usize) -> Vec<Value> {
    let join = if path.contains('?') { '&' } else { '?' };
    let mut items: Vec<Value> = Vec::new();
    let mut cursor = String::new();
    for _ in 0..100 {
        let r = w
            .app
            .get(&format!("{path}{join}limit={limit}{cursor}"), token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
        let page = r.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: not a list: {:?}", r.body));
        assert!(page.len() <= limit, "{path}: {} items", page.len());
        items.extend(page.iter().cloned());
        match &r.body["next_cursor"] {
            Value::String(next) => cursor = format!("&cursor={next}"),
            Value::Null => {
                let ids: HashSet<String> = items.iter().map(key).collect();
                assert_eq!(ids.len(), items.len(), "{path}: an item came twice");
                return items;
            }
            other => panic!("{path}: next_cursor is {other}"),
        }
    }
    panic!("{path}: more than 100 pages")
}

/// An item's identity: its id, or a region's code.
fn key(item: &Value) -> String {
    item.get("id")
        .or_else(|| item.get("code"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id: {item}"))
        .to_string()
}

/// Pages through `path` two at a time and checks it holds exactly the items of one big page,
/// in the same order, and at least `at_least` of them; returns them.
async fn pages_of_two(w: &World, path: &str, token: &str, at_least: usize) -> Vec<Value> {
    let all = every_page(w, path, token, 500).await;
    assert!(all.len() >= at_least, "{path}: {} items", all.len());
    let paged = every_page(w, path, token, 2).await;
    let keys = |items: &[Value]| items.iter().map(key).collect::<Vec<_>>();
    assert_eq!(
        keys(&paged),
        keys(&all),
        "{path}: every item once, in order"
    );
    all
}

fn created(r: &crate::common::Response) -> Value {
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body.clone()
}

async fn a_cases_records_are_paginated_lists(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Арман", true).await;
    let on_case = |what: &str| format!("/api/v1/cases/{case}/{what}");

    // Interventions recorded out of the order they happened, two at the same time: listed by
    // when they happened, then by id.
    let times = [
        "2026-11-03T10:00:00Z",
        "2026-11-01T10:00:00Z",
        "2026-11-02T10:00:00Z",
        "2026-11-02T10:00:00Z",
        "2026-11-04T10:00:00Z",
    ];
    for at in times {
        let body = json!({"kind": "home_visit", "assistance_type": "social", "summary": "Visit",
                          "occurred_at": at, "child_seen": true});
        created(
            &w.app
                .post(&on_case("interventions"), &w.manager, body)
                .await,
        );
    }
    let visits = pages_of_two(&w, &on_case("interventions"), &w.manager, 5).await;
    let mut expected: Vec<(String, String)> = visits
        .iter()
        .map(|v| (v["occurred_at"].to_string(), key(v)))
        .collect();
    expected.sort();
    let listed: Vec<(String, String)> = visits
        .iter()
        .map(|v| (v["occurred_at"].to_string(), key(v)))
        .collect();
    assert_eq!(listed, expected, "in the order they happened");

    for _ in 0..3 {
        let body = json!({"kind": "initial", "summary": "Safe for now",
                          "domains": [{"domain": "safety", "level": "low"}]});
        created(&w.app.post(&on_case("assessments"), &w.manager, body).await);
    }
    pages_of_two(&w, &on_case("assessments"), &w.manager, 3).await;

    let psc = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    for service in ["counselling", "group therapy", "family sessions"] {
        let body = json!({"to_organisation_id": psc, "service": service, "reason": "needs",
                          "consent_override": {"basis": "legal_duty", "note": "Protocol duty"}});
        created(&w.app.post(&on_case("referrals"), &w.manager, body).await);
    }
    pages_of_two(&w, &on_case("referrals"), &w.supervisor, 3).await;

    for name in ["Мама", "Папа", "Бабушка"] {
        let body = json!({"given_by_name": name, "relation": "parent", "services": true,
                          "share_with": ["school"], "given_at": "2026-11-20T10:00:00Z"});
        created(&w.app.post(&on_case("consents"), &w.manager, body).await);
    }
    pages_of_two(&w, &on_case("consents"), &w.manager, 3).await;

    let commission = w.app.organisation("commission", "KZ-71", None).await;
    for grounds in ["Truancy", "Repeated offences", "Running away"] {
        let body = json!({"commission_organisation_id": commission, "grounds": grounds});
        created(
            &w.app
                .post(&on_case("commission-matters"), &w.manager, body)
                .await,
        );
    }
    pages_of_two(&w, &on_case("commission-matters"), &w.manager, 3).await;

    for started in ["2026-09-01", "2026-10-01", "2026-11-01"] {
        let body = json!({"type": "temporary_shelter", "started_on": started});
        created(&w.app.post(&on_case("placements"), &w.manager, body).await);
    }
    pages_of_two(&w, &on_case("placements"), &w.manager, 3).await;

    let child = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await
        .body["child_id"]
        .as_str()
        .unwrap()
        .to_string();
    let relations = format!("/api/v1/children/{child}/relations");
    for name in ["Отец", "Мать", "Дядя"] {
        let body = json!({"full_name": name, "relation": "relative",
                          "is_legal_representative": false, "alleged_perpetrator": false});
        created(&w.app.post(&relations, &w.manager, body).await);
    }
    pages_of_two(&w, &relations, &w.manager, 3).await;

    // The limit and the cursor are checked as on every list.
    let path = on_case("interventions");
    for bad in ["limit=0", "limit=501", "cursor=!!"] {
        let r = w.app.get(&format!("{path}?{bad}"), &w.manager).await;
        assert_eq!(invalid_fields(&r).len(), 1, "{bad}");
    }
    // A cursor of another list (the assessments') names no intervention of this case.
    let first = w
        .app
        .get(&format!("{}?limit=1", on_case("assessments")), &w.manager)
        .await;
    let elsewhere = first.body["next_cursor"].as_str().unwrap();
    let r = w
        .app
        .get(&format!("{path}?cursor={elsewhere}"), &w.manager)
        .await;
    assert_eq!(invalid_fields(&r), ["cursor"]);
}

async fn duplicates_transfers_trainings_and_regions_are_paginated_lists(backend: Backend) {
    let w = World::new(backend).await;

    // The same name filed four times, without an IIN: four records, flagged with each other.
    let mut children = Vec::new();
    for _ in 0..4 {
        let child =
            json!({"first_name": "Нұрлан", "last_name": "Сейтқали", "birth_date": "2015-04-12"});
        let r = w.file(signal(child)).await;
        children.push(created(&r)["child_id"].as_str().unwrap().to_string());
    }
    let path = format!("/api/v1/children/{}/possible-duplicates", children[0]);
    let flagged = pages_of_two(&w, &path, &w.supervisor, 3).await;
    let flagged: HashSet<String> = flagged.iter().map(key).collect();
    assert_eq!(flagged, children[1..].iter().cloned().collect());
    // Only what the caller may see: a district's intake sees its district's records.
    assert_eq!(every_page(&w, &path, &w.intake, 2).await.len(), 3);
    let r = w.app.get(&path, &w.intake_elsewhere).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);

    // Three cases moving to Almaty: three transfers awaiting its supervisor.
    for name in ["Айлин", "Дамир", "Мирас"] {
        let case = w.open_case(name, true).await;
        let body = json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "The family moved"});
        let r = w
            .app
            .post(&format!("/api/v1/cases/{case}/transfer"), &w.manager, body)
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    }
    pages_of_two(&w, "/api/v1/transfers", &w.almaty_supervisor, 3).await;
    assert!(
        every_page(&w, "/api/v1/transfers", &w.supervisor, 2)
            .await
            .is_empty()
    );

    // Trainings, most recent first; two completed the same day.
    let trainings = format!("/api/v1/users/{}/trainings", w.manager_id);
    for (course, on) in [
        ("Child rights basics", "2026-02-01"),
        ("Interviewing children", "2026-03-01"),
        ("Case planning", "2026-03-01"),
        ("Trauma-informed care", "2026-01-15"),
        ("Referrals", "2026-04-01"),
    ] {
        let body = json!({"course": course, "completed_on": on});
        created(&w.app.post(&trainings, &w.supervisor, body).await);
    }
    let listed = pages_of_two(&w, &trainings, &w.manager, 5).await;
    let dates: Vec<&str> = listed
        .iter()
        .map(|t| t["completed_on"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2026-04-01",
            "2026-03-01",
            "2026-03-01",
            "2026-02-01",
            "2026-01-15"
        ]
    );

    // The 20 regions, in code order, each with its districts.
    let regions = pages_of_two(&w, "/api/v1/regions", &w.manager, 20).await;
    assert_eq!(regions.len(), 20);
    let codes: Vec<String> = regions.iter().map(key).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
    let astana = regions.iter().find(|r| r["code"] == "KZ-71").unwrap();
    assert_eq!(astana["districts"].as_array().unwrap().len(), 2);
}

on_both_backends!(
    a_cases_records_are_paginated_lists,
    duplicates_transfers_trainings_and_regions_are_paginated_lists,
);
