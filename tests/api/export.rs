//! A child's file, exported (issue 20, item 6): `GET /children/{id}/export` gives the region's
//! supervisor everything on the child — card, relations, family, signals, each case with its work,
//! notes and flags, the timeline — as one JSON document or a printable PDF that holds the same
//! text; nobody else may export it, and every export is audited.

use diesel::prelude::*;
use qorgau_persistence::schema::audit_log;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;

use crate::common::{Backend, Response, invalid_fields};
use crate::on_both_backends;
use crate::world::{World, ts};

on_both_backends!(
    the_supervisor_exports_the_whole_file_as_json_and_pdf,
    only_the_region_s_supervisor_may_export,
);

const NOTE: &str = "Мама просит перенести визит на пятницу.";

async fn export(w: &World, child: &str, token: &str, query: &str) -> Response {
    w.app
        .get(&format!("/api/v1/children/{child}/export{query}"), token)
        .await
}

/// A case with work on it: an assessment, a visit, a sensitive note, a flag, a relation and a
/// consent. Returns (child id, case id).
async fn worked_case(w: &World) -> (String, String) {
    let case = w.open_case("Айгерім", true).await;
    let at = |p: &str| format!("/api/v1/cases/{case}/{p}");
    let must = |r: Response| {
        assert!(r.status.is_success(), "{} {:?}", r.status, r.body);
        r.body
    };
    let cm = &w.manager;
    must(
        w.app
            .post(
                &at("assessments"),
                cm,
                json!({"kind": "initial", "summary": "Safe at the grandmother's"}),
            )
            .await,
    );
    let visit = json!({"kind": "home_visit", "assistance_type": "social", "child_seen": true,
                       "occurred_at": ts(-30), "summary": "Home visit, child seen"});
    must(w.app.post(&at("interventions"), cm, visit).await);
    let note = json!({"kind": "contact", "text": NOTE, "sensitive": true});
    must(w.app.post(&at("notes"), cm, note).await);
    let watch = json!({"kind": "watch", "reason": "Third signal this year"});
    must(w.app.post(&at("flags"), cm, watch).await);
    let card = must(w.app.get(&format!("/api/v1/cases/{case}"), cm).await);
    let child = card["child_id"].as_str().unwrap().to_string();
    let mother = json!({"full_name": "Сауле Test", "relation": "mother",
                        "is_legal_representative": true, "alleged_perpetrator": false});
    let mother = must(
        w.app
            .post(&format!("/api/v1/children/{child}/relations"), cm, mother)
            .await,
    );
    let consent = json!({"given_by_relation_id": mother["id"], "given_by_name": "Сауле Test",
                         "relation": "parent", "services": true, "share_with": ["school"],
                         "given_at": ts(-60)});
    must(w.app.post(&at("consents"), cm, consent).await);
    let decision = crate::documents::form(
        &[("kind", "court_decision")],
        Some(("decision.pdf", "application/pdf", crate::documents::PDF)),
    );
    must(crate::documents::upload_with(w, cm, &case, decision, &[]).await);
    let household = json!({"region_code": "KZ-71", "district_code": "KZ-71-01",
        "label": "Семья Test", "address": "Астана, Сарыарқа 12",
        "members": {"children": [{"child_id": child, "relation": "child"}],
                    "adults": [{"full_name": "Ерлан Test", "relation": "father"}]}});
    must(w.app.post("/api/v1/families", cm, household).await);
    (child, case)
}

fn exports_audited(w: &World, child: &str) -> i64 {
    let mut conn = w.app.state.db.conn().unwrap();
    audit_log::table
        .filter(audit_log::resource.eq("child"))
        .filter(audit_log::resource_id.eq(child))
        .filter(audit_log::action.eq("export"))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

fn count(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

async fn the_supervisor_exports_the_whole_file_as_json_and_pdf(backend: Backend) {
    let w = World::new(backend).await;
    let (child, case) = worked_case(&w).await;

    let r = export(&w, &child, &w.supervisor, "").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let file = &r.body;
    assert_eq!(file["child"]["id"], child.as_str());
    assert_eq!(file["child"]["first_name"], "Айгерім");
    assert_eq!(file["relations"][0]["full_name"], "Сауле Test");
    assert_eq!(file["family"]["label"], "Семья Test");
    assert_eq!(count(&file["signals"]), 1);
    assert_eq!(
        file["signals"][0]["description"],
        "Neighbours report shouting and a child with bruises."
    );
    assert_eq!(count(&file["cases"]), 1);
    let on_case = &file["cases"][0];
    assert_eq!(on_case["case"]["id"], case.as_str());
    for (list, n) in [
        ("assessments", 1),
        ("interventions", 1),
        ("notes", 1),
        ("flags", 1),
        ("consents", 1),
        ("referrals", 1),
        ("placements", 0),
        ("follow_ups", 0),
        ("commission_matters", 0),
        ("documents", 1),
    ] {
        assert_eq!(count(&on_case[list]), n, "{list}: {on_case}");
    }
    // Documents are listed with their hashes.
    let pdf_hash: String = sha2::Sha256::digest(crate::documents::PDF)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(on_case["documents"][0]["sha256"], pdf_hash);
    assert_eq!(on_case["documents"][0]["file_name"], "decision.pdf");
    assert_eq!(
        on_case["notes"][0]["text"], NOTE,
        "the supervisor reads sensitive notes"
    );
    assert_eq!(on_case["plan"], Value::Null, "no plan drafted yet");
    assert!(
        count(&file["timeline"]["items"]) >= 3,
        "{}",
        file["timeline"]
    );
    assert_eq!(exports_audited(&w, &child), 1);

    // The same file, printable: a PDF that holds the same text.
    let res = w
        .app
        .http
        .get(format!(
            "{}/api/v1/children/{child}/export?format=pdf",
            w.app.base
        ))
        .bearer_auth(&w.supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains(&format!("child-{child}.pdf")),
        "{disposition}"
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("a readable PDF");
    for expected in [
        "Айгерім",
        "Сауле Test",
        "Ерлан Test",
        NOTE,
        "Home visit, child seen",
        &case,
    ] {
        assert!(
            text.contains(expected),
            "{expected} not in the PDF:\n{text}"
        );
    }
    assert_eq!(exports_audited(&w, &child), 2);

    let r = export(&w, &child, &w.supervisor, "?format=xml").await;
    assert_eq!(invalid_fields(&r), ["format"]);
    assert_eq!(
        exports_audited(&w, &child),
        2,
        "a refused export reads nothing"
    );
}

async fn only_the_region_s_supervisor_may_export(backend: Backend) {
    let w = World::new(backend).await;
    let (child, _) = worked_case(&w).await;
    // The case manager works the case but does not hand the file out.
    assert_eq!(
        export(&w, &child, &w.manager, "").await.status,
        StatusCode::FORBIDDEN
    );
    // Another region's supervisor, and intake, as if the child were not there or not theirs.
    assert_eq!(
        export(&w, &child, &w.almaty_supervisor, "").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        export(&w, &child, &w.intake, "").await.status,
        StatusCode::FORBIDDEN
    );
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(
        export(&w, &unknown.to_string(), &w.supervisor, "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(exports_audited(&w, &child), 0);
}
