//! Interagency records of a case or child (api.md § Interagency records): family relations,
//! consent, commission matters, placements, interviews.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use qorgau_domain::access::{Action, Actor};
use qorgau_domain::consent::{ConsentInput, parse_consent};
use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::interagency::{
    CommissionDecisionInput, CommissionMatterInput, InterviewInput, PlacementEndInput,
    PlacementInput, PlacementType, RelationInput, check_consenting_relation, exceeds_limit,
    measure_status, parse_commission_decision, parse_commission_matter, parse_interview,
    parse_placement, parse_placement_end, parse_relation,
};
use qorgau_domain::validation::bounded_text;
use qorgau_persistence::cases::CaseRow;
use qorgau_persistence::commission::{self, MatterRow, MeasureRow};
use qorgau_persistence::consents::{self, ConsentRow};
use qorgau_persistence::interviews::{self, InterviewRow};
use qorgau_persistence::placements::{self, PlacementRow};
use qorgau_persistence::relations::{self, RelationRow};
use qorgau_persistence::{DbConnection, organisations, timeline, write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::state::AppState;
use qorgau_app::access::case_for_work;
use qorgau_app::access::visible_case;
use qorgau_app::access::visible_child;
use qorgau_app::timeline::event;
use qorgau_domain::timeline::TimelineKind;

fn uuid(s: &str) -> Uuid {
    s.parse().unwrap_or_default()
}

fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&kazakhstan()).date_naive()
}

fn note(
    conn: &mut DbConnection,
    case: &CaseRow,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: TimelineKind,
    text: String,
    ref_id: &str,
) -> Result<(), ApiError> {
    Ok(timeline::record(
        conn,
        &event(
            &case.child_id,
            Some(&case.id),
            now,
            kind,
            text,
            &actor.user_id.to_string(),
            ref_id,
        ),
    )?)
}

fn require_org(
    conn: &mut DbConnection,
    field: &str,
    id: &str,
    kind: Option<&str>,
) -> Result<(), ApiError> {
    match organisations::find(conn, id)? {
        Some(org) if kind.is_none_or(|k| org.kind == k) => Ok(()),
        Some(_) => Err(ApiError::invalid(
            field,
            format!(
                "must be an organisation of kind {}",
                kind.unwrap_or_default()
            ),
        )),
        None => Err(ApiError::invalid(field, "no such organisation")),
    }
}

// ---------------------------------------------------------------------------------------------
// Family and relations

