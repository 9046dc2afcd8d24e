//! `GET /console/reports`: the indicators of a period (`GET /reports/kpis`'s use case) — the
//! reader's region for a supervisor, any area for an analyst — as bar charts with their
//! numbers in tables: time from the signal to triage, first contact and plan approval (median
//! and 90th percentile), the share of each kind of deadline met on time, and referrals by the
//! kind of organisation. An analyst reads them as the API gives them to her: counts rounded,
//! small ones shown as 0, medians over too few left out — and the page says so.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::AppError;
use qorgau_app::reports;
use qorgau_domain::validation::FieldError;

use super::charts::{Bar, Chart, Group, hours, percent};
use super::{Places, asked, covers, period_fields};
use crate::console::fields::Fields;
use crate::console::layout::{self, Nav};
use crate::console::session::{ConsoleError, Signed};
use crate::console::values::Values;
use crate::dto::reports::{DurationView, KpiReport};
use crate::error::ApiError;
use crate::labels::{Lang, Ui};
use crate::state::AppState;

/// The report asked for, or the fields that made it impossible.
type Answer<T> = Result<T, Vec<FieldError>>;

/// Bad input becomes the form's messages; any other refusal is the page of its status.
pub fn refused<T>(result: Result<T, AppError>) -> Result<Answer<T>, ApiError> {
    match result {
        Ok(r) => Ok(Ok(r)),
        Err(AppError::Invalid(fields)) => Ok(Err(fields)),
        Err(e) => Err(e.into()),
    }
}

