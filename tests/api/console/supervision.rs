//! The supervisor's dashboard (docs/console.md): closures decided — the case's version checked
//! —, incoming transfers accepted or declined, routing gaps resolved and break-glass asked for,
//! each by the use case of its REST route (checked through the API), refused without its form
//! token, bad input named, and out of the caller's scope or role 404 or 403.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Browser, forged, refused, send};
use crate::common::Backend;
use crate::on_both_backends;
use crate::world::{World, move_to};

const BOARD: &str = "/console/supervision";

/// Every console page stays under this size (issue 22).
pub const PAGE_LIMIT: usize = 100 * 1024;

async fn case(w: &World, token: &str, case: &str) -> Value {
    let r = w.app.get(&format!("/api/v1/cases/{case}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

/// A case of the world's manager whose closure she requested.
async fn closure_requested(w: &World, name: &str) -> String {
    let case = w.with_approved_plan(name).await;
    for body in [
        json!({"to": "in_progress"}),
        json!({"to": "closure_requested", "closure_reason": "goals_achieved"}),
    ] {
        let r = move_to(w, &w.manager, &case, body).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    case
}

async fn closures_are_decided_from_the_dashboard(backend: Backend) {
    let w = World::new(backend).await;
    let (closing, returning) = (
        closure_requested(&w, "Asel").await,
        closure_requested(&w, "Bekzat").await,
    );
    let mut b = Browser::new(&w);
    b.sign_in("sup.astana").await;
    let board = b.get(BOARD).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.html);
    assert!(board.html.len() < PAGE_LIMIT);
    assert!(
        board.html.contains("Мақсаттарға қол жеткізілді"),
        "the closure reason's label: {}",
        board.html
    );
    let target = format!("{BOARD}/{closing}/closure");
    let version = board.form(&target).field("version");
    forged(
        &mut b,
        &target,
        &[("version", &version), ("decision", "approve")],
    )
    .await;
    assert_eq!(
        case(&w, &w.supervisor, &closing).await["status"],
        "closure_requested"
    );

    // Returned without saying what to do: the note is named, in the row's own form.
    let bad = send(
        &mut b,
        &board,
        &target,
        &[
            ("version", &version),
            ("decision", "return"),
            ("reason", " "),
        ],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &[&format!("closure-{}-reason", &closing[..8])],
    );
    // The case changes meanwhile (assigned again): a decision made on what it was decides nothing.
    w.assign_to_manager(&closing).await;
    let stale = send(
        &mut b,
        &board,
        &target,
        &[
            ("version", &version),
            ("decision", "approve"),
            ("reason", "All goals met"),
        ],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
    assert!(stale.html.contains("ештеңе шешілмеді"), "{}", stale.html);
    assert!(stale.html.contains("All goals met"), "the form as typed");
    let now = stale.form(&target).field("version");
    assert_ne!(now, version);
    assert_eq!(
        case(&w, &w.supervisor, &closing).await["status"],
        "closure_requested"
    );
    // On the version shown now: closed, as the REST transition closes it.
    let done = send(
        &mut b,
        &board,
        &target,
        &[("version", &now), ("decision", "approve")],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(
        done.location.as_deref(),
        Some("/console/supervision?saved=closure#closure")
    );
    let closed = case(&w, &w.supervisor, &closing).await;
    assert_eq!(closed["status"], "closed");
    assert!(
        b.get(done.location.as_deref().unwrap())
            .await
            .html
            .contains("Жабу туралы шешім сақталды.")
    );
    // Returned with a note: back to work, the manager told.
    let target = format!("{BOARD}/{returning}/closure");
    let version = board.form(&target).field("version");
    let done = send(
        &mut b,
        &board,
        &target,
        &[
            ("version", &version),
            ("decision", "return"),
            ("reason", "Visit the school first"),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(
        case(&w, &w.manager, &returning).await["status"],
        "in_progress"
    );
    let after = b.get(BOARD).await;
    assert!(!after.html.contains(&format!("{BOARD}/{returning}/closure")));

    // Another region's supervisor may not decide; a case manager has no dashboard.
    let mut other = Browser::new(&w);
    other.sign_in("sup.almaty").await;
    let theirs = other.get(BOARD).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.html.contains(&closing));
    let late = send(
        &mut other,
        &theirs,
        &format!("{BOARD}/{returning}/closure"),
        &[("version", "1"), ("decision", "approve")],
    )
    .await;
    assert_eq!(late.status, StatusCode::NOT_FOUND, "{}", late.html);
    let no_form = send(
        &mut other,
        &theirs,
        &format!("{BOARD}/{returning}/nothing"),
        &[],
    )
    .await;
    assert_eq!(no_form.status, StatusCode::NOT_FOUND);
    let mut cm = Browser::new(&w);
    cm.sign_in("cm.astana").await;
    assert_eq!(cm.get(BOARD).await.status, StatusCode::FORBIDDEN);
}

async fn transfers_and_routing_gaps_are_decided_from_the_dashboard(backend: Backend) {
    let w = World::new(backend).await;
    let moving = w.open_case("Dias", true).await;
    let r = w
        .app
        .post(
            &format!("/api/v1/cases/{moving}/transfer"),
            &w.manager,
            json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "The family moved to Almaty"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let mut almaty = Browser::new(&w);
    almaty.sign_in("sup.almaty").await;
    let board = almaty.get(BOARD).await;
    assert!(
        board.html.contains("The family moved to Almaty"),
        "{}",
        board.html
    );
    let target = format!("{BOARD}/{moving}/transfer");
    forged(&mut almaty, &target, &[("decision", "accept")]).await;
    let bad = send(
        &mut almaty,
        &board,
        &target,
        &[("decision", "decline"), ("reason", "")],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &[&format!("transfer-{}-reason", &moving[..8])],
    );
    let done = send(&mut almaty, &board, &target, &[("decision", "accept")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let moved = case(&w, &w.almaty_supervisor, &moving).await;
    assert_eq!(moved["region_code"], "KZ-75");
    assert!(!almaty.get(BOARD).await.html.contains(&target));

    // The region's routing gaps (no police registered): resolved with how the duty was met.
    let gapped = w.open_case("Ermek", true).await;
    let gaps = w
        .app
        .get(
            "/api/v1/supervision/routing-gaps?resolved=false",
            &w.supervisor,
        )
        .await;
    let gap = gaps.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["case_id"] == gapped.as_str())
        .expect("a routing gap of the new case")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut b = Browser::new(&w);
    b.sign_in("sup.astana").await;
    let board = b.get(BOARD).await;
    let target = format!("{BOARD}/{gap}/gap");
    assert!(
        board.html.contains(&format!("action=\"{target}\"")),
        "{}",
        board.html
    );
    forged(&mut b, &target, &[("note", "Called the police")]).await;
    let bad = send(
        &mut b,
        &board,
        &target,
        &[("decision", "resolve"), ("note", "")],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &[&format!("gap-{}-note", &gap[..8])],
    );
    let form = [
        ("decision", "resolve"),
        ("note", "Called the district police"),
    ];
    let done = send(&mut b, &board, &target, &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let resolved = w
        .app
        .get(
            "/api/v1/supervision/routing-gaps?resolved=true",
            &w.supervisor,
        )
        .await;
    assert!(
        resolved.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["id"] == gap.as_str() && g["resolution"] == "Called the district police")
    );
    // Again: already resolved, as the API answers it.
    let again = send(&mut b, &board, &target, &form).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.html);
    assert!(again.html.contains("Бұл олқылық бұрын шешілген."));
}

async fn break_glass_is_asked_with_a_reason_and_its_expiry_shown(backend: Backend) {
    let w = World::new(backend).await;
    let astana = w.open_case("Zhanar", true).await;
    let mut b = Browser::new(&w);
    b.sign_in("sup.almaty").await;
    assert_eq!(
        b.get(&format!("/console/cases/{astana}")).await.status,
        StatusCode::NOT_FOUND
    );
    let board = b.get(BOARD).await;
    assert!(board.html.contains("Қазір сізде шұғыл қолжетімділік жоқ."));
    let target = format!("{BOARD}/break-glass");
    let retry = board.form(&target).field("retry");
    let reason = "The child was brought to our hospital at night";
    forged(
        &mut b,
        &target,
        &[("retry", &retry), ("case_id", &astana), ("reason", reason)],
    )
    .await;
    let bad = send(
        &mut b,
        &board,
        &target,
        &[
            ("retry", &retry),
            ("case_id", "not a case"),
            ("reason", "urgent"),
        ],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["break-glass-case_id", "break-glass-reason"],
    );
    assert!(bad.html.contains("not a case"), "the form as typed");
    let retry = bad.form(&target).field("retry");
    let form = [
        ("retry", retry.as_str()),
        ("case_id", astana.as_str()),
        ("reason", reason),
    ];
    let done = send(&mut b, &board, &target, &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    // Sent twice (a double click): granted once.
    assert_eq!(
        send(&mut b, &board, &target, &form).await.status,
        StatusCode::SEE_OTHER
    );
    let grants = w.app.get("/api/v1/break-glass", &w.supervisor).await;
    let items = grants.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    let expires: DateTime<Utc> = items[0]["expires_at"].as_str().unwrap().parse().unwrap();
    let shown = b.get(done.location.as_deref().unwrap()).await;
    assert!(
        shown.html.contains("Шұғыл қолжетімділік берілді"),
        "{}",
        shown.html
    );
    assert!(
        shown
            .html
            .contains(&format!("href=\"/console/cases/{astana}\""))
    );
    assert!(
        shown
            .html
            .contains(&format!("datetime=\"{}\"", expires.to_rfc3339())),
        "{}",
        shown.html
    );
    assert_eq!(
        b.get(&format!("/console/cases/{astana}")).await.status,
        StatusCode::OK
    );
    // Not a supervisor's: no break-glass.
    let mut cm = Browser::new(&w);
    cm.sign_in("cm.astana").await;
    let tasks = cm.get("/console/").await;
    let r = send(&mut cm, &tasks, &target, &form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
}

on_both_backends!(
    closures_are_decided_from_the_dashboard,
    transfers_and_routing_gaps_are_decided_from_the_dashboard,
    break_glass_is_asked_with_a_reason_and_its_expiry_shown,
);
