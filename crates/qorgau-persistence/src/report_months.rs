//! Month facts (migration `000031_report_months`, docs/reporting.md § Month facts): per district
//! and month, what the indicators add up — counts and key sums, and every duration a median
//! needs — so that a year of the whole country is read from ≈ 2,400 rows instead of one row per
//! signal, case, referral and deadline.
//!
//! **Exact at every moment.** A month row is a cache of [`crate::reports::settled`] over the
//! district's month, computed from the report facts. Every change to a fact row (and to a met
//! deadline) leaves a *mark* — its area and time — written by triggers, so that no write can
//! forget one. A report reads a district-month from its row only when no mark falls in it;
//! a marked month, and the partial months at the edges of an odd period, are read from the
//! facts themselves ([`plan`]). The worker ([`refresh`]) takes the marks, recomputes their
//! months and writes the rows in one transaction; a report reads one snapshot, so it sees
//! either the marks or the rows that replaced them.
//!
//! The clocks still running (an untriaged signal, an unmet deadline) are in no row: whether
//! they are overdue depends on when the report is read, so every report reads them from the
//! facts, through partial indexes that hold only them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};
use qorgau_domain::lifecycle::ClosureReason;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::referral::ReferralStatus;
use qorgau_domain::report::kpi::{
    CaseSpan, DeadlineCount, KpiCounts, Outcome, ReferralCount, SignalCount,
};
use qorgau_domain::report::rounding::Tally;
use qorgau_domain::report::{Area, EARLIEST_DATE, LATEST_DATE, Period, kazakhstan_date};
use qorgau_domain::signal::SignalStatus;
use qorgau_domain::taxonomy::{Concern, SignalSource};
use serde::{Deserialize, Serialize};

use crate::DbConnection;
use crate::error::DbError;
use crate::report_facts::execute;
use crate::reports::{Param, in_area, load};

/// A count and the sum of its records' keys, as stored.
pub type Counted = (i64, u32);
/// Signals of one source, status and triage (`None` not triaged yet, else whether late).
pub type SignalsCounted = (SignalSource, SignalStatus, Option<bool>, Counted);
/// Signals of one concern and source.
pub type ConcernCounted = (Concern, SignalSource, Counted);

fn stored(t: Tally) -> Counted {
    (t.count, t.key)
}

/// A stored count as the indicators count it.
pub(crate) fn tally((count, key): Counted) -> Tally {
    Tally { count, key }
}

/// What the indicators add up over an area's period, the clocks still running aside: a month
/// row's content, and what a report reads from the facts for a marked month or an edge.
/// Stored as JSON, tuples rather than objects to keep a row small.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settled {
    /// Signals per source, status and triage: `None` not triaged yet, else whether late.
    pub signals: Vec<SignalsCounted>,
    /// Seconds from receipt to triage, each triaged signal.
    pub triage_seconds: Vec<i64>,
    /// Signals per concern and source.
    pub concerns: Vec<ConcernCounted>,
    pub cases_opened: Counted,
    pub closures: Vec<(Option<ClosureReason>, Counted)>,
    /// Cases opened from a signal: key, seconds to the child seen, to the plan approved.
    pub cases: Vec<(u32, Option<i64>, Option<i64>)>,
    /// Met deadlines per kind and whether late.
    pub deadlines: Vec<(DeadlineKind, bool, Counted)>,
    pub referrals: Vec<(OrganisationKind, ReferralStatus, bool, Counted)>,
    pub response_seconds: Vec<(OrganisationKind, i64)>,
    pub signals_with_child: Counted,
    pub repeat_signals: Counted,
}

impl Settled {
    pub(crate) fn signal(
        source: SignalSource,
        status: SignalStatus,
        triage: Option<Outcome>,
        records: Tally,
    ) -> SignalsCounted {
        (
            source,
            status,
            triage.map(|o| o == Outcome::MetLate),
            stored(records),
        )
    }

    pub(crate) fn tally(records: Tally) -> Counted {
        stored(records)
    }

    /// Every list in one order, whatever order the statements returned the rows in: a month
    /// computed in a pass over one month or over ten years is the same row.
    pub(crate) fn sort(&mut self) {
        self.signals.sort_unstable();
        self.triage_seconds.sort_unstable();
        self.concerns.sort_unstable();
        self.closures.sort_unstable();
        self.cases.sort_unstable();
        self.deadlines.sort_unstable();
        self.referrals.sort_unstable();
        self.response_seconds.sort_unstable();
    }

