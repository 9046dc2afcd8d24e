//! Triage of a signal (brief § 2 step 3): open a case, link the signal to the child's open case,
//! or screen it out with a reason. Opening a case hands it to the protocol: deadlines,
//! mandatory referrals, automatic assignment.

use chrono::{DateTime, Datelike, Utc};
use qorgau_domain::access::Action;
use qorgau_domain::case::{CaseStatus, case_number, may_hold};
use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::ids::{CaseId, ChildId, SignalId, UserId};
use qorgau_domain::signal::ChildFacts;
use qorgau_domain::signal::SignalStatus;
use qorgau_domain::taxonomy::{Concern, RiskLevel};
use qorgau_domain::timeline::TimelineKind;
use qorgau_domain::triage::Triage;
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::signals::{self, SignalRow, TriageRecord};
use qorgau_persistence::{DbConnection, DbError, children, users, write};

use super::{Signal, audit_signal, location, readable};
use crate::app::App;
use crate::audit::Act;
use crate::caller::Caller;
use crate::error::{AppError, stored_json};
use crate::events::{self, Event};
use crate::timeline::{event, record};
use crate::{protocol, registry};
use qorgau_domain::event::EventType;

/// What triage decided, as recorded on the signal.
struct Outcome {
    status: SignalStatus,
    risk: Option<RiskLevel>,
    reason: Option<String>,
    case_id: Option<CaseId>,
    child_id: Option<ChildId>,
    /// A case opened by this triage, for the protocol to take over.
    opened: Option<CaseRow>,
}

/// Triages signal `id` as `decision` says, in one transaction; answers the signal as the
/// triager may read it.
pub fn triage_signal(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    id: SignalId,
    decision: Triage,
) -> Result<Signal, AppError> {
    write(conn, |c| {
        let signal = to_triage(c, caller, id)?;
        triage(c, app, caller, signal, decision)
    })
}

/// The signal `id` if the caller may triage it and nobody has yet; the attempt is audited.
fn to_triage(
    conn: &mut DbConnection,
    caller: &Caller,
    id: SignalId,
) -> Result<SignalRow, AppError> {
    let signal = signals::find(conn, id)?.ok_or(AppError::NotFound)?;
    caller
        .actor
        .authorize(Action::ViewSignals, &location(&signal))?;
    caller
        .actor
        .permit(Action::TriageSignal, &location(&signal))?;
    audit_signal(conn, caller, Act::Update, &signal)?;
    if signal.status != SignalStatus::Received {
        return Err(AppError::conflict("this signal has already been triaged"));
    }
    Ok(signal)
}

