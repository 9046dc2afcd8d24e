//! Families (issue 20 item 5): a household linking siblings and the adults around them —
//! created with members, members added and removed, the family shown on a child with its
//! siblings' open cases only within the reader's scope, bad input, a retried create, another
//! region's family, the timeline and the audit, and the KPI that counts families.

use diesel::prelude::*;
use qorgau_persistence::schema::{audit_log, families, family_members};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backend, Response, invalid_fields};
use crate::on_both_backends;
use crate::world::{World, signal};

on_both_backends!(
    a_family_is_created_changed_and_shown_on_its_children,
    siblings_open_cases_are_shown_within_scope_only,
    bad_input_is_422_naming_the_field_and_changes_nothing,
    a_retried_create_makes_one_family,
    another_regions_family_is_not_found,
    families_in_accompaniment_are_counted,
    a_household_counts_while_its_child_is_a_member,
);

/// The child of `case`, as the supervisor reads it.
async fn child_of(w: &World, case: &str) -> String {
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["child_id"].as_str().unwrap().to_string()
}

fn family_body(children: &[(&str, &str)], adults: Value) -> Value {
    let children: Vec<Value> = children
        .iter()
        .map(|(id, relation)| json!({"child_id": id, "relation": relation}))
        .collect();
    json!({
        "region_code": "KZ-71",
        "district_code": "KZ-71-01",
        "label": "Ахметовтар",
        "address": "Астана, Сарыарқа 12",
        "members": {"children": children, "adults": adults},
    })
}

async fn create(w: &World, token: &str, body: Value) -> Response {
    w.app.post("/api/v1/families", token, body).await
}

fn members(family: &Value) -> Vec<Value> {
    family["members"].as_array().unwrap().clone()
}

fn member_of<'a>(family: &'a Value, child: &str) -> &'a Value {
    family["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["child_id"] == child)
        .unwrap_or_else(|| panic!("{child} not in {family}"))
}

fn count_families(w: &World) -> (i64, i64) {
    let mut conn = w.app.state.db.conn().unwrap();
    let f = families::table.count().get_result(&mut conn).unwrap();
    let m = family_members::table.count().get_result(&mut conn).unwrap();
    (f, m)
}

