//! Notifications (issue 19, docs/notifications.md): the one place an event becomes
//! notifications — recipients resolved by role and scope when it happens, the actor never told
//! of their own act, each recipient's mail decided by their preference — written in the
//! transaction of the event, so that an event that fails leaves none behind. And the inbox's
//! use cases: list, mark read, mark all read, email preference.
//!
//! What a notification says is its kind and the case's number (or the signal's id) with a link:
//! never a concern, a description or a name, whoever receives it.

use chrono::{DateTime, Utc};
use qorgau_domain::ids::{CaseId, NotificationId, OrganisationId, SignalId, UserId};
use qorgau_domain::notification::{EmailPreference, Mail, NotificationKind};
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::role::Role;
use qorgau_persistence::cases::CaseRow;
use qorgau_persistence::notifications::{self, NotificationRow};
use qorgau_persistence::users::{self, Among};
use qorgau_persistence::{DbConnection, Page, write};

use crate::app::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::notices;

/// What the notification is about: a case (by number), or a signal not on a case.
#[derive(Clone, Copy, Debug)]
pub enum About<'a> {
    Case { id: CaseId, number: &'a str },
    Signal { id: SignalId },
}

impl<'a> About<'a> {
    pub fn case(case: &'a CaseRow) -> Self {
        About::Case {
            id: case.id,
            number: &case.number,
        }
    }
}

/// One event to tell people of.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub kind: NotificationKind,
    pub about: About<'a>,
    /// The record acted on (referral, transfer, plan, deadline, grant, gap…).
    pub ref_id: Option<String>,
    /// Who caused it: not told of their own act. `None` for the worker.
    pub actor: Option<UserId>,
    /// For deadline reminders and escalations: which deadline and when it is due, so that the
    /// mail says it (`notices::deadline_notice`).
    pub deadline: Option<(DeadlineKind, DateTime<Utc>)>,
}

impl<'a> Event<'a> {
    pub fn new(kind: NotificationKind, about: About<'a>) -> Self {
        Event {
            kind,
            about,
            ref_id: None,
            actor: None,
            deadline: None,
        }
    }

    /// What most use cases tell of: the user `by` did `kind` on `case`'s record `ref_id` (a
    /// referral, a plan, a transfer, a grant…).
    pub fn act(
        kind: NotificationKind,
        case: &'a CaseRow,
        by: UserId,
        ref_id: impl std::fmt::Display,
    ) -> Self {
        Event::new(kind, About::case(case)).by(by).on(ref_id)
    }

    pub fn by(mut self, actor: UserId) -> Self {
        self.actor = Some(actor);
        self
    }

    pub fn on(mut self, ref_id: impl std::fmt::Display) -> Self {
        self.ref_id = Some(ref_id.to_string());
        self
    }
}

/// The supervisors of a region.
pub fn supervisors(region: &str) -> Among<'_> {
    Among::Region(Role::Supervisor, region)
}

/// The case's manager; the region's supervisors while it has none.
pub fn manager(case: &CaseRow) -> Among<'_> {
    match &case.assignee_id {
        Some(a) => Among::User(*a),
        None => supervisors(&case.region_code),
    }
}

/// The staff of an organisation.
pub fn staff(organisation: OrganisationId) -> Among<'static> {
    Among::Organisation(organisation)
}

