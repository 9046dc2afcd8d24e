//! The OpenAPI document served at `/api/v1/openapi.json` (docs/api.md § The OpenAPI document).
//!
//! Each handler's annotation declares what is its own: its `operationId` (part of the contract:
//! a generated client's method name, so it is written out rather than taken from the Rust
//! function's name), its bodies, and the answers only it gives (409 on a state conflict, 412/428
//! on versions…). What holds for every operation alike is added here, in one place, from what
//! the operation declares, so that no annotation can forget it: 401/403 where a token is
//! required, 404 where the path names a record, 422 where a query or body is read, 413/415
//! where a body is, 429/503 under `/api/v1`, and 400 everywhere (a NUL in the path or query).
//! Every error is answered as `application/problem+json` ([`crate::error`]) and declared so.

use actix_web::App;
use actix_web::dev::ResourceDef;
use actix_web::http::StatusCode;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    Content, HeaderBuilder, Object, ObjectBuilder, OpenApi as OpenApiDoc, Ref, RefOr, Response,
    Schema, Type,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::ApiError;
use crate::routes;

/// The media type of every error answer (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Qorgau API",
        description = "Case management for child protection in Kazakhstan: from the first signal to rehabilitation.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Login, token refresh, logout, own profile"),
        (name = "geography", description = "Regions and districts"),
        (name = "organisations", description = "Departments, centres, schools, mobile groups and partners"),
        (name = "users", description = "Staff accounts"),
        (name = "signals", description = "Signals about children at risk, and their triage"),
        (name = "children", description = "The child registry and timeline"),
        (name = "cases", description = "Cases: assessment, plan, interventions, closure"),
        (name = "referrals", description = "Referrals to partner organisations, transfers between regions"),
        (name = "records", description = "Relations, consent, commission matters, placements, interviews"),
        (name = "notifications", description = "The caller's tasks, notifications and email preference"),
        (name = "protocols", description = "The interagency protocol in force"),
        (name = "supervision", description = "Caseloads and overdue work of a region"),
        (name = "reports", description = "Indicators and de-identified counts"),
        (name = "audit", description = "The audit log, children's access logs and break-glass access"),
        (name = "operations", description = "Health and metrics"),
        (name = "events", description = "The feed of domain events and webhook subscriptions (docs/integration.md)"),
        (name = "labels", description = "Labels of every code, in Kazakh, Russian and English"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document: the handlers' annotations, completed.
pub fn openapi() -> OpenApiDoc {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    for (path, item) in spec.paths.paths.iter_mut() {
        let under_api = path.starts_with("/api/v1/");
        for op in operations_mut(item) {
            complete(op, under_api);
        }
    }
    let schemas = spec
        .components
        .iter_mut()
        .flat_map(|c| c.schemas.values_mut());
    for schema in schemas {
        if let RefOr::T(Schema::Object(object)) = schema {
            require_text(object);
        }
    }
    spec
}

/// The request bodies are read with `#[serde(default)]`, so that a missing field is a 422
/// naming it rather than a parse error; a text field then "defaults" to `""`, which no rule
/// accepts (every such field is a required code, id, date or text that must not be blank).
/// The document says so instead of showing a default the server refuses: required, not empty,
/// not only spaces.
fn require_text(object: &mut Object) {
    let blank = Some(serde_json::Value::String(String::new()));
    for (name, property) in object.properties.iter_mut() {
        match property {
            // A code (`value_type` naming its enum): the enum says what is accepted.
            RefOr::Ref(code) if code.default == blank => code.default = None,
            RefOr::T(Schema::Object(field)) if field.default == blank => {
                field.default = None;
                if field.format.is_none() && field.enum_values.is_none() {
                    field.min_length = field.min_length.max(Some(1));
                    field.pattern.get_or_insert_with(|| "\\S".into());
                }
            }
            _ => continue,
        }
        if !object.required.contains(name) {
            object.required.push(name.clone());
        }
    }
}

/// The methods each documented path answers, to tell a wrong method (405, with `Allow`) from
/// a wrong path (404): every handler is its own actix resource, guarded by its method, so the
/// router itself only sees that no resource matched.
pub struct Methods(Vec<(ResourceDef, String)>);

impl Methods {
    pub fn of(spec: &OpenApiDoc) -> Methods {
        let paths = spec.paths.paths.iter().map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
            ];
            let allow: Vec<&str> = methods
                .iter()
                .filter(|(_, has)| *has)
                .map(|(m, _)| *m)
                .collect();
            // The document's `{name}` segments are the router's own syntax.
            (ResourceDef::new(path.as_str()), allow.join(", "))
        });
        Methods(paths.collect())
    }

    /// What a request no route took is answered: 405 on a documented path, else 404.
    pub fn refusal(&self, path: &str) -> ApiError {
        match self.0.iter().find(|(def, _)| def.is_match(path)) {
            Some((_, allow)) => ApiError::MethodNotAllowed {
                allow: allow.clone(),
            },
            None => ApiError::NotFound,
        }
    }
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

