//! The protocol's clocks, driven by the worker (brief § 4): a deadline about to lapse reminds
//! the case's manager, a lapsed one escalates to the region's supervisors; a signal still
//! awaiting triage reminds the intake coordinators of its district, and once its clock has run
//! out escalates to the region's supervisors — each once, even with several instances on one
//! PostgreSQL: the reminder (or escalation) is *claimed* by a conditional update (`… WHERE
//! reminded_at IS NULL`, `… WHERE triage_reminded_at IS NULL AND status = 'received'`) and of
//! racing workers exactly one changes the row. The notifications, their mail and the timeline
//! event are written in the claiming transaction, so none exists without the others.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use qorgau_domain::ids::TimelineEventId;
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::role::Role;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::deadlines::{self, DeadlineRow};
use qorgau_persistence::signals::{self, SignalRow};
use qorgau_persistence::timeline::{self, TimelineRow};
use qorgau_persistence::users::Among;
use qorgau_persistence::{DbConnection, cases, write};

use crate::app::App;
use crate::error::AppError;
use crate::inbox::{self, About, Event};

/// How far ahead reminder candidates are read; the reminder itself is due when a quarter of the
/// deadline's span (at least an hour) remains.
const REMINDER_HORIZON_DAYS: i64 = 60;
const BATCH: i64 = 200;

/// What one pass of the clocks did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reminded {
    pub reminders: usize,
    pub escalations: usize,
    /// Signals whose triage is due soon, their district's intake coordinators reminded.
    pub triage_reminders: usize,
    /// Signals left untriaged past their clock, escalated to the region's supervisors.
    pub triage_escalations: usize,
}

/// Whether a clock running from `starts_at` to `due_at` is in its reminder window at `now`: the
/// last quarter of its span, at least its last hour.
pub fn reminder_due(starts_at: NaiveDateTime, due_at: NaiveDateTime, now: DateTime<Utc>) -> bool {
    let due = due_at.and_utc();
    let span = due - starts_at.and_utc();
    let lead = std::cmp::max(Duration::hours(1), span / 4);
    due > now && now >= due - lead
}

/// Reminds and escalates what is due at `now`.
pub fn pass(conn: &mut DbConnection, app: &App, now: DateTime<Utc>) -> Result<Reminded, AppError> {
    let horizon = (now + Duration::days(REMINDER_HORIZON_DAYS)).naive_utc();
    let mut done = Reminded::default();
    for d in deadlines::awaiting(conn, Some(now.naive_utc()), horizon, false, BATCH)?
        .into_iter()
        .filter(|d| reminder_due(d.starts_at, d.due_at, now))
    {
        if write(conn, |c| deadline(c, app, &d, false, now))? {
            done.reminders += 1;
        }
    }
    for d in deadlines::awaiting(conn, None, now.naive_utc(), true, BATCH)? {
        if write(conn, |c| deadline(c, app, &d, true, now))? {
            done.escalations += 1;
        }
    }
    for s in signals::awaiting_triage(conn, Some(now.naive_utc()), horizon, false, BATCH)?
        .into_iter()
        .filter(|s| reminder_due(s.received_at, s.triage_due_at, now))
    {
        if write(conn, |c| triage(c, app, &s, false, now))? {
            done.triage_reminders += 1;
        }
    }
    for s in signals::awaiting_triage(conn, None, now.naive_utc(), true, BATCH)? {
        if write(conn, |c| triage(c, app, &s, true, now))? {
            done.triage_escalations += 1;
        }
    }
    Ok(done)
}

