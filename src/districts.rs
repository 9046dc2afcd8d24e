//! `qorgau districts import FILE`: bulk-load districts from CSV (docs/operations.md § Districts).
//! The whole file is one transaction: a bad row imports nothing and names its line.

use std::path::Path;

use anyhow::{Context, anyhow};
use qorgau_api::AppState;
use qorgau_app::geography::{self as districts, NewDistrict};
use qorgau_domain::geography::{LocalizedName, RegionCode};
use qorgau_persistence::{geography, write};
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    region_code: String,
    code: String,
    name_kk: String,
    name_ru: String,
    name_en: String,
}

pub fn import(state: &AppState, file: &Path) -> anyhow::Result<usize> {
    let mut reader = csv::Reader::from_path(file)?;
    let mut rows = Vec::new();
    for (index, record) in reader.deserialize::<Row>().enumerate() {
        // Line 1 is the header.
        let line = index + 2;
        let row = record.with_context(|| format!("line {line}"))?;
        let region = RegionCode::parse(row.region_code.trim())
            .map_err(|e| anyhow!("line {line}: region_code {e}"))?;
        let new = NewDistrict {
            code: row.code,
            name: LocalizedName {
                kk: row.name_kk,
                ru: row.name_ru,
                en: row.name_en,
            },
        };
        let district =
            districts::district(&region, new).map_err(|e| anyhow!("line {line}: {e:?}"))?;
        rows.push((line, district));
    }
    let mut conn = state.db.conn()?;
    write(&mut conn, |conn| {
        for (line, district) in &rows {
            if !geography::region_exists(conn, &district.region_code)? {
                return Err(anyhow!("line {line}: no region {}", district.region_code));
            }
            if geography::find_district(conn, &district.code)?.is_none() {
                geography::insert_district(conn, district)
                    .with_context(|| format!("line {line}"))?;
            }
        }
        Ok(rows.len())
    })
}
