//! Bodies of the placement routes.

use chrono::NaiveDate;
use qorgau_app::AppError;
use qorgau_app::placements::Placement;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::etag::Versioned;
use qorgau_domain::interagency::PlacementEndReason;
use qorgau_domain::interagency::PlacementType;

#[derive(Serialize, ToSchema)]
pub struct PlacementView {
    pub id: Uuid,
    pub case_id: Uuid,
    #[serde(rename = "type")]
    #[schema(value_type = PlacementType)]
    pub kind: String,
    pub organisation_id: Option<Uuid>,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    #[schema(value_type = Option<PlacementEndReason>)]
    pub end_reason: Option<String>,
    /// A juvenile adaptation centre placement longer than 3 months (seed l. 718).
    pub exceeds_limit: bool,
    /// Counts the placement's changes; also its `ETag`, which `PATCH /placements/{id}` sends
    /// back in `If-Match`.
    pub version: i32,
}

impl TryFrom<Placement> for PlacementView {
    type Error = AppError;

    fn try_from(
        Placement {
            row: p,
            exceeds_limit,
        }: Placement,
    ) -> Result<Self, AppError> {
        Ok(PlacementView {
            id: p.id.0,
            case_id: p.case_id.0,
            organisation_id: p.organisation_id.map(|o| o.0),
            kind: p.kind.as_str().into(),
            started_on: p.started_on,
            ended_on: p.ended_on,
            end_reason: p.end_reason,
            exceeds_limit,
            version: p.version,
        })
    }
}

impl Versioned for PlacementView {
    fn version(&self) -> i64 {
        self.version.into()
    }
}
