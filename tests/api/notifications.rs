//! Notifications (issue 19, docs/notifications.md): each event tells the people it waits on,
//! once, in the event's own transaction — nobody outside scope, never the actor, never a
//! concern, a description or a name; an event refused tells nobody. And the inbox itself: the
//! unread filter, marking read, pages, the email preference and which mail leaves at once.

use chrono::Duration;
use qorgau_persistence::outbox::{self, OutboxRow};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backend, Response, TestApp, USER_PASSWORD, invalid_fields};
use crate::on_both_backends;
use crate::world::{World, move_to, signal};

on_both_backends!(
    referral_events_tell_the_receiver_and_the_case_manager,
    transfer_events_tell_the_receiving_and_the_sending_region,
    plan_events_tell_the_supervisors_and_the_case_manager,
    closure_events_tell_the_supervisors_and_the_case_manager,
    assignment_tells_the_new_assignee,
    automatic_assignment_tells_the_assignee,
    break_glass_tells_the_supervisors_of_the_region,
    notifications_carry_no_concern_description_or_name,
    the_inbox_filters_pages_and_marks_read,
    the_email_preference_is_chosen_and_reset,
    urgent_kinds_are_mailed_at_once_by_default_the_rest_wait,
    an_event_rolled_back_after_notifying_leaves_nothing,
);

