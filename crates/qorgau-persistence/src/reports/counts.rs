//! The indicators' facts read from the fact tables of `crate::report_facts` (migration
//! `000027_report_facts`): one statement per family of facts, each one range of one index of
//! one table (the area's period), counting in the database where a count is what the indicator
//! needs and returning durations one by one only where a median needs them. The result goes
//! through `qorgau_domain::report::kpi::from_counts`; [`super::kpi_facts`] over the source
//! tables is the reference it must agree with (`tests/api/report_facts.rs`, `qorgau reports
//! verify`).
//!
//! A new indicator is one more function here (and one more field of `KpiCounts`), next to its
//! reference query in `super`.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use qorgau_domain::code::UnknownCode;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::report::kpi::{self, CaseTimes, DeadlineCount, KpiCounts, Outcome, SignalCount};
use qorgau_domain::report::rounding::Tally;
use qorgau_domain::report::{Area, Period};

use super::{Param, numbered, staff, sum_keys_sql};
use crate::DbConnection;
use crate::error::DbError;
use crate::report_months::{self, Settled, tally};

/// Everything the indicators of `period` in `area` are computed from; `now` decides which
/// clocks have lapsed. The whole months no change has marked since the worker last saw them
/// are read from their month rows, the rest from the facts (`crate::report_months::plan`);
/// the clocks still running, and the counts that are not sums over the period, are always
/// read from the facts.
pub fn kpi_counts(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
    now: NaiveDateTime,
) -> Result<KpiCounts, DbError> {
    let plan = report_months::plan(conn, area, period)?;
    let mut counts = KpiCounts::default();
    for row in &plan.rows {
        counts.absorb(row.facts.counts());
    }
    for part in &plan.live {
        for month in settled(conn, area, part)?.values() {
            counts.absorb(month.counts());
        }
    }
    counts
        .signals
        .extend(untriaged_signals(conn, area, period, now)?);
    counts
        .deadlines
        .extend(unmet_deadlines(conn, area, period, now)?);
    counts.children_in_accompaniment = children_in_accompaniment(conn, area, period)?;
    counts.families_in_accompaniment = families_in_accompaniment(conn, area, period)?;
    counts.staff = staff(conn, area, period)?;
    Ok(counts)
}

/// A district's month: region, district, `YYYY-MM` (Kazakhstan time).
pub type Place = (String, String, String);

