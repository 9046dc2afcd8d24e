//! Bodies of the relation routes.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_persistence::relations::RelationRow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct RelationView {
    pub id: Uuid,
    pub child_id: Uuid,
    pub full_name: String,
    pub relation: String,
    pub is_legal_representative: bool,
    /// Shown prominently: no contact or disclosure to this person follows from the system.
    pub alleged_perpetrator: bool,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<RelationRow> for RelationView {
    type Error = AppError;

    fn try_from(r: RelationRow) -> Result<Self, AppError> {
        Ok(RelationView {
            id: r.id.0,
            child_id: r.child_id.0,
            full_name: r.full_name,
            relation: r.relation,
            is_legal_representative: r.is_legal_representative,
            alleged_perpetrator: r.alleged_perpetrator,
            phone: r.phone,
            created_at: r.created_at.and_utc(),
        })
    }
}