/// The caller's notifications, newest first (all of them: the tests stay under a page).
async fn inbox(w: &World, token: &str) -> Vec<Value> {
    let r = w.app.get("/api/v1/me/notifications?limit=500", token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

/// The caller's notifications of `kind` about case number `number`.
async fn about(w: &World, token: &str, kind: &str, number: &str) -> Vec<Value> {
    inbox(w, token)
        .await
        .into_iter()
        .filter(|n| n["kind"] == kind && n["subject"] == number)
        .collect()
}

/// The one notification of `kind` about case `number` the caller has, linking to `link`.
async fn told(w: &World, token: &str, kind: &str, number: &str, link: &str) -> Value {
    let found = about(w, token, kind, number).await;
    assert_eq!(
        found.len(),
        1,
        "exactly one {kind} about {number}: {found:?}"
    );
    let n = found[0].clone();
    assert_eq!(n["link"], link, "{n:?}");
    assert_eq!(n["read"], false, "{n:?}");
    assert_eq!(n["text"], format!("{}: {number}", words(kind)), "{n:?}");
    n
}

/// The English words of a kind, as the notification's text begins.
fn words(kind: &str) -> &'static str {
    qorgau_domain::notification::NotificationKind::from_code(kind)
        .unwrap()
        .words()
        .2
}

async fn not_told(w: &World, token: &str, kind: &str, number: &str) {
    let found = about(w, token, kind, number).await;
    assert!(found.is_empty(), "no {kind} about {number}: {found:?}");
}

/// The case's number (read by the region's supervisor).
async fn number_of(w: &World, case: &str) -> String {
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["number"].as_str().unwrap().to_string()
}

/// The child-rights department of `region` (World made one in KZ-71 and in KZ-75).
async fn department(w: &World, region: &str) -> String {
    let r = w
        .app
        .get(
            &format!("/api/v1/organisations?kind=child_rights_department&region_code={region}"),
            &w.app.admin_token,
        )
        .await;
    r.body["items"][0]["id"].as_str().unwrap().to_string()
}

fn case_link(case: &str) -> String {
    format!("/api/v1/cases/{case}")
}

async fn ok(r: Response) -> Value {
    assert!(r.status.is_success(), "{} {:?}", r.status, r.body);
    r.body
}

/// A POST without a body, for the routes that read none (actix drops a keep-alive connection
/// whose body the handler left unread, and the next request on it fails).
async fn post_empty(w: &World, token: &str, path: &str) -> Response {
    w.app.send(Method::POST, path, Some(token), None).await
}

async fn put(w: &World, token: &str, path: &str, body: Value) -> Response {
    w.app.send(Method::PUT, path, Some(token), Some(body)).await
}

/// Takes `action` on the referral `id` as `token`, with `body` (none when null).
async fn act(w: &World, id: &str, action: &str, token: &str, body: Value) -> Response {
    let path = format!("/api/v1/referrals/{id}/{action}");
    let body = (!body.is_null()).then_some(body);
    w.app.send(Method::POST, &path, Some(token), body).await
}

fn referral(org: &str) -> Value {
    json!({"to_organisation_id": org, "service": "psychological support", "reason": "anxiety",
           "consent_override": {"basis": "legal_duty"}})
}

async fn referral_events_tell_the_receiver_and_the_case_manager(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Алтынай", true).await;
    let number = number_of(&w, &case).await;
    let psc = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let (_, psy) = w.app.user("psy.one", "specialist", &psc).await;
    let (_, psy2) = w.app.user("psy.two", "specialist", &psc).await;
    let school = w
        .app
        .organisation("school", "KZ-71", Some("KZ-71-01"))
        .await;
    let (_, teacher) = w.app.user("school.psy", "specialist", &school).await;
    let referrals = format!("/api/v1/cases/{case}/referrals");

    // Refused — no consent covers the centre and no override is given: nobody is told.
    let refused = w
        .app
        .post(
            &referrals,
            &w.manager,
            json!({"to_organisation_id": psc, "service": "psychological support", "reason": "anxiety"}),
        )
        .await;
    assert_eq!(invalid_fields(&refused), ["to_organisation_id"]);
    assert!(inbox(&w, &psy).await.is_empty(), "a refused referral");

    // Received: every member of the receiving organisation's staff, no one else.
    let first = ok(w.app.post(&referrals, &w.manager, referral(&psc)).await).await;
    let id = first["id"].as_str().unwrap().to_string();
    let link = format!("/api/v1/referrals/{id}");
    for staff in [&psy, &psy2] {
        let n = told(&w, staff, "referral_received", &number, &link).await;
        assert_eq!(n["ref_id"], id.as_str());
        assert_eq!(n["case_id"], case.as_str());
    }
    assert!(inbox(&w, &teacher).await.is_empty(), "another organisation");
    not_told(&w, &w.manager, "referral_received", &number).await;
    not_told(&w, &w.supervisor, "referral_received", &number).await;
    assert_eq!(
        w.app.get(&link, &psy).await.status,
        StatusCode::OK,
        "the link opens the referral for its receiver"
    );

    // Accepted, then completed: the case's manager is told; not the specialist who acted, nor
    // the supervisor of a case that has a manager.
    ok(act(&w, &id, "accept", &psy, Value::Null).await).await;
    told(&w, &w.manager, "referral_accepted", &number, &link).await;
    not_told(&w, &psy, "referral_accepted", &number).await;
    not_told(&w, &w.supervisor, "referral_accepted", &number).await;
    let again = act(&w, &id, "accept", &psy2, Value::Null).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    told(&w, &w.manager, "referral_accepted", &number, &link).await;
    ok(act(
        &w,
        &id,
        "complete",
        &psy,
        json!({"outcome": "Six sessions held"}),
    )
    .await)
    .await;
    told(&w, &w.manager, "referral_completed", &number, &link).await;
    not_told(&w, &psy2, "referral_completed", &number).await;

    // Declined.
    let second = ok(w.app.post(&referrals, &w.manager, referral(&psc)).await).await;
    let second = second["id"].as_str().unwrap().to_string();
    let refused = act(&w, &second, "decline", &psy, json!({})).await;
    assert_eq!(invalid_fields(&refused), ["reason"]);
    not_told(&w, &w.manager, "referral_declined", &number).await;
    ok(act(
        &w,
        &second,
        "decline",
        &psy,
        json!({"reason": "No places until spring"}),
    )
    .await)
    .await;
    let declined = format!("/api/v1/referrals/{second}");
    told(&w, &w.manager, "referral_declined", &number, &declined).await;

    // Withdrawn: the receiving organisation is told, and finds it among its withdrawn referrals
    // (the referral itself is closed to it now).
    let third = ok(w.app.post(&referrals, &w.manager, referral(&psc)).await).await;
    let third = third["id"].as_str().unwrap().to_string();
    ok(act(&w, &third, "withdraw", &w.manager, Value::Null).await).await;
    let withdrawn = "/api/v1/referrals?status=withdrawn";
    for staff in [&psy, &psy2] {
        let n = told(&w, staff, "referral_withdrawn", &number, withdrawn).await;
        assert_eq!(n["ref_id"], third.as_str());
    }
    not_told(&w, &w.manager, "referral_withdrawn", &number).await;
    let listed = ok(w.app.get(withdrawn, &psy).await).await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == third.as_str()),
        "{listed:?}"
    );
    assert!(inbox(&w, &teacher).await.is_empty(), "another organisation");
    assert!(
        inbox(&w, &w.almaty_supervisor).await.is_empty(),
        "another region"
    );

    // A case with no manager yet: its region's supervisors hear the answer.
    let unassigned = w.open_case("Диас", false).await;
    let unassigned_number = number_of(&w, &unassigned).await;
    let r = ok(w
        .app
        .post(
            &format!("/api/v1/cases/{unassigned}/referrals"),
            &w.supervisor,
            referral(&psc),
        )
        .await)
    .await;
    let r = r["id"].as_str().unwrap();
    ok(act(&w, r, "accept", &psy, Value::Null).await).await;
    let link = format!("/api/v1/referrals/{r}");
    told(
        &w,
        &w.supervisor,
        "referral_accepted",
        &unassigned_number,
        &link,
    )
    .await;
    not_told(&w, &w.manager, "referral_accepted", &unassigned_number).await;
}

