//! Regions (reference data) and districts (added by an administrator).

use actix_web::{HttpResponse, get, post, web};
use qorgau_domain::access::Action;
use qorgau_domain::geography::{DistrictCode, LocalizedName, RegionCode};
use qorgau_domain::validation::Validation;
use qorgau_persistence::geography::{self, DistrictRow, RegionRow};
use qorgau_persistence::{DbError, write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct RegionView {
    /// ISO 3166-2:KZ, e.g. `KZ-71`.
    pub code: String,
    pub name: LocalizedName,
    pub districts: Vec<DistrictView>,
}

#[derive(Serialize, ToSchema)]
pub struct DistrictView {
    pub code: String,
    pub name: LocalizedName,
}

#[derive(Deserialize, ToSchema)]
pub struct NewDistrict {
    /// The region's code, a dash, and 1–8 letters or digits: `KZ-71-01`.
    pub code: String,
    pub name: LocalizedName,
}

impl From<DistrictRow> for DistrictView {
    fn from(d: DistrictRow) -> Self {
        DistrictView {
            code: d.code,
            name: LocalizedName {
                kk: d.name_kk,
                ru: d.name_ru,
                en: d.name_en,
            },
        }
    }
}

fn region_view((r, districts): (RegionRow, Vec<DistrictRow>)) -> RegionView {
    RegionView {
        code: r.code,
        name: LocalizedName {
            kk: r.name_kk,
            ru: r.name_ru,
            en: r.name_en,
        },
        districts: districts.into_iter().map(DistrictView::from).collect(),
    }
}

/// The 20 regions with their districts.
#[utoipa::path(tag = "geography", security(("bearer" = [])), responses(
    (status = 200, body = Vec<RegionView>),
    (status = 401, body = Problem),
))]
#[get("/regions")]
pub async fn list_regions(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<RegionView>>, ApiError> {
    caller.actor.scope(Action::ViewGeography)?;
    let regions = state
        .run(|conn| Ok(geography::regions_with_districts(conn)?))
        .await?;
    Ok(web::Json(regions.into_iter().map(region_view).collect()))
}

/// Adds a district to a region (administrators).
#[utoipa::path(tag = "geography", security(("bearer" = [])), request_body = NewDistrict,
    params(("code" = String, Path, description = "Region code, e.g. KZ-71")),
    responses(
        (status = 201, body = DistrictView),
        (status = 403, body = Problem),
        (status = 404, body = Problem, description = "No such region"),
        (status = 409, body = Problem, description = "The district code exists"),
        (status = 422, body = Problem),
    ))]
#[post("/regions/{code}/districts")]
pub async fn add_district(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: Json<NewDistrict>,
) -> Result<HttpResponse, ApiError> {
    caller.actor.scope(Action::ManageGeography)?;
    let region = RegionCode::parse(&path.into_inner()).map_err(|_| ApiError::NotFound)?;
    let district = validate_district(&region, body.0)?;
    let created = state
        .run(move |conn| {
            write(conn, |conn| {
                if !geography::region_exists(conn, region.as_str())? {
                    return Err(ApiError::NotFound);
                }
                geography::insert_district(conn, &district).map_err(|e| match e {
                    DbError::Duplicate(_) => ApiError::conflict("a district with this code exists"),
                    other => other.into(),
                })?;
                Ok(district)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(DistrictView::from(created)))
}

/// Shared with the CSV import of the command line.
pub fn validate_district(region: &RegionCode, new: NewDistrict) -> Result<DistrictRow, ApiError> {
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
        _ => Err(v.into_errors().into()),
    }
}
