//! Bodies of organisations (api.md § Geography, organisations, users).

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_app::organisations::NewOrganisation as Registration;
use qorgau_domain::geography::DistrictCode;
use qorgau_domain::geography::RegionCode;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_persistence::organisations::{OrganisationFilter, OrganisationRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, ToSchema)]
pub struct NewOrganisation {
    pub name: String,
    #[schema(value_type = OrganisationKind)]
    pub kind: String,
    #[schema(value_type = RegionCode)]
    pub region_code: String,
    #[schema(value_type = Option<DistrictCode>)]
    pub district_code: Option<String>,
    pub email: Option<String>,
}

impl From<NewOrganisation> for Registration {
    fn from(o: NewOrganisation) -> Self {
        Registration {
            name: o.name,
            kind: o.kind,
            region_code: o.region_code,
            district_code: o.district_code,
            email: o.email,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = OrganisationKind)]
    pub kind: String,
    pub region_code: String,
    pub district_code: Option<String>,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<OrganisationRow> for OrganisationView {
    type Error = AppError;

    fn try_from(o: OrganisationRow) -> Result<Self, AppError> {
        Ok(OrganisationView {
            id: o.id.0,
            name: o.name,
            kind: o.kind.as_str().into(),
            region_code: o.region_code,
            district_code: o.district_code,
            email: o.email,
            created_at: o.created_at.and_utc(),
        })
    }
}

#[derive(Deserialize, IntoParams)]
pub struct OrganisationQuery {
    #[param(value_type = Option<OrganisationKind>)]
    pub kind: Option<String>,
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
}

impl From<OrganisationQuery> for OrganisationFilter {
    fn from(q: OrganisationQuery) -> Self {
        OrganisationFilter {
            kind: q.kind,
            region_code: q.region_code,
        }
    }
}
