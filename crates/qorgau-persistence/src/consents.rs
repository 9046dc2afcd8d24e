//! Consent of the legal representative, per case.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::{CaseId, ConsentId, RelationId, UserId};

use crate::error::DbError;
use crate::schema::consents;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = consents)]
pub struct ConsentRow {
    pub id: ConsentId,
    pub case_id: CaseId,
    pub given_by_relation_id: Option<RelationId>,
    pub given_by_name: String,
    pub relation: String,
    pub services: bool,
    /// Organisation kinds, comma-separated.
    pub share_with: String,
    pub given_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub recorded_by: UserId,
    pub recorded_at: NaiveDateTime,
    /// Consent to images of the child (photos) being kept on the case file.
    pub images: bool,
}

pub fn insert(conn: &mut DbConnection, row: &ConsentRow) -> Result<(), DbError> {
    diesel::insert_into(consents::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A page of the case's consents, withdrawn ones included, oldest first (by id).
pub fn page_for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<ConsentRow>, DbError> {
    let of_case = consents::table
        .filter(consents::case_id.eq(case_id))
        .select(ConsentRow::as_select());
    Ok(keyset!(of_case, consents::id, page).load(conn)?)
}

/// Every consent of the case, oldest first: what the sharing rule reads.
pub fn for_case(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<ConsentRow>, DbError> {
    Ok(consents::table
        .filter(consents::case_id.eq(case_id))
        .order(consents::id)
        .select(ConsentRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: ConsentId) -> Result<Option<ConsentRow>, DbError> {
    Ok(consents::table
        .find(id)
        .select(ConsentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks the consent withdrawn; `false` when it already was.
pub fn withdraw(
    conn: &mut DbConnection,
    id: ConsentId,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        consents::table
            .find(id)
            .filter(consents::withdrawn_at.is_null()),
    )
    .set(consents::withdrawn_at.eq(at))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The case's latest consent to images active at `at` (given by then, not withdrawn): what a
/// child's photo is kept under.
pub fn active_image_consent(
    conn: &mut DbConnection,
    case_id: CaseId,
    at: NaiveDateTime,
) -> Result<Option<ConsentId>, DbError> {
    Ok(consents::table
        .filter(consents::case_id.eq(case_id))
        .filter(consents::images.eq(true))
        .filter(consents::given_at.le(at))
        .filter(
            consents::withdrawn_at
                .is_null()
                .or(consents::withdrawn_at.gt(at)),
        )
        .order(consents::given_at.desc())
        .select(consents::id)
        .first(conn)
        .optional()?)
}
