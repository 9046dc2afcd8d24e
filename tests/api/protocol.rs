//! The protocol at work (brief § 4, issue 6): deadlines started, met, re-timed and overdue;
//! mandatory routing per concern; automatic assignment; and the worker's reminders and
//! escalations travelling through a real SMTP listener, exactly once even with two instances.

use std::collections::BTreeSet;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use qorgau_api::worker;
use qorgau_api::{AppState, Config};
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_persistence::schema::{outbox, timeline_events as timeline};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backend, TestApp, join_all, test_config};
use crate::on_both_backends;
use crate::smtp_server::{self, smtp_mailer};
use crate::world::{World, signal};

on_both_backends!(
    deadlines_start_are_met_and_follow_the_risk_level,
    lapsed_deadlines_make_a_case_overdue,
    routing_creates_the_mandatory_referrals_of_each_concern,
    new_concerns_are_routed_and_missing_organisations_recorded,
    auto_assignment_picks_the_least_loaded_manager_of_the_district,
    worker_reminds_and_escalates_once_through_smtp,
    failed_mail_is_retried_later_not_lost,
);

/// Files a signal with `concerns` about a new child in district KZ-71-01 and opens a case at
/// `risk`; returns the case id.
async fn open(w: &World, name: &str, concerns: &[&str], risk: &str, district: &str) -> String {
    let child = json!({"first_name": name, "last_name": "Test", "birth_date": "2014-05-05"});
    let mut body = signal(child);
    body["concerns"] = json!(concerns);
    body["district_code"] = json!(district);
    let s = w.file(body).await;
    assert_eq!(s.status, StatusCode::CREATED, "{:?}", s.body);
    let r = w
        .app
        .post(
            &format!("/api/v1/signals/{}/triage", s.body["id"].as_str().unwrap()),
            &w.supervisor,
            json!({"decision": "open_case", "risk_level": risk}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["case_id"].as_str().unwrap().to_string()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// The case's deadlines by kind (one per kind in these tests, referral_response aside).
async fn deadlines_of(w: &World, case: &str) -> Vec<Value> {
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["deadlines"].as_array().unwrap().clone()
}

fn find<'a>(deadlines: &'a [Value], kind: &str) -> &'a Value {
    deadlines
        .iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} deadline in {deadlines:?}"))
}

