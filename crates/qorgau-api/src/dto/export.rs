//! A child's exported file (`GET /children/{id}/export`): the same views as the resources it
//! gathers, in one document.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_app::export::{CaseFile, ChildFile};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::case_file::{FlagView, NoteView};
use crate::dto::case_work::{AssessmentView, FollowUpView, InterventionView, PlanView};
use crate::dto::cases::CaseView;
use crate::dto::children::{ChildView, Timeline};
use crate::dto::commission::CommissionMatterView;
use crate::dto::consents::ConsentView;
use crate::dto::documents::DocumentView;
use crate::dto::families::FamilyView;
use crate::dto::interviews::Interviews;
use crate::dto::placements::PlacementView;
use crate::dto::referrals::ReferralView;
use crate::dto::relations::RelationView;
use crate::dto::signals::SignalView;
use crate::error::ApiError;
use crate::pdf;

/// Everything on one child, as the exporting supervisor may read it.
#[derive(Serialize, ToSchema)]
pub struct ChildFileView {
    pub exported_at: DateTime<Utc>,
    /// The user who exported it (the export is in the audit log as `export`).
    pub exported_by: Uuid,
    pub child: ChildView,
    pub relations: Vec<RelationView>,
    /// The household the child belongs to (`null` if none), its members as the exporter may
    /// see them.
    pub family: Option<FamilyView>,
    /// The signals about the child, oldest first.
    pub signals: Vec<SignalView>,
    /// The child's cases the exporter may see, oldest first.
    pub cases: Vec<CaseFileView>,
    pub timeline: Timeline,
}

/// One case of the child with everything recorded on it.
#[derive(Serialize, ToSchema)]
pub struct CaseFileView {
    pub case: CaseView,
    pub assessments: Vec<AssessmentView>,
    /// The latest version of the plan with its history; `null` before the first draft.
    pub plan: Option<PlanView>,
    pub interventions: Vec<InterventionView>,
    pub follow_ups: Vec<FollowUpView>,
    pub consents: Vec<ConsentView>,
    pub referrals: Vec<ReferralView>,
    pub commission_matters: Vec<CommissionMatterView>,
    pub placements: Vec<PlacementView>,
    pub interviews: Interviews,
    pub notes: Vec<NoteView>,
    /// Active and cleared, in the order they were set.
    pub flags: Vec<FlagView>,
    /// The case's documents and photos (deleted ones left out), each with its SHA-256: the
    /// content itself is downloaded from `content_url` and checked against it.
    pub documents: Vec<DocumentView>,
}

fn all<T, V: TryFrom<T, Error = AppError>>(rows: Vec<T>) -> Result<Vec<V>, AppError> {
    rows.into_iter().map(V::try_from).collect()
}

impl TryFrom<CaseFile> for CaseFileView {
    type Error = AppError;

    fn try_from(f: CaseFile) -> Result<Self, AppError> {
        Ok(CaseFileView {
            case: CaseView::try_from(f.card)?,
            assessments: all(f.assessments)?,
            plan: f.plan.map(PlanView::try_from).transpose()?,
            interventions: all(f.interventions)?,
            follow_ups: all(f.follow_ups)?,
            consents: all(f.consents)?,
            referrals: all(f.referrals)?,
            commission_matters: all(f.commission_matters)?,
            placements: all(f.placements)?,
            interviews: Interviews::try_from(f.interviews)?,
            notes: f.notes.into_iter().map(NoteView::from).collect(),
            flags: f.flags.into_iter().map(FlagView::from).collect(),
            documents: f.documents.into_iter().map(DocumentView::from).collect(),
        })
    }
}

impl TryFrom<ChildFile> for ChildFileView {
    type Error = AppError;

    fn try_from(f: ChildFile) -> Result<Self, AppError> {
        Ok(ChildFileView {
            exported_at: f.exported_at,
            exported_by: f.exported_by.0,
            child: ChildView::try_from(f.child)?,
            relations: all(f.relations)?,
            family: f.family.map(FamilyView::from),
            signals: all(f.signals)?,
            cases: all(f.cases)?,
            timeline: Timeline::try_from(f.timeline)?,
        })
    }
}

fn json<T: Serialize>(view: &T) -> Result<Value, ApiError> {
    serde_json::to_value(view).map_err(|_| ApiError::Internal)
}

impl ChildFileView {
    /// The same document, printable: the child, the people around it, the signals, each case,
    /// and the timeline, in that order.
    pub fn to_pdf(&self) -> Result<Vec<u8>, ApiError> {
        let child = json(&self.child)?;
        let relations = json(&self.relations)?;
        let family = json(&self.family)?;
        let signals = json(&self.signals)?;
        let cases = json(&self.cases)?;
        let timeline = json(&self.timeline)?;
        let title = format!(
            "Qorgau: child {}, exported {}",
            self.child.id,
            self.exported_at.format("%Y-%m-%d %H:%M UTC")
        );
        let sections = [
            ("child", &child),
            ("relations", &relations),
            ("family", &family),
            ("signals", &signals),
            ("cases", &cases),
            ("timeline", &timeline),
        ];
        pdf::render(&title, &sections).map_err(|e| {
            tracing::error!(error = %e, "printing a child's file failed");
            ApiError::Internal
        })
    }
}
