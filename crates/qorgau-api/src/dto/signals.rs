//! The JSON views of signals and of the reports sent after triage.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_app::signals::{LaterReport, Signal};
use qorgau_domain::signal::SignalStatus;
use qorgau_domain::taxonomy::Concern;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_domain::taxonomy::SignalSource;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct SignalView {
    pub id: Uuid,
    /// `received`, `case_opened`, `linked` or `screened_out`.
    #[schema(value_type = SignalStatus)]
    pub status: String,
    pub received_at: DateTime<Utc>,
    /// The matched or newly registered child; null when nothing identifies one.
    pub child_id: Option<Uuid>,
    pub triage_due_at: DateTime<Utc>,
    #[schema(value_type = SignalSource)]
    pub source: String,
    pub external_ref: Option<String>,
    #[schema(value_type = Vec<Concern>)]
    pub concerns: Vec<String>,
    #[schema(value_type = Option<RiskLevel>)]
    pub urgency: Option<String>,
    pub description: String,
    pub observed_at: Option<DateTime<Utc>>,
    pub region_code: String,
    pub district_code: String,
    pub filed_by: Uuid,
    /// The child as the reporter described them.
    #[schema(value_type = Object)]
    pub child: serde_json::Value,
    pub reporter: ReporterView,
    #[schema(value_type = Option<RiskLevel>)]
    pub risk_level: Option<String>,
    pub case_id: Option<Uuid>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub triaged_by: Option<Uuid>,
    pub screen_out_reason: Option<String>,
    /// Reports the source sent again after triage, kept beside the signal
    /// (`GET /signals/{id}/reports`).
    pub later_reports: i64,
    /// Fields withheld from this reader (brief § 5): `description` when a concern is sensitive,
    /// `child.address` from those who may not read the child's file. The list shows that
    /// something is hidden, not what.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReporterView {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub relation: Option<String>,
    pub anonymous: bool,
}

impl TryFrom<Signal> for SignalView {
    type Error = AppError;

    fn try_from(s: Signal) -> Result<Self, AppError> {
        let r = s.row;
        Ok(SignalView {
            id: r.id.0,
            child_id: r.child_id.map(|c| c.0),
            filed_by: r.filed_by.0,
            case_id: r.case_id.map(|c| c.0),
            triaged_by: r.triaged_by.map(|u| u.0),
            status: r.status.as_str().into(),
            received_at: r.received_at.and_utc(),
            triage_due_at: r.triage_due_at.and_utc(),
            source: r.source.as_str().into(),
            external_ref: r.external_ref,
            concerns: s.concerns,
            urgency: r.urgency.map(|u| u.as_str().into()),
            description: r.description,
            observed_at: r.observed_at.map(|t| t.and_utc()),
            region_code: r.region_code,
            district_code: r.district_code,
            child: s.child,
            reporter: ReporterView {
                name: r.reporter_name,
                phone: r.reporter_phone,
                relation: r.reporter_relation,
                anonymous: r.reporter_anonymous,
            },
            risk_level: r.risk_level.map(|l| l.as_str().into()),
            triaged_at: r.triaged_at.map(|t| t.and_utc()),
            screen_out_reason: r.screen_out_reason,
            later_reports: s.later_reports,
            hidden: s.hidden,
        })
    }
}

/// A report the source sent again after triage (issue 17, finding 1).
#[derive(Serialize, ToSchema)]
pub struct SignalReportView {
    pub id: Uuid,
    pub signal_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub filed_by: Uuid,
    #[schema(value_type = Vec<Concern>)]
    pub concerns: Vec<String>,
    #[schema(value_type = Option<RiskLevel>)]
    pub urgency: Option<String>,
    pub description: String,
    pub observed_at: Option<DateTime<Utc>>,
    #[schema(value_type = Object)]
    pub child: serde_json::Value,
    pub reporter: ReporterView,
    /// As on the signal: fields withheld from this reader.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
}

impl TryFrom<LaterReport> for SignalReportView {
    type Error = AppError;

    fn try_from(report: LaterReport) -> Result<Self, AppError> {
        let r = report.row;
        Ok(SignalReportView {
            id: r.id.0,
            signal_id: r.signal_id.0,
            filed_by: r.filed_by.0,
            received_at: r.received_at.and_utc(),
            concerns: report.concerns,
            urgency: r.urgency.map(|u| u.as_str().into()),
            description: r.description,
            observed_at: r.observed_at.map(|t| t.and_utc()),
            child: report.child,
            reporter: ReporterView {
                name: r.reporter_name,
                phone: r.reporter_phone,
                relation: r.reporter_relation,
                anonymous: r.reporter_anonymous,
            },
            hidden: report.hidden,
        })
    }
}