/// What the indicators add up over `period` in `area`, from the facts, per district and month,
/// the clocks still running aside: the content of the month rows (`crate::report_months`), and
/// what a report reads from the facts for a marked month or the days of a partial one. Each
/// statement groups by the district and the month of its own time (received, opened, closed,
/// started, sent), so one pass computes any number of months.
pub fn settled(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<BTreeMap<Place, Settled>, DbError> {
    let mut months: BTreeMap<Place, Settled> = BTreeMap::new();
    let postgres = postgres(conn);
    let keys = |column: &str| sum_keys_sql(postgres, column);

    // Signals per source, status and triage: met on time, late, or not yet (`None`).
    let sql = format!(
        "SELECT {}, source AS a, status AS b, CASE WHEN triaged_at IS NULL THEN NULL \
         WHEN triaged_at <= triage_due_at THEN 'met_on_time' ELSE 'met_late' END AS c, \
         COUNT(*) AS n, {} AS key_sum FROM report_signals WHERE {{}} GROUP BY 1, 2, 3, 4, 5, 6",
        place(conn, "", "received_at"),
        keys("record_key")
    );
    for row in placed::<PlacedCount>(conn, &sql, "received_at", area, period)? {
        let triage = match row.count.c.as_deref() {
            None => None,
            met => Some(outcome(met)?),
        };
        let signal = Settled::signal(
            code(row.count.a.as_deref())?,
            code(row.count.b.as_deref())?,
            triage,
            row.count.tally(),
        );
        entry(&mut months, row.place).signals.push(signal);
    }

    // From receipt to triage, each triaged signal.
    let sql = format!(
        "SELECT {}, received_at AS \"from\", triaged_at AS \"to\", CAST(NULL AS TEXT) AS a \
         FROM report_signals WHERE {{}} AND triaged_at IS NOT NULL",
        place(conn, "", "received_at")
    );
    for row in placed::<PlacedSpan>(conn, &sql, "received_at", area, period)? {
        let seconds = kpi::seconds(row.span.from, row.span.to);
        entry(&mut months, row.place).triage_seconds.push(seconds);
    }

    // Signals per concern and source (the aggregates group by both).
    let sql = format!(
        "SELECT {}, c.concern AS a, s.source AS b, CAST(NULL AS TEXT) AS c, COUNT(*) AS n, \
         {} AS key_sum FROM (SELECT signal_id, concern, record_key, region_code, district_code, \
         received_at FROM report_signal_concerns WHERE {{}}) c \
         JOIN report_signals s ON s.signal_id = c.signal_id GROUP BY 1, 2, 3, 4, 5",
        place(conn, "c.", "received_at"),
        keys("c.record_key")
    );
    for row in placed::<PlacedCount>(conn, &sql, "received_at", area, period)? {
        let concern = (
            code(row.count.a.as_deref())?,
            code(row.count.b.as_deref())?,
            Settled::tally(row.count.tally()),
        );
        entry(&mut months, row.place).concerns.push(concern);
    }

    // Cases opened, and the signals about an identified child: counts.
    for (time, table, condition) in [
        ("opened_at", "report_cases", "TRUE"),
        ("received_at", "report_signals", "child_id IS NOT NULL"),
    ] {
        let sql = format!(
            "SELECT {}, CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, \
             COUNT(*) AS n, {} AS key_sum FROM {table} WHERE {{}} AND {condition} GROUP BY 1, 2, 3",
            place(conn, "", time),
            keys("record_key")
        );
        for row in placed::<PlacedCount>(conn, &sql, time, area, period)? {
            let month = entry(&mut months, row.place);
            let total = if table == "report_cases" {
                &mut month.cases_opened
            } else {
                &mut month.signals_with_child
            };
            *total = Settled::tally(tally(*total).merge(row.count.tally()));
        }
    }

    // Cases closed, per reason.
    let sql = format!(
        "SELECT {}, closure_reason AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, \
         COUNT(*) AS n, {} AS key_sum FROM report_cases WHERE {{}} GROUP BY 1, 2, 3, 4",
        place(conn, "", "closed_at"),
        keys("record_key")
    );
    for row in placed::<PlacedCount>(conn, &sql, "closed_at", area, period)? {
        let reason = match row.count.a.as_deref() {
            None => None,
            Some(r) => Some(code(Some(r))?),
        };
        let closure = (reason, Settled::tally(row.count.tally()));
        entry(&mut months, row.place).closures.push(closure);
    }

    // Cases opened from a signal: their durations.
    let sql = format!(
        "SELECT {}, record_key, signal_received_at, first_seen_at, first_approved_at \
         FROM report_cases WHERE {{}} AND signal_received_at IS NOT NULL",
        place(conn, "", "opened_at")
    );
    for row in placed::<PlacedCase>(conn, &sql, "opened_at", area, period)? {
        let span = CaseTimes {
            key: key_of(row.case.record_key),
            signal_received_at: row.case.signal_received_at,
            first_seen_at: row.case.first_seen_at,
            first_approved_at: row.case.first_approved_at,
        }
        .span();
        let case = (span.key, span.to_first_contact, span.to_plan_approval);
        entry(&mut months, row.place).cases.push(case);
    }

    // The cases' deadlines whose clock started, met, per kind and whether late. Deadlines are
    // their own facts: they carry their case's area, their start (migration 000010) and their
    // record key (a generated column, 000030), all held by `deadlines_area_started` (an area)
    // and `deadlines_started` (the country).
    let sql = format!(
        "SELECT {}, kind AS a, CASE WHEN met_at <= due_at THEN 'met_on_time' ELSE 'met_late' END \
         AS b, CAST(NULL AS TEXT) AS c, COUNT(*) AS n, {} AS key_sum FROM deadlines WHERE {{}} \
         AND met_at IS NOT NULL AND status <> 'cancelled' AND kind <> 'triage' GROUP BY 1, 2, 3, 4, 5",
        place(conn, "", "starts_at"),
        keys("record_key")
    );
    for row in placed::<PlacedCount>(conn, &sql, "starts_at", area, period)? {
        let kind: DeadlineKind = code(row.count.a.as_deref())?;
        let late = outcome(row.count.b.as_deref())? == Outcome::MetLate;
        let deadline = (kind, late, Settled::tally(row.count.tally()));
        entry(&mut months, row.place).deadlines.push(deadline);
    }

    // Referrals (not notifications) sent, per kind of organisation, status, and whether answered.
    let sql = format!(
        "SELECT {}, organisation_kind AS a, status AS b, \
         CASE WHEN responded_at IS NULL THEN 'no' ELSE 'yes' END AS c, COUNT(*) AS n, \
         {} AS key_sum FROM report_referrals WHERE {{}} AND kind = 'referral' \
         GROUP BY 1, 2, 3, 4, 5, 6",
        place(conn, "", "created_at"),
        keys("record_key")
    );
    for row in placed::<PlacedCount>(conn, &sql, "created_at", area, period)? {
        let referral = (
            code(row.count.a.as_deref())?,
            code(row.count.b.as_deref())?,
            row.count.c.as_deref() == Some("yes"),
            Settled::tally(row.count.tally()),
        );
        entry(&mut months, row.place).referrals.push(referral);
    }

    // From sending to the answer, each answered referral.
    let sql = format!(
        "SELECT {}, created_at AS \"from\", responded_at AS \"to\", organisation_kind AS a \
         FROM report_referrals WHERE {{}} AND kind = 'referral' AND responded_at IS NOT NULL",
        place(conn, "", "created_at")
    );
    for row in placed::<PlacedSpan>(conn, &sql, "created_at", area, period)? {
        let response = (
            code(row.span.a.as_deref())?,
            kpi::seconds(row.span.from, row.span.to),
        );
        entry(&mut months, row.place)
            .response_seconds
            .push(response);
    }

    // Signals whose child had another signal in the twelve calendar months before
    // ([`kpi::is_repeat`] on the latest earlier one, decided here).
    let sql = format!(
        "SELECT {}, record_key, received_at, previous_received_at FROM report_signals \
         WHERE {{}} AND previous_received_at IS NOT NULL",
        place(conn, "", "received_at")
    );
    for row in placed::<PlacedLater>(conn, &sql, "received_at", area, period)? {
        if kpi::is_repeat(row.later.received_at, row.later.previous_received_at) {
            let month = entry(&mut months, row.place);
            let repeat = Tally {
                count: 1,
                key: key_of(row.later.record_key),
            };
            month.repeat_signals = Settled::tally(tally(month.repeat_signals).merge(repeat));
        }
    }
    for month in months.values_mut() {
        month.sort();
    }
    Ok(months)
}

fn entry(months: &mut BTreeMap<Place, Settled>, place: PlaceRow) -> &mut Settled {
    months.entry((place.r, place.d, place.m)).or_default()
}

/// `region_code AS r, district_code AS d, <month of time> AS m`, the columns qualified by
/// `prefix`.
fn place(conn: &DbConnection, prefix: &str, time: &str) -> String {
    format!(
        "{prefix}region_code AS r, {prefix}district_code AS d, {} AS m",
        report_months::month_sql(conn, &format!("{prefix}{time}"))
    )
}

/// Runs `sql` with `{}` replaced by the area's period of `time`.
fn placed<T>(
    conn: &mut DbConnection,
    sql: &str,
    time: &str,
    area: &Area,
    period: &Period,
) -> Result<Vec<T>, DbError>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    let mut params = Vec::new();
    let sql = sql.replacen("{}", &within(time, area, period, &mut params), 1);
    load(conn, &sql, &params)
}

