//! `GET /console/aggregates`: de-identified counts of signals (`GET /reports/aggregates`'s use
//! case) grouped by the dimensions checked, in their order, over whole months, for an area —
//! an analyst's any, a supervisor's her region's. Every count is randomly rounded to a
//! multiple of 5 and a cell of 1–4 is left out like an empty one (docs/reporting.md §
//! Disclosure control); the page says so. `GET /console/aggregates.csv` with the same query
//! answers what the API answers with `Accept: text/csv`: the same use case, the same rows,
//! as an attachment.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::AppError;
use qorgau_app::reports::{self, Aggregates, ReportAsked};
use qorgau_domain::access::Action;
use qorgau_domain::report::aggregate::Dimension;
use qorgau_domain::validation::FieldError;

use super::kpis::refused;
use super::{Places, asked, covers, period_fields, query_string};
use crate::console::fields::Fields;
use crate::console::layout::{self, Nav};
use crate::console::session::{ConsoleError, Signed};
use crate::console::values::Values;
use crate::error::ApiError;
use crate::labels::{Lang, Ui};
use crate::routes::reports::{aggregates_csv, count_aggregates};
use crate::state::AppState;

/// Cells the page lists at most (the CSV has them all): the page stays under 100 KB.
const LISTED: usize = 300;

/// The dimensions checked, in the order sent, as `group_by` takes them; `None` for none.
fn group_by(v: &Values) -> Option<String> {
    let checked: Vec<&str> = v.all("group_by").filter(|d| !d.is_empty()).collect();
    (!checked.is_empty()).then(|| checked.join(","))
}

/// The form's fields as the use case takes them.
fn parts(v: &Values) -> Result<(Option<String>, ReportAsked), Vec<FieldError>> {
    Ok((group_by(v), asked(v)?))
}

pub async fn page(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    query: web::Query<Values>,
) -> Result<HttpResponse, ConsoleError> {
    let values = query.into_inner();
    // The page first shows the form alone; sent, it is counted.
    let parts = (values.pairs().next().is_some()).then(|| parts(&values));
    let (app, caller) = (state.app.clone(), signed.caller.clone());
    let (places, counted) = state
        .run_report(move |conn| {
            let places = Places::read(conn, &caller)?;
            // Whether the caller may count at all, before the form is offered.
            caller
                .actor
                .scope(Action::ViewAggregates)
                .map_err(AppError::from)?;
            let counted = match parts {
                None => None,
                Some(Err(fields)) => Some(Err(fields)),
                Some(Ok((group_by, asked))) => Some(refused(reports::aggregates(
                    conn,
                    &app,
                    &caller,
                    group_by.as_deref(),
                    &asked,
                ))?),
            };
            Ok((places, counted))
        })
        .await
        .map_err(signed.fail())?;
    let lang = signed.lang;
    let errors = match &counted {
        Some(Err(fields)) => fields.as_slice(),
        _ => &[],
    };
    let f = Fields::new(lang, "aggregates", (&values, errors), &[]);
    let dimensions =
        Dimension::ALL.map(|d| (d.as_str(), lang.code_label("report_dimension", d.as_str())));
    let body = html! {
        @if !errors.is_empty() { (layout::notice(lang.t(Ui::FormErrors), true)) }
        p.note { (lang.t(Ui::SuppressedCells)) }
        form.filters method="get" action="/console/aggregates" aria-label=(lang.t(Ui::Period)) {
            (f.group("group_by", lang.t(Ui::GroupBy), false, dimensions))
            (period_fields(&f))
            (places.fields(&f))
            p { button type="submit" { (lang.t(Ui::ShowReport)) } }
        }
        @if let Some(Ok(a)) = &counted { (cells(lang, &places, a, &values)) }
    };
    let mut page = layout::render(
        &signed,
        &req,
        Nav::Aggregates,
        lang.t(Ui::NavAggregates),
        body,
    );
    if !errors.is_empty() {
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(page)
}

/// A cell's value of `dimension` as read: a place by its name, a code by its label.
fn value(lang: Lang, places: &Places, dimension: Dimension, value: &str) -> String {
    let vocabulary = match dimension {
        Dimension::Region | Dimension::District => return places.name(lang, value),
        Dimension::Month => return value.to_string(),
        Dimension::Concern => "concern",
        Dimension::Source => "signal_source",
        Dimension::AgeBand => "age_band",
        Dimension::Sex => "sex",
    };
    lang.code_label(vocabulary, value).to_string()
}

fn cells(lang: Lang, places: &Places, a: &Aggregates, values: &Values) -> Markup {
    let t = |text| lang.t(text);
    let csv = format!("/console/aggregates.csv?{}", query_string(values));
    let listed = &a.cells[..a.cells.len().min(LISTED)];
    html! {
        (covers(lang, places, a.area.region.as_deref(), a.area.district.as_deref(), (a.period.from, a.period.to)))
        p { (t(Ui::DataAsOf)) " " (layout::when(a.as_of)) }
        p { a.download href=(csv) download { (t(Ui::DownloadCsv)) } }
        @if a.cells.is_empty() { p { (t(Ui::NoCells)) } }
        @else {
            p { (t(Ui::CellsListed)) ": " strong { (a.cells.len()) } }
            table.cells {
                thead { tr {
                    @for d in &a.dimensions { th scope="col" { (lang.code_label("report_dimension", d.as_str())) } }
                    th scope="col" { (t(Ui::SignalsCount)) }
                } }
                tbody { @for (key, count) in listed {
                    tr {
                        @for (d, v) in a.dimensions.iter().zip(key) { td { (value(lang, places, *d, v)) } }
                        td.count { (count) }
                    }
                } }
            }
            @if a.cells.len() > LISTED { p { (t(Ui::FirstCellsShown)) } }
        }
    }
}

/// `GET /console/aggregates.csv`: the same as `GET /reports/aggregates` with `Accept:
/// text/csv` — the cells as rows, `X-Data-As-Of`, an attachment named as the API names it.
pub async fn csv(
    state: web::Data<AppState>,
    signed: Signed,
    query: web::Query<Values>,
) -> Result<HttpResponse, ConsoleError> {
    let (group_by, asked) = parts(&query).map_err(|f| signed.fail()(ApiError::Validation(f)))?;
    let counted = count_aggregates(&state, signed.caller.clone(), group_by, asked)
        .await
        .map_err(signed.fail())?;
    aggregates_csv(counted).map_err(signed.fail())
}