#[derive(Serialize, ToSchema)]
pub struct RelationView {
    pub id: Uuid,
    pub child_id: Uuid,
    pub full_name: String,
    pub relation: String,
    pub is_legal_representative: bool,
    /// Shown prominently: no contact or disclosure to this person follows from the system.
    pub alleged_perpetrator: bool,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<RelationRow> for RelationView {
    fn from(r: RelationRow) -> Self {
        RelationView {
            id: uuid(&r.id),
            child_id: uuid(&r.child_id),
            full_name: r.full_name,
            relation: r.relation,
            is_legal_representative: r.is_legal_representative,
            alleged_perpetrator: r.alleged_perpetrator,
            phone: r.phone,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// Records a family member or legal representative of the child.
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = RelationInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = RelationView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[post("/children/{id}/relations")]
pub async fn add_relation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<RelationInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_relation(body.0)?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let (child, open_case) = visible_child(c, &caller, Action::EditChild, &id)?;
                let row = RelationRow {
                    id: Uuid::now_v7().to_string(),
                    child_id: child.id.clone(),
                    full_name: new.full_name,
                    relation: new.relation,
                    is_legal_representative: new.is_legal_representative,
                    alleged_perpetrator: new.alleged_perpetrator,
                    phone: new.phone,
                    created_by: actor.user_id.to_string(),
                    created_at: now.naive_utc(),
                };
                relations::insert(c, &row)?;
                let flag = if row.alleged_perpetrator {
                    " — alleged perpetrator"
                } else {
                    ""
                };
                let text = format!(
                    "Relation recorded: {} ({}){flag}",
                    row.full_name, row.relation
                );
                timeline::record(
                    c,
                    &event(
                        &child.id,
                        open_case.as_deref(),
                        now,
                        TimelineKind::Relation,
                        text,
                        &actor.user_id.to_string(),
                        &row.id,
                    ),
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(RelationView::from(row)))
}

/// The child's family members and legal representatives; alleged perpetrators are flagged.
#[utoipa::path(tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<RelationView>), (status = 404, body = Problem),
))]
#[get("/children/{id}/relations")]
pub async fn list_relations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<RelationView>>, ApiError> {
    let id = id.into_inner().to_string();
    let rows = state
        .run(move |conn| {
            visible_child(conn, &caller, Action::ViewChildFile, &id)?;
            Ok(relations::for_child(conn, &id)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(RelationView::from).collect(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Consent

#[derive(Serialize, ToSchema)]
pub struct ConsentView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub given_by_relation_id: Option<Uuid>,
    pub given_by_name: String,
    pub relation: String,
    pub services: bool,
    /// Organisation kinds the consent covers sharing the child's data with.
    pub share_with: Vec<String>,
    pub given_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl From<ConsentRow> for ConsentView {
    fn from(c: ConsentRow) -> Self {
        ConsentView {
            id: uuid(&c.id),
            case_id: uuid(&c.case_id),
            given_by_relation_id: c.given_by_relation_id.as_deref().map(uuid),
            given_by_name: c.given_by_name,
            relation: c.relation,
            services: c.services,
            share_with: c
                .share_with
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            given_at: c.given_at.and_utc(),
            withdrawn_at: c.withdrawn_at.map(|t| t.and_utc()),
        }
    }
}

/// Records the legal representative's consent. A relation marked as an alleged perpetrator
/// cannot be recorded as the one consenting (422).
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = ConsentInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = ConsentView), (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[post("/cases/{id}/consents")]
pub async fn add_consent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ConsentInput>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let new = parse_consent(body.0, now)?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::WorkCase)?;
                if let Some(rel) = new.given_by_relation_id {
                    let relation = relations::find(c, &rel.to_string())?
                        .filter(|r| r.child_id == case.child_id)
                        .ok_or_else(|| {
                            ApiError::invalid(
                                "given_by_relation_id",
                                "no such relation of this child",
                            )
                        })?;
                    check_consenting_relation(relation.alleged_perpetrator)?;
                }
                let row = ConsentRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: id.clone(),
                    given_by_relation_id: new.given_by_relation_id.map(|r| r.to_string()),
                    given_by_name: new.given_by_name.clone(),
                    relation: new.relation.clone(),
                    services: new.services,
                    share_with: new
                        .share_with
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    given_at: new.given_at.naive_utc(),
                    withdrawn_at: None,
                    recorded_by: actor.user_id.to_string(),
                    recorded_at: now.naive_utc(),
                };
                consents::insert(c, &row)?;
                note(
                    c,
                    &case,
                    &actor,
                    now,
                    TimelineKind::Consent,
                    format!(
                        "Consent recorded from {} ({})",
                        row.given_by_name, row.relation
                    ),
                    &row.id,
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ConsentView::from(row)))
}

/// The consents recorded on the case, withdrawn ones included.
#[utoipa::path(tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<ConsentView>), (status = 404, body = Problem),
))]
#[get("/cases/{id}/consents")]
pub async fn list_consents(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<ConsentView>>, ApiError> {
    let id = id.into_inner().to_string();
    let rows = state
        .run(move |conn| {
            visible_case(conn, &caller, &id, Action::ViewCases)?;
            Ok(consents::for_case(conn, &id)?)
        })
        .await?;
    Ok(web::Json(rows.into_iter().map(ConsentView::from).collect()))
}

/// Withdraws a consent: referrals made after this need another basis.
#[utoipa::path(tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ConsentView), (status = 404, body = Problem), (status = 409, body = Problem),
))]
#[post("/consents/{id}/withdraw")]
pub async fn withdraw_consent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ConsentView>, ApiError> {
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let consent = consents::find(c, &id)?.ok_or(ApiError::NotFound)?;
                let case = visible_case(c, &caller, &consent.case_id, Action::WorkCase)?;
                if !consents::withdraw(c, &id, now.naive_utc())? {
                    return Err(ApiError::conflict("the consent is already withdrawn"));
                }
                note(
                    c,
                    &case,
                    &actor,
                    now,
                    TimelineKind::ConsentWithdrawn,
                    format!("Consent of {} withdrawn", consent.given_by_name),
                    &id,
                )?;
                consents::find(c, &id)?.ok_or(ApiError::Internal)
            })
        })
        .await?;
    Ok(web::Json(row.into()))
}

// ---------------------------------------------------------------------------------------------
// Commission matters (КТІҚҚК)

#[derive(Serialize, ToSchema)]
pub struct CommissionMatterView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub commission_organisation_id: Uuid,
    pub grounds: String,
    pub hearing_date: Option<NaiveDate>,
    pub decision: Option<String>,
    pub created_at: DateTime<Utc>,
    pub measures: Vec<CommissionMeasureView>,
}

