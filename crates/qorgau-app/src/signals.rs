//! Signals (brief § 2 steps 1–3): filing with safe retries, reading with redaction, the
//! reports a source sends after triage, and triage itself.

use chrono::{DateTime, Utc};
use qorgau_domain::access::{Action, Actor, Location};
use qorgau_domain::filing::{self, Resend};
use qorgau_domain::ids::{CaseId, SignalId, SignalReportId, UserId};
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::role::Role;
use qorgau_domain::signal::NewSignal;
use qorgau_domain::signal::SignalStatus;
use qorgau_domain::taxonomy::{RiskLevel, SignalSource};
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::signals::{self, SignalFilter, SignalReportRow, SignalRow};
use qorgau_persistence::{DbConnection, DbError, Page, cases, geography, users, write};

use crate::app::App;
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::error::{AppError, stored_json};
use crate::notices;
use crate::registry;
use crate::timeline::{event, record};

pub mod triage;

pub use triage::triage_signal;

/// A signal as its reader may see it: what is withheld from them is blanked (`row.description`,
/// `child`'s address) and named in `hidden`.
#[derive(Debug)]
pub struct Signal {
    pub row: SignalRow,
    /// The child as the reporter described them.
    pub child: serde_json::Value,
    /// Concern codes, sorted: one order everywhere.
    pub concerns: Vec<String>,
    /// Reports the source sent again after triage.
    pub later_reports: i64,
    pub hidden: Vec<String>,
}

/// A report the source sent again after triage, as its reader may see it.
#[derive(Debug)]
pub struct LaterReport {
    pub row: SignalReportRow,
    pub child: serde_json::Value,
    /// Concern codes, sorted.
    pub concerns: Vec<String>,
    pub hidden: Vec<String>,
}

/// What filing did to the signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filed {
    Created,
    /// Updated by the same source's reference, or a later report kept beside it.
    Updated,
}

/// Files a signal (brief § 2 step 1): the filer may file as its source; a resend by the same
/// source's reference replaces an untriaged signal or is kept as a later report; a new signal
/// finds or registers its child. Safe retries are `crate::idempotency`'s, around this.
pub fn file_signal(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    signal: &NewSignal,
) -> Result<(Filed, Signal), AppError> {
    caller.actor.scope(Action::FileSignal)?;
    // A second attempt only when a concurrent request inserted the same external reference
    // first: this time it is found and updated. (Under an idempotency key the attempt is a
    // savepoint, undone alone.)
    for _ in 0..2 {
        match write(conn, |c| file_once(c, app, caller, signal)) {
            Ok(done) => return Ok(done),
            Err(FileError::ExternalRefTaken) => continue,
            Err(FileError::App(e)) => return Err(e),
        }
    }
    Err(AppError::conflict(
        "the external reference is being updated concurrently; retry",
    ))
}

enum FileError {
    App(AppError),
    ExternalRefTaken,
}

impl From<DbError> for FileError {
    fn from(e: DbError) -> Self {
        if matches!(&e, DbError::Duplicate(c) if c.contains("external_ref")) {
            FileError::ExternalRefTaken
        } else {
            FileError::App(e.into())
        }
    }
}

impl From<AppError> for FileError {
    fn from(e: AppError) -> Self {
        FileError::App(e)
    }
}

fn file_once(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    signal: &NewSignal,
) -> Result<(Filed, Signal), FileError> {
    let now = caller.at;
    let user = caller.actor.user_id;
    let (_, kind) = account(conn, user)?;
    check_source(caller.actor.role, kind, signal.source)?;
    let (region, district) = (signal.region.as_str(), signal.district.as_str());
    if geography::find_district(conn, district)?.is_none_or(|d| d.region_code != region) {
        return Err(AppError::invalid("district_code", "no such district in this region").into());
    }
    let existing = match &signal.external_ref {
        Some(r) => signals::find_by_external_ref(conn, signal.source, r)?,
        None => None,
    };
    // The concerns the signal now has: the ones just filed, unless a later report left the
    // signal as triage read it.
    let mut concerns: Option<Vec<String>> = None;
    let (filed, row, act) = match existing {
        Some(row) => {
            let (role, kind_of_filer) = account(conn, row.filed_by)?;
            let filer = filing::Filer {
                is_caller: row.filed_by == user,
                role,
                kind: kind_of_filer,
            };
            let triaged = row.status != SignalStatus::Received;
            match filing::resend(caller.actor.role, kind, &filer, triaged) {
                Resend::NotYours => {
                    return Err(AppError::conflict(
                        "this external reference is another filer's: use a reference of your own",
                    )
                    .into());
                }
                Resend::Replace => {
                    concerns = Some(filed_concerns(signal));
                    let row = replace_content(conn, row, signal, user, now)?;
                    (Filed::Updated, row, Act::Update)
                }
                Resend::LaterReport => {
                    add_later_report(conn, app, &row, signal, user, now)?;
                    (Filed::Updated, row, Act::Update)
                }
            }
        }
        None => {
            concerns = Some(filed_concerns(signal));
            let row = insert_new(conn, app, signal, user, now)?;
            (Filed::Created, row, Act::Create)
        }
    };
    audit_signal(conn, caller, act, &row)?;
    let concerns = match concerns {
        Some(concerns) => concerns,
        None => concerns_of(conn, row.id)?,
    };
    let later_reports = report_count(conn, row.id)?;
    // The filer reads back what any reader of theirs would (finding 2): same redaction.
    let shown = redact(conn, &caller.actor, row, concerns, later_reports)?;
    Ok((filed, shown))
}