/// The district-month of a row.
#[derive(QueryableByName)]
struct PlaceRow {
    #[diesel(sql_type = Text)]
    r: String,
    #[diesel(sql_type = Text)]
    d: String,
    #[diesel(sql_type = Text)]
    m: String,
}

#[derive(QueryableByName)]
struct PlacedCount {
    #[diesel(embed)]
    place: PlaceRow,
    #[diesel(embed)]
    count: Counted,
}

#[derive(QueryableByName)]
struct PlacedSpan {
    #[diesel(embed)]
    place: PlaceRow,
    #[diesel(embed)]
    span: Span,
}

#[derive(QueryableByName)]
struct PlacedCase {
    #[diesel(embed)]
    place: PlaceRow,
    #[diesel(embed)]
    case: CaseRow,
}

#[derive(QueryableByName)]
struct PlacedLater {
    #[diesel(embed)]
    place: PlaceRow,
    #[diesel(embed)]
    later: Later,
}

/// A group of records: up to three codes, how many, the sum of their keys.
#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Nullable<Text>)]
    a: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    b: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    key_sum: i64,
}

impl Counted {
    fn tally(&self) -> Tally {
        Tally::new(self.n, self.key_sum)
    }
}

/// One duration: from, to, and perhaps a code.
#[derive(QueryableByName)]
struct Span {
    #[diesel(sql_type = Timestamp)]
    from: NaiveDateTime,
    #[diesel(sql_type = Timestamp)]
    to: NaiveDateTime,
    #[diesel(sql_type = Nullable<Text>)]
    a: Option<String>,
}

