//! The event feed and webhooks (issue 23, docs/integration.md): events appear in commit order,
//! each reader sees what need-to-know allows — the 111 centre's account only the status of the
//! signals it filed, with its own reference, nothing about the child — and subscriptions
//! deliver each event signed, once, retried until the receiver is back.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, join_all};
use crate::on_both_backends;
use crate::world::{World, signal};

on_both_backends!(
    the_feed_is_in_commit_order_and_scoped,
    the_feed_keeps_commit_order_under_concurrent_writes,
    the_feed_refuses_bad_parameters_and_roles_without_need,
);

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
pub fn call_111(external_ref: &str, first_name: &str) -> Value {
    let child = json!({"first_name": first_name, "last_name": "Test", "birth_date": "2012-03-03"});
    let mut call = signal(child);
    call["source"] = json!("contact_centre_111");
    call["external_ref"] = json!(external_ref);
    call
}

/// The 111 centre's integration account in the world's region: (user id, token).
pub async fn line_111(w: &World) -> (String, String) {
    let centre = w.app.organisation("contact_centre", "KZ-71", None).await;
    w.app.user("line.111", "integration", &centre).await
}

async fn the_feed_is_in_commit_order_and_scoped(backend: Backend) {
    let w = World::new(backend).await;
    let (_, line111) = line_111(&w).await;
    let filed = w
        .app
        .post(
            "/api/v1/signals",
            &line111,
            call_111("111-2026-0000042", "Aigerim"),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    let from_111 = filed.body["id"].as_str().unwrap().to_string();
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
