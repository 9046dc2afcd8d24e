//! A child's family members and legal representatives.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::{ChildId, RelationId, UserId};

use crate::error::DbError;
use crate::schema::relations;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = relations)]
pub struct RelationRow {
    pub id: RelationId,
    pub child_id: ChildId,
    pub full_name: String,
    pub relation: String,
    pub is_legal_representative: bool,
    pub alleged_perpetrator: bool,
    pub phone: Option<String>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &RelationRow) -> Result<(), DbError> {
    diesel::insert_into(relations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A page of the child's relations, in the order they were recorded (by id).
pub fn for_child(
    conn: &mut DbConnection,
    child_id: ChildId,
    page: &Page,
) -> Result<Vec<RelationRow>, DbError> {
    let of_child = relations::table
        .filter(relations::child_id.eq(child_id))
        .select(RelationRow::as_select());
    Ok(keyset!(of_child, relations::id, page).load(conn)?)
}

/// The child's relations recorded as alleged perpetrators, in the order they were recorded.
pub fn alleged_perpetrators(
    conn: &mut DbConnection,
    child_id: ChildId,
) -> Result<Vec<RelationRow>, DbError> {
    Ok(relations::table
        .filter(relations::child_id.eq(child_id))
        .filter(relations::alleged_perpetrator.eq(true))
        .order(relations::id)
        .select(RelationRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: RelationId) -> Result<Option<RelationRow>, DbError> {
    Ok(relations::table
        .find(id)
        .select(RelationRow::as_select())
        .first(conn)
        .optional()?)
}