/// The answers every operation of its kind gives, added where the annotation did not declare
/// them; then every error declared as problem+json, and every response described.
fn complete(op: &mut Operation, under_api: bool) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let params_in = |place: ParameterIn| {
        op.parameters.iter().flatten().any(|p| match p {
            RefOr::T(p) => p.parameter_in == place,
            RefOr::Ref(_) => false,
        })
    };
    let (by_path, by_query) = (params_in(ParameterIn::Path), params_in(ParameterIn::Query));
    let json_body = match &op.request_body {
        Some(RefOr::T(body)) => Some(body.content.contains_key("application/json")),
        _ => None,
    };
    let mut common: Vec<(u16, &str)> = vec![(
        400,
        "Malformed request: a NUL character in the path or query, a query value of the wrong type, or a body that is not JSON",
    )];
    if secured {
        common.push((401, "The access token is missing, invalid or expired"));
        common.push((
            403,
            "The caller's role or scope does not allow this, or their password was reset and must be changed first",
        ));
    }
    if by_path {
        common.push((404, "No such record, or one the caller may not know of"));
    }
    if by_query || json_body.is_some() {
        common.push((422, "Invalid input: `errors` names every invalid field"));
    }
    if json_body.is_some() {
        common.push((413, "The request body is larger than the limit"));
    }
    if json_body == Some(true) {
        common.push((415, "The body is not `application/json`"));
    }
    if under_api {
        common.push((
            429,
            "Too many requests from this client: wait `Retry-After` seconds",
        ));
        common.push((
            503,
            "The database is unavailable or its storage is full: nothing was saved; retry after `Retry-After` seconds",
        ));
    }
    let responses = &mut op.responses.responses;
    for (status, description) in common {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(problem_response(description)));
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(r) = response {
            as_problem_json(r);
            if status == "429" || status == "503" {
                retry_after(r);
            }
            if r.description.is_empty() {
                r.description = reason(status).to_string();
            }
        }
    }
}

fn problem_response(description: &str) -> Response {
    let mut response = Response::new(description);
    let problem = Content::new(Some(Ref::from_schema_name("Problem")));
    response
        .content
        .insert(PROBLEM_JSON.into(), RefOr::T(problem));
    response
}

/// 429 and 503 always carry `Retry-After` ([`crate::error`]).
fn retry_after(response: &mut Response) {
    let seconds = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0));
    let header = HeaderBuilder::new()
        .schema(Some(seconds))
        .description(Some("Seconds to wait before retrying"))
        .build();
    response
        .headers
        .entry("Retry-After".into())
        .or_insert(RefOr::T(header));
}

/// An annotation's `body = Problem` is declared `application/json`; the server answers it as
/// `application/problem+json`.
fn as_problem_json(response: &mut Response) {
    let is_problem = |content: &RefOr<Content>| {
        matches!(content, RefOr::T(c)
            if matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")))
    };
    if response
        .content
        .get("application/json")
        .is_some_and(is_problem)
        && let Some(content) = response.content.shift_remove("application/json")
    {
        response.content.insert(PROBLEM_JSON.into(), content);
    }
}

/// A status's reason phrase, for a response whose annotation gives no description.
fn reason(status: &str) -> &'static str {
    status
        .parse::<u16>()
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Response")
}
