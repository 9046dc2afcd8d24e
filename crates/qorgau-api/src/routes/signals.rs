//! Signals (api.md § Signals): filing with safe retries, the triage queue, and triage. The
//! use cases are `qorgau_app::signals`'.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use qorgau_app::signals::{self, FileSignal, Filed, Idempotency};
use qorgau_domain::ids::SignalId;
use qorgau_domain::signal::{SignalInput, parse_signal};
use qorgau_domain::triage::{TriageInput, parse_triage};
use qorgau_persistence::signals::SignalFilter;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::signals::{SignalReportView, SignalView};
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Files a signal. With `Idempotency-Key`, a retry of the same body returns the original
/// response and stores nothing; the same key with another body is 409. The same `source` +
/// `external_ref` updates that signal (200).
#[utoipa::path(tag = "signals", security(("bearer" = [])), request_body = SignalInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: up to 200 visible ASCII characters")),
    responses(
        (status = 201, body = SignalView, description = "Stored"),
        (status = 200, body = SignalView, description = "Updated by source + external_ref"),
        (status = 403, body = Problem),
        (status = 409, body = Problem, description = "Idempotency-Key reused with a different body"),
        (status = 422, body = Problem),
    ))]
#[post("/signals")]
pub async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<SignalInput>,
) -> Result<HttpResponse, ApiError> {
    let idempotency = match idempotency_key(&req)? {
        Some(key) => Some(Idempotency {
            key,
            request_hash: request_hash(&body.0),
        }),
        None => None,
    };
    let command = FileSignal {
        signal: parse_signal(body.0, caller.at)?,
        idempotency,
    };
    let app = state.app.clone();
    let (status, body) = state
        .run(move |conn| {
            Ok(signals::file_signal(
                conn, &app, &caller, &command, &render,
            )?)
        })
        .await?;
    let status = actix_web::http::StatusCode::from_u16(status).map_err(|_| ApiError::Internal)?;
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .body(body))
}

/// The filing's response: 201 for a new signal, 200 for one updated by its reference.
fn render(
    filed: Filed,
    signal: signals::Signal,
) -> Result<signals::Response, qorgau_app::AppError> {
    let status = match filed {
        Filed::Created => 201,
        Filed::Updated => 200,
    };
    let view = SignalView::try_from(signal)?;
    let body = serde_json::to_string(&view).map_err(|_| qorgau_app::AppError::Internal)?;
    Ok((status, body))
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_string()))
        }
        _ => Err(ApiError::invalid(
            "Idempotency-Key",
            "must be 1-200 visible ASCII characters",
        )),
    }
}

/// "Same body" means the same JSON document, whatever its whitespace or key order.
fn request_hash(input: &SignalInput) -> String {
    let canonical = serde_json::to_vec(input).unwrap_or_default();
    Sha256::digest(canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Deserialize, IntoParams)]
pub struct SignalQuery {
    /// `received`, `case_opened`, `linked` or `screened_out`.
    pub status: Option<String>,
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    pub source: Option<String>,
}

/// The signals the caller may see: the district's queue for intake, the region for a
/// supervisor, what they filed for a mobile group.
#[utoipa::path(tag = "signals", security(("bearer" = [])), params(SignalQuery, ListParams), responses(
    (status = 200, body = List<SignalView>),
    (status = 403, body = Problem),
))]
#[get("/signals")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SignalQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<SignalView>>, ApiError> {
    let page = params.page()?;
    let query = query.into_inner();
    let filter = SignalFilter {
        status: query.status,
        region_code: query.region_code,
        district_code: query.district_code,
        source: query.source,
    };
    let query_page = page.clone();
    let shown = state
        .run(move |conn| Ok(signals::list_signals(conn, &caller, &filter, &query_page)?))
        .await?;
    let answer = checked_page(shown, &page, |s| &s.row.id, SignalView::try_from)?;
    Ok(web::Json(answer))
}

/// One signal.
#[utoipa::path(tag = "signals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = SignalView),
    (status = 404, body = Problem),
))]
#[get("/signals/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SignalView>, ApiError> {
    let id = SignalId(id.into_inner());
    let signal = state
        .run(move |conn| Ok(signals::signal(conn, &caller, id)?))
        .await?;
    Ok(web::Json(SignalView::try_from(signal)?))
}

/// What the source sent again after the signal was triaged, oldest first: to the signal's
/// readers, with the signal's redaction (a sensitive concern of either hides the description).
#[utoipa::path(tag = "signals", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<SignalReportView>),
    (status = 404, body = Problem),
))]
#[get("/signals/{id}/reports")]
pub async fn reports(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<SignalReportView>>, ApiError> {
    let page = params.page()?;
    let id = SignalId(id.into_inner());
    let query_page = page.clone();
    let reports = state
        .run(move |conn| Ok(signals::later_reports(conn, &caller, id, &query_page)?))
        .await?;
    let answer = checked_page(reports, &page, |r| &r.row.id, SignalReportView::try_from)?;
    Ok(web::Json(answer))
}

/// Triages a signal: open a case, link it to the child's open case, or screen it out.
#[utoipa::path(tag = "signals", security(("bearer" = [])), request_body = TriageInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = SignalView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Already triaged, or the child already has an open case"),
    (status = 422, body = Problem),
))]
#[post("/signals/{id}/triage")]
pub async fn triage(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<TriageInput>,
) -> Result<web::Json<SignalView>, ApiError> {
    let decision = parse_triage(body.0)?;
    let id = SignalId(id.into_inner());
    let app = state.app.clone();
    let signal = state
        .run(move |conn| Ok(signals::triage_signal(conn, &app, &caller, id, decision)?))
        .await?;
    Ok(web::Json(SignalView::try_from(signal)?))
}