fn status_of(deadlines: &[Value], kind: &str) -> String {
    find(deadlines, kind)["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Each pending deadline is due when the protocol says, from its own clock start.
fn assert_timed(state: &AppState, deadlines: &[Value], risk: RiskLevel) {
    for d in deadlines.iter().filter(|d| d["status"] == "pending") {
        let kind = DeadlineKind::from_code(d["kind"].as_str().unwrap()).unwrap();
        let expected = state.deadline(kind, time(&d["starts_at"]), risk);
        // Timestamps go through the database (microseconds) and JSON.
        let off = (time(&d["due_at"]) - expected).num_milliseconds().abs();
        assert!(
            off < 1,
            "{} due {} expected {expected}",
            d["kind"],
            d["due_at"]
        );
    }
}

async fn post_ok(w: &World, token: &str, path: &str, body: Value) -> Value {
    let r = w.app.post(path, token, body).await;
    assert!(r.status.is_success(), "{path}: {} {:?}", r.status, r.body);
    r.body
}

async fn patch_case(w: &World, case: &str, body: Value) {
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    let etag = card.headers["etag"].to_str().unwrap().to_string();
    let r = w
        .app
        .http
        .request(Method::PATCH, format!("{}/api/v1/cases/{case}", w.app.base))
        .bearer_auth(&w.supervisor)
        .header("If-Match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
}

async fn move_to(w: &World, token: &str, case: &str, to: Value) {
    post_ok(w, token, &format!("/api/v1/cases/{case}/transitions"), to).await;
}

async fn deadlines_start_are_met_and_follow_the_risk_level(backend: Backend) {
    let w = World::new(backend).await;
    let state = &w.app.state;
    let case = open(&w, "Айдана", &["neglect"], "medium", "KZ-71-01").await;
    let opened = deadlines_of(&w, &case).await;
    let kinds: BTreeSet<(&str, &str)> = opened
        .iter()
        .map(|d| (d["kind"].as_str().unwrap(), d["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            ("triage", "met"),
            ("assignment", "pending"),
            ("first_contact", "pending"),
            ("initial_assessment", "pending"),
            ("comprehensive_assessment", "pending"),
            // neglect → the family-support centre of the district, answered within the protocol.
            ("referral_response", "pending"),
        ])
    );
    assert_timed(state, &opened, RiskLevel::Medium);
    let triage = find(&opened, "triage");
    assert!(time(&triage["met_at"]) <= time(&triage["due_at"]));
    let referral_id = find(&opened, "referral_response")["referral_id"].clone();
    assert!(referral_id.is_string());

    // Risk raised to critical: every pending deadline counted again from its own start.
    patch_case(
        &w,
        &case,
        json!({"risk_level": "critical", "risk_reason": "Child alone at night"}),
    )
    .await;
    let critical = deadlines_of(&w, &case).await;
    assert_timed(state, &critical, RiskLevel::Critical);
    let first = find(&critical, "first_contact");
    assert_eq!(
        time(&first["due_at"]) - time(&first["starts_at"]),
        Duration::hours(24),
        "critical: the child is seen within 24 hours"
    );
    let assignment = find(&critical, "assignment");
    assert_eq!(
        time(&assignment["due_at"]) - time(&assignment["starts_at"]),
        Duration::hours(1)
    );

    // Assignment meets its deadline.
    post_ok(
        &w,
        &w.supervisor,
        &format!("/api/v1/cases/{case}/assignment"),
        json!({"assignee_id": w.manager_id}),
    )
    .await;
    let cm = &w.manager;
    assert_eq!(
        status_of(&deadlines_of(&w, &case).await, "assignment"),
        "met"
    );

    // A call without seeing the child does not meet first contact; a visit that sees them does.
    let now = w.app.now().to_rfc3339();
    let interventions = format!("/api/v1/cases/{case}/interventions");
    post_ok(&w, cm, &interventions, json!({"kind": "consultation", "assistance_type": "social", "occurred_at": now, "summary": "Call", "child_seen": false})).await;
    assert_eq!(
        status_of(&deadlines_of(&w, &case).await, "first_contact"),
        "pending"
    );
    post_ok(&w, cm, &interventions, json!({"kind": "home_visit", "assistance_type": "social", "occurred_at": now, "summary": "Visit", "child_seen": true})).await;
    let seen = deadlines_of(&w, &case).await;
    assert_eq!(status_of(&seen, "first_contact"), "met");
    assert!(find(&seen, "first_contact")["met_at"].is_string());

    // Assessments meet theirs; the comprehensive one starts the plan clock.
    let assessments = format!("/api/v1/cases/{case}/assessments");
    post_ok(&w, cm, &assessments, json!({"kind": "initial", "summary": "Safe for tonight", "domains": [{"domain": "safety", "level": "high"}]})).await;
    assert_eq!(
        status_of(&deadlines_of(&w, &case).await, "initial_assessment"),
        "met"
    );
    let domains: Vec<Value> = [
        "safety",
        "health",
        "education",
        "family",
        "psycho_emotional",
        "legal",
        "material",
    ]
    .iter()
    .map(|d| json!({"domain": d, "level": "medium", "note": "observed"}))
    .collect();
    post_ok(
        &w,
        cm,
        &assessments,
        json!({"kind": "comprehensive", "summary": "Needs", "domains": domains}),
    )
    .await;
    let assessed = deadlines_of(&w, &case).await;
    assert_eq!(status_of(&assessed, "comprehensive_assessment"), "met");
    assert_eq!(status_of(&assessed, "plan_approval"), "pending");
    assert_timed(state, &assessed, RiskLevel::Critical);

    // Plan approval meets its deadline and starts the periodic review.
    let referrals = w
        .app
        .get(&format!("/api/v1/cases/{case}/referrals"), cm)
        .await;
    let centre = referrals.body["items"][0]["to_organisation_id"].clone();
    let due = (w.app.now() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let plan = json!({"goals": [{"title": "Safe at home", "measures": [
        {"kind": "social", "description": "Family accompaniment", "responsible_organisation_id": centre, "due_date": due}]}]});
    let r = w.app.put_plan(&case, cm, plan).await;
    assert!(r.status.is_success(), "{:?}", r.body);
    post_ok(
        &w,
        &w.supervisor,
        &format!("/api/v1/cases/{case}/plan/approval"),
        json!({"decision": "approve"}),
    )
    .await;
    let planned = deadlines_of(&w, &case).await;
    assert_eq!(status_of(&planned, "plan_approval"), "met");
    assert_eq!(status_of(&planned, "plan_review"), "pending");
    assert_timed(state, &planned, RiskLevel::Critical);

    // The routed referral's answer meets referral_response.
    let referral = referrals.body["items"][0].clone();
    assert_eq!(referral["id"], referral_id);
    let (_, specialist) = w
        .app
        .user(
            "fsc.specialist",
            "specialist",
            referral["to_organisation_id"].as_str().unwrap(),
        )
        .await;
    post_ok(
        &w,
        &specialist,
        &format!("/api/v1/referrals/{}/accept", referral_id.as_str().unwrap()),
        json!({}),
    )
    .await;
    assert_eq!(
        status_of(&deadlines_of(&w, &case).await, "referral_response"),
        "met"
    );

    // Closure stops the open clocks and starts the follow-up.
    move_to(&w, cm, &case, json!({"to": "in_progress"})).await;
    move_to(&w, cm, &case, json!({"to": "monitoring"})).await;
    move_to(
        &w,
        cm,
        &case,
        json!({"to": "closure_requested", "closure_reason": "goals_achieved"}),
    )
    .await;
    move_to(&w, &w.supervisor, &case, json!({"to": "closed"})).await;
    let closed = deadlines_of(&w, &case).await;
    assert!(
        closed.iter().all(|d| d["kind"] != "plan_review"),
        "cancelled clocks are not shown: {closed:?}"
    );
    assert_eq!(status_of(&closed, "follow_up"), "pending");
    assert_timed(state, &closed, RiskLevel::Critical);
}

fn ids(r: &crate::common::Response) -> BTreeSet<String> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

async fn lapsed_deadlines_make_a_case_overdue(backend: Backend) {
    let w = World::new(backend).await;
    // Opened in the past, assigned at once: its first contact lapsed (an hour ago, or on
    // Friday night), its initial assessment (a working day later) has not. Bullying routes to organisations Astana does
    // not have here, so no referral deadline lapses beside them.
    w.app.clock.set(w.app.opened_to_lapse(
        DeadlineKind::FirstContact,
        RiskLevel::High,
        w.app.now() - Duration::hours(1),
    ));
    let late = open(&w, "Ерлан", &["bullying"], "high", "KZ-71-01").await;
    w.assign_to_manager(&late).await;
    w.app.back_to_the_present();
    let on_time = open(&w, "Мадина", &["bullying"], "high", "KZ-71-01").await;
    let card = deadlines_of(&w, &late).await;
    assert_eq!(status_of(&card, "first_contact"), "overdue");
    assert_eq!(status_of(&card, "initial_assessment"), "pending");
    assert_eq!(
        status_of(&deadlines_of(&w, &on_time).await, "first_contact"),
        "pending"
    );

    let overdue = w.app.get("/api/v1/cases?overdue=true", &w.supervisor).await;
    assert_eq!(overdue.status, StatusCode::OK);
    assert_eq!(ids(&overdue), BTreeSet::from([late.clone()]));
    let all = w.app.get("/api/v1/cases", &w.supervisor).await;
    assert_eq!(ids(&all), BTreeSet::from([late.clone(), on_time]));
    assert!(
        ids(&w
            .app
            .get("/api/v1/cases?overdue=true", &w.almaty_supervisor)
            .await)
        .is_empty(),
        "another region's supervisor sees none of it"
    );

    // Met late, the deadline is no longer overdue and the case leaves the list.
    post_ok(&w, &w.manager, &format!("/api/v1/cases/{late}/interventions"), json!({"kind": "home_visit", "assistance_type": "social", "occurred_at": w.app.now().to_rfc3339(), "summary": "Visit", "child_seen": true})).await;
    assert_eq!(
        status_of(&deadlines_of(&w, &late).await, "first_contact"),
        "met"
    );
    assert!(ids(&w.app.get("/api/v1/cases?overdue=true", &w.supervisor).await).is_empty());
    let timeline = w
        .app
        .get(&format!("/api/v1/cases/{late}"), &w.supervisor)
        .await;
    let child = timeline.body["child_id"].as_str().unwrap().to_string();
    let events = w
        .app
        .get(&format!("/api/v1/children/{child}/timeline"), &w.supervisor)
        .await;
    assert!(
        events.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["summary"] == "Deadline first_contact met (late)"),
        "{:?}",
        events.body
    );
}

/// Organisations of every kind the default routing names, in Astana; returns id → kind.
async fn astana_organisations(w: &World, kinds: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (kind, district) in kinds {
        let id = w.app.organisation(kind, "KZ-71", *district).await;
        out.push((id, kind.to_string()));
    }
    out
}

/// (kind, organisation kind) of the case's mandatory referrals and notifications.
async fn routed(w: &World, case: &str, orgs: &[(String, String)]) -> BTreeSet<(String, String)> {
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}/referrals"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["mandatory"], true);
            assert_eq!(r["override_basis"], "legal_duty", "{r:?}");
            let to = r["to_organisation_id"].as_str().unwrap();
            let kind = orgs
                .iter()
                .find(|(id, _)| id == to)
                .map_or_else(|| format!("unexpected {to}"), |(_, k)| k.clone());
            (r["kind"].as_str().unwrap().to_string(), kind)
        })
        .collect()
}

