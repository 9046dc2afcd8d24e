//! Referrals to partner organisations and transfers between regions (api.md § Cases).
//!
//! A referral shares the child's data with another organisation, so it needs a legal basis: an
//! active consent of the legal representative covering that kind of organisation, or an
//! override basis that only a case manager or supervisor may invoke (checked here, on the
//! server). While a referral is active the receiving organisation's specialists see the minimum
//! of the case and may log interventions on it; when it ends, so does their access.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use qorgau_domain::access::{Action, Actor, Location};
use qorgau_domain::consent::{ConsentFacts, SharingBasis, sharing_basis};
use qorgau_domain::interagency::{TransferInput, parse_decline_reason, parse_transfer};
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::referral::{
    self, ReferralAction, ReferralError, ReferralInput, ReferralStatus, next_status, parse_reason,
    parse_referral,
};
use qorgau_domain::role::Role;
use qorgau_domain::signal::age_on;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::referrals::{self, ReferralFilter, ReferralRow, Step};
use qorgau_persistence::transfers::{self, TransferRow};
use qorgau_persistence::{
    DbConnection, children, consents, geography, organisations, timeline, write,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::cases::{CaseView, with_etag};
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::list::{List, ListParams, paginate, shown};
use crate::state::AppState;
use qorgau_app::access::{audit_case, visible_case};
use qorgau_app::audit::{Act, Target};
use qorgau_app::timeline::event;
use qorgau_domain::timeline::TimelineKind;

fn uuid(s: &str) -> Uuid {
    s.parse().unwrap_or_default()
}

#[derive(Serialize, ToSchema)]
pub struct ReferralView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub to_organisation_id: Uuid,
    pub service: String,
    pub reason: String,
    pub urgency: Option<String>,
    /// `pending`, `accepted`, `declined`, `completed` or `withdrawn`.
    pub status: String,
    pub respond_by: DateTime<Utc>,
    /// The consent that covers sharing, if that is the basis.
    pub consent_id: Option<Uuid>,
    /// `threat_to_life_or_health`, `court_order` or `legal_duty` when consent was overridden.
    pub override_basis: Option<String>,
    pub override_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    /// `referral`, or `notification` (the protocol's mandatory "tell them").
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

impl ReferralView {
    fn new(r: ReferralRow, case_summary: Option<CaseSummary>) -> Self {
        ReferralView {
            id: uuid(&r.id),
            case_id: uuid(&r.case_id),
            to_organisation_id: uuid(&r.to_organisation_id),
            service: r.service,
            reason: r.reason,
            urgency: r.urgency,
            status: r.status,
            respond_by: r.respond_by.and_utc(),
            consent_id: r.consent_id.as_deref().map(uuid),
            override_basis: r.override_basis,
            override_note: r.override_note,
            created_at: r.created_at.and_utc(),
            responded_at: r.responded_at.map(|t| t.and_utc()),
            decline_reason: r.decline_reason,
            completed_at: r.completed_at.map(|t| t.and_utc()),
            outcome: r.outcome,
            kind: r.kind,
            mandatory: r.mandatory,
            case_summary,
        }
    }
}

fn summary(
    conn: &mut DbConnection,
    case_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<CaseSummary>, ApiError> {
    match cases::find(conn, case_id)? {
        Some(case) => summary_of(conn, case, now),
        None => Ok(None),
    }
}

fn summary_of(
    conn: &mut DbConnection,
    case: CaseRow,
    now: DateTime<Utc>,
) -> Result<Option<CaseSummary>, ApiError> {
    let child = children::find(conn, &case.child_id)?;
    Ok(Some(CaseSummary {
        case_number: case.number,
        child_first_name: child.as_ref().and_then(|c| c.first_name.clone()),
        child_last_name: child.as_ref().and_then(|c| c.last_name.clone()),
        child_age: child
            .and_then(|c| c.birth_date)
            .map(|b| age_on(b, now.date_naive())),
    }))
}

/// How the caller stands to a referral: its receiving organisation's specialist, or the case
/// team. Anyone else — and a specialist once the referral has ended — gets 404.
fn standing(
    conn: &mut DbConnection,
    caller: &Caller,
    r: &ReferralRow,
) -> Result<referral::Actor, ApiError> {
    let actor = &caller.actor;
    if actor.role == Role::Specialist {
        let own_org = r.to_organisation_id == actor.organisation_id.to_string();
        let active = ReferralStatus::from_code(&r.status).is_some_and(ReferralStatus::is_active);
        let at = Location {
            organisation: Some(actor.organisation_id),
            ..Location::default()
        };
        if own_org && active && actor.authorize(Action::ViewReferrals, &at).is_ok() {
            let case = cases::find(conn, &r.case_id)?.ok_or(ApiError::NotFound)?;
            audit_case(conn, caller, Act::Read, &case)?;
            return Ok(referral::Actor::Receiver);
        }
        return Err(ApiError::NotFound);
    }
    visible_case(conn, caller, &r.case_id, Action::ViewCases)?;
    Ok(referral::Actor::CaseTeam)
}

/// Refers the case to a partner organisation. Sharing needs a consent covering the
/// organisation's kind, or an override basis (case manager or supervisor only).
#[utoipa::path(tag = "referrals", security(("bearer" = [])), request_body = ReferralInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = ReferralView),
    (status = 404, body = Problem),
    (status = 409, body = Problem),
    (status = 422, body = Problem, description = "Invalid, or no consent covers sharing and no valid override"),
))]
#[post("/cases/{id}/referrals")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReferralInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_referral(body.0)?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let app = state.clone();
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::WorkCase)?;
                if case.status == "closed" {
                    return Err(ApiError::conflict("the case is closed"));
                }
                let org = organisations::find(c, &new.to_organisation_id.to_string())?.ok_or_else(
                    || ApiError::invalid("to_organisation_id", "no such organisation"),
                )?;
                let kind = OrganisationKind::from_code(&org.kind).ok_or(ApiError::Internal)?;
                let facts: Vec<ConsentFacts> = consents::for_case(c, &id)?
                    .into_iter()
                    .map(|k| ConsentFacts {
                        id: k.id,
                        share_with: k
                            .share_with
                            .split(',')
                            .filter_map(OrganisationKind::from_code)
                            .collect(),
                        given_at: k.given_at.and_utc(),
                        withdrawn_at: k.withdrawn_at.map(|t| t.and_utc()),
                    })
                    .collect();
                let basis =
                    sharing_basis(&facts, kind, new.consent_override.as_ref(), actor.role, now)?;
                let (consent_id, override_basis) = match &basis {
                    SharingBasis::Consent { consent_id } => (Some(consent_id.clone()), None),
                    SharingBasis::Override { basis } => (None, Some(basis.as_str().to_string())),
                };
                let urgency = new
                    .urgency
                    .or_else(|| RiskLevel::from_code(&case.risk_level))
                    .unwrap_or(RiskLevel::Medium);
                let row = ReferralRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: id.clone(),
                    to_organisation_id: org.id.clone(),
                    service: new.service.clone(),
                    reason: new.reason.clone(),
                    urgency: new.urgency.map(|u| u.as_str().into()),
                    status: ReferralStatus::Pending.as_str().into(),
                    respond_by: app
                        .deadline(DeadlineKind::ReferralResponse, now, urgency)
                        .naive_utc(),
                    consent_id,
                    override_note: if override_basis.is_some() {
                        new.consent_override.as_ref().and_then(|o| o.note.clone())
                    } else {
                        None
                    },
                    override_basis,
                    created_by: actor.user_id.to_string(),
                    created_at: now.naive_utc(),
                    responded_at: None,
                    responded_by: None,
                    decline_reason: None,
                    completed_at: None,
                    outcome: None,
                    withdrawn_at: None,
                    kind: "referral".into(),
                    mandatory: false,
                };
                referrals::insert(c, &row)?;
                qorgau_app::protocol::start(
                    c,
                    &app,
                    &case,
                    DeadlineKind::ReferralResponse,
                    now,
                    urgency,
                    Some(&row.id),
                )?;
                let mut text = format!("Referred to {} for {}", org.name, row.service);
                if let Some(basis) = &row.override_basis {
                    text = format!("{text} (consent overridden: {basis})");
                }
                timeline::record(
                    c,
                    &event(
                        &case.child_id,
                        Some(&id),
                        now,
                        TimelineKind::Referral,
                        text,
                        &actor.user_id.to_string(),
                        &row.id,
                    ),
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ReferralView::new(row, None)))
}