#[derive(QueryableByName)]
struct CaseRow {
    #[diesel(sql_type = BigInt)]
    record_key: i64,
    #[diesel(sql_type = Timestamp)]
    signal_received_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    first_seen_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    first_approved_at: Option<NaiveDateTime>,
}

#[derive(QueryableByName)]
struct Later {
    #[diesel(sql_type = BigInt)]
    record_key: i64,
    #[diesel(sql_type = Timestamp)]
    received_at: NaiveDateTime,
    #[diesel(sql_type = Timestamp)]
    previous_received_at: NaiveDateTime,
}

/// Runs a statement with `?` placeholders on either backend and reads its rows by name.
pub(crate) fn load<T>(
    conn: &mut DbConnection,
    sql: &str,
    params: &[Param],
) -> Result<Vec<T>, DbError>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    Ok(match conn {
        DbConnection::Postgres(pg) => {
            let mut query = diesel::sql_query(numbered(sql)).into_boxed();
            for p in params.iter().cloned() {
                query = match p {
                    Param::Time(t) => query.bind::<Timestamp, _>(t),
                    Param::Text(s) => query.bind::<Text, _>(s),
                };
            }
            query.load(pg)?
        }
        DbConnection::Sqlite(sqlite) => {
            let mut query = diesel::sql_query(sql).into_boxed();
            for p in params.iter().cloned() {
                query = match p {
                    Param::Time(t) => query.bind::<Timestamp, _>(t),
                    Param::Text(s) => query.bind::<Text, _>(s),
                };
            }
            query.load(sqlite)?
        }
    })
}

/// `time` within the period and the record in the area: the condition, its parameters appended.
fn within(time: &str, area: &Area, period: &Period, params: &mut Vec<Param>) -> String {
    params.push(Param::Time(period.start()));
    params.push(Param::Time(period.end()));
    format!("{time} >= ? AND {time} < ?{}", in_area(area, params))
}

/// The record in the area: ` AND region_code = ? …`, its parameters appended.
pub(crate) fn in_area(area: &Area, params: &mut Vec<Param>) -> String {
    let mut sql = String::new();
    if let Some(region) = &area.region {
        sql.push_str(" AND region_code = ?");
        params.push(Param::Text(region.clone()));
    }
    if let Some(district) = &area.district {
        sql.push_str(" AND district_code = ?");
        params.push(Param::Text(district.clone()));
    }
    sql
}

/// The outcome of a clock due at `due`, met at `met`, at the time bound first
/// ([`Outcome::of`] in SQL).
fn outcome_sql(due: &str, met: &str) -> String {
    format!(
        "CASE WHEN {met} IS NOT NULL THEN \
         (CASE WHEN {met} <= {due} THEN 'met_on_time' ELSE 'met_late' END) \
         WHEN {due} < ? THEN 'overdue' ELSE 'pending' END"
    )
}

fn postgres(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Postgres(_))
}

fn unknown(code: Option<&str>) -> DbError {
    DbError::Other(diesel::result::Error::DeserializationError(Box::new(
        UnknownCode {
            vocabulary: "report fact",
            code: code.unwrap_or("NULL").to_string(),
        },
    )))
}

fn code<T: std::str::FromStr>(value: Option<&str>) -> Result<T, DbError> {
    value
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| unknown(value))
}