async fn transfer_events_tell_the_receiving_and_the_sending_region(backend: Backend) {
    let w = World::new(backend).await;
    let astana = department(&w, "KZ-71").await;
    let almaty = department(&w, "KZ-75").await;
    let (_, sup2) = w.app.user("sup.two", "supervisor", &astana).await;
    let (_, almaty_manager) = w.app.user("cm.almaty", "case_manager", &almaty).await;
    let case = w.open_case("Айлин", true).await;
    let number = number_of(&w, &case).await;
    let path = format!("/api/v1/cases/{case}/transfer");
    let to_almaty = json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "The family moved to Almaty"});

    // Refused (the same region): nobody is told.
    let same = w
        .app
        .post(
            &path,
            &w.manager,
            json!({"region_code": "KZ-71", "district_code": "KZ-71-02", "reason": "moved"}),
        )
        .await;
    assert_eq!(invalid_fields(&same), ["region_code"]);
    assert!(inbox(&w, &w.almaty_supervisor).await.is_empty());

    // Requested: the receiving region's supervisors, sent to the incoming transfers.
    let requested = ok(w.app.post(&path, &w.manager, to_almaty.clone()).await).await;
    let transfers = "/api/v1/transfers";
    let n = told(
        &w,
        &w.almaty_supervisor,
        "transfer_requested",
        &number,
        transfers,
    )
    .await;
    assert_eq!(n["ref_id"], requested["id"]);
    let incoming = ok(w.app.get(transfers, &w.almaty_supervisor).await).await;
    assert_eq!(
        incoming["items"][0]["case_id"],
        case.as_str(),
        "the link shows it"
    );
    for token in [&w.supervisor, &sup2, &w.manager, &almaty_manager] {
        not_told(&w, token, "transfer_requested", &number).await;
    }
    let twice = w.app.post(&path, &w.manager, to_almaty).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    told(
        &w,
        &w.almaty_supervisor,
        "transfer_requested",
        &number,
        transfers,
    )
    .await;

    // Accepted: the sending region's supervisors and the case's (former) manager.
    ok(post_empty(&w, &w.almaty_supervisor, &format!("{path}/accept")).await).await;
    for token in [&w.supervisor, &sup2, &w.manager] {
        let n = told(&w, token, "transfer_accepted", &number, &case_link(&case)).await;
        assert_eq!(n["ref_id"], requested["id"]);
    }
    not_told(&w, &w.almaty_supervisor, "transfer_accepted", &number).await;
    not_told(&w, &almaty_manager, "transfer_accepted", &number).await;

    // Declined.
    let other = w.open_case("Асель", true).await;
    let other_number = number_of(&w, &other).await;
    let other_path = format!("/api/v1/cases/{other}/transfer");
    ok(w.app
        .post(
            &other_path,
            &w.manager,
            json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "moving"}),
        )
        .await)
    .await;
    let no_reason = w
        .app
        .post(
            &format!("{other_path}/decline"),
            &w.almaty_supervisor,
            json!({}),
        )
        .await;
    assert_eq!(invalid_fields(&no_reason), ["reason"]);
    not_told(&w, &w.manager, "transfer_declined", &other_number).await;
    ok(w.app
        .post(
            &format!("{other_path}/decline"),
            &w.almaty_supervisor,
            json!({"reason": "The family is not registered here"}),
        )
        .await)
    .await;
    for token in [&w.supervisor, &sup2, &w.manager] {
        told(
            &w,
            token,
            "transfer_declined",
            &other_number,
            &case_link(&other),
        )
        .await;
    }
    not_told(&w, &w.almaty_supervisor, "transfer_declined", &other_number).await;
    assert_eq!(
        w.app.get(&case_link(&other), &w.manager).await.status,
        StatusCode::OK,
        "the link opens the case that stayed"
    );
}

