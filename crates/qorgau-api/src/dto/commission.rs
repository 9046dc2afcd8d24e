//! Bodies of the commission routes.

use chrono::{DateTime, NaiveDate, Utc};
use qorgau_app::AppError;
use qorgau_app::commission::{Matter, Measure};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::views;
use qorgau_domain::interagency::MeasureStatus;

#[derive(Serialize, ToSchema)]
pub struct CommissionMatterView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub commission_organisation_id: Uuid,
    pub grounds: String,
    pub hearing_date: Option<NaiveDate>,
    pub decision: Option<String>,
    pub created_at: DateTime<Utc>,
    pub measures: Vec<CommissionMeasureView>,
}

#[derive(Serialize, ToSchema)]
pub struct CommissionMeasureView {
    pub id: Uuid,
    pub description: String,
    pub responsible_organisation_id: Uuid,
    pub due_date: NaiveDate,
    /// `pending`, `done` or `overdue` (past due and not done).
    #[schema(value_type = MeasureStatus)]
    pub status: String,
    pub done_at: Option<DateTime<Utc>>,
    pub done_note: Option<String>,
}

impl TryFrom<Measure> for CommissionMeasureView {
    type Error = AppError;

    fn try_from(Measure { row: m, status }: Measure) -> Result<Self, AppError> {
        Ok(CommissionMeasureView {
            id: m.id.0,
            responsible_organisation_id: m.responsible_organisation_id.0,
            status: status.as_str().into(),
            description: m.description,
            due_date: m.due_date,
            done_at: m.done_at.map(|t| t.and_utc()),
            done_note: m.done_note,
        })
    }
}

impl TryFrom<Matter> for CommissionMatterView {
    type Error = AppError;

    fn try_from(Matter { row: m, measures }: Matter) -> Result<Self, AppError> {
        Ok(CommissionMatterView {
            id: m.id.0,
            case_id: m.case_id.0,
            commission_organisation_id: m.commission_organisation_id.0,
            grounds: m.grounds,
            hearing_date: m.hearing_date,
            decision: m.decision,
            created_at: m.created_at.and_utc(),
            measures: views(measures)?,
        })
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct DoneInput {
    pub note: Option<String>,
}