    /// The indicators' counts of these records (the running clocks left out: the report adds
    /// them as of now).
    pub fn counts(&self) -> KpiCounts {
        let met = |late: bool| {
            if late {
                Outcome::MetLate
            } else {
                Outcome::MetOnTime
            }
        };
        KpiCounts {
            signals: self
                .signals
                .iter()
                .filter_map(|(source, status, late, n)| {
                    Some(SignalCount {
                        source: *source,
                        status: *status,
                        triage: met((*late)?),
                        records: tally(*n),
                    })
                })
                .collect(),
            triage_seconds: self.triage_seconds.clone(),
            signal_concerns: self
                .concerns
                .iter()
                .map(|(concern, _, n)| (*concern, tally(*n)))
                .collect(),
            cases_opened: tally(self.cases_opened),
            closures: self
                .closures
                .iter()
                .map(|(reason, n)| (*reason, tally(*n)))
                .collect(),
            case_times: self
                .cases
                .iter()
                .map(|(key, contact, plan)| CaseSpan {
                    key: *key,
                    to_first_contact: *contact,
                    to_plan_approval: *plan,
                })
                .collect(),
            deadlines: self
                .deadlines
                .iter()
                .map(|(kind, late, n)| DeadlineCount {
                    kind: *kind,
                    outcome: met(*late),
                    records: tally(*n),
                })
                .collect(),
            referrals: self
                .referrals
                .iter()
                .map(|(kind, status, answered, n)| ReferralCount {
                    organisation_kind: *kind,
                    status: *status,
                    answered: *answered,
                    records: tally(*n),
                })
                .collect(),
            response_seconds: self.response_seconds.clone(),
            signals_with_child: tally(self.signals_with_child),
            repeat_signals: tally(self.repeat_signals),
            ..KpiCounts::default()
        }
    }

    /// The signals per source, or per concern and source (a signal once under each of its
    /// concerns): the aggregates' cells of this district-month.
    pub fn signal_cells(&self, by_concern: bool) -> Vec<(Option<Concern>, SignalSource, Tally)> {
        if by_concern {
            self.concerns
                .iter()
                .map(|(concern, source, n)| (Some(*concern), *source, tally(*n)))
                .collect()
        } else {
            self.signals
                .iter()
                .map(|(source, _, _, n)| (None, *source, tally(*n)))
                .collect()
        }
    }
}

/// A district's month as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthRow {
    pub region: String,
    pub district: String,
    /// `YYYY-MM`.
    pub month: String,
    pub facts: Settled,
}

/// How a report of an area's period is read: the month rows of its clean whole months, and
/// the periods to read from the facts (marked months and partial months), in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub rows: Vec<MonthRow>,
    pub live: Vec<Period>,
}

/// The first day of the month (Kazakhstan time) an instant falls in.
fn month_of(at: NaiveDateTime) -> NaiveDate {
    let day = kazakhstan_date(at);
    day.with_day(1).unwrap_or(day)
}

fn month_key(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

fn next_month(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).unwrap_or(first)
}

/// The whole month starting at `first`, as a period.
fn whole(first: NaiveDate) -> Period {
    Period {
        from: first,
        to: next_month(first).pred_opt().unwrap_or(first),
    }
}

#[derive(QueryableByName)]
struct Mark {
    #[diesel(sql_type = Text)]
    region_code: String,
    #[diesel(sql_type = Text)]
    district_code: String,
    #[diesel(sql_type = Timestamp)]
    at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    region_code: String,
    #[diesel(sql_type = Text)]
    district_code: String,
    #[diesel(sql_type = Text)]
    month: String,
    #[diesel(sql_type = Text)]
    facts: String,
}

