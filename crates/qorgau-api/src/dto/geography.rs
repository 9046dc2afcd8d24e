//! Bodies of regions and districts.

use qorgau_app::geography::NewDistrict as District;
use qorgau_domain::geography::DistrictCode;
use qorgau_domain::geography::LocalizedName;
use qorgau_persistence::geography::{DistrictRow, RegionRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    #[schema(value_type = DistrictCode)]
    pub code: String,
    pub name: LocalizedName,
}

impl From<NewDistrict> for District {
    fn from(d: NewDistrict) -> Self {
        District {
            code: d.code,
            name: d.name,
        }
    }
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

impl From<(RegionRow, Vec<DistrictRow>)> for RegionView {
    fn from((r, districts): (RegionRow, Vec<DistrictRow>)) -> Self {
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
}
