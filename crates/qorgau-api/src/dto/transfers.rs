//! Bodies of the transfer routes.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_domain::case::TransferStatus;
use qorgau_persistence::transfers::TransferRow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct TransferView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub from_region: String,
    pub from_district: String,
    pub to_region: String,
    pub to_district: String,
    pub reason: String,
    /// `pending`, `accepted` or `declined`.
    #[schema(value_type = TransferStatus)]
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
}

impl TryFrom<TransferRow> for TransferView {
    type Error = AppError;

    fn try_from(t: TransferRow) -> Result<Self, AppError> {
        Ok(TransferView {
            id: t.id.0,
            case_id: t.case_id.0,
            from_region: t.from_region,
            from_district: t.from_district,
            to_region: t.to_region,
            to_district: t.to_district,
            reason: t.reason,
            status: t.status.as_str().into(),
            requested_at: t.requested_at.and_utc(),
            decided_at: t.decided_at.map(|d| d.and_utc()),
            decline_reason: t.decline_reason,
        })
    }
}