async fn a_family_is_created_changed_and_shown_on_its_children(backend: Backend) {
    let w = World::new(backend).await;
    let first = w.open_case("Айгерім", true).await;
    let second = w.open_case("Ерлан", true).await;
    let (a, b) = (child_of(&w, &first).await, child_of(&w, &second).await);
    // The mother is already recorded on the first child.
    let relation = w
        .app
        .post(
            &format!("/api/v1/children/{a}/relations"),
            &w.manager,
            json!({"full_name": "Гүлнар Ахметова", "relation": "mother",
                   "is_legal_representative": true, "alleged_perpetrator": false}),
        )
        .await;
    assert_eq!(relation.status, StatusCode::CREATED, "{:?}", relation.body);
    let relation_id = relation.body["id"].as_str().unwrap();

    // The case manager of both children records the household.
    let body = family_body(
        &[(&a, "child"), (&b, "sibling")],
        json!([{"relation_id": relation_id, "relation": "mother"},
               {"full_name": "Бақыт Ахметов", "relation": "grandparent"}]),
    );
    let created = create(&w, &w.manager, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let family = &created.body;
    let id = family["id"].as_str().unwrap().to_string();
    assert_eq!(family["version"], 1);
    assert_eq!(family["region_code"], "KZ-71");
    assert_eq!(family["hidden_open_cases"], 0);
    let listed = members(family);
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0]["kind"], "child");
    assert_eq!(listed[0]["first_name"], "Айгерім");
    assert_eq!(listed[0]["open_case"]["id"], first.as_str());
    assert_eq!(listed[1]["relation"], "sibling");
    assert_eq!(listed[1]["open_case"]["id"], second.as_str());
    assert_eq!(listed[2]["kind"], "adult");
    assert_eq!(listed[2]["full_name"], "Гүлнар Ахметова");
    assert_eq!(listed[2]["relation_id"], relation_id);
    assert_eq!(listed[3]["full_name"], "Бақыт Ахметов");

    // Each child's timeline shows the link.
    let timeline = w
        .app
        .get(&format!("/api/v1/children/{b}/timeline"), &w.supervisor)
        .await;
    let linked =
        timeline.body["items"].as_array().unwrap().iter().any(|e| {
            e["kind"] == "relation" && e["summary"].as_str().unwrap().contains("Ахметовтар")
        });
    assert!(linked, "{:?}", timeline.body);

    // The child's family, and the family itself with its version as ETag; reads are audited on
    // every child member.
    let of_child = w
        .app
        .get(&format!("/api/v1/children/{b}/family"), &w.supervisor)
        .await;
    assert_eq!(of_child.status, StatusCode::OK, "{:?}", of_child.body);
    assert_eq!(of_child.body["family"]["id"], id.as_str());
    assert_eq!(
        member_of(&of_child.body["family"], &a)["open_case"]["id"],
        first.as_str()
    );
    let read = w
        .app
        .get(&format!("/api/v1/families/{id}"), &w.manager)
        .await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    assert_eq!(read.headers["etag"], "\"1\"");
    {
        let mut conn = w.app.state.db.conn().unwrap();
        let reads: i64 = audit_log::table
            .filter(audit_log::resource.eq("family"))
            .filter(audit_log::resource_id.eq(&id))
            .filter(audit_log::action.eq("read"))
            .filter(audit_log::child_id.eq(&a))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(
            reads, 2,
            "the child's family and the family, on the first child"
        );
    }
    // A child with no family answers `null`.
    let third = w.open_case("Дана", true).await;
    let c = child_of(&w, &third).await;
    let none = w
        .app
        .get(&format!("/api/v1/children/{c}/family"), &w.supervisor)
        .await;
    assert_eq!(none.status, StatusCode::OK, "{:?}", none.body);
    assert_eq!(none.body["family"], Value::Null);

    // A member added: a new version.
    let added = w
        .app
        .post(
            &format!("/api/v1/families/{id}/members"),
            &w.manager,
            json!({"child_id": c, "relation": "half_sibling"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    assert_eq!(added.body["first_name"], "Дана");
    let member = added.body["id"].as_str().unwrap().to_string();
    // The same child in a second family: 409.
    let again = create(&w, &w.supervisor, family_body(&[(&c, "child")], json!([]))).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);

    // Removed with a reason: kept on record, off the family, on the child's timeline.
    let path = format!("/api/v1/families/{id}/members/{member}/remove");
    let no_reason = w.app.post(&path, &w.manager, json!({})).await;
    assert_eq!(invalid_fields(&no_reason), ["reason"]);
    let removed = w
        .app
        .post(
            &path,
            &w.manager,
            json!({"reason": "Lives with her father"}),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.body);
    assert_eq!(removed.body["removal_reason"], "Lives with her father");
    assert!(removed.body["removed_at"].is_string());
    let twice = w
        .app
        .post(&path, &w.manager, json!({"reason": "Again"}))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{:?}", twice.body);
    let now = w
        .app
        .get(&format!("/api/v1/families/{id}"), &w.supervisor)
        .await;
    assert_eq!(members(&now.body).len(), 4);
    assert_eq!(now.headers["etag"], "\"3\"");

    // PATCH: If-Match required, a stale one refused, a current one applied.
    let patch = |tag: Option<&'static str>| {
        let headers: Vec<(&str, &str)> = tag.map(|t| ("If-Match", t)).into_iter().collect();
        let path = format!("/api/v1/families/{id}");
        let app = &w.app;
        let token = w.manager.clone();
        async move {
            app.send_with(
                Method::PATCH,
                &path,
                Some(&token),
                Some(json!({"label": "Ахметовтар (Сарыарқа)", "address": ""})),
                &headers,
            )
            .await
        }
    };
    assert_eq!(patch(None).await.status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(
        patch(Some("\"1\"")).await.status,
        StatusCode::PRECONDITION_FAILED
    );
    let changed = patch(Some("\"3\"")).await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["label"], "Ахметовтар (Сарыарқа)");
    assert_eq!(changed.body["address"], Value::Null);
    assert_eq!(changed.headers["etag"], "\"4\"");

    // The intake coordinator, who sees the short card only, reads no family.
    let intake = w
        .app
        .get(&format!("/api/v1/families/{id}"), &w.intake)
        .await;
    assert_eq!(intake.status, StatusCode::NOT_FOUND);
}

