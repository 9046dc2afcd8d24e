//! Sensitive concerns (brief § 5, issue 7): the description and notes of a signal naming
//! `violence_sexual`, `suicide_risk` or `early_pregnancy` are for the assigned case manager and
//! the supervisor only; others see that something is hidden, not what.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::Backend;
use crate::on_both_backends;
use crate::world::{World, signal};

on_both_backends!(sensitive_text_is_shown_only_to_those_who_need_it);

const SECRET: &str = "Disclosed to the school nurse what the stepfather did.";

async fn signal_as(w: &World, id: &str, token: &str) -> Value {
    let r = w.app.get(&format!("/api/v1/signals/{id}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

fn shows_text(v: &Value) -> bool {
    v["description"] == SECRET && v.get("hidden").is_none()
}

fn hides_text(v: &Value) -> bool {
    v["description"] == "" && v["hidden"] == json!(["description"])
}

async fn sensitive_text_is_shown_only_to_those_who_need_it(backend: Backend) {
    let w = World::new(backend).await;
    let child = json!({"first_name": "Айгерім", "last_name": "Test", "birth_date": "2012-03-03"});
    let mut body = signal(child);
    body["concerns"] = json!(["violence_sexual"]);
    body["description"] = json!(SECRET);
    let filed = w.file(body).await;
    assert_eq!(filed.status, StatusCode::CREATED);
    let id = filed.body["id"].as_str().unwrap().to_string();

    // Before triage: the intake coordinator sees the concern (to triage it), not the text.
    let intake = signal_as(&w, &id, &w.intake).await;
    assert!(hides_text(&intake), "{intake:?}");
    assert_eq!(intake["concerns"], json!(["violence_sexual"]));
    assert!(hides_text(&signal_as(&w, &id, &w.mobile).await));
    assert!(shows_text(&signal_as(&w, &id, &w.supervisor).await));
    let listed = w.app.get("/api/v1/signals", &w.intake).await;
    let item = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(
        hides_text(&item),
        "lists show that something is hidden: {item:?}"
    );

    // Triaged and assigned: still hidden from intake (the case manager works from the case).
    w.triage_open(&id).await;
    assert!(hides_text(&signal_as(&w, &id, &w.intake).await));

    // The child's file (timeline, relations) is the team's: intake has the short card only,
    // without the address (brief § 5).
    let child_id = filed.body["child_id"].as_str().unwrap();
    for part in ["timeline", "relations"] {
        let path = format!("/api/v1/children/{child_id}/{part}");
        assert_eq!(
            w.app.get(&path, &w.intake).await.status,
            StatusCode::FORBIDDEN,
            "{part}"
        );
        assert_eq!(
            w.app.get(&path, &w.supervisor).await.status,
            StatusCode::OK,
            "{part}"
        );
    }
    let card = w
        .app
        .get(&format!("/api/v1/children/{child_id}"), &w.intake)
        .await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(card.body["address"].is_null());
    assert_eq!(card.body["first_name"], "Айгерім");
    let timeline = w
        .app
        .get(
            &format!("/api/v1/children/{child_id}/timeline"),
            &w.supervisor,
        )
        .await;
    assert!(
        timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["summary"].as_str().unwrap().contains("violence_sexual"))
    );

    // An ordinary concern is not hidden from intake.
    let child = json!({"first_name": "Ерасыл", "last_name": "Test", "birth_date": "2013-04-04"});
    let mut plain = signal(child);
    plain["description"] = json!(SECRET);
    let plain = w.file(plain).await.body;
    assert!(shows_text(
        &signal_as(&w, plain["id"].as_str().unwrap(), &w.intake).await
    ));
}