/// A plan with one measure, `org` responsible.
fn plan(org: &str) -> Value {
    let due = (chrono::Utc::now() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    json!({"goals": [{"title": "Safe at home", "measures": [
        {"kind": "psychological", "description": "Weekly sessions", "responsible_organisation_id": org, "due_date": due}]}]})
}

async fn decide_plan(w: &World, token: &str, case: &str, body: Value) -> Response {
    w.app
        .post(&format!("/api/v1/cases/{case}/plan/approval"), token, body)
        .await
}

async fn plan_events_tell_the_supervisors_and_the_case_manager(backend: Backend) {
    let w = World::new(backend).await;
    let department = department(&w, "KZ-71").await;
    let (_, sup2) = w.app.user("sup.two", "supervisor", &department).await;
    let case = w.open_case("Мирас", true).await;
    let number = number_of(&w, &case).await;
    let link = case_link(&case);

    // Refused (its organisation does not exist): nobody is told.
    let bad = w
        .app
        .put_plan(&case, &w.manager, plan(&uuid::Uuid::now_v7().to_string()))
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad.body
    );
    not_told(&w, &w.supervisor, "plan_submitted", &number).await;

    // Submitted: the region's supervisors.
    let v1 = ok(w.app.put_plan(&case, &w.manager, plan(&department)).await).await;
    for token in [&w.supervisor, &sup2] {
        let n = told(&w, token, "plan_submitted", &number, &link).await;
        assert_eq!(n["ref_id"], v1["id"]);
    }
    not_told(&w, &w.manager, "plan_submitted", &number).await;
    not_told(&w, &w.almaty_supervisor, "plan_submitted", &number).await;

    // Returned: the case's manager, not the deciding supervisor nor the other one.
    ok(decide_plan(
        &w,
        &w.supervisor,
        &case,
        json!({"decision": "reject", "note": "Add school support"}),
    )
    .await)
    .await;
    let n = told(&w, &w.manager, "plan_returned", &number, &link).await;
    assert_eq!(n["ref_id"], v1["id"]);
    not_told(&w, &w.supervisor, "plan_returned", &number).await;
    not_told(&w, &sup2, "plan_returned", &number).await;

    // Approved.
    let v2 = ok(w.app.put_plan(&case, &w.manager, plan(&department)).await).await;
    assert_eq!(about(&w, &sup2, "plan_submitted", &number).await.len(), 2);
    ok(decide_plan(&w, &sup2, &case, json!({"decision": "approve"})).await).await;
    let n = told(&w, &w.manager, "plan_approved", &number, &link).await;
    assert_eq!(n["ref_id"], v2["id"]);
    let none_left = decide_plan(&w, &w.supervisor, &case, json!({"decision": "approve"})).await;
    assert_eq!(none_left.status, StatusCode::CONFLICT);
    told(&w, &w.manager, "plan_approved", &number, &link).await;

    // A case without a manager, its plan drafted by a supervisor: the other supervisors are
    // told, not the one who drafted it; the decision goes to the supervisors in the manager's
    // stead (not to the one who decided).
    let unassigned = w.open_case("Диас", false).await;
    let other = number_of(&w, &unassigned).await;
    let other_link = case_link(&unassigned);
    ok(w.app
        .put_plan(&unassigned, &w.supervisor, plan(&department))
        .await)
    .await;
    told(&w, &sup2, "plan_submitted", &other, &other_link).await;
    not_told(&w, &w.supervisor, "plan_submitted", &other).await;
    ok(decide_plan(&w, &sup2, &unassigned, json!({"decision": "approve"})).await).await;
    told(&w, &w.supervisor, "plan_approved", &other, &other_link).await;
    not_told(&w, &sup2, "plan_approved", &other).await;
    not_told(&w, &w.manager, "plan_approved", &other).await;
}

/// Takes an assigned case through its assessments and an approved plan to `in_progress`.
async fn to_in_progress(w: &World, case: &str, org: &str) {
    let cm = &w.manager;
    let assessments = format!("/api/v1/cases/{case}/assessments");
    ok(w.app
        .post(
            &assessments,
            cm,
            json!({"kind": "initial", "summary": "Safe for now", "domains": [{"domain": "safety", "level": "high"}]}),
        )
        .await)
    .await;
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
    ok(w.app
        .post(
            &assessments,
            cm,
            json!({"kind": "comprehensive", "summary": "Needs across domains", "domains": domains}),
        )
        .await)
    .await;
    ok(w.app.put_plan(case, cm, plan(org)).await).await;
    ok(decide_plan(w, &w.supervisor, case, json!({"decision": "approve"})).await).await;
    let moved = ok(move_to(w, cm, case, json!({"to": "in_progress"})).await).await;
    assert_eq!(moved["status"], "in_progress");
}

