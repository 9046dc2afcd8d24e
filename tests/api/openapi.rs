//! The published contract cannot drift unnoticed: the OpenAPI document is snapshot-tested, and
//! the server serves exactly that document.

use crate::common::{Backend, TestApp};

#[test]
fn openapi_document_matches_the_snapshot() {
    let spec = serde_json::to_value(qorgau_api::openapi()).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", spec, {".info.version" => "[version]"});
}

/// What OpenAPI 3.1 requires and client generators refuse without: every response has a
/// description, and every operation a unique `operationId`, written as a generated client's
/// method name (`listCases`, `triageSignal`).
#[test]
fn every_response_is_described_and_every_operation_id_unique() {
    let spec = serde_json::to_value(qorgau_api::openapi()).unwrap();
    let mut ids = std::collections::BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_string();
            let camel = id.starts_with(|c: char| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric());
            assert!(
                camel,
                "{method} {path}: operationId {id} is not lowerCamelCase"
            );
            if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
                panic!("operationId {id} of {method} {path} is also {other}'s");
            }
            for (status, r) in op["responses"].as_object().unwrap() {
                let described = r["description"].as_str().is_some_and(|d| !d.is_empty());
                assert!(described, "{method} {path} {status}: no description");
            }
        }
    }
    assert_eq!(ids["listCases"], "get /api/v1/cases");
    assert_eq!(ids["triageSignal"], "post /api/v1/signals/{id}/triage");
}

/// Every error the server answers is `application/problem+json`, and the document says so: no
/// error response declares another media type, and the answers every operation of a kind gives
/// are declared on each (401/403 with a token, 404 with a path id, 422 with a body or query,
/// 429 and 503 under /api/v1).
#[test]
fn errors_are_declared_as_problem_json() {
    let spec = serde_json::to_value(qorgau_api::openapi()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for (status, r) in responses {
                if status.starts_with(['4', '5']) {
                    let types: Vec<&String> = r["content"].as_object().unwrap().keys().collect();
                    assert_eq!(
                        types,
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                }
            }
            let has = |s: &str| responses.contains_key(s);
            if op.get("security").is_some() {
                assert!(has("401") && has("403"), "{method} {path}: 401/403");
            }
            if path.contains('{') {
                assert!(has("404"), "{method} {path}: 404");
            }
            if op.get("requestBody").is_some() {
                assert!(has("422") && has("413"), "{method} {path}: 422/413");
            }
            if path.starts_with("/api/v1/") {
                assert!(has("429") && has("503"), "{method} {path}: 429/503");
                for status in ["429", "503"] {
                    let retry = &responses[status]["headers"]["Retry-After"];
                    assert!(retry.is_object(), "{method} {path} {status}: Retry-After");
                }
            }
        }
    }
}

/// Fixed codes are enums in the document, so that generated clients get them as types.
#[test]
fn codes_are_enum_schemas() {
    let spec = serde_json::to_value(qorgau_api::openapi()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let code = |schema: &str, field: &str| {
        let property = &schemas[schema]["properties"][field];
        let text = property.to_string();
        assert!(
            text.contains("#/components/schemas/"),
            "{schema}.{field}: {text}"
        );
    };
    code("SignalView", "status");
    code("SignalView", "source");
    code("CaseView", "risk_level");
    code("UserView", "role");
    code("SignalInput", "source");
    code("TriageInput", "decision");
    code("TransitionInput", "to");
    let levels = schemas["RiskLevel"]["enum"].as_array().unwrap();
    assert_eq!(levels.len(), 4);
    assert!(levels.contains(&"critical".into()));
    // Constraints the server checks: list sizes, region codes, required codes.
    let cases = &spec["paths"]["/api/v1/cases"]["get"]["parameters"];
    let limit = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(
        (&limit["schema"]["minimum"], &limit["schema"]["maximum"]),
        (&1.into(), &500.into())
    );
    assert_eq!(schemas["RegionCode"]["pattern"], "^KZ-[0-9]{2}$");
    let required = schemas["TransitionInput"]["required"].as_array().unwrap();
    assert!(required.contains(&"to".into()));
}

/// A documented path asked with a method it does not answer is 405 with `Allow`, as a
/// problem document; a path that does not exist stays 404.
#[actix_web::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = TestApp::start(Backend::Sqlite).await;
    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/api/v1/signals", "GET, POST"),
        (
            reqwest::Method::PUT,
            "/api/v1/cases/00000000-0000-0000-0000-000000000000",
            "GET, PATCH",
        ),
        (reqwest::Method::POST, "/health/live", "GET"),
    ] {
        let res = app
            .http
            .request(method.clone(), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: serde_json::Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "/problems/method-not-allowed");
    }
    let res = app
        .http
        .delete(format!("{}/api/v1/no-such-thing", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
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
