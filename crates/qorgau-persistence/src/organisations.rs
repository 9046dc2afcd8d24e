//! Organisations: departments, centres, schools, mobile groups and the other partners.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::OrganisationId;
use qorgau_domain::organisation::OrganisationKind;

use crate::error::DbError;
use crate::schema::organisations;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub region_code: String,
    pub district_code: Option<String>,
    pub email: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Default)]
pub struct OrganisationFilter {
    pub kind: Option<String>,
    pub region_code: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &OrganisationRow) -> Result<(), DbError> {
    diesel::insert_into(organisations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(
    conn: &mut DbConnection,
    id: OrganisationId,
) -> Result<Option<OrganisationRow>, DbError> {
    Ok(organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(
    conn: &mut DbConnection,
    filter: &OrganisationFilter,
    page: &Page,
) -> Result<Vec<OrganisationRow>, DbError> {
    let mut query = organisations::table
        .select(OrganisationRow::as_select())
        .order(organisations::id)
        .limit(page.limit)
        .into_boxed();
    if let Some(kind) = &filter.kind {
        query = query.filter(organisations::kind.eq(kind));
    }
    if let Some(region) = &filter.region_code {
        query = query.filter(organisations::region_code.eq(region));
    }
    if let Some(after) = &page.after {
        query = query.filter(organisations::id.gt(after));
    }
    Ok(query.load(conn)?)
}
