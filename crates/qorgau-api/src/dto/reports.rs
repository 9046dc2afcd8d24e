//! Bodies of reports (api.md § Supervision and reports): indicators as JSON or CSV, and
//! de-identified counts. Definitions: `docs/reporting.md`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use qorgau_app::area::AreaAsked;
use qorgau_app::reports::{Aggregates, KpiReport as Computed, ReportAsked};
use qorgau_app::{App, AppError};
use qorgau_domain::geography::DistrictCode;
use qorgau_domain::geography::RegionCode;
use qorgau_domain::report::aggregate::Dimension;
use qorgau_domain::report::kpi::{DeadlineOutcome, ReferralOutcome, Timed};
use qorgau_domain::report::rounding::{ROUNDING_BASE, Tally};
use qorgau_domain::report::stats::share;
use qorgau_domain::report::{Area, Disclosure, MIN_CELL, Period};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct KpiQuery {
    /// First day (Kazakhstan time), `YYYY-MM-DD`; default 1 January of `to`'s year.
    pub from: Option<NaiveDate>,
    /// Last day, included; default today.
    pub to: Option<NaiveDate>,
    /// Default: a supervisor's own region; the whole country for an analyst.
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
    #[param(value_type = Option<DistrictCode>)]
    pub district_code: Option<String>,
}

impl From<KpiQuery> for ReportAsked {
    fn from(q: KpiQuery) -> Self {
        ReportAsked {
            from: q.from,
            to: q.to,
            area: AreaAsked {
                region_code: q.region_code,
                district_code: q.district_code,
            },
        }
    }
}

