//! api.md § Supervision and reports: caseloads whose every count is the length of the list its
//! link returns, overdue work oldest first, indicators computed exactly over a month of known
//! history (JSON and CSV), small-cell suppression with complements, trainings, and scope.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use qorgau_domain::iin::Sex;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::report::kazakhstan_date;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_persistence::deadlines::{self as deadline_rows, DeadlineRow};
use qorgau_persistence::schema::{cases, deadlines, signals};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, Response, invalid_fields};
use crate::on_both_backends;
use crate::world::{World, iin, signal};

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn id(r: &Response) -> String {
    r.body["id"].as_str().unwrap().to_string()
}

fn items(r: &Response) -> &Vec<Value> {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"].as_array().unwrap()
}

/// Files a signal about a child (by IIN) in a district of Astana; returns its id.
async fn file(
    w: &World,
    child: (&str, Sex, u32),
    source: &str,
    concerns: &[&str],
    district: &str,
) -> String {
    file_at_urgency(w, child, source, concerns, district, "high").await
}

/// As [`file`], critical: triage is due within the hour.
async fn file_urgent(
    w: &World,
    child: (&str, Sex, u32),
    source: &str,
    concerns: &[&str],
    district: &str,
) -> String {
    file_at_urgency(w, child, source, concerns, district, "critical").await
}