/// (concerns, risk level, the (kind, organisation kind) expected).
type Routing<'a> = (&'a [&'a str], &'a str, &'a [(&'a str, &'a str)]);

fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn routing_creates_the_mandatory_referrals_of_each_concern(backend: Backend) {
    let w = World::new(backend).await;
    let orgs = astana_organisations(
        &w,
        &[
            ("police", Some("KZ-71-01")),
            ("police", Some("KZ-71-02")),
            ("assistance_room", None),
            ("psychological_support_centre", None),
            ("mental_health_centre", None),
            ("school", Some("KZ-71-01")),
            ("commission", None),
            ("youth_health_centre", None),
            ("health", None),
            ("guardianship_authority", None),
            ("education_department", Some("KZ-71-01")),
        ],
    )
    .await;
    let police_01 = orgs[0].0.clone();
    // The brief's own example: violence_sexual → assistance room + ПҚО + police notification.
    let table: [Routing; 8] = [
        (
            &["violence_sexual"],
            "high",
            &[
                ("notification", "police"),
                ("referral", "assistance_room"),
                ("referral", "psychological_support_centre"),
            ],
        ),
        (
            &["suicide_risk"],
            "high",
            &[
                ("referral", "psychological_support_centre"),
                ("referral", "mental_health_centre"),
            ],
        ),
        (
            &["suicide_risk"],
            "critical",
            &[
                ("referral", "psychological_support_centre"),
                ("referral", "mental_health_centre"),
                ("notification", "child_rights_department"),
            ],
        ),
        (
            &["bullying"],
            "medium",
            &[
                ("referral", "school"),
                ("referral", "psychological_support_centre"),
            ],
        ),
        (
            &["offending"],
            "medium",
            &[("referral", "commission"), ("notification", "police")],
        ),
        (
            &["addiction"],
            "low",
            &[("referral", "youth_health_centre")],
        ),
        (
            &["early_pregnancy"],
            "high",
            &[
                ("referral", "health"),
                ("referral", "family_support_centre"),
            ],
        ),
        (
            &["without_parental_care", "out_of_school"],
            "medium",
            &[
                ("referral", "guardianship_authority"),
                ("referral", "education_department"),
            ],
        ),
    ];
    // The World's own organisations: the department and the district's family-support centre.
    let mut known = orgs.clone();
    let listed = w
        .app
        .get(
            "/api/v1/organisations?region_code=KZ-71",
            &w.app.admin_token,
        )
        .await;
    for o in listed.body["items"].as_array().unwrap() {
        known.push((
            o["id"].as_str().unwrap().to_string(),
            o["kind"].as_str().unwrap().to_string(),
        ));
    }
    for (i, (concerns, risk, expected)) in table.iter().enumerate() {
        let case = open(&w, &format!("Бала{i}"), concerns, risk, "KZ-71-01").await;
        assert_eq!(
            routed(&w, &case, &known).await,
            set(expected),
            "{concerns:?} at {risk}"
        );
    }
    // The police unit of the child's own district is the one told.
    let case = open(&w, "Дана", &["trafficking"], "high", "KZ-71-01").await;
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}/referrals"), &w.supervisor)
        .await;
    let police: Vec<&Value> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "notification")
        .collect();
    assert_eq!(police.len(), 1);
    assert_eq!(police[0]["to_organisation_id"], police_01.as_str());
}

