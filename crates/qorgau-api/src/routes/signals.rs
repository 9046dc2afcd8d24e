//! Signals (api.md § Signals): filing with safe retries, the triage queue, and triage.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Datelike, Utc};
use qorgau_domain::access::{Action, Actor, Location};
use qorgau_domain::case::{CaseStatus, case_number};
use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::filing::{self, Resend};
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::role::Role;
use qorgau_domain::signal::{ChildFacts, NewSignal, SignalInput, parse_signal};
use qorgau_domain::taxonomy::{Concern, RiskLevel, SignalSource};
use qorgau_domain::triage::{Triage, TriageInput, parse_triage};
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::signals::{self, SignalFilter, SignalReportRow, SignalRow, TriageRecord};
use qorgau_persistence::timeline;
use qorgau_persistence::users;
use qorgau_persistence::{DbConnection, DbError, children, geography, idempotency, write};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::mail;
use crate::registry;
use crate::routes::list::{List, ListParams, paginate, shown};
use crate::state::AppState;
use qorgau_app::audit::{self, Act, Target};
use qorgau_app::timeline::event;
use qorgau_domain::timeline::TimelineKind;

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
            later_reports: 0,
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
    let ids = std::slice::from_ref(&row.id);
    let concerns = signals::concerns_of(conn, ids)?
        .remove(&row.id)
        .unwrap_or_default();
    let later_reports = signals::report_counts(conn, ids)?
        .remove(&row.id)
        .unwrap_or(0);
    Ok(SignalView {
        later_reports,
        ..SignalView::new(row, concerns)
    })
}

/// Where a signal's child data sits for access: its place, and — once a case is open — the
/// case's assignee as owner. The case is looked up only if `allowed` refuses without it.
fn child_location<'a>(
    conn: &mut DbConnection,
    region: &'a str,
    district: &'a str,
    case_id: Option<Uuid>,
    allowed: impl Fn(&Location<'_>) -> bool,
) -> Result<bool, ApiError> {
    let mut at = Location {
        owner: None,
        organisation: None,
        region: Some(region),
        district: Some(district),
    };
    if allowed(&at) {
        return Ok(true);
    }
    let Some(case) = case_id else {
        return Ok(false);
    };
    at.owner = cases::find(conn, &case.to_string())?
        .and_then(|c| c.assignee_id)
        .and_then(|a| a.parse().ok());
    Ok(allowed(&at))
}

/// What a reader may not see of a signal's (or a later report's) content: the description when
/// a concern is sensitive — for anyone but the region's supervisor and the case's manager — and
/// the child's address for anyone without the child's file (brief § 5: intake gets the short
/// card). Every answer carrying a signal goes through here: reads, lists, filing and triage.
struct Withheld {
    description: bool,
    address: bool,
}

impl Withheld {
    fn for_reader(
        conn: &mut DbConnection,
        actor: &Actor,
        view: &SignalView,
        concerns: &[String],
    ) -> Result<Withheld, ApiError> {
        let (region, district) = (view.region_code.as_str(), view.district_code.as_str());
        let readable =
            |at: &Location<'_>| actor.may_read_text(concerns.iter().map(String::as_str), at);
        let child_file = |at: &Location<'_>| actor.authorize(Action::ViewChildFile, at).is_ok();
        Ok(Withheld {
            description: !child_location(conn, region, district, view.case_id, readable)?,
            address: !child_location(conn, region, district, view.case_id, child_file)?,
        })
    }

    /// Blanks what is withheld; returns the names of the fields blanked.
    fn apply(&self, description: &mut String, child: &mut serde_json::Value) -> Vec<String> {
        let mut hidden = Vec::new();
        if self.description {
            description.clear();
            hidden.push("description".to_string());
        }
        if self.address
            && let Some(facts) = child.as_object_mut()
            && facts.remove("address").is_some_and(|a| !a.is_null())
        {
            hidden.push("child.address".to_string());
        }
        hidden
    }
}