#[derive(Serialize, ToSchema)]
pub struct CommissionMeasureView {
    pub id: Uuid,
    pub description: String,
    pub responsible_organisation_id: Uuid,
    pub due_date: NaiveDate,
    /// `pending`, `done` or `overdue` (past due and not done).
    pub status: String,
    pub done_at: Option<DateTime<Utc>>,
    pub done_note: Option<String>,
}

fn measure_view(m: MeasureRow, today: NaiveDate) -> CommissionMeasureView {
    CommissionMeasureView {
        id: uuid(&m.id),
        status: measure_status(m.due_date, m.done_at.is_some(), today)
            .as_str()
            .into(),
        description: m.description,
        responsible_organisation_id: uuid(&m.responsible_organisation_id),
        due_date: m.due_date,
        done_at: m.done_at.map(|t| t.and_utc()),
        done_note: m.done_note,
    }
}

fn matters_view(
    conn: &mut DbConnection,
    matters: Vec<MatterRow>,
    today: NaiveDate,
) -> Result<Vec<CommissionMatterView>, ApiError> {
    let ids: Vec<String> = matters.iter().map(|m| m.id.clone()).collect();
    let mut measures = commission::measures(conn, &ids)?;
    Ok(matters
        .into_iter()
        .map(|m| {
            let (own, rest): (Vec<_>, Vec<_>) =
                measures.drain(..).partition(|x| x.matter_id == m.id);
            measures = rest;
            CommissionMatterView {
                id: uuid(&m.id),
                case_id: uuid(&m.case_id),
                commission_organisation_id: uuid(&m.commission_organisation_id),
                grounds: m.grounds,
                hearing_date: m.hearing_date,
                decision: m.decision,
                created_at: m.created_at.and_utc(),
                measures: own.into_iter().map(|x| measure_view(x, today)).collect(),
            }
        })
        .collect())
}