/// Claims and writes the triage reminder or escalation of a signal still awaiting triage;
/// `false` when another worker got there first or the signal was triaged meanwhile. The
/// reminder goes to the intake coordinators of the signal's district (to the region's
/// supervisors when the district has none), the escalation to the region's supervisors. A
/// signal about an identified child leaves the event on the child's timeline.
fn triage(
    conn: &mut DbConnection,
    app: &App,
    s: &SignalRow,
    escalation: bool,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if !signals::claim_triage_clock(conn, s.id, escalation, now.naive_utc())? {
        return Ok(false);
    }
    let mut event = Event::new(
        if escalation {
            NotificationKind::TriageEscalation
        } else {
            NotificationKind::TriageReminder
        },
        About::Signal { id: s.id },
    );
    event.deadline = Some((DeadlineKind::Triage, s.triage_due_at.and_utc()));
    let supervisors = inbox::supervisors(&s.region_code);
    let (timeline_kind, summary) = if escalation {
        inbox::notify(conn, app, &event, &[supervisors], now)?;
        (
            TimelineKind::Escalation,
            "Signal not triaged in time: escalated to the supervisor",
        )
    } else {
        let intake = Among::District(Role::IntakeCoordinator, &s.district_code);
        if inbox::notify(conn, app, &event, &[intake], now)?.is_empty() {
            inbox::notify(conn, app, &event, &[supervisors], now)?;
        }
        (
            TimelineKind::DeadlineReminder,
            "Triage of a signal due soon: intake reminded",
        )
    };
    if let Some(child) = &s.child_id {
        timeline::record(
            conn,
            &TimelineRow {
                id: TimelineEventId::new(),
                child_id: *child,
                case_id: None,
                at: now.naive_utc(),
                kind: timeline_kind,
                summary: summary.into(),
                actor_id: None,
                ref_id: Some(s.id.to_string()),
            },
        )?;
    }
    Ok(true)
}

/// Claims and writes one deadline's reminder or escalation; `false` when another worker got
/// there first.
fn deadline(
    conn: &mut DbConnection,
    app: &App,
    d: &DeadlineRow,
    escalation: bool,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if !deadlines::claim(conn, d.id, escalation, now.naive_utc())? {
        return Ok(false);
    }
    let case = cases::find(conn, d.case_id)?
        .ok_or_else(|| AppError::corrupt("deadlines", d.id, "case_id", d.case_id))?;
    let (kind, to, timeline_kind, summary) = if escalation {
        (
            NotificationKind::DeadlineEscalation,
            inbox::supervisors(&case.region_code),
            TimelineKind::Escalation,
            format!("Deadline {} missed: escalated to the supervisor", d.kind),
        )
    } else {
        (
            NotificationKind::DeadlineReminder,
            // An unassigned case's reminder goes to the supervisors.
            inbox::manager(&case),
            TimelineKind::DeadlineReminder,
            format!("Deadline {} due soon: assignee reminded", d.kind),
        )
    };
    if escalation {
        let escalated =
            crate::events::Event::case(qorgau_domain::event::EventType::DeadlineEscalated, &case)
                .on(d.id)
                .with("deadline_kind", d.kind);
        crate::events::emit(conn, escalated, now)?;
    }
    let mut event = Event::new(kind, About::case(&case)).on(d.id);
    event.deadline = Some((d.kind, d.due_at.and_utc()));
    inbox::notify(conn, app, &event, &[to], now)?;
    timeline::record(
        conn,
        &TimelineRow {
            id: TimelineEventId::new(),
            child_id: case.child_id,
            case_id: Some(case.id),
            at: now.naive_utc(),
            kind: timeline_kind,
            summary,
            actor_id: None,
            ref_id: Some(d.id.to_string()),
        },
    )?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn reminders_fall_in_the_last_quarter_or_hour() {
        let start = Utc
            .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
            .single()
            .expect("valid");
        let due = start + Duration::days(8);
        let due_soon = |now| reminder_due(start.naive_utc(), due.naive_utc(), now);
        assert!(!due_soon(start + Duration::days(5)));
        assert!(due_soon(start + Duration::days(6) + Duration::minutes(1)));
        assert!(
            !due_soon(due + Duration::minutes(1)),
            "lapsed: escalation, not reminder"
        );
        let short = (start + Duration::hours(2)).naive_utc();
        assert!(
            reminder_due(start.naive_utc(), short, start + Duration::minutes(61)),
            "at least an hour's notice"
        );
        assert!(!reminder_due(
            start.naive_utc(),
            short,
            start + Duration::minutes(59)
        ));
    }
}
