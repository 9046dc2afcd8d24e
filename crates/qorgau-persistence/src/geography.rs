//! Regions (reference data) and districts.

use diesel::prelude::*;

use crate::error::DbError;
use crate::schema::{districts, regions};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub code: String,
    pub name_kk: String,
    pub name_ru: String,
    pub name_en: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = districts)]
pub struct DistrictRow {
    pub code: String,
    pub region_code: String,
    pub name_kk: String,
    pub name_ru: String,
    pub name_en: String,
}

/// A page of the regions in code order (the cursor is a region code), each with its districts.
/// Two queries, not one per region.
pub fn regions_with_districts(
    conn: &mut DbConnection,
    page: &Page,
) -> Result<Vec<(RegionRow, Vec<DistrictRow>)>, DbError> {
    let regions: Vec<RegionRow> = keyset!(
        regions::table.select(RegionRow::as_select()),
        regions::code,
        page
    )
    .load(conn)?;
    let codes: Vec<&str> = regions.iter().map(|r| r.code.as_str()).collect();
    let mut districts = districts::table
        .filter(districts::region_code.eq_any(codes))
        .order(districts::code)
        .select(DistrictRow::as_select())
        .load(conn)?
        .into_iter()
        .peekable();
    Ok(regions
        .into_iter()
        .map(|region| {
            let mut own = Vec::new();
            while let Some(d) = districts.next_if(|d| d.region_code == region.code) {
                own.push(d);
            }
            (region, own)
        })
        .collect())
}

pub fn region_exists(conn: &mut DbConnection, code: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(regions::table.find(code))).get_result(conn)?)
}

pub fn find_district(conn: &mut DbConnection, code: &str) -> Result<Option<DistrictRow>, DbError> {
    Ok(districts::table
        .find(code)
        .select(DistrictRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_district(conn: &mut DbConnection, district: &DistrictRow) -> Result<(), DbError> {
    diesel::insert_into(districts::table)
        .values(district)
        .execute(conn)?;
    Ok(())
}