async fn closure_events_tell_the_supervisors_and_the_case_manager(backend: Backend) {
    let w = World::new(backend).await;
    let department = department(&w, "KZ-71").await;
    let (_, sup2) = w.app.user("sup.two", "supervisor", &department).await;
    let case = w.open_case("Жансая", true).await;
    let number = number_of(&w, &case).await;
    let link = case_link(&case);
    to_in_progress(&w, &case, &department).await;
    let request = json!({"to": "closure_requested", "closure_reason": "goals_achieved"});

    // Refused moves tell nobody: a wrong state (409), a missing reason (422).
    let wrong = move_to(&w, &w.manager, &case, json!({"to": "intake"})).await;
    assert_eq!(wrong.status, StatusCode::CONFLICT, "{:?}", wrong.body);
    let no_reason = move_to(&w, &w.manager, &case, json!({"to": "closure_requested"})).await;
    assert_eq!(invalid_fields(&no_reason), ["closure_reason"]);
    not_told(&w, &w.supervisor, "closure_requested", &number).await;

    // Requested: the region's supervisors.
    ok(move_to(&w, &w.manager, &case, request.clone()).await).await;
    for token in [&w.supervisor, &sup2] {
        let n = told(&w, token, "closure_requested", &number, &link).await;
        assert!(n["ref_id"].is_null());
    }
    not_told(&w, &w.manager, "closure_requested", &number).await;
    not_told(&w, &w.almaty_supervisor, "closure_requested", &number).await;

    // Returned: the case's manager.
    ok(move_to(
        &w,
        &w.supervisor,
        &case,
        json!({"to": "in_progress", "reason": "One more visit first"}),
    )
    .await)
    .await;
    told(&w, &w.manager, "closure_returned", &number, &link).await;
    not_told(&w, &sup2, "closure_returned", &number).await;
    not_told(&w, &w.supervisor, "closure_returned", &number).await;

    // Requested again and approved.
    ok(move_to(&w, &w.manager, &case, request).await).await;
    assert_eq!(
        about(&w, &sup2, "closure_requested", &number).await.len(),
        2
    );
    ok(move_to(&w, &sup2, &case, json!({"to": "closed"})).await).await;
    told(&w, &w.manager, "closure_approved", &number, &link).await;
    not_told(&w, &sup2, "closure_approved", &number).await;
    not_told(&w, &w.supervisor, "closure_approved", &number).await;
    let twice = move_to(&w, &w.supervisor, &case, json!({"to": "closed"})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    told(&w, &w.manager, "closure_approved", &number, &link).await;
}

async fn assign(w: &World, case: &str, assignee: &str) -> Response {
    w.app
        .post(
            &format!("/api/v1/cases/{case}/assignment"),
            &w.supervisor,
            json!({"assignee_id": assignee}),
        )
        .await
}

async fn assignment_tells_the_new_assignee(backend: Backend) {
    let w = World::new(backend).await;
    let astana = department(&w, "KZ-71").await;
    let almaty = department(&w, "KZ-75").await;
    let (second_id, second) = w.app.user("cm.two", "case_manager", &astana).await;
    let (almaty_id, almaty_manager) = w.app.user("cm.almaty", "case_manager", &almaty).await;

    // Assigned at triage, by the intake coordinator.
    let case = w.open_case("Ернар", true).await;
    let number = number_of(&w, &case).await;
    let link = case_link(&case);
    told(&w, &w.manager, "case_assigned", &number, &link).await;
    for token in [&w.intake, &w.supervisor, &second] {
        not_told(&w, token, "case_assigned", &number).await;
    }
    assert_eq!(w.app.get(&link, &w.manager).await.status, StatusCode::OK);

    // Reassigned by the supervisor: the new assignee is told; the first one is not told again.
    ok(assign(&w, &case, &second_id).await).await;
    told(&w, &second, "case_assigned", &number, &link).await;
    told(&w, &w.manager, "case_assigned", &number, &link).await;
    // Assigned again to the one who has it: no news.
    ok(assign(&w, &case, &second_id).await).await;
    told(&w, &second, "case_assigned", &number, &link).await;
    // Refused (a case manager of another region): nobody is told.
    let refused = assign(&w, &case, &almaty_id).await;
    assert_eq!(invalid_fields(&refused), ["assignee_id"]);
    assert!(inbox(&w, &almaty_manager).await.is_empty());

    // A case opened without a manager, assigned later.
    let later = w.open_case("Диас", false).await;
    let later_number = number_of(&w, &later).await;
    not_told(&w, &w.manager, "case_assigned", &later_number).await;
    ok(assign(&w, &later, &w.manager_id).await).await;
    told(
        &w,
        &w.manager,
        "case_assigned",
        &later_number,
        &case_link(&later),
    )
    .await;
    not_told(&w, &w.supervisor, "case_assigned", &later_number).await;
}

async fn automatic_assignment_tells_the_assignee(backend: Backend) {
    let w = World::on(TestApp::start_with(backend, crate::protocol::auto_assigning).await).await;
    let case = w.open_case("Нұрлан", false).await;
    let card = ok(w.app.get(&case_link(&case), &w.supervisor).await).await;
    assert_eq!(card["assignee_id"], w.manager_id.as_str(), "the only one");
    let number = card["number"].as_str().unwrap();
    told(&w, &w.manager, "case_assigned", number, &case_link(&case)).await;
    not_told(&w, &w.intake, "case_assigned", number).await;
    not_told(&w, &w.supervisor, "case_assigned", number).await;
}

async fn break_glass_tells_the_supervisors_of_the_region(backend: Backend) {
    let w = World::new(backend).await;
    let department = department(&w, "KZ-71").await;
    let (_, sup2) = w.app.user("sup.two", "supervisor", &department).await;
    let case = w.open_case("Дәулет", true).await;
    let number = number_of(&w, &case).await;

    let vague = w
        .app
        .post(
            "/api/v1/break-glass",
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "need"}),
        )
        .await;
    assert_eq!(invalid_fields(&vague), ["reason"]);
    not_told(&w, &w.supervisor, "break_glass", &number).await;

    let granted = ok(w
        .app
        .post(
            "/api/v1/break-glass",
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "Child ran away to Almaty tonight; police ask for the risk"}),
        )
        .await)
    .await;
    for token in [&w.supervisor, &sup2] {
        let n = told(&w, token, "break_glass", &number, &case_link(&case)).await;
        assert_eq!(n["ref_id"], granted["id"]);
    }
    not_told(&w, &w.almaty_supervisor, "break_glass", &number).await;
    not_told(&w, &w.manager, "break_glass", &number).await;
    not_told(&w, &w.intake, "break_glass", &number).await;
}