async fn new_concerns_are_routed_and_missing_organisations_recorded(backend: Backend) {
    let w = World::new(backend).await;
    // No police and no assistance room in Astana yet: gaps, shown on the timeline.
    let case = open(&w, "Аружан", &["neglect"], "high", "KZ-71-01").await;
    let pso = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let before = w
        .app
        .get(&format!("/api/v1/cases/{case}/referrals"), &w.supervisor)
        .await;
    assert_eq!(
        before.body["items"].as_array().unwrap().len(),
        1,
        "ОҚО only"
    );
    patch_case(
        &w,
        &case,
        json!({"concerns": ["neglect", "violence_sexual"]}),
    )
    .await;
    let after = w
        .app
        .get(&format!("/api/v1/cases/{case}/referrals"), &w.supervisor)
        .await;
    let items = after.body["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        2,
        "the ОҚО referral is not repeated: {items:?}"
    );
    assert!(
        items
            .iter()
            .any(|r| r["to_organisation_id"] == pso.as_str())
    );
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    let child = card.body["child_id"].as_str().unwrap();
    let events = w
        .app
        .get(&format!("/api/v1/children/{child}/timeline"), &w.supervisor)
        .await;
    let gaps: BTreeSet<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "routing_gap")
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        gaps,
        BTreeSet::from([
            "No police in the district or region for the mandatory notification",
            "No assistance_room in the district or region for the mandatory referral",
        ])
    );
}

