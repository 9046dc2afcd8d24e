//! My tasks (issue 19, `GET /me/tasks`): per role, the tasks that are theirs appear and go
//! when done; nothing outside their district, region or organisation appears; oldest due
//! first, tasks with no clock after; overdue by the clock; counts per kind over the whole list;
//! pages; the `kind` and `due_before` filters; bad parameters named; no personal data.

use chrono::{Duration, Utc};
use qorgau_domain::lifecycle::FollowUpOutcome;
use qorgau_persistence::follow_ups::{self, FollowUpRow};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backend, invalid_fields};
use crate::on_both_backends;
use crate::world::{World, all_domains, signal};

on_both_backends!(
    intake_triage_hands_the_case_work_to_the_manager,
    supervisor_decides_plans_closures_transfers_and_reopening,
    specialists_see_their_organisations_referrals_and_commission_measures,
    lapsed_deadlines_pages_filters_and_bad_parameters,
);

async fn tasks(w: &World, token: &str, query: &str) -> Value {
    let r = w.app.get(&format!("/api/v1/me/tasks{query}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

/// (kind, subject) of each item, in order.
fn items(list: &Value) -> Vec<(String, String)> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap().to_string(),
                t["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, s)| (k.to_string(), s.to_string()))
        .collect()
}

/// The items of `kind`.
fn of_kind<'a>(list: &'a Value, kind: &str) -> Vec<&'a Value> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == kind)
        .collect()
}

async fn number(w: &World, case: &str) -> String {
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["number"].as_str().unwrap().to_string()
}

async fn move_to(w: &World, token: &str, case: &str, body: Value) {
    let r = w
        .app
        .post(&format!("/api/v1/cases/{case}/transitions"), token, body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

fn now() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn day(offset_days: i64) -> String {
    (Utc::now() + Duration::days(offset_days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Two RFC 3339 instants are the same to the microsecond (what PostgreSQL stores: a response
/// written before storing may carry nanoseconds).
fn assert_same_instant(a: &Value, b: &Value) {
    let at = |v: &Value| {
        v.as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
    };
    let (a, b) = (at(a), at(b));
    assert!((a - b).abs() < Duration::microseconds(1), "{a} ≠ {b}");
}

/// No child's name, concern or signal description anywhere in a task list.
fn no_personal_data(list: &Value, names: &[&str]) {
    let text = list.to_string();
    for needle in names
        .iter()
        .chain(&["Neighbours", "bruises", "violence", "neglect", "Test"])
    {
        assert!(!text.contains(needle), "{needle} in {text}");
    }
}

async fn intake_triage_hands_the_case_work_to_the_manager(backend: Backend) {
    let mut w = World::new(backend).await;
    let child =
        json!({"first_name": "Айгерім", "last_name": "Сапарова", "birth_date": "2014-05-05"});
    let first = w.file(signal(child)).await.body;
    let first_id = first["id"].as_str().unwrap().to_string();
    let mut elsewhere =
        signal(json!({"first_name": "Ерлан", "last_name": "Нұров", "birth_date": "2013-01-01"}));
    elsewhere["district_code"] = json!("KZ-71-02");
    let second = w.file(elsewhere).await.body;
    let second_id = second["id"].as_str().unwrap().to_string();

    // Each district's intake sees its own signal, by its triage clock.
    let mine = tasks(&w, &w.intake, "").await;
    assert_eq!(items(&mine), pairs(&[("triage", &first_id)]));
    let task = &mine["items"][0];
    assert_eq!(task["id"], first_id.as_str());
    assert_eq!(task["signal_id"], first_id.as_str());
    assert!(task["case_id"].is_null());
    assert_eq!(task["link"], format!("/api/v1/signals/{first_id}"));
    assert_eq!(task["label"], "Triage the signal");
    assert_same_instant(&task["due_at"], &first["triage_due_at"]);
    assert_eq!(task["overdue"], false);
    assert_eq!(mine["counts"], json!({"triage": 1}));
    assert_eq!(mine["total"], 1);
    assert!(mine["next_cursor"].is_null());
    no_personal_data(&mine, &["Айгерім", "Сапарова"]);
    let theirs = tasks(&w, &w.intake_elsewhere, "").await;
    assert_eq!(items(&theirs), pairs(&[("triage", &second_id)]));
    // The supervisor's list holds a signal only once its clock has run out.
    let sup = tasks(&w, &w.supervisor, "").await;
    assert_eq!(sup["counts"]["triage"], 0);
    assert!(of_kind(&sup, "triage").is_empty());
    // Roles with no tasks: an empty list, not an error.
    for token in [&w.mobile, &w.app.admin_token] {
        let none = tasks(&w, token, "").await;
        assert_eq!(
            none,
            json!({"items": [], "next_cursor": null, "counts": {}, "total": 0, "as_of": none["as_of"]})
        );
    }

    // A week later both clocks have run out.
    w.later(Duration::days(7)).await;
    let mine = tasks(&w, &w.intake, "").await;
    assert_eq!(mine["items"][0]["overdue"], true);
    let sup = tasks(&w, &w.supervisor, "").await;
    assert_eq!(
        items(&sup)
            .into_iter()
            .filter(|(k, _)| k == "triage")
            .collect::<Vec<_>>(),
        pairs(&[("triage", &first_id), ("triage", &second_id)]),
        "oldest due first"
    );
    assert_eq!(sup["counts"]["triage"], 2);
    let almaty = tasks(&w, &w.almaty_supervisor, "").await;
    assert_eq!(almaty["total"], 0, "{almaty}");

    // Triage opens the case: the intake task goes, the case manager's work arrives.
    let case = w.triage_open(&first_id).await["case_id"]
        .as_str()
        .unwrap()
        .to_string();
    let number = number(&w, &case).await;
    let mine = tasks(&w, &w.intake, "").await;
    assert_eq!(mine["total"], 0);
    assert_eq!(mine["counts"], json!({"triage": 0}));
    let cm = tasks(&w, &w.manager, "").await;
    assert_eq!(
        items(&cm),
        pairs(&[
            ("first_contact", &number),
            ("initial_assessment", &number),
            ("comprehensive_assessment", &number),
        ]),
        "oldest due first (high risk: 2, 3 and 20 working days)"
    );
    let task = &cm["items"][0];
    assert_eq!(task["case_id"], case.as_str());
    assert_eq!(task["link"], format!("/api/v1/cases/{case}"));
    assert_eq!(task["label"], "See the child (first contact)");
    assert_eq!(task["overdue"], false);
    assert_eq!(cm["counts"]["first_contact"], 1);
    assert_eq!(cm["counts"]["plan_returned"], 0);
    assert_eq!(cm["total"], 3);
    no_personal_data(&cm, &["Айгерім", "Сапарова"]);
    // The supervisor: the other signal still lapsed, and the case's routing gap (no police).
    let sup = tasks(&w, &w.supervisor, "").await;
    assert_eq!(
        items(&sup),
        pairs(&[("triage", &second_id), ("routing_gap", &number)])
    );
    let gap = &of_kind(&sup, "routing_gap")[0];
    assert!(gap["due_at"].is_null());
    assert_eq!(gap["overdue"], false);
    assert_eq!(gap["link"], "/api/v1/supervision/routing-gaps");
    no_personal_data(&sup, &["Айгерім", "Сапарова", "Ерлан"]);

    // The child seen: first contact is done.
    let visit = w.app.post(&format!("/api/v1/cases/{case}/interventions"), &w.manager,
        json!({"kind": "home_visit", "assistance_type": "social", "occurred_at": now(), "summary": "Visited", "child_seen": true})).await;
    assert_eq!(visit.status, StatusCode::CREATED, "{:?}", visit.body);
    let cm = tasks(&w, &w.manager, "").await;
    assert_eq!(
        items(&cm),
        pairs(&[
            ("initial_assessment", &number),
            ("comprehensive_assessment", &number),
        ])
    );
    assert_eq!(cm["counts"]["first_contact"], 0);
}

async fn supervisor_decides_plans_closures_transfers_and_reopening(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Дана", false).await;
    let number = number(&w, &case).await;
    let (cm, sup) = (&w.manager, &w.supervisor);
    let kinds_of = |list: &Value| {
        items(list)
            .into_iter()
            .filter(|(_, s)| *s == number)
            .map(|(k, _)| k)
            .collect::<Vec<_>>()
    };

    // Unassigned: the supervisor assigns (a clock), and sees the routing gap (none).
    let list = tasks(&w, sup, "").await;
    assert_eq!(kinds_of(&list), ["assignment", "routing_gap"]);
    assert!(of_kind(&list, "assignment")[0]["due_at"].is_string());
    assert_eq!(list["total"], 2);
    assert_eq!(list["counts"]["assignment"], 1);
    assert!(kinds_of(&tasks(&w, &w.almaty_supervisor, "").await).is_empty());
    w.assign_to_manager(&case).await;
    assert_eq!(kinds_of(&tasks(&w, sup, "").await), ["routing_gap"]);

    // Assessments, then the plan: awaiting the supervisor, returned to the manager, again.
    let initial = w.app.post(&format!("/api/v1/cases/{case}/assessments"), cm,
        json!({"kind": "initial", "summary": "First look", "domains": [{"domain": "safety", "level": "high"}]})).await;
    assert_eq!(initial.status, StatusCode::CREATED, "{:?}", initial.body);
    let comprehensive = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/assessments"),
            cm,
            json!({"kind": "comprehensive", "summary": "Needs", "domains": all_domains()}),
        )
        .await;
    assert_eq!(comprehensive.status, StatusCode::CREATED);
    assert!(kinds_of(&tasks(&w, cm, "").await).contains(&"plan_approval".to_string()));
    let org = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let plan = json!({"goals": [{"title": "Safe at home", "measures": [
        {"kind": "psychological", "description": "Weekly sessions", "responsible_organisation_id": org, "due_date": day(30)}]}]});
    let plan_path = format!("/api/v1/cases/{case}/plan");
    let put_plan = || w.app.put_plan(&case, cm, plan.clone());
    assert_eq!(put_plan().await.status, StatusCode::OK);
    let list = tasks(&w, sup, "").await;
    assert_eq!(kinds_of(&list), ["routing_gap", "plan_decision"]);
    let decision = &of_kind(&list, "plan_decision")[0];
    assert_eq!(decision["link"], format!("/api/v1/cases/{case}/plan"));
    assert!(decision["due_at"].is_null());
    let approval = format!("{plan_path}/approval");
    let decide = |body: Value| w.app.post(&approval, sup, body);
    let rejected = decide(json!({"decision": "reject", "note": "Add school support"})).await;
    assert_eq!(rejected.status, StatusCode::OK, "{:?}", rejected.body);
    assert_eq!(kinds_of(&tasks(&w, sup, "").await), ["routing_gap"]);
    let list = tasks(&w, cm, "").await;
    assert_eq!(list["counts"]["plan_returned"], 1);
    let returned = &of_kind(&list, "plan_returned")[0];
    assert_eq!(returned["subject"], number.as_str());
    assert!(returned["due_at"].is_null());
    assert_eq!(
        kinds_of(&list).last().map(String::as_str),
        Some("plan_returned"),
        "no clock: after those with one"
    );
    assert_eq!(put_plan().await.status, StatusCode::OK);
    assert_eq!(tasks(&w, cm, "").await["counts"]["plan_returned"], 0);
    assert_eq!(tasks(&w, sup, "").await["counts"]["plan_decision"], 1);
    let approved = decide(json!({"decision": "approve"})).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(tasks(&w, sup, "").await["counts"]["plan_decision"], 0);
    let list = tasks(&w, cm, "").await;
    assert_eq!(list["counts"]["plan_approval"], 0);
    assert_eq!(list["counts"]["plan_review"], 1);

    // Closure: awaiting the supervisor, returned, requested again, approved.
    move_to(&w, cm, &case, json!({"to": "in_progress"})).await;
    let request = json!({"to": "closure_requested", "closure_reason": "goals_achieved"});
    move_to(&w, cm, &case, request.clone()).await;
    let list = tasks(&w, sup, "").await;
    let closure = &of_kind(&list, "closure_decision")[0];
    assert_eq!(closure["id"], case.as_str());
    assert_eq!(closure["subject"], number.as_str());
    move_to(
        &w,
        sup,
        &case,
        json!({"to": "in_progress", "reason": "One more visit"}),
    )
    .await;
    assert_eq!(tasks(&w, sup, "").await["counts"]["closure_decision"], 0);
    let list = tasks(&w, cm, "").await;
    let returned = &of_kind(&list, "closure_returned")[0];
    assert_eq!(returned["subject"], number.as_str());
    assert_eq!(returned["link"], format!("/api/v1/cases/{case}"));
    move_to(&w, cm, &case, json!({"to": "monitoring"})).await;
    assert_eq!(tasks(&w, cm, "").await["counts"]["closure_returned"], 1);
    move_to(&w, cm, &case, request).await;
    assert_eq!(tasks(&w, cm, "").await["counts"]["closure_returned"], 0);
    assert_eq!(tasks(&w, sup, "").await["counts"]["closure_decision"], 1);
    move_to(&w, sup, &case, json!({"to": "closed"})).await;
    assert_eq!(tasks(&w, sup, "").await["counts"]["closure_decision"], 0);
    let list = tasks(&w, cm, "").await;
    assert_eq!(
        kinds_of(&list),
        ["follow_up"],
        "the case's other clocks stopped"
    );

    // A follow-up contact found concerns: the supervisor decides whether to reopen.
    let mut conn = w.app.state.db.conn().unwrap();
    let at = w.app.now().naive_utc();
    let contact = |outcome| FollowUpRow {
        id: qorgau_domain::ids::FollowUpId::new(),
        case_id: case.parse().unwrap(),
        occurred_at: at,
        child_seen: true,
        outcome,
        note: "Visited".into(),
        recorded_by: w.manager_id.parse().unwrap(),
        recorded_at: at,
    };
    let concerns = contact(FollowUpOutcome::Concerns);
    follow_ups::insert(&mut conn, &concerns).unwrap();
    let list = tasks(&w, sup, "").await;
    let reopen = &of_kind(&list, "reopen_decision")[0];
    assert_eq!(reopen["id"], concerns.id.to_string());
    assert_eq!(reopen["subject"], number.as_str());
    assert!(
        of_kind(
            &tasks(&w, &w.almaty_supervisor, "").await,
            "reopen_decision"
        )
        .is_empty()
    );
    // A later contact found the child safe: nothing to decide.
    follow_ups::insert(&mut conn, &contact(FollowUpOutcome::Stable)).unwrap();
    assert_eq!(tasks(&w, sup, "").await["counts"]["reopen_decision"], 0);
    follow_ups::insert(&mut conn, &contact(FollowUpOutcome::Concerns)).unwrap();
    assert_eq!(tasks(&w, sup, "").await["counts"]["reopen_decision"], 1);
    drop(conn);
    move_to(
        &w,
        sup,
        &case,
        json!({"to": "assessment", "reason": "Concerns at follow-up"}),
    )
    .await;
    assert_eq!(tasks(&w, sup, "").await["counts"]["reopen_decision"], 0);
    assert_eq!(tasks(&w, cm, "").await["counts"]["follow_up"], 0);

    // A transfer waits for the receiving region's supervisor, not the sending one's.
    let other = w.open_case("Тимур", true).await;
    let other_number = self::number(&w, &other).await;
    let requested = w.app.post(&format!("/api/v1/cases/{other}/transfer"), cm,
        json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "The family moved"})).await;
    assert_eq!(
        requested.status,
        StatusCode::ACCEPTED,
        "{:?}",
        requested.body
    );
    let almaty = tasks(&w, &w.almaty_supervisor, "").await;
    assert_eq!(
        items(&almaty),
        pairs(&[("incoming_transfer", &other_number)])
    );
    assert_eq!(almaty["items"][0]["link"], "/api/v1/transfers");
    assert_eq!(almaty["items"][0]["case_id"], other.as_str());
    assert_eq!(tasks(&w, sup, "").await["counts"]["incoming_transfer"], 0);
    let accepted = w
        .app
        .post(
            &format!("/api/v1/cases/{other}/transfer/accept"),
            &w.almaty_supervisor,
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    let almaty = tasks(&w, &w.almaty_supervisor, "").await;
    assert_eq!(almaty["counts"]["incoming_transfer"], 0);
    no_personal_data(&almaty, &["Тимур", "Дана"]);
}

async fn specialists_see_their_organisations_referrals_and_commission_measures(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Мирас", true).await;
    let number = number(&w, &case).await;
    let psc = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let (_, psy) = w.app.user("psy.one", "specialist", &psc).await;
    let other_psc = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let (_, other_psy) = w.app.user("psy.two", "specialist", &other_psc).await;
    let referral = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/referrals"),
            &w.manager,
            json!({"to_organisation_id": psc, "service": "psychological support", "reason": "anxiety",
                   "consent_override": {"basis": "legal_duty"}}),
        )
        .await;
    assert_eq!(referral.status, StatusCode::CREATED, "{:?}", referral.body);
    let id = referral.body["id"].as_str().unwrap().to_string();

    let list = tasks(&w, &psy, "").await;
    assert_eq!(items(&list), pairs(&[("referral_response", &number)]));
    let task = &list["items"][0];
    assert_eq!(task["id"], id.as_str());
    assert_eq!(task["link"], format!("/api/v1/referrals/{id}"));
    assert_same_instant(&task["due_at"], &referral.body["respond_by"]);
    assert_eq!(
        list["counts"],
        json!({"referral_response": 1, "referral_in_progress": 0})
    );
    no_personal_data(&list, &["Мирас", "anxiety"]);
    let theirs = tasks(&w, &other_psy, "").await;
    assert_eq!(theirs["total"], 0);
    assert_eq!(
        theirs["counts"],
        json!({"referral_response": 0, "referral_in_progress": 0})
    );

    let accept = w
        .app
        .post(&format!("/api/v1/referrals/{id}/accept"), &psy, json!({}))
        .await;
    assert_eq!(accept.status, StatusCode::OK, "{:?}", accept.body);
    let list = tasks(&w, &psy, "").await;
    assert_eq!(items(&list), pairs(&[("referral_in_progress", &number)]));
    assert!(list["items"][0]["due_at"].is_null());
    assert_eq!(list["items"][0]["overdue"], false);
    let complete = w
        .app
        .post(
            &format!("/api/v1/referrals/{id}/complete"),
            &psy,
            json!({"outcome": "Six sessions"}),
        )
        .await;
    assert_eq!(complete.status, StatusCode::OK, "{:?}", complete.body);
    assert_eq!(tasks(&w, &psy, "").await["total"], 0);

    // A commission's staff: the measures it ordered, until carried out.
    let school = w.app.organisation("school", "KZ-71", None).await;
    let commission = w.app.organisation("commission", "KZ-71", None).await;
    let (_, clerk) = w.app.user("kdn.one", "specialist", &commission).await;
    let other_commission = w.app.organisation("commission", "KZ-71", None).await;
    let (_, other_clerk) = w.app.user("kdn.two", "specialist", &other_commission).await;
    let matter = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/commission-matters"),
            &w.manager,
            json!({"commission_organisation_id": commission, "grounds": "Repeated offences"}),
        )
        .await;
    assert_eq!(matter.status, StatusCode::CREATED, "{:?}", matter.body);
    let matter = matter.body["id"].as_str().unwrap();
    let decided = w.app.post(&format!("/api/v1/commission-matters/{matter}/decision"), &w.manager, json!({
        "hearing_date": day(-20), "decision": "Supervision by the school",
        "measures": [
            {"description": "Summer camp place", "responsible_organisation_id": school, "due_date": day(30)},
            {"description": "Weekly report from the school", "responsible_organisation_id": school, "due_date": day(-1)}]})).await;
    assert_eq!(decided.status, StatusCode::OK, "{:?}", decided.body);
    let late = decided.body["measures"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let list = tasks(&w, &clerk, "").await;
    assert_eq!(
        items(&list),
        pairs(&[
            ("commission_measure", &number),
            ("commission_measure", &number)
        ])
    );
    let first = &list["items"][0];
    assert_eq!(first["id"], late.as_str(), "oldest due first");
    assert_eq!(first["overdue"], true);
    // Due at the midnight (UTC+5) after its due date.
    assert_eq!(first["due_at"], format!("{}T19:00:00Z", day(-1)));
    assert_eq!(list["items"][1]["overdue"], false);
    assert_eq!(
        first["link"],
        format!("/api/v1/cases/{case}/commission-matters")
    );
    assert_eq!(list["counts"]["commission_measure"], 2);
    no_personal_data(&list, &["Мирас", "Summer camp", "Weekly report"]);
    assert_eq!(tasks(&w, &other_clerk, "").await["total"], 0);
    assert!(
        tasks(&w, &psy, "").await["counts"]
            .get("commission_measure")
            .is_none(),
        "not a commission"
    );
    let done = w
        .app
        .post(
            &format!("/api/v1/commission-measures/{late}/done"),
            &w.manager,
            json!({"note": "Reports received"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    let list = tasks(&w, &clerk, "").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["overdue"], false);
}

async fn lapsed_deadlines_pages_filters_and_bad_parameters(backend: Backend) {
    let mut w = World::new(backend).await;
    let mut cases = Vec::new();
    for name in ["Бір", "Екі", "Үш"] {
        let case = w.open_case(name, true).await;
        cases.push(number(&w, &case).await);
    }
    let before = tasks(&w, &w.manager, "").await;
    assert_eq!(before["total"], 9, "three deadlines per case");
    assert!(
        before["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["overdue"] == false)
    );

    // Two weeks later, first contact and the initial assessment (5 working days at medium
    // risk) have lapsed on each case; the comprehensive assessment (30) has not.
    w.later(Duration::days(14)).await;
    let cm = tasks(&w, &w.manager, "").await;
    let overdue: Vec<bool> = cm["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["overdue"].as_bool().unwrap())
        .collect();
    assert_eq!(
        overdue,
        [true, true, true, true, true, true, false, false, false]
    );
    let sup = tasks(&w, &w.supervisor, "").await;
    let lapsed = of_kind(&sup, "lapsed_deadline");
    // Also the mandatory referral to the family-support centre (neglect), unanswered: the
    // centre's duty, on the region's list, not the manager's.
    assert_eq!(lapsed.len(), 9, "{sup}");
    assert_eq!(sup["counts"]["lapsed_deadline"], 9);
    let mut kinds: Vec<&str> = lapsed
        .iter()
        .map(|t| t["deadline_kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(
        kinds,
        ["first_contact", "initial_assessment", "referral_response"]
    );
    assert!(lapsed.iter().all(|t| t["overdue"] == true));
    assert!(
        lapsed
            .iter()
            .any(|t| t["label"] == "Deadline lapsed: first contact")
    );
    // Oldest due first, then the routing gaps (no clock), oldest first.
    let due: Vec<&str> = lapsed
        .iter()
        .map(|t| t["due_at"].as_str().unwrap())
        .collect();
    let mut sorted = due.clone();
    sorted.sort_unstable();
    assert_eq!(due, sorted);
    assert_eq!(
        items(&sup)[9..].to_vec(),
        cases
            .iter()
            .map(|n| ("routing_gap".to_string(), n.clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(sup["total"], 12);
    assert_eq!(tasks(&w, &w.almaty_supervisor, "").await["total"], 0);

    // Pages of two walk the same list, the counts on every page.
    for token in [&w.supervisor, &w.manager] {
        let whole = tasks(&w, token, "?limit=500").await;
        let mut walked = Vec::new();
        let mut query = "?limit=2".to_string();
        loop {
            let page = tasks(&w, token, &query).await;
            assert!(page["items"].as_array().unwrap().len() <= 2);
            assert_eq!(page["counts"], whole["counts"]);
            assert_eq!(page["total"], whole["total"]);
            walked.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => query = format!("?limit=2&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(Value::Array(walked), whole["items"]);
    }

    // One kind: the other kinds' counts stay, the total is the kind's.
    let contact = tasks(&w, &w.manager, "?kind=first_contact").await;
    assert_eq!(contact["total"], 3);
    assert_eq!(items(&contact).len(), 3);
    assert!(items(&contact).iter().all(|(k, _)| k == "first_contact"));
    assert_eq!(contact["counts"]["comprehensive_assessment"], 3);
    let page = tasks(&w, &w.manager, "?kind=first_contact&limit=2").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = tasks(
        &w,
        &w.manager,
        &format!("?kind=first_contact&limit=2&cursor={cursor}"),
    )
    .await;
    assert_eq!(items(&rest).len(), 1);
    // A kind that is not the caller's: nothing, not an error.
    assert_eq!(tasks(&w, &w.manager, "?kind=triage").await["total"], 0);
    // Due before now: the lapsed ones only; the gaps (no clock) are never "due before".
    let as_of = cm["as_of"].as_str().unwrap().to_string();
    let encoded = as_of.replace('+', "%2B");
    let lapsed = tasks(&w, &w.manager, &format!("?due_before={encoded}")).await;
    assert_eq!(lapsed["total"], 6);
    assert_eq!(lapsed["counts"]["comprehensive_assessment"], 0);
    let sup_lapsed = tasks(&w, &w.supervisor, &format!("?due_before={encoded}")).await;
    assert_eq!(sup_lapsed["total"], 9);
    assert_eq!(sup_lapsed["counts"]["routing_gap"], 0);

    // Bad parameters are named.
    for (query, field) in [
        ("?kind=nap", "kind"),
        ("?due_before=tomorrow", "due_before"),
        ("?due_before=2026-12-01", "due_before"),
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?cursor=garbage", "cursor"),
        ("?cursor=ZHxub3QtYS10aW1lfHg", "cursor"),
    ] {
        let r = w
            .app
            .get(&format!("/api/v1/me/tasks{query}"), &w.manager)
            .await;
        assert_eq!(invalid_fields(&r), [field], "{query}");
    }
    // No token: 401.
    let anonymous = w
        .app
        .send(Method::GET, "/api/v1/me/tasks", None, None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
