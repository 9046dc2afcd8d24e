//! What a supervisor watches: caseloads per case manager and the overdue work of the area. A
//! fixed number of grouped queries, whatever the number of managers.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::AggregateExpressionMethods;
use diesel::dsl::{count, count_star};
use diesel::prelude::*;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::case_file::FlagKind;
use qorgau_domain::deadline::DeadlineStatus;
use qorgau_domain::ids::{CaseId, UserId};
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::report::caseload::{CaseloadFacts, OpenCases};
use qorgau_domain::report::{Area, kazakhstan_date, kazakhstan_midnight};
use qorgau_domain::role::Role;
use qorgau_domain::signal::SignalStatus;
use qorgau_domain::taxonomy::RiskLevel;

use crate::DbConnection;
use crate::error::DbError;
use crate::reports::within;
use crate::schema::{
    case_flags, cases, commission_matters, commission_measures, deadlines, organisations, signals,
    users,
};

/// The counts behind a caseload. A deadline is lapsed when pending and due before `now`; a
/// commission measure is overdue when not done and due before today in Kazakhstan.
pub fn caseload(
    conn: &mut DbConnection,
    area: &Area,
    now: NaiveDateTime,
) -> Result<CaseloadFacts, DbError> {
    let today = kazakhstan_date(now);
    // The region's managers sit in its child-rights department, which has no district: with a
    // district they are still listed.
    let mut managers = users::table
        .inner_join(organisations::table)
        .filter(users::role.eq(Role::CaseManager))
        .filter(users::active.eq(true))
        .select((users::id, users::full_name))
        .into_boxed();
    if let Some(region) = &area.region {
        managers = managers.filter(organisations::region_code.eq(region.clone()));
    }
    if let Some(district) = &area.district {
        managers = managers.filter(
            organisations::district_code
                .eq(district.clone())
                .or(organisations::district_code.is_null()),
        );
    }
    let mut people: Vec<(String, String)> = managers.load(conn)?;
    let open_cases = within!(
        cases::table
            .filter(cases::status.ne(CaseStatus::Closed))
            .group_by((cases::assignee_id, cases::status, cases::risk_level))
            .select((
                cases::assignee_id,
                cases::status,
                cases::risk_level,
                count_star(),
            ))
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .load::<(Option<String>, CaseStatus, RiskLevel, i64)>(conn)?
    .into_iter()
    .map(|(assignee, status, risk_level, count)| OpenCases {
        assignee,
        status,
        risk_level,
        count,
    })
    .collect::<Vec<_>>();
    // Cases with a lapsed deadline and the lapsed deadlines, per assignee, in one statement
    // (closed cases count: their follow-up runs after closure), read from the index
    // `deadlines_area_pending` alone: deadlines carry their case's area and assignee
    // (docs/benchmarks.md).
    let overdue: Vec<(Option<String>, i64, i64)> = within!(
        deadlines::table
            .filter(deadlines::status.eq(DeadlineStatus::Pending))
            .filter(deadlines::due_at.lt(now))
            .group_by(deadlines::assignee_id)
            .select((
                deadlines::assignee_id,
                count(deadlines::case_id).aggregate_distinct(),
                count_star(),
            ))
            .into_boxed(),
        area,
        deadlines::region_code,
        deadlines::district_code
    )
    .load(conn)?;
    let overdue_cases: Vec<(Option<String>, i64)> = overdue
        .iter()
        .map(|(a, cases, _)| (a.clone(), *cases))
        .collect();
    // Open cases whose first contact is overdue. A pending first-contact deadline belongs to an
    // open case: closing a case cancels its pending deadlines (`routes::case_work`).
    let without_contact: Vec<(Option<String>, i64)> = within!(
        deadlines::table
            .filter(deadlines::kind.eq(DeadlineKind::FirstContact))
            .filter(deadlines::status.eq(DeadlineStatus::Pending))
            .filter(deadlines::due_at.lt(now))
            .group_by(deadlines::assignee_id)
            .select((
                deadlines::assignee_id,
                count(deadlines::case_id).aggregate_distinct(),
            ))
            .into_boxed(),
        area,
        deadlines::region_code,
        deadlines::district_code
    )
    .load(conn)?;
    let mut overdue_items: Vec<(Option<String>, i64)> = overdue
        .into_iter()
        .map(|(a, _, items)| (a, items))
        .collect();
    overdue_items.extend(
        within!(
            commission_measures::table
                .inner_join(commission_matters::table)
                .inner_join(cases::table.on(cases::id.eq(commission_matters::case_id)))
                .filter(commission_measures::done_at.is_null())
                .filter(commission_measures::due_date.lt(today))
                .group_by(cases::assignee_id)
                .select((cases::assignee_id, count_star()))
                .into_boxed(),
            area,
            cases::region_code,
            cases::district_code
        )
        .load::<(Option<String>, i64)>(conn)?,
    );
    // Open cases with an active flag, per assignee and flag: a case holds one active flag of a
    // kind, so rows are cases.
    let flagged: Vec<(Option<String>, FlagKind, i64)> = within!(
        case_flags::table
            .inner_join(cases::table)
            .filter(case_flags::cleared_at.is_null())
            .filter(cases::status.ne(CaseStatus::Closed))
            .group_by((cases::assignee_id, case_flags::kind))
            .select((cases::assignee_id, case_flags::kind, count_star()))
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    )
    .load(conn)?;
    let signals_awaiting_triage = within!(
        signals::table
            .filter(signals::status.eq(SignalStatus::Received))
            .select(count_star())
            .into_boxed(),
        area,
        signals::region_code,
        signals::district_code
    )
    .get_result(conn)?;
    // Work held by someone no longer among the area's managers (moved, deactivated) still
    // shows, under their name: one lookup for all of them.
    let mut missing: Vec<String> = open_cases
        .iter()
        .map(|c| &c.assignee)
        .chain(overdue_cases.iter().map(|(a, _)| a))
        .chain(overdue_items.iter().map(|(a, _)| a))
        .chain(flagged.iter().map(|(a, _, _)| a))
        .flatten()
        .filter(|a| !people.iter().any(|(id, _)| id == *a))
        .cloned()
        .collect();
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        people.extend(
            users::table
                .filter(users::id.eq_any(missing))
                .select((users::id, users::full_name))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(CaseloadFacts {
        people,
        open_cases,
        overdue_cases,
        without_contact,
        overdue_items,
        flagged,
        signals_awaiting_triage,
    })
}

/// One piece of overdue work: a lapsed deadline, or an overdue commission measure (`kind` =
/// `commission_measure`, due at the end of its due date in Kazakhstan).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverdueRow {
    /// The lapsed deadline's id, or the overdue commission measure's (`kind` says which): two
    /// kinds of record in one list, so the id is kept as the text both are stored as.
    pub id: String,
    pub case_id: CaseId,
    pub case_number: String,
    pub district_code: String,
    pub kind: String,
    pub due_at: NaiveDateTime,
    pub assignee_id: Option<UserId>,
}

/// The kind of an overdue commission measure in the overdue list.
pub const COMMISSION_MEASURE: &str = "commission_measure";

/// Overdue work of the area (optionally of one assignee), oldest first by (due, id), after the
/// keyset position `after`; at most `limit` rows.
pub fn overdue(
    conn: &mut DbConnection,
    area: &Area,
    assignee: Option<UserId>,
    now: NaiveDateTime,
    after: Option<&(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<OverdueRow>, DbError> {
    let today = kazakhstan_date(now);
    let mut lapsed = within!(
        cases::table
            .inner_join(deadlines::table)
            .filter(deadlines::status.eq(DeadlineStatus::Pending))
            .filter(deadlines::due_at.lt(now))
            .order((deadlines::due_at, deadlines::id))
            .limit(limit)
            .select((
                deadlines::id,
                cases::id,
                cases::number,
                cases::district_code,
                deadlines::kind,
                deadlines::due_at,
                cases::assignee_id,
            ))
            .into_boxed(),
        area,
        deadlines::region_code,
        deadlines::district_code
    );
    if let Some(a) = assignee {
        lapsed = lapsed.filter(deadlines::assignee_id.eq(a.to_string()));
    }
    if let Some((at, id)) = after {
        lapsed = lapsed.filter(
            deadlines::due_at
                .gt(*at)
                .or(deadlines::due_at.eq(*at).and(deadlines::id.gt(id.clone()))),
        );
    }
    let mut rows: Vec<OverdueRow> = lapsed
        .load::<(
            String,
            CaseId,
            String,
            String,
            String,
            NaiveDateTime,
            Option<UserId>,
        )>(conn)?
        .into_iter()
        .map(
            |(id, case_id, case_number, district_code, kind, due_at, assignee_id)| OverdueRow {
                id,
                case_id,
                case_number,
                district_code,
                kind,
                due_at,
                assignee_id,
            },
        )
        .collect();
    let mut measures = within!(
        commission_measures::table
            .inner_join(commission_matters::table)
            .inner_join(cases::table.on(cases::id.eq(commission_matters::case_id)))
            .filter(commission_measures::done_at.is_null())
            .filter(commission_measures::due_date.lt(today))
            .order((commission_measures::due_date, commission_measures::id))
            .limit(limit)
            .select((
                commission_measures::id,
                cases::id,
                cases::number,
                cases::district_code,
                commission_measures::due_date,
                cases::assignee_id,
            ))
            .into_boxed(),
        area,
        cases::region_code,
        cases::district_code
    );
    if let Some(a) = assignee {
        measures = measures.filter(cases::assignee_id.eq(a.to_string()));
    }
    if let Some((at, id)) = after {
        // A measure is due at midnight after its due date: due after `at` from the date of
        // `at` on; exactly at `at` when `at` is such a midnight.
        let from = kazakhstan_date(*at);
        measures = match from.pred_opt().filter(|d| measure_due_at(*d) == *at) {
            Some(previous) => measures.filter(
                commission_measures::due_date
                    .ge(from)
                    .or(commission_measures::due_date
                        .eq(previous)
                        .and(commission_measures::id.gt(id.clone()))),
            ),
            None => measures.filter(commission_measures::due_date.ge(from)),
        };
    }
    rows.extend(
        measures
            .load::<(String, CaseId, String, String, NaiveDate, Option<UserId>)>(conn)?
            .into_iter()
            .map(
                |(id, case_id, case_number, district_code, due, assignee_id)| OverdueRow {
                    id,
                    case_id,
                    case_number,
                    district_code,
                    kind: COMMISSION_MEASURE.into(),
                    due_at: measure_due_at(due),
                    assignee_id,
                },
            ),
    );
    rows.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.id.cmp(&b.id)));
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(rows)
}

/// A commission measure due on `date` is overdue from the next midnight in Kazakhstan.
pub fn measure_due_at(date: NaiveDate) -> NaiveDateTime {
    kazakhstan_midnight(date.succ_opt().unwrap_or(date))
}
