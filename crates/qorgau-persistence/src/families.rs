//! Families (`families`, `family_members`): households linking siblings and the adults around
//! them. A child is an active member of one family at a time (a partial unique index); removed
//! members stay on record.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::family::FamilyRelation;
use qorgau_domain::ids::{CaseId, ChildId, FamilyId, FamilyMemberId, RelationId, UserId};
use qorgau_domain::report::rounding::Tally;
use qorgau_domain::report::{Area, Period};
use qorgau_domain::retention::ERASED;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::{cases, children, families, family_members};

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = families)]
pub struct FamilyRow {
    pub id: FamilyId,
    pub region_code: String,
    pub district_code: String,
    pub label: String,
    pub address: Option<String>,
    pub version: i32,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = family_members)]
pub struct MemberRow {
    pub id: FamilyMemberId,
    pub family_id: FamilyId,
    pub child_id: Option<ChildId>,
    pub relation_id: Option<RelationId>,
    pub full_name: Option<String>,
    pub relation: FamilyRelation,
    pub added_by: UserId,
    pub added_at: NaiveDateTime,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_by: Option<UserId>,
    pub removal_reason: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &FamilyRow) -> Result<(), DbError> {
    diesel::insert_into(families::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Adds a member; a child already an active member of a family is `DbError::Duplicate`.
pub fn insert_member(conn: &mut DbConnection, row: &MemberRow) -> Result<(), DbError> {
    diesel::insert_into(family_members::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: FamilyId) -> Result<Option<FamilyRow>, DbError> {
    Ok(families::table
        .find(id)
        .select(FamilyRow::as_select())
        .first(conn)
        .optional()?)
}

/// The family's current members (not removed), in the order they were added.
pub fn members(conn: &mut DbConnection, family: FamilyId) -> Result<Vec<MemberRow>, DbError> {
    Ok(family_members::table
        .filter(family_members::family_id.eq(family))
        .filter(family_members::removed_at.is_null())
        .order(family_members::id)
        .select(MemberRow::as_select())
        .load(conn)?)
}

pub fn find_member(
    conn: &mut DbConnection,
    family: FamilyId,
    id: FamilyMemberId,
) -> Result<Option<MemberRow>, DbError> {
    Ok(family_members::table
        .find(id)
        .filter(family_members::family_id.eq(family))
        .select(MemberRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks the member removed, if it still is a member (of two concurrent removals one wins).
pub fn remove_member(
    conn: &mut DbConnection,
    id: FamilyMemberId,
    at: NaiveDateTime,
    by: UserId,
    reason: &str,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        family_members::table
            .find(id)
            .filter(family_members::removed_at.is_null()),
    )
    .set((
        family_members::removed_at.eq(at),
        family_members::removed_by.eq(by),
        family_members::removal_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Moves the family to its next version if it is still at `current` (optimistic lock), with
/// the label and address given; `false` when someone changed it first.
pub fn update_if_version(
    conn: &mut DbConnection,
    id: FamilyId,
    current: i32,
    label: &str,
    address: Option<&str>,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        families::table
            .find(id)
            .filter(families::version.eq(current)),
    )
    .set((
        families::label.eq(label),
        families::address.eq(address),
        families::version.eq(current + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A new version of the family after a member was added or removed.
pub fn bump_version(conn: &mut DbConnection, id: FamilyId) -> Result<(), DbError> {
    diesel::update(families::table.find(id))
        .set(families::version.eq(families::version + 1))
        .execute(conn)?;
    Ok(())
}

/// The family the child is an active member of, if any.
pub fn of_child(conn: &mut DbConnection, child: ChildId) -> Result<Option<FamilyId>, DbError> {
    Ok(family_members::table
        .filter(family_members::child_id.eq(child))
        .filter(family_members::removed_at.is_null())
        .select(family_members::family_id)
        .first(conn)
        .optional()?)
}

/// The assignees of the open cases of the family's current child members: the case managers
/// who reach the family as their own.
pub fn case_managers(conn: &mut DbConnection, family: FamilyId) -> Result<Vec<String>, DbError> {
    let members = family_members::table
        .filter(family_members::family_id.eq(family))
        .filter(family_members::removed_at.is_null())
        .filter(family_members::child_id.is_not_null())
        .select(family_members::child_id.assume_not_null());
    let assignees: Vec<Option<String>> = cases::table
        .filter(cases::child_id.eq_any(members))
        .filter(cases::status.ne(CaseStatus::Closed))
        .select(cases::assignee_id)
        .load(conn)?;
    Ok(assignees.into_iter().flatten().collect())
}

/// The open case of each of `children` that has one, with its place and assignee:
/// `(child, case, number, status, region, district, assignee)`.
pub type OpenCase = (
    ChildId,
    CaseId,
    String,
    CaseStatus,
    String,
    String,
    Option<String>,
);

pub fn open_cases(conn: &mut DbConnection, children: &[ChildId]) -> Result<Vec<OpenCase>, DbError> {
    if children.is_empty() {
        return Ok(Vec::new());
    }
    Ok(cases::table
        .filter(cases::child_id.eq_any(children))
        .filter(cases::status.ne(CaseStatus::Closed))
        .select((
            cases::child_id,
            cases::id,
            cases::number,
            cases::status,
            cases::region_code,
            cases::district_code,
            cases::assignee_id,
        ))
        .load(conn)?)
}

/// **Families in accompaniment** (docs/reporting.md, `accompaniment.households`): families of
/// the area (by the family's own region and district) with a child who was a member at some time
/// in the period and whose case was open at some time in it (opened before its end, not closed
/// before its start). Kept apart from the other indicators' queries on purpose: one query, one
/// function.
pub fn in_accompaniment(
    conn: &mut DbConnection,
    area: &Area,
    period: &Period,
) -> Result<Tally, DbError> {
    let (start, end) = (period.start(), period.end());
    let open_in_period = cases::table
        .filter(cases::opened_at.lt(end))
        .filter(cases::closed_at.is_null().or(cases::closed_at.ge(start)))
        .select(cases::child_id.nullable());
    let accompanied = family_members::table
        .filter(family_members::child_id.eq_any(open_in_period))
        .filter(family_members::added_at.lt(end))
        .filter(
            family_members::removed_at
                .is_null()
                .or(family_members::removed_at.ge(start)),
        )
        .select(family_members::family_id);
    let mut query = families::table
        .filter(families::id.eq_any(accompanied))
        .select(families::id)
        .into_boxed();
    if let Some(region) = &area.region {
        query = query.filter(families::region_code.eq(region.clone()));
    }
    if let Some(district) = &area.district {
        query = query.filter(families::district_code.eq(district.clone()));
    }
    let ids: Vec<String> = query.load(conn)?;
    Ok(Tally::of(ids.iter().map(String::as_str)))
}

/// Retention (docs/security.md § Retention), for the child records `records` just anonymised:
/// the reasons their memberships were ended are erased; and in every family they belong or
/// belonged to whose child members are now all anonymised, the label, the address and the
/// adults' names and removal reasons. Memberships themselves (ids, relation codes, dates) stay:
/// the family KPI counts them. Returns how many families were erased.
pub fn erase_for(conn: &mut DbConnection, records: &[ChildId]) -> Result<usize, DbError> {
    let of_records = family_members::child_id.eq_any(records);
    diesel::update(
        family_members::table
            .filter(of_records)
            .filter(family_members::removal_reason.is_not_null()),
    )
    .set(family_members::removal_reason.eq(ERASED))
    .execute(conn)?;
    let touched: Vec<FamilyId> = family_members::table
        .filter(family_members::child_id.eq_any(records))
        .select(family_members::family_id)
        .distinct()
        .load(conn)?;
    let mut erased = 0;
    for family in touched {
        let identified: i64 = family_members::table
            .inner_join(children::table.on(family_members::child_id.eq(children::id.nullable())))
            .filter(family_members::family_id.eq(family))
            .filter(children::anonymised_at.is_null())
            .count()
            .get_result(conn)?;
        if identified > 0 {
            continue;
        }
        diesel::update(families::table.find(family))
            .set((
                families::label.eq(ERASED),
                families::address.eq(None::<String>),
            ))
            .execute(conn)?;
        let of_family = family_members::family_id.eq(family);
        diesel::update(
            family_members::table
                .filter(of_family.clone())
                .filter(family_members::full_name.is_not_null()),
        )
        .set(family_members::full_name.eq(ERASED))
        .execute(conn)?;
        diesel::update(
            family_members::table
                .filter(of_family)
                .filter(family_members::removal_reason.is_not_null()),
        )
        .set(family_members::removal_reason.eq(ERASED))
        .execute(conn)?;
        erased += 1;
    }
    Ok(erased)
}
