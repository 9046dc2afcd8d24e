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

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use qorgau_domain::code::UnknownCode;
use qorgau_domain::lifecycle::ClosureReason;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::report::kpi::{
    self, CaseSpan, CaseTimes, DeadlineCount, KpiCounts, Outcome, ReferralCount, SignalCount,
};
use qorgau_domain::report::rounding::Tally;
use qorgau_domain::report::{Area, Period};

use super::{Param, numbered, staff, sum_keys_sql};
use crate::DbConnection;
use crate::error::DbError;
use crate::report_months::{self, ConcernCounted, Settled, SignalsCounted};

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
        counts.absorb(settled(conn, area, part)?.counts());
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

/// What the indicators add up over `period` in `area`, from the facts, the clocks still
/// running aside: the content of a month row (`crate::report_months`), and what a report
/// reads from the facts for a marked month or the days of a partial one.
pub fn settled(conn: &mut DbConnection, area: &Area, period: &Period) -> Result<Settled, DbError> {
    Ok(Settled {
        signals: signal_counts(conn, area, period)?,
        triage_seconds: triage_seconds(conn, area, period)?,
        concerns: concern_counts(conn, area, period)?,
        cases_opened: Settled::tally(cases_opened(conn, area, period)?),
        closures: closures(conn, area, period)?
            .into_iter()
            .map(|(reason, n)| (reason, Settled::tally(n)))
            .collect(),
        cases: case_times(conn, area, period)?
            .into_iter()
            .map(|c| (c.key, c.to_first_contact, c.to_plan_approval))
            .collect(),
        deadlines: met_deadlines(conn, area, period)?
            .into_iter()
            .map(|d| {
                (
                    d.kind,
                    d.outcome == Outcome::MetLate,
                    Settled::tally(d.records),
                )
            })
            .collect(),
        referrals: referral_counts(conn, area, period)?
            .into_iter()
            .map(|r| {
                (
                    r.organisation_kind,
                    r.status,
                    r.answered,
                    Settled::tally(r.records),
                )
            })
            .collect(),
        response_seconds: response_seconds(conn, area, period)?,
        signals_with_child: Settled::tally(signals_with_child(conn, area, period)?),
        repeat_signals: Settled::tally(repeat_signals(conn, area, period)?),
    })
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

fn load<T>(conn: &mut DbConnection, sql: &str, params: &[Param]) -> Result<Vec<T>, DbError>
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
fn in_area(area: &Area, params: &mut Vec<Param>) -> String {
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

/// Signals received in the period, per source, status and triage: met on time, late, or not
/// yet (`None`).
fn signal_counts(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<SignalsCounted>, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT source AS a, status AS b, CASE WHEN triaged_at IS NULL THEN NULL \
         WHEN triaged_at <= triage_due_at THEN 'met_on_time' ELSE 'met_late' END AS c, \
         COUNT(*) AS n, {} AS key_sum FROM report_signals WHERE {} GROUP BY 1, 2, 3",
        sum_keys_sql(postgres(conn), "record_key"),
        within("received_at", area, period, &mut params)
    );
    load::<Counted>(conn, &sql, &params)?
        .into_iter()
        .map(|row| {
            let triage = match row.c.as_deref() {
                None => None,
                met => Some(outcome(met)?),
            };
            Ok(Settled::signal(
                code(row.a.as_deref())?,
                code(row.b.as_deref())?,
                triage,
                row.tally(),
            ))
        })
        .collect()
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

/// From receipt to triage, each triaged signal of the period.
fn triage_seconds(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<i64>, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT received_at AS \"from\", triaged_at AS \"to\", CAST(NULL AS TEXT) AS a \
         FROM report_signals WHERE {} AND triaged_at IS NOT NULL",
        within("received_at", area, period, &mut params)
    );
    Ok(load::<Span>(conn, &sql, &params)?
        .into_iter()
        .map(|s| kpi::seconds(s.from, s.to))
        .collect())
}

/// Signals of the period per concern and source (the aggregates group by both).
fn concern_counts(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<ConcernCounted>, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT c.concern AS a, s.source AS b, CAST(NULL AS TEXT) AS c, COUNT(*) AS n, \
         {} AS key_sum FROM (SELECT signal_id, concern, record_key FROM report_signal_concerns \
         WHERE {}) c JOIN report_signals s ON s.signal_id = c.signal_id GROUP BY c.concern, s.source",
        sum_keys_sql(postgres(conn), "c.record_key"),
        within("received_at", area, period, &mut params)
    );
    load::<Counted>(conn, &sql, &params)?
        .into_iter()
        .map(|row| {
            Ok((
                code(row.a.as_deref())?,
                code(row.b.as_deref())?,
                Settled::tally(row.tally()),
            ))
        })
        .collect()
}

/// Cases opened in the period.
fn cases_opened(conn: &mut DbConnection, area: &Area, period: &Period) -> Result<Tally, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, \
         COUNT(*) AS n, {} AS key_sum FROM report_cases WHERE {}",
        sum_keys_sql(postgres(conn), "record_key"),
        within("opened_at", area, period, &mut params)
    );
    Ok(load::<Counted>(conn, &sql, &params)?
        .first()
        .map(Counted::tally)
        .unwrap_or_default())
}

