//! Interagency work: referrals under consent or override, specialists' access while a
//! referral is active, transfers, commission measures, placements, interviews, relations.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, invalid_fields};
use crate::on_both_backends;
use crate::world::World;

fn now() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn day(offset_days: i64) -> String {
    (Utc::now() + Duration::days(offset_days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn referral_needs_consent_or_an_override(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Алтынай", true).await;
    let psc = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let police = w
        .app
        .organisation("police", "KZ-71", Some("KZ-71-01"))
        .await;
    let referrals = format!("/api/v1/cases/{case}/referrals");
    let refer = |org: &str, extra: serde_json::Value| {
        let mut body = json!({"to_organisation_id": org, "service": "psychological support", "reason": "trauma after violence"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        w.app.post(&referrals, &w.manager, body)
    };
    assert_eq!(
        invalid_fields(&refer(&psc, json!({})).await),
        ["to_organisation_id"],
        "no consent: refused"
    );

    let consent = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/consents"),
            &w.manager,
            json!({
        "given_by_name": "Мама", "relation": "mother", "services": true,
        "share_with": ["psychological_support_centre"], "given_at": now()}),
        )
        .await;
    assert_eq!(consent.status, StatusCode::CREATED, "{:?}", consent.body);
    let covered = refer(&psc, json!({})).await;
    assert_eq!(covered.status, StatusCode::CREATED, "{:?}", covered.body);
    assert_eq!(covered.body["consent_id"], consent.body["id"]);
    assert_eq!(covered.body["status"], "pending");
    assert!(covered.body["respond_by"].is_string());

    assert_eq!(
        invalid_fields(&refer(&police, json!({})).await),
        ["to_organisation_id"],
        "consent does not cover the police"
    );
    let no_note = refer(
        &police,
        json!({"consent_override": {"basis": "threat_to_life_or_health"}}),
    )
    .await;
    assert_eq!(invalid_fields(&no_note), ["consent_override.note"]);
    let overridden = refer(&police, json!({"consent_override": {"basis": "threat_to_life_or_health", "note": "Child in danger tonight"}})).await;
    assert_eq!(overridden.status, StatusCode::CREATED);
    assert_eq!(
        overridden.body["override_basis"],
        "threat_to_life_or_health"
    );
    assert!(overridden.body["consent_id"].is_null());

    let withdrawn = w
        .app
        .post(
            &format!(
                "/api/v1/consents/{}/withdraw",
                consent.body["id"].as_str().unwrap()
            ),
            &w.manager,
            json!({}),
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK);
    assert!(withdrawn.body["withdrawn_at"].is_string());
    assert_eq!(
        invalid_fields(&refer(&psc, json!({})).await),
        ["to_organisation_id"],
        "a withdrawn consent covers nothing"
    );
}

async fn specialists_see_the_minimum_while_the_referral_is_active(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Мирас", true).await;
    let psc = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let (_, psychologist) = w.app.user("psy.one", "specialist", &psc).await;
    let school = w
        .app
        .organisation("school", "KZ-71", Some("KZ-71-01"))
        .await;
    let (_, teacher) = w.app.user("school.psy", "specialist", &school).await;
    let referral = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/referrals"),
            &w.manager,
            json!({
        "to_organisation_id": psc, "service": "psychological support", "reason": "anxiety",
        "consent_override": {"basis": "legal_duty"}}),
        )
        .await;
    let id = referral.body["id"].as_str().unwrap().to_string();

    let queue = w
        .app
        .get("/api/v1/referrals?status=pending", &psychologist)
        .await;
    let items = queue.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let summary = &items[0]["case_summary"];
    assert_eq!(summary["child_first_name"], "Мирас");
    assert_eq!(summary["child_age"].as_u64().map(|a| a >= 11), Some(true));
    assert!(
        summary.get("concerns").is_none() && summary.get("description").is_none(),
        "the minimum only"
    );
    assert_eq!(
        w.app.get("/api/v1/referrals", &teacher).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "another organisation sees nothing"
    );
    assert_eq!(
        w.app
            .get(&format!("/api/v1/referrals/{id}"), &teacher)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.app
            .get(&format!("/api/v1/cases/{case}"), &psychologist)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "never the full case (nor whether it exists: issue 17, finding 8)"
    );

    let by_manager = w
        .app
        .post(
            &format!("/api/v1/referrals/{id}/accept"),
            &w.manager,
            json!({}),
        )
        .await;
    assert_eq!(
        by_manager.status,
        StatusCode::FORBIDDEN,
        "accepting is the receiver's"
    );
    let accepted = w
        .app
        .post(
            &format!("/api/v1/referrals/{id}/accept"),
            &psychologist,
            json!({}),
        )
        .await;
    assert_eq!(accepted.body["status"], "accepted");
    let again = w
        .app
        .post(
            &format!("/api/v1/referrals/{id}/accept"),
            &psychologist,
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["allowed"], json!(["complete"]));
    let session = json!({"kind": "psychological_session", "assistance_type": "psychological", "occurred_at": now(), "summary": "First session", "child_seen": true});
    let logged = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/interventions"),
            &psychologist,
            session.clone(),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{:?}", logged.body);
    assert_eq!(
        w.app
            .post(
                &format!("/api/v1/cases/{case}/interventions"),
                &teacher,
                session.clone()
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let no_outcome = w
        .app
        .post(
            &format!("/api/v1/referrals/{id}/complete"),
            &psychologist,
            json!({}),
        )
        .await;
    assert_eq!(invalid_fields(&no_outcome), ["outcome"]);
    let completed = w
        .app
        .post(
            &format!("/api/v1/referrals/{id}/complete"),
            &psychologist,
            json!({"outcome": "Six sessions, anxiety reduced"}),
        )
        .await;
    assert_eq!(completed.body["status"], "completed");
    // The referral has ended: so has the specialist's access.
    assert_eq!(
        w.app
            .get(&format!("/api/v1/referrals/{id}"), &psychologist)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.app
            .post(
                &format!("/api/v1/cases/{case}/interventions"),
                &psychologist,
                session
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let queue = w.app.get("/api/v1/referrals", &psychologist).await;
    assert!(
        queue.body["items"][0]["case_summary"].is_null(),
        "ended referrals carry no case data"
    );
    let seen_by_team = w
        .app
        .get(&format!("/api/v1/referrals/{id}"), &w.manager)
        .await;
    assert_eq!(
        seen_by_team.body["outcome"],
        "Six sessions, anxiety reduced"
    );

    let second = w.app.post(&format!("/api/v1/cases/{case}/referrals"), &w.manager, json!({
        "to_organisation_id": psc, "service": "group therapy", "reason": "x", "consent_override": {"basis": "legal_duty"}})).await;
    let second = second.body["id"].as_str().unwrap().to_string();
    let no_reason = w
        .app
        .post(
            &format!("/api/v1/referrals/{second}/decline"),
            &psychologist,
            json!({}),
        )
        .await;
    assert_eq!(invalid_fields(&no_reason), ["reason"]);
    let withdrawn = w
        .app
        .post(
            &format!("/api/v1/referrals/{second}/withdraw"),
            &w.manager,
            json!({}),
        )
        .await;
    assert_eq!(withdrawn.body["status"], "withdrawn");
}

async fn transfers_move_the_case_and_end_the_old_teams_access(backend: Backend) {
    let mut w = World::new(backend).await;
    let case = w.open_case("Айлин", true).await;
    let path = format!("/api/v1/cases/{case}/transfer");
    let same = w
        .app
        .post(
            &path,
            &w.manager,
            json!({"region_code": "KZ-71", "district_code": "KZ-71-02", "reason": "moved"}),
        )
        .await;
    assert_eq!(invalid_fields(&same), ["region_code"]);
    let requested = w.app.post(&path, &w.manager, json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "The family moved to Almaty"})).await;
    assert_eq!(
        requested.status,
        StatusCode::ACCEPTED,
        "{:?}",
        requested.body
    );
    assert_eq!(requested.body["status"], "pending");
    assert_eq!(
        w.app
            .post(
                &path,
                &w.manager,
                json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "again"})
            )
            .await
            .status,
        StatusCode::CONFLICT
    );
    let incoming = w.app.get("/api/v1/transfers", &w.almaty_supervisor).await;
    assert_eq!(incoming.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        w.app.get("/api/v1/transfers", &w.supervisor).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let by_sender = w
        .app
        .post(&format!("{path}/accept"), &w.supervisor, json!({}))
        .await;
    assert_eq!(
        by_sender.status,
        StatusCode::NOT_FOUND,
        "only the receiving region decides"
    );
    let accepted = w
        .app
        .post(&format!("{path}/accept"), &w.almaty_supervisor, json!({}))
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    assert_eq!(accepted.body["region_code"], "KZ-75");
    assert!(
        accepted.body["assignee_id"].is_null(),
        "awaits assignment in the new region"
    );
    assert_eq!(
        w.app
            .get(&format!("/api/v1/cases/{case}"), &w.manager)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.app
            .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let child = accepted.body["child_id"].as_str().unwrap();
    let timeline = w
        .app
        .get(
            &format!("/api/v1/children/{child}/timeline"),
            &w.almaty_supervisor,
        )
        .await;
    assert_eq!(
        timeline.status,
        StatusCode::OK,
        "the history goes with the child"
    );
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.last(), Some(&"transfer_accepted"));
    assert!(kinds.contains(&"case_opened"));

    // Its deadlines moved with it: once lapsed they are the receiving region's overdue work,
    // no longer the sending region's. Three weeks on, its first contact and initial assessment
    // (five working days, holidays included) have lapsed.
    w.later(Duration::days(21)).await;
    let overdue_cases = |token: &str| {
        let app = &w.app;
        let token = token.to_string();
        async move {
            let overdue = app.get("/api/v1/supervision/overdue", &token).await;
            assert_eq!(overdue.status, StatusCode::OK, "{:?}", overdue.body);
            overdue.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["case_id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert!(overdue_cases(&w.almaty_supervisor).await.contains(&case));
    assert!(!overdue_cases(&w.supervisor).await.contains(&case));

    let other = w.open_case("Асель", true).await;
    let other_path = format!("/api/v1/cases/{other}/transfer");
    w.app
        .post(
            &other_path,
            &w.manager,
            json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "moving"}),
        )
        .await;
    assert_eq!(
        invalid_fields(
            &w.app
                .post(
                    &format!("{other_path}/decline"),
                    &w.almaty_supervisor,
                    json!({})
                )
                .await
        ),
        ["reason"]
    );
    let declined = w
        .app
        .post(
            &format!("{other_path}/decline"),
            &w.almaty_supervisor,
            json!({"reason": "The family is not registered here"}),
        )
        .await;
    assert_eq!(declined.body["status"], "declined");
    assert_eq!(
        w.app
            .get(&format!("/api/v1/cases/{other}"), &w.manager)
            .await
            .status,
        StatusCode::OK,
        "stays with its team"
    );
    // The report facts followed the case to its new area.
    crate::report_facts::assert_facts_agree(&mut w.app.state.db.conn().unwrap());
}

async fn commission_measures_past_due_are_overdue(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Дамир", true).await;
    let school = w.app.organisation("school", "KZ-71", None).await;
    let commission = w.app.organisation("commission", "KZ-71", None).await;
    let not_commission = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/commission-matters"),
            &w.manager,
            json!({"commission_organisation_id": school, "grounds": "truancy"}),
        )
        .await;
    assert_eq!(
        invalid_fields(&not_commission),
        ["commission_organisation_id"]
    );
    let matter = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/commission-matters"),
            &w.manager,
            json!({"commission_organisation_id": commission, "grounds": "Repeated offences"}),
        )
        .await;
    assert_eq!(matter.status, StatusCode::CREATED);
    let id = matter.body["id"].as_str().unwrap();
    let decided = w.app.post(&format!("/api/v1/commission-matters/{id}/decision"), &w.manager, json!({
        "hearing_date": day(-20), "decision": "Supervision by the school",
        "measures": [
            {"description": "Weekly report from the school", "responsible_organisation_id": school, "due_date": day(-1)},
            {"description": "Summer camp place", "responsible_organisation_id": school, "due_date": day(30)}]})).await;
    assert_eq!(decided.status, StatusCode::OK, "{:?}", decided.body);
    let statuses: Vec<&str> = decided.body["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["overdue", "pending"]);
    let overdue = decided.body["measures"][0]["id"].as_str().unwrap();
    let done = w
        .app
        .post(
            &format!("/api/v1/commission-measures/{overdue}/done"),
            &w.manager,
            json!({"note": "Reports received"}),
        )
        .await;
    assert_eq!(done.body["status"], "done");
    let twice = w
        .app
        .post(
            &format!("/api/v1/commission-matters/{id}/decision"),
            &w.manager,
            json!({"hearing_date": day(-1), "decision": "x", "measures": []}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let listed = w
        .app
        .get(
            &format!("/api/v1/cases/{case}/commission-matters"),
            &w.supervisor,
        )
        .await;
    assert_eq!(listed.body["items"][0]["measures"][0]["status"], "done");
}

async fn adaptation_centre_stays_over_three_months_are_flagged(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Нурислам", true).await;
    let placements = format!("/api/v1/cases/{case}/placements");
    let place = |kind: &str, started: String| {
        w.app.post(
            &placements,
            &w.manager,
            json!({"type": kind, "started_on": started}),
        )
    };
    let long = place("juvenile_adaptation_centre", day(-120)).await;
    assert_eq!(long.status, StatusCode::CREATED, "{:?}", long.body);
    assert_eq!(long.body["exceeds_limit"], true);
    assert_eq!(
        place("juvenile_adaptation_centre", day(-30)).await.body["exceeds_limit"],
        false
    );
    assert_eq!(
        place("temporary_shelter", day(-120)).await.body["exceeds_limit"],
        false
    );
    assert_eq!(invalid_fields(&place("orphanage", day(-1)).await), ["type"]);
    let id = long.body["id"].as_str().unwrap();
    let end = w
        .app
        .send_with(
            reqwest::Method::PATCH,
            &format!("/api/v1/placements/{id}"),
            Some(&w.manager),
            Some(json!({"ended_on": day(-100), "end_reason": "breakdown"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(end.status, StatusCode::OK, "{:?}", end.body);
    assert_eq!(end.body["end_reason"], "breakdown");
    assert_eq!(
        end.body["exceeds_limit"], false,
        "20 days is within the limit"
    );
}

async fn a_second_interview_needs_a_reason(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Амина", true).await;
    let room = w.app.organisation("assistance_room", "KZ-71", None).await;
    let interviews = format!("/api/v1/cases/{case}/interviews");
    let interview = |reason: Option<&str>| {
        let mut body = json!({"conducted_at": now(), "interviewer_name": "Инспектор", "organisation_id": room,
                              "present": ["psychologist", "legal_representative"], "recording_ref": "REC-1"});
        if let Some(r) = reason {
            body["repeat_reason"] = json!(r);
        }
        w.app.post(&interviews, &w.manager, body)
    };
    assert_eq!(interview(None).await.status, StatusCode::CREATED);
    assert_eq!(invalid_fields(&interview(None).await), ["repeat_reason"]);
    assert_eq!(
        interview(Some("New facts from the medical examination"))
            .await
            .status,
        StatusCode::CREATED
    );
    let listed = w
        .app
        .get(&format!("/api/v1/cases/{case}/interviews"), &w.manager)
        .await;
    assert_eq!(listed.body["count_for_child"], 2);
    assert_eq!(
        listed.body["items"][0]["present"],
        json!(["psychologist", "legal_representative"])
    );
}

async fn an_alleged_perpetrator_cannot_consent(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Алихан", true).await;
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    let child = card.body["child_id"].as_str().unwrap();
    let relations = format!("/api/v1/children/{child}/relations");
    let relation = |name: &str, perpetrator: bool| {
        w.app.post(&relations, &w.manager, json!({
            "full_name": name, "relation": "father", "is_legal_representative": true, "alleged_perpetrator": perpetrator}))
    };
    let father = relation("Отец", true).await;
    assert_eq!(father.status, StatusCode::CREATED, "{:?}", father.body);
    let mother = relation("Мать", false).await;
    let consents = format!("/api/v1/cases/{case}/consents");
    let consent = |rel: &serde_json::Value| {
        w.app.post(&consents, &w.manager, json!({
            "given_by_relation_id": rel["id"], "given_by_name": rel["full_name"], "relation": "parent",
            "services": true, "share_with": ["school"], "given_at": now()}))
    };
    assert_eq!(
        invalid_fields(&consent(&father.body).await),
        ["given_by_relation_id"]
    );
    assert_eq!(consent(&mother.body).await.status, StatusCode::CREATED);
    let listed = w
        .app
        .get(
            &format!("/api/v1/children/{child}/relations"),
            &w.supervisor,
        )
        .await;
    let flagged: Vec<bool> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["alleged_perpetrator"].as_bool().unwrap())
        .collect();
    assert_eq!(flagged, [true, false]);
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    assert_eq!(
        card.body["alleged_perpetrators"][0]["full_name"], "Отец",
        "shown on the case card"
    );
    assert_eq!(w.app.post(&format!("/api/v1/children/{child}/relations"), &w.intake,
        json!({"full_name": "X", "relation": "aunt", "is_legal_representative": false, "alleged_perpetrator": false})).await.status,
        StatusCode::FORBIDDEN);
}

on_both_backends!(
    referral_needs_consent_or_an_override,
    specialists_see_the_minimum_while_the_referral_is_active,
    transfers_move_the_case_and_end_the_old_teams_access,
    commission_measures_past_due_are_overdue,
    adaptation_centre_stays_over_three_months_are_flagged,
    a_second_interview_needs_a_reason,
    an_alleged_perpetrator_cannot_consent,
);