#[derive(Deserialize, IntoParams)]
pub struct ReferralQuery {
    pub organisation_id: Option<Uuid>,
    pub status: Option<String>,
}

/// Referrals: a specialist sees their organisation's queue (with the case summary of active
/// ones); the case team sees the referrals of their cases.
#[utoipa::path(tag = "referrals", security(("bearer" = [])), params(ReferralQuery, ListParams), responses(
    (status = 200, body = List<ReferralView>),
    (status = 403, body = Problem),
))]
#[get("/referrals")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ReferralQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<ReferralView>>, ApiError> {
    let scope = caller.actor.scope(Action::ViewReferrals)?;
    let page = params.page()?;
    let filter = ReferralFilter {
        organisation_id: query.organisation_id.map(|o| o.to_string()),
        status: query.status.clone(),
    };
    let query_page = page.clone();
    let now = state.now();
    let rows = state
        .run(move |conn| {
            let rows = referrals::list(conn, &scope, &filter, &query_page)?;
            // An active referral shows its child's name and age: an access to the child.
            let mut named = Vec::new();
            let mut items = Vec::new();
            let on_page = shown(&rows, &query_page).len();
            for (i, r) in rows.into_iter().enumerate() {
                let active =
                    ReferralStatus::from_code(&r.status).is_some_and(ReferralStatus::is_active);
                // The look-ahead row is neither shown nor audited.
                let case = if active && i < on_page {
                    cases::find(conn, &r.case_id)?
                } else {
                    None
                };
                let s = match case {
                    Some(case) => {
                        named.push((
                            r.id.clone(),
                            case.child_id.clone(),
                            case.region_code.clone(),
                        ));
                        summary_of(conn, case, now)?
                    }
                    None => None,
                };
                items.push((r, s));
            }
            let seen: Vec<Target> = named
                .iter()
                .map(|(id, child, region)| Target {
                    resource: "referral",
                    id,
                    child_id: Some(child),
                    region: Some(region),
                })
                .collect();
            qorgau_app::audit::log_list(conn, &caller, "referrals", &seen)?;
            Ok(items)
        })
        .await?;
    Ok(web::Json(paginate(
        rows,
        &page,
        |(r, _)| &r.id,
        |(r, s)| ReferralView::new(r, s),
    )))
}

