//! Contact and supervision notes on a case (`case_notes`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::case_file::NoteKind;
use qorgau_domain::ids::{CaseId, NoteId, UserId};

use crate::error::DbError;
use crate::schema::case_notes;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_notes)]
pub struct NoteRow {
    pub id: NoteId,
    pub case_id: CaseId,
    pub kind: NoteKind,
    pub text: String,
    pub occurred_at: Option<NaiveDateTime>,
    pub sensitive: bool,
    pub author_id: UserId,
    pub written_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &NoteRow) -> Result<(), DbError> {
    diesel::insert_into(case_notes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A page of the case's notes in the order they were written (by id).
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<NoteRow>, DbError> {
    let mut query = case_notes::table
        .filter(case_notes::case_id.eq(case_id))
        .order(case_notes::id)
        .limit(page.limit)
        .select(NoteRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(case_notes::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}
