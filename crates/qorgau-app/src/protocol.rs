//! The protocol applied to cases (brief § 4): deadlines start when their clock starts, are met
//! by the event that satisfies them and re-timed when the risk level changes; mandatory
//! referrals and notifications are created when a case opens or gains a concern. Everything here
//! runs inside the caller's transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use qorgau_domain::deadline::DeadlineStatus;
use qorgau_domain::event::EventType;
use qorgau_domain::ids::{CaseId, DeadlineId, ReferralId, RoutingGapId, TimelineEventId, UserId};
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::protocol::{DeadlineKind, RouteAction};
use qorgau_domain::referral::{OverrideBasis, ReferralKind};
use qorgau_domain::taxonomy::{Concern, RiskLevel};
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::cases::CaseRow;
use qorgau_persistence::deadlines::{self, DeadlineRow};
use qorgau_persistence::referrals::ReferralRow;
use qorgau_persistence::signals::SignalRow;
use qorgau_persistence::timeline::{self, TimelineRow};
use qorgau_persistence::users::Among;
use qorgau_persistence::{DbConnection, organisations, routing};

use crate::app::App;
use crate::error::AppError;
use crate::inbox::{self, About, Event};
use crate::notices;
use crate::referrals::{Outgoing, send};

fn note(
    conn: &mut DbConnection,
    case: &CaseRow,
    at: DateTime<Utc>,
    kind: TimelineKind,
    summary: String,
    actor: Option<UserId>,
    ref_id: impl std::fmt::Display,
) -> Result<(), AppError> {
    let row = TimelineRow {
        id: TimelineEventId::new(),
        child_id: case.child_id,
        case_id: Some(case.id),
        at: at.naive_utc(),
        kind,
        summary,
        actor_id: actor,
        ref_id: Some(ref_id.to_string()),
    };
    Ok(timeline::record(conn, &row)?)
}

/// Starts the clock of a deadline (replacing a pending one of the same kind and reference).
pub fn start(
    conn: &mut DbConnection,
    app: &App,
    case: &CaseRow,
    kind: DeadlineKind,
    starts: DateTime<Utc>,
    risk: RiskLevel,
    ref_id: Option<ReferralId>,
) -> Result<(), AppError> {
    deadlines::cancel(conn, case.id, Some(kind), ref_id)?;
    let due = app.deadline(kind, starts, risk).naive_utc();
    let row = pending_deadline(case, kind, ref_id, starts.naive_utc(), due);
    Ok(deadlines::insert(conn, &row)?)
}

/// A new pending deadline of `case`, carrying the case's area and assignee.
fn pending_deadline(
    case: &CaseRow,
    kind: DeadlineKind,
    ref_id: Option<ReferralId>,
    starts_at: NaiveDateTime,
    due_at: NaiveDateTime,
) -> DeadlineRow {
    DeadlineRow {
        id: DeadlineId::new(),
        case_id: case.id,
        kind,
        ref_id,
        starts_at,
        due_at,
        status: DeadlineStatus::Pending,
        met_at: None,
        reminded_at: None,
        escalated_at: None,
        region_code: case.region_code.clone(),
        district_code: case.district_code.clone(),
        assignee_id: case.assignee_id,
    }
}

/// The event that satisfies a pending deadline happened: mark it met, on the timeline.
pub fn meet(
    conn: &mut DbConnection,
    case: &CaseRow,
    kind: DeadlineKind,
    ref_id: Option<ReferralId>,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if let Some(d) = deadlines::meet(conn, case.id, kind, ref_id, now.naive_utc())? {
        let late = if d.due_at < now.naive_utc() {
            " (late)"
        } else {
            ""
        };
        note(
            conn,
            case,
            now,
            TimelineKind::DeadlineMet,
            format!("Deadline {} met{late}", kind.as_str()),
            Some(actor),
            d.id,
        )?;
    }
    Ok(())
}

/// The risk level changed: pending deadlines are counted again from their clock start.
pub fn retime(
    conn: &mut DbConnection,
    app: &App,
    case_id: CaseId,
    risk: RiskLevel,
) -> Result<(), AppError> {
    for d in deadlines::pending(conn, case_id)? {
        let due = app.deadline(d.kind, d.starts_at.and_utc(), risk);
        deadlines::set_due(conn, d.id, due.naive_utc())?;
    }
    Ok(())
}

