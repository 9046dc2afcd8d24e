//! Cases (api.md § Cases): list, card with `ETag`, edits under `If-Match`, assignment. The
//! lifecycle — transitions, assessments, plan, interventions — is in `case_work`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use qorgau_domain::access::Action;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::taxonomy::{Concern, RiskLevel};
use qorgau_domain::validation::{Validation, bounded_text};
use qorgau_persistence::cases::{self, CaseFilter, CaseRow};
use qorgau_persistence::{DbConnection, relations, timeline, users, write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::list::{List, ListParams, paginate, shown};
use crate::state::AppState;
use qorgau_app::access::{case_target, visible_case};
use qorgau_app::audit::{self, Target};
use qorgau_app::timeline::event;
use qorgau_domain::timeline::TimelineKind;

#[derive(Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    /// Per region and year, e.g. `KZ-71-2026-000123`.
    pub number: String,
    pub child_id: Uuid,
    pub status: String,
    pub risk_level: String,
    pub concerns: Vec<String>,
    pub region_code: String,
    pub district_code: String,
    pub assignee_id: Option<Uuid>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closure_reason: Option<String>,
    /// Increases with every change; send it back in `If-Match` to edit.
    pub version: i32,
    /// The protocol's deadlines for this case (filled in by the protocol engine).
    pub deadlines: Vec<DeadlineView>,
    /// On the case card (not in lists): people around the child recorded as alleged
    /// perpetrators — no contact or disclosure to them follows from the system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alleged_perpetrators: Option<Vec<PersonAlert>>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonAlert {
    pub relation_id: Uuid,
    pub full_name: String,
    pub relation: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineView {
    pub kind: String,
    /// When the clock started (the protocol's clock-start event).
    pub starts_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    /// `pending`, `met` or `overdue` (pending and past due).
    pub status: String,
    /// The referral a `referral_response` deadline waits on.
    pub referral_id: Option<String>,
}

impl CaseView {
    pub fn new(c: CaseRow, concerns: Vec<String>) -> Self {
        CaseView {
            id: c.id.parse().unwrap_or_default(),
            number: c.number,
            child_id: c.child_id.parse().unwrap_or_default(),
            status: c.status,
            risk_level: c.risk_level,
            concerns,
            region_code: c.region_code,
            district_code: c.district_code,
            assignee_id: c.assignee_id.and_then(|a| a.parse().ok()),
            opened_at: c.opened_at.and_utc(),
            closed_at: c.closed_at.map(|t| t.and_utc()),
            closure_reason: c.closure_reason,
            version: c.version,
            deadlines: Vec::new(),
            alleged_perpetrators: None,
        }
    }
}

/// The case card: the case with its concerns and the alerts everyone working it must see.
pub fn view(conn: &mut DbConnection, case: CaseRow) -> Result<CaseView, ApiError> {
    let concerns = cases::concerns_of(conn, std::slice::from_ref(&case.id))?
        .remove(&case.id)
        .unwrap_or_default();
    let alerts = relations::for_child(conn, &case.child_id)?
        .into_iter()
        .filter(|r| r.alleged_perpetrator)
        .map(|r| PersonAlert {
            relation_id: r.id.parse().unwrap_or_default(),
            full_name: r.full_name,
            relation: r.relation,
        })
        .collect();
    let now = chrono::Utc::now().naive_utc();
    let deadlines = qorgau_persistence::deadlines::for_case(conn, &case.id)?
        .into_iter()
        .filter(|d| d.status != "cancelled")
        .map(|d| DeadlineView {
            // Overdue is a reading of the clock, not a stored state.
            status: if d.status == "pending" && d.due_at < now {
                "overdue".into()
            } else {
                d.status
            },
            kind: d.kind,
            starts_at: d.starts_at.and_utc(),
            due_at: d.due_at.and_utc(),
            referral_id: d.ref_id,
            met_at: d.met_at.map(|t| t.and_utc()),
        })
        .collect();
    let mut card = CaseView::new(case, concerns);
    card.alleged_perpetrators = Some(alerts);
    card.deadlines = deadlines;
    Ok(card)
}

/// The case as JSON with its version as `ETag`.
pub fn with_etag(case: CaseView) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", case.version)))
        .json(case)
}