/// Records `decision` on `signal` (found by [`to_triage`]).
fn triage(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    signal: SignalRow,
    decision: Triage,
) -> Result<Signal, AppError> {
    let (actor, now, id) = (&caller.actor, caller.at, signal.id);
    let me = actor.user_id;
    let concerns = super::concerns_of(conn, signal.id)?;
    let concern_codes: Vec<Concern> = concerns
        .iter()
        .map(|c| {
            Concern::from_code(c)
                .ok_or_else(|| AppError::corrupt("signal_concerns", id, "concern", c))
        })
        .collect::<Result<_, _>>()?;
    let outcome = match decision {
        Triage::OpenCase { risk, assignee } => {
            open_case(conn, &signal, &concerns, risk, assignee, now)?
        }
        Triage::LinkCase { risk, case_id } => {
            let case = cases::find(conn, case_id)?
                .filter(|c| {
                    c.status != CaseStatus::Closed && Some(&c.child_id) == signal.child_id.as_ref()
                })
                .ok_or_else(|| {
                    AppError::invalid("case_id", "must be an open case of the same child")
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
            let refs: Vec<&str> = concerns.iter().map(String::as_str).collect();
            cases::add_concerns(conn, case.id, &refs)?;
            protocol::route(conn, app, &case, &added, me, now)?;
            Outcome {
                status: SignalStatus::Linked,
                risk,
                reason: None,
                case_id: Some(case.id),
                child_id: Some(case.child_id),
                opened: None,
            }
        }
        Triage::ScreenOut { risk, reason } => Outcome {
            status: SignalStatus::ScreenedOut,
            risk,
            reason: Some(reason),
            case_id: None,
            child_id: signal.child_id,
            opened: None,
        },
    };
    let recorded = signals::record_triage(
        conn,
        id,
        &TriageRecord {
            status: outcome.status,
            triaged_by: me,
            at: now.naive_utc(),
            risk_level: outcome.risk,
            screen_out_reason: outcome.reason.as_deref(),
            case_id: outcome.case_id,
            child_id: outcome.child_id,
        },
    )?;
    if !recorded {
        return Err(AppError::conflict("this signal has already been triaged"));
    }
    record_on_timeline(conn, &outcome, id, me, now)?;
    emit_triage(conn, &signal, &outcome, now)?;
    // The protocol takes over: deadlines, mandatory referrals, automatic assignment.
    if let Some(case) = &outcome.opened {
        protocol::on_case_opened(conn, app, case, &signal, &concern_codes, me, now)?;
    }
    crate::facts::signal(conn, id, outcome.child_id)?;
    if let Some(case) = outcome.case_id {
        crate::facts::case(conn, case)?;
    }
    let row = signals::find(conn, id)?.ok_or(AppError::Internal)?;
    readable(conn, actor, row)
}

/// Opens a case for the signal's child — registering a child first when nothing identified
/// one: the case still needs a record to hang on.
fn open_case(
    conn: &mut DbConnection,
    signal: &SignalRow,
    concerns: &[String],
    risk: RiskLevel,
    assignee: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let child_id = match &signal.child_id {
        Some(c) => *c,
        None => {
            let facts: ChildFacts =
                stored_json("signals", signal.id, "child_facts", &signal.child_facts)?;
            let (region, district) = (&signal.region_code, &signal.district_code);
            registry::register(conn, &facts, region, district, now)?
        }
    };
    let open_already =
        || AppError::conflict("the child already has an open case: link the signal to it");
    if children::open_case(conn, child_id)?.is_some() {
        return Err(open_already());
    }
    let child = children::find(conn, child_id)?.ok_or(AppError::Internal)?;
    if let Some(assignee) = assignee {
        check_assignee(conn, assignee, &child.region_code)?;
    }
    let year = now.with_timezone(&kazakhstan()).year();
    let sequence = cases::next_number(conn, &child.region_code, year)?;
    let case = CaseRow {
        id: CaseId::new(),
        number: case_number(&child.region_code, year, sequence),
        child_id,
        status: CaseStatus::Intake,
        risk_level: risk,
        region_code: child.region_code.clone(),
        district_code: child.district_code.clone(),
        assignee_id: assignee,
        opened_at: now.naive_utc(),
        closed_at: None,
        closure_reason: None,
        version: 1,
    };
    let refs: Vec<&str> = concerns.iter().map(String::as_str).collect();
    cases::insert(conn, &case, &refs).map_err(|e| match e {
        DbError::Duplicate(_) => open_already(),
        other => other.into(),
    })?;
    Ok(Outcome {
        status: SignalStatus::CaseOpened,
        risk: Some(risk),
        reason: None,
        case_id: Some(case.id),
        child_id: Some(child_id),
        opened: Some(case),
    })
}

/// The triage on the child's timeline, then the case opening: event ids are time-ordered and
/// break ties between events of one transaction, which share a timestamp, so the timeline reads
/// in the order things happened.
fn record_on_timeline(
    conn: &mut DbConnection,
    outcome: &Outcome,
    signal_id: SignalId,
    me: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(child) = &outcome.child_id else {
        return Ok(());
    };
    let summary = match &outcome.reason {
        Some(r) => format!("Signal screened out: {r}"),
        None => format!(
            "Signal triaged: {}",
            outcome.status.as_str().replace('_', " ")
        ),
    };
    let case = outcome.case_id;
    record(
        conn,
        &event(
            *child,
            case,
            now,
            TimelineKind::Triage,
            summary,
            me,
            signal_id,
        ),
    )?;
    if let Some(opened) = &outcome.opened {
        let summary = format!(
            "Case {} opened in intake, risk {}",
            opened.number, opened.risk_level
        );
        let kind = TimelineKind::CaseOpened;
        record(
            conn,
            &event(*child, Some(opened.id), now, kind, summary, me, opened.id),
        )?;
    }
    Ok(())
}

/// The triage's domain events: the signal's new status (`signal.triaged` or
/// `signal.screened_out`), then the case it opened (`case.opened`).
fn emit_triage(
    conn: &mut DbConnection,
    signal: &SignalRow,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let triaged = SignalRow {
        status: outcome.status,
        case_id: outcome.case_id,
        child_id: outcome.child_id,
        ..signal.clone()
    };
    let kind = match outcome.status {
        SignalStatus::ScreenedOut => EventType::SignalScreenedOut,
        _ => EventType::SignalTriaged,
    };
    events::emit(conn, Event::signal(kind, &triaged), now)?;
    if let Some(case) = &outcome.opened {
        let opened = Event::case(EventType::CaseOpened, case)
            .on(signal.id)
            .with("risk_level", case.risk_level);
        events::emit(conn, opened, now)?;
    }
    Ok(())
}

/// An assignee must be an active case manager of the case's region
/// (`qorgau_domain::case::may_hold`).
fn check_assignee(conn: &mut DbConnection, user_id: UserId, region: &str) -> Result<(), AppError> {
    match users::find(conn, user_id)? {
        Some((user, org)) if may_hold(user.role, user.active, &org.region_code, region) => Ok(()),
        _ => Err(AppError::invalid(
            "assignee_id",
            "must be a case manager of the child's region",
        )),
    }
}
