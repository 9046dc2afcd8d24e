//! Child-rights training completed by staff (seed indicator 2).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use qorgau_domain::ids::{TrainingId, UserId};

use crate::error::DbError;
use crate::schema::trainings;
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = trainings)]
pub struct TrainingRow {
    pub id: TrainingId,
    pub user_id: UserId,
    pub course: String,
    pub completed_on: NaiveDate,
    pub recorded_by: UserId,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &TrainingRow) -> Result<(), DbError> {
    diesel::insert_into(trainings::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A page of a user's trainings, most recent first (by completion date, then id, both
/// descending). The cursor is the id of the previous page's last, which must be one of the
/// user's: `None` when it is not.
pub fn for_user(
    conn: &mut DbConnection,
    user_id: UserId,
    page: &Page,
) -> Result<Option<Vec<TrainingRow>>, DbError> {
    let mut query = trainings::table
        .filter(trainings::user_id.eq(user_id))
        .order((trainings::completed_on.desc(), trainings::id.desc()))
        .limit(page.limit)
        .select(TrainingRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        let on: Option<NaiveDate> = trainings::table
            .find(after)
            .filter(trainings::user_id.eq(user_id))
            .select(trainings::completed_on)
            .first(conn)
            .optional()?;
        let Some(on) = on else { return Ok(None) };
        query = query.filter(
            trainings::completed_on.lt(on).or(trainings::completed_on
                .eq(on)
                .and(trainings::id.lt(after.clone()))),
        );
    }
    Ok(Some(query.load(conn)?))
}