#[derive(Deserialize, IntoParams)]
pub struct CaseQuery {
    pub status: Option<String>,
    pub risk_level: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    /// Only cases with a lapsed deadline.
    pub overdue: Option<bool>,
    /// Only cases with a lapsed deadline of this kind (e.g. `first_contact`: the child not seen
    /// in time); implies `overdue=true`.
    pub overdue_kind: Option<String>,
    /// `true`: cases not closed; `false`: closed cases.
    pub open: Option<bool>,
    /// `true`: cases nobody is assigned to; `false`: assigned cases.
    pub unassigned: Option<bool>,
}

/// Cases the caller may see: their own for a case manager, the region's for a supervisor.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(CaseQuery, ListParams), responses(
    (status = 200, body = List<CaseView>),
    (status = 403, body = Problem),
))]
#[get("/cases")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CaseQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<CaseView>>, ApiError> {
    let scope = caller.actor.scope(Action::ViewCases)?;
    let page = params.page()?;
    let q = query.into_inner();
    if let Some(kind) = &q.overdue_kind {
        DeadlineKind::from_code(kind)
            .ok_or_else(|| ApiError::invalid("overdue_kind", "is not a deadline kind"))?;
    }
    let overdue = q.overdue.unwrap_or(false) || q.overdue_kind.is_some();
    let filter = CaseFilter {
        status: q.status,
        risk_level: q.risk_level,
        assignee_id: q.assignee_id.map(|a| a.to_string()),
        region_code: q.region_code,
        district_code: q.district_code,
        overdue_at: overdue.then(|| state.now().naive_utc()),
        overdue_kind: q.overdue_kind,
        open: q.open,
        unassigned: q.unassigned,
    };
    let query_page = page.clone();
    let (rows, mut concerns) = state
        .run(move |conn| {
            let rows = cases::list(conn, &scope, &filter, &query_page)?;
            let seen: Vec<Target> = shown(&rows, &query_page).iter().map(case_target).collect();
            audit::log_list(conn, &caller, "cases", &seen)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            Ok((rows, cases::concerns_of(conn, &ids)?))
        })
        .await?;
    Ok(web::Json(paginate(
        rows,
        &page,
        |r| &r.id,
        |r| {
            let c = concerns.remove(&r.id).unwrap_or_default();
            CaseView::new(r, c)
        },
    )))
}

/// One case, with `ETag: "<version>"`.
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = CaseView, headers(("ETag" = String, description = "The case version, quoted"))),
    (status = 404, body = Problem),
))]
#[get("/cases/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let case = state
        .run(move |conn| {
            let case = visible_case(conn, &caller, &id, Action::ViewCases)?;
            view(conn, case)
        })
        .await?;
    Ok(with_etag(case))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct CasePatch {
    pub risk_level: Option<String>,
    /// Why the risk level changed; required when it does.
    pub risk_reason: Option<String>,
    /// Replaces the case's concerns (at least one).
    pub concerns: Option<Vec<String>>,
}

/// Edits a case. `If-Match` with the current version is required: a stale version answers 412,
/// so two people cannot silently overwrite each other.
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = CasePatch,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag of the version being edited")),
    responses(
        (status = 200, body = CaseView),
        (status = 404, body = Problem),
        (status = 412, body = Problem, description = "The case changed since that version"),
        (status = 422, body = Problem),
        (status = 428, body = Problem, description = "If-Match missing"),
    ))]
