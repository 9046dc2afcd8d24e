//! Bodies of the family routes.

use chrono::{DateTime, Utc};
use qorgau_app::families::{ChildFamily, FamilyCard, MemberCard, OpenCaseCard};
use qorgau_domain::case::CaseStatus;
use qorgau_domain::family::FamilyRelation;
use qorgau_domain::ids::{CaseId, ChildId, FamilyId, FamilyMemberId, RelationId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::etag::Versioned;

/// A household: siblings and the adults around them.
#[derive(Serialize, ToSchema)]
pub struct FamilyView {
    pub id: FamilyId,
    pub region_code: String,
    pub district_code: String,
    pub label: String,
    pub address: Option<String>,
    /// Also the `ETag`: `If-Match` for `PATCH`. Adding or removing a member makes a new one.
    pub version: i32,
    /// Current members, in the order they were added.
    pub members: Vec<MemberView>,
    /// Open cases of child members that the reader may not see (another region's, another case
    /// manager's): counted, never shown.
    pub hidden_open_cases: usize,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl Versioned for FamilyView {
    fn version(&self) -> i64 {
        self.version.into()
    }
}

/// A member: a child (`kind` `child`) or an adult — recorded as a relation of a member child
/// (`relation_id`) or by name.
#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub id: FamilyMemberId,
    /// `child` or `adult`.
    pub kind: &'static str,
    pub relation: FamilyRelation,
    pub child_id: Option<ChildId>,
    /// A child member the reader may not see: its name is withheld (and its case, if any, is
    /// counted in the family's `hidden_open_cases`).
    pub hidden: bool,
    /// The child's names (when the reader may see the child), or the adult's full name.
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<chrono::NaiveDate>,
    /// The child's open case, when the reader may see it.
    pub open_case: Option<OpenCaseView>,
    pub relation_id: Option<RelationId>,
    /// For an adult recorded as a relation: no contact or disclosure to this person follows
    /// from the system.
    pub alleged_perpetrator: bool,
    pub added_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
    pub removal_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OpenCaseView {
    pub id: CaseId,
    pub number: String,
    pub status: CaseStatus,
}

impl From<OpenCaseCard> for OpenCaseView {
    fn from(c: OpenCaseCard) -> Self {
        OpenCaseView {
            id: c.id,
            number: c.number,
            status: c.status,
        }
    }
}

impl From<MemberCard> for MemberView {
    fn from(m: MemberCard) -> Self {
        let row = m.row;
        let is_child = row.child_id.is_some();
        let (last_name, first_name, birth_date) = match &m.child {
            Some(c) => (c.last_name.clone(), c.first_name.clone(), c.birth_date),
            None => (None, None, None),
        };
        let (full_name, alleged_perpetrator) = match &m.relation {
            Some(r) => (Some(r.full_name.clone()), r.alleged_perpetrator),
            None => (row.full_name.clone(), false),
        };
        MemberView {
            id: row.id,
            kind: if is_child { "child" } else { "adult" },
            relation: row.relation,
            child_id: row.child_id,
            hidden: is_child && m.child.is_none(),
            last_name,
            first_name,
            full_name,
            birth_date,
            open_case: m.open_case.map(OpenCaseView::from),
            relation_id: row.relation_id,
            alleged_perpetrator,
            added_at: row.added_at.and_utc(),
            removed_at: row.removed_at.map(|t| t.and_utc()),
            removal_reason: row.removal_reason,
        }
    }
}

impl From<FamilyCard> for FamilyView {
    fn from(card: FamilyCard) -> Self {
        let f = card.family;
        FamilyView {
            id: f.id,
            region_code: f.region_code,
            district_code: f.district_code,
            label: f.label,
            address: f.address,
            version: f.version,
            members: card.members.into_iter().map(MemberView::from).collect(),
            hidden_open_cases: card.hidden_open_cases,
            created_by: f.created_by,
            created_at: f.created_at.and_utc(),
        }
    }
}

/// A child's family: `null` when the child belongs to none.
#[derive(Serialize, ToSchema)]
pub struct ChildFamilyView {
    pub child_id: ChildId,
    pub family: Option<FamilyView>,
}

impl From<ChildFamily> for ChildFamilyView {
    fn from(c: ChildFamily) -> Self {
        ChildFamilyView {
            child_id: c.child_id,
            family: c.family.map(FamilyView::from),
        }
    }
}
