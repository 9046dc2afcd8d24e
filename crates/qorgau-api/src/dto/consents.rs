//! Bodies of the consent routes.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_persistence::consents::ConsentRow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct ConsentView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub given_by_relation_id: Option<Uuid>,
    pub given_by_name: String,
    pub relation: String,
    pub services: bool,
    /// Organisation kinds the consent covers sharing the child's data with.
    pub share_with: Vec<String>,
    pub given_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Consent to images of the child (photos) being kept on the case file.
    pub images: bool,
}

impl TryFrom<ConsentRow> for ConsentView {
    type Error = AppError;

    fn try_from(c: ConsentRow) -> Result<Self, AppError> {
        Ok(ConsentView {
            id: c.id.0,
            case_id: c.case_id.0,
            given_by_relation_id: c.given_by_relation_id.map(|r| r.0),
            given_by_name: c.given_by_name,
            relation: c.relation,
            services: c.services,
            share_with: c
                .share_with
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            given_at: c.given_at.and_utc(),
            withdrawn_at: c.withdrawn_at.map(|t| t.and_utc()),
            images: c.images,
        })
    }
}