#[patch("/cases/{id}")]
pub async fn edit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<CasePatch>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let mut v = Validation::new();
    let risk = match body.0.risk_level.as_deref() {
        Some(r) => v
            .check(
                "risk_level",
                RiskLevel::from_code(r).ok_or("must be critical, high, medium or low"),
            )
            .map(Some),
        None => Some(None),
    };
    let reason = match body.0.risk_reason.as_deref() {
        Some(r) => v.check("risk_reason", bounded_text(r, 2000)).map(Some),
        None => Some(None),
    };
    let concerns: Option<Option<Vec<Concern>>> = match &body.0.concerns {
        None => Some(None),
        Some(codes) if codes.is_empty() => {
            v.add("concerns", "at least one concern");
            None
        }
        Some(codes) => codes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                v.check(
                    &format!("concerns[{i}]"),
                    Concern::from_code(c).ok_or("is not a concern code"),
                )
            })
            .collect::<Option<Vec<_>>>()
            .map(Some),
    };
    let (Some(risk), Some(reason), Some(concerns)) = (risk, reason, concerns) else {
        return Err(v.into_errors().into());
    };
    if risk.is_none() && concerns.is_none() {
        return Err(ApiError::invalid(
            "risk_level",
            "nothing to change: give risk_level or concerns",
        ));
    }
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let app = state.clone();
    let case = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::WorkCase)?;
                if case.version != expected {
                    return Err(ApiError::PreconditionFailed);
                }
                let new_risk = risk.map_or(case.risk_level.clone(), |r| r.as_str().to_string());
                let risk_changed = new_risk != case.risk_level;
                if risk_changed && reason.is_none() {
                    return Err(ApiError::invalid(
                        "risk_reason",
                        "is required when the risk level changes",
                    ));
                }
                if !cases::update_if_version(c, &id, expected, &new_risk)? {
                    return Err(ApiError::PreconditionFailed);
                }
                if risk_changed {
                    let risk = RiskLevel::from_code(&new_risk).unwrap_or(RiskLevel::Medium);
                    qorgau_app::protocol::retime(c, &app, &id, risk)?;
                }
                let me = actor.user_id.to_string();
                if risk_changed {
                    let summary = format!(
                        "Risk level revised from {} to {new_risk}: {}",
                        case.risk_level,
                        reason.as_deref().unwrap_or_default()
                    );
                    timeline::record(
                        c,
                        &event(
                            &case.child_id,
                            Some(&id),
                            now,
                            TimelineKind::RiskRevised,
                            summary,
                            &me,
                            &id,
                        ),
                    )?;
                }
                if let Some(concerns) = &concerns {
                    let codes: Vec<&str> = concerns.iter().map(|c| c.as_str()).collect();
                    let before: Vec<String> = cases::concerns_of(c, std::slice::from_ref(&id))?
                        .remove(&id)
                        .unwrap_or_default();
                    cases::set_concerns(c, &id, &codes)?;
                    let added: Vec<Concern> = concerns
                        .iter()
                        .copied()
                        .filter(|k| !before.iter().any(|b| b == k.as_str()))
                        .collect();
                    let current = cases::find(c, &id)?.ok_or(ApiError::Internal)?;
                    qorgau_app::protocol::route(c, &app, &current, &added, &me, now)?;
                    let summary = format!("Concerns set to {}", codes.join(", "));
                    timeline::record(
                        c,
                        &event(
                            &case.child_id,
                            Some(&id),
                            now,
                            TimelineKind::ConcernsChanged,
                            summary,
                            &me,
                            &id,
                        ),
                    )?;
                }
                let updated = cases::find(c, &id)?.ok_or(ApiError::Internal)?;
                view(c, updated)
            })
        })
        .await?;
    Ok(with_etag(case))
}

/// The version named by `If-Match` (`"3"`, `W/"3"` or `3`).
fn if_match(req: &HttpRequest) -> Result<i32, ApiError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        // A tag that names no version of ours cannot match.
        .ok_or(ApiError::PreconditionFailed)
}

#[derive(Deserialize, ToSchema)]
pub struct AssignmentRequest {
    pub assignee_id: String,
}

/// Assigns the case to a case manager of its region (supervisors).
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = AssignmentRequest, params(("id" = Uuid, Path)), responses(
    (status = 200, body = CaseView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/assignment")]
pub async fn assign(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<AssignmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let assignee: Uuid = body
        .0
        .assignee_id
        .parse()
        .map_err(|_| ApiError::invalid("assignee_id", "must be a user id"))?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let case = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::AssignCase)?;
                let assignee = assignee.to_string();
                let person = match users::find(c, &assignee)? {
                    Some((u, org))
                        if u.active
                            && u.role == "case_manager"
                            && org.region_code == case.region_code =>
                    {
                        u
                    }
                    _ => {
                        return Err(ApiError::invalid(
                            "assignee_id",
                            "must be a case manager of the case's region",
                        ));
                    }
                };
                cases::assign(c, &id, &assignee)?;
                let summary = format!("Assigned to {}", person.full_name);
                timeline::record(
                    c,
                    &event(
                        &case.child_id,
                        Some(&id),
                        now,
                        TimelineKind::Assigned,
                        summary,
                        &actor.user_id.to_string(),
                        &assignee,
                    ),
                )?;
                qorgau_app::protocol::meet(
                    c,
                    &case,
                    DeadlineKind::Assignment,
                    None,
                    &actor.user_id.to_string(),
                    now,
                )?;
                let updated = cases::find(c, &id)?.ok_or(ApiError::Internal)?;
                view(c, updated)
            })
        })
        .await?;
    Ok(with_etag(case))
}