/// Writes the event's notifications to the active users `to` (each once, never the actor) and
/// queues their immediate mail, in the caller's transaction; returns the recipients' ids.
pub fn notify(
    conn: &mut DbConnection,
    app: &App,
    event: &Event<'_>,
    to: &[Among<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<UserId>, AppError> {
    let mut recipients: Vec<users::Recipient> = Vec::new();
    for among in to {
        for r in users::recipients(conn, *among)? {
            if Some(r.id) != event.actor && !recipients.iter().any(|k| k.id == r.id) {
                recipients.push(r);
            }
        }
    }
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<UserId> = recipients.iter().map(|r| r.id).collect();
    let chosen = notifications::preferences(conn, &ids)?;
    let (case_id, signal_id, subject) = match event.about {
        About::Case { id, number } => (Some(id), None, number.to_string()),
        About::Signal { id } => (None, Some(id), id.to_string()),
    };
    for r in &recipients {
        let preference = chosen.iter().find(|(u, _)| *u == r.id).map(|(_, p)| *p);
        let mail = match (event.kind.mail(preference), &r.email) {
            (Mail::Off, _) | (_, None) => Mail::Off,
            (mail, Some(_)) => mail,
        };
        let row = NotificationRow {
            id: NotificationId::new(),
            recipient_id: r.id,
            kind: event.kind,
            case_id,
            signal_id,
            ref_id: event.ref_id.clone(),
            subject: subject.clone(),
            created_at: now.naive_utc(),
            read_at: None,
            mail,
            digested_at: None,
        };
        notifications::insert(conn, &row)?;
        if let (Mail::Immediate, Some(email)) = (mail, &r.email) {
            let url = app.link(&link(&row));
            let message = match event.deadline {
                Some((kind, due)) => {
                    let notice = if matches!(
                        event.kind,
                        NotificationKind::DeadlineEscalation | NotificationKind::TriageEscalation
                    ) {
                        notices::Notice::Escalation
                    } else {
                        notices::Notice::Reminder
                    };
                    match event.about {
                        About::Case { number, .. } => {
                            notices::deadline_notice(notice, email, number, kind, due, &url)
                        }
                        About::Signal { id } => {
                            notices::triage_notice(notice, email, &id.to_string(), due, &url)
                        }
                    }
                }
                None => notices::notification_notice(email, event.kind, &subject, &url),
            };
            notices::enqueue(conn, message, now)?;
        }
    }
    Ok(ids)
}

/// The API path to act on a notification: the referral for referral events (for a withdrawn
/// one, which its receiver no longer opens, their organisation's withdrawn referrals), the
/// incoming transfers for a transfer request (the receiving region does not see the case
/// before it accepts), the signal for triage, the list of gaps for a gap, else the case.
pub fn link(row: &NotificationRow) -> String {
    use NotificationKind::*;
    match (row.kind, &row.ref_id, &row.signal_id, &row.case_id) {
        (ReferralWithdrawn, ..) => "/api/v1/referrals?status=withdrawn".into(),
        (TransferRequested, ..) => "/api/v1/transfers".into(),
        (
            ReferralReceived | ReferralAccepted | ReferralDeclined | ReferralCompleted
            | ProtocolNotification,
            Some(referral),
            _,
            _,
        ) => format!("/api/v1/referrals/{referral}"),
        (RoutingGap, ..) => "/api/v1/supervision/routing-gaps".into(),
        (_, _, Some(signal), _) => format!("/api/v1/signals/{signal}"),
        (_, _, _, Some(case)) => format!("/api/v1/cases/{case}"),
        _ => "/api/v1/me/notifications".into(),
    }
}

/// A page of the caller's notifications, newest first, and how many are unread.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    unread_only: bool,
    page: &Page,
) -> Result<(Vec<NotificationRow>, i64), AppError> {
    let me = caller.actor.user_id;
    let rows = notifications::inbox(conn, me, unread_only, page)?;
    let unread = notifications::unread_count(conn, me)?;
    Ok((rows, unread))
}

/// Marks one of the caller's notifications read (again: no change). Another user's
/// notification is not found.
pub fn mark_read(
    conn: &mut DbConnection,
    caller: &Caller,
    id: NotificationId,
) -> Result<(), AppError> {
    let me = caller.actor.user_id;
    let at = caller.at.naive_utc();
    write(conn, |c| notifications::mark_read(c, id, me, at))?
        .map(|_| ())
        .ok_or(AppError::NotFound)
}

/// Marks all of the caller's notifications read; how many were unread.
pub fn mark_all_read(conn: &mut DbConnection, caller: &Caller) -> Result<usize, AppError> {
    let me = caller.actor.user_id;
    let at = caller.at.naive_utc();
    Ok(write(conn, |c| notifications::mark_all_read(c, me, at))?)
}

/// The caller's email preference; `None` while they keep the default.
pub fn preference(
    conn: &mut DbConnection,
    caller: &Caller,
) -> Result<Option<EmailPreference>, AppError> {
    Ok(notifications::preference(conn, caller.actor.user_id)?)
}

/// Records the caller's choice of email; `None` returns to the default.
pub fn set_preference(
    conn: &mut DbConnection,
    caller: &Caller,
    email: Option<EmailPreference>,
) -> Result<(), AppError> {
    let me = caller.actor.user_id;
    let at = caller.at.naive_utc();
    Ok(write(conn, |c| {
        notifications::set_preference(c, me, email, at)
    })?)
}