/// Refers the case to the commission on minors' affairs, with the grounds.
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = CommissionMatterInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = CommissionMatterView), (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[post("/cases/{id}/commission-matters")]
pub async fn add_matter(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<CommissionMatterInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_commission_matter(body.0)?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let view = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::WorkCase)?;
                let org = new.commission_organisation_id.to_string();
                require_org(c, "commission_organisation_id", &org, Some("commission"))?;
                let row = MatterRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: id.clone(),
                    commission_organisation_id: org,
                    grounds: new.grounds.clone(),
                    hearing_date: None,
                    decision: None,
                    created_by: actor.user_id.to_string(),
                    created_at: now.naive_utc(),
                    decided_at: None,
                };
                commission::insert(c, &row)?;
                note(
                    c,
                    &case,
                    &actor,
                    now,
                    TimelineKind::CommissionReferral,
                    format!("Referred to the commission: {}", row.grounds),
                    &row.id,
                )?;
                Ok(matters_view(c, vec![row], today(now))?.remove(0))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Records the hearing's decision and the measures it ordered.
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = CommissionDecisionInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = CommissionMatterView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[post("/commission-matters/{id}/decision")]
pub async fn decide_matter(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<CommissionDecisionInput>,
) -> Result<web::Json<CommissionMatterView>, ApiError> {
    let decision = parse_commission_decision(body.0)?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let view = state
        .run(move |conn| {
            write(conn, |c| {
                let matter = commission::find(c, &id)?.ok_or(ApiError::NotFound)?;
                let case = visible_case(c, &caller, &matter.case_id, Action::WorkCase)?;
                let mut measures = Vec::new();
                for (i, m) in decision.measures.iter().enumerate() {
                    let org = m.responsible_organisation_id.to_string();
                    require_org(
                        c,
                        &format!("measures[{i}].responsible_organisation_id"),
                        &org,
                        None,
                    )?;
                    measures.push(MeasureRow {
                        id: Uuid::now_v7().to_string(),
                        matter_id: id.clone(),
                        description: m.description.clone(),
                        responsible_organisation_id: org,
                        due_date: m.due_date,
                        done_at: None,
                        done_note: None,
                        done_by: None,
                    });
                }
                if !commission::decide(
                    c,
                    &id,
                    decision.hearing_date,
                    &decision.decision,
                    now.naive_utc(),
                    &measures,
                )? {
                    return Err(ApiError::conflict(
                        "the commission's decision is already recorded",
                    ));
                }
                let text = format!(
                    "Commission decided on {}: {} ({} measures)",
                    decision.hearing_date,
                    decision.decision,
                    measures.len()
                );
                note(
                    c,
                    &case,
                    &actor,
                    now,
                    TimelineKind::CommissionDecision,
                    text,
                    &id,
                )?;
                let matter = commission::find(c, &id)?.ok_or(ApiError::Internal)?;
                Ok(matters_view(c, vec![matter], today(now))?.remove(0))
            })
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct DoneInput {
    pub note: Option<String>,
}

/// Records that a commission measure was carried out.
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = DoneInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = CommissionMeasureView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[post("/commission-measures/{id}/done")]
pub async fn measure_done(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<DoneInput>,
) -> Result<web::Json<CommissionMeasureView>, ApiError> {
    let text = bounded_text(body.0.note.as_deref().unwrap_or_default(), 2000)
        .map_err(|e| ApiError::invalid("note", e.to_string()))?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let view = state
        .run(move |conn| {
            write(conn, |c| {
                let measure = commission::find_measure(c, &id)?.ok_or(ApiError::NotFound)?;
                let matter = commission::find(c, &measure.matter_id)?.ok_or(ApiError::Internal)?;
                let case = visible_case(c, &caller, &matter.case_id, Action::WorkCase)?;
                if !commission::mark_done(
                    c,
                    &id,
                    &actor.user_id.to_string(),
                    now.naive_utc(),
                    &text,
                )? {
                    return Err(ApiError::conflict("the measure is already done"));
                }
                note(
                    c,
                    &case,
                    &actor,
                    now,
                    TimelineKind::CommissionMeasureDone,
                    format!("Commission measure done: {}", measure.description),
                    &id,
                )?;
                let done = commission::find_measure(c, &id)?.ok_or(ApiError::Internal)?;
                Ok(measure_view(done, today(now)))
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// The case's commission matters with their measures' execution.
#[utoipa::path(tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<CommissionMatterView>), (status = 404, body = Problem),
))]
#[get("/cases/{id}/commission-matters")]
pub async fn list_matters(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<CommissionMatterView>>, ApiError> {
    let id = id.into_inner().to_string();
    let now = state.now();
    let view = state
        .run(move |conn| {
            visible_case(conn, &caller, &id, Action::ViewCases)?;
            let matters = commission::for_case(conn, &id)?;
            matters_view(conn, matters, today(now))
        })
        .await?;
    Ok(web::Json(view))
}

// ---------------------------------------------------------------------------------------------
// Placements

#[derive(Serialize, ToSchema)]
pub struct PlacementView {
    pub id: Uuid,
    pub case_id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub organisation_id: Option<Uuid>,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    /// A juvenile adaptation centre placement longer than 3 months (seed l. 718).
    pub exceeds_limit: bool,
}

fn placement_view(p: PlacementRow, today: NaiveDate) -> PlacementView {
    let over = PlacementType::from_code(&p.kind)
        .is_some_and(|k| exceeds_limit(k, p.started_on, p.ended_on.unwrap_or(today)));
    PlacementView {
        id: uuid(&p.id),
        case_id: uuid(&p.case_id),
        kind: p.kind,
        organisation_id: p.organisation_id.as_deref().map(uuid),
        started_on: p.started_on,
        ended_on: p.ended_on,
        end_reason: p.end_reason,
        exceeds_limit: over,
    }
}

/// Records a placement of the child.
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = PlacementInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = PlacementView), (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[post("/cases/{id}/placements")]
pub async fn add_placement(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PlacementInput>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let new = parse_placement(body.0, today(now))?;
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let case = visible_case(c, &caller, &id, Action::WorkCase)?;
                if let Some(org) = new.organisation_id {
                    require_org(c, "organisation_id", &org.to_string(), None)?;
                }
                let row = PlacementRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: id.clone(),
                    kind: new.kind.as_str().into(),
                    organisation_id: new.organisation_id.map(|o| o.to_string()),
                    started_on: new.started_on,
                    ended_on: new.ended_on,
                    end_reason: new.end_reason.map(|r| r.as_str().into()),
                    created_by: actor.user_id.to_string(),
                    created_at: now.naive_utc(),
                };
                placements::insert(c, &row)?;
                note(
                    c,
                    &case,
                    &actor,
                    now,
                    TimelineKind::Placement,
                    format!("Placement: {} from {}", row.kind, row.started_on),
                    &row.id,
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(placement_view(row, today(now))))
}

/// Ends a placement (`ended_on`, `end_reason` — e.g. `breakdown`).
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = PlacementEndInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = PlacementView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[patch("/placements/{id}")]
pub async fn end_placement(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<PlacementEndInput>,
) -> Result<web::Json<PlacementView>, ApiError> {
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let input = body.0;
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let placement = placements::find(c, &id)?.ok_or(ApiError::NotFound)?;
                let case = visible_case(c, &caller, &placement.case_id, Action::WorkCase)?;
                let (ended_on, reason) =
                    parse_placement_end(input, placement.started_on, today(now))?;
                if !placements::end(c, &id, ended_on, reason.as_str())? {
                    return Err(ApiError::conflict("the placement has already ended"));
                }
                note(
                    c,
                    &case,
                    &actor,
                    now,
                    TimelineKind::PlacementEnded,
                    format!(
                        "Placement {} ended on {ended_on}: {}",
                        placement.kind,
                        reason.as_str()
                    ),
                    &id,
                )?;
                placements::find(c, &id)?.ok_or(ApiError::Internal)
            })
        })
        .await?;
    Ok(web::Json(placement_view(row, today(now))))
}

/// The case's placements; an over-long stay in a juvenile adaptation centre is flagged.
#[utoipa::path(tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<PlacementView>), (status = 404, body = Problem),
))]
#[get("/cases/{id}/placements")]
pub async fn list_placements(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<PlacementView>>, ApiError> {
    let id = id.into_inner().to_string();
    let now = state.now();
    let rows = state
        .run(move |conn| {
            visible_case(conn, &caller, &id, Action::ViewCases)?;
            Ok(placements::for_case(conn, &id)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|p| placement_view(p, today(now)))
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Interviews

#[derive(Serialize, ToSchema)]
pub struct InterviewView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub conducted_at: DateTime<Utc>,
    pub interviewer_name: String,
    pub organisation_id: Uuid,
    pub present: Vec<String>,
    pub recording_ref: Option<String>,
    pub repeat_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Interviews {
    pub items: Vec<InterviewView>,
    /// Interviews of this child across all their cases (as few as possible: Barnahus).
    pub count_for_child: i64,
}

impl From<InterviewRow> for InterviewView {
    fn from(i: InterviewRow) -> Self {
        InterviewView {
            id: uuid(&i.id),
            case_id: uuid(&i.case_id),
            conducted_at: i.conducted_at.and_utc(),
            interviewer_name: i.interviewer_name,
            organisation_id: uuid(&i.organisation_id),
            present: i
                .present
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            recording_ref: i.recording_ref,
            repeat_reason: i.repeat_reason,
        }
    }
}

/// Records an interview of the child; a second one in the same case needs `repeat_reason`.
#[utoipa::path(tag = "records", security(("bearer" = [])), request_body = InterviewInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = InterviewView), (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[post("/cases/{id}/interviews")]
pub async fn add_interview(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<InterviewInput>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let actor = caller.actor.clone();
    let now = state.now();
    let input = body.0;
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let case = case_for_work(c, &caller, &id)?;
                let previous = interviews::for_case(c, &id)?.len();
                let new = parse_interview(input, previous, now)?;
                require_org(c, "organisation_id", &new.organisation_id.to_string(), None)?;
                let row = InterviewRow {
                    id: Uuid::now_v7().to_string(),
                    case_id: id.clone(),
                    child_id: case.child_id.clone(),
                    conducted_at: new.conducted_at.naive_utc(),
                    interviewer_name: new.interviewer_name.clone(),
                    organisation_id: new.organisation_id.to_string(),
                    present: new
                        .present
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    recording_ref: new.recording_ref.clone(),
                    repeat_reason: new.repeat_reason.clone(),
                    recorded_by: actor.user_id.to_string(),
                    recorded_at: now.naive_utc(),
                };
                interviews::insert(c, &row)?;
                let text = match &row.repeat_reason {
                    Some(reason) if previous > 0 => {
                        format!("Repeat interview ({}): {reason}", previous + 1)
                    }
                    _ => "Interview of the child recorded".to_string(),
                };
                note(
                    c,
                    &case,
                    &actor,
                    now,
                    TimelineKind::Interview,
                    text,
                    &row.id,
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(InterviewView::from(row)))
}

/// The case's interviews, and how many times the child has been interviewed in all.
#[utoipa::path(tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Interviews), (status = 404, body = Problem),
))]
#[get("/cases/{id}/interviews")]
pub async fn list_interviews(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Interviews>, ApiError> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| {
            let case = visible_case(conn, &caller, &id, Action::ViewCases)?;
            let items = interviews::for_case(conn, &id)?
                .into_iter()
                .map(InterviewView::from)
                .collect();
            Ok(Interviews {
                items,
                count_for_child: interviews::count_for_child(conn, &case.child_id)?,
            })
        })
        .await?;
    Ok(web::Json(view))
}