/// A clock's outcome as the fact query spelled it (`kpi::Outcome::of`, in SQL).
fn outcome(value: Option<&str>) -> Result<Outcome, DbError> {
    value.and_then(Outcome::parse).ok_or_else(|| unknown(value))
}

fn key_of(record_key: i64) -> u32 {
    Tally::new(1, record_key).key
}

/// Signals of the period not triaged yet, per source, status and whether their clock has
/// lapsed by `now` (the partial indexes `report_signals_untriaged…` hold only them).
fn untriaged_signals(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
    now: NaiveDateTime,
) -> Result<Vec<SignalCount>, DbError> {
    let mut params = vec![Param::Time(now)];
    let sql = format!(
        "SELECT source AS a, status AS b, {} AS c, COUNT(*) AS n, {} AS key_sum \
         FROM report_signals WHERE {} AND triaged_at IS NULL GROUP BY 1, 2, 3",
        outcome_sql("triage_due_at", "triaged_at"),
        sum_keys_sql(postgres(conn), "record_key"),
        within("received_at", area, period, &mut params)
    );
    load::<Counted>(conn, &sql, &params)?
        .into_iter()
        .map(|row| {
            Ok(SignalCount {
                source: code(row.a.as_deref())?,
                status: code(row.b.as_deref())?,
                triage: outcome(row.c.as_deref())?,
                records: row.tally(),
            })
        })
        .collect()
}

/// The cases' deadlines whose clock started in the period and is not met yet, per kind and
/// whether it has lapsed by `now` (the partial indexes `deadlines_unmet…` hold only them; the
/// met ones are in [`settled`]).
fn unmet_deadlines(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
    now: NaiveDateTime,
) -> Result<Vec<DeadlineCount>, DbError> {
    let mut params = vec![Param::Time(now)];
    let sql = format!(
        "SELECT kind AS a, {} AS b, CAST(NULL AS TEXT) AS c, COUNT(*) AS n, {} AS key_sum \
         FROM deadlines WHERE {} AND met_at IS NULL AND status <> 'cancelled' AND kind <> 'triage' \
         GROUP BY 1, 2",
        outcome_sql("due_at", "met_at"),
        sum_keys_sql(postgres(conn), "record_key"),
        within("starts_at", area, period, &mut params)
    );
    load::<Counted>(conn, &sql, &params)?
        .into_iter()
        .map(|row| {
            Ok(DeadlineCount {
                kind: code(row.a.as_deref())?,
                outcome: outcome(row.b.as_deref())?,
                records: row.tally(),
            })
        })
        .collect()
}

/// Children (distinct) whose case had an approved plan by the end of the period and was not
/// closed before it began.
fn children_in_accompaniment(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Tally, DbError> {
    let mut params = vec![Param::Time(period.end()), Param::Time(period.start())];
    let sql = format!(
        "SELECT CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, \
         COUNT(*) AS n, {} AS key_sum FROM (SELECT DISTINCT child_id, child_key FROM report_cases \
         WHERE first_approved_at < ? AND (closed_at IS NULL OR closed_at >= ?){}) d",
        sum_keys_sql(postgres(conn), "child_key"),
        in_area(area, &mut params)
    );
    Ok(load::<Counted>(conn, &sql, &params)?
        .first()
        .map(Counted::tally)
        .unwrap_or_default())
}

/// Children (distinct) whose case held a referral to a family-support centre accepted by the
/// end of the period and not completed or withdrawn before it began.
fn families_in_accompaniment(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Tally, DbError> {
    let mut params = vec![
        Param::Time(period.end()),
        Param::Time(period.start()),
        Param::Time(period.start()),
    ];
    let sql = format!(
        "SELECT CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, \
         COUNT(*) AS n, {} AS key_sum FROM (SELECT DISTINCT child_id, child_key \
         FROM report_referrals WHERE organisation_kind = 'family_support_centre' \
         AND status <> 'declined' AND responded_at < ? \
         AND (completed_at IS NULL OR completed_at >= ?) \
         AND (withdrawn_at IS NULL OR withdrawn_at >= ?){}) d",
        sum_keys_sql(postgres(conn), "child_key"),
        in_area(area, &mut params)
    );
    Ok(load::<Counted>(conn, &sql, &params)?
        .first()
        .map(Counted::tally)
        .unwrap_or_default())
}
