//! Signals (api.md § Signals): filing with safe retries, the triage queue, and triage.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Datelike, Utc};
use qorgau_domain::access::{Action, Actor, Location};
use qorgau_domain::case::{CaseStatus, case_number};
use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::signal::{ChildFacts, NewSignal, SignalInput, parse_signal};
use qorgau_domain::taxonomy::{Concern, RiskLevel};
use qorgau_domain::triage::{Triage, TriageInput, parse_triage};
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::signals::{self, SignalFilter, SignalRow, TriageRecord};
use qorgau_persistence::timeline::{self, TimelineRow};
use qorgau_persistence::users;
use qorgau_persistence::{DbConnection, DbError, children, geography, idempotency, write};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::audit::{self, Act, Target};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::registry;
use crate::routes::list::{List, ListParams, paginate};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct SignalView {
    pub id: Uuid,
    /// `received`, `case_opened`, `linked` or `screened_out`.
    pub status: String,
    pub received_at: DateTime<Utc>,
    /// The matched or newly registered child; null when nothing identifies one.
    pub child_id: Option<Uuid>,
    pub triage_due_at: DateTime<Utc>,
    pub source: String,
    pub external_ref: Option<String>,
    pub concerns: Vec<String>,
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
    pub risk_level: Option<String>,
    pub case_id: Option<Uuid>,
    pub triaged_at: Option<DateTime<Utc>>,
    pub triaged_by: Option<Uuid>,
    pub screen_out_reason: Option<String>,
    /// Fields withheld from this reader because a concern is sensitive (brief § 5), e.g.
    /// `["description"]`: the list shows that something is hidden, not what.
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

fn uuid(s: &str) -> Uuid {
    s.parse().unwrap_or_default()
}

impl SignalView {
    fn new(row: SignalRow, mut concerns: Vec<String>) -> Self {
        // One order everywhere (the filing response and later reads alike).
        concerns.sort();
        SignalView {
            id: uuid(&row.id),
            status: row.status,
            received_at: row.received_at.and_utc(),
            child_id: row.child_id.as_deref().map(uuid),
            triage_due_at: row.triage_due_at.and_utc(),
            source: row.source,
            external_ref: row.external_ref,
            concerns,
            urgency: row.urgency,
            description: row.description,
            observed_at: row.observed_at.map(|t| t.and_utc()),
            region_code: row.region_code,
            district_code: row.district_code,
            filed_by: uuid(&row.filed_by),
            child: serde_json::from_str(&row.child_facts).unwrap_or_default(),
            reporter: ReporterView {
                name: row.reporter_name,
                phone: row.reporter_phone,
                relation: row.reporter_relation,
                anonymous: row.reporter_anonymous,
            },
            risk_level: row.risk_level,
            case_id: row.case_id.as_deref().map(uuid),
            triaged_at: row.triaged_at.map(|t| t.and_utc()),
            triaged_by: row.triaged_by.as_deref().map(uuid),
            screen_out_reason: row.screen_out_reason,
            hidden: Vec::new(),
        }
    }
}

fn location(row: &SignalRow) -> Location<'_> {
    Location {
        owner: row.filed_by.parse().ok(),
        organisation: None,
        region: Some(&row.region_code),
        district: Some(&row.district_code),
    }
}

fn load_view(conn: &mut DbConnection, row: SignalRow) -> Result<SignalView, ApiError> {
    let concerns = signals::concerns_of(conn, std::slice::from_ref(&row.id))?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(SignalView::new(row, concerns))
}

/// Withholds the description of a signal naming a sensitive concern from a reader who may not
/// read it: anyone but the region's supervisor and the case manager assigned to its case.
fn redact(
    conn: &mut DbConnection,
    actor: &Actor,
    mut view: SignalView,
) -> Result<SignalView, ApiError> {
    let concerns = || view.concerns.iter().map(String::as_str);
    let mut at = Location {
        owner: None,
        organisation: None,
        region: Some(&view.region_code),
        district: Some(&view.district_code),
    };
    if actor.may_read_text(concerns(), &at) {
        return Ok(view);
    }
    let case = match view.case_id {
        Some(id) => cases::find(conn, &id.to_string())?,
        None => None,
    };
    at.owner = case
        .and_then(|c| c.assignee_id)
        .and_then(|a| a.parse().ok());
    if actor.may_read_text(concerns(), &at) {
        return Ok(view);
    }
    view.description = String::new();
    view.hidden = vec!["description".into()];
    Ok(view)
}

