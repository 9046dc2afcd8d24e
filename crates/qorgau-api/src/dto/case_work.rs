//! Bodies of the work on a case (api.md § Cases): assessments, the individual plan and
//! interventions. Requests are the domain's `*Input` types, parsed by its `parse_*` functions.

use chrono::{DateTime, NaiveDate, Utc};
use qorgau_app::AppError;
use qorgau_app::error::stored_json;
use qorgau_app::plans::{PlanCard, PlanReviewed};
use qorgau_domain::assessment::DomainFinding;
use qorgau_domain::lifecycle::FollowUpOutcome;
use qorgau_domain::plan::PlanReviewDecision;
use qorgau_persistence::assessments::AssessmentRow;
use qorgau_persistence::follow_ups::FollowUpRow;
use qorgau_persistence::interventions::InterventionRow;
use qorgau_persistence::plans::{MeasureRow, PlanRow};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::etag::Versioned;
use qorgau_domain::assessment::AssessmentKind;
use qorgau_domain::intervention::InterventionKind;
use qorgau_domain::plan::AssistanceKind;
use qorgau_domain::plan::PlanStatus;
use qorgau_domain::taxonomy::RiskLevel;

#[derive(Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: Uuid,
    pub case_id: Uuid,
    /// `initial` or `comprehensive`.
    #[schema(value_type = AssessmentKind)]
    pub kind: String,
    pub summary: String,
    #[schema(value_type = Option<RiskLevel>)]
    pub risk_level: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub domains: Vec<DomainFinding>,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
}

