//! The forms of the case page and the plan's editor (docs/console.md): each carried out by the
//! use case of its REST route — checked through the API — refused without its form token
//! (nothing changed), invalid input shown again with the field named in the page's language,
//! a stale plan refused, an out-of-scope case 404; and the page's read-only records.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Browser, Page, forged, refused, send};
use crate::common::Backend;
use crate::on_both_backends;
use crate::world::{World, all_domains, day};

/// `GET path` as the region's supervisor, who sees every case of the region.
async fn api(w: &World, path: &str) -> Value {
    let r = w.app.get(&format!("/api/v1{path}"), &w.supervisor).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
    r.body
}

/// How many items `GET path` lists.
async fn count(w: &World, path: &str) -> usize {
    api(w, path).await["items"].as_array().unwrap().len()
}

async fn status(w: &World, case: &str) -> Value {
    api(w, &format!("/cases/{case}")).await["status"].clone()
}

/// A time `minutes` from the server's now, as a `datetime-local` field takes it (Kazakhstan).
fn local(w: &World, minutes: i64) -> String {
    (w.app.now() + Duration::minutes(minutes))
        .with_timezone(&qorgau_domain::deadline::kazakhstan())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// `POST path` over the API as the case manager; panics unless 201.
async fn created(w: &World, path: &str, body: Value) -> Value {
    let r = w
        .app
        .post(&format!("/api/v1{path}"), &w.manager, body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {:?}", r.body);
    r.body
}

/// Each of `forms` of a case out of the caller's scope answers 404, as the case does in the
/// API.
async fn not_found(b: &mut Browser, page: &Page, case: &str, forms: &[(&str, &[(&str, &str)])]) {
    for (form, fields) in forms {
        let r = send(b, page, &format!("/console/cases/{case}/{form}"), fields).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{form}: {}", r.html);
    }
}

async fn an_assessment_is_recorded_from_the_case_page(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Assel", true).await;
    let mut b = Browser::new(&w);
    b.sign_in("cm.astana").await;
    let path = format!("/console/cases/{case}");
    let target = format!("{path}/assessments");
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let retry = page.form(&target).field("retry");
    let version = page.form(&target).field("version");
    let listed = format!("/cases/{case}/assessments");
    forged(
        &mut b,
        &target,
        &[
            ("version", &version),
            ("retry", &retry),
            ("kind", "initial"),
            ("summary", "Safe"),
        ],
    )
    .await;
    assert_eq!(count(&w, &listed).await, 0);

    // A comprehensive assessment without its summary nor all seven domains: each named, the
    // form shown again open, as typed.
    let bad = send(
        &mut b,
        &page,
        &target,
        &[
            ("version", &version),
            ("retry", &retry),
            ("kind", "comprehensive"),
            ("summary", ""),
            ("level_safety", "high"),
            ("note_safety", "Bruises seen"),
        ],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["assessments-summary", "assessments-domains"],
    );
    assert!(bad.html.contains("Bruises seen"));
    assert!(bad.html.contains("id=\"assessments-form\" open"));
    assert!(bad.html.contains("Бағалаудың қорытындысын жазыңыз"));
    // A need level that is none: named by its domain.
    let bad = send(
        &mut b,
        &page,
        &target,
        &[
            ("version", &version),
            ("retry", &retry),
            ("kind", "initial"),
            ("summary", "Safe"),
            ("level_health", "dire"),
        ],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["assessments-level_health"],
    );
    assert_eq!(count(&w, &listed).await, 0);

    // Recorded as the REST route records it, once even if sent twice: the case moves on to
    // assessment and takes the risk the assessor found.
    let retry = bad.form(&target).field("retry");
    let initial = [
        ("version", version.as_str()),
        ("retry", retry.as_str()),
        ("kind", "initial"),
        ("summary", "Safe for now"),
        ("risk_level", "high"),
        ("level_safety", "medium"),
    ];
    let done = send(&mut b, &page, &target, &initial).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let location = done.location.clone().unwrap();
    assert_eq!(
        location,
        format!("/console/cases/{case}?saved=assessments#assessments")
    );
    let again = send(&mut b, &page, &target, &initial).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
    assert_eq!(count(&w, &listed).await, 1);
    let card = api(&w, &format!("/cases/{case}")).await;
    assert_eq!(
        (card["status"].as_str(), card["risk_level"].as_str()),
        (Some("assessment"), Some("high"))
    );
    let shown = b.get(&location).await;
    assert!(shown.html.contains("Бағалау тіркелді."), "{}", shown.html);
    assert!(shown.html.contains("Safe for now") && shown.html.contains("Бастапқы бағалау"));

    // Comprehensive, every domain found: the case moves on to planning. From the version the
    // first page showed — before the initial assessment moved the case on — it is stale:
    // refused, nothing recorded, the form as typed on the version shown now.
    let retry = shown.form(&target).field("retry");
    let mut full = vec![
        ("version", version.as_str()),
        ("retry", retry.as_str()),
        ("kind", "comprehensive"),
        ("summary", "Needs across domains"),
    ];
    let levels: Vec<String> = all_domains()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("level_{}", d["domain"].as_str().unwrap()))
        .collect();
    full.extend(levels.iter().map(|l| (l.as_str(), "medium")));
    let stale = send(&mut b, &shown, &target, &full).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
    assert!(stale.html.contains("ештеңе сақталмады"), "{}", stale.html);
    assert!(stale.html.contains("Needs across domains"));
    let now = stale.form(&target).field("version");
    assert_ne!(now, version);
    assert_eq!(now, shown.form(&target).field("version"));
    assert_eq!(count(&w, &listed).await, 1);
    assert_eq!(status(&w, &case).await, "assessment");
    full[0].1 = now.as_str();
    let done = send(&mut b, &shown, &target, &full).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(status(&w, &case).await, "planning");

    // Another region's case, or one not hers: not found, nothing recorded.
    let theirs = w.open_case("Erlan", false).await;
    let initial: &[(&str, &str)] = &[("kind", "initial"), ("summary", "x")];
    not_found(&mut b, &page, &theirs, &[("assessments", initial)]).await;
    assert_eq!(count(&w, &format!("/cases/{theirs}/assessments")).await, 0);
    // Nor is there a form of another name.
    not_found(&mut b, &page, &case, &[("no-such-form", &[])]).await;
}

/// The editor's fields for one goal with one measure.
fn goal<'a>(title: &'a str, organisation: &'a str, due: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("goals[0].title", title),
        ("goals[0].measures[0].kind", "social"),
        ("goals[0].measures[0].description", "Family support"),
        (
            "goals[0].measures[0].responsible_organisation_id",
            organisation,
        ),
        ("goals[0].measures[0].due_date", due),
    ]
}

