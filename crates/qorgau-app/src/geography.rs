//! Regions (reference data) and districts (added by an administrator, one by one or in bulk
//! from the command line).

use qorgau_domain::access::Action;
use qorgau_domain::geography::{DistrictCode, LocalizedName, RegionCode};
use qorgau_domain::validation::{FieldError, Validation};
use qorgau_persistence::geography::{self, DistrictRow, RegionRow};
use qorgau_persistence::{DbConnection, DbError, Page, write};

use crate::caller::Caller;
use crate::error::AppError;

/// A district to add, as given.
pub struct NewDistrict {
    /// The region's code, a dash, and 1–8 letters or digits: `KZ-71-01`.
    pub code: String,
    pub name: LocalizedName,
}

/// A page of the regions, in code order, with their districts.
pub fn regions(
    conn: &mut DbConnection,
    caller: &Caller,
    page: &Page,
) -> Result<Vec<(RegionRow, Vec<DistrictRow>)>, AppError> {
    caller.actor.scope(Action::ViewGeography)?;
    Ok(geography::regions_with_districts(conn, page)?)
}

/// Adds a district to the region `region` (administrators): not found for an unknown region,
/// a conflict for a code that exists.
pub fn add_district(
    conn: &mut DbConnection,
    caller: &Caller,
    region: &str,
    new: NewDistrict,
) -> Result<DistrictRow, AppError> {
    caller.actor.scope(Action::ManageGeography)?;
    let region = RegionCode::parse(region).map_err(|_| AppError::NotFound)?;
    let district = district(&region, new)?;
    write(conn, |conn| {
        if !geography::region_exists(conn, region.as_str())? {
            return Err(AppError::NotFound);
        }
        geography::insert_district(conn, &district).map_err(|e| match e {
            DbError::Duplicate(_) => AppError::conflict("a district with this code exists"),
            other => other.into(),
        })?;
        Ok(district)
    })
}

/// A valid district of `region`; also what `qorgau districts import` checks each line with.
pub fn district(region: &RegionCode, new: NewDistrict) -> Result<DistrictRow, Vec<FieldError>> {
    let mut v = Validation::new();
    let code = v.check("code", DistrictCode::parse(region, new.code.trim()));
    let name = new.name.validate("name", &mut v);
    match (code, name) {
        (Some(code), Some(name)) if v.is_empty() => Ok(DistrictRow {
            code: code.as_str().into(),
            region_code: region.as_str().into(),
            name_kk: name.kk,
            name_ru: name.ru,
            name_en: name.en,
        }),
        _ => Err(v.into_errors()),
    }
}