/// A filer's role may file only as the sources its organisation is (issue 17, finding 1).
fn check_source(role: Role, kind: OrganisationKind, source: SignalSource) -> Result<(), AppError> {
    if filing::may_file_as(role, kind, source) {
        return Ok(());
    }
    let allowed: Vec<&str> = SignalSource::ALL
        .into_iter()
        .filter(|s| filing::may_file_as(role, kind, *s))
        .map(SignalSource::as_str)
        .collect();
    let message = format!("this account files as: {}", allowed.join(", "));
    Err(AppError::invalid("source", &message))
}

/// The role of `user_id` and the kind of the organisation they work for: what decides the
/// sources they may file as.
fn account(conn: &mut DbConnection, user_id: UserId) -> Result<(Role, OrganisationKind), AppError> {
    let (user, org) = users::find(conn, user_id)?.ok_or(AppError::Internal)?;
    Ok((user.role, org.kind))
}

fn concern_codes(signal: &NewSignal) -> Vec<&'static str> {
    signal.concerns.iter().map(|c| c.as_str()).collect()
}

fn filed_concerns(signal: &NewSignal) -> Vec<String> {
    concern_codes(signal)
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn insert_new(
    conn: &mut DbConnection,
    app: &App,
    signal: &NewSignal,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<SignalRow, AppError> {
    let (region, district) = (signal.region.as_str(), signal.district.as_str());
    // A signal without urgency is triaged on the medium clock.
    let urgency = signal.urgency.unwrap_or(RiskLevel::Medium);
    let triage_due_at = app.deadline(DeadlineKind::Triage, now, urgency);
    let child_id = registry::identify(conn, &signal.child, region, district, now)?;
    let mut row = SignalRow {
        id: SignalId::new(),
        source: signal.source,
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
        status: SignalStatus::Received,
        received_at: now.naive_utc(),
        triage_due_at: triage_due_at.naive_utc(),
        filed_by: user,
        triaged_at: None,
        triaged_by: None,
        risk_level: None,
        screen_out_reason: None,
        case_id: None,
        updated_at: now.naive_utc(),
    };
    fill_content(&mut row, signal, now);
    let concerns = concern_codes(signal);
    signals::insert(conn, &row, &concerns)?;
    crate::facts::signal(conn, row.id, row.child_id)?;
    let received =
        crate::events::Event::signal(qorgau_domain::event::EventType::SignalReceived, &row);
    crate::events::emit(conn, received, now)?;
    if let Some(child) = &row.child_id {
        let summary = format!(
            "Signal received from {}: {}",
            row.source,
            concerns.join(", ")
        );
        let e = event(
            *child,
            None,
            now,
            TimelineKind::Signal,
            summary,
            user,
            row.id,
        );
        record(conn, &e)?;
    }
    Ok(row)
}

/// An untriaged signal resent by its filer takes the new content.
fn replace_content(
    conn: &mut DbConnection,
    mut row: SignalRow,
    signal: &NewSignal,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<SignalRow, AppError> {
    if row.child_id.is_none() {
        let (region, district) = (row.region_code.clone(), row.district_code.clone());
        row.child_id = registry::identify(conn, &signal.child, &region, &district, now)?;
    }
    fill_content(&mut row, signal, now);
    signals::update_content(conn, &row, &concern_codes(signal))?;
    crate::facts::signal(conn, row.id, row.child_id)?;
    if let Some(child) = &row.child_id {
        let summary = format!("Signal updated by its source ({})", row.source);
        let kind = TimelineKind::SignalUpdated;
        record(conn, &event(*child, None, now, kind, summary, user, row.id))?;
    }
    Ok(row)
}

/// A triaged signal resent by its source: the report is kept beside it, the signal stays as
/// triage read it, and whoever triaged it and the case's manager are told (issue 17, finding 1).
fn add_later_report(
    conn: &mut DbConnection,
    app: &App,
    row: &SignalRow,
    signal: &NewSignal,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut content = row.clone();
    fill_content(&mut content, signal, now);
    signals::add_report(
        conn,
        &SignalReportRow {
            id: SignalReportId::new(),
            signal_id: row.id,
            received_at: now.naive_utc(),
            filed_by: user,
            concerns: concern_codes(signal).join(","),
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
        let case = row.case_id;
        let e = event(
            *child,
            case,
            now,
            TimelineKind::SignalReport,
            summary,
            user,
            row.id,
        );
        record(conn, &e)?;
    }
    let assignee = match &row.case_id {
        Some(case) => cases::find(conn, *case)?.and_then(|c| c.assignee_id),
        None => None,
    };
    let mut told: Vec<String> = Vec::new();
    for person in row.triaged_by.iter().chain(assignee.iter()) {
        if let Some(email) = users::find(conn, *person)?.and_then(|(u, _)| u.email)
            && !told.contains(&email)
        {
            told.push(email);
        }
    }
    let url = app.link(&format!("/api/v1/signals/{}", row.id));
    for to in told {
        notices::enqueue(conn, notices::later_report_notice(&to, now, &url), now)?;
    }
    Ok(())
}

/// Records an access to a signal (and so to its child) in the audit log.
fn audit_signal(
    conn: &mut DbConnection,
    caller: &Caller,
    act: Act,
    row: &SignalRow,
) -> Result<(), AppError> {
    audit::log(conn, caller, act, signal_target(row))
}

fn signal_target(row: &SignalRow) -> Target<'_> {
    Target {
        resource: "signal",
        id: row.id.to_string(),
        child_id: row.child_id,
        region: Some(&row.region_code),
    }
}

/// What the reporter said, copied onto the row (new or upserted).
fn fill_content(row: &mut SignalRow, s: &NewSignal, now: DateTime<Utc>) {
    row.urgency = s.urgency;
    row.description = s.description.clone();
    row.observed_at = s.observed_at.map(|t| t.naive_utc());
    row.child_facts = serde_json::to_string(&s.child).unwrap_or_else(|_| "{}".into());
    row.reporter_name = s.reporter.name.clone();
    row.reporter_phone = s.reporter.phone.clone();
    row.reporter_relation = s.reporter.relation.clone();
    row.reporter_anonymous = s.reporter.anonymous;
    row.updated_at = now.naive_utc();
}

/// The signals the caller may see (the district's queue for intake, the region for a
/// supervisor, what they filed for a mobile group), up to `page.limit` of them, redacted for
/// the caller. The request and every shown signal with a child are audited (finding 6).
pub fn list_signals(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &SignalFilter,
    page: &Page,
) -> Result<Vec<Signal>, AppError> {
    let scope = caller.actor.scope(Action::ViewSignals)?;
    let rows = signals::list(conn, &scope, filter, page)?;
    let seen: Vec<Target> = page
        .shown(&rows)
        .iter()
        .filter(|r| r.child_id.is_some())
        .map(signal_target)
        .collect();
    audit::log_list(conn, caller, "signals", &seen)?;
    let ids: Vec<SignalId> = rows.iter().map(|r| r.id).collect();
    let mut concerns = signals::concerns_of(conn, &ids)?;
    let counts = signals::report_counts(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let concerns = concerns.remove(&row.id).unwrap_or_default();
            let later_reports = counts.get(&row.id).copied().unwrap_or(0);
            redact(conn, &caller.actor, row, concerns, later_reports)
        })
        .collect()
}

/// One signal the caller may see, redacted for them.
pub fn signal(conn: &mut DbConnection, caller: &Caller, id: SignalId) -> Result<Signal, AppError> {
    let row = visible_signal(conn, caller, id)?;
    readable(conn, &caller.actor, row)
}

/// What the source sent again after the signal was triaged, oldest first: to the signal's
/// readers, with the signal's redaction (a sensitive concern of either hides the description).
pub fn later_reports(
    conn: &mut DbConnection,
    caller: &Caller,
    id: SignalId,
    page: &Page,
) -> Result<Vec<LaterReport>, AppError> {
    let signal = visible_signal(conn, caller, id)?;
    let signal_concerns = concerns_of(conn, signal.id)?;
    signals::reports(conn, id, page)?
        .into_iter()
        .map(|mut row| {
            let mut concerns: Vec<String> = row.concerns.split(',').map(str::to_string).collect();
            concerns.sort();
            let either: Vec<String> = signal_concerns.iter().chain(&concerns).cloned().collect();
            let withheld = Withheld::for_reader(conn, &caller.actor, &signal, &either)?;
            let mut child = stored_json("signal_reports", row.id, "child_facts", &row.child_facts)?;
            let hidden = withheld.apply(&mut row.description, &mut child);
            Ok(LaterReport {
                row,
                child,
                concerns,
                hidden,
            })
        })
        .collect()
}

/// A signal the caller may see (else not found), unredacted; the read is audited here, where
/// it is granted.
fn visible_signal(
    conn: &mut DbConnection,
    caller: &Caller,
    id: SignalId,
) -> Result<SignalRow, AppError> {
    let row = signals::find(conn, id)?.ok_or(AppError::NotFound)?;
    caller
        .actor
        .authorize(Action::ViewSignals, &location(&row))?;
    audit_signal(conn, caller, Act::Read, &row)?;
    Ok(row)
}

fn location(row: &SignalRow) -> Location<'_> {
    Location {
        owner: Some(row.filed_by),
        organisation: None,
        region: Some(&row.region_code),
        district: Some(&row.district_code),
    }
}

fn concerns_of(conn: &mut DbConnection, id: SignalId) -> Result<Vec<String>, AppError> {
    let mut concerns = signals::concerns_of(conn, &[id])?
        .remove(&id)
        .unwrap_or_default();
    concerns.sort();
    Ok(concerns)
}

/// A signal row as `actor` may read it, with its concerns and later reports loaded.
fn readable(conn: &mut DbConnection, actor: &Actor, row: SignalRow) -> Result<Signal, AppError> {
    let concerns = concerns_of(conn, row.id)?;
    let later_reports = report_count(conn, row.id)?;
    redact(conn, actor, row, concerns, later_reports)
}

/// How many reports the source sent after triage.
fn report_count(conn: &mut DbConnection, id: SignalId) -> Result<i64, AppError> {
    Ok(signals::report_counts(conn, &[id])?
        .remove(&id)
        .unwrap_or(0))
}

/// Blanks what `actor` may not read of the signal.
fn redact(
    conn: &mut DbConnection,
    actor: &Actor,
    mut row: SignalRow,
    mut concerns: Vec<String>,
    later_reports: i64,
) -> Result<Signal, AppError> {
    // One order everywhere (the filing response and later reads alike).
    concerns.sort();
    let withheld = Withheld::for_reader(conn, actor, &row, &concerns)?;
    let mut child = stored_json("signals", row.id, "child_facts", &row.child_facts)?;
    let hidden = withheld.apply(&mut row.description, &mut child);
    Ok(Signal {
        row,
        child,
        concerns,
        later_reports,
        hidden,
    })
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
        signal: &SignalRow,
        concerns: &[String],
    ) -> Result<Withheld, AppError> {
        let (region, district) = (signal.region_code.as_str(), signal.district_code.as_str());
        let case = signal.case_id;
        let readable =
            |at: &Location<'_>| actor.may_read_text(concerns.iter().map(String::as_str), at);
        let child_file = |at: &Location<'_>| actor.authorize(Action::ViewChildFile, at).is_ok();
        Ok(Withheld {
            description: !child_location(conn, region, district, case, readable)?,
            address: !child_location(conn, region, district, case, child_file)?,
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

/// Where a signal's child data sits for access: its place, and — once a case is open — the
/// case's assignee as owner. The case is looked up only if `allowed` refuses without it.
fn child_location(
    conn: &mut DbConnection,
    region: &str,
    district: &str,
    case_id: Option<CaseId>,
    allowed: impl Fn(&Location<'_>) -> bool,
) -> Result<bool, AppError> {
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
    at.owner = cases::find(conn, case)?.and_then(|c| c.assignee_id);
    Ok(allowed(&at))
}