impl TryFrom<AssessmentRow> for AssessmentView {
    type Error = AppError;
    fn try_from(a: AssessmentRow) -> Result<Self, AppError> {
        Ok(AssessmentView {
            id: a.id.0,
            case_id: a.case_id.0,
            recorded_by: a.recorded_by.0,
            domains: stored_json("assessments", a.id, "domains", &a.domains)?,
            kind: a.kind,
            summary: a.summary,
            risk_level: a.risk_level.map(|r| r.as_str().into()),
            recorded_at: a.recorded_at.and_utc(),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub version: i32,
    /// `draft`, `approved`, `rejected` or `superseded`.
    #[schema(value_type = PlanStatus)]
    pub status: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub goals: Vec<GoalView>,
    /// Every version of the plan, oldest first.
    pub versions: Vec<PlanVersionView>,
    /// The plan's revision, also its `ETag`: it changes with every new version, decision and
    /// measure done. `PUT /cases/{id}/plan` sends it back in `If-Match`.
    pub revision: i32,
}

#[derive(Serialize, ToSchema)]
pub struct GoalView {
    pub id: Uuid,
    pub title: String,
    pub measures: Vec<MeasureView>,
}

#[derive(Serialize, ToSchema)]
pub struct MeasureView {
    pub id: Uuid,
    /// `medical`, `psychological`, `pedagogical`, `social` or `legal`.
    #[schema(value_type = AssistanceKind)]
    pub kind: String,
    pub description: String,
    pub responsible_organisation_id: Uuid,
    pub due_date: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanVersionView {
    pub id: Uuid,
    pub version: i32,
    #[schema(value_type = PlanStatus)]
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<PlanCard> for PlanView {
    type Error = AppError;
    fn try_from(card: PlanCard) -> Result<Self, AppError> {
        let PlanCard {
            plan,
            goals,
            measures,
            versions,
            revision,
        } = card;
        let goals = goals
            .into_iter()
            .map(|g| {
                let of_goal = measures.iter().filter(|m| m.goal_id == g.id);
                Ok(GoalView {
                    id: g.id.0,
                    measures: of_goal
                        .map(MeasureView::try_from)
                        .collect::<Result<_, _>>()?,
                    title: g.title,
                })
            })
            .collect::<Result<_, AppError>>()?;
        Ok(PlanView {
            id: plan.id.0,
            case_id: plan.case_id.0,
            created_by: plan.created_by.0,
            decided_by: plan.decided_by.map(|by| by.0),
            version: plan.version,
            status: plan.status.as_str().into(),
            created_at: plan.created_at.and_utc(),
            decided_at: plan.decided_at.map(|t| t.and_utc()),
            decision_note: plan.decision_note,
            goals,
            versions: versions
                .into_iter()
                .map(PlanVersionView::try_from)
                .collect::<Result<_, _>>()?,
            revision,
        })
    }
}

impl TryFrom<&MeasureRow> for MeasureView {
    type Error = AppError;
    fn try_from(m: &MeasureRow) -> Result<Self, AppError> {
        Ok(MeasureView {
            id: m.id.0,
            responsible_organisation_id: m.responsible_organisation_id.0,
            kind: m.kind.clone(),
            description: m.description.clone(),
            due_date: m.due_date,
            done_at: m.done_at.map(|t| t.and_utc()),
        })
    }
}

impl TryFrom<PlanRow> for PlanVersionView {
    type Error = AppError;
    fn try_from(p: PlanRow) -> Result<Self, AppError> {
        Ok(PlanVersionView {
            id: p.id.0,
            version: p.version,
            status: p.status.as_str().into(),
            created_at: p.created_at.and_utc(),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct InterventionView {
    pub id: Uuid,
    pub case_id: Uuid,
    #[schema(value_type = InterventionKind)]
    pub kind: String,
    #[schema(value_type = AssistanceKind)]
    pub assistance_type: String,
    pub occurred_at: DateTime<Utc>,
    pub summary: String,
    /// The child was seen in person.
    pub child_seen: bool,
    pub duration_minutes: Option<i32>,
    pub plan_measure_id: Option<Uuid>,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
}

impl TryFrom<InterventionRow> for InterventionView {
    type Error = AppError;
    fn try_from(i: InterventionRow) -> Result<Self, AppError> {
        Ok(InterventionView {
            id: i.id.0,
            case_id: i.case_id.0,
            recorded_by: i.recorded_by.0,
            plan_measure_id: i.plan_measure_id.map(|m| m.0),
            kind: i.kind.as_str().into(),
            assistance_type: i.assistance_type,
            occurred_at: i.occurred_at.and_utc(),
            summary: i.summary,
            child_seen: i.child_seen,
            duration_minutes: i.duration_minutes,
            recorded_at: i.recorded_at.and_utc(),
        })
    }
}

/// A contact with the child after the case was closed.
#[derive(Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// The child was seen in person.
    pub child_seen: bool,
    /// `stable`, or `concerns` (the supervisors are asked whether to reopen).
    pub outcome: FollowUpOutcome,
    pub note: String,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
}

impl TryFrom<FollowUpRow> for FollowUpView {
    type Error = AppError;
    fn try_from(f: FollowUpRow) -> Result<Self, AppError> {
        Ok(FollowUpView {
            id: f.id.0,
            case_id: f.case_id.0,
            recorded_by: f.recorded_by.0,
            occurred_at: f.occurred_at.and_utc(),
            child_seen: f.child_seen,
            outcome: f.outcome,
            note: f.note,
            recorded_at: f.recorded_at.and_utc(),
        })
    }
}

/// A review of the approved plan that kept it unchanged, and when the next one is due.
#[derive(Serialize, ToSchema)]
pub struct PlanReviewView {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The approved version reviewed.
    pub plan_id: Uuid,
    pub version: i32,
    pub decision: PlanReviewDecision,
    pub note: String,
    pub reviewed_by: Uuid,
    pub reviewed_at: DateTime<Utc>,
    /// The restarted `plan_review` deadline.
    pub next_review_due: DateTime<Utc>,
}

impl TryFrom<PlanReviewed> for PlanReviewView {
    type Error = AppError;
    fn try_from(r: PlanReviewed) -> Result<Self, AppError> {
        let review = r.review;
        Ok(PlanReviewView {
            id: review.id.0,
            case_id: review.case_id.0,
            plan_id: review.plan_id.0,
            reviewed_by: review.reviewed_by.0,
            version: r.version,
            decision: review.decision,
            note: review.note,
            reviewed_at: review.reviewed_at.and_utc(),
            next_review_due: r.next_review_due,
        })
    }
}

impl Versioned for PlanView {
    fn version(&self) -> i64 {
        self.revision.into()
    }
}