fn redact(
    conn: &mut DbConnection,
    actor: &Actor,
    mut view: SignalView,
) -> Result<SignalView, ApiError> {
    let withheld = Withheld::for_reader(conn, actor, &view, &view.concerns)?;
    view.hidden = withheld.apply(&mut view.description, &mut view.child);
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
    let app = state.clone();
    let (status, body) = state
        .run(move |conn| {
            file_with_retry(
                conn,
                &app,
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

// The request's parts travel separately so each attempt can retry with the same ones.
#[allow(clippy::too_many_arguments)]
fn file_with_retry(
    conn: &mut DbConnection,
    app: &AppState,
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
            file_once(c, app, caller, key, hash, signal, now, triage_due_at)
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

#[allow(clippy::too_many_arguments)]
fn file_once(
    conn: &mut DbConnection,
    app: &AppState,
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
    let (_, kind) = account(conn, user)?;
    if !filing::may_file_as(caller.actor.role, kind, signal.source) {
        let allowed: Vec<&str> = SignalSource::ALL
            .into_iter()
            .filter(|s| filing::may_file_as(caller.actor.role, kind, *s))
            .map(SignalSource::as_str)
            .collect();
        let message = format!("this account files as: {}", allowed.join(", "));
        return Err(ApiError::invalid("source", &message).into());
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
    let (status, row, concerns, act) = match existing {
        Some(row) => {
            let (role, kind_of_filer) = account(conn, &row.filed_by)?;
            let filer = filing::Filer {
                is_caller: row.filed_by == *user,
                role,
                kind: kind_of_filer,
            };
            match filing::resend(caller.actor.role, kind, &filer, row.status != "received") {
                Resend::NotYours => {
                    return Err(ApiError::conflict(
                        "this external reference is another filer's: use a reference of your own",
                    )
                    .into());
                }
                Resend::Replace => {
                    let row = replace_content(conn, row, signal, &concerns, user, now)?;
                    let concerns = concerns.iter().map(|c| c.to_string()).collect();
                    (200, row, concerns, Act::Update)
                }
                Resend::LaterReport => {
                    add_later_report(conn, app, &row, signal, user, now)?;
                    let concerns = signals::concerns_of(conn, std::slice::from_ref(&row.id))?
                        .remove(&row.id)
                        .unwrap_or_default();
                    (200, row, concerns, Act::Update)
                }
            }
        }
        None => {
            let row = insert_new(conn, signal, &concerns, user, now, triage_due_at)?;
            let concerns = concerns.iter().map(|c| c.to_string()).collect();
            (201, row, concerns, Act::Create)
        }
    };
    audit_signal(conn, caller, act, &row)?;
    let count = signals::report_counts(conn, std::slice::from_ref(&row.id))?;
    let view = SignalView {
        later_reports: count.get(&row.id).copied().unwrap_or(0),
        ..SignalView::new(row, concerns)
    };
    // The filer reads back what any reader of theirs would (finding 2): same redaction.
    let view = redact(conn, &caller.actor, view)?;
    let body = serde_json::to_string(&view).map_err(|_| ApiError::Internal)?;
    if let Some(key) = key {
        idempotency::complete(conn, user, key, i32::from(status), &body)?;
    }
    Ok((status, body))
}

/// The role of `user_id` and the kind of the organisation they work for: what decides the
/// sources they may file as.
fn account(conn: &mut DbConnection, user_id: &str) -> Result<(Role, OrganisationKind), ApiError> {
    users::find(conn, user_id)?
        .and_then(|(u, org)| {
            Some((
                Role::from_code(&u.role)?,
                OrganisationKind::from_code(&org.kind)?,
            ))
        })
        .ok_or(ApiError::Internal)
}

fn insert_new(
    conn: &mut DbConnection,
    signal: &NewSignal,
    concerns: &[&str],
    user: &str,
    now: DateTime<Utc>,
    triage_due_at: DateTime<Utc>,
) -> Result<SignalRow, ApiError> {
    let (region, district) = (signal.region.as_str(), signal.district.as_str());
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
    signals::insert(conn, &row, concerns)?;
    if let Some(child) = &row.child_id {
        let summary = format!(
            "Signal received from {}: {}",
            row.source,
            concerns.join(", ")
        );
        timeline::record(
            conn,
            &event(
                child,
                None,
                now,
                TimelineKind::Signal,
                summary,
                user,
                &row.id,
            ),
        )?;
    }
    Ok(row)
}

/// An untriaged signal resent by its filer takes the new content.
fn replace_content(
    conn: &mut DbConnection,
    mut row: SignalRow,
    signal: &NewSignal,
    concerns: &[&str],
    user: &str,
    now: DateTime<Utc>,
) -> Result<SignalRow, ApiError> {
    if row.child_id.is_none() {
        let (region, district) = (row.region_code.clone(), row.district_code.clone());
        row.child_id = registry::identify(conn, &signal.child, &region, &district, now)?;
    }
    fill_content(&mut row, signal, now);
    signals::update_content(conn, &row, concerns)?;
    if let Some(child) = &row.child_id {
        let summary = format!("Signal updated by its source ({})", row.source);
        timeline::record(
            conn,
            &event(
                child,
                None,
                now,
                TimelineKind::SignalUpdated,
                summary,
                user,
                &row.id,
            ),
        )?;
    }
    Ok(row)
}

/// A triaged signal resent by its source: the report is kept beside it, the signal stays as
/// triage read it, and whoever triaged it and the case's manager are told (issue 17, finding 1).
fn add_later_report(
    conn: &mut DbConnection,
    app: &AppState,
    row: &SignalRow,
    signal: &NewSignal,
    user: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut content = row.clone();
    fill_content(&mut content, signal, now);
    let codes: Vec<&str> = signal.concerns.iter().map(|c| c.as_str()).collect();
    signals::add_report(
        conn,
        &SignalReportRow {
            id: Uuid::now_v7().to_string(),
            signal_id: row.id.clone(),
            received_at: now.naive_utc(),
            filed_by: user.into(),
            concerns: codes.join(","),
            urgency: content.urgency,
            description: content.description,
            observed_at: content.observed_at,
            child_facts: content.child_facts,
            reporter_name: content.reporter_name,
            reporter_phone: content.reporter_phone,
            reporter_relation: content.reporter_relation,
            reporter_anonymous: content.reporter_anonymous,
        },
    )?;
    if let Some(child) = &row.child_id {
        let summary = format!("Further report from {} after triage", row.source);
        timeline::record(
            conn,
            &event(
                child,
                row.case_id.as_deref(),
                now,
                TimelineKind::SignalReport,
                summary,
                user,
                &row.id,
            ),
        )?;
    }
    let assignee = match &row.case_id {
        Some(case) => cases::find(conn, case)?.and_then(|c| c.assignee_id),
        None => None,
    };
    let mut told: Vec<String> = Vec::new();
    for person in row.triaged_by.iter().chain(assignee.iter()) {
        if let Some(email) = users::find(conn, person)?.and_then(|(u, _)| u.email)
            && !told.contains(&email)
        {
            told.push(email);
        }
    }
    let url = format!(
        "{}/api/v1/signals/{}",
        app.config.public_url.trim_end_matches('/'),
        row.id
    );
    for to in told {
        mail::enqueue(conn, mail::later_report_notice(&to, now, &url), now)?;
    }
    Ok(())
}

/// Records an access to a signal (and so to its child) in the audit log.
fn audit_signal(
    conn: &mut DbConnection,
    caller: &Caller,
    act: Act,
    row: &SignalRow,
) -> Result<(), ApiError> {
    Ok(audit::log(
        conn,
        caller,
        act,
        Target {
            resource: "signal",
            id: &row.id,
            child_id: row.child_id.as_deref(),
            region: Some(&row.region_code),
        },
    )?)
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
            let rows = signals::list(conn, &scope, &filter, &query_page)?;
            let seen: Vec<Target> = shown(&rows, &query_page)
                .iter()
                .filter_map(|r| {
                    Some(Target {
                        resource: "signal",
                        id: &r.id,
                        child_id: Some(r.child_id.as_deref()?),
                        region: Some(&r.region_code),
                    })
                })
                .collect();
            audit::log_list(conn, &caller, "signals", &seen)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut concerns = signals::concerns_of(conn, &ids)?;
            let counts = signals::report_counts(conn, &ids)?;
            rows.into_iter()
                .map(|r| {
                    let c = concerns.remove(&r.id).unwrap_or_default();
                    let id = r.id.clone();
                    let view = SignalView {
                        later_reports: counts.get(&id).copied().unwrap_or(0),
                        ..SignalView::new(r, c)
                    };
                    Ok((id, redact(conn, &caller.actor, view)?))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(web::Json(paginate(views, &page, |(id, _)| id, |(_, v)| v)))
}

/// A signal the caller may see (else 404), unredacted; the read is audited here, where it is
/// granted.
fn visible_signal(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> Result<SignalView, ApiError> {
    let row = signals::find(conn, id)?.ok_or(ApiError::NotFound)?;
    caller
        .actor
        .authorize(Action::ViewSignals, &location(&row))?;
    audit_signal(conn, caller, Act::Read, &row)?;
    load_view(conn, row)
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
            let view = visible_signal(conn, &caller, &id)?;
            redact(conn, &caller.actor, view)
        })
        .await?;
    Ok(web::Json(view))
}

/// A report the source sent again after triage (issue 17, finding 1).
#[derive(Serialize, ToSchema)]
pub struct SignalReportView {
    pub id: Uuid,
    pub signal_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub filed_by: Uuid,
    pub concerns: Vec<String>,
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

impl SignalReportView {
    fn new(r: SignalReportRow) -> Self {
        let mut concerns: Vec<String> = r.concerns.split(',').map(str::to_string).collect();
        concerns.sort();
        SignalReportView {
            id: uuid(&r.id),
            signal_id: uuid(&r.signal_id),
            received_at: r.received_at.and_utc(),
            filed_by: uuid(&r.filed_by),
            concerns,
            urgency: r.urgency,
            description: r.description,
            observed_at: r.observed_at.map(|t| t.and_utc()),
            child: serde_json::from_str(&r.child_facts).unwrap_or_default(),
            reporter: ReporterView {
                name: r.reporter_name,
                phone: r.reporter_phone,
                relation: r.reporter_relation,
                anonymous: r.reporter_anonymous,
            },
            hidden: Vec::new(),
        }
    }
}

/// What the source sent again after the signal was triaged, oldest first: to the signal's
/// readers, with the signal's redaction (a sensitive concern of either hides the description).
#[utoipa::path(tag = "signals", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<SignalReportView>),
    (status = 404, body = Problem),
))]
#[get("/signals/{id}/reports")]
pub async fn reports(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<SignalReportView>>, ApiError> {
    let page = params.page()?;
    let id = id.into_inner().to_string();
    let query_page = page.clone();
    let views = state
        .run(move |conn| {
            let signal = visible_signal(conn, &caller, &id)?;
            signals::reports(conn, &id, &query_page)?
                .into_iter()
                .map(|r| {
                    let mut view = SignalReportView::new(r);
                    let concerns: Vec<String> = signal
                        .concerns
                        .iter()
                        .chain(&view.concerns)
                        .cloned()
                        .collect();
                    let withheld = Withheld::for_reader(conn, &caller.actor, &signal, &concerns)?;
                    view.hidden = withheld.apply(&mut view.description, &mut view.child);
                    Ok((view.id.to_string(), view))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(web::Json(paginate(views, &page, |(id, _)| id, |(_, v)| v)))
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
    actor.permit(Action::TriageSignal, &location(&signal))?;
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
            qorgau_app::protocol::route(conn, app, &case, &added, &me, now)?;
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
            &event(
                child,
                case_id.as_deref(),
                now,
                TimelineKind::Triage,
                summary,
                &me,
                id,
            ),
        )?;
    }
    // Built only now: event ids are time-ordered, and they break ties between events of one
    // transaction, which share a timestamp.
    if let Some((child, case, summary)) = follow_up {
        timeline::record(
            conn,
            &event(
                &child,
                Some(&case),
                now,
                TimelineKind::CaseOpened,
                summary,
                &me,
                &case,
            ),
        )?;
    }
    // The protocol takes over: deadlines, mandatory referrals, automatic assignment.
    if let Some(case) = opened {
        qorgau_app::protocol::on_case_opened(conn, app, &case, &signal, &concern_codes, &me, now)?;
    }
    let row = signals::find(conn, id)?.ok_or(ApiError::Internal)?;
    let view = load_view(conn, row)?;
    redact(conn, actor, view)
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