const SECRET: &str = "Disclosed to the school nurse what the stepfather did.";

async fn notifications_carry_no_concern_description_or_name(backend: Backend) {
    let w = World::new(backend).await;
    let astana = department(&w, "KZ-71").await;
    let (_, sup2) = w.app.user("sup.two", "supervisor", &astana).await;
    let psc = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let (_, psy) = w.app.user("psy.one", "specialist", &psc).await;
    let everyone = [
        &w.manager,
        &w.supervisor,
        &sup2,
        &psy,
        &w.almaty_supervisor,
        &w.intake,
    ];
    // Every mail leaves at once, so that the mail is read too.
    for token in everyone {
        ok(put(
            &w,
            token,
            "/api/v1/me/preferences",
            json!({"email": "immediate"}),
        )
        .await)
        .await;
    }
    let child =
        json!({"first_name": "Айгерім", "last_name": "Сапарова", "birth_date": "2012-03-03"});
    let mut body = signal(child);
    body["concerns"] = json!(["suicide_risk", "violence_sexual"]);
    body["description"] = json!(SECRET);
    let filed = ok(w.file(body).await).await;
    let triaged = w.triage_open(filed["id"].as_str().unwrap()).await;
    let case = triaged["case_id"].as_str().unwrap().to_string();
    let number = number_of(&w, &case).await;

    // Events of every audience: the receiving organisation, the manager, the supervisors, the
    // receiving region.
    let r = ok(w
        .app
        .post(
            &format!("/api/v1/cases/{case}/referrals"),
            &w.manager,
            referral(&psc),
        )
        .await)
    .await;
    let r = r["id"].as_str().unwrap();
    ok(act(&w, r, "accept", &psy, Value::Null).await).await;
    ok(w.app.put_plan(&case, &w.manager, plan(&astana)).await).await;
    ok(w.app
        .post(
            &format!("/api/v1/cases/{case}/transfer"),
            &w.manager,
            json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "moving"}),
        )
        .await)
    .await;
    ok(w.app
        .post(
            "/api/v1/break-glass",
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "Child seen at an Almaty hospital tonight"}),
        )
        .await)
    .await;

    let secrets = [
        "suicide",
        "violence",
        "sexual",
        SECRET,
        "stepfather",
        "Айгерім",
        "Сапарова",
    ];
    let mut kinds = std::collections::BTreeSet::new();
    for token in everyone.into_iter().filter(|t| **t != w.intake) {
        let items = inbox(&w, token).await;
        assert!(!items.is_empty(), "every recipient was told something");
        for n in &items {
            assert_eq!(n["subject"], number.as_str());
            kinds.insert(n["kind"].as_str().unwrap().to_string());
        }
        let text = serde_json::to_string(&items).unwrap();
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    for kind in [
        "break_glass",
        "case_assigned",
        "plan_submitted",
        "referral_accepted",
        "referral_received",
        "transfer_requested",
    ] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
    let mail = mails(&w);
    assert!(mail.len() >= 6, "{mail:?}");
    for m in &mail {
        assert!(m.subject.contains(&number), "{}", m.subject);
        for secret in secrets {
            assert!(
                !m.subject.contains(secret) && !m.body.contains(secret),
                "{secret} in the mail to {}",
                m.recipient
            );
        }
    }
}