async fn file_at_urgency(
    w: &World,
    child: (&str, Sex, u32),
    source: &str,
    concerns: &[&str],
    district: &str,
    urgency: &str,
) -> String {
    let (birth, sex, serial) = child;
    let mut body = signal(
        json!({"iin": iin(birth, sex, serial), "first_name": "Бала", "last_name": "Тестов",
                                 "birth_date": birth, "sex": sex.as_str()}),
    );
    // Observed an hour before it is filed, whenever the clock says that is.
    body["observed_at"] = json!((w.app.now() - Duration::hours(1)).to_rfc3339());
    body["urgency"] = json!(urgency);
    body["source"] = json!(source);
    body["concerns"] = json!(concerns);
    body["district_code"] = json!(district);
    body["region_code"] = json!(&district[..5]);
    // Each source from an account that may file as it (docs/api.md): the mobile group as
    // itself, the 111 centre through its integration account, other sources by intake.
    let token = match source {
        "mobile_group" => w.mobile.clone(),
        "contact_centre_111" | "qr_111" => integration_111(w).await,
        _ => w.intake.clone(),
    };
    let r = w.app.post("/api/v1/signals", &token, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    id(&r)
}

/// The 111 contact centre's integration account of `w`, made on first use.
async fn integration_111(w: &World) -> String {
    let password = "long enough password";
    let login = w.app.login_pair("line.111", password).await;
    if login.status == StatusCode::OK {
        return login.body["access_token"].as_str().unwrap().to_string();
    }
    let centre = w.app.organisation("contact_centre", "KZ-71", None).await;
    w.app.user("line.111", "integration", &centre).await.1
}

async fn triage(w: &World, token: &str, signal: &str, decision: Value) -> Response {
    let r = w
        .app
        .post(&format!("/api/v1/signals/{signal}/triage"), token, decision)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r
}

fn case_of(r: &Response) -> String {
    r.body["case_id"].as_str().unwrap().to_string()
}

/// GET with `Accept: text/csv`.
pub(crate) async fn csv(w: &World, path: &str, token: &str) -> Response {
    let res = w
        .app
        .http
        .get(format!("{}{path}", w.app.base))
        .bearer_auth(token)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    crate::common::into_response(res).await
}

async fn department_of(w: &World, region: &str) -> String {
    let r = w
        .app
        .get(
            &format!("/api/v1/organisations?kind=child_rights_department&region_code={region}"),
            &w.app.admin_token,
        )
        .await;
    items(&r)[0]["id"].as_str().unwrap().to_string()
}

// ---------------------------------------------------------------------------------------------
// Indicators over March 2025

/// The March 2025 history of Astana behind `kpis_are_exact_for_a_known_month`: every step is
/// taken through the API with the server's clock set to the moment it happened, so the times
/// the indicators measure are the ones the API records. Accounts and organisations are made in
/// the present, so that their access tokens hold at every earlier time of the clock.
pub(crate) struct March {
    pub(crate) w: World,
    analyst: String,
}

/// A successful response's body; panics otherwise.
fn ok(r: Response) -> Value {
    assert!(r.status.is_success(), "{} {:?}", r.status, r.body);
    r.body
}

/// A visit to the child of `case` by its manager, now (on the server's clock).
async fn visit(w: &World, case: &str, child_seen: bool) {
    let body = json!({"kind": "home_visit", "assistance_type": "social", "summary": "Visit",
                      "occurred_at": w.app.now().to_rfc3339(), "child_seen": child_seen});
    let path = format!("/api/v1/cases/{case}/interventions");
    ok(w.app.post(&path, &w.manager, body).await);
}

/// A referral of `case` to `to` on the basis of a legal duty, made by `token`; returns its id.
async fn refer(w: &World, token: &str, case: &str, to: &str) -> String {
    let body = json!({"to_organisation_id": to, "service": "support", "reason": "needs",
                      "consent_override": {"basis": "legal_duty", "note": "Protocol duty"}});
    let path = format!("/api/v1/cases/{case}/referrals");
    ok(w.app.post(&path, token, body).await)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `POST /referrals/{id}/{step}` by `token`.
async fn referral_step(w: &World, token: &str, referral: &str, step: &str, body: Value) {
    let path = format!("/api/v1/referrals/{referral}/{step}");
    ok(w.app.post(&path, token, body).await);
}

/// The manager drafts an individual plan for `case` with one measure of `organisation`.
async fn draft_plan(w: &World, case: &str, organisation: &str) {
    let due = (w.app.now() + Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let plan = json!({"goals": [{"title": "Safe at home", "measures": [
        {"kind": "social", "description": "Family support", "responsible_organisation_id": organisation,
         "due_date": due}]}]});
    ok(w.app.put_plan(case, &w.manager, plan).await);
}

/// The supervisor decides the draft plan of `case`.
async fn decide_plan(w: &World, case: &str, decision: Value) {
    let path = format!("/api/v1/cases/{case}/plan/approval");
    ok(w.app.post(&path, &w.supervisor, decision).await);
}

async fn transition(w: &World, token: &str, case: &str, to: Value) {
    let path = format!("/api/v1/cases/{case}/transitions");
    ok(w.app.post(&path, token, to).await);
}

async fn assess(w: &World, token: &str, case: &str, kind: &str) {
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
    .map(|d| json!({"domain": d, "level": "low"}))
    .collect();
    let body = json!({"kind": kind, "summary": "Assessed", "domains": domains});
    let path = format!("/api/v1/cases/{case}/assessments");
    ok(w.app.post(&path, token, body).await);
}

pub(crate) async fn march_2025(backend: Backend) -> March {
    let w = World::new(backend).await;
    let a = ("2014-05-05", Sex::Female, 11);
    let b = ("2012-01-10", Sex::Male, 22);
    let c = ("2016-07-20", Sex::Female, 33);
    let d = ("2010-03-03", Sex::Male, 44);
    let f = ("2019-09-09", Sex::Female, 55);
    let g = ("2015-01-01", Sex::Male, 66);
    let h = ("2018-02-02", Sex::Male, 77);
    let one = "KZ-71-01";
    let screen =
        json!({"decision": "screen_out", "risk_level": "low", "reason": "Handled by school"});
    let centre = w
        .app
        .get(
            "/api/v1/organisations?kind=family_support_centre&region_code=KZ-71",
            &w.app.admin_token,
        )
        .await;
    let centre = items(&centre)
        .iter()
        .find(|o| o["district_code"] == one)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, centre_staff) = w.app.user("spec.fsc", "specialist", &centre).await;
    integration_111(&w).await;

    // 10 February: C's earlier signal, screened out within the hour; it makes C's March
    // signal a repeat.
    w.app.at("2025-02-10 04:00");
    let s7 = file(&w, c, "mobile_group", &["neglect"], one).await;
    w.app.at("2025-02-10 05:00");
    triage(&w, &w.intake, &s7, screen.clone()).await;

    // 3 March: A's signal, opened as a high-risk case two hours later; the protocol refers A
    // to the district's family-support centre, which accepts six hours on. A first visit does
    // not see the child.
    w.app.at("2025-03-03 04:00");
    let s1 = file(&w, a, "mobile_group", &["neglect"], one).await;
    w.app.at("2025-03-03 06:00");
    let case_a = case_of(
        &triage(
            &w,
            &w.intake,
            &s1,
            json!({"decision": "open_case", "risk_level": "high", "assignee_id": w.manager_id}),
        )
        .await,
    );
    let mandatory = ok(w
        .app
        .get(&format!("/api/v1/cases/{case_a}/referrals"), &w.manager)
        .await);
    let [mandatory] = mandatory["items"].as_array().unwrap().as_slice() else {
        panic!("one mandatory referral: {mandatory:?}");
    };
    assert_eq!(mandatory["to_organisation_id"], centre.as_str());
    let mandatory = mandatory["id"].as_str().unwrap().to_string();
    w.app.at("2025-03-03 10:00");
    visit(&w, &case_a, false).await;
    w.app.at("2025-03-03 12:00");
    referral_step(&w, &centre_staff, &mandatory, "accept", json!({})).await;

    // 4 March: the second visit sees A; B's signal from school, opened unassigned.
    w.app.at("2025-03-04 04:00");
    let s2 = file(&w, b, "school", &["bullying"], one).await;
    visit(&w, &case_a, true).await;
    w.app.at("2025-03-04 08:00");
    let case_b = case_of(
        &triage(
            &w,
            &w.intake,
            &s2,
            json!({"decision": "open_case", "risk_level": "medium"}),
        )
        .await,
    );
    // The ПҚО and the police are registered after B was opened: B's bullying found no ПҚО
    // to be referred to by the protocol.
    w.app.back_to_the_present();
    let psc = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let (spec_psc, psc_staff) = w.app.user("spec.psc", "specialist", &psc).await;
    w.app.organisation("police", "KZ-71", Some(one)).await;

    // 5 March: C's signal through the 111 line, screened out within the hour; A referred to
    // the ПҚО, and found to suffer violence: the protocol notifies the police (a notification,
    // which no referral indicator counts).
    w.app.at("2025-03-05 04:00");
    let s3 = file(
        &w,
        c,
        "contact_centre_111",
        &["neglect", "family_crisis"],
        one,
    )
    .await;
    let declined = refer(&w, &w.manager, &case_a, &psc).await;
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case_a}"), &w.supervisor)
        .await;
    let etag = card.headers["etag"].to_str().unwrap().to_string();
    let patched = w
        .app
        .http
        .patch(format!("{}/api/v1/cases/{case_a}", w.app.base))
        .bearer_auth(&w.supervisor)
        .header("If-Match", etag)
        .json(&json!({"concerns": ["neglect", "violence_physical"]}))
        .send()
        .await
        .unwrap();
    ok(crate::common::into_response(patched).await);
    let notified = ok(w
        .app
        .get(&format!("/api/v1/cases/{case_a}/referrals"), &w.manager)
        .await);
    assert!(
        notified["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "notification"),
        "{notified:?}"
    );
    w.app.at("2025-03-05 05:00");
    triage(&w, &w.intake, &s3, screen).await;

    // 6 March: D's signal from the police, urgent (due within the hour); the ПҚО declines A.
    w.app.at("2025-03-06 04:00");
    let s5 = file_urgent(&w, d, "police", &["other"], one).await;
    referral_step(
        &w,
        &psc_staff,
        &declined,
        "decline",
        json!({"reason": "full"}),
    )
    .await;

    // 7 March: D triaged a day late, opened at low risk; A referred to the ПҚО again (never
    // answered); D's first plan drafted and rejected.
    w.app.at("2025-03-07 04:00");
    let case_d = case_of(
        &triage(
            &w,
            &w.intake,
            &s5,
            json!({"decision": "open_case", "risk_level": "low", "assignee_id": w.manager_id}),
        )
        .await,
    );
    refer(&w, &w.manager, &case_a, &psc).await;
    w.app.at("2025-03-07 09:00");
    draft_plan(&w, &case_d, &centre).await;
    w.app.at("2025-03-07 10:00");
    decide_plan(
        &w,
        &case_d,
        json!({"decision": "reject", "note": "Add school"}),
    )
    .await;

    // 8 March: D's second plan approved; the visit sees D; B referred to the ПҚО, withdrawn
    // the next day.
    w.app.at("2025-03-08 03:00");
    draft_plan(&w, &case_d, &centre).await;
    w.app.at("2025-03-08 04:00");
    decide_plan(&w, &case_d, json!({"decision": "approve"})).await;
    visit(&w, &case_d, true).await;
    let withdrawn = refer(&w, &w.supervisor, &case_b, &psc).await;
    w.app.at("2025-03-09 04:00");
    referral_step(&w, &w.supervisor, &withdrawn, "withdraw", json!({})).await;

    // 10 March: A's second signal, linked to A's case; D's initial assessment.
    w.app.at("2025-03-10 04:00");
    let s4 = file(&w, a, "mobile_group", &["neglect"], one).await;
    assess(&w, &w.manager, &case_d, "initial").await;
    w.app.at("2025-03-10 12:00");
    triage(
        &w,
        &w.intake,
        &s4,
        json!({"decision": "link_case", "risk_level": "high", "case_id": case_a}),
    )
    .await;

    // 12 March: a signal in Almaty.
    w.app.at("2025-03-12 04:00");
    file(&w, g, "mobile_group", &["neglect"], "KZ-75-01").await;

    // 13 March: A's first plan approved (the approval the indicator counts).
    w.app.at("2025-03-13 03:00");
    draft_plan(&w, &case_a, &centre).await;
    w.app.at("2025-03-13 04:00");
    decide_plan(&w, &case_a, json!({"decision": "approve"})).await;

    // 15–20 March: D referred to the family-support centre, accepted after 30 hours and
    // completed; D's comprehensive assessment, and the work under the plan begins.
    w.app.at("2025-03-15 04:00");
    let to_centre = refer(&w, &w.manager, &case_d, &centre).await;
    w.app.at("2025-03-16 10:00");
    referral_step(&w, &centre_staff, &to_centre, "accept", json!({})).await;
    w.app.at("2025-03-18 04:00");
    assess(&w, &w.manager, &case_d, "comprehensive").await;
    transition(&w, &w.manager, &case_d, json!({"to": "in_progress"})).await;

    // 20 March: A's plan revised and approved again; F's signal, not yet triaged.
    w.app.at("2025-03-20 03:00");
    draft_plan(&w, &case_a, &centre).await;
    w.app.at("2025-03-20 04:00");
    decide_plan(&w, &case_a, json!({"decision": "approve"})).await;
    referral_step(
        &w,
        &centre_staff,
        &to_centre,
        "complete",
        json!({"outcome": "Family supported"}),
    )
    .await;
    file(&w, f, "mobile_group", &["violence_physical"], one).await;

    // 24–25 March: D's closure requested and approved.
    w.app.at("2025-03-24 04:00");
    transition(
        &w,
        &w.manager,
        &case_d,
        json!({"to": "closure_requested", "closure_reason": "goals_achieved"}),
    )
    .await;
    w.app.at("2025-03-25 04:00");
    transition(&w, &w.supervisor, &case_d, json!({"to": "closed"})).await;

    // 1 April, 00:00 in Astana: a signal just after the period; on 5 April a referral of A
    // to the ПҚО, accepted within the hour.
    w.app.at("2025-03-31 19:00");
    file(&w, h, "mobile_group", &["neglect"], one).await;
    w.app.at("2025-04-05 04:00");
    let april = refer(&w, &w.manager, &case_a, &psc).await;
    w.app.at("2025-04-05 05:00");
    referral_step(&w, &psc_staff, &april, "accept", json!({})).await;
    w.app.back_to_the_present();

    // Staff: the case manager trained before the period ends, one specialist after, one never.
    let trained = w
        .app
        .post(
            &format!("/api/v1/users/{}/trainings", w.manager_id),
            &w.supervisor,
            json!({"course": "Child rights and protection", "completed_on": "2025-02-01"}),
        )
        .await;
    assert_eq!(trained.status, StatusCode::CREATED, "{:?}", trained.body);
    let later = w
        .app
        .post(
            &format!("/api/v1/users/{spec_psc}/trainings"),
            &w.app.admin_token,
            json!({"course": "Child rights", "completed_on": "2025-05-01"}),
        )
        .await;
    assert_eq!(later.status, StatusCode::CREATED);
    let ministry = w.app.organisation("other", "KZ-71", None).await;
    let (_, analyst) = w.app.user("analyst.om", "analyst", &ministry).await;

    let mut conn = w.app.state.db.conn().unwrap();
    // Deadlines: the protocol's replaced by a known set, the one back-dating left. The deadline
    // indicators are checked against a set that holds every outcome (met on time, met late,
    // lapsed, pending, cancelled, the case's copy of triage), which the protocol does not
    // produce from this history: a plan review still pending at the report's time (the API's
    // lapses 30 days after approval, and each approval restarts it), an initial assessment
    // cancelled on an open case, one referral deadline among A's and D's referrals.
    diesel::delete(deadlines::table.filter(deadlines::case_id.eq_any([&case_a, &case_b, &case_d])))
        .execute(&mut conn)
        .unwrap();
    for (case, kind, starts, due, status, met) in [
        (
            &case_a,
            "triage",
            "2025-03-03 04:00",
            "2025-03-04 00:00",
            "met",
            Some("2025-03-03 06:00"),
        ),
        (
            &case_a,
            "assignment",
            "2025-03-03 06:00",
            "2025-03-03 10:00",
            "met",
            Some("2025-03-03 06:00"),
        ),
        (
            &case_a,
            "first_contact",
            "2025-03-03 06:00",
            "2025-03-05 06:00",
            "met",
            Some("2025-03-04 04:00"),
        ),
        (
            &case_a,
            "initial_assessment",
            "2025-03-03 06:00",
            "2025-03-10 06:00",
            "met",
            Some("2025-03-12 04:00"),
        ),
        (
            &case_a,
            "comprehensive_assessment",
            "2025-03-03 06:00",
            "2025-04-10 06:00",
            "pending",
            None,
        ),
        (
            &case_a,
            "plan_review",
            "2025-03-13 04:00",
            "2099-01-01 00:00",
            "pending",
            None,
        ),
        (
            &case_a,
            "referral_response",
            "2025-03-07 04:00",
            "2025-03-12 04:00",
            "pending",
            None,
        ),
        (
            &case_a,
            "plan_approval",
            "2025-04-02 04:00",
            "2025-04-09 04:00",
            "pending",
            None,
        ),
        (
            &case_b,
            "assignment",
            "2025-03-04 08:00",
            "2025-03-05 08:00",
            "pending",
            None,
        ),
        (
            &case_b,
            "first_contact",
            "2025-03-04 08:00",
            "2025-03-11 08:00",
            "pending",
            None,
        ),
        (
            &case_b,
            "initial_assessment",
            "2025-03-04 08:00",
            "2025-03-11 08:00",
            "cancelled",
            None,
        ),
        (
            &case_d,
            "assignment",
            "2025-03-07 04:00",
            "2025-03-07 05:00",
            "met",
            Some("2025-03-07 04:00"),
        ),
        (
            &case_d,
            "first_contact",
            "2025-03-07 04:00",
            "2025-03-14 04:00",
            "met",
            Some("2025-03-08 04:00"),
        ),
        (
            &case_d,
            "initial_assessment",
            "2025-03-07 04:00",
            "2025-03-14 04:00",
            "met",
            Some("2025-03-10 04:00"),
        ),
        (
            &case_d,
            "follow_up",
            "2025-03-25 04:00",
            "2025-06-23 04:00",
            "pending",
            None,
        ),
    ] {
        let (region_code, district_code, assignee_id) = area_of(&mut conn, case);
        deadline_rows::insert(
            &mut conn,
            &DeadlineRow {
                id: qorgau_domain::ids::DeadlineId::new(),
                case_id: case.parse().expect("a case id"),
                kind: kind.parse().expect("a deadline kind"),
                ref_id: None,
                starts_at: at(starts),
                due_at: at(due),
                status: status.parse().expect("a deadline status"),
                met_at: met.map(at),
                reminded_at: None,
                escalated_at: None,
                region_code,
                district_code,
                assignee_id,
            },
        )
        .unwrap();
    }
    drop(conn);
    March { w, analyst }
}

const MARCH: &str = "/api/v1/reports/kpis?from=2025-03-01&to=2025-03-31";

async fn kpis_are_exact_for_a_known_month(backend: Backend) {
    let March { w, analyst } = march_2025(backend).await;
    let r = w.app.get(MARCH, &w.supervisor).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let k = &r.body;
    assert_eq!(
        (&k["from"], &k["to"], &k["region_code"], &k["district_code"]),
        (
            &json!("2025-03-01"),
            &json!("2025-03-31"),
            &json!("KZ-71"),
            &Value::Null
        )
    );
    assert_eq!(k["small_cells_suppressed"], false);
    // Six signals in March in Astana: not C's February one, not Almaty's, not 1 April's.
    let s = &k["signals"];
    assert_eq!(
        (&s["received"], &s["screened_out"], &s["awaiting_triage"]),
        (&json!(6), &json!(1), &json!(1))
    );
    let nonzero = |v: &Value| -> Value {
        Value::Object(
            v.as_object()
                .unwrap()
                .iter()
                .filter(|(_, n)| **n != json!(0))
                .map(|(k, n)| (k.clone(), n.clone()))
                .collect(),
        )
    };
    assert_eq!(
        nonzero(&s["by_source"]),
        json!({"mobile_group": 3, "school": 1, "contact_centre_111": 1, "police": 1})
    );
    assert_eq!(
        s["by_source"].as_object().unwrap().len(),
        11,
        "every source is listed"
    );
    assert_eq!(
        nonzero(&s["by_concern"]),
        json!({"neglect": 3, "bullying": 1, "family_crisis": 1, "other": 1, "violence_physical": 1})
    );
    let c = &k["cases"];
    assert_eq!((&c["opened"], &c["closed"]), (&json!(3), &json!(1)));
    assert_eq!(nonzero(&c["closure_reasons"]), json!({"goals_achieved": 1}));
    // Triage: 1, 2, 4, 8, 24 h. First contact: 24, 48 h. Plan approval: 240, 48 h.
    let t = &k["times"];
    assert_eq!(
        t["signal_to_triage"],
        json!({"count": 5, "median_hours": 4.0, "p90_hours": 17.6})
    );
    assert_eq!(
        t["signal_to_first_contact"],
        json!({"count": 2, "median_hours": 36.0, "p90_hours": 45.6})
    );
    assert_eq!(
        t["signal_to_plan_approval"],
        json!({"count": 2, "median_hours": 144.0, "p90_hours": 220.8})
    );
    let deadline =
        |started: i64, on_time: i64, late: i64, overdue: i64, pending: i64, share: Value| {
            json!({"started": started, "met_on_time": on_time, "met_late": late, "overdue": overdue,
               "pending": pending, "share_met_on_time": share})
        };
    let d = &k["deadlines"];
    assert_eq!(d["triage"], deadline(6, 4, 1, 1, 0, json!(0.6667)));
    assert_eq!(d["assignment"], deadline(3, 2, 0, 1, 0, json!(0.6667)));
    assert_eq!(d["first_contact"], deadline(3, 2, 0, 1, 0, json!(0.6667)));
    assert_eq!(d["initial_assessment"], deadline(2, 1, 1, 0, 0, json!(0.5)));
    assert_eq!(
        d["comprehensive_assessment"],
        deadline(1, 0, 0, 1, 0, json!(0.0))
    );
    assert_eq!(d["plan_approval"], deadline(0, 0, 0, 0, 0, Value::Null));
    assert_eq!(d["plan_review"], deadline(1, 0, 0, 0, 1, Value::Null));
    assert_eq!(d["referral_response"], deadline(1, 0, 0, 1, 0, json!(0.0)));
    assert_eq!(d["follow_up"], deadline(1, 0, 0, 1, 0, json!(0.0)));
    let refs = &k["referrals"];
    assert_eq!(
        refs["family_support_centre"],
        json!({"sent": 2, "accepted": 2, "declined": 0, "awaiting": 0, "withdrawn": 0, "acceptance_rate": 1.0,
               "response": {"count": 2, "median_hours": 18.0, "p90_hours": 27.6}})
    );
    assert_eq!(
        refs["psychological_support_centre"],
        json!({"sent": 3, "accepted": 0, "declined": 1, "awaiting": 1, "withdrawn": 1, "acceptance_rate": 0.0,
               "response": {"count": 1, "median_hours": 24.0, "p90_hours": 24.0}})
    );
    assert_eq!(
        refs["police"],
        json!({"sent": 0, "accepted": 0, "declined": 0, "awaiting": 0, "withdrawn": 0, "acceptance_rate": null,
               "response": {"count": 0, "median_hours": null, "p90_hours": null}})
    );
    assert_eq!(
        k["repeat_signals"],
        json!({"signals_with_child": 6, "repeat": 2, "share": 0.3333})
    );
    // No household was recorded that month (tests/api/families.rs counts them).
    assert_eq!(
        k["accompaniment"],
        json!({"children": 2, "families": 2, "households": 0})
    );
    assert_eq!(
        k["training"],
        json!({"total": {"staff": 3, "trained": 1, "share": 0.3333},
               "by_role": {"case_manager": {"staff": 1, "trained": 1, "share": 1.0},
                           "specialist": {"staff": 2, "trained": 0, "share": 0.0}}})
    );

    // The same as CSV: one row per indicator.
    let exported = csv(&w, MARCH, &w.supervisor).await;
    assert_eq!(exported.status, StatusCode::OK);
    assert_eq!(exported.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        exported.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("kpis-KZ-71-2025-03-01-2025-03-31.csv")
    );
    let text = exported.body.as_str().unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "indicator,value");
    for expected in [
        "signals.received,6",
        "signals.by_source.mobile_group,3",
        "cases.closure_reasons.goals_achieved,1",
        "times.signal_to_triage.median_hours,4.0",
        "times.signal_to_triage.p90_hours,17.6",
        "deadlines.first_contact.share_met_on_time,0.6667",
        "deadlines.plan_approval.share_met_on_time,",
        "referrals.family_support_centre.response.p90_hours,27.6",
        "repeat_signals.share,0.3333",
        "region_code,KZ-71",
        "district_code,",
        "from,2025-03-01",
        "small_cells_suppressed,false",
        "training.total.share,0.3333",
    ] {
        assert!(rows.contains(&expected), "{expected} missing from\n{text}");
    }
    let leaves = |v: &Value| -> usize {
        fn count(v: &Value) -> usize {
            match v {
                Value::Object(m) => m.values().map(count).sum(),
                _ => 1,
            }
        }
        count(v)
    };
    assert_eq!(rows.len(), 1 + leaves(k), "every JSON value is a CSV row");

    // One district: nothing happened in the second.
    let other = w
        .app
        .get(&format!("{MARCH}&district_code=KZ-71-02"), &w.supervisor)
        .await;
    assert_eq!(other.body["district_code"], "KZ-71-02");
    assert_eq!(other.body["signals"]["received"], 0);
    assert_eq!(other.body["cases"]["opened"], 0);

    // An analyst sees the whole country, every count about children rounded to a multiple of
    // 5 and a count of 1–4 shown as 0, like none (docs/reporting.md § Disclosure control).
    let either = |v: &Value, n: i64| {
        let shown = v.as_i64().unwrap();
        assert!(
            shown == n - n % 5 || shown == n - n % 5 + 5,
            "{n} shown as {shown}"
        );
    };
    let national = w.app.get(MARCH, &analyst).await;
    assert_eq!(national.status, StatusCode::OK, "{:?}", national.body);
    assert_eq!(national.body["region_code"], Value::Null);
    either(&national.body["signals"]["received"], 7); // Almaty's too
    let a = w
        .app
        .get(&format!("{MARCH}&region_code=KZ-71"), &analyst)
        .await
        .body;
    assert_eq!(a["small_cells_suppressed"], true);
    either(&a["signals"]["received"], 6);
    assert_eq!(a["signals"]["screened_out"], 0);
    assert_eq!(a["signals"]["by_source"]["mobile_group"], 0);
    assert_eq!(a["signals"]["by_source"]["qr_111"], 0);
    assert_eq!(
        a["times"]["signal_to_triage"],
        json!({"count": 5, "median_hours": 4.0, "p90_hours": 17.6})
    );
    assert_eq!(
        a["times"]["signal_to_first_contact"],
        json!({"count": 0, "median_hours": null, "p90_hours": null})
    );
    either(&a["deadlines"]["triage"]["started"], 6);
    assert_eq!(a["deadlines"]["triage"]["met_on_time"], 0);
    assert_eq!(
        a["deadlines"]["triage"]["share_met_on_time"],
        Value::Null,
        "a share over 5 or 10 rounded deadlines is noise"
    );
    assert_eq!(
        a["accompaniment"],
        json!({"children": 0, "families": 0, "households": 0})
    );
    assert_eq!(
        a["training"]["total"]["staff"], 3,
        "staff figures are not about children"
    );
    // The same signals give the same number in the aggregates.
    let same = w
        .app
        .get(
            "/api/v1/reports/aggregates?group_by=region&region_code=KZ-71&from=2025-03-01&to=2025-03-31",
            &analyst,
        )
        .await;
    let region_cell = same.body["cells"]
        .as_array()
        .unwrap()
        .first()
        .map_or(json!(0), |c| c["count"].clone());
    assert_eq!(a["signals"]["received"], region_cell);
    // An analyst's period is whole months that have ended.
    let widened = w
        .app
        .get(
            "/api/v1/reports/kpis?from=2025-03-10&to=2025-03-20",
            &analyst,
        )
        .await;
    assert_eq!(
        (&widened.body["from"], &widened.body["to"]),
        (&json!("2025-03-01"), &json!("2025-03-31"))
    );

    // Scope.
    let almaty = w.app.get(MARCH, &w.almaty_supervisor).await;
    assert_eq!(almaty.body["region_code"], "KZ-75");
    assert_eq!(almaty.body["signals"]["received"], 1);
    for path in [
        format!("{MARCH}&region_code=KZ-71"),
        format!("{MARCH}&district_code=KZ-71-01"),
    ] {
        assert_eq!(
            w.app.get(&path, &w.almaty_supervisor).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for token in [&w.manager, &w.intake, &w.mobile, &w.app.admin_token] {
        assert_eq!(w.app.get(MARCH, token).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        w.app
            .get("/api/v1/reports/kpis?region_code=KZ-99", &analyst)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let backwards = w
        .app
        .get(
            "/api/v1/reports/kpis?from=2025-04-01&to=2025-03-01",
            &w.supervisor,
        )
        .await;
    assert_eq!(invalid_fields(&backwards), ["from"]);
    let mismatch = w
        .app
        .get(
            &format!("{MARCH}&region_code=KZ-71&district_code=KZ-75-01"),
            &analyst,
        )
        .await;
    assert_eq!(invalid_fields(&mismatch), ["district_code"]);
}

// ---------------------------------------------------------------------------------------------
// Caseloads and overdue work, now

/// Opens a case about a new child in `district` at `risk`, assigned or not; returns its id.
async fn open(
    w: &World,
    serial: u32,
    risk: &str,
    district: &str,
    assignee: Option<&str>,
) -> String {
    let s = file(
        w,
        ("2013-04-04", Sex::Male, serial * 10),
        "mobile_group",
        &["other"],
        district,
    )
    .await;
    let token = match district {
        "KZ-71-01" => &w.intake,
        "KZ-71-02" => &w.intake_elsewhere,
        _ => &w.almaty_supervisor,
    };
    let mut decision = json!({"decision": "open_case", "risk_level": risk});
    if let Some(a) = assignee {
        decision["assignee_id"] = json!(a);
    }
    case_of(&triage(w, token, &s, decision).await)
}

/// Opens a case as [`open`] does, at the time from which its deadline of `kind` lapses by
/// `by`; the clock is back in the present afterwards. Returns the case and when it opened.
async fn open_lapsed(
    w: &World,
    serial: u32,
    risk: RiskLevel,
    assignee: Option<&str>,
    (kind, by): (DeadlineKind, DateTime<Utc>),
) -> (String, DateTime<Utc>) {
    let opened = w.app.opened_to_lapse(kind, risk, by);
    w.app.clock.set(opened);
    let case = open(w, serial, risk.as_str(), "KZ-71-01", assignee).await;
    w.app.back_to_the_present();
    (case, opened)
}

struct Caseloads {
    w: World,
    second_manager: String,
    cases: [String; 6],
    analyst: String,
}

/// Two managers of Astana and their cases with lapsed work, an unassigned case, untriaged
/// signals; Almaty's case and signal beside them.
async fn caseloads(backend: Backend) -> Caseloads {
    let w = World::new(backend).await;
    let department = department_of(&w, "KZ-71").await;
    let (two, two_token) = w.app.user("cm.two", "case_manager", &department).await;
    let me = w.manager_id.clone();
    // Each case opened in the past (the clock set back) so that its work lapsed, each lapse
    // before the one after it in the list of overdue work; what should not have lapsed by now
    // was done at the time.
    use DeadlineKind::*;
    let hours = Duration::hours;
    // c2: the comprehensive assessment lapsed three hours ago (or on the last working day);
    // the child was seen and the initial assessment (which moves the case to assessment)
    // recorded on the day it opened.
    let opened = w.app.opened_to_lapse(
        ComprehensiveAssessment,
        RiskLevel::Critical,
        w.app.now() - hours(3),
    );
    w.app.clock.set(opened);
    let c2 = open(&w, 2, "critical", "KZ-71-01", Some(&me)).await;
    visit(&w, &c2, true).await;
    assess(&w, &w.manager, &c2, "initial").await;
    w.app.back_to_the_present();
    let comprehensive = w
        .app
        .state
        .deadline(ComprehensiveAssessment, opened, RiskLevel::Critical);
    // c3: first contact lapsed before; the initial assessment, due at the same time, was
    // recorded on the day.
    let opened = w
        .app
        .opened_to_lapse(FirstContact, RiskLevel::Medium, comprehensive - hours(2));
    w.app.clock.set(opened);
    let c3 = open(&w, 3, "medium", "KZ-71-01", Some(&two)).await;
    assess(&w, &two_token, &c3, "initial").await;
    w.app.back_to_the_present();
    let contact = w
        .app
        .state
        .deadline(FirstContact, opened, RiskLevel::Medium);
    // c1: the initial assessment lapsed before that, first contact a working day earlier.
    let (c1, opened) = open_lapsed(
        &w,
        1,
        RiskLevel::High,
        Some(&me),
        (InitialAssessment, contact - hours(2)),
    )
    .await;
    let contact = w.app.state.deadline(FirstContact, opened, RiskLevel::High);
    // c4: never assigned, assignment due before that.
    let (c4, opened) = open_lapsed(
        &w,
        4,
        RiskLevel::Low,
        None,
        (Assignment, contact - hours(2)),
    )
    .await;
    let assignment = w.app.state.deadline(Assignment, opened, RiskLevel::Low);
    // c5: worked through and closed; its follow-up lapsed before that.
    w.app.clock.set(
        w.app
            .opened_to_lapse(FollowUp, RiskLevel::Medium, assignment - hours(2)),
    );
    let c5 = open(&w, 5, "medium", "KZ-71-01", Some(&me)).await;
    assess(&w, &w.manager, &c5, "initial").await;
    assess(&w, &w.manager, &c5, "comprehensive").await;
    draft_plan(&w, &c5, &department).await;
    decide_plan(&w, &c5, json!({"decision": "approve"})).await;
    transition(&w, &w.manager, &c5, json!({"to": "in_progress"})).await;
    transition(
        &w,
        &w.manager,
        &c5,
        json!({"to": "closure_requested", "closure_reason": "goals_achieved"}),
    )
    .await;
    transition(&w, &w.supervisor, &c5, json!({"to": "closed"})).await;
    w.app.back_to_the_present();
    let c6 = open(&w, 6, "low", "KZ-71-02", Some(&me)).await;
    open(&w, 7, "high", "KZ-75-01", None).await;
    for (serial, district) in [(8, "KZ-71-01"), (9, "KZ-71-02"), (10, "KZ-75-01")] {
        file(
            &w,
            ("2011-11-11", Sex::Female, serial * 10),
            "qr_111",
            &["bullying"],
            district,
        )
        .await;
    }
    // A commission decision on c1, heard 25 days ago: one measure overdue, one done, one not
    // yet due.
    let commission_org = w.app.organisation("commission", "KZ-71", None).await;
    let matter = ok(w
        .app
        .post(
            &format!("/api/v1/cases/{c1}/commission-matters"),
            &w.manager,
            json!({"commission_organisation_id": commission_org, "grounds": "offending"}),
        )
        .await);
    let today = kazakhstan_date(w.app.now().naive_utc());
    let measure = |due: NaiveDate| {
        json!({"description": "Measure", "responsible_organisation_id": commission_org,
               "due_date": due.to_string()})
    };
    let decided = ok(w
        .app
        .post(
            &format!(
                "/api/v1/commission-matters/{}/decision",
                matter["id"].as_str().unwrap()
            ),
            &w.manager,
            json!({"hearing_date": (today - Duration::days(25)).to_string(), "decision": "measures",
                   "measures": [measure(today - Duration::days(20)),
                                measure(today - Duration::days(20)), measure(today)]}),
        )
        .await);
    let done = decided["measures"][1]["id"].as_str().unwrap();
    ok(w.app
        .post(
            &format!("/api/v1/commission-measures/{done}/done"),
            &w.manager,
            json!({"note": "Done"}),
        )
        .await);
    let ministry = w.app.organisation("other", "KZ-71", None).await;
    let (_, analyst) = w.app.user("analyst.om", "analyst", &ministry).await;
    Caseloads {
        w,
        second_manager: two,
        cases: [c1, c2, c3, c4, c5, c6],
        analyst,
    }
}

/// Follows every link of a caseload: each list holds exactly as many records as the count.
async fn follow_links(w: &World, load: &Value) {
    let count_at = |link: &str| {
        let path = format!("{link}&limit=500");
        async move {
            let r = w.app.get(&path, &w.supervisor).await;
            assert!(r.body["next_cursor"].is_null());
            items(&r).len() as i64
        }
    };
    for m in load["managers"].as_array().unwrap() {
        let links = &m["links"];
        for (count, link) in [
            (&m["open_cases"], &links["open_cases"]),
            (&m["overdue"], &links["overdue"]),
            (&m["without_contact"], &links["without_contact"]),
            (&m["overdue_items"], &links["overdue_items"]),
        ] {
            let link = link.as_str().unwrap();
            assert_eq!(count_at(link).await, count.as_i64().unwrap(), "{link}");
        }
        for (group, counts) in [
            ("by_risk", &m["by_risk"]),
            ("by_status", &m["by_status"]),
            ("flagged", &m["flagged"]),
        ] {
            for (key, count) in counts.as_object().unwrap() {
                let link = links[group][key].as_str().unwrap();
                assert_eq!(count_at(link).await, count.as_i64().unwrap(), "{link}");
            }
        }
    }
    for key in ["unassigned_cases", "signals_awaiting_triage"] {
        let link = load["links"][key].as_str().unwrap();
        assert_eq!(count_at(link).await, load[key].as_i64().unwrap(), "{link}");
    }
    for (kind, count) in load["flagged"].as_object().unwrap() {
        let link = load["links"]["flagged"][kind].as_str().unwrap();
        assert_eq!(count_at(link).await, count.as_i64().unwrap(), "{link}");
    }
}

async fn caseload_counts_match_their_click_through_lists(backend: Backend) {
    let Caseloads {
        w,
        second_manager,
        analyst,
        ..
    } = caseloads(backend).await;
    let r = w
        .app
        .get("/api/v1/supervision/caseload", &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let load = &r.body;
    assert_eq!(
        (&load["region_code"], &load["district_code"]),
        (&json!("KZ-71"), &Value::Null)
    );
    let managers = load["managers"].as_array().unwrap();
    let names: Vec<&str> = managers
        .iter()
        .map(|m| m["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["cm.astana", "cm.two"],
        "Almaty's staff are not listed"
    );
    let me = &managers[0];
    assert_eq!(me["user_id"], w.manager_id.as_str());
    assert_eq!(me["open_cases"], 3, "c1, c2 and c6; c5 is closed");
    assert_eq!(
        me["by_risk"],
        json!({"critical": 1, "high": 1, "medium": 0, "low": 1})
    );
    assert_eq!(
        me["by_status"],
        json!({"intake": 2, "assessment": 1, "planning": 0, "in_progress": 0, "monitoring": 0, "closure_requested": 0})
    );
    assert_eq!(me["overdue"], 3, "c1, c2 and the closed c5's follow-up");
    assert_eq!(me["without_contact"], 1);
    assert_eq!(
        me["overdue_items"], 5,
        "two deadlines and a measure on c1, one on c2, one on c5"
    );
    assert_eq!(
        me["links"]["overdue"],
        format!(
            "/api/v1/cases?region_code=KZ-71&assignee_id={}&overdue=true",
            w.manager_id
        )
    );
    let two = &managers[1];
    assert_eq!(two["user_id"], second_manager.as_str());
    assert_eq!(
        (
            &two["open_cases"],
            &two["overdue"],
            &two["without_contact"],
            &two["overdue_items"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(1))
    );
    assert_eq!(load["unassigned_cases"], 1, "not Almaty's");
    assert_eq!(load["signals_awaiting_triage"], 2);
    follow_links(&w, load).await;

    // One district.
    let district = w
        .app
        .get(
            "/api/v1/supervision/caseload?district_code=KZ-71-02",
            &w.supervisor,
        )
        .await;
    assert_eq!(district.status, StatusCode::OK);
    let d = &district.body;
    assert_eq!(d["district_code"], "KZ-71-02");
    assert_eq!(d["managers"][0]["open_cases"], 1);
    assert_eq!(d["managers"][0]["overdue"], 0);
    assert_eq!(
        d["managers"][1]["open_cases"], 0,
        "listed with room to spare"
    );
    assert_eq!(
        (&d["unassigned_cases"], &d["signals_awaiting_triage"]),
        (&json!(0), &json!(1))
    );
    follow_links(&w, d).await;

    // Scope: another region's supervisor sees nothing of Astana; other roles may not look.
    let almaty = w
        .app
        .get("/api/v1/supervision/caseload", &w.almaty_supervisor)
        .await;
    assert_eq!(almaty.body["region_code"], "KZ-75");
    assert_eq!(almaty.body["managers"], json!([]));
    assert_eq!(
        (
            &almaty.body["unassigned_cases"],
            &almaty.body["signals_awaiting_triage"]
        ),
        (&json!(1), &json!(1))
    );
    for path in [
        "/api/v1/supervision/caseload?region_code=KZ-71",
        "/api/v1/supervision/caseload?district_code=KZ-71-01",
        "/api/v1/supervision/overdue?region_code=KZ-71",
    ] {
        assert_eq!(
            w.app.get(path, &w.almaty_supervisor).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for token in [
        &w.manager,
        &w.intake,
        &w.mobile,
        &analyst,
        &w.app.admin_token,
    ] {
        for path in [
            "/api/v1/supervision/caseload",
            "/api/v1/supervision/overdue",
        ] {
            assert_eq!(
                w.app.get(path, token).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
    }
    let unknown = w
        .app
        .get(
            "/api/v1/supervision/caseload?district_code=KZ-71-99",
            &w.supervisor,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad_kind = w
        .app
        .get("/api/v1/cases?overdue_kind=lunch", &w.supervisor)
        .await;
    assert_eq!(invalid_fields(&bad_kind), ["overdue_kind"]);
}

async fn overdue_work_is_listed_oldest_first(backend: Backend) {
    let Caseloads {
        w,
        second_manager,
        cases,
        ..
    } = caseloads(backend).await;
    let [c1, c2, c3, c4, c5, _] = &cases;
    let r = w
        .app
        .get("/api/v1/supervision/overdue", &w.supervisor)
        .await;
    let all = items(&r);
    let seen: Vec<(&str, &str)> = all
        .iter()
        .map(|i| (i["case_id"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            (c1.as_str(), "commission_measure"),
            (c5.as_str(), "follow_up"),
            (c4.as_str(), "assignment"),
            (c1.as_str(), "first_contact"),
            (c1.as_str(), "initial_assessment"),
            (c3.as_str(), "first_contact"),
            (c2.as_str(), "comprehensive_assessment"),
        ]
    );
    let dues: Vec<&str> = all.iter().map(|i| i["due_at"].as_str().unwrap()).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
    // A measure due on a date is overdue from the next midnight in Astana (19:00 UTC).
    let measure_due = kazakhstan_date(w.app.now().naive_utc()) - Duration::days(20);
    let measure_at: chrono::DateTime<Utc> = all[0]["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        measure_at.naive_utc(),
        measure_due.and_hms_opt(19, 0, 0).unwrap()
    );
    assert_eq!(all[0]["assignee_id"], w.manager_id.as_str());
    assert_eq!(all[2]["assignee_id"], Value::Null);
    assert_eq!(all[5]["assignee_id"], second_manager.as_str());
    assert_eq!(all[0]["district_code"], "KZ-71-01");
    // Page by page, the same list.
    let mut paged = Vec::new();
    let mut path = "/api/v1/supervision/overdue?limit=1".to_string();
    loop {
        let page = w.app.get(&path, &w.supervisor).await;
        paged.extend(items(&page).iter().map(|i| i["id"].clone()));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/supervision/overdue?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    let ids: Vec<Value> = all.iter().map(|i| i["id"].clone()).collect();
    assert_eq!(paged, ids);
    let mine = w
        .app
        .get(
            &format!("/api/v1/supervision/overdue?assignee_id={}", w.manager_id),
            &w.supervisor,
        )
        .await;
    assert_eq!(items(&mine).len(), 5);
    let second = w
        .app
        .get(
            "/api/v1/supervision/overdue?district_code=KZ-71-02",
            &w.supervisor,
        )
        .await;
    assert!(items(&second).is_empty());
    let bad = w
        .app
        .get(
            "/api/v1/supervision/overdue?cursor=bm90LWEtY3Vyc29y",
            &w.supervisor,
        )
        .await;
    assert_eq!(invalid_fields(&bad), ["cursor"]);
}

// ---------------------------------------------------------------------------------------------
// Aggregates

async fn aggregates_are_rounded_and_leave_small_cells_out(backend: Backend) {
    let w = World::new(backend).await;
    let ministry = w.app.organisation("other", "KZ-71", None).await;
    let (_, analyst) = w.app.user("analyst.om", "analyst", &ministry).await;
    // Filed on 10 December 2025 (11:00 in Astana), in a whole month that has ended.
    w.app.at("2025-12-10 06:00");
    //            neglect  bullying  other
    // KZ-71        12+6       3        8
    // KZ-75          9        6       20
    for (district, concern, n) in [
        ("KZ-71-01", "neglect", 12),
        ("KZ-71-01", "bullying", 3),
        ("KZ-71-02", "other", 8),
        ("KZ-75-01", "neglect", 9),
        ("KZ-75-01", "bullying", 6),
        ("KZ-75-01", "other", 20),
    ] {
        for _ in 0..n {
            let mut body = signal(json!({}));
            body["observed_at"] = json!((w.app.now() - Duration::hours(1)).to_rfc3339());
            body["concerns"] = json!([concern]);
            body["district_code"] = json!(district);
            body["region_code"] = json!(&district[..5]);
            assert_eq!(w.file(body).await.status, StatusCode::CREATED);
        }
    }
    // Children known by birth date and sex: five girls of 11, one boy of 5.
    for serial in 0..5 {
        file(
            &w,
            ("2014-01-15", Sex::Female, 100 + serial * 10),
            "school",
            &["neglect"],
            "KZ-71-01",
        )
        .await;
    }
    file(
        &w,
        ("2020-06-01", Sex::Male, 300),
        "school",
        &["neglect"],
        "KZ-71-01",
    )
    .await;
    w.app.back_to_the_present();
    let get = |query: &str, token: &str| {
        let path = format!("/api/v1/reports/aggregates?{query}");
        let token = token.to_string();
        let w = &w;
        async move {
            let r = w.app.get(&path, &token).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
            r.body
        }
    };
    let cells = |report: &Value| -> Vec<(Vec<String>, i64)> {
        report["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let group: Vec<String> = report["group_by"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| {
                        c["group"][d.as_str().unwrap()]
                            .as_str()
                            .unwrap()
                            .to_string()
                    })
                    .collect();
                (
                    group,
                    c["count"].as_i64().expect("every listed cell has a count"),
                )
            })
            .collect()
    };
    // Published as the truth rounded to a neighbouring multiple of 5, cells of 1–4 left out.
    let rounded = |published: Vec<(Vec<String>, i64)>, truth: &[(&[&str], i64)]| {
        let expected: Vec<Vec<String>> = truth
            .iter()
            .filter(|(_, n)| *n >= 5)
            .map(|(k, _)| k.iter().map(|s| s.to_string()).collect())
            .collect();
        let keys: Vec<Vec<String>> = published.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys, expected, "{published:?}");
        for ((key, p), (_, n)) in published.iter().zip(truth.iter().filter(|(_, n)| *n >= 5)) {
            assert!(
                *p == n - n % 5 || *p == n - n % 5 + 5,
                "{key:?}: {n} published as {p}"
            );
        }
    };
    let december = DECEMBER_2025;
    // The database sums the signals' keys as the domain computes them, on both backends.
    {
        use qorgau_domain::report::aggregate::Dimension;
        use qorgau_domain::report::rounding::Tally;
        use qorgau_domain::report::{Area, Period};
        let mut conn = w.app.state.db.conn().unwrap();
        let ids: Vec<String> = signals::table.select(signals::id).load(&mut conn).unwrap();
        let (from, to) = ("2025-12-01".parse().unwrap(), "2025-12-31".parse().unwrap());
        let summed = qorgau_persistence::reports::aggregate(
            &mut conn,
            &[Dimension::Month],
            &Area::default(),
            &Period { from, to },
        )
        .unwrap();
        assert_eq!(
            summed,
            [(
                vec!["2025-12".to_string()],
                Tally::of(ids.iter().map(String::as_str))
            )]
        );
    }

    let table = get(&format!("group_by=region,concern&{december}"), &analyst).await;
    assert_eq!(table["min_cell"], 5);
    assert_eq!(table["rounding_base"], 5);
    assert_eq!(table["unit"], "signals");
    assert_eq!(table["region_code"], Value::Null);
    rounded(
        cells(&table),
        &[
            (&["KZ-71", "bullying"], 3),
            (&["KZ-71", "neglect"], 18),
            (&["KZ-71", "other"], 8),
            (&["KZ-75", "bullying"], 6),
            (&["KZ-75", "neglect"], 9),
            (&["KZ-75", "other"], 20),
        ],
    );
    rounded(
        cells(&get(&format!("group_by=concern&{december}"), &analyst).await),
        &[(&["bullying"], 9), (&["neglect"], 27), (&["other"], 28)],
    );
    // Age bands and sex come from the registry; signals without a child are "unknown".
    rounded(
        cells(&get(&format!("group_by=age_band,sex&{december}"), &analyst).await),
        &[
            (&["10-14", "female"], 5),
            (&["5-9", "male"], 1),
            (&["unknown", "unknown"], 58),
        ],
    );
    rounded(
        cells(&get(&format!("group_by=month&{december}"), &analyst).await),
        &[(&["2025-12"], 64)],
    );
    // Supervisors get their region, rounded alike: these numbers leave the system.
    rounded(
        cells(
            &get(
                &format!("group_by=source,district&{december}"),
                &w.supervisor,
            )
            .await,
        ),
        &[
            (&["mobile_group", "KZ-71-01"], 15),
            (&["mobile_group", "KZ-71-02"], 8),
            (&["school", "KZ-71-01"], 6),
        ],
    );
    // The same signals always give the same number: asked again, through a filter, in CSV.
    let again = get(
        &format!("group_by=concern,region&region_code=KZ-71&{december}"),
        &analyst,
    )
    .await;
    for (key, n) in cells(&again) {
        let same = cells(&table)
            .into_iter()
            .find(|(k, _)| k[0] == key[1] && k[1] == key[0])
            .map(|(_, n)| n);
        assert_eq!(same, Some(n), "{key:?}");
    }
    let exported = csv(
        &w,
        &format!("/api/v1/reports/aggregates?group_by=region,concern&{december}"),
        &analyst,
    )
    .await;
    assert_eq!(exported.headers["content-type"], "text/csv; charset=utf-8");
    let mut expected = "region,concern,count\n".to_string();
    for (key, n) in cells(&table) {
        expected.push_str(&format!("{},{},{n}\n", key[0], key[1]));
    }
    assert_eq!(exported.body.as_str().unwrap(), expected);

    // Whole months that have ended: a period is widened to its months, and the month under
    // way is left out.
    let widened = get("group_by=region&from=2025-12-15&to=2025-12-20", &analyst).await;
    assert_eq!(
        (&widened["from"], &widened["to"]),
        (&json!("2025-12-01"), &json!("2025-12-31"))
    );
    assert_eq!(
        widened["cells"],
        get(&format!("group_by=region&{december}"), &analyst).await["cells"]
    );
    let today = kazakhstan_date(Utc::now().naive_utc());
    let this_month = today.format("%Y-%m-01").to_string();
    let path = |q: &str| format!("/api/v1/reports/aggregates?{q}");
    assert_eq!(
        invalid_fields(
            &w.app
                .get(
                    &path(&format!("group_by=region&from={this_month}")),
                    &analyst
                )
                .await
        ),
        ["from"]
    );
    let default = get("group_by=region", &analyst).await;
    let last = NaiveDate::parse_from_str(&this_month, "%Y-%m-%d")
        .unwrap()
        .pred_opt()
        .unwrap();
    assert_eq!(default["to"], json!(last.to_string()));

    // Scope and validation.
    assert_eq!(
        w.app
            .get(
                &path("group_by=region&region_code=KZ-71"),
                &w.almaty_supervisor
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for token in [&w.manager, &w.intake, &w.app.admin_token] {
        assert_eq!(
            w.app.get(&path("group_by=region"), token).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        invalid_fields(&w.app.get(&path(""), &analyst).await),
        ["group_by"]
    );
    assert_eq!(
        invalid_fields(&w.app.get(&path("group_by=name"), &analyst).await),
        ["group_by"]
    );
    assert_eq!(
        invalid_fields(&w.app.get(&path("group_by=sex,sex"), &analyst).await),
        ["group_by"]
    );
    assert_eq!(
        invalid_fields(
            &w.app
                .get(&path("group_by=sex&from=1800-01-01"), &analyst)
                .await
        ),
        ["from"]
    );
}

// ---------------------------------------------------------------------------------------------
// Disclosure control across queries (issue 17, finding 4)

/// The period of the differencing attack: a whole month that has ended.
const DECEMBER_2025: &str = "from=2025-12-01&to=2025-12-31";

/// An aggregates query as an analyst; panics unless 200.
async fn aggregate_as(w: &World, token: &str, query: &str) -> Value {
    let path = format!("/api/v1/reports/aggregates?{query}&{DECEMBER_2025}");
    let r = w.app.get(&path, token).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
    r.body
}

/// The published count of the cell whose group has `dim` = `value`, 0 when not listed.
fn published(report: &Value, dim: &str, value: &str) -> i64 {
    report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["group"][dim] == value)
        .map_or(0, |c| {
            c["count"]
                .as_i64()
                .unwrap_or_else(|| panic!("a listed cell without a count: {c}"))
        })
}

/// The attack of the finding, step by step: KZ-71-01 holds 11 signals and KZ-71-02 one, about
/// a boy of 11 with `suicide_risk`; KZ-75-01 holds 6, the complement the old rule chose.
/// Country-wide by district gives KZ-71-01; the region's total minus it gives KZ-71-02; a fine
/// grouping filtered to KZ-71-02 then describes the child. None of it may work: no difference
/// of published numbers is 1–4, and the district of one child answers exactly as a district
/// where nothing happened (KZ-75-02).
async fn differencing_nested_areas_reveals_no_small_count(backend: Backend) {
    let w = World::new(backend).await;
    w.app.district("KZ-75", "KZ-75-02").await;
    let ministry = w.app.organisation("other", "KZ-71", None).await;
    let (_, analyst) = w.app.user("analyst.diff", "analyst", &ministry).await;
    // Filed on 10 December 2025 (11:00 in Astana), in a whole month that has ended.
    w.app.at("2025-12-10 06:00");
    for serial in 0..6 {
        file(
            &w,
            ("2012-08-08", Sex::Male, 200 + serial * 10),
            "police",
            &["neglect"],
            "KZ-75-01",
        )
        .await;
    }
    for serial in 0..11 {
        file(
            &w,
            ("2016-03-03", Sex::Female, 400 + serial * 10),
            "school",
            &["neglect"],
            "KZ-71-01",
        )
        .await;
    }
    file(
        &w,
        ("2014-05-05", Sex::Male, 600),
        "contact_centre_111",
        &["suicide_risk"],
        "KZ-71-02",
    )
    .await;
    w.app.back_to_the_present();

    let by_district = aggregate_as(&w, &analyst, "group_by=district").await;
    let by_region = aggregate_as(&w, &analyst, "group_by=region&region_code=KZ-71").await;
    let first = published(&by_district, "district", "KZ-71-01");
    let region = published(&by_region, "region", "KZ-71");
    let derived = region - first;
    assert!(
        !(1..=4).contains(&derived),
        "KZ-71 {region} − KZ-71-01 {first} gives KZ-71-02 away: {derived}"
    );
    // Every published number is a multiple of 5, and a count of 1–4 is not listed at all.
    for report in [&by_district, &by_region] {
        for cell in report["cells"].as_array().unwrap() {
            let n = cell["count"].as_i64().unwrap_or(-1);
            assert!(n >= 5 && n % 5 == 0, "published {cell}");
        }
    }

    // The indicators give the same numbers: the same subtraction gets nothing either.
    let kpis = |area: &str| {
        let path = format!("/api/v1/reports/kpis?{area}&{DECEMBER_2025}");
        let (w, analyst) = (&w, &analyst);
        async move {
            let r = w.app.get(&path, analyst).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
            r.body
        }
    };
    let region_kpis = kpis("region_code=KZ-71").await;
    let first_kpis = kpis("district_code=KZ-71-01").await;
    let received = |k: &Value| k["signals"]["received"].as_i64().unwrap();
    let derived = received(&region_kpis) - received(&first_kpis);
    assert!(
        !(1..=4).contains(&derived),
        "indicators: KZ-71 {} − KZ-71-01 {} gives KZ-71-02 away: {derived}",
        received(&region_kpis),
        received(&first_kpis)
    );
    assert_eq!(received(&region_kpis), region);
    let second_kpis = kpis("district_code=KZ-71-02").await;
    assert_eq!(second_kpis["signals"]["by_concern"]["suicide_risk"], 0);
    assert_eq!(
        second_kpis["signals"],
        kpis("district_code=KZ-75-02").await["signals"],
        "the district of one child reads as a district of none"
    );

    // The fine grouping filtered to the child's district says nothing about him: it answers
    // exactly as a district where nothing happened.
    let fine = "group_by=sex,age_band,concern,month";
    let of_one_child = aggregate_as(&w, &analyst, &format!("{fine}&district_code=KZ-71-02")).await;
    let of_nobody = aggregate_as(&w, &analyst, &format!("{fine}&district_code=KZ-75-02")).await;
    assert_eq!(of_one_child["cells"], json!([]), "{of_one_child}");
    assert_eq!(of_one_child["cells"], of_nobody["cells"]);
    let exported = csv(
        &w,
        &format!("/api/v1/reports/aggregates?{fine}&district_code=KZ-71-02&{DECEMBER_2025}"),
        &analyst,
    )
    .await;
    assert_eq!(exported.status, StatusCode::OK);
    let text = exported.body.as_str().unwrap();
    assert!(
        !text.contains("suicide_risk") && !text.contains("male"),
        "the export describes the child: {text}"
    );
}

/// Finding 4 generalised: over ten generated years (`qorgau demo`, 400 children, about 1,200
/// signals spread thinly over the country's districts, so small cells abound), seeded random
/// periods, groupings and areas, queried as an analyst. For each combination: every listed
/// count is a positive multiple of 5 within 4 of the truth, listed exactly when the truth is
/// at least 5; the same signals reached through another filter give the same number; and no
/// subtraction between nested areas (country ⊃ region ⊃ district) or nested periods — outer
/// minus one part, or outer minus all the other parts — gives a value from 1 to 4.
async fn random_queries_over_generated_data_never_reveal_a_small_count(backend: Backend) {
    use qorgau_domain::report::aggregate::parse_group_by;
    use qorgau_domain::report::{Area, Period};
    use rand::{Rng, SeedableRng};
    use std::collections::{BTreeMap, BTreeSet};

    let db = crate::common::TestDb::new(backend);
    let credentials = std::env::temp_dir().join(format!("demo-{}.env", uuid::Uuid::new_v4()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qorgau"))
        .args([
            "demo",
            "--scale",
            "small",
            "--children",
            "400",
            "--seed",
            "17",
        ])
        .args(["--end", "2026-11-25T12:00:00Z", "--credentials"])
        .arg(&credentials)
        .env("QORGAU_DATABASE_URL", &db.url)
        .env(
            "QORGAU_DATA_DIR",
            std::env::temp_dir().join("qorgau-disclosure-test"),
        )
        .env("QORGAU_LOG_LEVEL", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&credentials).unwrap();
    let _ = std::fs::remove_file(&credentials);
    let creds: BTreeMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let state = qorgau_api::AppState::open(crate::common::test_config(&db.url)).unwrap();
    let base = crate::common::serve(state.clone());
    let http = crate::common::http_client().build().unwrap();
    let login = crate::common::into_response(
        http.post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": creds["DEMO_ANALYST_USERNAME"],
                          "password": creds["DEMO_ANALYST_PASSWORD"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    let token = login.body["access_token"].as_str().unwrap().to_string();

    let month = |m: u32| -> (NaiveDate, NaiveDate) {
        // Month number m counted from January 2017.
        let first = NaiveDate::from_ymd_opt(2017 + (m / 12) as i32, m % 12 + 1, 1).unwrap();
        let next = first.checked_add_months(chrono::Months::new(1)).unwrap();
        (first, next.pred_opt().unwrap())
    };
    let last_month = 9 * 12 + 9; // October 2026, the last whole month of the history.
    let truth = |group_by: &str, area: &Area, from: NaiveDate, to: NaiveDate| {
        let dims = parse_group_by(group_by).unwrap();
        let mut conn = state.db.conn().unwrap();
        let cells =
            qorgau_persistence::reports::aggregate(&mut conn, &dims, area, &Period { from, to })
                .unwrap();
        cells
            .into_iter()
            .map(|(key, tally)| (key, tally.count))
            .collect::<BTreeMap<Vec<String>, i64>>()
    };
    // Regions with at least two districts that received signals, and those districts.
    let everything = truth(
        "region,district",
        &Area::default(),
        month(0).0,
        month(last_month).1,
    );
    let mut districts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for key in everything.keys() {
        districts
            .entry(key[0].clone())
            .or_default()
            .insert(key[1].clone());
    }
    let regions: Vec<String> = districts.keys().cloned().collect();
    let nested: Vec<String> = districts
        .iter()
        .filter(|(_, ds)| ds.len() >= 2)
        .map(|(r, _)| r.clone())
        .collect();
    assert!(nested.len() >= 5, "{districts:?}");

    let query = |q: String| {
        let http = &http;
        let base = &base;
        let token = &token;
        async move {
            let r = crate::common::into_response(
                http.get(format!("{base}/api/v1/reports/aggregates?{q}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {:?}", r.body);
            // Cell key (in group_by order) → the count, `None` when listed without one.
            let dims: Vec<String> = r.body["group_by"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
                .collect();
            r.body["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let key: Vec<String> = dims
                        .iter()
                        .map(|d| c["group"][d].as_str().unwrap().to_string())
                        .collect();
                    (key, c["count"].as_i64())
                })
                .collect::<BTreeMap<Vec<String>, Option<i64>>>()
        }
    };
    // Outer minus one part, and outer minus all the other parts, per cell: never 1–4. A
    // listed cell without a number (the old suppression) is not a number one can subtract.
    let no_small_difference =
        |what: &str,
         outer: &BTreeMap<Vec<String>, Option<i64>>,
         parts: &[BTreeMap<Vec<String>, Option<i64>>]| {
            let keys: BTreeSet<&Vec<String>> = outer
                .keys()
                .chain(parts.iter().flat_map(|p| p.keys()))
                .collect();
            for key in keys {
                let value =
                    |m: &BTreeMap<Vec<String>, Option<i64>>| m.get(key).copied().unwrap_or(Some(0));
                let Some(o) = value(outer) else { continue };
                let values: Vec<Option<i64>> = parts.iter().map(value).collect();
                for (i, p) in values.iter().enumerate() {
                    let others: Option<i64> = values
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, v)| *v)
                        .sum();
                    for derived in [p.map(|p| o - p), others.map(|s| o - s)]
                        .into_iter()
                        .flatten()
                    {
                        assert!(
                            !(1..=4).contains(&derived),
                            "{what}, cell {key:?}: outer {o}, parts {values:?} give {derived} away"
                        );
                    }
                }
            }
        };

    let mut misrepresented = Vec::new();
    let (mut small, mut rounded) = (0, 0);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let extra = ["concern", "source", "age_band", "sex", "month"];
    for round in 0..24 {
        let start = rng.random_range(0..=last_month);
        let end = (start + rng.random_range(0..36)).min(last_month);
        let (from, to) = (month(start).0, month(end).1);
        let mut dims: Vec<&str> = Vec::new();
        for _ in 0..rng.random_range(0..=2) {
            let d = extra[rng.random_range(0..extra.len())];
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        let region = &nested[rng.random_range(0..nested.len())];
        let in_region: Vec<&String> = districts[region].iter().collect();
        let district = in_region[rng.random_range(0..in_region.len())];
        let with = |first: &str| {
            std::iter::once(first)
                .chain(dims.iter().copied())
                .collect::<Vec<_>>()
                .join(",")
        };
        let period = format!("from={from}&to={to}");
        let what = format!("round {round}: {period}, by {dims:?}, {region} ⊃ {district}");

        let by_region = query(format!("group_by={}&{period}", with("region"))).await;
        let by_district = query(format!("group_by={}&{period}", with("district"))).await;
        let of_region = query(format!(
            "group_by={}&region_code={region}&{period}",
            with("district")
        ))
        .await;
        let region_total = query(format!(
            "group_by={}&region_code={region}&{period}",
            with("region")
        ))
        .await;
        let of_district = query(format!(
            "group_by={}&district_code={district}&{period}",
            with("district")
        ))
        .await;
        // The outer areas, and their parts, as maps from the rest of the key.
        let part = |cells: &BTreeMap<Vec<String>, Option<i64>>, place: &str| {
            cells
                .iter()
                .filter(|(k, _)| k[0] == place)
                .map(|(k, v)| (k[1..].to_vec(), *v))
                .collect::<BTreeMap<Vec<String>, Option<i64>>>()
        };
        let region_cells = part(&region_total, region);
        let district_parts: Vec<_> = in_region.iter().map(|d| part(&of_region, d)).collect();
        no_small_difference(
            &format!("{what}: region − districts"),
            &region_cells,
            &district_parts,
        );
        if !dims.is_empty() {
            let country = query(format!("group_by={}&{period}", dims.join(","))).await;
            let region_parts: Vec<_> = regions.iter().map(|r| part(&by_region, r)).collect();
            no_small_difference(
                &format!("{what}: country − regions"),
                &country,
                &region_parts,
            );
        }
        // Nested periods: the region over the period less its last (or first) month.
        if end > start {
            for (a, b) in [(start, end - 1), (start + 1, end)] {
                let shorter = query(format!(
                    "group_by={}&region_code={region}&from={}&to={}",
                    with("region"),
                    month(a).0,
                    month(b).1
                ))
                .await;
                no_small_difference(
                    &format!("{what}: period − months {a}..={b}"),
                    &region_cells,
                    &[part(&shorter, region)],
                );
            }
        }

        // The same signals give the same number whichever filter reaches them.
        assert_eq!(part(&by_region, region), region_cells, "{what}");
        for d in &in_region {
            assert_eq!(part(&by_district, d), part(&of_region, d), "{what}: {d}");
        }
        assert_eq!(
            part(&by_district, district),
            part(&of_district, district),
            "{what}"
        );

        // Each listed count: a positive multiple of 5, within 4 of the truth, listed exactly
        // when the truth is 5 or more.
        for (group_by, area, cells) in [
            (with("region"), Area::default(), &by_region),
            (with("district"), Area::default(), &by_district),
            (
                with("district"),
                Area {
                    region: Some(region.clone()),
                    district: None,
                },
                &of_region,
            ),
        ] {
            let exact = truth(&group_by, &area, from, to);
            for (key, n) in &exact {
                small += usize::from(*n < 5);
                rounded += usize::from(cells.get(key).copied().flatten().is_some_and(|p| p != *n));
                let fine = match cells.get(key).copied().flatten() {
                    Some(p) => p > 0 && p % 5 == 0 && (p - n).abs() <= 4 && *n >= 5,
                    None => *n < 5 && !cells.contains_key(key),
                };
                if !fine {
                    misrepresented.push(format!(
                        "{what}: {key:?} is {n}, listed as {:?}",
                        cells.get(key)
                    ));
                }
            }
            assert!(cells.keys().all(|k| exact.contains_key(k)), "{what}");
        }
    }
    assert_eq!(misrepresented, Vec::<String>::new());
    // Not vacuous: many small cells were there to hide, and many counts were moved.
    assert!(
        small > 100 && rounded > 100,
        "{small} small, {rounded} rounded"
    );
}

// ---------------------------------------------------------------------------------------------
// Trainings

async fn trainings_are_recorded_by_admins_and_the_regions_supervisor(backend: Backend) {
    let w = World::new(backend).await;
    let path = format!("/api/v1/users/{}/trainings", w.manager_id);
    let body = json!({"course": "Child rights basics", "completed_on": "2026-02-01"});
    let r = w.app.post(&path, &w.supervisor, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["user_id"], w.manager_id.as_str());
    assert_eq!(r.body["course"], "Child rights basics");
    assert_eq!(r.body["completed_on"], "2026-02-01");
    let by_admin = w
        .app
        .post(
            &path,
            &w.app.admin_token,
            json!({"course": "Interviewing children", "completed_on": "2026-03-01"}),
        )
        .await;
    assert_eq!(by_admin.status, StatusCode::CREATED);
    let listed = w.app.get(&path, &w.manager).await;
    assert_eq!(listed.status, StatusCode::OK);
    let courses: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["course"].as_str().unwrap())
        .collect();
    assert_eq!(
        courses,
        ["Interviewing children", "Child rights basics"],
        "most recent first"
    );
    assert_eq!(
        w.app
            .post(&path, &w.almaty_supervisor, body.clone())
            .await
            .status,
        StatusCode::NOT_FOUND,
        "staff of another region"
    );
    for token in [&w.manager, &w.intake] {
        assert_eq!(
            w.app.post(&path, token, body.clone()).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let nobody = format!("/api/v1/users/{}/trainings", uuid::Uuid::new_v4());
    assert_eq!(
        w.app.post(&nobody, &w.supervisor, body).await.status,
        StatusCode::NOT_FOUND
    );
    let tomorrow = (Utc::now() + Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let bad = w
        .app
        .post(
            &path,
            &w.supervisor,
            json!({"course": " ", "completed_on": tomorrow}),
        )
        .await;
    assert_eq!(invalid_fields(&bad), ["course", "completed_on"]);
}

/// Deadlines carry their case's assignee for the caseload's counts: assigning the case moves its
/// lapsed work to the new case manager.
async fn lapsed_work_follows_the_case_to_its_assignee(backend: Backend) {
    let w = World::new(backend).await;
    // Unassigned while its first contact lapsed, five hours ago (or on the last working day).
    let (case, _) = open_lapsed(
        &w,
        1,
        RiskLevel::Medium,
        None,
        (DeadlineKind::FirstContact, w.app.now() - Duration::hours(5)),
    )
    .await;
    w.assign_to_manager(&case).await;
    let load = w
        .app
        .get("/api/v1/supervision/caseload", &w.supervisor)
        .await;
    assert_eq!(load.status, StatusCode::OK, "{:?}", load.body);
    let manager = load.body["managers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == w.manager_id.as_str())
        .expect("the case manager is listed");
    assert_eq!(
        (&manager["overdue"], &manager["without_contact"]),
        (&json!(1), &json!(1))
    );
}

on_both_backends!(
    kpis_are_exact_for_a_known_month,
    caseload_counts_match_their_click_through_lists,
    lapsed_work_follows_the_case_to_its_assignee,
    overdue_work_is_listed_oldest_first,
    aggregates_are_rounded_and_leave_small_cells_out,
    differencing_nested_areas_reveals_no_small_count,
    random_queries_over_generated_data_never_reveal_a_small_count,
    trainings_are_recorded_by_admins_and_the_regions_supervisor,
);

/// The region, district and assignee of a case, which the server copies onto its deadlines.
fn area_of(
    conn: &mut qorgau_persistence::DbConnection,
    case_id: &str,
) -> (String, String, Option<qorgau_domain::ids::UserId>) {
    cases::table
        .find(case_id)
        .select((cases::region_code, cases::district_code, cases::assignee_id))
        .first(conn)
        .unwrap()
}
