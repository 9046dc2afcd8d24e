//! The facts behind indicators (`qorgau_domain::report::kpi`) and the de-identified counts for
//! analysts. One query per family of facts, each selecting a period of an area through the
//! indexes of migration `000007_reports`; the arithmetic happens in the domain.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::{count_star, min, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
use qorgau_domain::deadline::DeadlineStatus;
use qorgau_domain::deadline::KAZAKHSTAN_UTC_OFFSET_HOURS;
use qorgau_domain::lifecycle::ClosureReason;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::plan::PlanStatus;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::referral::{ReferralKind, ReferralStatus};
use qorgau_domain::report::aggregate::{AgeBand, Dimension};
use qorgau_domain::report::kpi::{
    CaseTimes, ChildSignal, DeadlineFact, KpiFacts, ReferralFact, SignalFact, StaffFact,
    TRAINED_ROLES,
};
use qorgau_domain::report::rounding::{Tally, record_key};
use qorgau_domain::report::{Area, Period};
use qorgau_domain::role::Role;
use qorgau_domain::signal::SignalStatus;
use qorgau_domain::taxonomy::{Concern, SignalSource};

use crate::DbConnection;
use crate::error::DbError;

mod counts;
use crate::schema::{
    cases, deadlines, interventions, organisations, plans, referrals, signal_concerns, signals,
    trainings, users,
};
pub(crate) use counts::{in_area, load};
pub use counts::{kpi_counts, settled};

/// Narrows a boxed query to the area: `region` and `district` are the columns that place the
/// record.
macro_rules! within {
    ($query:expr, $area:expr, $region:expr, $district:expr) => {{
        let mut query = $query;
        if let Some(region) = &$area.region {
            query = query.filter($region.eq(region.clone()));
        }
        if let Some(district) = &$area.district {
            query = query.filter($district.eq(district.clone()));
        }
        query
    }};
}
pub(crate) use within;

/// Where a report's connection reads: the primary, or a streaming replica and how far it has
/// replayed the primary's changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The database written to (and SQLite, which has no replicas).
    Primary,
    /// A PostgreSQL hot standby (`pg_is_in_recovery()`). `replayed_at` is the commit time (UTC)
    /// of the last transaction it replayed (`pg_last_xact_replay_timestamp()`), `None` while it
    /// has replayed none since it started.
    Replica { replayed_at: Option<NaiveDateTime> },
}

/// Whether `conn` reads a primary or a replica, and how fresh the replica is. Read it before
/// the report's snapshot is taken: everything replayed by then is in the snapshot.
pub fn source(conn: &mut DbConnection) -> Result<Source, DbError> {
    #[derive(QueryableByName)]
    struct Recovery {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        replica: bool,
        #[diesel(sql_type = Nullable<Timestamp>)]
        replayed_at: Option<NaiveDateTime>,
    }
    match conn {
        DbConnection::Sqlite(_) => Ok(Source::Primary),
        DbConnection::Postgres(pg) => {
            let recovery: Recovery = diesel::sql_query(
                "SELECT pg_is_in_recovery() AS replica, \
                 pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC' AS replayed_at",
            )
            .get_result(pg)?;
            Ok(if recovery.replica {
                Source::Replica {
                    replayed_at: recovery.replayed_at,
                }
            } else {
                Source::Primary
            })
        }
    }
}

