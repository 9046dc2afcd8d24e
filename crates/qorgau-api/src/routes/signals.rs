//! Signals (api.md § Signals): filing with safe retries, the triage queue, and triage. The
//! use cases are `qorgau_app::signals`'.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use qorgau_app::AppError;
use qorgau_app::idempotency::Response;
use qorgau_app::signals::{self, Filed};
use qorgau_domain::ids::SignalId;
use qorgau_domain::signal::{SignalInput, parse_signal};
use qorgau_domain::triage::{TriageInput, parse_triage};
use qorgau_persistence::signals::SignalFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::signals::{SignalReportView, SignalView};
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, respond};
use crate::list::{List, ListParams};
use crate::state::AppState;
use qorgau_domain::geography::DistrictCode;
use qorgau_domain::geography::RegionCode;
use qorgau_domain::signal::SignalStatus;
use qorgau_domain::taxonomy::SignalSource;

/// Files a signal. With `Idempotency-Key`, a retry of the same body returns the original
/// response and stores nothing; the same key with another body is 409. The same `source` +
/// `external_ref` updates that signal (200).
#[utoipa::path(operation_id = "fileSignal", tag = "signals", security(("bearer" = [])), request_body = SignalInput,
    params(RetryKey),
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
    body: Retryable<SignalInput>,
) -> Result<HttpResponse, ApiError> {
    let signal = parse_signal(body.body, caller.at)?;
    let work =
        move |conn: &mut _, app: &_, caller: &_| signals::file_signal(conn, app, caller, &signal);
    state.once(caller, body.key, work, render).await
}

/// The filing's response: 201 for a new signal, 200 for one updated by its reference.
fn render((filed, signal): (Filed, signals::Signal)) -> Result<Response, AppError> {
    let status = match filed {
        Filed::Created => StatusCode::CREATED,
        Filed::Updated => StatusCode::OK,
    };
    respond::<SignalView, _>(status)(signal)
}

#[derive(Deserialize, IntoParams)]
pub struct SignalQuery {
    /// `received`, `case_opened`, `linked` or `screened_out`.
    #[param(value_type = Option<SignalStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
    #[param(value_type = Option<DistrictCode>)]
    pub district_code: Option<String>,
    #[param(value_type = Option<SignalSource>)]
    pub source: Option<String>,
}

/// The signals the caller may see: the district's queue for intake, the region for a
/// supervisor, what they filed for a mobile group.
#[utoipa::path(operation_id = "listSignals", tag = "signals", security(("bearer" = [])), params(SignalQuery, ListParams), responses(
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
        child_id: None,
    };
    let query_page = page.clone();
    let shown = state
        .run(move |conn| Ok(signals::list_signals(conn, &caller, &filter, &query_page)?))
        .await?;
    let answer = checked_page(shown, &page, |s| &s.row.id, SignalView::try_from)?;
    Ok(web::Json(answer))
}

/// One signal.
#[utoipa::path(operation_id = "getSignal", tag = "signals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
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
#[utoipa::path(operation_id = "listSignalReports", tag = "signals", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
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
#[utoipa::path(operation_id = "triageSignal", tag = "signals", security(("bearer" = [])), request_body = TriageInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 200, body = SignalView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Already triaged, the child already has an open case, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/signals/{id}/triage")]
pub async fn triage(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<TriageInput>,
) -> Result<HttpResponse, ApiError> {
    let decision = parse_triage(body.body)?;
    let id = SignalId(id.into_inner());
    let work = move |conn: &mut _, app: &_, caller: &_| {
        signals::triage_signal(conn, app, caller, id, decision)
    };
    let render = respond::<SignalView, _>(StatusCode::OK);
    state.once(caller, body.key, work, render).await
}
