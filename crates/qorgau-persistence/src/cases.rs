//! Cases: opening (by triage), numbering, lookups.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::{case_concerns, cases};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: String,
    pub number: String,
    pub child_id: String,
    pub status: String,
    pub risk_level: String,
    pub region_code: String,
    pub district_code: String,
    pub assignee_id: Option<String>,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub closure_reason: Option<String>,
    pub version: i32,
}

#[derive(QueryableByName)]
struct Counter {
    #[diesel(sql_type = Integer)]
    last_value: i32,
}

/// The next sequence number of `region` in `year`. One atomic upsert, so concurrent openings
/// in a region never share a number.
pub fn next_number(conn: &mut DbConnection, region: &str, year: i32) -> Result<i32, DbError> {
    // The same statement on both backends, but each has its own placeholder syntax.
    const UPSERT: &str = "INSERT INTO case_number_counters (region_code, year, last_value) VALUES ({r}, {y}, 1)
        ON CONFLICT (region_code, year) DO UPDATE SET last_value = case_number_counters.last_value + 1
        RETURNING last_value";
    let counter: Counter = match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(UPSERT.replace("{r}", "$1").replace("{y}", "$2"))
                .bind::<Text, _>(region)
                .bind::<Integer, _>(year)
                .get_result(pg)?
        }
        DbConnection::Sqlite(sqlite) => {
            diesel::sql_query(UPSERT.replace("{r}", "?").replace("{y}", "?"))
                .bind::<Text, _>(region)
                .bind::<Integer, _>(year)
                .get_result(sqlite)?
        }
    };
    Ok(counter.last_value)
}

pub fn insert(conn: &mut DbConnection, row: &CaseRow, concerns: &[&str]) -> Result<(), DbError> {
    diesel::insert_into(cases::table)
        .values(row)
        .execute(conn)?;
    add_concerns(conn, &row.id, concerns)
}

/// Adds concerns the case does not have yet.
pub fn add_concerns(
    conn: &mut DbConnection,
    case_id: &str,
    concerns: &[&str],
) -> Result<(), DbError> {
    let existing: Vec<String> = case_concerns::table
        .filter(case_concerns::case_id.eq(case_id))
        .select(case_concerns::concern)
        .load(conn)?;
    for concern in concerns
        .iter()
        .filter(|c| !existing.iter().any(|e| e == *c))
    {
        diesel::insert_into(case_concerns::table)
            .values((
                case_concerns::case_id.eq(case_id),
                case_concerns::concern.eq(*concern),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<CaseRow>, DbError> {
    Ok(cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}