/// The referrals and notifications of one case, oldest first — for the case team and the
/// supervisor (specialists use `GET /referrals`, bounded by their organisation).
#[utoipa::path(tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<ReferralView>),
    (status = 404, body = Problem),
))]
#[get("/cases/{id}/referrals")]
pub async fn list_for_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<ReferralView>>, ApiError> {
    let id = id.into_inner().to_string();
    let rows = state
        .run(move |conn| {
            visible_case(conn, &caller, &id, Action::ViewCases)?;
            Ok(referrals::for_case(conn, &id)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| ReferralView::new(r, None))
            .collect(),
    ))
}

/// One referral.
#[utoipa::path(tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView),
    (status = 404, body = Problem),
))]
#[get("/referrals/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner().to_string();
    let now = state.now();
    let view = state
        .run(move |conn| {
            let r = referrals::find(conn, &id)?.ok_or(ApiError::NotFound)?;
            standing(conn, &caller, &r)?;
            let s = summary(conn, &r.case_id, now)?;
            Ok(ReferralView::new(r, s))
        })
        .await?;
    Ok(web::Json(view))
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

async fn step(
    state: web::Data<AppState>,
    caller: Caller,
    id: Uuid,
    action: ReferralAction,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let view = state
        .run(move |conn| {
            write(conn, |c| {
                let r = referrals::find(c, &id)?.ok_or(ApiError::NotFound)?;
                let by = standing(c, &caller, &r)?;
                let current = ReferralStatus::from_code(&r.status).ok_or(ApiError::Internal)?;
                let next = next_status(current, &action, by).map_err(|e| match e {
                    ReferralError::Forbidden => ApiError::Forbidden,
                    ReferralError::NotAllowed { detail, allowed } => ApiError::Conflict {
                        detail,
                        allowed: Some(allowed.into_iter().map(str::to_string).collect()),
                    },
                })?;
                let (reason, outcome) = match &action {
                    ReferralAction::Decline { reason } => (Some(reason.as_str()), None),
                    ReferralAction::Complete { outcome } => (None, Some(outcome.as_str())),
                    _ => (None, None),
                };
                let me = actor.user_id.to_string();
                let s = Step {
                    to: next.as_str(),
                    by: &me,
                    at: now.naive_utc(),
                    decline_reason: reason,
                    outcome,
                };
                if !referrals::advance(c, &id, current.as_str(), &s)? {
                    return Err(ApiError::conflict(
                        "the referral changed meanwhile; reload it",
                    ));
                }
                let case = cases::find(c, &r.case_id)?.ok_or(ApiError::Internal)?;
                match next {
                    ReferralStatus::Accepted | ReferralStatus::Declined => {
                        qorgau_app::protocol::meet(
                            c,
                            &case,
                            DeadlineKind::ReferralResponse,
                            Some(&id),
                            &me,
                            now,
                        )?
                    }
                    ReferralStatus::Withdrawn => qorgau_persistence::deadlines::cancel(
                        c,
                        &case.id,
                        Some(DeadlineKind::ReferralResponse.as_str()),
                        Some(&id),
                    )?,
                    _ => {}
                }
                let mut text = format!("Referral for {} {}", r.service, next.as_str());
                if let Some(more) = reason.or(outcome) {
                    text = format!("{text}: {more}");
                }
                timeline::record(
                    c,
                    &event(
                        &case.child_id,
                        Some(&case.id),
                        now,
                        match next {
                            ReferralStatus::Accepted => TimelineKind::ReferralAccepted,
                            ReferralStatus::Declined => TimelineKind::ReferralDeclined,
                            ReferralStatus::Completed => TimelineKind::ReferralCompleted,
                            _ => TimelineKind::ReferralWithdrawn,
                        },
                        text,
                        &me,
                        &id,
                    ),
                )?;
                let updated = referrals::find(c, &id)?.ok_or(ApiError::Internal)?;
                let still_active = next.is_active();
                let s = if still_active || by == referral::Actor::CaseTeam {
                    summary(c, &r.case_id, now)?
                } else {
                    None
                };
                Ok(ReferralView::new(updated, s))
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// The receiving organisation accepts the referral.
#[utoipa::path(tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
))]
#[post("/referrals/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReferralView>, ApiError> {
    step(state, caller, id.into_inner(), ReferralAction::Accept).await
}

/// The receiving organisation declines, with a reason.
#[utoipa::path(tag = "referrals", security(("bearer" = [])), request_body = ReasonInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[post("/referrals/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonInput>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let reason = parse_reason("reason", body.0.reason.as_deref())?;
    step(
        state,
        caller,
        id.into_inner(),
        ReferralAction::Decline { reason },
    )
    .await
}