/// A protocol version in force since June 2026 that assigns cases automatically.
pub fn auto_assigning(config: &mut Config) {
    let dir = std::env::temp_dir().join(format!("qorgau-protocols-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let default = include_str!("../../config/protocols/default.toml");
    let version = default
        .replace("version = \"2026.1\"", "version = \"2026.2-auto\"")
        .replace("effective_from = 2026-01-29", "effective_from = 2026-06-01")
        .replace("auto_assign = false", "auto_assign = true");
    assert_ne!(version, default);
    std::fs::write(dir.join("auto.toml"), version).unwrap();
    config.protocols_dir = dir.to_string_lossy().into_owned();
}

async fn auto_assignment_picks_the_least_loaded_manager_of_the_district(backend: Backend) {
    let w = World::on(TestApp::start_with(backend, auto_assigning).await).await;
    let active = w.app.get("/api/v1/protocols/active", &w.supervisor).await;
    assert_eq!(active.body["version"], "2026.2-auto");
    // World's manager (oldest) and a second one at the department; a third in district 02.
    let department = w
        .app
        .get(
            "/api/v1/organisations?kind=child_rights_department&region_code=KZ-71",
            &w.app.admin_token,
        )
        .await;
    let department = department.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (second, _) = w.app.user("cm.two", "case_manager", &department).await;
    let district_office = w
        .app
        .organisation("family_support_centre", "KZ-71", Some("KZ-71-02"))
        .await;
    let (local, _) = w
        .app
        .user("cm.local", "case_manager", &district_office)
        .await;

    let assignee = |case: String| {
        let w = &w;
        async move {
            let card = w
                .app
                .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
                .await;
            assert_eq!(
                find(card.body["deadlines"].as_array().unwrap(), "assignment")["status"],
                "met"
            );
            card.body["assignee_id"].as_str().unwrap().to_string()
        }
    };
    // District 02 has its own manager: both its cases go there, whatever the others' load.
    let a = open(&w, "Бірінші", &["neglect"], "medium", "KZ-71-02").await;
    assert_eq!(assignee(a).await, local);
    let b = open(&w, "Екінші", &["neglect"], "medium", "KZ-71-02").await;
    assert_eq!(assignee(b).await, local);
    // District 01 has none: the region's least-loaded, oldest first on a tie.
    let c = open(&w, "Үшінші", &["neglect"], "medium", "KZ-71-01").await;
    assert_eq!(assignee(c).await, w.manager_id);
    let d = open(&w, "Төртінші", &["neglect"], "medium", "KZ-71-01").await;
    assert_eq!(assignee(d).await, second);
    let e = open(&w, "Бесінші", &["neglect"], "medium", "KZ-71-01").await;
    assert_eq!(assignee(e).await, w.manager_id);
}

/// A mailer speaking SMTP to the test server (no TLS: it is on loopback).
fn count_events(app: &TestApp, kind: &str) -> i64 {
    let mut conn = app.state.db.conn().unwrap();
    timeline::table
        .filter(timeline::kind.eq(kind))
        .count()
        .get_result(&mut conn)
        .unwrap()
}

/// The due time of `case`'s deadline of `kind`, as its card shows it.
async fn due(w: &World, case: &str, kind: &str) -> DateTime<Utc> {
    time(&find(&deadlines_of(w, case).await, kind)["due_at"])
}

async fn worker_reminds_and_escalates_once_through_smtp(backend: Backend) {
    let w = World::new(backend).await;
    // Friday 27 November 2026, 10:00 in Astana (after the signal's observation): a high-risk
    // case, assigned at once. Its first contact is due two working days on (Tuesday), its
    // initial assessment three (Wednesday), a span of five days across the weekend whose last
    // quarter begins on Tuesday morning.
    w.app.at("2026-11-27 05:00");
    let case = open(&w, "Нұрлан", &["bullying"], "high", "KZ-71-01").await;
    w.assign_to_manager(&case).await;
    // An hour after first contact lapsed: an escalation to the region's supervisor, and a
    // reminder to the assignee that the initial assessment is due.
    let lapsed = due(&w, &case, "first_contact").await + Duration::hours(1);
    assert!(lapsed + Duration::hours(30) > due(&w, &case, "initial_assessment").await);
    w.app.clock.set(lapsed);

    let smtp = smtp_server::start().await;
    let mailer = smtp_mailer(smtp.port);
    // On PostgreSQL a second server instance races the first; SQLite runs one worker.
    let mut instances = vec![w.app.state.clone()];
    if backend == Backend::Postgres {
        // On the same clock: instances of one deployment agree on the time.
        let second = AppState::open(test_config(&w.app.db.url))
            .unwrap()
            .with_clock(w.app.clock.clone());
        instances.push(second);
    }
    let passes = instances
        .iter()
        .cycle()
        .take(8)
        .map(|state| worker::tick(state, &mailer));
    let ticks = join_all(passes).await;
    let total = ticks
        .into_iter()
        .map(|t| t.unwrap())
        .fold((0, 0, 0), |acc, t| {
            (acc.0 + t.reminders, acc.1 + t.escalations, acc.2 + t.sent)
        });
    assert_eq!((total.0, total.1), (1, 1), "one reminder, one escalation");
    // Anything still queued goes out on the next passes; nothing is sent twice.
    for state in &instances {
        worker::tick(state, &mailer).await.unwrap();
    }
    let mails = smtp.wait_for(3, StdDuration::from_secs(2)).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let reminder = mails
        .iter()
        .find(|m| m.to == ["cm.astana@example.kz"])
        .expect("the assignee is reminded");
    let escalation = mails
        .iter()
        .find(|m| m.to == ["sup.astana@example.kz"])
        .expect("the supervisor is told");
    let number = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await
        .body["number"]
        .as_str()
        .unwrap()
        .to_string();
    for mail in [reminder, escalation] {
        assert_eq!(mail.from, "no-reply@qorgau.local", "smtp_from");
        let text = mail.text();
        let subject = mail.subject().unwrap();
        assert!(subject.contains(&number), "{subject}");
        assert!(text.contains(&format!("/api/v1/cases/{case}")), "{text}");
        assert!(
            text.contains("Іс:") && text.contains("Дело:"),
            "Kazakh and Russian: {text}"
        );
        for private in ["Нұрлан", "Test", "bullying", "Neighbours", "2014-05-05"] {
            assert!(
                !text.contains(private) && !subject.contains(private),
                "{private} leaked: {text}"
            );
        }
    }
    assert!(escalation.subject().unwrap().contains("срок просрочен"));
    assert!(reminder.subject().unwrap().contains("срок истекает"));

    assert_eq!(count_events(&w.app, "deadline_reminder"), 1);
    assert_eq!(count_events(&w.app, "escalation"), 1);
    let mut conn = w.app.state.db.conn().unwrap();
    let unsent: i64 = outbox::table
        .filter(outbox::sent_at.is_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(unsent, 0);
}

async fn failed_mail_is_retried_later_not_lost(backend: Backend) {
    let w = World::new(backend).await;
    // Monday 30 November 2026, 10:00 in Astana: a high-risk case, assigned at once; an hour
    // after its first contact lapsed (Wednesday), only that deadline is escalated: the initial
    // assessment, due on Thursday, is not yet in its last quarter.
    w.app.at("2026-11-30 05:00");
    let case = open(&w, "Әлия", &["bullying"], "high", "KZ-71-01").await;
    w.assign_to_manager(&case).await;
    w.app
        .clock
        .set(due(&w, &case, "first_contact").await + Duration::hours(1));
    let now = w.app.now();
    // Nobody listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = smtp_mailer(closed.local_addr().unwrap().port());
    drop(closed);
    let first = worker::tick(&w.app.state, &dead).await.unwrap();
    assert_eq!((first.escalations, first.sent, first.failed), (1, 0, 1));
    let mut conn = w.app.state.db.conn().unwrap();
    let (attempts, next, error): (i32, chrono::NaiveDateTime, Option<String>) = outbox::table
        .select((
            outbox::attempts,
            outbox::next_attempt_at,
            outbox::last_error,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(attempts, 1);
    assert!(next > now.naive_utc(), "backed off");
    assert!(error.unwrap().contains("sending mail failed"));
    // Not retried before its time.
    let smtp = smtp_server::start().await;
    let live = smtp_mailer(smtp.port);
    let early = worker::tick(&w.app.state, &live).await.unwrap();
    assert_eq!((early.escalations, early.sent, early.failed), (0, 0, 0));
    // Due again once the back-off has passed: delivered once.
    w.app.clock.set(next.and_utc() + Duration::seconds(1));
    let retried = worker::tick(&w.app.state, &live).await.unwrap();
    assert_eq!((retried.sent, retried.failed), (1, 0));
    assert_eq!(smtp.wait_for(1, StdDuration::from_secs(2)).await.len(), 1);
    assert_eq!(count_events(&w.app, "escalation"), 1);
}
