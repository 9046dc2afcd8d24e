//! Bodies of the referral routes.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_app::referrals::{Referral, Summary};
use qorgau_domain::referral::OverrideBasis;
use qorgau_domain::referral::ReferralKind;
use qorgau_domain::referral::ReferralStatus;
use qorgau_domain::taxonomy::RiskLevel;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct ReferralView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub to_organisation_id: Uuid,
    pub service: String,
    pub reason: String,
    #[schema(value_type = Option<RiskLevel>)]
    pub urgency: Option<String>,
    /// `pending`, `accepted`, `declined`, `completed` or `withdrawn`.
    #[schema(value_type = ReferralStatus)]
    pub status: String,
    pub respond_by: DateTime<Utc>,
    /// The consent that covers sharing, if that is the basis.
    pub consent_id: Option<Uuid>,
    /// `threat_to_life_or_health`, `court_order` or `legal_duty` when consent was overridden.
    #[schema(value_type = Option<OverrideBasis>)]
    pub override_basis: Option<String>,
    pub override_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    /// `referral`, or `notification` (the protocol's mandatory "tell them").
    #[schema(value_type = ReferralKind)]
    pub kind: String,
    /// Created by the protocol's routing, on the basis `legal_duty`.
    pub mandatory: bool,
    /// What the receiving organisation needs to know of the case, while the referral is active.
    pub case_summary: Option<CaseSummary>,
}

/// The minimum of a case shown to the receiving organisation: no descriptions, no concerns.
#[derive(Serialize, ToSchema)]
pub struct CaseSummary {
    pub case_number: String,
    pub child_first_name: Option<String>,
    pub child_last_name: Option<String>,
    pub child_age: Option<u32>,
}

impl From<Summary> for CaseSummary {
    fn from(s: Summary) -> Self {
        CaseSummary {
            case_number: s.case_number,
            child_first_name: s.child_first_name,
            child_last_name: s.child_last_name,
            child_age: s.child_age,
        }
    }
}

impl TryFrom<Referral> for ReferralView {
    type Error = AppError;

    fn try_from(Referral { row: r, summary }: Referral) -> Result<Self, AppError> {
        Ok(ReferralView {
            id: r.id.0,
            case_id: r.case_id.0,
            to_organisation_id: r.to_organisation_id.0,
            consent_id: r.consent_id.map(|c| c.0),
            service: r.service,
            reason: r.reason,
            urgency: r.urgency.map(|u| u.as_str().into()),
            status: r.status.as_str().into(),
            respond_by: r.respond_by.and_utc(),
            override_basis: r.override_basis,
            override_note: r.override_note,
            created_at: r.created_at.and_utc(),
            responded_at: r.responded_at.map(|t| t.and_utc()),
            decline_reason: r.decline_reason,
            completed_at: r.completed_at.map(|t| t.and_utc()),
            outcome: r.outcome,
            kind: r.kind.as_str().into(),
            mandatory: r.mandatory,
            case_summary: summary.map(CaseSummary::from),
        })
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ReferralQuery {
    pub organisation_id: Option<Uuid>,
    #[param(value_type = Option<ReferralStatus>)]
    pub status: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ReasonInput {
    pub reason: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct OutcomeInput {
    pub outcome: Option<String>,
}
