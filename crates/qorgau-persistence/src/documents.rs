//! Documents and photos on a case (`documents`): what each file is, its hash and where its
//! bytes are stored. The bytes themselves are the document store's (`qorgau_api::documents`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::document::{DocumentKind, MediaType};
use qorgau_domain::ids::{CaseId, ConsentId, DocumentId, UserId};

use crate::error::DbError;
use crate::schema::documents;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub id: DocumentId,
    pub case_id: CaseId,
    pub kind: DocumentKind,
    pub file_name: String,
    pub description: Option<String>,
    pub media_type: MediaType,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    pub storage_key: String,
    pub consent_id: Option<ConsentId>,
    pub uploaded_by: UserId,
    pub uploaded_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub deleted_by: Option<UserId>,
    pub delete_reason: Option<String>,
    pub erased_at: Option<NaiveDateTime>,
    pub purged_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &DocumentRow) -> Result<(), DbError> {
    diesel::insert_into(documents::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: DocumentId) -> Result<Option<DocumentRow>, DbError> {
    Ok(documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()?)
}

/// A page of the case's documents not deleted, in the order they were uploaded (by id).
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<DocumentRow>, DbError> {
    let mut query = documents::table
        .filter(documents::case_id.eq(case_id))
        .filter(documents::deleted_at.is_null())
        .order(documents::id)
        .limit(page.limit)
        .select(DocumentRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(documents::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

/// Marks the document deleted; `false` when it already was.
pub fn soft_delete(
    conn: &mut DbConnection,
    id: DocumentId,
    by: UserId,
    reason: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        documents::table
            .find(id)
            .filter(documents::deleted_at.is_null()),
    )
    .set((
        documents::deleted_at.eq(at),
        documents::deleted_by.eq(by),
        documents::delete_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Documents whose bytes retention must still delete from the store: `(id, storage_key)`.
pub fn to_purge(conn: &mut DbConnection) -> Result<Vec<(DocumentId, String)>, DbError> {
    Ok(documents::table
        .filter(documents::erased_at.is_not_null())
        .filter(documents::purged_at.is_null())
        .order(documents::id)
        .select((documents::id, documents::storage_key))
        .load(conn)?)
}

/// Records that the document's bytes were deleted from the store.
pub fn mark_purged(
    conn: &mut DbConnection,
    id: DocumentId,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(documents::table.find(id))
        .set(documents::purged_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Every document's storage key, deleted and erased ones included: what the store may hold.
pub fn storage_keys(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    Ok(documents::table.select(documents::storage_key).load(conn)?)
}
