//! Retention's queries (`qorgau_app::retention`): which children are due, and erasing what
//! identifies one of them from every row about it while keeping the row, its ids, codes, flags
//! and dates — what reports count.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::{CaseId, ChildId};
use qorgau_domain::retention::ERASED;
use qorgau_domain::signal::SignalStatus;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::{
    assessments, break_glass, case_flags, case_notes, cases, child_merges, children,
    commission_matters, commission_measures, consents, documents, follow_ups, idempotency_keys,
    interventions, interviews, plan_goals, plan_measures, plan_reviews, plans, possible_duplicates,
    referrals, relations, routing_gaps, signal_reports, signals, timeline_events, transfers,
};

/// A child due for anonymisation and the closing of its last case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub child_id: ChildId,
    pub last_closed_at: NaiveDateTime,
}

/// Children not yet anonymised (nor merged into another record) that have cases, none of them
/// open, the last closed before `closed_before`; in id order. Whether a later signal keeps one
/// ([`has_later_signal`]) is asked per child.
pub fn closed_before(
    conn: &mut DbConnection,
    closed_before: NaiveDateTime,
) -> Result<Vec<Due>, DbError> {
    let open_cases = diesel::alias!(cases as open_cases);
    let open = open_cases
        .filter(open_cases.field(cases::status).ne(CaseStatus::Closed))
        .select(open_cases.field(cases::child_id));
    let rows: Vec<(ChildId, Option<NaiveDateTime>)> = cases::table
        .inner_join(children::table)
        .filter(children::anonymised_at.is_null())
        .filter(children::merged_into.is_null())
        .filter(cases::child_id.ne_all(open))
        .group_by(cases::child_id)
        .having(max(cases::closed_at).lt(closed_before))
        .select((cases::child_id, max(cases::closed_at)))
        .order(cases::child_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(child_id, last)| {
            last.map(|last_closed_at| Due {
                child_id,
                last_closed_at,
            })
        })
        .collect())
}

