//! Bodies of supervision (api.md § Supervision and reports): every count of a caseload comes
//! with the list query that shows the records behind it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use qorgau_app::AppError;
use qorgau_app::area::AreaAsked;
use qorgau_app::error::stored;
use qorgau_app::supervision::CaseloadOf;
use qorgau_domain::case_file::FlagKind;
use qorgau_domain::geography::DistrictCode;
use qorgau_domain::geography::RegionCode;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::referral::ReferralKind;
use qorgau_domain::report::Area;
use qorgau_domain::report::caseload::{ManagerLoad, OPEN_STATUSES};
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_persistence::routing::GapOfCase;
use qorgau_persistence::supervision::OverdueRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
pub struct AreaQuery {
    /// A region in the caller's scope; a supervisor's own region by default.
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
    /// One district of that region.
    #[param(value_type = Option<DistrictCode>)]
    pub district_code: Option<String>,
}

impl From<AreaQuery> for AreaAsked {
    fn from(q: AreaQuery) -> Self {
        AreaAsked {
            region_code: q.region_code,
            district_code: q.district_code,
        }
    }
}

/// A link to a list of this API, filtered by `params`.
fn link(path: &str, area: &Area, params: &[(&str, &str)]) -> String {
    let area_params = [
        ("region_code", area.region.as_deref()),
        ("district_code", area.district.as_deref()),
    ];
    let query: Vec<String> = area_params
        .iter()
        .filter_map(|(k, v)| Some((*k, (*v)?)))
        .chain(params.iter().copied())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("/api/v1/{path}?{}", query.join("&"))
}

/// Percent-encodes all but the unreserved characters (codes and ids rarely need it).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct CaseloadView {
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    /// The instant the counts were taken (what "overdue" was measured against).
    pub as_of: DateTime<Utc>,
    /// The region's active case managers (zeros included) and anyone else holding a counted case;
    /// by name.
    pub managers: Vec<ManagerView>,
    /// Open cases nobody is assigned to.
    pub unassigned_cases: i64,
    /// Open cases of the area with an active flag (assigned or not), per flag kind (every kind,
    /// zeros included).
    pub flagged: BTreeMap<String, i64>,
    /// Signals of the area still awaiting triage.
    pub signals_awaiting_triage: i64,
    pub links: CaseloadLinks,
}

#[derive(Serialize, ToSchema)]
pub struct CaseloadLinks {
    pub unassigned_cases: String,
    /// Per flag kind: the area's open cases flagged so.
    pub flagged: BTreeMap<String, String>,
    pub signals_awaiting_triage: String,
}

/// Counts per flag kind, by code.
fn flag_counts(counts: &[(FlagKind, i64)]) -> BTreeMap<String, i64> {
    counts
        .iter()
        .map(|(k, n)| (k.as_str().to_string(), *n))
        .collect()
}

