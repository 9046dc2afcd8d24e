//! The child registry: one record per child across signals and cases, probable duplicates
//! flagged for a person, and merges kept in history.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use qorgau_domain::access::Scope;

use crate::error::DbError;
use crate::schema::{cases, child_merges, children, possible_duplicates, signals, timeline_events};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = children)]
pub struct ChildRow {
    pub id: String,
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
    pub merged_into: Option<String>,
    pub created_at: NaiveDateTime,
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

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<ChildRow>, DbError> {
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

/// Unmerged children born on `date`: the candidates for a spelling-tolerant match.
pub fn born_on(conn: &mut DbConnection, date: NaiveDate) -> Result<Vec<ChildRow>, DbError> {
    Ok(children::table
        .filter(children::birth_date.eq(date))
        .filter(children::merged_into.is_null())
        .select(ChildRow::as_select())
        .load(conn)?)
}

/// The child's open case and its assignee, if any.
pub fn open_case(
    conn: &mut DbConnection,
    child_id: &str,
) -> Result<Option<(String, Option<String>)>, DbError> {
    Ok(cases::table
        .filter(cases::child_id.eq(child_id))
        .filter(cases::status.ne("closed"))
        .select((cases::id, cases::assignee_id))
        .first(conn)
        .optional()?)
}

/// The open case of each of `child_ids` that has one, by child: one query for a whole page of
/// children, not one per row.
pub fn open_cases(
    conn: &mut DbConnection,
    child_ids: &[String],
) -> Result<HashMap<String, String>, DbError> {
    if child_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(cases::table
        .filter(cases::child_id.eq_any(child_ids))
        .filter(cases::status.ne("closed"))
        .select((cases::child_id, cases::id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
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
    query = match scope {
        Scope::All => query,
        Scope::Region(r) => query.filter(children::region_code.eq(r.clone())),
        Scope::District(d) => query.filter(children::district_code.eq(d.clone())),
        Scope::Own(u) => query.filter(
            children::id.eq_any(
                cases::table
                    .filter(cases::assignee_id.eq(u.to_string()))
                    .select(cases::child_id),
            ),
        ),
        // No rule grants children by organisation.
        Scope::Organisation(_) => query.filter(children::id.eq_any(Vec::<String>::new())),
    };
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
        query = query.filter(children::birth_date.eq(date));
    }
    if let Some(after) = &page.after {
        query = query.filter(children::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

pub fn flag_duplicates(
    conn: &mut DbConnection,
    child_id: &str,
    others: &[String],
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

/// Unmerged children flagged as probably the same as `child_id`, in either direction.
pub fn possible_duplicates(
    conn: &mut DbConnection,
    child_id: &str,
) -> Result<Vec<ChildRow>, DbError> {
    let forward = possible_duplicates::table
        .filter(possible_duplicates::child_id.eq(child_id))
        .select(possible_duplicates::other_id);
    let backward = possible_duplicates::table
        .filter(possible_duplicates::other_id.eq(child_id))
        .select(possible_duplicates::child_id);
    Ok(children::table
        .filter(
            children::id
                .eq_any(forward)
                .or(children::id.eq_any(backward)),
        )
        .filter(children::merged_into.is_null())
        .select(ChildRow::as_select())
        .order(children::id)
        .load(conn)?)
}

/// Moves the duplicate's signals, cases and timeline to `keep`, marks it merged, clears the
/// flag between them and records the merge. Run inside a write transaction. A duplicate with an
/// IIN gives it to a kept record that has none.
pub fn merge(
    conn: &mut DbConnection,
    keep: &ChildRow,
    duplicate: &ChildRow,
    merge_id: &str,
    reason: &str,
    merged_by: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    if keep.iin.is_none() && duplicate.iin.is_some() {
        diesel::update(children::table.find(&duplicate.id))
            .set(children::iin.eq(None::<String>))
            .execute(conn)?;
        diesel::update(children::table.find(&keep.id))
            .set(children::iin.eq(&duplicate.iin))
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
    diesel::insert_into(child_merges::table)
        .values((
            child_merges::id.eq(merge_id),
            child_merges::child_id.eq(&keep.id),
            child_merges::duplicate_id.eq(&duplicate.id),
            child_merges::reason.eq(reason),
            child_merges::merged_by.eq(merged_by),
            child_merges::merged_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
