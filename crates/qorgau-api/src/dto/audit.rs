//! Bodies of access review (brief § 5): the audit log, a child's access log, and break-glass
//! grants.

use chrono::{DateTime, Utc};
use qorgau_app::audit_log::AuditAsked;
use qorgau_domain::geography::RegionCode;
use qorgau_domain::ids::{ChildId, UserId};
use qorgau_persistence::audit::{AuditRow, BreakGlassRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub at: DateTime<Utc>,
    /// `null` for what the operator did at the server's console (`qorgau user …`).
    pub user_id: Option<String>,
    /// `read`, `list`, `create` or `update`; `delete` for a document's soft delete; for accounts also `deactivate`, `reactivate`,
    /// `reset_password`, `change_password` and `hand_over`; retention's entries (no user):
    /// `anonymise`, `retention_run`, `retention_dry_run`.
    pub action: String,
    /// `child`, `signal`, `case`, `assessment`, … (`*_list` for a list request); `retention`
    /// for a retention run, whose `resource_id` holds its counts.
    pub resource: String,
    pub resource_id: String,
    pub child_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// Access under break-glass (a supervisor outside their region).
    pub break_glass: bool,
    /// Position in the hash chain; `null` until sealed (within a worker interval).
    pub seq: Option<i64>,
}

impl From<AuditRow> for AuditView {
    fn from(r: AuditRow) -> Self {
        AuditView {
            at: r.at.and_utc(),
            user_id: r.user_id,
            action: r.action,
            resource: r.resource,
            resource_id: r.resource_id,
            child_id: r.child_id,
            ip: r.ip,
            request_id: r.request_id,
            break_glass: r.break_glass,
            seq: r.seq,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct AuditQuery {
    pub child_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// From this instant (inclusive), RFC 3339.
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive), RFC 3339.
    pub to: Option<DateTime<Utc>>,
    /// Only break-glass accesses (`true`) or only ordinary ones (`false`).
    pub break_glass: Option<bool>,
    /// An administrator may narrow to one region; a supervisor always sees their own.
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
}

impl From<AuditQuery> for AuditAsked {
    fn from(q: AuditQuery) -> Self {
        AuditAsked {
            child_id: q.child_id.map(ChildId),
            user_id: q.user_id.map(UserId),
            from: q.from,
            to: q.to,
            break_glass: q.break_glass,
            region_code: q.region_code,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct BreakGlassRequest {
    #[schema(value_type = Uuid)]
    pub case_id: String,
    /// Why the record must be opened now; reviewed in the case's region.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct BreakGlassView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub user_id: Uuid,
    pub reason: String,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub region_code: String,
}

impl From<BreakGlassRow> for BreakGlassView {
    fn from(r: BreakGlassRow) -> Self {
        BreakGlassView {
            id: r.id.0,
            case_id: r.case_id.0,
            user_id: r.user_id.0,
            reason: r.reason,
            granted_at: r.granted_at.and_utc(),
            expires_at: r.expires_at.and_utc(),
            region_code: r.region_code,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct BreakGlassQuery {
    /// A supervisor sees grants on their own region's cases; an administrator any region.
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
}