async fn plan(w: &World, case: &str) -> Value {
    api(w, &format!("/cases/{case}/plan")).await
}

async fn the_plan_is_drafted_in_its_editor(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Miras", true).await;
    let centre = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let mut b = Browser::new(&w);
    b.sign_in("cm.astana").await;
    let plan_page = format!("/console/cases/{case}/plan");
    let editor = format!("{plan_page}/draft");
    let case_page = b.get(&format!("/console/cases/{case}")).await;
    assert!(case_page.html.contains(&format!("href=\"{plan_page}\"")));
    let page = b.get(&plan_page).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Жоспар әлі жасалмаған."));
    assert_eq!(page.field("revision"), "", "no plan: the first version");
    let (due, past) = (day(30), day(-2));

    let mut first = goal("Safe at home", &centre, &due);
    first.push(("revision", ""));
    forged(&mut b, &editor, &first).await;
    let none = w
        .app
        .get(&format!("/api/v1/cases/{case}/plan"), &w.manager)
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    // More rows: the editor again as typed, with empty rows to add to; nothing saved.
    let mut more = first.clone();
    more.push(("more", "1"));
    let shown = send(&mut b, &page, &editor, &more).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.html);
    assert!(shown.html.contains("Safe at home"));
    assert!(shown.html.contains("name=\"goals[1].title\""));
    assert!(shown.html.contains("name=\"goals[0].measures[1].kind\""));

    // A measure due in the past and a goal without measures: each named. Rows left empty are
    // no goal (goal 2 is numbered 1 when it comes back).
    let mut bad = goal("Safe at home", &centre, &past);
    bad.extend([
        ("revision", ""),
        ("goals[1].title", ""),
        ("goals[1].measures[0].kind", ""),
        ("goals[2].title", "At school"),
    ]);
    let bad = send(&mut b, &page, &editor, &bad).await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "draft-goals-0-measures-0-due_date",
            "draft-goals-1-measures",
        ],
    );
    assert!(bad.html.contains("value=\"At school\""));

    // Saved: the first version, a draft for the supervisor; the case page shows it.
    let mut good = first.clone();
    good.extend([
        ("goals[1].title", ""),
        ("goals[1].measures[0].due_date", ""),
    ]);
    let done = send(&mut b, &page, &editor, &good).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let location = done.location.unwrap();
    assert_eq!(location, format!("{plan_page}?saved=draft#draft"));
    let drafted = plan(&w, &case).await;
    assert_eq!(
        (drafted["status"].as_str(), drafted["version"].as_i64()),
        (Some("draft"), Some(1))
    );
    assert_eq!(drafted["goals"].as_array().unwrap().len(), 1);
    let shown = b.get(&location).await;
    assert!(
        shown
            .html
            .contains("Жоспар сақталды және бекітуге жіберілді.")
    );
    assert!(shown.html.contains("Safe at home"));

    // The editor opened on version 1; version 2 is written meanwhile: the form of version 1
    // writes nothing, and comes back as typed on the revision shown now.
    let page = b.get(&plan_page).await;
    let revision = page.field("revision");
    assert!(
        page.html.contains("value=\"Safe at home\""),
        "the plan to edit"
    );
    let other = json!({"goals": [{"title": "Safe at home, and at school", "measures": [
        {"kind": "pedagogical", "description": "Tutoring", "responsible_organisation_id": centre, "due_date": due}]}]});
    assert_eq!(
        w.app.put_plan(&case, &w.manager, other).await.status,
        StatusCode::OK
    );
    let mut mine = goal("Safe at home, with the family", &centre, &due);
    mine.push(("revision", &revision));
    let stale = send(&mut b, &page, &editor, &mine).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
    assert!(stale.html.contains("ештеңе сақталмады"), "{}", stale.html);
    assert!(
        stale.html.contains("and at school"),
        "the plan as it is now"
    );
    assert!(
        stale
            .html
            .contains("value=\"Safe at home, with the family\"")
    );
    assert_eq!(plan(&w, &case).await["version"], 2);
    let now = stale.field("revision");
    assert_ne!(now, revision);
    let mut mine = goal("Safe at home, with the family", &centre, &due);
    mine.push(("revision", &now));
    let done = send(&mut b, &page, &editor, &mine).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(plan(&w, &case).await["version"], 3);

    // Another's case: neither its plan's page nor its editor.
    let theirs = w.open_case("Erlan", false).await;
    let their_plan = b.get(&format!("/console/cases/{theirs}/plan")).await;
    assert_eq!(their_plan.status, StatusCode::NOT_FOUND);
    not_found(&mut b, &page, &theirs, &[("plan/draft", &first)]).await;
}