/// A duration indicator: how many records it was measured over, median and 90th percentile
/// (linear interpolation, `PERCENTILE.INC`), in hours.
#[derive(Serialize, ToSchema)]
pub struct DurationView {
    pub count: i64,
    /// `null` over no records, and for analysts over fewer than 5.
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct SignalKpis {
    pub received: i64,
    pub screened_out: i64,
    /// Of those received, still awaiting triage.
    pub awaiting_triage: i64,
    pub by_source: BTreeMap<String, i64>,
    /// A signal counts under each of its concerns.
    pub by_concern: BTreeMap<String, i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseKpis {
    pub opened: i64,
    pub closed: i64,
    pub closure_reasons: BTreeMap<String, i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TimeKpis {
    /// Signal received → triage decision (signals received in the period).
    pub signal_to_triage: DurationView,
    /// Signal received → child first seen in person (cases opened in the period).
    pub signal_to_first_contact: DurationView,
    /// Signal received → first approval of the individual plan (cases opened in the period).
    pub signal_to_plan_approval: DurationView,
}

/// Deadlines of one kind whose clock started in the period.
#[derive(Serialize, ToSchema)]
pub struct DeadlineKpi {
    pub started: i64,
    pub met_on_time: i64,
    pub met_late: i64,
    /// Lapsed, still unmet.
    pub overdue: i64,
    /// Unmet, not yet due: not counted in the share.
    pub pending: i64,
    /// `met_on_time / (met_on_time + met_late + overdue)`.
    pub share_met_on_time: Option<f64>,
}

/// Referrals sent in the period to one kind of organisation.
#[derive(Serialize, ToSchema)]
pub struct ReferralKpi {
    pub sent: i64,
    pub accepted: i64,
    pub declined: i64,
    pub awaiting: i64,
    /// Withdrawn before an answer.
    pub withdrawn: i64,
    /// `accepted / (accepted + declined)`.
    pub acceptance_rate: Option<f64>,
    /// Sent → accepted or declined.
    pub response: DurationView,
}

#[derive(Serialize, ToSchema)]
pub struct RepeatKpi {
    /// Signals of the period about an identified child.
    pub signals_with_child: i64,
    /// Of those, signals whose child had another signal in the twelve months before.
    pub repeat: i64,
    pub share: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct AccompanimentKpi {
    /// Children whose case had an approved plan by the end of the period and was open at some
    /// point in it.
    pub children: i64,
    /// Children whose family was in accompaniment by a family-support centre in the period.
    pub families: i64,
    /// Families (household records) with a member child whose case was open at some time in
    /// the period.
    pub households: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TrainingKpi {
    pub staff: i64,
    pub trained: i64,
    pub share: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct TrainingKpis {
    /// Active case managers and specialists of the area with a child-rights training completed
    /// by the end of the period (seed indicator 2).
    pub total: TrainingKpi,
    pub by_role: BTreeMap<String, TrainingKpi>,
}

/// The indicators of an area over a period. For analysts (`small_cells_suppressed`) the period
/// is whole months that have ended and every count about children is randomly rounded to a
/// multiple of 5, a count of 1–4 showing as 0; shares are of those numbers
/// (docs/reporting.md § Disclosure control).
#[derive(Serialize, ToSchema)]
pub struct KpiReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `null`: the whole country.
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    /// Counts rounded and small ones shown as 0 (analysts); exact (supervisors).
    pub small_cells_suppressed: bool,
    /// How fresh the data is: everything recorded up to this instant is counted. Read from a
    /// streaming replica (docs/operations.md § Reports on a replica), the commit time of the
    /// last change it had replayed; from the primary, the time of the read.
    pub as_of: DateTime<Utc>,
    pub signals: SignalKpis,
    pub cases: CaseKpis,
    pub times: TimeKpis,
    /// Per deadline kind.
    pub deadlines: BTreeMap<String, DeadlineKpi>,
    /// Per kind of receiving organisation.
    pub referrals: BTreeMap<String, ReferralKpi>,
    pub repeat_signals: RepeatKpi,
    pub accompaniment: AccompanimentKpi,
    pub training: TrainingKpis,
}

fn durations(d: Disclosure, t: &Timed) -> DurationView {
    let shown = d.durations(t);
    DurationView {
        count: shown.count,
        median_hours: shown.median_hours,
        p90_hours: shown.p90_hours,
    }
}

/// A breakdown of a published total as a map, each cell rounded on its own.
fn breakdown(d: Disclosure, cells: &[(&'static str, Tally)]) -> BTreeMap<String, i64> {
    cells
        .iter()
        .map(|(k, n)| (k.to_string(), d.count(*n)))
        .collect()
}

fn deadline_view(d: Disclosure, o: &DeadlineOutcome) -> DeadlineKpi {
    DeadlineKpi {
        started: d.count(o.started),
        met_on_time: d.count(o.met_on_time),
        met_late: d.count(o.met_late),
        overdue: d.count(o.overdue),
        pending: d.count(o.pending),
        share_met_on_time: d.share(o.met_on_time, o.decided()),
    }
}

fn referral_view(d: Disclosure, r: &ReferralOutcome) -> ReferralKpi {
    ReferralKpi {
        sent: d.count(r.sent),
        accepted: d.count(r.accepted),
        declined: d.count(r.declined),
        awaiting: d.count(r.awaiting),
        withdrawn: d.count(r.withdrawn),
        acceptance_rate: d.share(r.accepted, r.answered()),
        response: durations(d, &r.response),
    }
}

fn training_view(staff: i64, trained: i64) -> TrainingKpi {
    TrainingKpi {
        staff,
        trained,
        share: share(trained, staff),
    }
}

impl KpiReport {
    /// The indicators as shown to the reader they were computed for: rounded for analysts.
    /// Staff training figures are about staff, not children: never rounded.
    pub fn new(computed: Computed, app: &App) -> KpiReport {
        let d = computed.disclosure(app);
        let Computed {
            kpis: k,
            period,
            area,
            households,
            as_of,
            ..
        } = computed;
        let staff: i64 = k.training.iter().map(|t| t.staff).sum();
        let trained: i64 = k.training.iter().map(|t| t.trained).sum();
        KpiReport {
            from: period.from,
            to: period.to,
            region_code: area.region,
            district_code: area.district,
            small_cells_suppressed: d.is_rounded(),
            as_of,
            signals: SignalKpis {
                received: d.count(k.signals_received),
                screened_out: d.count(k.signals_screened_out),
                awaiting_triage: d.count(k.signals_awaiting_triage),
                by_source: breakdown(d, &k.signals_by_source),
                by_concern: breakdown(d, &k.signals_by_concern),
            },
            cases: CaseKpis {
                opened: d.count(k.cases_opened),
                closed: d.count(k.cases_closed),
                closure_reasons: breakdown(d, &k.closure_reasons),
            },
            times: TimeKpis {
                signal_to_triage: durations(d, &k.signal_to_triage),
                signal_to_first_contact: durations(d, &k.signal_to_first_contact),
                signal_to_plan_approval: durations(d, &k.signal_to_plan_approval),
            },
            deadlines: k
                .deadlines
                .iter()
                .map(|(kind, o)| (kind.as_str().to_string(), deadline_view(d, o)))
                .collect(),
            referrals: k
                .referrals
                .iter()
                .map(|(kind, r)| (kind.as_str().to_string(), referral_view(d, r)))
                .collect(),
            repeat_signals: RepeatKpi {
                signals_with_child: d.count(k.signals_with_child),
                repeat: d.count(k.repeat_signals),
                share: d.share(k.repeat_signals, k.signals_with_child),
            },
            accompaniment: AccompanimentKpi {
                children: d.count(k.children_in_accompaniment),
                families: d.count(k.families_in_accompaniment),
                households: d.count(households),
            },
            training: TrainingKpis {
                total: training_view(staff, trained),
                by_role: k
                    .training
                    .iter()
                    .map(|t| {
                        (
                            t.role.as_str().to_string(),
                            training_view(t.staff, t.trained),
                        )
                    })
                    .collect(),
            },
        }
    }

    /// The report as `indicator,value` rows under a header: each leaf of the JSON document
    /// under its dotted path (keys in alphabetical order at each level); `null` is an empty
    /// value.
    pub fn csv_rows(&self) -> Result<Vec<Vec<String>>, AppError> {
        let json = serde_json::to_value(self).map_err(|e| {
            tracing::error!(error = %e, "cannot render the indicators");
            AppError::Internal
        })?;
        let mut rows = vec![vec!["indicator".to_string(), "value".to_string()]];
        flatten("", &json, &mut rows);
        Ok(rows)
    }
}

/// Appends the leaves of `value` under `prefix` as rows.
fn flatten(prefix: &str, value: &serde_json::Value, rows: &mut Vec<Vec<String>>) {
    use serde_json::Value;
    let text = match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, child, rows);
            }
            return;
        }
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    rows.push(vec![prefix.to_string(), text]);
}

/// The name of a report's CSV file: what, where, when.
pub fn file_name(kind: &str, area: &Area, period: &Period) -> String {
    let place = match (&area.region, &area.district) {
        (_, Some(d)) => d.as_str(),
        (Some(r), None) => r.as_str(),
        (None, None) => "KZ",
    };
    format!("{kind}-{place}-{}-{}", period.from, period.to)
}

#[derive(Deserialize, IntoParams)]
pub struct AggregateQuery {
    /// Comma-separated, in the order wanted: `region`, `district`, `concern`, `source`,
    /// `age_band`, `sex`, `month`.
    #[param(schema_with = group_by_schema, style = Form, explode = false, required = true)]
    pub group_by: Option<String>,
    /// Counted from the first of its month; default January of `to`'s year.
    pub from: Option<NaiveDate>,
    /// Counted to the end of its month, but no later than the last month that has ended
    /// (the default).
    pub to: Option<NaiveDate>,
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
    #[param(value_type = Option<DistrictCode>)]
    pub district_code: Option<String>,
}

impl AggregateQuery {
    /// The grouping asked for (comma-separated), and the period and area.
    pub fn into_parts(self) -> (Option<String>, ReportAsked) {
        let asked = ReportAsked {
            from: self.from,
            to: self.to,
            area: AreaAsked {
                region_code: self.region_code,
                district_code: self.district_code,
            },
        };
        (self.group_by, asked)
    }
}

/// `group_by` as the document gives it: a comma-separated list (`style=form, explode=false`) of
/// dimensions, each at most once, as `parse_group_by` reads it.
fn group_by_schema() -> utoipa::openapi::Array {
    use utoipa::PartialSchema;
    utoipa::openapi::ArrayBuilder::new()
        .items(Dimension::schema())
        .min_items(Some(1))
        .max_items(Some(Dimension::ALL.len()))
        .unique_items(true)
        .build()
}

#[derive(Serialize, ToSchema)]
pub struct AggregateCell {
    /// The cell's value of each grouping dimension.
    pub group: BTreeMap<String, String>,
    /// Signals, randomly rounded to a multiple of 5: never below 5 (a cell of 1–4 is left out,
    /// exactly like an empty one).
    pub count: i64,
}

/// Signals received in whole months, counted per combination of the grouping dimensions.
/// Each count is randomly rounded to a multiple of 5, the same signals always the same way;
/// a cell of 1–4 signals is left out like an empty one (docs/reporting.md § Disclosure
/// control).
#[derive(Serialize, ToSchema)]
pub struct AggregateReport {
    #[schema(value_type = Vec<Dimension>)]
    pub group_by: Vec<String>,
    /// The first day counted: the first of a month.
    pub from: NaiveDate,
    /// The last day counted: the last of a month that has ended.
    pub to: NaiveDate,
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    /// What is counted: `signals` (a signal with several concerns counts under each when
    /// grouped by concern).
    pub unit: String,
    /// The smallest count shown.
    pub min_cell: i64,
    /// Every count is a multiple of this.
    pub rounding_base: i64,
    /// How fresh the data is: everything recorded up to this instant is counted (as in the
    /// indicators' `as_of`).
    pub as_of: DateTime<Utc>,
    pub cells: Vec<AggregateCell>,
}

impl AggregateReport {
    /// The cells as CSV rows under a header: one column per dimension, then the count.
    pub fn csv_rows(a: Aggregates) -> Vec<Vec<String>> {
        let mut header = names(&a);
        header.push("count".to_string());
        let mut rows = vec![header];
        for (mut row, n) in a.cells {
            row.push(n.to_string());
            rows.push(row);
        }
        rows
    }
}

/// The dimensions' names, in the order asked.
fn names(a: &Aggregates) -> Vec<String> {
    a.dimensions
        .iter()
        .map(|d| d.as_str().to_string())
        .collect()
}

impl From<Aggregates> for AggregateReport {
    fn from(a: Aggregates) -> Self {
        let names = names(&a);
        AggregateReport {
            cells: a
                .cells
                .into_iter()
                .map(|(key, count)| AggregateCell {
                    group: names.iter().cloned().zip(key).collect(),
                    count,
                })
                .collect(),
            group_by: names,
            from: a.period.from,
            to: a.period.to,
            region_code: a.area.region,
            district_code: a.area.district,
            unit: "signals".into(),
            min_cell: MIN_CELL,
            rounding_base: ROUNDING_BASE,
            as_of: a.as_of,
        }
    }
}
