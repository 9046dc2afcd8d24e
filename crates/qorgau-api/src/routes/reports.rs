//! Reports (api.md § Supervision and reports): indicators of an area over a period, as JSON or
//! CSV, and de-identified counts for analysts. Definitions: `docs/reporting.md`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, SecondsFormat, Utc};
use qorgau_app::reports::{self, Aggregates, ReportAsked};

use crate::auth::Caller;
use crate::dto::reports::{AggregateQuery, AggregateReport, KpiQuery, KpiReport, file_name};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Whether the client asked for CSV (`Accept: text/csv`).
fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("text/csv"))
}

/// How fresh a report's data is (its `as_of`, docs/api.md § Supervision and reports), as a
/// header of JSON and CSV alike: a CSV of aggregates has no other place for it.
fn data_as_of(as_of: DateTime<Utc>) -> (&'static str, String) {
    (
        "x-data-as-of",
        as_of.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    )
}

/// `rows` as a CSV attachment named `name.csv` (also the console's download of aggregates).
fn csv_response(
    name: String,
    as_of: (&'static str, String),
    rows: Vec<Vec<String>>,
) -> Result<HttpResponse, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in rows {
        out.write_record(&row).map_err(|_| ApiError::Internal)?;
    }
    let body = out.into_inner().map_err(|_| ApiError::Internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(as_of)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .body(body))
}

/// Indicators of a region or district over a period, as JSON or CSV.
///
/// Signals by source and concern, screening out, cases opened and closed with closure reasons,
/// median and 90th-percentile times from the signal to triage, first contact and plan approval,
/// the share of each deadline kind met on time, referrals per organisation kind, repeat signals,
/// accompaniment and staff training (definitions: docs/reporting.md). `Accept: text/csv`
/// returns the same as `indicator,value` rows.
#[utoipa::path(operation_id = "getKpis", tag = "reports", security(("bearer" = [])), params(KpiQuery), responses(
    (status = 200, content(
        (KpiReport = "application/json"),
        (String = "text/csv", example = "indicator,value\ncases.closed,1\n"),
    ), headers(("X-Data-As-Of" = String, description = "How fresh the data is, as `as_of` (RFC 3339): read from a replica, the commit time of the last change it had replayed; from the primary, the time of the read"))),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/reports/kpis")]
pub async fn kpis(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<KpiQuery>,
) -> Result<HttpResponse, ApiError> {
    let asked = ReportAsked::from(query.into_inner());
    let app = state.app.clone();
    let computed = state
        .run_report(move |conn| Ok(reports::kpis(conn, &app, &caller, &asked)?))
        .await?;
    let name = file_name("kpis", &computed.area, &computed.period);
    let as_of = data_as_of(computed.as_of);
    let report = KpiReport::new(computed, &state);
    if !wants_csv(&req) {
        return Ok(HttpResponse::Ok().insert_header(as_of).json(report));
    }
    csv_response(name, as_of, report.csv_rows()?)
}

/// De-identified counts of signals over whole months, rounded.
///
/// Grouped by region, district, concern, source, age band, sex or month (analysts nationally,
/// supervisors for their region). Counts are randomly rounded to multiples of 5, the same
/// signals always alike, and cells of 1–4 left out like empty ones, so that no subtraction
/// between queries gives a small count away. `Accept: text/csv` returns one row per cell.
#[utoipa::path(operation_id = "getAggregates", tag = "reports", security(("bearer" = [])), params(AggregateQuery), responses(
    (status = 200, content(
        (AggregateReport = "application/json"),
        (String = "text/csv", example = "region,concern,count\nKZ-71,neglect,20\n"),
    ), headers(("X-Data-As-Of" = String, description = "How fresh the data is, as `as_of` (RFC 3339): read from a replica, the commit time of the last change it had replayed; from the primary, the time of the read"))),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/reports/aggregates")]
pub async fn aggregates(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<AggregateQuery>,
) -> Result<HttpResponse, ApiError> {
    let (group_by, asked) = query.into_inner().into_parts();
    let counted = count_aggregates(&state, caller, group_by, asked).await?;
    if wants_csv(&req) {
        return aggregates_csv(counted);
    }
    let as_of = data_as_of(counted.as_of);
    Ok(HttpResponse::Ok()
        .insert_header(as_of)
        .json(AggregateReport::from(counted)))
}

/// The aggregates `caller` asked for, counted in a report slot (`AppState::run_report`): the
/// REST route's and the console's download.
pub(crate) async fn count_aggregates(
    state: &AppState,
    caller: Caller,
    group_by: Option<String>,
    asked: ReportAsked,
) -> Result<Aggregates, ApiError> {
    let app = state.app.clone();
    state
        .run_report(move |conn| {
            Ok(reports::aggregates(
                conn,
                &app,
                &caller,
                group_by.as_deref(),
                &asked,
            )?)
        })
        .await
}

/// Counted aggregates as the CSV attachment (`X-Data-As-Of`, the API's file name).
pub(crate) fn aggregates_csv(counted: Aggregates) -> Result<HttpResponse, ApiError> {
    let as_of = data_as_of(counted.as_of);
    let name = file_name("aggregates", &counted.area, &counted.period);
    csv_response(name, as_of, AggregateReport::csv_rows(counted))
}