pub async fn page(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    query: web::Query<Values>,
) -> Result<HttpResponse, ConsoleError> {
    let values = query.into_inner();
    let asked = asked(&values);
    let (app, caller) = (state.app.clone(), signed.caller.clone());
    let (places, report) = state
        .run_report(move |conn| {
            let places = Places::read(conn, &caller)?;
            let report = match asked {
                Err(fields) => Err(fields),
                Ok(asked) => refused(reports::kpis(conn, &app, &caller, &asked))?,
            };
            Ok((places, report))
        })
        .await
        .map_err(signed.fail())?;
    let report = report.map(|computed| KpiReport::new(computed, &state.app));
    let lang = signed.lang;
    let errors = report.as_ref().err().map_or(&[][..], Vec::as_slice);
    let f = Fields::new(lang, "period", (&values, errors), &[]);
    let body = html! {
        @if !errors.is_empty() { (layout::notice(lang.t(Ui::FormErrors), true)) }
        form.filters method="get" action="/console/reports" aria-label=(lang.t(Ui::Period)) {
            (period_fields(&f))
            (places.fields(&f))
            p { button type="submit" { (lang.t(Ui::ShowReport)) } }
        }
        @if let Ok(report) = &report { (indicators(lang, &places, report)) }
    };
    let mut page = layout::render(&signed, &req, Nav::Reports, lang.t(Ui::NavReports), body);
    if report.is_err() {
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(page)
}

fn indicators(lang: Lang, places: &Places, r: &KpiReport) -> Markup {
    let t = |text| lang.t(text);
    let area = (r.region_code.as_deref(), r.district_code.as_deref());
    html! {
        (covers(lang, places, area.0, area.1, (r.from, r.to)))
        p { (t(Ui::DataAsOf)) " " (layout::when(r.as_of)) }
        @if r.small_cells_suppressed { p.note { (t(Ui::RoundedKpis)) } }
        dl.summary {
            dt { (t(Ui::SignalsReceived)) } dd { (r.signals.received) }
            dt { (t(Ui::ScreenedOut)) } dd { (r.signals.screened_out) }
            dt { (t(Ui::CasesOpened)) } dd { (r.cases.opened) }
            dt { (t(Ui::CasesClosed)) } dd { (r.cases.closed) }
        }
        (layout::section("times", t(Ui::TimesTitle), times(lang, r)))
        (layout::section("deadlines", t(Ui::DeadlinesMet), deadlines(lang, r)))
        (layout::section("referrals", t(Ui::Referrals), referrals(lang, r)))
    }
}

/// A table of numbers: a row header, then its cells.
fn numbers(lang: Lang, heads: &[Ui], rows: &[(String, Vec<String>)]) -> Markup {
    layout::table(
        lang,
        "numbers",
        heads,
        Ui::NoneYet,
        rows,
        |(head, cells)| {
            html! { tr { th scope="row" { (head) } @for c in cells { td { (c) } } } }
        },
    )
}

fn times(lang: Lang, r: &KpiReport) -> Markup {
    let none = lang.t(Ui::NotShown);
    let measured = [
        (Ui::TimeToTriage, &r.times.signal_to_triage),
        (Ui::TimeToContact, &r.times.signal_to_first_contact),
        (Ui::TimeToPlan, &r.times.signal_to_plan_approval),
    ];
    let bar = |v: Option<f64>| Bar {
        value: v,
        text: v.map_or_else(
            || none.to_string(),
            |h| format!("{h:.1} {}", lang.t(Ui::HoursShort)),
        ),
    };
    let groups = measured
        .iter()
        .map(|(label, d): &(Ui, &DurationView)| Group {
            label: lang.t(*label).to_string(),
            bars: vec![bar(d.median_hours), bar(d.p90_hours)],
        })
        .collect();
    let rows: Vec<(String, Vec<String>)> = measured
        .iter()
        .map(|(label, d)| {
            let cells = vec![
                d.count.to_string(),
                hours(d.median_hours, none),
                hours(d.p90_hours, none),
            ];
            (lang.t(*label).to_string(), cells)
        })
        .collect();
    let heads = [
        Ui::Indicator,
        Ui::MeasuredOver,
        Ui::MedianHours,
        Ui::P90Hours,
    ];
    Chart {
        id: "times-chart",
        caption: lang.t(Ui::TimesTitle),
        at_least: 1.0,
        series: &[lang.t(Ui::Median), lang.t(Ui::P90)],
        groups,
        table: numbers(lang, &heads, &rows),
    }
    .render()
}

fn deadlines(lang: Lang, r: &KpiReport) -> Markup {
    let none = lang.t(Ui::NotShown);
    let label = |kind: &str| lang.code_label("deadline_kind", kind).to_string();
    let groups = r
        .deadlines
        .iter()
        .map(|(kind, d)| Group {
            label: label(kind),
            bars: vec![Bar {
                value: d.share_met_on_time.map(|s| s * 100.0),
                text: percent(d.share_met_on_time, none),
            }],
        })
        .collect();
    let rows: Vec<(String, Vec<String>)> = r
        .deadlines
        .iter()
        .map(|(kind, d)| {
            let counts = [d.started, d.met_on_time, d.met_late, d.overdue, d.pending];
            let mut cells: Vec<String> = counts.iter().map(i64::to_string).collect();
            cells.push(percent(d.share_met_on_time, none));
            (label(kind), cells)
        })
        .collect();
    let heads = [
        Ui::Kind,
        Ui::DeadlinesStarted,
        Ui::MetOnTime,
        Ui::MetLate,
        Ui::Overdue,
        Ui::Pending,
        Ui::ShareMetOnTime,
    ];
    Chart {
        id: "deadlines-chart",
        caption: lang.t(Ui::DeadlinesMet),
        at_least: 100.0,
        series: &[lang.t(Ui::ShareMetOnTime)],
        groups,
        table: numbers(lang, &heads, &rows),
    }
    .render()
}

fn referrals(lang: Lang, r: &KpiReport) -> Markup {
    let none = lang.t(Ui::NotShown);
    let label = |kind: &str| lang.code_label("organisation_kind", kind).to_string();
    let count = |n: i64| Bar {
        value: Some(n as f64),
        text: n.to_string(),
    };
    let groups = r
        .referrals
        .iter()
        .map(|(kind, k)| Group {
            label: label(kind),
            bars: vec![count(k.sent), count(k.accepted), count(k.declined)],
        })
        .collect();
    let rows: Vec<(String, Vec<String>)> = r
        .referrals
        .iter()
        .map(|(kind, k)| {
            let counts = [k.sent, k.accepted, k.declined, k.awaiting, k.withdrawn];
            let mut cells: Vec<String> = counts.iter().map(i64::to_string).collect();
            cells.push(percent(k.acceptance_rate, none));
            (label(kind), cells)
        })
        .collect();
    let heads = [
        Ui::Organisation,
        Ui::ReferralsSent,
        Ui::Accepted,
        Ui::Declined,
        Ui::Awaiting,
        Ui::Withdrawn,
        Ui::AcceptanceRate,
    ];
    Chart {
        id: "referrals-chart",
        caption: lang.t(Ui::Referrals),
        at_least: 1.0,
        series: &[
            lang.t(Ui::ReferralsSent),
            lang.t(Ui::Accepted),
            lang.t(Ui::Declined),
        ],
        groups,
        table: numbers(lang, &heads, &rows),
    }
    .render()
}