fn mails(w: &World) -> Vec<OutboxRow> {
    let mut conn = w.app.state.db.conn().unwrap();
    outbox::all(&mut conn).unwrap()
}

fn mails_to(w: &World, username: &str) -> Vec<OutboxRow> {
    let address = format!("{username}@example.kz");
    mails(w)
        .into_iter()
        .filter(|m| m.recipient == address)
        .collect()
}

async fn the_inbox_filters_pages_and_marks_read(backend: Backend) {
    let w = World::new(backend).await;
    let mut cases = Vec::new();
    for name in ["Бір", "Екі", "Үш", "Төрт", "Бес"] {
        cases.push(w.open_case(name, true).await);
    }
    let all = inbox(&w, &w.manager).await;
    assert_eq!(all.len(), 5);
    let ids: Vec<&str> = all.iter().map(|n| n["id"].as_str().unwrap()).collect();
    let mut newest_first = ids.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, newest_first, "newest first");
    assert_eq!(all[0]["case_id"], cases[4].as_str());

    // Pages of two, by the cursor.
    let mut paged = Vec::new();
    let mut path = "/api/v1/me/notifications?limit=2".to_string();
    loop {
        let page = ok(w.app.get(&path, &w.manager).await).await;
        assert_eq!(page["unread"], 5, "counted on every page");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        paged.extend(items.iter().map(|n| n["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/me/notifications?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(paged, ids);
    let bad = w
        .app
        .get("/api/v1/me/notifications?limit=0", &w.manager)
        .await;
    assert_eq!(invalid_fields(&bad), ["limit"]);

    // One read: 204, again 204; the unread filter leaves it out.
    let first = ids[4];
    let read = format!("/api/v1/notifications/{first}/read");
    for _ in 0..2 {
        let r = post_empty(&w, &w.manager, &read).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    }
    let unread = ok(w
        .app
        .get("/api/v1/me/notifications?unread=true", &w.manager)
        .await)
    .await;
    assert_eq!(unread["unread"], 4);
    let unread_ids: Vec<&str> = unread["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(unread_ids, ids[..4]);
    let all = inbox(&w, &w.manager).await;
    assert_eq!(all[4]["read"], true);
    assert!(all[..4].iter().all(|n| n["read"] == false));

    // Another user's notification, or none at all: not found, and nothing changes.
    let theirs = post_empty(
        &w,
        &w.supervisor,
        &format!("/api/v1/notifications/{}/read", ids[0]),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let nothing = post_empty(
        &w,
        &w.manager,
        &format!("/api/v1/notifications/{}/read", uuid::Uuid::now_v7()),
    )
    .await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND);
    assert_eq!(inbox(&w, &w.manager).await[0]["read"], false);

    // All read.
    let marked = ok(post_empty(&w, &w.manager, "/api/v1/me/notifications/read-all").await).await;
    assert_eq!(marked["marked"], 4);
    let unread = ok(w
        .app
        .get("/api/v1/me/notifications?unread=true", &w.manager)
        .await)
    .await;
    assert_eq!(unread["unread"], 0);
    assert!(unread["items"].as_array().unwrap().is_empty());
    assert_eq!(inbox(&w, &w.manager).await.len(), 5, "read, not gone");
    let again = ok(post_empty(&w, &w.manager, "/api/v1/me/notifications/read-all").await).await;
    assert_eq!(again["marked"], 0);
    let anonymous = w
        .app
        .send(Method::GET, "/api/v1/me/notifications", None, None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

async fn the_email_preference_is_chosen_and_reset(backend: Backend) {
    let w = World::new(backend).await;
    let path = "/api/v1/me/preferences";
    let read = |token: &str| {
        let token = token.to_string();
        let app = &w.app;
        async move { ok(app.get(path, &token).await).await["email"].clone() }
    };
    assert_eq!(read(&w.manager).await, Value::Null, "the default");
    let unknown = put(&w, &w.manager, path, json!({"email": "weekly"})).await;
    assert_eq!(invalid_fields(&unknown), ["email"]);
    for choice in ["off", "daily_digest", "immediate"] {
        let set = ok(put(&w, &w.manager, path, json!({"email": choice})).await).await;
        assert_eq!(set["email"], choice);
        assert_eq!(read(&w.manager).await, choice);
    }
    assert_eq!(read(&w.supervisor).await, Value::Null, "one user's choice");
    let reset = ok(put(&w, &w.manager, path, json!({"email": null})).await).await;
    assert_eq!(reset["email"], Value::Null);
    assert_eq!(read(&w.manager).await, Value::Null);
}

async fn urgent_kinds_are_mailed_at_once_by_default_the_rest_wait(backend: Backend) {
    let mut w = World::new(backend).await;
    let department = department(&w, "KZ-71").await;
    w.app.user("sup.two", "supervisor", &department).await;
    let case = w.open_case("Асем", true).await;
    let number = number_of(&w, &case).await;

    // A case assigned is not urgent: by default it waits for the digest.
    told(&w, &w.manager, "case_assigned", &number, &case_link(&case)).await;
    assert!(mails_to(&w, "cm.astana").is_empty());

    // A missed deadline is: the supervisors are mailed at once — unless one chose the digest.
    let sup2 = w.app.login("sup.two", USER_PASSWORD).await;
    ok(put(
        &w,
        &sup2,
        "/api/v1/me/preferences",
        json!({"email": "daily_digest"}),
    )
    .await)
    .await;
    w.later(Duration::days(60)).await;
    let sup2 = w.app.login("sup.two", USER_PASSWORD).await;
    {
        let mut conn = w.app.state.db.conn().unwrap();
        qorgau_app::reminders::pass(&mut conn, &w.app.state, w.app.now()).unwrap();
    }
    let escalations = about(&w, &w.supervisor, "deadline_escalation", &number).await;
    assert!(!escalations.is_empty());
    let mailed = mails_to(&w, "sup.astana");
    assert_eq!(mailed.len(), escalations.len(), "{mailed:?}");
    assert!(mailed.iter().all(|m| m.subject.contains(&number)));
    assert!(
        mailed
            .iter()
            .all(|m| m.body.contains(&format!("/api/v1/cases/{case}")))
    );
    assert_eq!(
        about(&w, &sup2, "deadline_escalation", &number).await.len(),
        escalations.len()
    );
    assert!(mails_to(&w, "sup.two").is_empty(), "the digest was chosen");

    // Chosen `immediate`: every kind leaves at once.
    ok(put(
        &w,
        &w.manager,
        "/api/v1/me/preferences",
        json!({"email": "immediate"}),
    )
    .await)
    .await;
    let next = w.open_case("Әлия", true).await;
    let next_number = number_of(&w, &next).await;
    let mailed = mails_to(&w, "cm.astana");
    assert_eq!(mailed.len(), 1, "{mailed:?}");
    assert!(mailed[0].subject.contains(&next_number));
}

/// The guarantee every use case relies on, shown where it can fail: notifications and their
/// immediate mail written by `inbox::notify`, then the event's transaction fails — neither is
/// left behind.
async fn an_event_rolled_back_after_notifying_leaves_nothing(backend: Backend) {
    use qorgau_app::AppError;
    use qorgau_app::inbox::{self, About, Event};
    use qorgau_domain::notification::NotificationKind;
    use qorgau_persistence::users::Among;

    let w = World::new(backend).await;
    let case = w.open_case("Арман", true).await;
    let before = inbox(&w, &w.supervisor).await.len();
    let mut conn = w.app.state.db.conn().unwrap();
    let queued = |conn: &mut qorgau_persistence::DbConnection| outbox::all(conn).unwrap().len();
    let mail_before = queued(&mut conn);
    let row = qorgau_persistence::cases::find(&mut conn, case.parse().unwrap())
        .unwrap()
        .unwrap();
    let app = w.app.state.app.clone();
    let failed = qorgau_persistence::write(&mut conn, |tx| {
        let event = Event::new(NotificationKind::DeadlineEscalation, About::case(&row));
        let told = inbox::notify(
            tx,
            &app,
            &event,
            &[Among::Region(
                qorgau_domain::role::Role::Supervisor,
                "KZ-71",
            )],
            w.app.now(),
        )?;
        assert!(!told.is_empty(), "written inside the transaction");
        Err::<(), _>(AppError::conflict("the event fails after notifying"))
    });
    assert!(failed.is_err());
    assert_eq!(queued(&mut conn), mail_before, "no mail left behind");
    drop(conn);
    assert_eq!(
        inbox(&w, &w.supervisor).await.len(),
        before,
        "no notification left behind"
    );
}