/// How to read `period` in `area`: the rows of the whole months no mark falls in, and from the
/// facts the rest.
pub fn plan(conn: &mut DbConnection, area: &Area, period: &Period) -> Result<Plan, DbError> {
    let first = if period.from.day() == 1 {
        period.from
    } else {
        next_month(period.from.with_day(1).unwrap_or(period.from))
    };
    let mut months = Vec::new();
    let mut month = first;
    // Periods end by LATEST_DATE, far from the calendar's end: the next month always exists.
    while whole(month).to <= period.to && next_month(month) > month {
        months.push(month);
        month = next_month(month);
    }
    let (Some(&earliest), Some(&latest)) = (months.first(), months.last()) else {
        return Ok(Plan {
            rows: Vec::new(),
            live: vec![*period],
        });
    };
    let mut params = vec![
        Param::Time(whole(earliest).start()),
        Param::Time(whole(latest).end()),
    ];
    #[derive(QueryableByName)]
    struct Marked {
        #[diesel(sql_type = Text)]
        month: String,
    }
    let sql = format!(
        "SELECT DISTINCT {} AS month FROM report_marks WHERE at >= ? AND at < ?{}",
        month_sql(conn, "at"),
        in_area(area, &mut params)
    );
    let marked_keys: BTreeSet<String> = load::<Marked>(conn, &sql, &params)?
        .into_iter()
        .map(|m| m.month)
        .collect();
    let marked: BTreeSet<NaiveDate> = months
        .iter()
        .copied()
        .filter(|m| marked_keys.contains(&month_key(*m)))
        .collect();
    let mut params = vec![
        Param::Text(month_key(earliest)),
        Param::Text(month_key(latest)),
    ];
    let sql = format!(
        "SELECT region_code, district_code, month, facts FROM report_months \
         WHERE month >= ? AND month <= ?{}",
        in_area(area, &mut params)
    );
    let rows = load::<Row>(conn, &sql, &params)?
        .into_iter()
        .filter(|r| !marked_keys.contains(&r.month))
        .map(|r| {
            Ok(MonthRow {
                facts: parse(&r)?,
                region: r.region_code,
                district: r.district_code,
                month: r.month,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    // The rest, from the facts: the days before the first whole month, the marked months, the
    // days after the last; neighbours joined into one period.
    let mut pieces = Vec::new();
    if period.from < earliest {
        pieces.push(Period {
            from: period.from,
            to: earliest.pred_opt().unwrap_or(earliest),
        });
    }
    pieces.extend(
        months
            .iter()
            .filter(|m| marked.contains(m))
            .map(|m| whole(*m)),
    );
    let after = whole(latest).to.succ_opt().unwrap_or(period.to);
    if after <= period.to {
        pieces.push(Period {
            from: after,
            to: period.to,
        });
    }
    let mut live: Vec<Period> = Vec::new();
    for piece in pieces {
        match live.last_mut() {
            Some(last) if last.to.succ_opt() == Some(piece.from) => last.to = piece.to,
            _ => live.push(piece),
        }
    }
    Ok(Plan { rows, live })
}

fn parse(row: &Row) -> Result<Settled, DbError> {
    serde_json::from_str(&row.facts).map_err(|e| {
        DbError::Other(diesel::result::Error::DeserializationError(Box::new(
            CorruptMonth {
                region: row.region_code.clone(),
                district: row.district_code.clone(),
                month: row.month.clone(),
                error: e.to_string(),
            },
        )))
    })
}

/// A month row that does not read as [`Settled`]: a logged 500 naming the row, never a guess.
#[derive(Debug, thiserror::Error)]
#[error("report_months {region} {district} {month}: {error}")]
struct CorruptMonth {
    region: String,
    district: String,
    month: String,
    error: String,
}

/// PostgreSQL: one instance at a time recomputes months (an arbitrary, fixed key). Two at once
/// could each write a month computed before the other's marks, the later write undoing the
/// newer content after its marks were gone.
const REFRESH_LOCK: i64 = 0x7167_6175_0031;

/// Takes every mark, recomputes the marked district-months from the facts and writes them (or
/// deletes a month left without facts); returns how many months were written. Run in a
/// transaction: marks, rows and facts change together. The marks are taken by the `DELETE`
/// itself, so a mark written by a transaction not yet committed stays for the next pass, and
/// every fact a taken mark stands for is visible to the statements that follow it.
pub fn refresh(conn: &mut DbConnection) -> Result<usize, DbError> {
    if let DbConnection::Postgres(pg) = conn {
        #[derive(QueryableByName)]
        struct Locked {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            locked: bool,
        }
        let got: Locked = diesel::sql_query(format!(
            "SELECT pg_try_advisory_xact_lock({REFRESH_LOCK}) AS locked"
        ))
        .get_result(pg)?;
        if !got.locked {
            return Ok(0);
        }
    }
    let marks: Vec<Mark> = load(
        conn,
        "DELETE FROM report_marks RETURNING region_code, district_code, at",
        &[],
    )?;
    // Per region, the marked months in runs of consecutive months: one pass of the statements
    // over each run computes all its districts' months.
    let mut marked: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
    let mut places: BTreeSet<(String, String, String)> = BTreeSet::new();
    for m in marks {
        let month = month_of(m.at);
        places.insert((m.region_code.clone(), m.district_code, month_key(month)));
        marked.entry(m.region_code).or_default().insert(month);
    }
    for (region, months) in marked {
        let area = Area {
            region: Some(region.clone()),
            district: None,
        };
        for run in runs(&months) {
            let computed = crate::reports::settled(conn, &area, &run)?;
            let months = month_key(run.from)..=month_key(run.to);
            for place in places
                .iter()
                .filter(|(r, _, m)| *r == region && months.contains(m))
            {
                write_month(conn, place, computed.get(place))?;
            }
        }
    }
    Ok(places.len())
}

/// Consecutive months joined into periods.
fn runs(months: &BTreeSet<NaiveDate>) -> Vec<Period> {
    let mut out: Vec<Period> = Vec::new();
    for month in months {
        match out.last_mut() {
            Some(run) if run.to.succ_opt() == Some(*month) => run.to = whole(*month).to,
            _ => out.push(whole(*month)),
        }
    }
    out
}

/// Writes a district-month's row, or deletes it when the month holds no fact.
fn write_month(
    conn: &mut DbConnection,
    (region, district, month): &(String, String, String),
    facts: Option<&Settled>,
) -> Result<(), DbError> {
    match facts {
        None => {
            execute(
                conn,
                "DELETE FROM report_months WHERE region_code = ? AND month = ? AND district_code = ?",
                &[region, month, district],
            )?;
        }
        Some(facts) => {
            let json = serde_json::to_string(facts).map_err(|e| {
                DbError::Other(diesel::result::Error::SerializationError(Box::new(e)))
            })?;
            execute(
                conn,
                "INSERT INTO report_months (region_code, month, district_code, facts) \
                 VALUES (?, ?, ?, ?) ON CONFLICT (region_code, month, district_code) \
                 DO UPDATE SET facts = excluded.facts",
                &[region, month, district, &json],
            )?;
        }
    }
    Ok(())
}

/// The times that place each fact in a month, per table: `(table, column, condition)`.
const PLACED: [(&str, &str, &str); 5] = [
    ("report_signals", "received_at", "TRUE"),
    ("report_cases", "opened_at", "TRUE"),
    ("report_cases", "closed_at", "closed_at IS NOT NULL"),
    ("report_referrals", "created_at", "TRUE"),
    ("deadlines", "starts_at", "met_at IS NOT NULL"),
];

/// One mark for each district-month that holds a fact, and no other: after a rebuild of the
/// facts (whose own writes left a mark per row), and by the upgrade that created the months.
pub fn mark_all(conn: &mut DbConnection) -> Result<(), DbError> {
    execute(conn, "DELETE FROM report_marks", &[])?;
    for (table, column, condition) in PLACED {
        let month = month_sql(conn, column);
        execute(
            conn,
            &format!(
                "INSERT INTO report_marks (region_code, district_code, at) \
                 SELECT region_code, district_code, MIN({column}) FROM {table} \
                 WHERE {condition} GROUP BY region_code, district_code, {month}"
            ),
            &[],
        )?;
    }
    Ok(())
}

/// `column`'s month in Kazakhstan time, `YYYY-MM`, in the backend's SQL.
pub(crate) fn month_sql(conn: &DbConnection, column: &str) -> String {
    let offset = qorgau_domain::deadline::KAZAKHSTAN_UTC_OFFSET_HOURS;
    match conn {
        DbConnection::Postgres(_) => {
            format!("to_char({column} + INTERVAL '{offset} hours', 'YYYY-MM')")
        }
        DbConnection::Sqlite(_) => format!("strftime('%Y-%m', {column}, '+{offset} hours')"),
    }
}

/// How the month rows compare with the facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthsCompared {
    /// District-months compared (those with facts or a row, and no mark).
    pub compared: usize,
    /// District-months whose row differs from the facts, lacks, or should not be: some, named
    /// `region district YYYY-MM`.
    pub differing: Vec<String>,
    pub differing_count: usize,
}

/// Recomputes every district-month from the facts (one pass of the statements over all time)
/// and compares each unmarked one with its row (a marked month is read from the facts anyway,
/// whatever its row holds).
pub fn verify(conn: &mut DbConnection) -> Result<MonthsCompared, DbError> {
    let all_time = Period {
        from: EARLIEST_DATE,
        to: LATEST_DATE,
    };
    let computed = crate::reports::settled(conn, &Area::default(), &all_time)?;
    let stored: BTreeMap<(String, String, String), Row> = load::<Row>(
        conn,
        "SELECT region_code, district_code, month, facts FROM report_months",
        &[],
    )?
    .into_iter()
    .map(|row| {
        let place = (
            row.region_code.clone(),
            row.district_code.clone(),
            row.month.clone(),
        );
        (place, row)
    })
    .collect();
    let marked: BTreeSet<(String, String, String)> = load::<Mark>(
        conn,
        "SELECT DISTINCT region_code, district_code, at FROM report_marks",
        &[],
    )?
    .into_iter()
    .map(|m| (m.region_code, m.district_code, month_key(month_of(m.at))))
    .collect();
    let places: BTreeSet<&(String, String, String)> =
        computed.keys().chain(stored.keys()).collect();
    let mut out = MonthsCompared::default();
    for place in places.into_iter().filter(|p| !marked.contains(*p)) {
        let expected = computed.get(place).cloned().unwrap_or_default();
        let found = match stored.get(place) {
            Some(row) => parse(row).ok(),
            None => Some(Settled::default()),
        };
        out.compared += 1;
        if found.as_ref() != Some(&expected) {
            out.differing_count += 1;
            if out.differing.len() < 5 {
                let (region, district, month) = place;
                out.differing.push(format!("{region} {district} {month}"));
            }
        }
    }
    Ok(out)
}

/// Marks waiting for the worker (a gauge: near zero while the worker keeps up).
pub fn pending(conn: &mut DbConnection) -> Result<i64, DbError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let counted: Vec<Count> = load(conn, "SELECT COUNT(*) AS n FROM report_marks", &[])?;
    Ok(counted.first().map_or(0, |c| c.n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_instant_falls_in_its_month_in_kazakhstan() {
        // 19:00 UTC on 31 January is midnight of 1 February in Astana (UTC+5).
        let at = NaiveDateTime::parse_from_str("2025-01-31 19:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(month_of(at), day("2025-02-01"));
        let before = at - chrono::Duration::seconds(1);
        assert_eq!(month_of(before), day("2025-01-01"));
        assert_eq!(whole(day("2024-02-01")).to, day("2024-02-29"));
        assert_eq!(month_key(day("2024-02-01")), "2024-02");
    }

    #[test]
    fn a_month_row_keeps_the_records_and_leaves_the_running_clocks_out() {
        let settled = Settled {
            signals: vec![
                (
                    SignalSource::ContactCentre111,
                    SignalStatus::ScreenedOut,
                    Some(false),
                    (3, 7),
                ),
                (
                    SignalSource::ContactCentre111,
                    SignalStatus::Received,
                    None,
                    (2, 1),
                ),
            ],
            deadlines: vec![(DeadlineKind::FirstContact, true, (1, 9))],
            ..Settled::default()
        };
        let json = serde_json::to_string(&settled).unwrap();
        assert_eq!(serde_json::from_str::<Settled>(&json).unwrap(), settled);
        let counts = settled.counts();
        assert_eq!(
            counts.signals.len(),
            1,
            "the untriaged signals are read as of now"
        );
        assert_eq!(counts.signals[0].triage, Outcome::MetOnTime);
        assert_eq!(counts.deadlines[0].outcome, Outcome::MetLate);
        assert_eq!(
            settled.signal_cells(false).len(),
            2,
            "the aggregates count every signal"
        );
    }
}