/// The referrals the case team made (the protocol's own routing aside).
async fn referrals(w: &World, case: &str) -> usize {
    api(w, &format!("/cases/{case}/referrals")).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "referral" && r["mandatory"] == false)
        .count()
}

async fn a_consent_then_a_referral_and_the_records_of_the_case(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Dina", true).await;
    let school = w.app.organisation("school", "KZ-71", None).await;
    let commission = w.app.organisation("commission", "KZ-71", None).await;
    let child = api(&w, &format!("/cases/{case}")).await["child_id"]
        .as_str()
        .unwrap()
        .to_string();
    let relations = format!("/children/{child}/relations");
    let relation = |name: &'static str, perpetrator: bool| {
        let body = json!({"full_name": name, "relation": "parent",
            "is_legal_representative": true, "alleged_perpetrator": perpetrator});
        created(&w, &relations, body)
    };
    let father = relation("Aidos Test", true).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mother = relation("Gulnar Test", false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let placement = json!({"type": "temporary_shelter", "started_on": day(-3)});
    created(&w, &format!("/cases/{case}/placements"), placement).await;
    let matter = json!({"commission_organisation_id": commission, "grounds": "Repeated truancy"});
    created(&w, &format!("/cases/{case}/commission-matters"), matter).await;

    let mut b = Browser::new(&w);
    b.sign_in("cm.astana").await;
    let path = format!("/console/cases/{case}");
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    // The records: relations (the alleged perpetrator marked), placements, commission matters.
    for shown in [
        "Gulnar Test",
        "Aidos Test",
        "Зорлық жасады деп күдіктелуші",
        "Уақытша баспана",
        "Repeated truancy",
    ] {
        assert!(page.html.contains(shown), "{shown}: {}", page.html);
    }

    // No consent covers a school: the organisation is named; an override on a court order
    // must say why.
    let to_school = format!("{path}/referrals");
    let retry = page.form(&to_school).field("retry");
    let referral = [
        ("retry", retry.as_str()),
        ("to_organisation_id", school.as_str()),
        ("service", "Tutoring"),
        ("reason", "Falling behind"),
    ];
    let bad = send(&mut b, &page, &to_school, &referral).await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["referrals-to_organisation_id"],
    );
    assert!(bad.html.contains("value=\"Tutoring\""), "as typed");
    let mut overriding = referral.to_vec();
    overriding.push(("consent_override.basis", "court_order"));
    let bad = send(&mut b, &page, &to_school, &overriding).await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["referrals-consent_override-note"],
    );
    forged(&mut b, &to_school, &referral).await;
    assert_eq!(referrals(&w, &case).await, 0);

    // The consent: without its token nothing; without a name, or from the alleged
    // perpetrator, refused and named.
    let consents = format!("{path}/consents");
    let form = page.form(&consents);
    let (csrf, retry, given_at) = (
        page.field("csrf"),
        form.field("retry"),
        form.field("given_at"),
    );
    let consent = |csrf: &str, by: &str, name: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf),
            ("retry", &retry),
            ("given_by_relation_id", by),
            ("given_by_name", name),
            ("relation", "mother"),
            ("services", "on"),
            ("share_with", "school"),
            ("share_with", "health"),
            ("given_at", &given_at),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    for forged in ["", "forged-token"] {
        let r = b
            .post_owned(&consents, &consent(forged, &mother, "Gulnar Test"))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
    }
    let bad = b.post_owned(&consents, &consent(&csrf, "", " ")).await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["consents-given_by_name"],
    );
    let bad = b
        .post_owned(&consents, &consent(&csrf, &father, "Aidos Test"))
        .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["consents-given_by_relation_id"],
    );
    assert_eq!(count(&w, &format!("/cases/{case}/consents")).await, 0);
    let done = b
        .post_owned(&consents, &consent(&csrf, &mother, "Gulnar Test"))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let recorded = api(&w, &format!("/cases/{case}/consents")).await;
    assert_eq!(
        recorded["items"][0]["share_with"],
        json!(["school", "health"])
    );
    assert_eq!(recorded["items"][0]["given_by_relation_id"], json!(mother));
    let shown = b.get(done.location.as_deref().unwrap()).await;
    assert!(shown.html.contains("Келісім тіркелді."), "{}", shown.html);

    // Now the consent covers the school: referred, once even if sent twice.
    let retry = shown.form(&to_school).field("retry");
    let referral = [
        ("retry", retry.as_str()),
        ("to_organisation_id", school.as_str()),
        ("service", "Tutoring"),
        ("reason", "Falling behind"),
        ("urgency", "high"),
    ];
    let done = send(&mut b, &shown, &to_school, &referral).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let again = send(&mut b, &shown, &to_school, &referral).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
    assert_eq!(referrals(&w, &case).await, 1);
    let shown = b.get(done.location.as_deref().unwrap()).await;
    assert!(shown.html.contains("Жолдама жіберілді.") && shown.html.contains("Tutoring"));

    // Another's case: neither form reaches it.
    let theirs = w.open_case("Erlan", false).await;
    let forms: [(&str, &[(&str, &str)]); 2] = [("consents", &referral), ("referrals", &referral)];
    not_found(&mut b, &shown, &theirs, &forms).await;
    assert_eq!(count(&w, &format!("/cases/{theirs}/consents")).await, 0);
}