/// Everything the indicators of `period` in `area` are computed from.
pub fn kpi_facts(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<KpiFacts, DbError> {
    let (start, end) = (period.start(), period.end());
    let postgres = matches!(conn, DbConnection::Postgres(_));
    let signals = within!(
        signals::table
            .filter(signals::received_at.ge(start))
            .filter(signals::received_at.lt(end))
            .select((
                signals::id,
                signals::source,
                signals::status,
                signals::received_at,
                signals::triage_due_at,
                signals::triaged_at,
            ))
            .into_boxed(),
        area,
        signals::region_code,
        signals::district_code
    )
    .load::<(
        String,
        SignalSource,
        SignalStatus,
        NaiveDateTime,
        NaiveDateTime,
        Option<NaiveDateTime>,
    )>(conn)?
    .into_iter()
    .map(
        |(id, source, status, received_at, triage_due_at, triaged_at)| SignalFact {
            key: record_key(&id),
            source,
            status,
            received_at,
            triage_due_at,
            triaged_at,
        },
    )
    .collect();
    let signal_concerns = within!(
        signal_concerns::table
            .inner_join(signals::table)
            .filter(signals::received_at.ge(start))
            .filter(signals::received_at.lt(end))
            .group_by(signal_concerns::concern)
            .select((
                signal_concerns::concern,
                count_star(),
                sql::<BigInt>(&key_sum_sql(postgres, "signals.id")),
            ))
            .into_boxed(),
        area,
        signals::region_code,
        signals::district_code
    )
    .load::<(Concern, i64, i64)>(conn)?
    .into_iter()
    .map(|(concern, n, keys)| (concern, Tally::new(n, keys)))
    .collect();
    let (opened, opened_keys) = within!(
        cases::table
            .filter(cases::opened_at.ge(start))
            .filter(cases::opened_at.lt(end))
            .select((
                count_star(),
                sql::<BigInt>(&key_sum_sql(postgres, "cases.id")),
            ))
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .get_result::<(i64, i64)>(conn)?;
    let closures = within!(
        cases::table
            .filter(cases::closed_at.ge(start))
            .filter(cases::closed_at.lt(end))
            .group_by(cases::closure_reason)
            .select((
                cases::closure_reason,
                count_star(),
                sql::<BigInt>(&key_sum_sql(postgres, "cases.id")),
            ))
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .load::<(Option<ClosureReason>, i64, i64)>(conn)?
    .into_iter()
    .map(|(reason, n, keys)| (reason, Tally::new(n, keys)))
    .collect();
    Ok(KpiFacts {
        signals,
        signal_concerns,
        cases_opened: Tally::new(opened, opened_keys),
        closures,
        case_times: case_times(conn, area, period)?,
        deadlines: deadline_facts(conn, area, period)?,
        referrals: referral_facts(conn, area, period)?,
        child_signals: child_signals(conn, area, period)?,
        children_in_accompaniment: children_in_accompaniment(conn, area, period)?,
        families_in_accompaniment: families_in_accompaniment(conn, area, period)?,
        staff: staff(conn, area, period)?,
    })
}

/// Cases opened in the period, with the signal that opened each, the first time the child was
/// seen and the first plan approval. Three queries, joined here by case id.
fn case_times(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<CaseTimes>, DbError> {
    let (start, end) = (period.start(), period.end());
    let opened: Vec<(String, NaiveDateTime)> = within!(
        signals::table
            .inner_join(cases::table.on(signals::case_id.eq(cases::id.nullable())))
            .filter(signals::status.eq(SignalStatus::CaseOpened))
            .filter(cases::opened_at.ge(start))
            .filter(cases::opened_at.lt(end))
            .select((cases::id, signals::received_at))
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .load(conn)?;
    let seen: HashMap<String, Option<NaiveDateTime>> = within!(
        interventions::table
            .inner_join(cases::table)
            .filter(interventions::child_seen.eq(true))
            .filter(cases::opened_at.ge(start))
            .filter(cases::opened_at.lt(end))
            .group_by(interventions::case_id)
            .select((interventions::case_id, min(interventions::occurred_at)))
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .load(conn)?
    .into_iter()
    .collect();
    let approved: HashMap<String, Option<NaiveDateTime>> = within!(
        plans::table
            .inner_join(cases::table)
            .filter(plans::status.eq(PlanStatus::Approved))
            .filter(cases::opened_at.ge(start))
            .filter(cases::opened_at.lt(end))
            .group_by(plans::case_id)
            .select((plans::case_id, min(plans::decided_at)))
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .load(conn)?
    .into_iter()
    .collect();
    Ok(opened
        .into_iter()
        .map(|(case, received)| CaseTimes {
            key: record_key(&case),
            signal_received_at: received,
            first_seen_at: seen.get(&case).copied().flatten(),
            first_approved_at: approved.get(&case).copied().flatten(),
        })
        .collect())
}

/// Deadlines of the area's cases whose clock started in the period, except cancelled ones and
/// the case's copy of the triage deadline (triage is timed on the signals).
fn deadline_facts(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<DeadlineFact>, DbError> {
    Ok(within!(
        deadlines::table
            .filter(deadlines::starts_at.ge(period.start()))
            .filter(deadlines::starts_at.lt(period.end()))
            .filter(deadlines::status.ne(DeadlineStatus::Cancelled))
            .filter(deadlines::kind.ne(DeadlineKind::Triage))
            .select((
                deadlines::id,
                deadlines::kind,
                deadlines::status,
                deadlines::due_at,
                deadlines::met_at,
            ))
            .into_boxed(),
        area,
        deadlines::region_code,
        deadlines::district_code
    )
    .load::<(
        String,
        DeadlineKind,
        DeadlineStatus,
        NaiveDateTime,
        Option<NaiveDateTime>,
    )>(conn)?
    .into_iter()
    .map(|(id, kind, status, due_at, met_at)| DeadlineFact {
        key: record_key(&id),
        kind,
        status,
        due_at,
        met_at,
    })
    .collect())
}

/// Referrals (not notifications) sent from the area's cases in the period, with the kind of
/// organisation they went to.
fn referral_facts(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<ReferralFact>, DbError> {
    Ok(within!(
        referrals::table
            .inner_join(cases::table)
            .inner_join(
                organisations::table.on(organisations::id.eq(referrals::to_organisation_id)),
            )
            .filter(referrals::kind.eq(ReferralKind::Referral))
            .filter(referrals::created_at.ge(period.start()))
            .filter(referrals::created_at.lt(period.end()))
            .select((
                referrals::id,
                organisations::kind,
                referrals::status,
                referrals::created_at,
                referrals::responded_at,
            ))
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .load::<(
        String,
        OrganisationKind,
        ReferralStatus,
        NaiveDateTime,
        Option<NaiveDateTime>,
    )>(conn)?
    .into_iter()
    .map(
        |(id, organisation_kind, status, created_at, responded_at)| ReferralFact {
            key: record_key(&id),
            organisation_kind,
            status,
            created_at,
            responded_at,
        },
    )
    .collect())
}

/// The period's signals about identified children in the area, and every signal of the same
/// children (anywhere) in the twelve months before the period: one query.
fn child_signals(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Vec<ChildSignal>, DbError> {
    let (start, end) = (period.start(), period.end());
    let cohort = diesel::alias!(signals as cohort);
    // Twelve calendar months are at most 366 days; the domain applies the exact window. A
    // signal joins once per signal of the period about the same child: DISTINCT folds them.
    let rows: Vec<(String, Option<String>, NaiveDateTime, String, String)> = within!(
        signals::table
            .inner_join(cohort.on(cohort.field(signals::child_id).eq(signals::child_id)))
            .filter(cohort.field(signals::received_at).ge(start))
            .filter(cohort.field(signals::received_at).lt(end))
            .filter(signals::received_at.ge(start - Duration::days(366)))
            .filter(signals::received_at.lt(end))
            .select((
                signals::id,
                signals::child_id,
                signals::received_at,
                signals::region_code,
                signals::district_code,
            ))
            .distinct()
            .into_boxed(),
        area,
        cohort.field(signals::region_code),
        cohort.field(signals::district_code)
    )
    .load(conn)?;
    let in_area = |region: &str, district: &str| {
        area.region.as_deref().is_none_or(|r| r == region)
            && area.district.as_deref().is_none_or(|d| d == district)
    };
    Ok(rows
        .into_iter()
        .filter_map(|(id, child, received_at, region, district)| {
            Some(ChildSignal {
                key: record_key(&id),
                child_id: child?,
                received_at,
                counted: received_at >= start && in_area(&region, &district),
            })
        })
        .collect())
}

/// Children whose case had an approved individual plan (accompaniment began) by the end of the
/// period and was not closed before it started.
fn children_in_accompaniment(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Tally, DbError> {
    let children: Vec<String> = within!(
        cases::table
            .inner_join(plans::table)
            .filter(plans::status.eq(PlanStatus::Approved))
            .filter(plans::decided_at.lt(period.end()))
            .filter(
                cases::closed_at
                    .is_null()
                    .or(cases::closed_at.ge(period.start())),
            )
            .select(cases::child_id)
            .distinct()
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .load(conn)?;
    Ok(Tally::of(children.iter().map(String::as_str)))
}

/// Children (one family each: Qorgau keeps no household record) whose case holds a referral to
/// a family-support centre (ОҚО family accompaniment) accepted by the end of the period and not
/// completed or withdrawn before it started.
fn families_in_accompaniment(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Tally, DbError> {
    let (start, end) = (period.start(), period.end());
    let centres = organisations::table
        .filter(organisations::kind.eq(OrganisationKind::FamilySupportCentre))
        .select(organisations::id);
    let children: Vec<String> = within!(
        referrals::table
            .inner_join(cases::table)
            .filter(referrals::to_organisation_id.eq_any(centres))
            .filter(referrals::status.ne(ReferralStatus::Declined))
            .filter(referrals::responded_at.lt(end))
            .filter(
                referrals::completed_at
                    .is_null()
                    .or(referrals::completed_at.ge(start)),
            )
            .filter(
                referrals::withdrawn_at
                    .is_null()
                    .or(referrals::withdrawn_at.ge(start)),
            )
            .select(cases::child_id)
            .distinct()
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .load(conn)?;
    Ok(Tally::of(children.iter().map(String::as_str)))
}

/// Active case managers and specialists of the area, per role, and how many of them have a
/// training completed by the end of the period. With a district, only staff of organisations
/// in that district count.
fn staff(conn: &mut DbConnection, area: &Area, period: &Period) -> Result<Vec<StaffFact>, DbError> {
    let roles = TRAINED_ROLES;
    let all: Vec<(Role, i64)> = within!(
        users::table
            .inner_join(organisations::table)
            .filter(users::active.eq(true))
            .filter(users::role.eq_any(roles))
            .group_by(users::role)
            .select((users::role, count_star()))
            .into_boxed(),
        area,
        organisations::region_code,
        organisations::district_code
    )
    .load(conn)?;
    let trained_users = trainings::table
        .filter(trainings::completed_on.le(period.to))
        .select(trainings::user_id);
    let trained: BTreeMap<Role, i64> = within!(
        users::table
            .inner_join(organisations::table)
            .filter(users::active.eq(true))
            .filter(users::role.eq_any(roles))
            .filter(users::id.eq_any(trained_users))
            .group_by(users::role)
            .select((users::role, count_star()))
            .into_boxed(),
        area,
        organisations::region_code,
        organisations::district_code
    )
    .load(conn)?
    .into_iter()
    .collect();
    Ok(all
        .into_iter()
        .map(|(role, staff)| StaffFact {
            // A role nobody of which was trained counts zero.
            trained: trained.get(&role).copied().unwrap_or(0),
            role,
            staff,
        })
        .collect())
}

#[derive(QueryableByName)]
struct Group {
    #[diesel(sql_type = Nullable<Text>)]
    region: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    district: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    concern: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    source: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    sex: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    month: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    age: Option<i32>,
    #[diesel(sql_type = BigInt)]
    n: i64,
    /// The sum of the group's signals' keys, modulo 2³².
    #[diesel(sql_type = BigInt)]
    key_sum: i64,
}

/// SQL for the key of the record whose id is in `column`, as
/// [`qorgau_domain::report::rounding::record_key`] computes it: the last eight characters read
/// as hexadecimal digits, anything else counting as 15.
///
/// PostgreSQL: the tail with every other character made `f`, read as a 32-bit string — one
/// expression a row instead of eight lookups, which made the deadline statement of a region's
/// KPIs 2.6 × faster at national scale (92 k deadlines: 371 → 143 ms; docs/benchmarks.md).
/// SQLite has no such cast: digit by digit with `instr`, over the tail padded with zeros (a
/// shorter id has fewer digits; SQLite's `substr` would count a start before the first
/// character from the end).
pub fn record_key_sql(postgres: bool, column: &str) -> String {
    if postgres {
        return format!(
            "CAST(('x' || lpad(regexp_replace(right({column}, 8), '[^0-9a-f]', 'f', 'g'), 8, '0'))::bit(32) AS BIGINT)"
        );
    }
    (0..8)
        .map(|i| {
            format!(
                "CAST((instr('0123456789abcdef', substr(substr('00000000' || {column}, -8), {at}, 1)) + 15) % 16 AS BIGINT) * {weight}",
                at = i + 1,
                weight = 1_i64 << (4 * (7 - i)),
            )
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// SQL for the sum of the keys of the records whose ids are in `column`, over a group, modulo
/// 2³² (0 for no rows).
fn key_sum_sql(postgres: bool, column: &str) -> String {
    sum_keys_sql(postgres, &record_key_sql(postgres, column))
}

/// SQL for the sum of the keys `key` gives over a group, modulo 2³² (0 for no rows).
fn sum_keys_sql(postgres: bool, key: &str) -> String {
    if postgres {
        format!("CAST(MOD(COALESCE(SUM({key}), 0), 4294967296) AS BIGINT)")
    } else {
        format!("COALESCE(SUM({key}), 0) % 4294967296")
    }
}

/// A bound parameter of a statement written with `?` (numbered for PostgreSQL by [`numbered`]).
#[derive(Clone)]
pub(crate) enum Param {
    Time(NaiveDateTime),
    Text(String),
}

/// Signals received in the period in the area, counted per combination of `dims` (in that
/// order); a signal counts once under each of its concerns when grouped by concern. Keys use
/// the stored codes, `YYYY-MM` for months (Kazakhstan time), age bands for ages at the signal,
/// `unknown` for a child without a record, sex or birth date. Only non-empty cells are returned,
/// each with its true count and the sum of its signals' keys (for `rounding`).
///
/// Grouping happens in the database (month and age need each backend's date functions), so
/// the rows returned are few whatever the number of signals. The counts are read from the
/// report facts (`report_signals`, `report_signal_concerns`: one index range of the period)
/// unless a dimension is the child's sex or age, which only the source tables hold;
/// [`aggregate_from_source`] is the same count from the source tables, the reference the facts
/// are tested against (docs/reporting.md § Report facts).
pub fn aggregate(
    conn: &mut DbConnection,
    dims: &[Dimension],
    area: &Area,
    period: &Period,
) -> Result<Vec<(Vec<String>, Tally)>, DbError> {
    let child_dimension = dims
        .iter()
        .any(|d| matches!(d, Dimension::Sex | Dimension::AgeBand));
    let read = if child_dimension {
        Read::Source
    } else {
        Read::Facts
    };
    aggregate_from(conn, read, dims, area, period)
}

/// [`aggregate`] computed from the source tables (`signals`, `signal_concerns`, `children`).
pub fn aggregate_from_source(
    conn: &mut DbConnection,
    dims: &[Dimension],
    area: &Area,
    period: &Period,
) -> Result<Vec<(Vec<String>, Tally)>, DbError> {
    aggregate_from(conn, Read::Source, dims, area, period)
}

/// Where an aggregate's rows come from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    Facts,
    Source,
}

fn aggregate_from(
    conn: &mut DbConnection,
    read: Read,
    dims: &[Dimension],
    area: &Area,
    period: &Period,
) -> Result<Vec<(Vec<String>, Tally)>, DbError> {
    let mut cells: BTreeMap<Vec<String>, Tally> = BTreeMap::new();
    if read == Read::Source {
        count_cells(conn, read, dims, area, period, &mut cells)?;
        return Ok(cells.into_iter().collect());
    }
    // The facts: the month rows where they are current, the facts themselves elsewhere.
    let plan = crate::report_months::plan(conn, area, period)?;
    let by_concern = dims.contains(&Dimension::Concern);
    for row in &plan.rows {
        for (concern, source, n) in row.facts.signal_cells(by_concern) {
            let key = dims
                .iter()
                .map(|d| match d {
                    Dimension::Region => row.region.clone(),
                    Dimension::District => row.district.clone(),
                    Dimension::Concern => concern.map_or("unknown", |c| c.as_str()).to_string(),
                    Dimension::Source => source.as_str().to_string(),
                    Dimension::Month => row.month.clone(),
                    // Never asked of the facts (`aggregate` reads the source for them).
                    Dimension::Sex | Dimension::AgeBand => "unknown".to_string(),
                })
                .collect();
            let cell = cells.entry(key).or_default();
            *cell = cell.merge(n);
        }
    }
    for part in &plan.live {
        count_cells(conn, read, dims, area, part, &mut cells)?;
    }
    Ok(cells.into_iter().collect())
}

/// [`aggregate_from`] counted in the database over `period`, added to `cells`.
fn count_cells(
    conn: &mut DbConnection,
    read: Read,
    dims: &[Dimension],
    area: &Area,
    period: &Period,
    cells: &mut BTreeMap<Vec<String>, Tally>,
) -> Result<(), DbError> {
    let postgres = matches!(conn, DbConnection::Postgres(_));
    let facts = read == Read::Facts;
    let by_concern = dims.contains(&Dimension::Concern);
    // `s` is the row of one signal (or, in the facts grouped by concern, of one signal's
    // concern, which carries the signal's area and time); `src` its fact row for the source.
    let concern = if facts { "s.concern" } else { "sc.concern" };
    let source = if facts && by_concern {
        "src.source"
    } else {
        "s.source"
    };
    let offset = KAZAKHSTAN_UTC_OFFSET_HOURS;
    let local = if postgres {
        format!("(s.received_at + INTERVAL '{offset} hours')")
    } else {
        format!("s.received_at, '+{offset} hours'")
    };
    let expression = |d: Dimension| -> String {
        match d {
            Dimension::Region => "s.region_code".into(),
            Dimension::District => "s.district_code".into(),
            Dimension::Concern => concern.into(),
            Dimension::Source => source.into(),
            Dimension::Sex => "COALESCE(c.sex, 'unknown')".into(),
            Dimension::Month if postgres => format!("to_char({local}, 'YYYY-MM')"),
            Dimension::Month => format!("strftime('%Y-%m', {local})"),
            // Whole years between the birth date and the day of the signal.
            Dimension::AgeBand if postgres => format!(
                "CAST(EXTRACT(YEAR FROM age(date_trunc('day', {local}), CAST(c.birth_date AS TIMESTAMP))) AS INTEGER)"
            ),
            Dimension::AgeBand => format!(
                "(CAST(strftime('%Y', {local}) AS INTEGER) - CAST(strftime('%Y', c.birth_date) AS INTEGER) \
                 - (strftime('%m-%d', {local}) < strftime('%m-%d', c.birth_date)))"
            ),
        }
    };
    let column = |d: Dimension, name: &str, sql_type: &str| -> String {
        if dims.contains(&d) {
            format!("{} AS {name}", expression(d))
        } else {
            format!("CAST(NULL AS {sql_type}) AS {name}")
        }
    };
    let (key_sum, table) = match (read, by_concern) {
        (Read::Facts, true) => (
            sum_keys_sql(postgres, "s.record_key"),
            "report_signal_concerns s",
        ),
        (Read::Facts, false) => (sum_keys_sql(postgres, "s.record_key"), "report_signals s"),
        (Read::Source, _) => (key_sum_sql(postgres, "s.id"), "signals s"),
    };
    let mut sql = format!(
        "SELECT {}, {}, {}, {}, {}, {}, {}, COUNT(*) AS n, {key_sum} AS key_sum FROM {table}",
        column(Dimension::Region, "region", "TEXT"),
        column(Dimension::District, "district", "TEXT"),
        column(Dimension::Concern, "concern", "TEXT"),
        column(Dimension::Source, "source", "TEXT"),
        column(Dimension::Sex, "sex", "TEXT"),
        column(Dimension::Month, "month", "TEXT"),
        column(Dimension::AgeBand, "age", "INTEGER"),
    );
    if dims.contains(&Dimension::Sex) || dims.contains(&Dimension::AgeBand) {
        sql.push_str(" LEFT JOIN children c ON c.id = s.child_id");
    }
    match read {
        Read::Facts if by_concern && dims.contains(&Dimension::Source) => {
            sql.push_str(" JOIN report_signals src ON src.signal_id = s.signal_id");
        }
        Read::Source if by_concern => {
            sql.push_str(" JOIN signal_concerns sc ON sc.signal_id = s.id");
        }
        _ => {}
    }
    sql.push_str(" WHERE s.received_at >= ? AND s.received_at < ?");
    let mut params = vec![Param::Time(period.start()), Param::Time(period.end())];
    if let Some(region) = &area.region {
        sql.push_str(" AND s.region_code = ?");
        params.push(Param::Text(region.clone()));
    }
    if let Some(district) = &area.district {
        sql.push_str(" AND s.district_code = ?");
        params.push(Param::Text(district.clone()));
    }
    let grouped: Vec<String> = dims.iter().map(|d| expression(*d)).collect();
    sql.push_str(&format!(" GROUP BY {}", grouped.join(", ")));
    let rows: Vec<Group> = match conn {
        DbConnection::Postgres(pg) => {
            let mut query = diesel::sql_query(numbered(&sql)).into_boxed();
            for p in params {
                query = match p {
                    Param::Time(t) => query.bind::<Timestamp, _>(t),
                    Param::Text(s) => query.bind::<Text, _>(s),
                };
            }
            query.load(pg)?
        }
        DbConnection::Sqlite(sqlite) => {
            let mut query = diesel::sql_query(sql).into_boxed();
            for p in params {
                query = match p {
                    Param::Time(t) => query.bind::<Timestamp, _>(t),
                    Param::Text(s) => query.bind::<Text, _>(s),
                };
            }
            query.load(sqlite)?
        }
    };
    // Ages fall into bands here: several rows may share a key.
    for row in rows {
        let key = dims
            .iter()
            .map(|d| {
                let part = match d {
                    Dimension::Region => row.region.clone(),
                    Dimension::District => row.district.clone(),
                    Dimension::Concern => row.concern.clone(),
                    Dimension::Source => row.source.clone(),
                    Dimension::Sex => row.sex.clone(),
                    Dimension::Month => row.month.clone(),
                    Dimension::AgeBand => Some(AgeBand::of(row.age).as_str().to_string()),
                };
                part.unwrap_or_else(|| "unknown".into())
            })
            .collect();
        let cell = cells.entry(key).or_default();
        *cell = cell.merge(Tally::new(row.n, row.key_sum));
    }
    Ok(())
}

/// PostgreSQL numbers its placeholders: `?` → `$1`, `$2`, …
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;
    use qorgau_domain::report::rounding::record_key;

    use crate::DbConnection;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            super::numbered("a = ? AND b < ? AND c = ?"),
            "a = $1 AND b < $2 AND c = $3"
        );
    }

    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = BigInt)]
        key: i64,
    }

    /// The SQL key of each id equals `record_key`'s, odd ids included (short, upper case, not
    /// hexadecimal, empty).
    fn keys_agree(conn: &mut DbConnection) {
        let postgres = matches!(conn, DbConnection::Postgres(_));
        let ids = [
            "019eb9e5-01e3-72cb-80f5-efdb948ef3de",
            "ffffffff",
            "00000000",
            "0000000A",
            "ABCDEF12",
            "x",
            "xy",
            "1",
            "",
            "ab-GHIJ-1a2B",
        ];
        for id in ids {
            let sql = format!(
                "SELECT {} AS key",
                super::record_key_sql(postgres, &format!("'{id}'"))
            );
            let key = diesel::sql_query(sql).get_result::<Key>(conn).unwrap().key;
            assert_eq!(key, i64::from(record_key(id)), "{id:?}");
        }
    }

    #[test]
    fn record_keys_in_sql_are_the_domains_on_sqlite() {
        let mut conn = DbConnection::Sqlite(
            SqliteConnection::establish(":memory:").expect("in-memory SQLite"),
        );
        keys_agree(&mut conn);
    }

    #[test]
    #[ignore = "needs PostgreSQL: run with QORGAU_TEST_DATABASE_URL set and --ignored"]
    fn record_keys_in_sql_are_the_domains_on_postgres() {
        let url = std::env::var("QORGAU_TEST_DATABASE_URL")
            .expect("QORGAU_TEST_DATABASE_URL names a PostgreSQL database");
        let mut conn = DbConnection::Postgres(
            crate::connection::establish_postgres(&url).expect("PostgreSQL"),
        );
        keys_agree(&mut conn);
    }
}