/// For every flag kind, the list of open cases flagged so (with `params`).
fn flag_links(area: &Area, params: &[(&str, &str)]) -> BTreeMap<String, String> {
    FlagKind::ALL
        .iter()
        .map(|k| {
            let mut query = params.to_vec();
            query.extend([("open", "true"), ("flag", k.as_str())]);
            (k.as_str().to_string(), link("cases", area, &query))
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct ManagerView {
    pub user_id: Uuid,
    pub full_name: String,
    /// Cases assigned to them that are not closed.
    pub open_cases: i64,
    pub by_risk: RiskCounts,
    /// Open cases per status (`intake` … `closure_requested`).
    pub by_status: BTreeMap<String, i64>,
    /// Their cases (open or closed) with at least one lapsed deadline.
    pub overdue: i64,
    /// Open cases whose child has not been seen although the protocol's first-contact
    /// deadline has lapsed.
    pub without_contact: i64,
    /// Lapsed deadlines and overdue commission measures on their cases (one case may have
    /// several): the items `links.overdue_items` lists.
    pub overdue_items: i64,
    /// Their open cases with an active flag, per flag kind (every kind, zeros included).
    pub flagged: BTreeMap<String, i64>,
    /// For each count, the list of the records behind it.
    pub links: ManagerLinks,
}

#[derive(Serialize, ToSchema)]
pub struct RiskCounts {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ManagerLinks {
    pub open_cases: String,
    pub by_risk: BTreeMap<String, String>,
    pub by_status: BTreeMap<String, String>,
    pub overdue: String,
    pub without_contact: String,
    pub overdue_items: String,
    pub flagged: BTreeMap<String, String>,
}

impl ManagerView {
    fn new(m: ManagerLoad, area: &Area) -> Result<ManagerView, AppError> {
        let user = m.user_id.as_str();
        let cases = |extra: &[(&str, &str)]| {
            let mut params = vec![("assignee_id", user)];
            params.extend_from_slice(extra);
            link("cases", area, &params)
        };
        let risk = |level: RiskLevel| {
            m.by_risk
                .iter()
                .find(|(r, _)| *r == level)
                .map_or(0, |(_, n)| *n)
        };
        Ok(ManagerView {
            user_id: stored("users", user, "id", user)?,
            by_risk: RiskCounts {
                critical: risk(RiskLevel::Critical),
                high: risk(RiskLevel::High),
                medium: risk(RiskLevel::Medium),
                low: risk(RiskLevel::Low),
            },
            by_status: m
                .by_status
                .iter()
                .map(|(s, n)| (s.as_str().to_string(), *n))
                .collect(),
            links: ManagerLinks {
                open_cases: cases(&[("open", "true")]),
                by_risk: RiskLevel::ALL
                    .iter()
                    .map(|r| {
                        let url = cases(&[("open", "true"), ("risk_level", r.as_str())]);
                        (r.as_str().to_string(), url)
                    })
                    .collect(),
                by_status: OPEN_STATUSES
                    .iter()
                    .map(|s| (s.as_str().to_string(), cases(&[("status", s.as_str())])))
                    .collect(),
                overdue: cases(&[("overdue", "true")]),
                without_contact: cases(&[
                    ("open", "true"),
                    ("overdue_kind", DeadlineKind::FirstContact.as_str()),
                ]),
                overdue_items: link("supervision/overdue", area, &[("assignee_id", user)]),
                flagged: flag_links(area, &[("assignee_id", user)]),
            },
            flagged: flag_counts(&m.flagged),
            full_name: m.full_name.clone(),
            open_cases: m.open_cases,
            overdue: m.overdue_cases,
            without_contact: m.without_contact,
            overdue_items: m.overdue_items,
        })
    }
}

impl TryFrom<CaseloadOf> for CaseloadView {
    type Error = AppError;

    fn try_from(c: CaseloadOf) -> Result<Self, AppError> {
        let area = c.area;
        Ok(CaseloadView {
            links: CaseloadLinks {
                unassigned_cases: link("cases", &area, &[("open", "true"), ("unassigned", "true")]),
                flagged: flag_links(&area, &[]),
                signals_awaiting_triage: link("signals", &area, &[("status", "received")]),
            },
            managers: c
                .load
                .managers
                .into_iter()
                .map(|m| ManagerView::new(m, &area))
                .collect::<Result<_, _>>()?,
            unassigned_cases: c.load.unassigned_cases,
            flagged: flag_counts(&c.load.flagged),
            signals_awaiting_triage: c.load.signals_awaiting_triage,
            as_of: c.as_of,
            region_code: area.region,
            district_code: area.district,
        })
    }
}

#[derive(Deserialize, IntoParams)]
pub struct OverdueQuery {
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
    #[param(value_type = Option<DistrictCode>)]
    pub district_code: Option<String>,
    /// Only work on cases assigned to this user.
    pub assignee_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct OverdueView {
    /// The deadline's or the commission measure's id.
    pub id: Uuid,
    pub case_id: Uuid,
    pub case_number: String,
    pub district_code: String,
    /// A deadline kind (`first_contact`, …) or `commission_measure`.
    #[schema(value_type = DeadlineKind)]
    pub kind: String,
    /// When it fell due; a commission measure falls due at the midnight (Kazakhstan time) after
    /// its due date.
    pub due_at: DateTime<Utc>,
    pub assignee_id: Option<Uuid>,
}

impl TryFrom<OverdueRow> for OverdueView {
    type Error = AppError;

    fn try_from(r: OverdueRow) -> Result<Self, AppError> {
        // A deadline or a commission measure: the case's columns name the row.
        Ok(OverdueView {
            id: stored("cases", r.case_id, "overdue item id", &r.id)?,
            case_id: r.case_id.0,
            assignee_id: r.assignee_id.map(|a| a.0),
            case_number: r.case_number,
            district_code: r.district_code,
            kind: r.kind,
            due_at: r.due_at.and_utc(),
        })
    }
}

const CURSOR_TIME: &str = "%Y-%m-%dT%H:%M:%S%.f";

/// The keyset position of a row: its due time and id.
pub fn cursor_key(r: &OverdueRow) -> String {
    format!("{}|{}", r.due_at.format(CURSOR_TIME), r.id)
}

/// The keyset position a cursor of this list names.
pub fn parse_cursor(after: &str) -> Result<(NaiveDateTime, String), AppError> {
    after
        .split_once('|')
        .and_then(|(at, id)| {
            let at = NaiveDateTime::parse_from_str(at, CURSOR_TIME).ok()?;
            Some((at, id.to_string()))
        })
        .ok_or_else(|| AppError::invalid("cursor", "is not a cursor from this list"))
}

#[derive(Deserialize, IntoParams)]
pub struct RoutingGapQuery {
    /// `false`: the open gaps (the supervisor's task list); `true`: the resolved ones; absent:
    /// both.
    pub resolved: Option<bool>,
}

/// A mandatory step of the protocol that found no organisation to take it. The concerns behind
/// it are on the case card, not here.
#[derive(Serialize, ToSchema)]
pub struct RoutingGapView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub case_number: String,
    /// `referral` or `notification`.
    pub action: ReferralKind,
    /// The kind of organisation the protocol requires and none of which is registered in the
    /// child's district or region.
    pub organisation_kind: OrganisationKind,
    pub recorded_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<Uuid>,
    /// How the duty was met, in the supervisor's words.
    pub resolution: Option<String>,
}

impl TryFrom<GapOfCase> for RoutingGapView {
    type Error = AppError;

    fn try_from(g: GapOfCase) -> Result<Self, AppError> {
        let gap = g.gap;
        Ok(RoutingGapView {
            id: gap.id.0,
            case_id: gap.case_id.0,
            resolved_by: gap.resolved_by.map(|u| u.0),
            case_number: g.case_number,
            action: gap.action,
            organisation_kind: gap.organisation_kind,
            recorded_at: gap.recorded_at.and_utc(),
            resolved_at: gap.resolved_at.map(|t| t.and_utc()),
            resolution: gap.resolution,
        })
    }
}

/// The body of `POST /supervision/routing-gaps/{id}/resolve`.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct GapResolution {
    /// How the duty was met (e.g. "Police of the neighbouring district informed by phone").
    /// Required.
    pub note: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use qorgau_domain::ids::CaseId;

    #[test]
    fn links_carry_the_area_and_encode_values() {
        let area = Area {
            region: Some("KZ-71".into()),
            district: Some("KZ-71-01".into()),
        };
        assert_eq!(
            link("cases", &area, &[("status", "in progress&x")]),
            "/api/v1/cases?region_code=KZ-71&district_code=KZ-71-01&status=in%20progress%26x"
        );
    }

    #[test]
    fn cursors_round_trip() {
        let row = OverdueRow {
            id: "0193".into(),
            case_id: CaseId::new(),
            case_number: "n".into(),
            district_code: "d".into(),
            kind: "first_contact".into(),
            due_at: "2025-03-05T04:00:00.25".parse().expect("time"),
            assignee_id: None,
        };
        let (at, id) = parse_cursor(&cursor_key(&row)).expect("valid");
        assert_eq!((at, id.as_str()), (row.due_at, "0193"));
        assert!(parse_cursor("garbage").is_err());
    }
}
