//! The protocol's missing links (issue 19, defects 1–5): a signal's triage clock that reminds and
//! escalates, `notify` routes that tell someone, routing gaps listed for the supervisor until
//! resolved, follow-up contacts that meet the post-closure deadline, and a plan review that keeps
//! the plan and restarts its clock.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use qorgau_api::mail::Mailer;
use qorgau_api::{AppState, worker};
use qorgau_persistence::schema::{audit_log, outbox, signals, timeline_events as timeline};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, TestApp, invalid_fields, join_all, test_config};
use crate::on_both_backends;
use crate::smtp_server;
use crate::world::{World, signal};

on_both_backends!(
    an_untriaged_critical_signal_reminds_and_escalates_once_through_smtp,
    notify_routes_tell_the_organisation_and_the_supervisors,
    routing_gaps_are_the_supervisors_until_resolved,
    a_follow_up_contact_meets_the_follow_up_deadline,
    a_plan_review_meets_the_review_deadline_and_restarts_it,
);

fn smtp_mailer(port: u16) -> Mailer {
    let mut config = test_config("unused");
    config.smtp_host = "127.0.0.1".into();
    config.smtp_port = port;
    config.smtp_security = qorgau_api::config::SmtpSecurity::None;
    Mailer::from_config(&config).unwrap()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// The caller's notifications (newest first).
async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.get("/api/v1/me/notifications?limit=500", token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

fn of_kind<'a>(items: &'a [Value], kind: &str) -> Vec<&'a Value> {
    items.iter().filter(|n| n["kind"] == kind).collect()
}

/// Timeline events of `kind` about the record `ref_id`.
fn events(app: &TestApp, kind: &str, ref_id: &str) -> i64 {
    let mut conn = app.state.db.conn().unwrap();
    timeline::table
        .filter(timeline::kind.eq(kind))
        .filter(timeline::ref_id.eq(ref_id))
        .count()
        .get_result(&mut conn)
        .unwrap()
}

/// (recipient, subject, body) of every queued mail.
fn outbox_mail(app: &TestApp) -> Vec<(String, String, String)> {
    let mut conn = app.state.db.conn().unwrap();
    outbox::table
        .order(outbox::id)
        .select((outbox::recipient, outbox::subject, outbox::body))
        .load(&mut conn)
        .unwrap()
}

