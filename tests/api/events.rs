//! The event feed and webhooks (issue 23, docs/integration.md): events appear in commit order,
//! each reader sees what need-to-know allows — the 111 centre's account only the status of the
//! signals it filed, with its own reference, nothing about the child — and subscriptions
//! deliver each event signed, once, retried until the receiver is back.

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use qorgau_api::AppState;
use qorgau_api::worker;
use qorgau_domain::event::verify;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, TestApp, join_all, test_config};
use crate::on_both_backends;
use crate::world::{World, signal};

on_both_backends!(
    the_feed_is_in_commit_order_and_scoped,
    the_feed_keeps_commit_order_under_concurrent_writes,
    the_feed_refuses_bad_parameters_and_roles_without_need,
    webhooks_deliver_each_event_signed_once,
    a_receiver_down_gets_every_event_after_it_returns,
    retention_deletes_events_older_than_the_period,
);

/// One delivery as the test's receiver got it.
#[derive(Clone, Debug)]
struct Received {
    signature: String,
    event_id: String,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A webhook receiver on `127.0.0.1:port`, answering 204 and keeping what it got.
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    server: actix_web::dev::ServerHandle,
}

impl Receiver {
    fn start(port: u16) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let kept = got.clone();
        let server = HttpServer::new(move || {
            let kept = kept.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: String| {
                let kept = kept.clone();
                async move {
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    kept.lock().unwrap().push(Received {
                        signature: header("qorgau-signature"),
                        event_id: header("qorgau-event-id"),
                        body,
                    });
                    HttpResponse::NoContent().finish()
                }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", port))
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            got,
            server: handle,
        }
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// A port nobody listens on (yet).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The test's server and, on PostgreSQL, a second instance on the same database and clock.
fn instances(app: &TestApp, backend: Backend) -> Vec<AppState> {
    let mut all = vec![app.state.clone()];
    if backend == Backend::Postgres {
        let mut config = test_config(&app.db.url);
        config.webhook_pause_after = app.state.config.webhook_pause_after;
        all.push(
            AppState::open(config)
                .unwrap()
                .with_clock(app.clock.clone()),
        );
    }
    all
}

/// `passes` worker passes at once over `instances`: (delivered, failed).
async fn ticks(instances: &[AppState], passes: usize) -> (usize, usize) {
    let mailer = qorgau_api::mail::Mailer::Files(std::env::temp_dir().join("qorgau-events-mail"));
    let all = join_all(
        instances
            .iter()
            .cycle()
            .take(passes)
            .map(|s| worker::tick(s, &mailer)),
    )
    .await;
    all.into_iter().map(|t| t.unwrap()).fold((0, 0), |acc, t| {
        (acc.0 + t.webhooks_delivered, acc.1 + t.webhooks_failed)
    })
}

async fn subscribe(w: &World, body: Value) -> Value {
    let r = w
        .app
        .post("/api/v1/admin/webhooks", &w.app.admin_token, body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

/// Every event `token` may see of `types` (comma-separated, empty: all), page by page.
pub async fn feed(w: &World, token: &str, types: &str) -> Vec<Value> {
    let mut after = 0;
    let mut all = Vec::new();
    loop {
        let r = w
            .app
            .get(
                &format!("/api/v1/events?after={after}&limit=7&types={types}"),
                token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        after = r.body["next_after"].as_i64().unwrap();
        if items.is_empty() {
            return all;
        }
        all.extend(items);
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

/// A 111 call about a new child, as the centre's integration account files it.
fn call_111(external_ref: &str, first_name: &str) -> Value {
    let child = json!({"first_name": first_name, "last_name": "Test", "birth_date": "2012-03-03"});
    let mut call = signal(child);
    call["source"] = json!("contact_centre_111");
    call["external_ref"] = json!(external_ref);
    call
}

/// A 111 call filed by the centre's account (`token`): the new signal's id.
async fn file_111(w: &World, token: &str, external_ref: &str, first_name: &str) -> String {
    let filed = w
        .app
        .post("/api/v1/signals", token, call_111(external_ref, first_name))
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    filed.body["id"].as_str().unwrap().to_string()
}

/// The 111 centre's integration account in the world's region: (user id, token).
pub async fn line_111(w: &World) -> (String, String) {
    let centre = w.app.organisation("contact_centre", "KZ-71", None).await;
    w.app.user("line.111", "integration", &centre).await
}

async fn the_feed_is_in_commit_order_and_scoped(backend: Backend) {
    let w = World::new(backend).await;
    let (_, line111) = line_111(&w).await;
    let from_111 = file_111(&w, &line111, "111-2026-0000042", "Aigerim").await;
    let child = json!({"first_name": "Dana", "last_name": "Test", "birth_date": "2013-04-04"});
    let other = w.file(signal(child)).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let case = w.triage_open(&from_111).await["case_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = w
        .app
        .post(
            &format!("/api/v1/signals/{other}/triage"),
            &w.intake,
            json!({"decision": "screen_out", "reason": "Duplicate of the 111 call"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // The region's supervisor: everything, in one increasing order, the writes' order.
    let all = feed(&w, &w.supervisor, "").await;
    let s = seqs(&all);
    assert!(s.windows(2).all(|p| p[0] < p[1]), "{s:?}");
    let t = types(&all);
    let at = |ty: &str| t.iter().position(|x| *x == ty).unwrap_or(usize::MAX);
    assert_eq!(t[..2], ["signal.received", "signal.received"], "{t:?}");
    assert!(at("signal.triaged") < at("case.opened"), "{t:?}");
    assert!(at("case.opened") < at("case.assigned"), "{t:?}");
    assert!(at("case.assigned") < at("signal.screened_out"), "{t:?}");
    let opened = &all[at("case.opened")];
    assert_eq!(opened["case_id"], json!(case));
    assert_eq!(opened["region_code"], "KZ-71");
    assert_eq!(opened["data"]["risk_level"], "high");
    // Never a name or free text.
    let text = serde_json::to_string(&all).unwrap();
    for secret in ["Aigerim", "Dana", "Neighbour", "bruises", "Duplicate"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // The types filter, and `after` as a cursor.
    let cases = feed(&w, &w.supervisor, "case.opened,case.assigned").await;
    assert_eq!(types(&cases), ["case.opened", "case.assigned"]);
    let after = s[1];
    let r = w
        .app
        .get(&format!("/api/v1/events?after={after}"), &w.supervisor)
        .await;
    assert_eq!(seqs(r.body["items"].as_array().unwrap()), s[2..]);

    // The 111 account: the statuses of its own signal, with its reference, nothing else.
    let mine = feed(&w, &line111, "").await;
    assert_eq!(types(&mine), ["signal.received", "signal.triaged"]);
    for e in &mine {
        assert_eq!(e["signal_id"], json!(from_111));
        assert_eq!(e["external_ref"], "111-2026-0000042");
        assert_eq!(e["case_id"], Value::Null);
        assert_eq!(e["district_code"], Value::Null);
        assert_eq!(e["ref_id"], Value::Null);
        assert_eq!(e["data"].as_object().unwrap().len(), 1, "{e}");
    }
    assert_eq!(mine[0]["data"]["status"], "received");
    assert_eq!(mine[1]["data"]["status"], "case_opened");

    // The case manager: her case's events only; intake of the other district and another
    // region's supervisor: nothing.
    let hers = feed(&w, &w.manager, "").await;
    assert!(!hers.is_empty());
    assert!(hers.iter().all(|e| e["case_id"] == json!(case)), "{hers:?}");
    assert!(feed(&w, &w.intake_elsewhere, "").await.is_empty());
    assert!(feed(&w, &w.almaty_supervisor, "").await.is_empty());
    let intake = feed(&w, &w.intake, "").await;
    assert_eq!(seqs(&intake), s, "intake sees its district's");

    // Reading events of a case is audited, against the case's child; the 111 account's reads
    // (no case data) are not.
    let mut conn = w.app.state.db.conn().unwrap();
    use diesel::prelude::*;
    use qorgau_persistence::schema::audit_log;
    let entries: Vec<(Option<String>, String)> = audit_log::table
        .filter(
            audit_log::resource
                .eq("events")
                .or(audit_log::resource.eq("case")),
        )
        .filter(audit_log::action.eq("list"))
        .select((audit_log::child_id, audit_log::resource_id))
        .load(&mut conn)
        .unwrap();
    assert!(
        entries
            .iter()
            .any(|(child, id)| child.is_some() && *id == case)
    );
    assert!(entries.iter().any(|(_, id)| id == "*"));
}

async fn the_feed_keeps_commit_order_under_concurrent_writes(backend: Backend) {
    let w = World::new(backend).await;
    let n = 24;
    let writes = join_all((0..n).map(|i| {
        let child =
            json!({"first_name": format!("C{i}"), "last_name": "Test", "birth_date": "2014-05-05"});
        w.file(signal(child))
    }));
    // A reader polls while the writes commit: whatever it saw, it never skips an event that
    // appears later below its cursor.
    let reader = async {
        let mut after = 0;
        let mut seen = Vec::new();
        for _ in 0..200 {
            let r = w
                .app
                .get(&format!("/api/v1/events?after={after}"), &w.supervisor)
                .await;
            let items = r.body["items"].as_array().unwrap().clone();
            after = r.body["next_after"].as_i64().unwrap();
            seen.extend(seqs(&items));
            if seen.len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        seen
    };
    let (filed, seen) = tokio::join!(writes, reader);
    assert!(filed.iter().all(|r| r.status == StatusCode::CREATED));
    let all = seqs(&feed(&w, &w.supervisor, "").await);
    assert_eq!(all, (1..=i64::try_from(n).unwrap()).collect::<Vec<_>>());
    assert_eq!(seen, all, "the polling reader missed none");
}

async fn the_feed_refuses_bad_parameters_and_roles_without_need(backend: Backend) {
    let w = World::new(backend).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("after=-1", "after"),
        ("types=signal.received,case.eaten", "types"),
    ] {
        let r = w
            .app
            .get(&format!("/api/v1/events?{query}"), &w.supervisor)
            .await;
        assert_eq!(crate::common::invalid_fields(&r), [field], "{query}");
    }
    let analysts = w.app.organisation("other", "KZ-71", None).await;
    let (_, analyst) = w.app.user("analyst.one", "analyst", &analysts).await;
    for token in [&analyst, &w.app.admin_token, &w.mobile] {
        let r = w.app.get("/api/v1/events", token).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    }
}

async fn webhooks_deliver_each_event_signed_once(backend: Backend) {
    let w = World::new(backend).await;
    let (line_id, line111) = line_111(&w).await;
    let port = free_port();
    let receiver = Receiver::start(port);
    let url = format!("http://127.0.0.1:{port}/qorgau");
    let hook = subscribe(&w, json!({"url": url, "account_id": line_id})).await;
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(secret.len() >= 24);
    let regional = subscribe(
        &w,
        json!({"url": format!("{url}/region"), "region_code": "KZ-71", "event_types": ["case.opened"],
               "secret": "a region's secret, long enough"}),
    )
    .await;
    // Listed without secrets.
    let listed = w
        .app
        .get("/api/v1/admin/webhooks", &w.app.admin_token)
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    assert!(!listed.body.to_string().contains(&secret));

    let signal_id = file_111(&w, &line111, "111-2026-0000077", "Aruzhan").await;
    w.triage_open(&signal_id).await;

    // Two instances racing on PostgreSQL (four passes at once): each event once.
    let (delivered, failed) = ticks(&instances(&w.app, backend), 4).await;
    assert_eq!((delivered, failed), (3, 0));
    let (delivered, _) = ticks(&instances(&w.app, backend), 2).await;
    assert_eq!(delivered, 0, "nothing twice");

    let got = receiver.got();
    let (mut to_111, to_region): (Vec<_>, Vec<_>) = got
        .iter()
        .partition(|r| r.json()["external_ref"].is_string());
    // Two instances send at once: arrival order is not commit order; `seq` is.
    to_111.sort_by_key(|r| r.json()["seq"].as_i64());
    let types: Vec<Value> = to_111.iter().map(|r| r.json()["type"].clone()).collect();
    assert_eq!(types, [json!("signal.received"), json!("signal.triaged")]);
    let now = w.app.now().timestamp();
    for r in &to_111 {
        let body = r.json();
        assert_eq!(body["external_ref"], "111-2026-0000077");
        assert_eq!(body["signal_id"], json!(signal_id));
        assert_eq!(body["case_id"], Value::Null);
        assert_eq!(r.event_id, body["id"].as_str().unwrap());
        assert!(verify(
            secret.as_bytes(),
            &r.signature,
            r.body.as_bytes(),
            now,
            300
        ));
        assert!(!verify(
            b"not the secret at all, no",
            &r.signature,
            r.body.as_bytes(),
            now,
            300
        ));
        assert!(!verify(
            secret.as_bytes(),
            &r.signature,
            r.body.as_bytes(),
            now + 3600,
            300
        ));
    }
    assert_eq!(to_111[1].json()["data"]["status"], "case_opened");
    assert_eq!(to_region.len(), 1);
    assert_eq!(to_region[0].json()["type"], "case.opened");
    assert!(verify(
        b"a region's secret, long enough",
        &to_region[0].signature,
        to_region[0].body.as_bytes(),
        now,
        300
    ));

    let id = hook["id"].as_str().unwrap();
    let log = w
        .app
        .get(
            &format!("/api/v1/admin/webhooks/{id}/deliveries"),
            &w.app.admin_token,
        )
        .await;
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .all(|d| d["delivered_at"].is_string() && d["attempts"] == 1)
    );

    // Removed: nothing more is sent to it.
    let gone = w
        .app
        .send(
            reqwest::Method::DELETE,
            &format!(
                "/api/v1/admin/webhooks/{}",
                regional["id"].as_str().unwrap()
            ),
            Some(&w.app.admin_token),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    w.open_case("Bota", false).await;
    ticks(&instances(&w.app, backend), 1).await;
    assert_eq!(
        receiver.got().len(),
        got.len(),
        "the 111 account's signals only; the region's removed"
    );

    // Bad subscriptions name the field; others than the administrator may not subscribe.
    for (body, field) in [
        (json!({"url": "ftp://x", "region_code": "KZ-71"}), "url"),
        (json!({"url": "https://", "region_code": "KZ-71"}), "url"),
        (json!({"url": url, "region_code": "KZ-99"}), "region_code"),
        (json!({"url": url}), "account_id"),
        (
            json!({"url": url, "region_code": "KZ-71", "secret": "short"}),
            "secret",
        ),
    ] {
        let r = w
            .app
            .post("/api/v1/admin/webhooks", &w.app.admin_token, body)
            .await;
        assert_eq!(crate::common::invalid_fields(&r), [field]);
    }
    let r = w
        .app
        .post(
            "/api/v1/admin/webhooks",
            &w.supervisor,
            json!({"url": url, "region_code": "KZ-71"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    receiver.server.stop(false).await;
}

async fn a_receiver_down_gets_every_event_after_it_returns(backend: Backend) {
    let app = TestApp::start_with(backend, |c| c.webhook_pause_after = 4).await;
    let mut w = World::on(app).await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let hook = subscribe(
        &w,
        json!({"url": url, "region_code": "KZ-71", "event_types": ["signal.received"]}),
    )
    .await;
    let id = hook["id"].as_str().unwrap().to_string();
    for name in ["Alma", "Berik", "Daulet"] {
        let child = json!({"first_name": name, "last_name": "Test", "birth_date": "2013-01-01"});
        assert_eq!(w.file(signal(child)).await.status, StatusCode::CREATED);
    }
    // Nobody listens: three failures, retried in a minute, not before.
    let all = instances(&w.app, backend);
    assert_eq!(ticks(&all, 2).await, (0, 3));
    assert_eq!(ticks(&all, 1).await, (0, 0), "backing off");
    let log = w
        .app
        .get(
            &format!("/api/v1/admin/webhooks/{id}/deliveries"),
            &w.app.admin_token,
        )
        .await;
    for d in log.body["items"].as_array().unwrap() {
        assert_eq!(d["attempts"], 1);
        assert!(d["last_error"].as_str().unwrap().contains("connect"), "{d}");
    }
    // Still down a few minutes later: the fourth failure in a row pauses the subscription,
    // and the pass sends it nothing more (the other two wait for the administrator).
    w.later(chrono::Duration::minutes(3)).await;
    assert_eq!(ticks(&all, 1).await, (0, 1));
    let listed = w
        .app
        .get("/api/v1/admin/webhooks", &w.app.admin_token)
        .await;
    assert!(
        listed.body["items"][0]["paused_at"].is_string(),
        "{:?}",
        listed.body
    );

    // Back up: a paused subscription waits for the administrator, then gets everything once.
    let receiver = Receiver::start(port);
    w.later(chrono::Duration::minutes(10)).await;
    assert_eq!(ticks(&all, 1).await, (0, 0), "paused");
    let child = json!({"first_name": "Erlan", "last_name": "Test", "birth_date": "2013-01-01"});
    assert_eq!(w.file(signal(child)).await.status, StatusCode::CREATED);
    let r = w
        .app
        .post(
            &format!("/api/v1/admin/webhooks/{id}/resume"),
            &w.app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["paused_at"], Value::Null);
    assert_eq!(ticks(&all, 2).await, (4, 0));
    let got = receiver.got();
    let mut ids: Vec<String> = got.iter().map(|r| r.event_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "every event, once");
    let feed = feed(&w, &w.supervisor, "signal.received").await;
    let mut expected: Vec<String> = feed
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    expected.sort();
    assert_eq!(ids, expected);
    receiver.server.stop(false).await;
}

async fn retention_deletes_events_older_than_the_period(backend: Backend) {
    let mut w = World::new(backend).await;
    // A subscription made before the events, which has not taken them (no worker pass),
    // keeps them while it exists.
    let hook = subscribe(
        &w,
        json!({"url": "https://crm.example.kz/hook", "region_code": "KZ-71"}),
    )
    .await;
    let child = json!({"first_name": "Old", "last_name": "Test", "birth_date": "2013-01-01"});
    assert_eq!(w.file(signal(child)).await.status, StatusCode::CREATED);
    w.later(chrono::Duration::days(60)).await;
    let child = json!({"first_name": "New", "last_name": "Test", "birth_date": "2013-01-01"});
    assert_eq!(w.file(signal(child)).await.status, StatusCode::CREATED);
    w.later(chrono::Duration::days(31)).await;
    let run = || qorgau_app::retention::Run {
        closed_case_years: 5,
        event_days: 90,
        dry_run: false,
    };
    let mut conn = w.app.state.db.conn().unwrap();
    let report = qorgau_app::retention::run(&mut conn, &w.app.state, run()).unwrap();
    assert_eq!(report.events_deleted, 0, "waited for by a subscription");
    drop(conn);
    let id = hook["id"].as_str().unwrap();
    let r = w
        .app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/admin/webhooks/{id}"),
            Some(&w.app.admin_token),
            None,
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let mut conn = w.app.state.db.conn().unwrap();
    let report = qorgau_app::retention::run(&mut conn, &w.app.state, run()).unwrap();
    drop(conn);
    assert_eq!(report.events_deleted, 1);
    let left = feed(&w, &w.supervisor, "").await;
    assert_eq!(seqs(&left), [2], "the newer event, with its number");
}
