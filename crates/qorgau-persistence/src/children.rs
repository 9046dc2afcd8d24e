//! The child registry: one record per child across signals and cases, probable duplicates
//! flagged for a person, and merges kept in history.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Text;
use qorgau_domain::access::Scope;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::{CaseId, ChildId, MergeId, UserId};
use qorgau_domain::merge::MovedRecord;

use crate::error::DbError;
use crate::schema::{
    cases, child_merge_moves, child_merges, children, interviews, possible_duplicates, signals,
    timeline_events,
};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = children)]
pub struct ChildRow {
    pub id: ChildId,
    pub iin: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name_key: Option<String>,
    pub first_name_key: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<String>,
    pub address: Option<String>,
    pub region_code: String,
    pub district_code: String,
    pub merged_into: Option<ChildId>,
    pub created_at: NaiveDateTime,
    /// When retention anonymised the record (`qorgau retention run`); its identity is gone.
    pub anonymised_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Default)]
pub struct ChildFilter {
    pub iin: Option<String>,
    /// Name keys (`qorgau_domain::names::name_key`), each matching a first or last name.
    pub name_keys: Vec<String>,
    pub birth_date: Option<NaiveDate>,
}

pub fn insert(conn: &mut DbConnection, row: &ChildRow) -> Result<(), DbError> {
    diesel::insert_into(children::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: ChildId) -> Result<Option<ChildRow>, DbError> {
    Ok(children::table
        .find(id)
        .select(ChildRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_iin(conn: &mut DbConnection, iin: &str) -> Result<Option<ChildRow>, DbError> {
    Ok(children::table
        .filter(children::iin.eq(iin))
        .select(ChildRow::as_select())
        .first(conn)
        .optional()?)
}

/// Unmerged children born on `date`: the candidates for a spelling-tolerant match. An
/// anonymised record is no candidate (its birth date is no longer the child's).
pub fn born_on(conn: &mut DbConnection, date: NaiveDate) -> Result<Vec<ChildRow>, DbError> {
    Ok(children::table
        .filter(children::birth_date.eq(date))
        .filter(children::merged_into.is_null())
        .filter(children::anonymised_at.is_null())
        .select(ChildRow::as_select())
        .load(conn)?)
}

/// The child's open case and its assignee, if any.
pub fn open_case(
    conn: &mut DbConnection,
    child_id: ChildId,
) -> Result<Option<(CaseId, Option<String>)>, DbError> {
    Ok(cases::table
        .filter(cases::child_id.eq(child_id))
        .filter(cases::status.ne(CaseStatus::Closed))
        .select((cases::id, cases::assignee_id))
        .first(conn)
        .optional()?)
}

/// The open case of each of `child_ids` that has one, by child: one query for a whole page of
/// children, not one per row.
pub fn open_cases(
    conn: &mut DbConnection,
    child_ids: &[ChildId],
) -> Result<HashMap<ChildId, CaseId>, DbError> {
    if child_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(cases::table
        .filter(cases::child_id.eq_any(child_ids))
        .filter(cases::status.ne(CaseStatus::Closed))
        .select((cases::child_id, cases::id))
        .load::<(ChildId, CaseId)>(conn)?
        .into_iter()
        .collect())
}

/// `$query` (boxed, over children) narrowed to the children `$scope` reaches; `Own` reaches the
/// children of `$cases` (cases, possibly filtered) assigned to the user. No rule grants children
/// by organisation.
macro_rules! within {
    ($query:expr, $scope:expr, $cases:expr) => {
        match $scope {
            Scope::All => $query,
            Scope::Region(r) => $query.filter(children::region_code.eq(r.clone())),
            Scope::District(d) => $query.filter(children::district_code.eq(d.clone())),
            Scope::Own(u) => $query.filter(
                children::id.eq_any(
                    $cases
                        .filter(cases::assignee_id.eq(u.to_string()))
                        .select(cases::child_id),
                ),
            ),
            Scope::Organisation(_) => $query.filter(children::id.eq_any(Vec::<String>::new())),
        }
    };
}

/// Children within `scope` matching `filter`, unmerged, in id order.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &ChildFilter,
    page: &Page,
) -> Result<Vec<ChildRow>, DbError> {
    let mut query = children::table
        .filter(children::merged_into.is_null())
        .select(ChildRow::as_select())
        .order(children::id)
        .limit(page.limit)
        .into_boxed();
    query = within!(query, scope, cases::table);
    if let Some(iin) = &filter.iin {
        query = query.filter(children::iin.eq(iin.clone()));
    }
    for key in &filter.name_keys {
        query = query.filter(
            children::first_name_key
                .eq(key.clone())
                .or(children::last_name_key.eq(key.clone())),
        );
    }
    if let Some(date) = filter.birth_date {
        // An anonymised record keeps a birth date for age bands only: never a match.
        query = query
            .filter(children::birth_date.eq(date))
            .filter(children::anonymised_at.is_null());
    }
    if let Some(after) = &page.after {
        query = query.filter(children::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

pub fn flag_duplicates(
    conn: &mut DbConnection,
    child_id: ChildId,
    others: &[ChildId],
    now: NaiveDateTime,
) -> Result<(), DbError> {
    for other in others {
        diesel::insert_into(possible_duplicates::table)
            .values((
                possible_duplicates::child_id.eq(child_id),
                possible_duplicates::other_id.eq(other),
                possible_duplicates::detected_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A page of the unmerged children flagged as probably the same as `child_id` (in either
/// direction) that `scope` reaches, in id order. `Own` reaches a child whose open case is the
/// user's, as a single record's access does.
pub fn possible_duplicates(
    conn: &mut DbConnection,
    child_id: ChildId,
    scope: &Scope,
    page: &Page,
) -> Result<Vec<ChildRow>, DbError> {
    let forward = possible_duplicates::table
        .filter(possible_duplicates::child_id.eq(child_id))
        .select(possible_duplicates::other_id);
    let backward = possible_duplicates::table
        .filter(possible_duplicates::other_id.eq(child_id))
        .select(possible_duplicates::child_id);
    let flagged = children::table
        .filter(
            children::id
                .eq_any(forward)
                .or(children::id.eq_any(backward)),
        )
        .filter(children::merged_into.is_null())
        .select(ChildRow::as_select());
    let query = keyset!(flagged, children::id, page);
    let own_open = cases::table.filter(cases::status.ne(CaseStatus::Closed));
    let query = within!(query, scope, own_open);
    Ok(query.load(conn)?)
}

/// The record `id` was merged into, followed to the one that stands (a record merged into one
/// that was itself merged later): `None` when `id` is not a merged record.
pub fn survivor(conn: &mut DbConnection, id: ChildId) -> Result<Option<ChildId>, DbError> {
    let mut survivor = None;
    let mut at = id;
    // A merge goes into a record that stands, so the chain has no loop; the bound is a guard.
    for _ in 0..32 {
        let merged_into = children::table
            .find(at)
            .select(children::merged_into)
            .first::<Option<ChildId>>(conn)
            .optional()?
            .flatten();
        let Some(next) = merged_into else {
            return Ok(survivor);
        };
        survivor = Some(next);
        at = next;
    }
    Ok(None)
}

/// When `a` and `b` were flagged as possible duplicates (in either direction), if they were.
pub fn flagged_at(
    conn: &mut DbConnection,
    a: ChildId,
    b: ChildId,
) -> Result<Option<NaiveDateTime>, DbError> {
    Ok(possible_duplicates::table
        .filter(
            (possible_duplicates::child_id
                .eq(a)
                .and(possible_duplicates::other_id.eq(b)))
            .or(possible_duplicates::child_id
                .eq(b)
                .and(possible_duplicates::other_id.eq(a))),
        )
        .select(possible_duplicates::detected_at)
        .first(conn)
        .optional()?)
}

/// Locks the records `ids` for the rest of the write transaction (PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` already serialises writers), so that what is read next about them stays
/// true until commit: a merge and an unmerge of the same records run one after the other, and
/// the second sees what the first did. One statement, so two callers lock in the same order.
pub fn lock(conn: &mut DbConnection, ids: &[ChildId]) -> Result<(), DbError> {
    diesel::update(children::table.filter(children::id.eq_any(ids)))
        .set(children::merged_into.eq(children::merged_into))
        .execute(conn)?;
    Ok(())
}

/// A merge as recorded (`child_id` kept, `duplicate_id` merged into it), undone or not.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = child_merges)]
pub struct MergeRow {
    pub id: MergeId,
    pub child_id: ChildId,
    pub duplicate_id: ChildId,
    pub reason: String,
    pub merged_by: UserId,
    pub merged_at: NaiveDateTime,
    /// The duplicate's IIN, given to the kept record (which had none).
    pub moved_iin: Option<String>,
    /// When the pair had been flagged as possible duplicates, if it had.
    pub flagged_at: Option<NaiveDateTime>,
    /// The differences the supervisor confirmed (codes, comma-separated; empty: none), when
    /// a confirmation was given.
    pub confirmed_differences: Option<String>,
    /// False for merges made before moves were recorded (migration 000012): not undoable.
    pub moves_recorded: bool,
    pub undone_at: Option<NaiveDateTime>,
    pub undone_by: Option<UserId>,
    pub undo_reason: Option<String>,
}

/// A merge about to be made.
pub struct NewMerge<'a> {
    pub id: MergeId,
    pub reason: &'a str,
    pub merged_by: UserId,
    pub at: NaiveDateTime,
    pub flagged_at: Option<NaiveDateTime>,
    pub confirmed_differences: Option<String>,
}

/// The ids of the records of `kind` that merge `$merge` moved (a subquery).
macro_rules! moved {
    ($merge:expr, $kind:expr) => {
        child_merge_moves::table
            .filter(child_merge_moves::merge_id.eq($merge))
            .filter(child_merge_moves::kind.eq($kind))
            .select(child_merge_moves::row_id)
    };
}

/// Moves the duplicate's signals, cases and timeline to `keep`, marks it merged, clears the
/// flag between them and records the merge with every record it moved, so that it can be
/// undone ([`unmerge`]). A duplicate with an IIN gives it to a kept record that has none. Run
/// inside a write transaction, after [`lock`]ing both. A duplicate with an open case while
/// `keep` has one fails on the one-open-case index ([`DbError::Duplicate`]).
pub fn merge(
    conn: &mut DbConnection,
    keep: &ChildRow,
    duplicate: &ChildRow,
    new: &NewMerge<'_>,
) -> Result<(), DbError> {
    let moved_iin = if keep.iin.is_none() {
        duplicate.iin.clone()
    } else {
        None
    };
    diesel::insert_into(child_merges::table)
        .values((
            child_merges::id.eq(new.id),
            child_merges::child_id.eq(&keep.id),
            child_merges::duplicate_id.eq(&duplicate.id),
            child_merges::reason.eq(new.reason),
            child_merges::merged_by.eq(new.merged_by),
            child_merges::merged_at.eq(new.at),
            child_merges::moved_iin.eq(&moved_iin),
            child_merges::flagged_at.eq(new.flagged_at),
            child_merges::confirmed_differences.eq(&new.confirmed_differences),
            child_merges::moves_recorded.eq(true),
        ))
        .execute(conn)?;
    let columns = (
        child_merge_moves::merge_id,
        child_merge_moves::kind,
        child_merge_moves::row_id,
    );
    diesel::insert_into(child_merge_moves::table)
        .values(
            signals::table
                .filter(signals::child_id.eq(&duplicate.id))
                .select((
                    new.id.into_sql::<Text>(),
                    MovedRecord::Signal.into_sql::<Text>(),
                    signals::id,
                )),
        )
        .into_columns(columns)
        .execute(conn)?;
    diesel::insert_into(child_merge_moves::table)
        .values(
            cases::table
                .filter(cases::child_id.eq(&duplicate.id))
                .select((
                    new.id.into_sql::<Text>(),
                    MovedRecord::Case.into_sql::<Text>(),
                    cases::id,
                )),
        )
        .into_columns(columns)
        .execute(conn)?;
    diesel::insert_into(child_merge_moves::table)
        .values(
            timeline_events::table
                .filter(timeline_events::child_id.eq(&duplicate.id))
                .select((
                    new.id.into_sql::<Text>(),
                    MovedRecord::TimelineEvent.into_sql::<Text>(),
                    timeline_events::id,
                )),
        )
        .into_columns(columns)
        .execute(conn)?;
    if let Some(iin) = &moved_iin {
        diesel::update(children::table.find(&duplicate.id))
            .set(children::iin.eq(None::<String>))
            .execute(conn)?;
        diesel::update(children::table.find(&keep.id))
            .set(children::iin.eq(iin))
            .execute(conn)?;
    }
    diesel::update(signals::table.filter(signals::child_id.eq(&duplicate.id)))
        .set(signals::child_id.eq(&keep.id))
        .execute(conn)?;
    diesel::update(cases::table.filter(cases::child_id.eq(&duplicate.id)))
        .set(cases::child_id.eq(&keep.id))
        .execute(conn)?;
    diesel::update(timeline_events::table.filter(timeline_events::child_id.eq(&duplicate.id)))
        .set(timeline_events::child_id.eq(&keep.id))
        .execute(conn)?;
    diesel::update(children::table.find(&duplicate.id))
        .set(children::merged_into.eq(&keep.id))
        .execute(conn)?;
    diesel::delete(
        possible_duplicates::table.filter(
            (possible_duplicates::child_id
                .eq(&keep.id)
                .and(possible_duplicates::other_id.eq(&duplicate.id)))
            .or(possible_duplicates::child_id
                .eq(&duplicate.id)
                .and(possible_duplicates::other_id.eq(&keep.id))),
        ),
    )
    .execute(conn)?;
    Ok(())
}

pub fn find_merge(conn: &mut DbConnection, id: MergeId) -> Result<Option<MergeRow>, DbError> {
    Ok(child_merges::table
        .find(id)
        .select(MergeRow::as_select())
        .first(conn)
        .optional()?)
}

/// The most recent merge into `child_id` that is still in force.
pub fn latest_merge_into(
    conn: &mut DbConnection,
    child_id: ChildId,
) -> Result<Option<MergeRow>, DbError> {
    Ok(child_merges::table
        .filter(child_merges::child_id.eq(child_id))
        .filter(child_merges::undone_at.is_null())
        .order((child_merges::merged_at.desc(), child_merges::id.desc()))
        .select(MergeRow::as_select())
        .first(conn)
        .optional()?)
}

/// How an undoing went.
#[derive(Debug, PartialEq, Eq)]
pub enum Unmerged {
    Done,
    /// The merge was undone, or one of its records merged, since it was read.
    Changed,
    /// A case going back is open and the duplicate has an open case: one would have two.
    TwoOpenCases,
}

/// Undoes `merge`: what it moved goes back to the duplicate, which is no longer merged, gets
/// its IIN back and is flagged with the kept record again if it was; the merge is kept, marked
/// undone. Run inside a write transaction, after [`lock`]ing both records; on anything but
/// [`Unmerged::Done`] the caller rolls back.
///
/// What goes back: the cases the merge moved (still on the kept record); the signals it moved
/// that are not tied to a case staying on the kept record; the timeline events it moved. And,
/// made after the merge, whatever belongs to a case that goes back — its signals, timeline
/// events and interviews — with the events about a signal that goes back: a case's file stays
/// whole. Anything else made on the kept record after the merge stays there: nothing tells
/// whether it was about the other child.
pub fn unmerge(
    conn: &mut DbConnection,
    merge: &MergeRow,
    undone_by: UserId,
    reason: &str,
    at: NaiveDateTime,
) -> Result<Unmerged, DbError> {
    let (keep, duplicate) = (merge.child_id, merge.duplicate_id);
    let claimed = diesel::update(
        child_merges::table
            .find(&merge.id)
            .filter(child_merges::undone_at.is_null()),
    )
    .set((
        child_merges::undone_at.eq(at),
        child_merges::undone_by.eq(undone_by),
        child_merges::undo_reason.eq(reason),
    ))
    .execute(conn)?;
    let kept = find(conn, keep)?;
    if claimed != 1 || kept.is_none_or(|k| k.merged_into.is_some()) {
        return Ok(Unmerged::Changed);
    }
    let released = diesel::update(
        children::table
            .find(duplicate)
            .filter(children::merged_into.eq(keep)),
    )
    .set(children::merged_into.eq(None::<String>))
    .execute(conn)?;
    if released != 1 {
        return Ok(Unmerged::Changed);
    }

    let back_cases: Vec<String> = cases::table
        .filter(cases::child_id.eq(keep))
        .filter(cases::id.eq_any(moved!(&merge.id, MovedRecord::Case)))
        .select(cases::id)
        .load(conn)?;
    let reopens: i64 = cases::table
        .filter(cases::id.eq_any(&back_cases))
        .filter(cases::status.ne(CaseStatus::Closed))
        .count()
        .get_result(conn)?;
    if reopens > 0 && open_case(conn, duplicate)?.is_some() {
        return Ok(Unmerged::TwoOpenCases);
    }
    let back_signals: Vec<String> = signals::table
        .filter(signals::child_id.eq(keep))
        .filter(
            signals::case_id.eq_any(&back_cases).or(signals::case_id
                .is_null()
                .and(signals::id.eq_any(moved!(&merge.id, MovedRecord::Signal)))
                .nullable()),
        )
        .select(signals::id)
        .load(conn)?;
    diesel::update(
        timeline_events::table
            .filter(timeline_events::child_id.eq(keep))
            .filter(
                timeline_events::case_id
                    .eq_any(&back_cases)
                    .or(timeline_events::case_id
                        .is_null()
                        .and(
                            timeline_events::id
                                .eq_any(moved!(&merge.id, MovedRecord::TimelineEvent))
                                .nullable()
                                .or(timeline_events::ref_id.eq_any(&back_signals)),
                        )
                        .nullable()),
            ),
    )
    .set(timeline_events::child_id.eq(duplicate))
    .execute(conn)?;
    diesel::update(signals::table.filter(signals::id.eq_any(&back_signals)))
        .set(signals::child_id.eq(duplicate))
        .execute(conn)?;
    diesel::update(
        interviews::table
            .filter(interviews::child_id.eq(keep))
            .filter(interviews::case_id.eq_any(&back_cases)),
    )
    .set(interviews::child_id.eq(duplicate))
    .execute(conn)?;
    diesel::update(cases::table.filter(cases::id.eq_any(&back_cases)))
        .set(cases::child_id.eq(duplicate))
        .execute(conn)?;

    if let Some(iin) = &merge.moved_iin {
        let returned = diesel::update(children::table.find(keep).filter(children::iin.eq(iin)))
            .set(children::iin.eq(None::<String>))
            .execute(conn)?;
        if returned == 1 {
            diesel::update(
                children::table
                    .find(duplicate)
                    .filter(children::iin.is_null()),
            )
            .set(children::iin.eq(iin))
            .execute(conn)?;
        }
    }
    if let Some(flagged) = merge.flagged_at
        && flagged_at(conn, keep, duplicate)?.is_none()
    {
        diesel::insert_into(possible_duplicates::table)
            .values((
                possible_duplicates::child_id.eq(duplicate),
                possible_duplicates::other_id.eq(keep),
                possible_duplicates::detected_at.eq(flagged),
            ))
            .execute(conn)?;
    }
    Ok(Unmerged::Done)
}