/// The receiving organisation completes the referral, with its outcome.
#[utoipa::path(tag = "referrals", security(("bearer" = [])), request_body = OutcomeInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[post("/referrals/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<OutcomeInput>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let outcome = parse_reason("outcome", body.0.outcome.as_deref())?;
    step(
        state,
        caller,
        id.into_inner(),
        ReferralAction::Complete { outcome },
    )
    .await
}

/// The case team withdraws the referral.
#[utoipa::path(tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
))]
#[post("/referrals/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReferralView>, ApiError> {
    step(state, caller, id.into_inner(), ReferralAction::Withdraw).await
}

// ---------------------------------------------------------------------------------------------
// Transfers

#[derive(Serialize, ToSchema)]
pub struct TransferView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub from_region: String,
    pub from_district: String,
    pub to_region: String,
    pub to_district: String,
    pub reason: String,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
}

impl From<TransferRow> for TransferView {
    fn from(t: TransferRow) -> Self {
        TransferView {
            id: uuid(&t.id),
            case_id: uuid(&t.case_id),
            from_region: t.from_region,
            from_district: t.from_district,
            to_region: t.to_region,
            to_district: t.to_district,
            reason: t.reason,
            status: t.status,
            requested_at: t.requested_at.and_utc(),
            decided_at: t.decided_at.map(|d| d.and_utc()),
            decline_reason: t.decline_reason,
        }
    }
}

/// Asks the receiving region to take the case over (the family moved).
#[utoipa::path(tag = "referrals", security(("bearer" = [])), request_body = TransferInput, params(("id" = Uuid, Path)), responses(
    (status = 202, body = TransferView, description = "Pending the receiving supervisor's decision"),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[post("/cases/{id}/transfer")]
pub async fn request_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<TransferInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let input = body.0;
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::WorkCase)?;
                let new = parse_transfer(input, &case.region_code)?;
                if geography::find_district(c, new.district.as_str())?.is_none() {
                    return Err(ApiError::invalid(
                        "district_code",
                        "no such district in this region",
                    ));
                }
                if transfers::pending_for_case(c, &id)?.is_some() {
                    return Err(ApiError::conflict(
                        "a transfer of this case is already pending",
                    ));
                }
                let row = TransferRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: id.clone(),
                    from_region: case.region_code.clone(),
                    from_district: case.district_code.clone(),
                    to_region: new.region.as_str().into(),
                    to_district: new.district.as_str().into(),
                    reason: new.reason.clone(),
                    status: "pending".into(),
                    requested_by: actor.user_id.to_string(),
                    requested_at: now.naive_utc(),
                    decided_by: None,
                    decided_at: None,
                    decline_reason: None,
                };
                transfers::insert(c, &row)?;
                let text = format!("Transfer to {} requested: {}", row.to_region, row.reason);
                timeline::record(
                    c,
                    &event(
                        &case.child_id,
                        Some(&id),
                        now,
                        TimelineKind::TransferRequested,
                        text,
                        &actor.user_id.to_string(),
                        &row.id,
                    ),
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Accepted().json(TransferView::from(row)))
}

