//! Bodies of the case endpoints (api.md § Cases): the case card and list item (its version is
//! its `ETag`, `crate::etag`), the list's query, the edit and assignment requests.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_app::cases::{CardDeadline, CaseCard, CaseEdit, CaseSearch, CaseSummary};
use qorgau_domain::case_file::FlagKind;
use qorgau_domain::ids::{CaseId, UserId};
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::taxonomy::{Concern, RiskLevel};
use qorgau_domain::validation::{Validation, bounded_text};
use qorgau_persistence::cases::CaseRow;
use qorgau_persistence::relations::RelationRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::dto::case_file::FlagView;
use crate::error::ApiError;
use crate::etag::Versioned;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::geography::DistrictCode;
use qorgau_domain::geography::RegionCode;
use qorgau_domain::lifecycle::ClosureReason;

#[derive(Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    /// Per region and year, e.g. `KZ-71-2026-000123`.
    pub number: String,
    pub child_id: Uuid,
    #[schema(value_type = CaseStatus)]
    pub status: String,
    #[schema(value_type = RiskLevel)]
    pub risk_level: String,
    #[schema(value_type = Vec<Concern>)]
    pub concerns: Vec<String>,
    pub region_code: String,
    pub district_code: String,
    pub assignee_id: Option<Uuid>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<ClosureReason>)]
    pub closure_reason: Option<String>,
    /// Increases with every change; send it back in `If-Match` to edit.
    pub version: i32,
    /// The protocol's deadlines for this case (filled in by the protocol engine).
    pub deadlines: Vec<DeadlineView>,
    /// On the case card (not in lists): people around the child recorded as alleged
    /// perpetrators — no contact or disclosure to them follows from the system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alleged_perpetrators: Option<Vec<PersonAlert>>,
    /// On the case card (not in lists): the case's active flags, in the order they were set
    /// (`GET /cases/{id}/flags` has their history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<FlagView>>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonAlert {
    pub relation_id: Uuid,
    pub full_name: String,
    pub relation: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineView {
    #[schema(value_type = DeadlineKind)]
    pub kind: String,
    /// When the clock started (the protocol's clock-start event).
    pub starts_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    /// `pending`, `met` or `overdue` (pending and past due).
    pub status: String,
    /// The referral a `referral_response` deadline waits on.
    pub referral_id: Option<Uuid>,
}

impl CaseView {
    /// The case as a list shows it: no deadlines, no alerts.
    fn of(c: CaseRow, concerns: Vec<String>) -> Result<Self, AppError> {
        Ok(CaseView {
            id: c.id.0,
            child_id: c.child_id.0,
            assignee_id: c.assignee_id.map(|a| a.0),
            number: c.number,
            status: c.status.as_str().into(),
            risk_level: c.risk_level.as_str().into(),
            concerns,
            region_code: c.region_code,
            district_code: c.district_code,
            opened_at: c.opened_at.and_utc(),
            closed_at: c.closed_at.map(|t| t.and_utc()),
            closure_reason: c.closure_reason,
            version: c.version,
            deadlines: Vec::new(),
            alleged_perpetrators: None,
            flags: None,
        })
    }
}

impl TryFrom<CaseSummary> for CaseView {
    type Error = AppError;
    fn try_from(s: CaseSummary) -> Result<Self, AppError> {
        CaseView::of(s.case, s.concerns)
    }
}

/// The case card: the case with its deadlines and the alerts everyone working it must see.
impl TryFrom<CaseCard> for CaseView {
    type Error = AppError;
    fn try_from(card: CaseCard) -> Result<Self, AppError> {
        let alerts = card
            .alleged_perpetrators
            .into_iter()
            .map(PersonAlert::try_from)
            .collect::<Result<_, _>>()?;
        let mut view = CaseView::of(card.case, card.concerns)?;
        view.deadlines = card.deadlines.into_iter().map(DeadlineView::from).collect();
        view.alleged_perpetrators = Some(alerts);
        view.flags = Some(card.flags.into_iter().map(FlagView::from).collect());
        Ok(view)
    }
}

impl TryFrom<RelationRow> for PersonAlert {
    type Error = AppError;
    fn try_from(r: RelationRow) -> Result<Self, AppError> {
        Ok(PersonAlert {
            relation_id: r.id.0,
            full_name: r.full_name,
            relation: r.relation,
        })
    }
}

impl From<CardDeadline> for DeadlineView {
    fn from(d: CardDeadline) -> Self {
        let CardDeadline {
            deadline: d,
            overdue,
        } = d;
        DeadlineView {
            status: if overdue {
                "overdue".into()
            } else {
                d.status.as_str().into()
            },
            kind: d.kind.as_str().into(),
            starts_at: d.starts_at.and_utc(),
            due_at: d.due_at.and_utc(),
            referral_id: d.ref_id.map(|r| r.0),
            met_at: d.met_at.map(|t| t.and_utc()),
        }
    }
}