/// Whether the child's record is still in use: a signal about the child received at or after
/// `since`, or one still awaiting triage.
pub fn has_later_signal(
    conn: &mut DbConnection,
    child: ChildId,
    since: NaiveDateTime,
) -> Result<bool, DbError> {
    let n: i64 = signals::table
        .filter(signals::child_id.eq(child))
        .filter(
            signals::received_at
                .ge(since)
                .or(signals::status.eq(SignalStatus::Received)),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether `child` has an open case, and when its last case closed: read again inside the
/// transaction that anonymises, after [`lock_child`].
pub fn last_closing(
    conn: &mut DbConnection,
    child: ChildId,
) -> Result<(bool, Option<NaiveDateTime>), DbError> {
    let open: i64 = cases::table
        .filter(cases::child_id.eq(child))
        .filter(cases::status.ne(CaseStatus::Closed))
        .count()
        .get_result(conn)?;
    let last: Option<NaiveDateTime> = cases::table
        .filter(cases::child_id.eq(child))
        .select(max(cases::closed_at))
        .first(conn)?;
    Ok((open > 0, last))
}

/// What the anonymisation of a child reads from its row once locked.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = children)]
pub struct Locked {
    pub birth_date: Option<NaiveDate>,
    pub region_code: String,
    pub anonymised_at: Option<NaiveDateTime>,
}

/// Locks the child's row for the transaction (`children::lock`): a merge, or a signal linking
/// to the child, waits or is waited for. `None` when there is no such child.
pub fn lock_child(conn: &mut DbConnection, child: ChildId) -> Result<Option<Locked>, DbError> {
    crate::children::lock(conn, &[child])?;
    Ok(children::table
        .find(child)
        .select(Locked::as_select())
        .first(conn)
        .optional()?)
}

/// The records that are the child: itself and those merged into it.
pub fn records(conn: &mut DbConnection, child: ChildId) -> Result<Vec<ChildId>, DbError> {
    let mut ids: Vec<ChildId> = children::table
        .filter(children::merged_into.eq(child))
        .select(children::id)
        .load(conn)?;
    ids.insert(0, child);
    Ok(ids)
}

/// When each of the child's signals was received: the days its age bands are counted on.
pub fn signal_times(
    conn: &mut DbConnection,
    child: ChildId,
) -> Result<Vec<NaiveDateTime>, DbError> {
    Ok(signals::table
        .filter(signals::child_id.eq(child))
        .select(signals::received_at)
        .load(conn)?)
}

/// The assessments of `cases` with their domain findings (JSON), whose notes are free text.
pub fn assessment_domains(
    conn: &mut DbConnection,
    cases: &[CaseId],
) -> Result<Vec<(String, String)>, DbError> {
    Ok(assessments::table
        .filter(assessments::case_id.eq_any(cases))
        .select((assessments::id, assessments::domains))
        .load(conn)?)
}

pub fn set_assessment_domains(
    conn: &mut DbConnection,
    id: &str,
    domains: &str,
) -> Result<(), DbError> {
    diesel::update(assessments::table.find(id))
        .set(assessments::domains.eq(domains))
        .execute(conn)?;
    Ok(())
}

/// Sets every listed required text column of the rows matching `filter` to [`ERASED`], and
/// every listed optional one that holds something.
macro_rules! erase {
    ($conn:expr, $table:ident, $filter:expr, [], [$($optional:ident),*]) => {{
        $(
            diesel::update($table::table.filter($filter).filter($table::$optional.is_not_null()))
                .set($table::$optional.eq(ERASED))
                .execute($conn)?;
        )*
    }};
    ($conn:expr, $table:ident, $filter:expr, [$($text:ident),+], [$($optional:ident),*]) => {{
        diesel::update($table::table.filter($filter))
            .set(($($table::$text.eq(ERASED),)+))
            .execute($conn)?;
        erase!($conn, $table, $filter, [], [$($optional),*]);
    }};
}

/// What an anonymisation changed, for the run's report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Anonymised {
    pub records: usize,
    pub cases: usize,
    pub signals: usize,
}

/// Erases what identifies the child `records[0]` (with the records merged into it,
/// `records[1..]`) from every row about it; `birth_date` is what the main record keeps
/// (`qorgau_domain::retention::anonymous_birth_date`), the merged ones keep none. Assessment
/// notes inside JSON are the caller's ([`assessment_domains`]). Rows, ids, codes, flags, numbers
/// and dates stay: docs/security.md § Retention lists every column.
pub fn anonymise(
    conn: &mut DbConnection,
    records: &[ChildId],
    birth_date: Option<NaiveDate>,
    at: NaiveDateTime,
    cases: &[CaseId],
) -> Result<Anonymised, DbError> {
    let Some(main) = records.first() else {
        return Ok(Anonymised::default());
    };
    diesel::update(children::table.filter(children::id.eq_any(records)))
        .set((
            children::iin.eq(None::<String>),
            children::last_name.eq(None::<String>),
            children::first_name.eq(None::<String>),
            children::middle_name.eq(None::<String>),
            children::last_name_key.eq(None::<String>),
            children::first_name_key.eq(None::<String>),
            children::birth_date.eq(None::<NaiveDate>),
            children::address.eq(None::<String>),
            children::anonymised_at.eq(at),
        ))
        .execute(conn)?;
    diesel::update(children::table.find(main))
        .set(children::birth_date.eq(birth_date))
        .execute(conn)?;
    // Nothing may match the child again, nor offer it as a possible duplicate.
    diesel::delete(
        possible_duplicates::table.filter(
            possible_duplicates::child_id
                .eq_any(records)
                .or(possible_duplicates::other_id.eq_any(records)),
        ),
    )
    .execute(conn)?;
    let merges = child_merges::child_id
        .eq_any(records)
        .or(child_merges::duplicate_id.eq_any(records));
    diesel::update(child_merges::table.filter(merges.clone()))
        .set(child_merges::moved_iin.eq(None::<String>))
        .execute(conn)?;
    erase!(conn, child_merges, merges.clone(), [reason], [undo_reason]);

    let signal_ids: Vec<String> = signals::table
        .filter(
            signals::child_id
                .eq_any(records)
                .or(signals::case_id.eq_any(cases)),
        )
        .select(signals::id)
        .load(conn)?;
    let of_signals = signals::id.eq_any(&signal_ids);
    diesel::update(signals::table.filter(of_signals.clone()))
        .set((
            signals::description.eq(ERASED),
            signals::child_facts.eq("{}"),
            signals::external_ref.eq(None::<String>),
            signals::reporter_name.eq(None::<String>),
            signals::reporter_phone.eq(None::<String>),
            signals::reporter_relation.eq(None::<String>),
        ))
        .execute(conn)?;
    erase!(conn, signals, of_signals, [], [screen_out_reason]);
    diesel::update(signal_reports::table.filter(signal_reports::signal_id.eq_any(&signal_ids)))
        .set((
            signal_reports::description.eq(ERASED),
            signal_reports::child_facts.eq("{}"),
            signal_reports::reporter_name.eq(None::<String>),
            signal_reports::reporter_phone.eq(None::<String>),
            signal_reports::reporter_relation.eq(None::<String>),
        ))
        .execute(conn)?;
    erase!(
        conn,
        timeline_events,
        timeline_events::child_id.eq_any(records),
        [summary],
        []
    );
    diesel::update(relations::table.filter(relations::child_id.eq_any(records)))
        .set(relations::phone.eq(None::<String>))
        .execute(conn)?;
    erase!(
        conn,
        relations,
        relations::child_id.eq_any(records),
        [full_name, relation],
        []
    );

    erase!(
        conn,
        assessments,
        assessments::case_id.eq_any(cases),
        [summary],
        []
    );
    let plan_ids: Vec<String> = plans::table
        .filter(plans::case_id.eq_any(cases))
        .select(plans::id)
        .load(conn)?;
    erase!(
        conn,
        plans,
        plans::id.eq_any(&plan_ids),
        [],
        [decision_note]
    );
    erase!(
        conn,
        plan_goals,
        plan_goals::plan_id.eq_any(&plan_ids),
        [title],
        []
    );
    erase!(
        conn,
        plan_measures,
        plan_measures::plan_id.eq_any(&plan_ids),
        [description],
        []
    );
    erase!(
        conn,
        plan_reviews,
        plan_reviews::case_id.eq_any(cases),
        [note],
        []
    );
    erase!(
        conn,
        interventions,
        interventions::case_id.eq_any(cases),
        [summary],
        []
    );
    erase!(
        conn,
        follow_ups,
        follow_ups::case_id.eq_any(cases),
        [note],
        []
    );
    erase!(
        conn,
        consents,
        consents::case_id.eq_any(cases),
        [given_by_name, relation],
        []
    );
    erase!(
        conn,
        referrals,
        referrals::case_id.eq_any(cases),
        [service, reason],
        [override_note, decline_reason, outcome]
    );
    erase!(
        conn,
        transfers,
        transfers::case_id.eq_any(cases),
        [reason],
        [decline_reason]
    );
    let matter_ids: Vec<String> = commission_matters::table
        .filter(commission_matters::case_id.eq_any(cases))
        .select(commission_matters::id)
        .load(conn)?;
    erase!(
        conn,
        commission_matters,
        commission_matters::id.eq_any(&matter_ids),
        [grounds],
        [decision]
    );
    erase!(
        conn,
        commission_measures,
        commission_measures::matter_id.eq_any(&matter_ids),
        [description],
        [done_note]
    );
    let interviewed = interviews::case_id
        .eq_any(cases)
        .or(interviews::child_id.eq_any(records));
    diesel::update(interviews::table.filter(interviewed.clone()))
        .set(interviews::recording_ref.eq(None::<String>))
        .execute(conn)?;
    erase!(
        conn,
        interviews,
        interviewed.clone(),
        [interviewer_name],
        [repeat_reason]
    );
    erase!(
        conn,
        routing_gaps,
        routing_gaps::case_id.eq_any(cases),
        [],
        [resolution]
    );
    erase!(
        conn,
        case_notes,
        case_notes::case_id.eq_any(cases),
        [text],
        []
    );
    erase!(
        conn,
        case_flags,
        case_flags::case_id.eq_any(cases),
        [reason],
        [clear_reason]
    );
    erase!(
        conn,
        break_glass,
        break_glass::case_id.eq_any(cases),
        [reason],
        []
    );
    // Documents: the rows, kinds, sizes and hashes stay; names and texts go, and the bytes are
    // marked for deletion from the store (`documents::to_purge`, done after the commit).
    erase!(
        conn,
        documents,
        documents::case_id.eq_any(cases),
        [file_name],
        [description, delete_reason]
    );
    diesel::update(
        documents::table
            .filter(documents::case_id.eq_any(cases))
            .filter(documents::erased_at.is_null()),
    )
    .set(documents::erased_at.eq(at))
    .execute(conn)?;
    // Families: the child's membership reasons, and the households left with no identified
    // child (docs/security.md § Retention).
    crate::families::erase_for(conn, records)?;
    Ok(Anonymised {
        records: records.len(),
        cases: cases.len(),
        signals: signal_ids.len(),
    })
}

/// The cases of the child's records.
pub fn cases_of(conn: &mut DbConnection, records: &[ChildId]) -> Result<Vec<CaseId>, DbError> {
    Ok(cases::table
        .filter(cases::child_id.eq_any(records))
        .select(cases::id)
        .load(conn)?)
}

/// Deletes the responses kept for retried requests (`Idempotency-Key`) stored before `before`:
/// copies of what the requests created, some of it about children anonymised since. A retry
/// comes within minutes or days, never years. Returns how many were deleted.
pub fn forget_old_responses(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
            .execute(conn)?,
    )
}