/// Files a signal. With `Idempotency-Key`, a retry of the same body returns the original
/// response and stores nothing; the same key with another body is 409. The same `source` +
/// `external_ref` updates that signal (200).
#[utoipa::path(tag = "signals", security(("bearer" = [])), request_body = SignalInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: up to 200 visible ASCII characters")),
    responses(
        (status = 201, body = SignalView, description = "Stored"),
        (status = 200, body = SignalView, description = "Updated by source + external_ref"),
        (status = 403, body = Problem),
        (status = 409, body = Problem, description = "Idempotency-Key reused with a different body"),
        (status = 422, body = Problem),
    ))]
#[post("/signals")]
pub async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<SignalInput>,
) -> Result<HttpResponse, ApiError> {
    caller.actor.scope(Action::FileSignal)?;
    let key = idempotency_key(&req)?;
    let hash = request_hash(&body.0);
    let now = state.now();
    let signal = parse_signal(body.0, now)?;
    // A signal without urgency is triaged on the medium clock.
    let triage_due_at = state.deadline(
        DeadlineKind::Triage,
        now,
        signal.urgency.unwrap_or(RiskLevel::Medium),
    );
    let (status, body) = state
        .run(move |conn| {
            file_with_retry(
                conn,
                &caller,
                key.as_deref(),
                &hash,
                &signal,
                now,
                triage_due_at,
            )
        })
        .await?;
    let status = actix_web::http::StatusCode::from_u16(status).map_err(|_| ApiError::Internal)?;
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .body(body))
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_string()))
        }
        _ => Err(ApiError::invalid(
            "Idempotency-Key",
            "must be 1-200 visible ASCII characters",
        )),
    }
}