impl Versioned for CaseView {
    fn version(&self) -> i64 {
        self.version.into()
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CaseQuery {
    #[param(value_type = Option<CaseStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<RiskLevel>)]
    pub risk_level: Option<String>,
    pub assignee_id: Option<Uuid>,
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
    #[param(value_type = Option<DistrictCode>)]
    pub district_code: Option<String>,
    /// Only cases with a lapsed deadline.
    pub overdue: Option<bool>,
    /// Only cases with a lapsed deadline of this kind (e.g. `first_contact`: the child not seen
    /// in time); implies `overdue=true`.
    #[param(value_type = Option<DeadlineKind>)]
    pub overdue_kind: Option<String>,
    /// `true`: cases not closed; `false`: closed cases.
    pub open: Option<bool>,
    /// `true`: cases nobody is assigned to; `false`: assigned cases.
    pub unassigned: Option<bool>,
    /// Only cases with an active flag of this kind (`watch`, `court_pending`,
    /// `media_attention`, `special_supervision`).
    #[param(value_type = Option<FlagKind>)]
    pub flag: Option<String>,
}

impl TryFrom<CaseQuery> for CaseSearch {
    type Error = ApiError;
    fn try_from(q: CaseQuery) -> Result<Self, ApiError> {
        let overdue_kind = match q.overdue_kind.as_deref() {
            Some(kind) => Some(
                DeadlineKind::from_code(kind)
                    .ok_or_else(|| ApiError::invalid("overdue_kind", "is not a deadline kind"))?,
            ),
            None => None,
        };
        let flag = match q.flag.as_deref() {
            Some(kind) => Some(
                FlagKind::from_code(kind)
                    .ok_or_else(|| ApiError::invalid("flag", "is not a flag kind"))?,
            ),
            None => None,
        };
        Ok(CaseSearch {
            status: q.status,
            risk_level: q.risk_level,
            assignee_id: q.assignee_id.map(UserId),
            region_code: q.region_code,
            district_code: q.district_code,
            overdue: q.overdue.unwrap_or(false),
            overdue_kind,
            open: q.open,
            unassigned: q.unassigned,
            flag,
        })
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct CasePatch {
    #[schema(value_type = Option<RiskLevel>)]
    pub risk_level: Option<String>,
    /// Why the risk level changed; required when it does.
    pub risk_reason: Option<String>,
    /// Replaces the case's concerns (at least one).
    #[schema(value_type = Option<Vec<Concern>>)]
    pub concerns: Option<Vec<String>>,
}

impl CasePatch {
    /// The edit of case `case_id` from version `expected_version`, every invalid field named.
    pub fn into_edit(self, case_id: CaseId, expected_version: i64) -> Result<CaseEdit, ApiError> {
        let mut v = Validation::new();
        let risk = match self.risk_level.as_deref() {
            Some(r) => v
                .check(
                    "risk_level",
                    RiskLevel::from_code(r).ok_or("must be critical, high, medium or low"),
                )
                .map(Some),
            None => Some(None),
        };
        let reason = match self.risk_reason.as_deref() {
            Some(r) => v.check("risk_reason", bounded_text(r, 2000)).map(Some),
            None => Some(None),
        };
        let concerns = match self.concerns {
            None => Some(None),
            Some(codes) => concerns(&mut v, &codes).map(Some),
        };
        let (Some(risk), Some(risk_reason), Some(concerns)) = (risk, reason, concerns) else {
            return Err(v.into_errors().into());
        };
        if risk.is_none() && concerns.is_none() {
            return Err(ApiError::invalid(
                "risk_level",
                "nothing to change: give risk_level or concerns",
            ));
        }
        Ok(CaseEdit {
            case_id,
            expected_version,
            risk,
            risk_reason,
            concerns,
        })
    }
}

/// At least one concern, each a concern code.
fn concerns(v: &mut Validation, codes: &[String]) -> Option<Vec<Concern>> {
    if codes.is_empty() {
        v.add("concerns", "at least one concern");
        return None;
    }
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            v.check(
                &format!("concerns[{i}]"),
                Concern::from_code(c).ok_or("is not a concern code"),
            )
        })
        .collect()
}

#[derive(Deserialize, ToSchema)]
pub struct AssignmentRequest {
    #[schema(value_type = Uuid)]
    pub assignee_id: String,
}

impl AssignmentRequest {
    /// The user to assign.
    pub fn assignee(&self) -> Result<UserId, ApiError> {
        self.assignee_id
            .parse()
            .map_err(|_| ApiError::invalid("assignee_id", "must be a user id"))
    }
}