/// Cases closed in the period, per reason.
fn closures(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<(Option<ClosureReason>, Tally)>, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT closure_reason AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, \
         COUNT(*) AS n, {} AS key_sum FROM report_cases WHERE {} GROUP BY closure_reason",
        sum_keys_sql(postgres(conn), "record_key"),
        within("closed_at", area, period, &mut params)
    );
    load::<Counted>(conn, &sql, &params)?
        .into_iter()
        .map(|row| {
            let reason = match row.a.as_deref() {
                None => None,
                Some(r) => Some(code(Some(r))?),
            };
            Ok((reason, row.tally()))
        })
        .collect()
}

/// Cases opened in the period from a signal: their durations.
fn case_times(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<CaseSpan>, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT record_key, signal_received_at, first_seen_at, first_approved_at \
         FROM report_cases WHERE {} AND signal_received_at IS NOT NULL",
        within("opened_at", area, period, &mut params)
    );
    Ok(load::<CaseRow>(conn, &sql, &params)?
        .into_iter()
        .map(|c| {
            CaseTimes {
                key: key_of(c.record_key),
                signal_received_at: c.signal_received_at,
                first_seen_at: c.first_seen_at,
                first_approved_at: c.first_approved_at,
            }
            .span()
        })
        .collect())
}

/// The cases' deadlines whose clock started in the period, met, per kind and outcome.
/// Deadlines are their own facts: they carry their case's area and their start (migration
/// 000010) and their record key (a generated column, migration 000030), and the indexes
/// `deadlines_area_started` (an area) and `deadlines_started` (the country) hold every column
/// read here.
fn met_deadlines(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<DeadlineCount>, DbError> {
    deadline_counts(conn, area, period, None)
}

/// The same deadlines not met yet, by whether they have lapsed by `now` (the partial indexes
/// `deadlines_unmet…` hold only them).
fn unmet_deadlines(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
    now: NaiveDateTime,
) -> Result<Vec<DeadlineCount>, DbError> {
    deadline_counts(conn, area, period, Some(now))
}

/// [`met_deadlines`] without `now`, [`unmet_deadlines`] with it.
fn deadline_counts(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
    now: Option<NaiveDateTime>,
) -> Result<Vec<DeadlineCount>, DbError> {
    let mut params: Vec<Param> = now.into_iter().map(Param::Time).collect();
    let (met, outcome_of) = match now {
        None => (
            "IS NOT NULL",
            "CASE WHEN met_at <= due_at THEN 'met_on_time' ELSE 'met_late' END".to_string(),
        ),
        Some(_) => ("IS NULL", outcome_sql("due_at", "met_at")),
    };
    let sql = format!(
        "SELECT kind AS a, {outcome_of} AS b, CAST(NULL AS TEXT) AS c, COUNT(*) AS n, {} AS key_sum \
         FROM deadlines WHERE {} AND met_at {met} AND status <> 'cancelled' AND kind <> 'triage' \
         GROUP BY 1, 2",
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

/// Referrals (not notifications) sent in the period, per kind of organisation, status, and
/// whether answered.
fn referral_counts(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<ReferralCount>, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT organisation_kind AS a, status AS b, \
         CASE WHEN responded_at IS NULL THEN 'no' ELSE 'yes' END AS c, COUNT(*) AS n, \
         {} AS key_sum FROM report_referrals WHERE {} AND kind = 'referral' GROUP BY 1, 2, 3",
        sum_keys_sql(postgres(conn), "record_key"),
        within("created_at", area, period, &mut params)
    );
    load::<Counted>(conn, &sql, &params)?
        .into_iter()
        .map(|row| {
            Ok(ReferralCount {
                organisation_kind: code(row.a.as_deref())?,
                status: code(row.b.as_deref())?,
                answered: row.c.as_deref() == Some("yes"),
                records: row.tally(),
            })
        })
        .collect()
}

/// From sending to the answer, each answered referral of the period.
fn response_seconds(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<(OrganisationKind, i64)>, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT created_at AS \"from\", responded_at AS \"to\", organisation_kind AS a \
         FROM report_referrals WHERE {} AND kind = 'referral' AND responded_at IS NOT NULL",
        within("created_at", area, period, &mut params)
    );
    load::<Span>(conn, &sql, &params)?
        .into_iter()
        .map(|s| Ok((code(s.a.as_deref())?, kpi::seconds(s.from, s.to))))
        .collect()
}

/// Signals of the period about an identified child.
fn signals_with_child(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Tally, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, \
         COUNT(*) AS n, {} AS key_sum FROM report_signals WHERE {} AND child_id IS NOT NULL",
        sum_keys_sql(postgres(conn), "record_key"),
        within("received_at", area, period, &mut params)
    );
    Ok(load::<Counted>(conn, &sql, &params)?
        .first()
        .map(Counted::tally)
        .unwrap_or_default())
}

/// Signals of the period whose child had another signal in the twelve calendar months before
/// ([`kpi::is_repeat`] on the latest earlier one).
fn repeat_signals(conn: &mut DbConnection, area: &Area, period: &Period) -> Result<Tally, DbError> {
    let mut params = Vec::new();
    let sql = format!(
        "SELECT record_key, received_at, previous_received_at FROM report_signals \
         WHERE {} AND previous_received_at IS NOT NULL",
        within("received_at", area, period, &mut params)
    );
    Ok(load::<Later>(conn, &sql, &params)?
        .into_iter()
        .filter(|s| kpi::is_repeat(s.received_at, s.previous_received_at))
        .fold(Tally::default(), |t, s| {
            t.merge(Tally {
                count: 1,
                key: key_of(s.record_key),
            })
        }))
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
