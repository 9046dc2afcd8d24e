//! Child-rights training completed by staff (seed indicator 2).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::trainings;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = trainings)]
pub struct TrainingRow {
    pub id: String,
    pub user_id: String,
    pub course: String,
    pub completed_on: NaiveDate,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &TrainingRow) -> Result<(), DbError> {
    diesel::insert_into(trainings::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A user's trainings, most recent first.
pub fn for_user(conn: &mut DbConnection, user_id: &str) -> Result<Vec<TrainingRow>, DbError> {
    Ok(trainings::table
        .filter(trainings::user_id.eq(user_id))
        .order((trainings::completed_on.desc(), trainings::id.desc()))
        .select(TrainingRow::as_select())
        .load(conn)?)
}