/// Files a critical signal about a new child; returns its body.
async fn critical_signal(w: &World, first_name: &str, concerns: &[&str]) -> Value {
    let child = json!({"first_name": first_name, "last_name": "Test", "birth_date": "2012-03-03"});
    let mut body = signal(child);
    body["urgency"] = json!("critical");
    body["concerns"] = json!(concerns);
    let r = w.file(body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

/// Runs `passes` worker passes at once, alternating over `instances`; sums what they did.
async fn ticks(instances: &[AppState], mailer: &Mailer, passes: usize) -> worker::Tick {
    let all = join_all(
        instances
            .iter()
            .cycle()
            .take(passes)
            .map(|state| worker::tick(state, mailer)),
    )
    .await;
    all.into_iter()
        .map(|t| t.unwrap())
        .fold(worker::Tick::default(), |acc, t| worker::Tick {
            sealed: acc.sealed + t.sealed,
            reminders: acc.reminders + t.reminders,
            escalations: acc.escalations + t.escalations,
            triage_reminders: acc.triage_reminders + t.triage_reminders,
            triage_escalations: acc.triage_escalations + t.triage_escalations,
            sent: acc.sent + t.sent,
            failed: acc.failed + t.failed,
            digests: acc.digests + t.digests,
            webhooks_delivered: acc.webhooks_delivered + t.webhooks_delivered,
            webhooks_failed: acc.webhooks_failed + t.webhooks_failed,
            report_months: acc.report_months + t.report_months,
        })
}

/// The test's server and, on PostgreSQL, a second instance on the same database and clock
/// racing it (SQLite runs one worker).
fn instances(w: &World, backend: Backend) -> Vec<AppState> {
    let mut all = vec![w.app.state.clone()];
    if backend == Backend::Postgres {
        let second = AppState::open(test_config(&w.app.db.url))
            .unwrap()
            .with_clock(w.app.clock.clone());
        all.push(second);
    }
    all
}

// ---------------------------------------------------------------------------------------------
// Defect 1: the triage clock

async fn an_untriaged_critical_signal_reminds_and_escalates_once_through_smtp(backend: Backend) {
    let mut w = World::new(backend).await;
    // Friday 27 November 2026, 10:00 in Astana.
    w.until(w.app.at("2026-11-27 05:00")).await;
    let late = critical_signal(&w, "Әсел", &["suicide_risk"]).await;
    let late_id = late["id"].as_str().unwrap().to_string();
    let child = late["child_id"].as_str().unwrap().to_string();
    let due = time(&late["triage_due_at"]);
    assert_eq!(
        due - time(&late["received_at"]),
        Duration::hours(1),
        "a critical clock"
    );
    // Another, screened out at once: triaged in time, it reminds and escalates nobody.
    let on_time = critical_signal(&w, "Бекзат", &["neglect"]).await;
    let on_time_id = on_time["id"].as_str().unwrap().to_string();
    let screened = w
        .app
        .post(
            &format!("/api/v1/signals/{on_time_id}/triage"),
            &w.intake,
            json!({"decision": "screen_out", "reason": "The same call was handled yesterday"}),
        )
        .await;
    assert_eq!(screened.status, StatusCode::OK, "{:?}", screened.body);

    let smtp = smtp_server::start().await;
    let mailer = smtp_mailer(smtp.port);
    let racing = instances(&w, backend);
    // An hour's clock is in its reminder window from the start: the district's intake is told.
    let first = ticks(&racing, &mailer, 6).await;
    assert_eq!(
        (first.triage_reminders, first.triage_escalations),
        (1, 0),
        "{first:?}"
    );
    // Lapsed: the region's supervisor is told.
    w.until(due + Duration::minutes(1)).await;
    let second = ticks(&racing, &mailer, 6).await;
    assert_eq!(
        (second.triage_reminders, second.triage_escalations),
        (0, 1),
        "{second:?}"
    );
    // Much later, nothing more: each once.
    w.later(Duration::days(3)).await;
    let later = ticks(&racing, &mailer, 4).await;
    assert_eq!((later.triage_reminders, later.triage_escalations), (0, 0));

    let mails = smtp.wait_for(3, StdDuration::from_secs(2)).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let reminder = mails
        .iter()
        .find(|m| m.to == ["intake.one@example.kz"])
        .expect("the district's intake coordinator is reminded");
    let escalation = mails
        .iter()
        .find(|m| m.to == ["sup.astana@example.kz"])
        .expect("the region's supervisor is told");
    for mail in [reminder, escalation] {
        let text = mail.text();
        let subject = mail.subject().unwrap();
        assert!(subject.contains(&late_id), "{subject}");
        assert!(
            text.contains(&format!("/api/v1/signals/{late_id}")),
            "{text}"
        );
        assert!(
            text.contains("Сигнал:") && !text.contains("Дело:"),
            "a signal, not a case: {text}"
        );
        for private in [
            "Әсел",
            "Test",
            "suicide",
            "Neighbour",
            "bruises",
            "2012-03-03",
            "+7 701",
        ] {
            assert!(
                !text.contains(private) && !subject.contains(private),
                "{private} leaked: {subject}\n{text}"
            );
        }
    }
    assert!(reminder.subject().unwrap().contains("срок истекает"));
    assert!(escalation.subject().unwrap().contains("срок просрочен"));

    // The inboxes: the district's intake and the region's supervisor, nobody else.
    let intake = inbox(&w.app, &w.intake).await;
    let reminded = of_kind(&intake, "triage_reminder");
    assert_eq!(reminded.len(), 1, "{intake:?}");
    assert_eq!(reminded[0]["signal_id"], late_id.as_str());
    assert_eq!(reminded[0]["link"], format!("/api/v1/signals/{late_id}"));
    let supervisor = inbox(&w.app, &w.supervisor).await;
    let escalated = of_kind(&supervisor, "triage_escalation");
    assert_eq!(escalated.len(), 1, "{supervisor:?}");
    assert_eq!(escalated[0]["signal_id"], late_id.as_str());
    assert!(!escalated[0]["text"].as_str().unwrap().contains("suicide"));
    for token in [
        &w.intake_elsewhere,
        &w.almaty_supervisor,
        &w.mobile,
        &w.manager,
    ] {
        assert_eq!(inbox(&w.app, token).await, Vec::<Value>::new());
    }
    // On the child's timeline, once each; nothing for the signal triaged in time.
    assert_eq!(events(&w.app, "deadline_reminder", &late_id), 1);
    assert_eq!(events(&w.app, "escalation", &late_id), 1);
    let mut conn = w.app.state.db.conn().unwrap();
    let clock: (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) = signals::table
        .find(&on_time_id)
        .select((signals::triage_reminded_at, signals::triage_escalated_at))
        .first(&mut conn)
        .unwrap();
    assert_eq!(clock, (None, None));
    let timeline = w
        .app
        .get(&format!("/api/v1/children/{child}/timeline"), &w.supervisor)
        .await;
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["signal", "deadline_reminder", "escalation"]);
}

// ---------------------------------------------------------------------------------------------
// Defect 2: `notify` routes notify

async fn notify_routes_tell_the_organisation_and_the_supervisors(backend: Backend) {
    let mut w = World::new(backend).await;
    w.until(w.app.at("2026-11-27 05:00")).await;
    let police = w
        .app
        .post(
            "/api/v1/organisations",
            &w.app.admin_token,
            json!({"name": "Police, juvenile unit", "kind": "police", "region_code": "KZ-71",
                   "district_code": "KZ-71-01", "email": "duty.kz71@police.example.kz"}),
        )
        .await;
    assert_eq!(police.status, StatusCode::CREATED, "{:?}", police.body);
    let police = police.body["id"].as_str().unwrap().to_string();
    let (_, officer) = w.app.user("police.one", "specialist", &police).await;
    let centre = w
        .app
        .organisation("psychological_support_centre", "KZ-71", Some("KZ-71-01"))
        .await;
    let (_, psychologist) = w.app.user("psych.one", "specialist", &centre).await;
    // No mental-health centre is registered: that referral is a gap.

    let s = critical_signal(&w, "Дамир", &["suicide_risk", "violence_physical"]).await;
    let opened = w
        .app
        .post(
            &format!("/api/v1/signals/{}/triage", s["id"].as_str().unwrap()),
            &w.intake,
            json!({"decision": "open_case", "risk_level": "critical", "assignee_id": w.manager_id}),
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{:?}", opened.body);
    let case = opened.body["case_id"].as_str().unwrap().to_string();
    let card = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    let number = card.body["number"].as_str().unwrap().to_string();
    let referrals = w
        .app
        .get(&format!("/api/v1/cases/{case}/referrals"), &w.supervisor)
        .await;
    let referrals = referrals.body["items"].as_array().unwrap().clone();
    let to = |org: &str, kind: &str| {
        referrals
            .iter()
            .find(|r| r["to_organisation_id"] == org && r["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} to {org}: {referrals:?}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let police_notice = to(&police, "notification");
    let referral = to(&centre, "referral");

    // The police: a protocol notification, linked to the record it must answer.
    let told = inbox(&w.app, &officer).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["kind"], "protocol_notification");
    assert_eq!(told[0]["ref_id"], police_notice.as_str());
    assert_eq!(
        told[0]["link"],
        format!("/api/v1/referrals/{police_notice}")
    );
    assert_eq!(told[0]["subject"], number.as_str());
    // The centre: the referral it received.
    let received = inbox(&w.app, &psychologist).await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0]["kind"], "referral_received");
    assert_eq!(received[0]["ref_id"], referral.as_str());
    // suicide_risk at critical: the region's supervisor at once — and the gap.
    let supervisor = inbox(&w.app, &w.supervisor).await;
    assert_eq!(
        of_kind(&supervisor, "protocol_notification").len(),
        1,
        "{supervisor:?}"
    );
    assert_eq!(
        of_kind(&supervisor, "routing_gap").len(),
        1,
        "{supervisor:?}"
    );
    for n in &supervisor {
        let text = n["text"].as_str().unwrap();
        assert!(text.contains(&number), "{text}");
        for private in ["suicide", "violence", "Дамир"] {
            assert!(!text.contains(private), "{private} in {text}");
        }
    }
    // The department's other staff are not its supervisors; other regions are not told; the
    // one who triaged knows.
    let manager = inbox(&w.app, &w.manager).await;
    assert!(of_kind(&manager, "protocol_notification").is_empty());
    assert!(of_kind(&manager, "routing_gap").is_empty());
    for token in [&w.almaty_supervisor, &w.intake, &w.intake_elsewhere] {
        assert_eq!(inbox(&w.app, token).await, Vec::<Value>::new());
    }

    // Mail: the police unit's own address and the supervisor, at once; the referral waits for
    // the specialist's digest. Case number and link only.
    let mail = outbox_mail(&w.app);
    let to_police: Vec<_> = mail
        .iter()
        .filter(|(to, ..)| to == "duty.kz71@police.example.kz")
        .collect();
    assert_eq!(to_police.len(), 1, "{mail:?}");
    let (_, subject, body) = to_police[0];
    assert!(subject.contains(&number), "{subject}");
    assert!(
        body.contains(&format!("/api/v1/referrals/{police_notice}")),
        "{body}"
    );
    assert!(mail.iter().any(|(to, ..)| to == "sup.astana@example.kz"));
    assert!(!mail.iter().any(|(to, ..)| to == "psych.one@example.kz"));
    for (_, subject, body) in &mail {
        for private in ["suicide", "violence", "Дамир", "Test", "Neighbour"] {
            assert!(
                !subject.contains(private) && !body.contains(private),
                "{private} leaked: {subject}\n{body}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Defect 5: routing gaps shown to the supervisor

async fn routing_gaps_are_the_supervisors_until_resolved(backend: Backend) {
    let w = World::new(backend).await;
    // violence_physical: notify the police, of which none is registered.
    let first = w.open_case("Ерлан", true).await;
    let second = w.open_case("Гүлнар", true).await;
    let path = "/api/v1/supervision/routing-gaps";
    let open = w
        .app
        .get(&format!("{path}?resolved=false"), &w.supervisor)
        .await;
    assert_eq!(open.status, StatusCode::OK, "{:?}", open.body);
    let items = open.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0]["case_id"], first.as_str(), "oldest first");
    assert_eq!(items[0]["action"], "notification");
    assert_eq!(items[0]["organisation_kind"], "police");
    assert!(items[0]["case_number"].is_string());
    assert!(items[0]["resolved_at"].is_null());
    assert!(
        items[0].get("concerns").is_none(),
        "concerns stay on the card"
    );
    // Paginated like every list.
    let page = w.app.get(&format!("{path}?limit=1"), &w.supervisor).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_string();
    let rest = w
        .app
        .get(&format!("{path}?limit=1&cursor={cursor}"), &w.supervisor)
        .await;
    assert_eq!(rest.body["items"][0]["case_id"], second.as_str());
    assert!(rest.body["next_cursor"].is_null());
    // Another region's supervisor sees none; other roles may not look.
    let elsewhere = w.app.get(path, &w.almaty_supervisor).await;
    assert_eq!(elsewhere.body["items"], json!([]));
    for token in [&w.manager, &w.intake, &w.app.admin_token] {
        assert_eq!(w.app.get(path, token).await.status, StatusCode::FORBIDDEN);
    }

    let gap = items[0]["id"].as_str().unwrap().to_string();
    let resolve = format!("{path}/{gap}/resolve");
    let note = "Police of the district informed by phone; a unit is being registered";
    assert_eq!(
        invalid_fields(
            &w.app
                .post(&resolve, &w.supervisor, json!({"note": "  "}))
                .await
        ),
        ["note"]
    );
    assert_eq!(
        invalid_fields(&w.app.post(&resolve, &w.supervisor, json!({})).await),
        ["note"]
    );
    let by_manager = w
        .app
        .post(&resolve, &w.manager, json!({"note": note}))
        .await;
    assert_eq!(by_manager.status, StatusCode::FORBIDDEN);
    let by_almaty = w
        .app
        .post(&resolve, &w.almaty_supervisor, json!({"note": note}))
        .await;
    assert_eq!(by_almaty.status, StatusCode::NOT_FOUND);
    let unknown = w
        .app
        .post(
            &format!("{path}/{}/resolve", uuid::Uuid::now_v7()),
            &w.supervisor,
            json!({"note": note}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let resolved = w
        .app
        .post(&resolve, &w.supervisor, json!({"note": note}))
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{:?}", resolved.body);
    assert_eq!(resolved.body["resolution"], note);
    assert!(resolved.body["resolved_at"].is_string());
    assert!(resolved.body["resolved_by"].is_string());
    let again = w
        .app
        .post(&resolve, &w.supervisor, json!({"note": note}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Off the list of open gaps, on the list of resolved ones.
    let open = w
        .app
        .get(&format!("{path}?resolved=false"), &w.supervisor)
        .await;
    let open: Vec<&Value> = open.body["items"].as_array().unwrap().iter().collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["case_id"], second.as_str());
    let done = w
        .app
        .get(&format!("{path}?resolved=true"), &w.supervisor)
        .await;
    assert_eq!(done.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(done.body["items"][0]["id"], gap.as_str());
    // Audited, and on the case's timeline.
    assert_eq!(events(&w.app, "routing_gap_resolved", &gap), 1);
    let mut conn = w.app.state.db.conn().unwrap();
    let audited: i64 = audit_log::table
        .filter(audit_log::resource.eq("routing_gap"))
        .filter(audit_log::resource_id.eq(&gap))
        .filter(audit_log::action.eq("update"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(audited, 1);
    // The supervisor was told of each gap when it was recorded.
    let told = inbox(&w.app, &w.supervisor).await;
    let gaps = of_kind(&told, "routing_gap");
    assert_eq!(gaps.len(), 2, "{told:?}");
    assert!(gaps.iter().all(|n| n["link"] == path));
}

// ---------------------------------------------------------------------------------------------
// Defects 3 and 4: follow-up after closure, plan review

/// A case taken through its plan to closure; returns its id.
async fn closed_case(w: &World, first_name: &str) -> String {
    let case = w.with_approved_plan(first_name).await;
    let path = format!("/api/v1/cases/{case}/transitions");
    for (token, body) in [
        (&w.manager, json!({"to": "in_progress"})),
        (&w.manager, json!({"to": "monitoring"})),
        (
            &w.manager,
            json!({"to": "closure_requested", "closure_reason": "goals_achieved"}),
        ),
        (&w.supervisor, json!({"to": "closed"})),
    ] {
        let r = w.app.post(&path, token, body).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    case
}

/// The case's deadlines of `kind`, as its card shows them.
async fn deadlines(w: &World, case: &str, kind: &str) -> Vec<Value> {
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == kind)
        .cloned()
        .collect()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

async fn a_follow_up_contact_meets_the_follow_up_deadline(backend: Backend) {
    let mut w = World::new(backend).await;
    w.until(w.app.at("2026-11-27 05:00")).await;
    let seen = closed_case(&w, "Айдана").await;
    let forgotten = closed_case(&w, "Бауыржан").await;
    let clock = deadlines(&w, &seen, "follow_up").await;
    let (closed_at, follow_up_due) = (time(&clock[0]["starts_at"]), time(&clock[0]["due_at"]));
    assert_eq!(follow_up_due - closed_at, Duration::days(90), "medium risk");

    // A month on, the case manager sees the child of one case.
    w.later(Duration::days(30)).await;
    let path = format!("/api/v1/cases/{seen}/follow-ups");
    let contact = |occurred_at: DateTime<Utc>, outcome: &str| {
        json!({"occurred_at": rfc3339(occurred_at), "child_seen": true, "outcome": outcome,
               "note": "Visited at home; the mother has lost her job"})
    };
    let now = w.app.now();
    let future = w
        .app
        .post(
            &path,
            &w.manager,
            contact(now + Duration::hours(2), "stable"),
        )
        .await;
    assert_eq!(invalid_fields(&future), ["occurred_at"]);
    let before_closure = w
        .app
        .post(
            &path,
            &w.manager,
            contact(closed_at - Duration::days(1), "stable"),
        )
        .await;
    assert_eq!(invalid_fields(&before_closure), ["occurred_at"]);
    let empty = w.app.post(&path, &w.manager, json!({})).await;
    assert_eq!(
        invalid_fields(&empty),
        ["occurred_at", "child_seen", "outcome", "note"]
    );
    let unknown = w.app.post(&path, &w.manager, contact(now, "fine")).await;
    assert_eq!(invalid_fields(&unknown), ["outcome"]);
    let other_region = w
        .app
        .post(&path, &w.almaty_supervisor, contact(now, "stable"))
        .await;
    assert_eq!(other_region.status, StatusCode::NOT_FOUND);
    let intake = w.app.post(&path, &w.intake, contact(now, "stable")).await;
    assert!(
        matches!(intake.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        intake.status
    );

    let recorded = w
        .app
        .post(
            &path,
            &w.manager,
            contact(now - Duration::days(1), "concerns"),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::CREATED, "{:?}", recorded.body);
    assert_eq!(recorded.body["outcome"], "concerns");
    assert_eq!(recorded.body["child_seen"], true);
    let follow_up = recorded.body["id"].as_str().unwrap().to_string();
    let met = deadlines(&w, &seen, "follow_up").await;
    assert_eq!(met.len(), 1);
    assert_eq!(met[0]["status"], "met");
    assert_eq!(
        deadlines(&w, &forgotten, "follow_up").await[0]["status"],
        "pending"
    );
    assert_eq!(events(&w.app, "follow_up", &follow_up), 1);
    // Concerns: the region's supervisors are asked whether to reopen.
    let told = inbox(&w.app, &w.supervisor).await;
    let concerns = of_kind(&told, "follow_up_concerns");
    assert_eq!(concerns.len(), 1, "{told:?}");
    assert_eq!(concerns[0]["case_id"], seen.as_str());
    assert_eq!(concerns[0]["ref_id"], follow_up.as_str());
    assert!(
        !concerns[0]["text"]
            .as_str()
            .unwrap()
            .contains("lost her job")
    );
    assert!(
        of_kind(
            &inbox(&w.app, &w.almaty_supervisor).await,
            "follow_up_concerns"
        )
        .is_empty()
    );
    // The supervisor records one too; the list pages.
    let stable = w
        .app
        .post(&path, &w.supervisor, contact(w.app.now(), "stable"))
        .await;
    assert_eq!(stable.status, StatusCode::CREATED, "{:?}", stable.body);
    let page = w.app.get(&format!("{path}?limit=1"), &w.manager).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    assert_eq!(page.body["items"][0]["id"], follow_up.as_str());
    let cursor = page.body["next_cursor"].as_str().unwrap().to_string();
    let rest = w
        .app
        .get(&format!("{path}?limit=1&cursor={cursor}"), &w.manager)
        .await;
    assert_eq!(rest.body["items"][0]["outcome"], "stable");
    assert!(rest.body["next_cursor"].is_null());
    let hidden = w.app.get(&path, &w.almaty_supervisor).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // The follow-up deadline passes: the case without a contact escalates, the other does not.
    w.until(follow_up_due + Duration::hours(1)).await;
    let smtp = smtp_server::start().await;
    let tick = worker::tick(&w.app.state, &smtp_mailer(smtp.port))
        .await
        .unwrap();
    assert_eq!(tick.escalations, 1, "{tick:?}");
    let lapsed = deadlines(&w, &forgotten, "follow_up").await;
    assert_eq!(lapsed[0]["status"], "overdue");
    let met = &deadlines(&w, &seen, "follow_up").await[0];
    assert_eq!(met["status"], "met");
    let mut conn = w.app.state.db.conn().unwrap();
    let mut escalated = |case: &str| -> i64 {
        timeline::table
            .filter(timeline::kind.eq("escalation"))
            .filter(timeline::case_id.eq(case))
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    assert_eq!(escalated(&forgotten), 1);
    assert_eq!(escalated(&seen), 0);
}

async fn a_plan_review_meets_the_review_deadline_and_restarts_it(backend: Backend) {
    let mut w = World::new(backend).await;
    w.until(w.app.at("2026-11-27 05:00")).await;
    let case = w.with_approved_plan("Дана").await;
    let first = deadlines(&w, &case, "plan_review").await;
    assert_eq!(first.len(), 1);
    let first_due = time(&first[0]["due_at"]);
    let without_plan = w.open_case("Марат", true).await;
    let path = format!("/api/v1/cases/{case}/plan/review");
    let body = json!({"decision": "unchanged", "note": "Goals still fit; attendance improving"});

    // No approved plan: nothing to review. An open case takes no follow-up either.
    let none = w
        .app
        .post(
            &format!("/api/v1/cases/{without_plan}/plan/review"),
            &w.manager,
            body.clone(),
        )
        .await;
    assert_eq!(none.status, StatusCode::CONFLICT, "{:?}", none.body);
    let open = w
        .app
        .post(
            &format!("/api/v1/cases/{without_plan}/follow-ups"),
            &w.manager,
            json!({"occurred_at": rfc3339(w.app.now()), "child_seen": true, "outcome": "stable", "note": "Fine"}),
        )
        .await;
    assert_eq!(open.status, StatusCode::CONFLICT, "{:?}", open.body);
    // Bad input, other regions, other roles.
    let changed = w
        .app
        .post(&path, &w.manager, json!({"decision": "changed"}))
        .await;
    assert_eq!(invalid_fields(&changed), ["decision", "note"]);
    let elsewhere = w.app.post(&path, &w.almaty_supervisor, body.clone()).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);

    // Three weeks on, the case manager reviews it and keeps it.
    w.later(Duration::days(21)).await;
    let reviewed = w.app.post(&path, &w.manager, body.clone()).await;
    assert_eq!(reviewed.status, StatusCode::CREATED, "{:?}", reviewed.body);
    assert_eq!(reviewed.body["decision"], "unchanged");
    assert_eq!(reviewed.body["version"], 1);
    let next_due = time(&reviewed.body["next_review_due"]);
    assert!(next_due > first_due, "{next_due} after {first_due}");
    let reviews = deadlines(&w, &case, "plan_review").await;
    let met: Vec<&Value> = reviews.iter().filter(|d| d["status"] == "met").collect();
    let pending: Vec<&Value> = reviews
        .iter()
        .filter(|d| d["status"] == "pending")
        .collect();
    assert_eq!((met.len(), pending.len()), (1, 1), "{reviews:?}");
    assert_eq!(time(&met[0]["due_at"]), first_due);
    assert_eq!(time(&pending[0]["due_at"]), next_due);
    assert!(
        time(&pending[0]["starts_at"]) >= time(&met[0]["starts_at"]) + Duration::days(21),
        "counted from the review"
    );
    let review = reviewed.body["id"].as_str().unwrap().to_string();
    assert_eq!(events(&w.app, "plan_reviewed", &review), 1);
    // The supervisor may review it too.
    let by_supervisor = w.app.post(&path, &w.supervisor, body).await;
    assert_eq!(by_supervisor.status, StatusCode::CREATED);
}
