//! The area a report or a supervision list asks for, within the caller's scope.

use qorgau_domain::access::{Action, Actor};
use qorgau_domain::report::{Area, AreaError};
use qorgau_persistence::{DbConnection, geography};

use crate::error::AppError;

/// The area asked for, within the caller's scope for `action`: denied for a role that may
/// never look, not found for a place outside the scope or unknown, invalid for a district of
/// another region.
pub fn resolve_area(
    conn: &mut DbConnection,
    actor: &Actor,
    action: Action,
    region: Option<&str>,
    district: Option<&str>,
) -> Result<Area, AppError> {
    let scope = actor.scope(action)?;
    let district = match district {
        Some(code) => Some(geography::find_district(conn, code)?.ok_or(AppError::NotFound)?),
        None => None,
    };
    if let Some(code) = region {
        if !geography::region_exists(conn, code)? {
            return Err(AppError::NotFound);
        }
    }
    Area::resolve(
        &scope,
        region,
        district
            .as_ref()
            .map(|d| (d.code.as_str(), d.region_code.as_str())),
    )
    .map_err(|e| match e {
        AreaError::NotFound => AppError::NotFound,
        AreaError::DistrictOutsideRegion => {
            AppError::invalid("district_code", "is not a district of region_code")
        }
    })
}