async fn siblings_open_cases_are_shown_within_scope_only(backend: Backend) {
    let w = World::new(backend).await;
    let first = w.open_case("Асель", true).await;
    let second = w.open_case("Тимур", true).await;
    let (a, b) = (child_of(&w, &first).await, child_of(&w, &second).await);
    let created = create(
        &w,
        &w.supervisor,
        family_body(&[(&a, "child"), (&b, "sibling")], json!([])),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();

    // The second child's family moves to Almaty: its case (and record) go there.
    let requested = w
        .app
        .post(
            &format!("/api/v1/cases/{second}/transfer"),
            &w.manager,
            json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "reason": "Moved to the grandmother"}),
        )
        .await;
    assert_eq!(
        requested.status,
        StatusCode::ACCEPTED,
        "{:?}",
        requested.body
    );
    let accepted = w
        .app
        .post(
            &format!("/api/v1/cases/{second}/transfer/accept"),
            &w.almaty_supervisor,
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);

    // Astana's supervisor sees the family and the first child's case; the sibling now in
    // Almaty is listed without name, and its case only counted.
    for token in [&w.supervisor, &w.manager] {
        let r = w
            .app
            .get(&format!("/api/v1/children/{a}/family"), token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let family = &r.body["family"];
        assert_eq!(member_of(family, &a)["open_case"]["id"], first.as_str());
        let sibling = member_of(family, &b);
        assert_eq!(sibling["hidden"], true);
        assert_eq!(sibling["first_name"], Value::Null);
        assert_eq!(sibling["open_case"], Value::Null);
        assert_eq!(family["hidden_open_cases"], 1);
        let text = r.body.to_string();
        assert!(
            !text.contains(&second),
            "another region's case leaked: {text}"
        );
        assert!(!text.contains("Тимур"), "{text}");
    }

    // Almaty's supervisor may not open Astana's family by its id, but reads the family of
    // the child now theirs — without Astana's child or case.
    let direct = w
        .app
        .get(&format!("/api/v1/families/{id}"), &w.almaty_supervisor)
        .await;
    assert_eq!(direct.status, StatusCode::NOT_FOUND);
    let theirs = w
        .app
        .get(
            &format!("/api/v1/children/{b}/family"),
            &w.almaty_supervisor,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{:?}", theirs.body);
    let family = &theirs.body["family"];
    assert_eq!(member_of(family, &b)["open_case"]["id"], second.as_str());
    assert_eq!(member_of(family, &a)["hidden"], true);
    assert_eq!(family["hidden_open_cases"], 1);
    assert!(!theirs.body.to_string().contains(&first));
    assert!(!theirs.body.to_string().contains("Асель"));
}

async fn bad_input_is_422_naming_the_field_and_changes_nothing(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Мадина", true).await;
    let a = child_of(&w, &case).await;
    let before = count_families(&w);

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["region_code", "label", "members.children"]),
        (
            family_body(&[(&a, "mother")], json!([{"relation": "aunt"}])),
            vec![
                "members.children[0].relation",
                "members.adults[0].relation",
                "members.adults[0].full_name",
            ],
        ),
        (
            family_body(&[("not-a-uuid", "child")], json!([])),
            vec!["members.children[0].child_id"],
        ),
        (
            json!({"region_code": "KZ-71", "district_code": "KZ-75-01", "label": "X",
                   "members": {"children": [{"child_id": a, "relation": "child"}]}}),
            vec!["district_code"],
        ),
        (
            json!({"region_code": "KZ-71", "district_code": "KZ-71-99", "label": "X",
                   "members": {"children": [{"child_id": a, "relation": "child"}]}}),
            vec!["district_code"],
        ),
    ];
    for (body, fields) in cases {
        let r = create(&w, &w.supervisor, body.clone()).await;
        assert_eq!(invalid_fields(&r), fields, "{body}");
    }
    // The case manager's own child, but a household recorded in another region.
    let elsewhere = json!({"region_code": "KZ-75", "district_code": "KZ-75-01", "label": "X",
                           "members": {"children": [{"child_id": a, "relation": "child"}]}});
    let r = create(&w, &w.manager, elsewhere).await;
    assert_eq!(invalid_fields(&r), ["region_code"]);
    // A relation that is not of a child of the family.
    let other = w.open_case("Бекзат", true).await;
    let b = child_of(&w, &other).await;
    let relation = w
        .app
        .post(
            &format!("/api/v1/children/{b}/relations"),
            &w.manager,
            json!({"full_name": "Someone", "relation": "uncle",
                   "is_legal_representative": false, "alleged_perpetrator": false}),
        )
        .await;
    let foreign = relation.body["id"].as_str().unwrap();
    let r = create(
        &w,
        &w.supervisor,
        family_body(
            &[(&a, "child")],
            json!([{"relation_id": foreign, "relation": "other"}]),
        ),
    )
    .await;
    assert_eq!(invalid_fields(&r), ["members.adults[0].relation_id"]);
    assert_eq!(count_families(&w), before, "nothing was written");

    // A member of the wrong shape.
    let created = create(&w, &w.supervisor, family_body(&[(&a, "child")], json!([]))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let r = w
        .app
        .post(
            &format!("/api/v1/families/{id}/members"),
            &w.supervisor,
            json!({"relation": "mother"}),
        )
        .await;
    assert_eq!(invalid_fields(&r), ["full_name"]);
    let r = w
        .app
        .post(
            &format!("/api/v1/families/{id}/members"),
            &w.supervisor,
            json!({"child_id": b, "relation": "father"}),
        )
        .await;
    assert_eq!(invalid_fields(&r), ["relation"]);
}