/// "Same body" means the same JSON document, whatever its whitespace or key order.
fn request_hash(input: &SignalInput) -> String {
    let canonical = serde_json::to_vec(input).unwrap_or_default();
    Sha256::digest(canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

enum FileError {
    Api(ApiError),
    KeyTaken,
    ExternalRefTaken,
}

impl From<DbError> for FileError {
    fn from(e: DbError) -> Self {
        if idempotency::is_key_taken(&e) {
            FileError::KeyTaken
        } else if matches!(&e, DbError::Duplicate(c) if c.contains("external_ref")) {
            FileError::ExternalRefTaken
        } else {
            FileError::Api(e.into())
        }
    }
}

impl From<ApiError> for FileError {
    fn from(e: ApiError) -> Self {
        FileError::Api(e)
    }
}

fn file_with_retry(
    conn: &mut DbConnection,
    caller: &Caller,
    key: Option<&str>,
    hash: &str,
    signal: &NewSignal,
    now: DateTime<Utc>,
    triage_due_at: DateTime<Utc>,
) -> Result<(u16, String), ApiError> {
    // A second attempt only when a concurrent request inserted the same external reference
    // first: this time it is found and updated.
    for _ in 0..2 {
        match write(conn, |c| {
            file_once(c, caller, key, hash, signal, now, triage_due_at)
        }) {
            Ok(done) => return Ok(done),
            Err(FileError::KeyTaken) => {
                let key = key.ok_or(ApiError::Internal)?;
                let user = caller.actor.user_id.to_string();
                let stored = idempotency::find(conn, &user, key)?.ok_or(ApiError::Internal)?;
                if stored.request_hash != hash {
                    return Err(ApiError::conflict(
                        "this Idempotency-Key was used for a different request",
                    ));
                }
                let status =
                    u16::try_from(stored.response_status).map_err(|_| ApiError::Internal)?;
                return Ok((status, stored.response_body));
            }
            Err(FileError::ExternalRefTaken) => continue,
            Err(FileError::Api(e)) => return Err(e),
        }
    }
    Err(ApiError::conflict(
        "the external reference is being updated concurrently; retry",
    ))
}

fn file_once(
    conn: &mut DbConnection,
    caller: &Caller,
    key: Option<&str>,
    hash: &str,
    signal: &NewSignal,
    now: DateTime<Utc>,
    triage_due_at: DateTime<Utc>,
) -> Result<(u16, String), FileError> {
    let user = &caller.actor.user_id.to_string();
    if let Some(key) = key {
        idempotency::claim(conn, user, key, hash, now.naive_utc())?;
    }
    let (region, district) = (signal.region.as_str(), signal.district.as_str());
    if geography::find_district(conn, district)?.is_none_or(|d| d.region_code != region) {
        return Err(ApiError::invalid("district_code", "no such district in this region").into());
    }
    let concerns: Vec<&str> = signal.concerns.iter().map(|c| c.as_str()).collect();
    let existing = match &signal.external_ref {
        Some(r) => signals::find_by_external_ref(conn, signal.source.as_str(), r)?,
        None => None,
    };
    let (status, row) = match existing {
        Some(mut row) => {
            if row.child_id.is_none() {
                row.child_id = registry::identify(conn, &signal.child, region, district, now)?;
            }
            fill_content(&mut row, signal, now);
            signals::update_content(conn, &row, &concerns)?;
            if let Some(child) = &row.child_id {
                let summary = format!("Signal updated by its source ({})", row.source);
                timeline::record(
                    conn,
                    &event(child, None, now, "signal_updated", summary, user, &row.id),
                )?;
            }
            (200, row)
        }
        None => {
            let child_id = registry::identify(conn, &signal.child, region, district, now)?;
            let mut row = SignalRow {
                id: Uuid::now_v7().to_string(),
                source: signal.source.as_str().into(),
                external_ref: signal.external_ref.clone(),
                urgency: None,
                description: String::new(),
                observed_at: None,
                region_code: region.into(),
                district_code: district.into(),
                child_id,
                child_facts: String::new(),
                reporter_name: None,
                reporter_phone: None,
                reporter_relation: None,
                reporter_anonymous: false,
                status: "received".into(),
                received_at: now.naive_utc(),
                triage_due_at: triage_due_at.naive_utc(),
                filed_by: user.into(),
                triaged_at: None,
                triaged_by: None,
                risk_level: None,
                screen_out_reason: None,
                case_id: None,
                updated_at: now.naive_utc(),
            };
            fill_content(&mut row, signal, now);
            signals::insert(conn, &row, &concerns)?;
            if let Some(child) = &row.child_id {
                let summary = format!(
                    "Signal received from {}: {}",
                    row.source,
                    concerns.join(", ")
                );
                timeline::record(
                    conn,
                    &event(child, None, now, "signal", summary, user, &row.id),
                )?;
            }
            (201, row)
        }
    };
    let act = if status == 201 {
        Act::Create
    } else {
        Act::Update
    };
    audit_signal(conn, caller, act, &row)?;
    let view = SignalView::new(row, concerns.iter().map(|c| c.to_string()).collect());
    let body = serde_json::to_string(&view).map_err(|_| ApiError::Internal)?;
    if let Some(key) = key {
        idempotency::complete(conn, user, key, i32::from(status), &body)?;
    }
    Ok((status, body))
}

/// Records an access to a signal (and so to its child) in the audit log.
fn audit_signal(
    conn: &mut DbConnection,
    caller: &Caller,
    act: Act,
    row: &SignalRow,
) -> Result<(), ApiError> {
    audit::log(
        conn,
        caller,
        act,
        Target {
            resource: "signal",
            id: &row.id,
            child_id: row.child_id.as_deref(),
            region: Some(&row.region_code),
        },
    )
}

/// What the reporter said, copied onto the row (new or upserted).
fn fill_content(row: &mut SignalRow, s: &NewSignal, now: DateTime<Utc>) {
    row.urgency = s.urgency.map(|u| u.as_str().into());
    row.description = s.description.clone();
    row.observed_at = s.observed_at.map(|t| t.naive_utc());
    row.child_facts = serde_json::to_string(&s.child).unwrap_or_else(|_| "{}".into());
    row.reporter_name = s.reporter.name.clone();
    row.reporter_phone = s.reporter.phone.clone();
    row.reporter_relation = s.reporter.relation.clone();
    row.reporter_anonymous = s.reporter.anonymous;
    row.updated_at = now.naive_utc();
}

pub fn event(
    child_id: &str,
    case_id: Option<&str>,
    at: DateTime<Utc>,
    kind: &str,
    summary: String,
    actor: &str,
    ref_id: &str,
) -> TimelineRow {
    TimelineRow {
        id: Uuid::now_v7().to_string(),
        child_id: child_id.into(),
        case_id: case_id.map(str::to_string),
        at: at.naive_utc(),
        kind: kind.into(),
        summary,
        actor_id: Some(actor.into()),
        ref_id: Some(ref_id.into()),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct SignalQuery {
    /// `received`, `case_opened`, `linked` or `screened_out`.
    pub status: Option<String>,
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    pub source: Option<String>,
}

/// The signals the caller may see: the district's queue for intake, the region for a
/// supervisor, what they filed for a mobile group.
#[utoipa::path(tag = "signals", security(("bearer" = [])), params(SignalQuery, ListParams), responses(
    (status = 200, body = List<SignalView>),
    (status = 403, body = Problem),
))]
#[get("/signals")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SignalQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<SignalView>>, ApiError> {
    let scope = caller.actor.scope(Action::ViewSignals)?;
    let page = params.page()?;
    let filter = SignalFilter {
        status: query.status.clone(),
        region_code: query.region_code.clone(),
        district_code: query.district_code.clone(),
        source: query.source.clone(),
    };
    let query_page = page.clone();
    let views = state
        .run(move |conn| {
            audit::log_list(conn, &caller, "signals")?;
            let rows = signals::list(conn, &scope, &filter, &query_page)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut concerns = signals::concerns_of(conn, &ids)?;
            rows.into_iter()
                .map(|r| {
                    let c = concerns.remove(&r.id).unwrap_or_default();
                    let id = r.id.clone();
                    Ok((id, redact(conn, &caller.actor, SignalView::new(r, c))?))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(web::Json(paginate(views, &page, |(id, _)| id, |(_, v)| v)))
}

/// One signal.
#[utoipa::path(tag = "signals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = SignalView),
    (status = 404, body = Problem),
))]
#[get("/signals/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SignalView>, ApiError> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| {
            let row = signals::find(conn, &id)?.ok_or(ApiError::NotFound)?;
            caller
                .actor
                .authorize(Action::ViewSignals, &location(&row))?;
            audit_signal(conn, &caller, Act::Read, &row)?;
            let view = load_view(conn, row)?;
            redact(conn, &caller.actor, view)
        })
        .await?;
    Ok(web::Json(view))
}

