//! Bodies of the interview routes.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_persistence::interviews::InterviewRow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::views;
use qorgau_domain::interagency::Present;

#[derive(Serialize, ToSchema)]
pub struct InterviewView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub conducted_at: DateTime<Utc>,
    pub interviewer_name: String,
    pub organisation_id: Uuid,
    #[schema(value_type = Vec<Present>)]
    pub present: Vec<String>,
    pub recording_ref: Option<String>,
    pub repeat_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Interviews {
    pub items: Vec<InterviewView>,
    /// Interviews of this child across all their cases (as few as possible: Barnahus).
    pub count_for_child: i64,
}

impl TryFrom<InterviewRow> for InterviewView {
    type Error = AppError;

    fn try_from(i: InterviewRow) -> Result<Self, AppError> {
        Ok(InterviewView {
            id: i.id.0,
            case_id: i.case_id.0,
            organisation_id: i.organisation_id.0,
            conducted_at: i.conducted_at.and_utc(),
            interviewer_name: i.interviewer_name,
            present: i
                .present
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            recording_ref: i.recording_ref,
            repeat_reason: i.repeat_reason,
        })
    }
}

impl TryFrom<qorgau_app::interviews::Interviews> for Interviews {
    type Error = AppError;

    fn try_from(i: qorgau_app::interviews::Interviews) -> Result<Self, AppError> {
        Ok(Interviews {
            items: views(i.rows)?,
            count_for_child: i.count_for_child,
        })
    }
}
