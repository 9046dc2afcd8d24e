//! The published contract cannot drift unnoticed: the OpenAPI document is snapshot-tested, and
//! the server serves exactly that document.

use crate::common::{Backend, TestApp};

#[test]
fn openapi_document_matches_the_snapshot() {
    let spec = serde_json::to_value(qorgau_api::openapi()).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", spec, {".info.version" => "[version]"});
}

/// What OpenAPI 3.1 requires and client generators refuse without (openapi-spec-validator
/// reported 217 errors of these two kinds): every response has a description, and every
/// operation a unique `operationId`.
#[test]
fn every_response_is_described_and_every_operation_id_unique() {
    let spec = serde_json::to_value(qorgau_api::openapi()).unwrap();
    let mut ids = std::collections::BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_string();
            if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
                panic!("operationId {id} of {method} {path} is also {other}'s");
            }
            for (status, r) in op["responses"].as_object().unwrap() {
                let described = r["description"].as_str().is_some_and(|d| !d.is_empty());
                assert!(described, "{method} {path} {status}: no description");
            }
        }
    }
}

#[actix_web::test]
async fn served_document_and_offline_docs() {
    let app = TestApp::start(Backend::Sqlite).await;
    let served: serde_json::Value = app
        .http
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, serde_json::to_value(qorgau_api::openapi()).unwrap());
    for path in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/organisations",
        "/api/v1/regions",
    ] {
        assert!(served["paths"].get(path).is_some(), "{path} missing");
    }
    // The UI and its assets come from the binary: no network needed.
    let page = app
        .http
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let bundle = app
        .http
        .get(format!("{}/docs/swagger-ui-bundle.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), 200);
    let init = app
        .http
        .get(format!("{}/docs/swagger-initializer.js", app.base))
        .send()
        .await
        .unwrap();
    assert!(init.text().await.unwrap().contains("/api/v1/openapi.json"));
}