/// The pending transfer of a case, if the caller is a supervisor of the receiving region.
fn incoming(
    conn: &mut DbConnection,
    actor: &Actor,
    case_id: &str,
) -> Result<(TransferRow, CaseRow), ApiError> {
    let transfer = transfers::pending_for_case(conn, case_id)?.ok_or(ApiError::NotFound)?;
    let at = Location {
        region: Some(&transfer.to_region),
        ..Location::default()
    };
    actor.authorize(Action::DecideTransfer, &at)?;
    let case = cases::find(conn, case_id)?.ok_or(ApiError::NotFound)?;
    Ok((transfer, case))
}

/// The receiving region's supervisor accepts: the case, its history and its child move; the old
/// team loses access; the case awaits assignment in its new region.
#[utoipa::path(tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
))]
#[post("/cases/{id}/transfer/accept")]
pub async fn accept_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let case = state
        .run(move |conn| {
            write(conn, |c| {
                let (transfer, case) = incoming(c, &actor, &id)?;
                let me = actor.user_id.to_string();
                if !transfers::decide(c, &transfer.id, "accepted", &me, now.naive_utc(), None)? {
                    return Err(ApiError::conflict("the transfer was decided meanwhile"));
                }
                transfers::relocate(c, &transfer, &case.child_id)?;
                let text = format!(
                    "Transfer from {} to {} accepted",
                    transfer.from_region, transfer.to_region
                );
                timeline::record(
                    c,
                    &event(
                        &case.child_id,
                        Some(&id),
                        now,
                        TimelineKind::TransferAccepted,
                        text,
                        &me,
                        &transfer.id,
                    ),
                )?;
                let moved = cases::find(c, &id)?.ok_or(ApiError::Internal)?;
                Ok(CaseView::try_from(qorgau_app::cases::card(c, moved, now)?)?)
            })
        })
        .await?;
    Ok(with_etag(case))
}

/// The receiving region's supervisor declines, with a reason; the case stays where it is.
#[utoipa::path(tag = "referrals", security(("bearer" = [])), request_body = ReasonInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = TransferView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[post("/cases/{id}/transfer/decline")]
pub async fn decline_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonInput>,
) -> Result<web::Json<TransferView>, ApiError> {
    let reason = parse_decline_reason(body.0.reason.as_deref())?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let (transfer, case) = incoming(c, &actor, &id)?;
                let me = actor.user_id.to_string();
                if !transfers::decide(
                    c,
                    &transfer.id,
                    "declined",
                    &me,
                    now.naive_utc(),
                    Some(&reason),
                )? {
                    return Err(ApiError::conflict("the transfer was decided meanwhile"));
                }
                let text = format!("Transfer to {} declined: {reason}", transfer.to_region);
                timeline::record(
                    c,
                    &event(
                        &case.child_id,
                        Some(&id),
                        now,
                        TimelineKind::TransferDeclined,
                        text,
                        &me,
                        &transfer.id,
                    ),
                )?;
                Ok(TransferRow {
                    status: "declined".into(),
                    decided_at: Some(now.naive_utc()),
                    decline_reason: Some(reason.clone()),
                    ..transfer
                })
            })
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Transfers awaiting the caller's decision (supervisors: into their region).
#[utoipa::path(tag = "referrals", security(("bearer" = [])), responses(
    (status = 200, body = Vec<TransferView>), (status = 403, body = Problem),
))]
#[get("/transfers")]
pub async fn incoming_transfers(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<TransferView>>, ApiError> {
    caller.actor.scope(Action::DecideTransfer)?;
    let region = caller.actor.region_code.clone();
    let rows = state
        .run(move |conn| {
            // A transfer names its case and regions, not the child.
            qorgau_app::audit::log_list(conn, &caller, "transfers", &[])?;
            Ok(transfers::pending_to_region(conn, &region)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(TransferView::from).collect(),
    ))
}