/// A case was opened by triage of `signal`: its triage deadline is met now; the opening clocks start; the
/// protocol's routing runs; and, if the protocol says so, an unassigned case goes to the
/// least-loaded case manager of the district (else region). Its assignee — chosen at triage or
/// automatically — is told. Returns the assignee chosen automatically.
pub fn on_case_opened(
    conn: &mut DbConnection,
    app: &App,
    case: &CaseRow,
    signal: &SignalRow,
    concerns: &[Concern],
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<Option<UserId>, AppError> {
    deadlines::insert(
        conn,
        &DeadlineRow {
            status: DeadlineStatus::Met,
            met_at: Some(now.naive_utc()),
            ..pending_deadline(
                case,
                DeadlineKind::Triage,
                None,
                signal.received_at,
                signal.triage_due_at,
            )
        },
    )?;
    let risk = case.risk_level;
    for kind in [
        DeadlineKind::Assignment,
        DeadlineKind::FirstContact,
        DeadlineKind::InitialAssessment,
        DeadlineKind::ComprehensiveAssessment,
    ] {
        start(conn, app, case, kind, now, risk, None)?;
    }
    let mut auto = None;
    if case.assignee_id.is_none()
        && app.rules.protocols.in_force_at(now).auto_assign
        && let Some(manager) =
            routing::least_loaded_manager(conn, &case.region_code, &case.district_code)?
    {
        qorgau_persistence::cases::assign(conn, case.id, manager)?;
        note(
            conn,
            case,
            now,
            TimelineKind::Assigned,
            "Assigned automatically to the least-loaded case manager".into(),
            None,
            manager,
        )?;
        auto = Some(manager);
    }
    if let Some(assignee) = case.assignee_id.or(auto) {
        meet(conn, case, DeadlineKind::Assignment, None, actor, now)?;
        let assigned =
            crate::events::Event::case(EventType::CaseAssigned, case).with("assignee_id", assignee);
        crate::events::emit(conn, assigned, now)?;
        let event = Event::new(NotificationKind::CaseAssigned, About::case(case)).by(actor);
        inbox::notify(conn, app, &event, &[Among::User(assignee)], now)?;
    }
    route(conn, app, case, concerns, actor, now)?;
    Ok(auto)
}

/// Creates the protocol's mandatory referrals and notifications for `concerns`, addressed to the
/// matching organisation of the child's district (else region), on the basis `legal_duty`, and
/// tells the people who must act (docs/protocols.md § Routing): a referral reaches the receiving
/// organisation's staff (`referral_received`); a notification reaches its staff and its own
/// address, if it has one (`protocol_notification`) — or, for the child-rights department, the
/// region's supervisors, whom it stands for. Where no organisation of the kind exists, a gap is
/// recorded and the region's supervisors are told (`routing_gap`).
pub fn route(
    conn: &mut DbConnection,
    app: &App,
    case: &CaseRow,
    concerns: &[Concern],
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if concerns.is_empty() {
        return Ok(());
    }
    let protocol = app.rules.protocols.in_force_at(now);
    let risk = case.risk_level;
    let codes: Vec<&str> = concerns.iter().map(|c| c.as_str()).collect();
    for rule in protocol.routes_for(concerns, risk) {
        let kind = rule.to.as_str();
        let action = match rule.action {
            RouteAction::Refer => ReferralKind::Referral,
            RouteAction::Notify => ReferralKind::Notification,
        };
        // The child-rights department stands for the supervisors of case management: its
        // notification is theirs (`suicide_risk` at `critical`: "immediate notification of the
        // supervisor"), not every member of the department's.
        let to_supervisors = rule.action == RouteAction::Notify
            && rule.to == OrganisationKind::ChildRightsDepartment;
        let Some(org) =
            routing::nearest_organisation(conn, kind, &case.region_code, &case.district_code)?
        else {
            let id = RoutingGapId::new();
            routing::record_gap(
                conn,
                id,
                case.id,
                action.as_str(),
                kind,
                &codes.join(","),
                now.naive_utc(),
            )?;
            note(
                conn,
                case,
                now,
                TimelineKind::RoutingGap,
                format!("No {kind} in the district or region for the mandatory {action}"),
                Some(actor),
                id,
            )?;
            let supervisors = inbox::supervisors(&case.region_code);
            let gap = Event::act(NotificationKind::RoutingGap, case, actor, id);
            inbox::notify(conn, app, &gap, &[supervisors], now)?;
            if to_supervisors {
                // Without the department the duty still stands: the supervisors are told now,
                // not only in the gap's digest.
                let told =
                    Event::new(NotificationKind::ProtocolNotification, About::case(case)).by(actor);
                inbox::notify(conn, app, &told, &[supervisors], now)?;
            }
            continue;
        };
        let out = Outgoing {
            to: org,
            service: rule
                .note
                .clone()
                .unwrap_or_else(|| format!("mandatory {action}")),
            // The receiving organisation reads this next to the child's name: it names the duty,
            // never the concerns (docs/interagency.md; issue 17, finding 3).
            reason: format!(
                "Protocol {} ({}): mandatory {action}",
                protocol.version, protocol.legal_reference
            ),
            urgency: Some(risk),
            consent_id: None,
            override_basis: Some(OverrideBasis::LegalDuty.as_str().into()),
            override_note: Some("mandatory under the interagency protocol".into()),
            kind: action,
            mandatory: true,
        };
        let row = send(conn, app, case, out, actor, now)?;
        note(
            conn,
            case,
            now,
            TimelineKind::Referral,
            format!(
                "Mandatory {action} to the {kind} (protocol {})",
                protocol.version
            ),
            Some(actor),
            row.id,
        )?;
        tell(conn, app, case, &row, to_supervisors, actor, now)?;
    }
    Ok(())
}

/// Tells the receiving side of a mandatory referral or notification `row`, in the routing's
/// transaction. Only the case number and a link travel (docs/notifications.md).
fn tell(
    conn: &mut DbConnection,
    app: &App,
    case: &CaseRow,
    row: &ReferralRow,
    to_supervisors: bool,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let kind = match row.kind {
        ReferralKind::Referral => NotificationKind::ReferralReceived,
        ReferralKind::Notification => NotificationKind::ProtocolNotification,
    };
    let event = Event::act(kind, case, actor, row.id);
    let to = if to_supervisors {
        inbox::supervisors(&case.region_code)
    } else {
        inbox::staff(row.to_organisation_id)
    };
    inbox::notify(conn, app, &event, &[to], now)?;
    if row.kind == ReferralKind::Notification
        && let Some(address) = organisations::find(conn, row.to_organisation_id)?
            .and_then(|o| o.email)
            .filter(|e| !e.trim().is_empty())
    {
        let url = app.link(&format!("/api/v1/referrals/{}", row.id));
        let mail = notices::notification_notice(&address, kind, &case.number, &url);
        notices::enqueue(conn, mail, now)?;
    }
    Ok(())
}
