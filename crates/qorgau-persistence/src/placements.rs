//! Placements of the child: shelters, centres, guardianship, foster and receiving families.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use qorgau_domain::ids::{CaseId, OrganisationId, PlacementId, UserId};
use qorgau_domain::interagency::PlacementType;

use crate::error::DbError;
use crate::schema::placements;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = placements)]
pub struct PlacementRow {
    pub id: PlacementId,
    pub case_id: CaseId,
    pub kind: PlacementType,
    pub organisation_id: Option<OrganisationId>,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    /// Counts the placement's changes: its `ETag` (migration 000020).
    pub version: i32,
}

pub fn insert(conn: &mut DbConnection, row: &PlacementRow) -> Result<(), DbError> {
    diesel::insert_into(placements::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: PlacementId) -> Result<Option<PlacementRow>, DbError> {
    Ok(placements::table
        .find(id)
        .select(PlacementRow::as_select())
        .first(conn)
        .optional()?)
}

/// A page of the case's placements, oldest first (by id).
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<PlacementRow>, DbError> {
    let of_case = placements::table
        .filter(placements::case_id.eq(case_id))
        .select(PlacementRow::as_select());
    Ok(keyset!(of_case, placements::id, page).load(conn)?)
}

/// Ends an open placement still at `version`; `false` if it had ended or changed meanwhile.
pub fn end(
    conn: &mut DbConnection,
    id: PlacementId,
    version: i32,
    ended_on: NaiveDate,
    reason: &str,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        placements::table
            .find(id)
            .filter(placements::version.eq(version))
            .filter(placements::ended_on.is_null()),
    )
    .set((
        placements::ended_on.eq(ended_on),
        placements::end_reason.eq(reason),
        placements::version.eq(version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