async fn the_case_moves_on_to_closure_and_a_follow_up(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.with_approved_plan("Timur").await;
    let mut b = Browser::new(&w);
    b.sign_in("cm.astana").await;
    let path = format!("/console/cases/{case}");
    let page = b.get(&path).await;
    // Moved on from the page: the moves the caller may make, as the domain's table has them.
    let moves = format!("{path}/status");
    assert!(page.form(&moves).html.contains("value=\"in_progress\""));
    assert!(
        !page.html.contains(&format!("action=\"{path}/closure\"")),
        "not from planning"
    );
    let version = page.form(&moves).field("version");
    let onward = [("version", version.as_str()), ("to", "in_progress")];
    forged(&mut b, &moves, &onward).await;
    assert_eq!(status(&w, &case).await, "planning");
    // The case changed since the page was read (assigned again): the move is refused, nothing
    // moved, the form as chosen on the version shown now.
    w.assign_to_manager(&case).await;
    let stale = send(&mut b, &page, &moves, &onward).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
    assert!(stale.html.contains("ештеңе сақталмады"), "{}", stale.html);
    assert!(
        stale.html.contains("id=\"status-form\" open"),
        "{}",
        stale.html
    );
    let now = stale.form(&moves).field("version");
    assert_ne!(now, version);
    assert_eq!(status(&w, &case).await, "planning");
    let done = send(
        &mut b,
        &page,
        &moves,
        &[("version", &now), ("to", "in_progress")],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(status(&w, &case).await, "in_progress");

    // The closure request: its reason named when missing, in the page's language; "other"
    // needs an explanation.
    b.accept_language = Some("ru-RU,ru");
    let page = b.get(&path).await;
    let closure = format!("{path}/closure");
    let version = page.form(&closure).field("version");
    let v = ("version", version.as_str());
    let bad = send(&mut b, &page, &closure, &[v, ("closure_reason", "")]).await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["closure-closure_reason"],
    );
    assert!(
        bad.html.contains("Выберите причину закрытия кейса."),
        "{}",
        bad.html
    );
    let bad = send(
        &mut b,
        &page,
        &closure,
        &[v, ("closure_reason", "other"), ("reason", " ")],
    )
    .await;
    refused(&bad, StatusCode::UNPROCESSABLE_ENTITY, &["closure-reason"]);
    forged(&mut b, &closure, &[v, ("closure_reason", "goals_achieved")]).await;
    assert_eq!(status(&w, &case).await, "in_progress");
    // From a version the case no longer has: refused, nothing requested, the reason as chosen.
    let stale = send(
        &mut b,
        &page,
        &closure,
        &[("version", "0"), ("closure_reason", "goals_achieved")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
    assert!(stale.html.contains("ничего не сохранено"), "{}", stale.html);
    assert!(
        stale
            .form(&closure)
            .html
            .contains("value=\"goals_achieved\" selected"),
        "{}",
        stale.html
    );
    assert_eq!(status(&w, &case).await, "in_progress");
    let request = [v, ("closure_reason", "goals_achieved")];
    let done = send(&mut b, &page, &closure, &request).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(status(&w, &case).await, "closure_requested");
    let shown = b.get(done.location.as_deref().unwrap()).await;
    assert!(shown.html.contains("Закрытие запрошено"), "{}", shown.html);
    // Sent again, it is no longer a move the case can make: 409, nothing changed.
    let late = send(&mut b, &page, &closure, &request).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.html);

    // The supervisor closes it from the same page.
    let mut sup = Browser::new(&w);
    sup.sign_in("sup.astana").await;
    let page = sup.get(&path).await;
    assert!(page.form(&moves).html.contains("value=\"closed\""));
    let version = page.form(&moves).field("version");
    let done = send(
        &mut sup,
        &page,
        &moves,
        &[("version", &version), ("to", "closed")],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(status(&w, &case).await, "closed");

    // A follow-up contact, on the closed case.
    let page = b.get(&path).await;
    let follow_ups = format!("{path}/follow-ups");
    let retry = page.form(&follow_ups).field("retry");
    let at = local(&w, 2);
    let bad = send(
        &mut b,
        &page,
        &follow_ups,
        &[
            ("retry", &retry),
            ("occurred_at", &at),
            ("note", "Seen at school"),
        ],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["follow-ups-child_seen", "follow-ups-outcome"],
    );
    let contact = [
        ("retry", retry.as_str()),
        ("occurred_at", at.as_str()),
        ("child_seen", "yes"),
        ("outcome", "stable"),
        ("note", "Seen at school, doing well"),
    ];
    forged(&mut b, &follow_ups, &contact).await;
    let listed = format!("/cases/{case}/follow-ups");
    assert_eq!(count(&w, &listed).await, 0);
    let done = send(&mut b, &page, &follow_ups, &contact).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let again = send(&mut b, &page, &follow_ups, &contact).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
    assert_eq!(count(&w, &listed).await, 1);
    let shown = b.get(done.location.as_deref().unwrap()).await;
    assert!(
        shown.html.contains("Seen at school, doing well"),
        "{}",
        shown.html
    );

    // Another's case: none of these forms reaches it.
    let theirs = w.open_case("Erlan", false).await;
    let forms: [(&str, &[(&str, &str)]); 3] = [
        ("status", &[("to", "assessment")]),
        ("closure", &[("closure_reason", "goals_achieved")]),
        ("follow-ups", &contact),
    ];
    not_found(&mut b, &shown, &theirs, &forms).await;
    assert_eq!(status(&w, &theirs).await, "intake");
}

on_both_backends!(
    an_assessment_is_recorded_from_the_case_page,
    the_plan_is_drafted_in_its_editor,
    a_consent_then_a_referral_and_the_records_of_the_case,
    the_case_moves_on_to_closure_and_a_follow_up,
);
