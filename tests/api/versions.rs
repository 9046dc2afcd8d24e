//! Concurrent edits (api.md § Concurrent edits; issue 20, defect 3): every mutable resource
//! answers `ETag` and its update requires `If-Match` — 428 without, 412 when stale with nothing
//! changed, 200 with a new `ETag` when current. `PATCH /cases/{id}` is in `cases.rs`; here the
//! individual plan (`PUT /cases/{id}/plan`) and placements (`PATCH /placements/{id}`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backend, Response, join_all};
use crate::on_both_backends;
use crate::world::{World, day};

fn etag(r: &Response) -> &str {
    r.headers
        .get("etag")
        .unwrap_or_else(|| panic!("no ETag: {:?}", r.body))
        .to_str()
        .unwrap()
}

fn plan(centre: &str, title: &str) -> Value {
    json!({"goals": [{"title": title, "measures": [
        {"kind": "social", "description": "Benefit application", "responsible_organisation_id": centre,
         "due_date": day(30)}]}]})
}

async fn put_plan(w: &World, case: &str, body: Value, headers: &[(&str, &str)]) -> Response {
    let path = format!("/api/v1/cases/{case}/plan");
    w.app
        .send_with(Method::PUT, &path, Some(&w.manager), Some(body), headers)
        .await
}

async fn get_plan(w: &World, case: &str) -> Response {
    w.app
        .get(&format!("/api/v1/cases/{case}/plan"), &w.manager)
        .await
}

async fn the_plan_is_written_from_the_revision_read(backend: Backend) {
    let w = World::new(backend).await;
    let centre = w
        .app
        .organisation("psychological_support_centre", "KZ-71", None)
        .await;
    let case = w.open_case("Арман", true).await;
    let first = plan(&centre, "Safe at home");

    let bare = put_plan(&w, &case, first.clone(), &[]).await;
    assert_eq!(
        bare.status,
        StatusCode::PRECONDITION_REQUIRED,
        "{:?}",
        bare.body
    );
    let tagged = put_plan(&w, &case, first.clone(), &[("If-Match", "\"1\"")]).await;
    assert_eq!(
        tagged.status,
        StatusCode::PRECONDITION_FAILED,
        "no plan yet"
    );
    assert_eq!(
        get_plan(&w, &case).await.status,
        StatusCode::NOT_FOUND,
        "nothing written"
    );

    let v1 = put_plan(&w, &case, first.clone(), &[("If-None-Match", "*")]).await;
    assert_eq!(v1.status, StatusCode::OK, "{:?}", v1.body);
    let tag1 = etag(&v1).to_string();
    assert_eq!(tag1, format!("\"{}\"", v1.body["revision"]));
    assert_eq!(etag(&get_plan(&w, &case).await), tag1);

    // Another editor's first version, written meanwhile, is not overwritten.
    let again = put_plan(&w, &case, first.clone(), &[("If-None-Match", "*")]).await;
    assert_eq!(again.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        put_plan(&w, &case, first.clone(), &[]).await.status,
        StatusCode::PRECONDITION_REQUIRED
    );

    // The supervisor approves: the plan changed, the ETag read before is stale.
    let approval = format!("/api/v1/cases/{case}/plan/approval");
    let approved = w
        .app
        .post(&approval, &w.supervisor, json!({"decision": "approve"}))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    let tag2 = etag(&approved).to_string();
    assert_ne!(tag2, tag1);
    let changed = plan(&centre, "Safe at home and at school");
    let stale = put_plan(&w, &case, changed.clone(), &[("If-Match", &tag1)]).await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{:?}",
        stale.body
    );
    assert_eq!(stale.headers["content-type"], "application/problem+json");
    let now = get_plan(&w, &case).await;
    assert_eq!(
        now.body["versions"].as_array().unwrap().len(),
        1,
        "nothing written"
    );
    assert_eq!(now.body["status"], "approved");
    assert_eq!(etag(&now), tag2);

    let v2 = put_plan(&w, &case, changed.clone(), &[("If-Match", &tag2)]).await;
    assert_eq!(v2.status, StatusCode::OK, "{:?}", v2.body);
    assert_eq!(v2.body["version"], 2);
    assert_eq!(v2.body["goals"][0]["title"], "Safe at home and at school");
    let tag3 = etag(&v2).to_string();
    assert!(![&tag1, &tag2].contains(&&tag3));
    assert_eq!(etag(&get_plan(&w, &case).await), tag3);

    // Ten editors from the same revision at once: one writes, nine are told it changed.
    let (w, case, tag3) = (&w, case.as_str(), tag3.as_str());
    let racing = join_all((0..10).map(|n| {
        let body = plan(&centre, &format!("Editor {n}"));
        async move {
            let headers = [("If-Match", tag3)];
            put_plan(w, case, body, &headers).await.status
        }
    }))
    .await;
    let won = racing.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = racing
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((won, stale), (1, 9), "{racing:?}");
    let last = get_plan(w, case).await;
    assert_eq!(last.body["versions"].as_array().unwrap().len(), 3);
}

async fn send_end(w: &World, id: &str, headers: &[(&str, &str)]) -> Response {
    let body = json!({"ended_on": day(-2), "end_reason": "planned_end"});
    let path = format!("/api/v1/placements/{id}");
    w.app
        .send_with(Method::PATCH, &path, Some(&w.manager), Some(body), headers)
        .await
}

async fn a_placement_ends_from_the_version_read(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Алия", true).await;
    let placed = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/placements"),
            &w.manager,
            json!({"type": "temporary_shelter", "started_on": day(-10)}),
        )
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{:?}", placed.body);
    assert_eq!(placed.body["version"], 1);
    let id = placed.body["id"].as_str().unwrap();
    let path = format!("/api/v1/placements/{id}");
    let read = w.app.get(&path, &w.manager).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    assert_eq!(etag(&read), "\"1\"");
    assert_eq!(read.body["id"], placed.body["id"]);

    let bare = send_end(&w, id, &[]).await;
    assert_eq!(
        bare.status,
        StatusCode::PRECONDITION_REQUIRED,
        "{:?}",
        bare.body
    );
    let stale = send_end(&w, id, &[("If-Match", "\"2\"")]).await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{:?}",
        stale.body
    );
    let unchanged = w.app.get(&path, &w.manager).await;
    assert!(unchanged.body["ended_on"].is_null(), "nothing changed");
    assert_eq!(etag(&unchanged), "\"1\"");

    let ended = send_end(&w, id, &[("If-Match", "\"1\"")]).await;
    assert_eq!(ended.status, StatusCode::OK, "{:?}", ended.body);
    assert_eq!(etag(&ended), "\"2\"");
    assert_eq!(ended.body["version"], 2);
    assert_eq!(ended.body["end_reason"], "planned_end");
    assert_eq!(etag(&w.app.get(&path, &w.manager).await), "\"2\"");
    // The version read before the end is stale now; the current one meets an ended placement.
    let late = send_end(&w, id, &[("If-Match", "\"1\"")]).await;
    assert_eq!(late.status, StatusCode::PRECONDITION_FAILED);
    let twice = send_end(&w, id, &[("If-Match", "\"2\"")]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{:?}", twice.body);
    let listed = w
        .app
        .get(&format!("/api/v1/cases/{case}/placements"), &w.manager)
        .await;
    let items = listed.body.get("items").unwrap_or(&listed.body);
    assert_eq!(
        items[0]["version"], 2,
        "lists show each placement's version"
    );
}

on_both_backends!(
    the_plan_is_written_from_the_revision_read,
    a_placement_ends_from_the_version_read,
);