/// Triages a signal: open a case, link it to the child's open case, or screen it out.
#[utoipa::path(tag = "signals", security(("bearer" = [])), request_body = TriageInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = SignalView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Already triaged, or the child already has an open case"),
    (status = 422, body = Problem),
))]
#[post("/signals/{id}/triage")]
pub async fn triage(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<TriageInput>,
) -> Result<web::Json<SignalView>, ApiError> {
    let decision = parse_triage(body.0)?;
    let id = id.into_inner().to_string();
    let now = state.now();
    let app = state.clone();
    let view = state
        .run(move |conn| {
            write(conn, |c| {
                triage_signal(c, &app, &caller, &id, decision, now)
            })
        })
        .await?;
    Ok(web::Json(view))
}

fn triage_signal(
    conn: &mut DbConnection,
    app: &AppState,
    caller: &Caller,
    id: &str,
    decision: Triage,
    now: DateTime<Utc>,
) -> Result<SignalView, ApiError> {
    let actor = &caller.actor;
    let signal = signals::find(conn, id)?.ok_or(ApiError::NotFound)?;
    actor.authorize(Action::ViewSignals, &location(&signal))?;
    actor
        .authorize(Action::TriageSignal, &location(&signal))
        .map_err(|_| ApiError::Forbidden)?;
    audit_signal(conn, caller, Act::Update, &signal)?;
    if signal.status != "received" {
        return Err(ApiError::conflict("this signal has already been triaged"));
    }
    let me = actor.user_id.to_string();
    let concerns = signals::concerns_of(conn, std::slice::from_ref(&signal.id))?
        .remove(&signal.id)
        .unwrap_or_default();
    let concern_refs: Vec<&str> = concerns.iter().map(String::as_str).collect();
    // Recorded after the triage itself, so the timeline reads in the order things happened.
    let mut follow_up = None;
    let mut opened: Option<CaseRow> = None;
    let concern_codes: Vec<Concern> = concerns
        .iter()
        .filter_map(|c| Concern::from_code(c))
        .collect();
    let (status, risk, reason, case_id, child_id) = match decision {
        Triage::OpenCase { risk, assignee } => {
            let child_id = match &signal.child_id {
                Some(c) => c.clone(),
                // Nothing identified the child: the case still needs a record to hang on.
                None => {
                    let facts: ChildFacts =
                        serde_json::from_str(&signal.child_facts).unwrap_or_default();
                    registry::register(
                        conn,
                        &facts,
                        &signal.region_code,
                        &signal.district_code,
                        now,
                    )?
                }
            };
            if children::open_case(conn, &child_id)?.is_some() {
                return Err(ApiError::conflict(
                    "the child already has an open case: link the signal to it",
                ));
            }
            let child = children::find(conn, &child_id)?.ok_or(ApiError::Internal)?;
            if let Some(assignee) = assignee {
                check_assignee(conn, &assignee.to_string(), &child.region_code)?;
            }
            let year = now.with_timezone(&kazakhstan()).year();
            let sequence = cases::next_number(conn, &child.region_code, year)?;
            let case = CaseRow {
                id: Uuid::now_v7().to_string(),
                number: case_number(&child.region_code, year, sequence),
                child_id: child_id.clone(),
                status: CaseStatus::Intake.as_str().into(),
                risk_level: risk.as_str().into(),
                region_code: child.region_code.clone(),
                district_code: child.district_code.clone(),
                assignee_id: assignee.map(|a| a.to_string()),
                opened_at: now.naive_utc(),
                closed_at: None,
                closure_reason: None,
                version: 1,
            };
            cases::insert(conn, &case, &concern_refs).map_err(|e| match e {
                DbError::Duplicate(_) => {
                    ApiError::conflict("the child already has an open case: link the signal to it")
                }
                other => other.into(),
            })?;
            let summary = format!(
                "Case {} opened in intake, risk {}",
                case.number,
                risk.as_str()
            );
            follow_up = Some((child_id.clone(), case.id.clone(), summary));
            opened = Some(case.clone());
            (
                "case_opened",
                Some(risk),
                None,
                Some(case.id),
                Some(child_id),
            )
        }
        Triage::LinkCase { risk, case_id } => {
            let case = cases::find(conn, &case_id.to_string())?
                .filter(|c| {
                    c.status != CaseStatus::Closed.as_str()
                        && Some(&c.child_id) == signal.child_id.as_ref()
                })
                .ok_or_else(|| {
                    ApiError::invalid("case_id", "must be an open case of the same child")
                })?;
            // Concerns new to the case route like a case opening would (brief § 4).
            let existing = cases::concerns_of(conn, std::slice::from_ref(&case.id))?
                .remove(&case.id)
                .unwrap_or_default();
            let added: Vec<Concern> = concern_codes
                .iter()
                .copied()
                .filter(|c| !existing.iter().any(|e| e == c.as_str()))
                .collect();
            cases::add_concerns(conn, &case.id, &concern_refs)?;
            crate::protocol_engine::route(conn, app, &case, &added, &me, now)?;
            ("linked", risk, None, Some(case.id), Some(case.child_id))
        }
        Triage::ScreenOut { risk, reason } => (
            "screened_out",
            risk,
            Some(reason),
            None,
            signal.child_id.clone(),
        ),
    };
    let recorded = signals::record_triage(
        conn,
        id,
        &TriageRecord {
            status,
            triaged_by: &me,
            at: now.naive_utc(),
            risk_level: risk.map(|r| r.as_str()),
            screen_out_reason: reason.as_deref(),
            case_id: case_id.as_deref(),
            child_id: child_id.as_deref(),
        },
    )?;
    if !recorded {
        return Err(ApiError::conflict("this signal has already been triaged"));
    }
    if let Some(child) = &child_id {
        let summary = match &reason {
            Some(r) => format!("Signal screened out: {r}"),
            None => format!("Signal triaged: {}", status.replace('_', " ")),
        };
        timeline::record(
            conn,
            &event(child, case_id.as_deref(), now, "triage", summary, &me, id),
        )?;
    }
    // Built only now: event ids are time-ordered, and they break ties between events of one
    // transaction, which share a timestamp.
    if let Some((child, case, summary)) = follow_up {
        timeline::record(
            conn,
            &event(&child, Some(&case), now, "case_opened", summary, &me, &case),
        )?;
    }
    // The protocol takes over: deadlines, mandatory referrals, automatic assignment.
    if let Some(case) = opened {
        crate::protocol_engine::on_case_opened(
            conn,
            app,
            &case,
            &signal,
            &concern_codes,
            &me,
            now,
        )?;
    }
    let row = signals::find(conn, id)?.ok_or(ApiError::Internal)?;
    Ok(SignalView::new(row, concerns))
}

/// An assignee must be an active case manager of the case's region.
fn check_assignee(conn: &mut DbConnection, user_id: &str, region: &str) -> Result<(), ApiError> {
    match users::find(conn, user_id)? {
        Some((user, org))
            if user.active && user.role == "case_manager" && org.region_code == region =>
        {
            Ok(())
        }
        _ => Err(ApiError::invalid(
            "assignee_id",
            "must be a case manager of the child's region",
        )),
    }
}
