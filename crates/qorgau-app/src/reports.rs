//! Reports (api.md § Supervision and reports): the indicators of an area over a period, and
//! de-identified counts for analysts. Definitions: `docs/reporting.md`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use qorgau_domain::access::Action;
use qorgau_domain::report::aggregate::{self, Dimension};
use qorgau_domain::report::kpi::{self, Kpis};
use qorgau_domain::report::rounding::Tally;
use qorgau_domain::report::{Area, Disclosure, Period, kazakhstan_date};
use qorgau_persistence::reports::Source;
use qorgau_persistence::{DbConnection, families, read_only, reports};

use crate::app::App;
use crate::area::AreaAsked;
use crate::caller::Caller;
use crate::error::AppError;

/// A period and an area asked for; the defaults are [`Period`]'s and the caller's scope's.
pub struct ReportAsked {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub area: AreaAsked,
}

/// The indicators of an area over a period, before disclosure control.
pub struct KpiReport {
    pub kpis: Kpis,
    pub period: Period,
    pub area: Area,
    /// Families (household records) in accompaniment (`accompaniment.households`): computed
    /// apart from `kpis` by [`households_in_accompaniment`].
    pub households: Tally,
    /// How fresh the data read was ([`data_as_of`]).
    pub as_of: DateTime<Utc>,
    /// Whether the reader sees counts rounded (analysts) or exact (supervisors).
    rounded: bool,
}

impl KpiReport {
    /// How the indicators may be shown to the reader they were computed for.
    pub fn disclosure<'a>(&self, app: &'a App) -> Disclosure<'a> {
        if self.rounded {
            Disclosure::Rounded(&app.rounding)
        } else {
            Disclosure::Full
        }
    }
}

/// The indicators of the area over the period. For analysts the period is whole months that
/// have ended, and counts are to be rounded ([`KpiReport::disclosure`]).
pub fn kpis(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    asked: &ReportAsked,
) -> Result<KpiReport, AppError> {
    caller.actor.scope(Action::ViewReports)?;
    let now = app.now().naive_utc();
    let rounded = Disclosure::for_role(caller.actor.role, &app.rounding).is_rounded();
    let period = if rounded {
        Period::whole_months(asked.from, asked.to, kazakhstan_date(now))?
    } else {
        Period::parse(asked.from, asked.to, kazakhstan_date(now))?
    };
    let as_of = data_as_of(conn, app)?;
    read_only(conn, |conn| {
        let area = asked.area.resolve(conn, caller, Action::ViewReports)?;
        let households = households_in_accompaniment(conn, &area, &period)?;
        Ok(KpiReport {
            kpis: indicators(conn, &area, &period, now)?,
            households,
            as_of,
            period,
            area,
            rounded,
        })
    })
}

/// How fresh the data a report reads on `conn` is: on a streaming replica
/// (`reports.database_url`), the commit time of the last transaction it replayed — everything
/// the primary committed up to then is in the report, anything later may not be; on the
/// primary, the time of the read. A replica that has replayed nothing since it started knows
/// no such time: the time of the read, and a warning in the log (docs/operations.md § Reports
/// on a replica). Read before the report's snapshot, so that it never claims more than the
/// report holds.
pub fn data_as_of(conn: &mut DbConnection, app: &App) -> Result<DateTime<Utc>, AppError> {
    Ok(match reports::source(conn)? {
        Source::Primary => app.now(),
        Source::Replica {
            replayed_at: Some(at),
        } => at.and_utc(),
        Source::Replica { replayed_at: None } => {
            tracing::warn!(
                "the reports' replica has replayed no transaction since it started: as_of is the time of the read"
            );
            app.now()
        }
    })
}

/// Families (household records, `qorgau_app::families`) of the area with a member child whose
/// case was open at some time in the period (docs/reporting.md, `accompaniment.households`).
pub fn households_in_accompaniment(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Tally, AppError> {
    Ok(families::in_accompaniment(conn, area, period)?)
}

/// The indicators of `area` over `period` as of `now`, read from the report facts
/// (docs/reporting.md § Report facts): what `GET /reports/kpis` serves.
pub fn indicators(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
    now: NaiveDateTime,
) -> Result<Kpis, AppError> {
    let counts = reports::kpi_counts(conn, area, period, now)?;
    Ok(kpi::from_counts(&counts))
}

/// The same indicators computed from the source tables: the reference implementation the
/// facts must agree with, to the last digit (`qorgau reports verify --kpis`, and
/// `tests/api/report_facts.rs`). Slow at national scale (it reads every record of the period).
pub fn indicators_from_source(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
    now: NaiveDateTime,
) -> Result<Kpis, AppError> {
    let facts = reports::kpi_facts(conn, area, period)?;
    Ok(kpi::compute(&facts, now))
}

/// Counts of signals over whole months per combination of the grouping dimensions, randomly
/// rounded, small cells left out.
pub struct Aggregates {
    pub dimensions: Vec<Dimension>,
    pub period: Period,
    pub area: Area,
    /// Each cell: its value of each dimension, in order, and its published count.
    pub cells: Vec<(Vec<String>, i64)>,
    /// How fresh the data read was ([`data_as_of`]).
    pub as_of: DateTime<Utc>,
}

/// Signals received in whole months, counted per combination of `group_by` (comma-separated
/// dimensions, in the order wanted). Each count is randomly rounded to a multiple of 5, the same
/// signals always the same way; a cell of 1–4 signals is left out like an empty one
/// (docs/reporting.md § Disclosure control).
pub fn aggregates(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    group_by: Option<&str>,
    asked: &ReportAsked,
) -> Result<Aggregates, AppError> {
    caller.actor.scope(Action::ViewAggregates)?;
    let now = app.now().naive_utc();
    let dimensions = match group_by {
        None => return Err(AppError::invalid("group_by", "is required")),
        Some(value) => {
            aggregate::parse_group_by(value).map_err(|m| AppError::invalid("group_by", m))?
        }
    };
    let period = Period::whole_months(asked.from, asked.to, kazakhstan_date(now))?;
    let as_of = data_as_of(conn, app)?;
    let (area, counted) = read_only(conn, |conn| {
        let area = asked.area.resolve(conn, caller, Action::ViewAggregates)?;
        let counted = reports::aggregate(conn, &dimensions, &area, &period)?;
        Ok::<_, AppError>((area, counted))
    })?;
    Ok(Aggregates {
        cells: aggregate::publish(counted, &app.rounding),
        dimensions,
        period,
        area,
        as_of,
    })
}