async fn a_retried_create_makes_one_family(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Нұрлан", true).await;
    let a = child_of(&w, &case).await;
    let body = family_body(
        &[(&a, "child")],
        json!([{"full_name": "Сәуле Нұрланова", "relation": "mother"}]),
    );
    let headers = [("Idempotency-Key", "family-create-1")];
    let send = || {
        w.app.send_with(
            Method::POST,
            "/api/v1/families",
            Some(&w.manager),
            Some(body.clone()),
            &headers,
        )
    };
    let first = send().await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let retry = send().await;
    assert_eq!(retry.status, StatusCode::CREATED, "{:?}", retry.body);
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(count_families(&w), (1, 2));
    // The same key for another body: 409, nothing written.
    let other = w
        .app
        .send_with(
            Method::POST,
            "/api/v1/families",
            Some(&w.manager),
            Some(family_body(&[(&a, "sibling")], json!([]))),
            &headers,
        )
        .await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{:?}", other.body);
    assert_eq!(count_families(&w), (1, 2));
}

async fn another_regions_family_is_not_found(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Әлия", true).await;
    let a = child_of(&w, &case).await;
    let created = create(&w, &w.supervisor, family_body(&[(&a, "child")], json!([]))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let almaty = &w.almaty_supervisor;
    let get = w.app.get(&format!("/api/v1/families/{id}"), almaty).await;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
    let add = w
        .app
        .post(
            &format!("/api/v1/families/{id}/members"),
            almaty,
            json!({"full_name": "Stranger", "relation": "other"}),
        )
        .await;
    assert_eq!(add.status, StatusCode::NOT_FOUND);
    let child = w
        .app
        .get(&format!("/api/v1/children/{a}/family"), almaty)
        .await;
    assert_eq!(child.status, StatusCode::NOT_FOUND);
    // Nor may Almaty's supervisor record a family of Astana's child, nor one in Astana.
    let theirs = create(&w, almaty, family_body(&[(&a, "child")], json!([]))).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let random = w
        .app
        .get(
            &format!("/api/v1/families/{}", uuid::Uuid::now_v7()),
            &w.supervisor,
        )
        .await;
    assert_eq!(random.status, StatusCode::NOT_FOUND);
    // Roles without a child's file may not create one at all.
    let intake = create(&w, &w.intake, family_body(&[(&a, "child")], json!([]))).await;
    assert_eq!(intake.status, StatusCode::FORBIDDEN);
}

async fn households(w: &World, query: &str) -> i64 {
    let r = w
        .app
        .get(&format!("/api/v1/reports/kpis{query}"), &w.supervisor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["accompaniment"]["households"].as_i64().unwrap()
}

async fn families_in_accompaniment_are_counted(backend: Backend) {
    let w = World::new(backend).await;
    assert_eq!(households(&w, "").await, 0);
    // Two siblings with open cases: one family.
    let first = w.open_case("Ринат", true).await;
    let second = w.open_case("Жанна", true).await;
    let (a, b) = (child_of(&w, &first).await, child_of(&w, &second).await);
    let r = create(
        &w,
        &w.supervisor,
        family_body(&[(&a, "child"), (&b, "sibling")], json!([])),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(households(&w, "").await, 1);
    // A second family in the other district: two in the region, one in each district.
    let third = w.open_case("Алмас", true).await;
    let c = child_of(&w, &third).await;
    let mut body = family_body(&[(&c, "child")], json!([]));
    body["district_code"] = json!("KZ-71-02");
    let r = create(&w, &w.supervisor, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(households(&w, "").await, 2);
    assert_eq!(
        households(&w, "?region_code=KZ-71&district_code=KZ-71-01").await,
        1
    );
    // A period that ended before any case opened counts none.
    assert_eq!(households(&w, "?from=2020-01-01&to=2020-12-31").await, 0);
}

async fn a_household_counts_while_its_child_is_a_member(backend: Backend) {
    let w = World::new(backend).await;
    // March 2025: a case opened, its child's household recorded, the child moved out of it on
    // the 10th. The case stays open.
    w.app.at("2025-03-01 04:00");
    let mut body =
        signal(json!({"first_name": "Мирас", "last_name": "Test", "birth_date": "2014-05-05"}));
    body["observed_at"] = json!("2025-02-28T18:30:00Z");
    let filed = w.file(body).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    let signal_id = filed.body["id"].as_str().unwrap();
    let decision =
        json!({"decision": "open_case", "risk_level": "medium", "assignee_id": w.manager_id});
    let triaged = w
        .app
        .post(
            &format!("/api/v1/signals/{signal_id}/triage"),
            &w.intake,
            decision,
        )
        .await;
    assert_eq!(triaged.status, StatusCode::OK, "{:?}", triaged.body);
    let case = triaged.body["case_id"].as_str().unwrap().to_string();
    let a = child_of(&w, &case).await;
    let created = create(&w, &w.supervisor, family_body(&[(&a, "child")], json!([]))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let member = created.body["members"][0]["id"].as_str().unwrap();
    w.app.at("2025-03-10 04:00");
    let removed = w
        .app
        .post(
            &format!("/api/v1/families/{id}/members/{member}/remove"),
            &w.supervisor,
            json!({"reason": "Placed with the grandmother, another household"}),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.body);
    w.app.back_to_the_present();
    assert_eq!(
        households(&w, "?from=2025-03-01&to=2025-03-31").await,
        1,
        "a member with an open case in March"
    );
    assert_eq!(
        households(&w, "?from=2025-02-01&to=2025-02-28").await,
        0,
        "before the household was recorded"
    );
    assert_eq!(
        households(&w, "?from=2025-04-01&to=2025-04-30").await,
        0,
        "the child left it in March"
    );
}
