//! Organisations (api.md § Geography, organisations, users): the directory that referrals and
//! plans are addressed to.

use qorgau_domain::access::Action;
use qorgau_domain::geography::{DistrictCode, RegionCode};
use qorgau_domain::ids::OrganisationId;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::validation::{Validation, bounded_text, email};
use qorgau_persistence::organisations::{self, OrganisationFilter, OrganisationRow};
use qorgau_persistence::{DbConnection, Page, geography, write};

use crate::caller::Caller;
use crate::error::AppError;

/// An organisation to register, as given.
pub struct NewOrganisation {
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub district_code: Option<String>,
    pub email: Option<String>,
}

/// Registers an organisation (administrators) in an existing region and district.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    new: NewOrganisation,
) -> Result<OrganisationRow, AppError> {
    caller.actor.scope(Action::CreateOrganisation)?;
    let row = validate(new, caller)?;
    write(conn, |conn| {
        check_place(conn, &row)?;
        organisations::insert(conn, &row)?;
        Ok(row)
    })
}

fn validate(new: NewOrganisation, caller: &Caller) -> Result<OrganisationRow, AppError> {
    let mut v = Validation::new();
    let name = v.check("name", bounded_text(&new.name, 300));
    let kind = v.check(
        "kind",
        OrganisationKind::from_code(&new.kind).ok_or("is not a known organisation kind"),
    );
    let region = v.check("region_code", RegionCode::parse(&new.region_code));
    let district = match (
        &region,
        new.district_code.as_deref().filter(|d| !d.is_empty()),
    ) {
        (Some(region), Some(d)) => v
            .check("district_code", DistrictCode::parse(region, d))
            .map(Some),
        (_, None) => Some(None),
        (None, Some(_)) => None,
    };
    if let (Some(kind), Some(None)) = (kind, &district)
        && kind.requires_district()
    {
        v.add("district_code", "is required for this kind of organisation");
    }
    let email = match new.email.as_deref().filter(|e| !e.trim().is_empty()) {
        Some(e) => v.check("email", email(e)).map(Some),
        None => Some(None),
    };
    match (name, kind, region, district, email) {
        (Some(name), Some(kind), Some(region), Some(district), Some(email)) if v.is_empty() => {
            Ok(OrganisationRow {
                id: OrganisationId::new(),
                name,
                kind,
                region_code: region.as_str().into(),
                district_code: district.map(|d| d.as_str().to_string()),
                email,
                created_at: caller.at.naive_utc(),
            })
        }
        _ => Err(v.into_errors().into()),
    }
}

/// The region and district must exist (the district's region is implied by its code).
fn check_place(conn: &mut DbConnection, row: &OrganisationRow) -> Result<(), AppError> {
    if !geography::region_exists(conn, &row.region_code)? {
        return Err(AppError::invalid("region_code", "no such region"));
    }
    if let Some(d) = &row.district_code
        && geography::find_district(conn, d)?.is_none()
    {
        return Err(AppError::invalid(
            "district_code",
            "no such district in this region",
        ));
    }
    Ok(())
}

/// Organisations matching `filter`: every signed-in user may list them. A page of rows (one
/// more than shown).
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &OrganisationFilter,
    page: &Page,
) -> Result<Vec<OrganisationRow>, AppError> {
    caller.actor.scope(Action::ViewOrganisations)?;
    Ok(organisations::list(conn, filter, page)?)
}

/// One organisation.
pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    id: OrganisationId,
) -> Result<OrganisationRow, AppError> {
    caller.actor.scope(Action::ViewOrganisations)?;
    organisations::find(conn, id)?.ok_or(AppError::NotFound)
}
