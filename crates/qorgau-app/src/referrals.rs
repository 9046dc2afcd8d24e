//! Referrals of a case to partner organisations (api.md § Cases).
//!
//! A referral shares the child's data with another organisation, so it needs a legal basis: an
//! active consent of the legal representative covering that kind of organisation, or an
//! override basis that only a case manager or supervisor may invoke (checked here, on the
//! server). While a referral is active the receiving organisation's specialists see the minimum
//! of the case and may log interventions on it; when it ends, so does their access.

use chrono::{DateTime, Utc};
use qorgau_domain::access::{Action, Location};
use qorgau_domain::case::CaseStatus;
use qorgau_domain::consent::{ConsentFacts, SharingBasis, sharing_basis};
use qorgau_domain::event::EventType;
use qorgau_domain::ids::{CaseId, ConsentId, OrganisationId, ReferralId, UserId};
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::referral::{
    self, NewReferral, ReferralAction, ReferralError, ReferralKind, ReferralStatus, next_status,
};
use qorgau_domain::role::Role;
use qorgau_domain::signal::age_on;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::referrals::{self, ReferralFilter, ReferralRow, Step};
use qorgau_persistence::{
    DbConnection, Page, children, consents, deadlines, organisations, users, write,
};

use crate::access::{audit_case, visible_case};
use crate::app::App;
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::cases::note;
use crate::error::AppError;
use crate::inbox::{self, Event};
use crate::protocol;

/// A referral, with what its reader may know of the case.
pub struct Referral {
    pub row: ReferralRow,
    /// The minimum of the case the receiving organisation needs: shown while the referral is
    /// active (and to the case team), never in a list of a case's own referrals.
    pub summary: Option<Summary>,
}

/// The minimum of a case shown to the receiving organisation: no descriptions, no concerns.
pub struct Summary {
    pub case_number: String,
    pub child_first_name: Option<String>,
    pub child_last_name: Option<String>,
    pub child_age: Option<u32>,
}

/// The summary of `case` as of `at` (the child's age changes).
fn summary_of(
    conn: &mut DbConnection,
    case: CaseRow,
    at: DateTime<Utc>,
) -> Result<Summary, AppError> {
    let child = children::find(conn, case.child_id)?;
    Ok(Summary {
        case_number: case.number,
        child_first_name: child.as_ref().and_then(|c| c.first_name.clone()),
        child_last_name: child.as_ref().and_then(|c| c.last_name.clone()),
        child_age: child
            .and_then(|c| c.birth_date)
            .map(|b| age_on(b, at.date_naive())),
    })
}

/// How the caller stands to a referral: its receiving organisation's specialist, or the case
/// team. Anyone else — and a specialist once the referral has ended — finds nothing.
fn standing(
    conn: &mut DbConnection,
    caller: &Caller,
    r: &ReferralRow,
) -> Result<referral::Actor, AppError> {
    let actor = &caller.actor;
    if actor.role == Role::Specialist {
        let own_org = r.to_organisation_id == actor.organisation_id;
        let at = Location {
            organisation: Some(actor.organisation_id),
            ..Location::default()
        };
        if own_org && r.status.is_active() && actor.authorize(Action::ViewReferrals, &at).is_ok() {
            let case = cases::find(conn, r.case_id)?.ok_or(AppError::NotFound)?;
            audit_case(conn, caller, Act::Read, &case)?;
            return Ok(referral::Actor::Receiver);
        }
        return Err(AppError::NotFound);
    }
    visible_case(conn, caller, r.case_id, Action::ViewCases)?;
    Ok(referral::Actor::CaseTeam)
}

/// The consents recorded on the case, as the sharing rule reads them.
fn consent_facts(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<ConsentFacts>, AppError> {
    consents::for_case(conn, case_id)?
        .into_iter()
        .map(|k| {
            let share_with = k
                .share_with
                .split(',')
                .filter(|code| !code.is_empty())
                .map(|code| {
                    OrganisationKind::from_code(code).ok_or_else(|| {
                        AppError::corrupt("consents", k.id, "share_with", &k.share_with)
                    })
                })
                .collect::<Result<_, _>>()?;
            Ok(ConsentFacts {
                share_with,
                given_at: k.given_at.and_utc(),
                withdrawn_at: k.withdrawn_at.map(|t| t.and_utc()),
                id: k.id,
            })
        })
        .collect()
}

/// What a new referral says: all that a user's referral and the protocol's mandatory one
/// differ in.
pub(crate) struct Outgoing {
    pub to: OrganisationId,
    pub service: String,
    pub reason: String,
    pub urgency: Option<RiskLevel>,
    pub consent_id: Option<ConsentId>,
    pub override_basis: Option<String>,
    pub override_note: Option<String>,
    pub kind: ReferralKind,
    pub mandatory: bool,
}

/// Sends `out` from `case`, by the user `by`: a pending referral with its report fact, and its
/// response deadline started, counted on its urgency (else the case's risk level).
pub(crate) fn send(
    tx: &mut DbConnection,
    app: &App,
    case: &CaseRow,
    out: Outgoing,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<ReferralRow, AppError> {
    let urgency = out.urgency.unwrap_or(case.risk_level);
    let row = ReferralRow {
        id: ReferralId::new(),
        case_id: case.id,
        to_organisation_id: out.to,
        service: out.service,
        reason: out.reason,
        urgency: out.urgency,
        status: ReferralStatus::Pending,
        respond_by: app
            .deadline(DeadlineKind::ReferralResponse, now, urgency)
            .naive_utc(),
        consent_id: out.consent_id,
        override_basis: out.override_basis,
        override_note: out.override_note,
        created_by: by,
        created_at: now.naive_utc(),
        responded_at: None,
        responded_by: None,
        decline_reason: None,
        completed_at: None,
        outcome: None,
        withdrawn_at: None,
        kind: out.kind,
        mandatory: out.mandatory,
    };
    referrals::insert(tx, &row)?;
    crate::facts::referral(tx, row.id)?;
    let sent = crate::events::Event::case(EventType::ReferralSent, case)
        .on(row.id)
        .with("organisation_id", row.to_organisation_id)
        .with("kind", row.kind)
        .with("mandatory", row.mandatory);
    crate::events::emit(tx, sent, now)?;
    let response = DeadlineKind::ReferralResponse;
    protocol::start(tx, app, case, response, now, urgency, Some(row.id))?;
    Ok(row)
}

/// Refers the case `case_id` to a partner organisation. Sharing needs a consent covering the
/// organisation's kind, or an override basis (case manager or supervisor only); the referral
/// response deadline starts now, counted on the referral's urgency (else the case's risk).
pub fn create(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    new: NewReferral,
) -> Result<Referral, AppError> {
    let id = case_id;
    let now = app.now();
    write(conn, |tx| {
        let case = visible_case(tx, caller, id, Action::WorkCase)?;
        if case.status == CaseStatus::Closed {
            return Err(AppError::conflict("the case is closed"));
        }
        let org = organisations::find(tx, new.to_organisation_id)?
            .ok_or_else(|| AppError::invalid("to_organisation_id", "no such organisation"))?;
        let kind = org.kind;
        let consent_override = new.consent_override.as_ref();
        let basis = sharing_basis(
            &consent_facts(tx, id)?,
            kind,
            consent_override,
            caller.actor.role,
            now,
        )?;
        let (consent_id, override_basis, override_note) = match basis {
            SharingBasis::Consent { consent_id } => (Some(consent_id), None, None),
            SharingBasis::Override { basis } => (
                None,
                Some(basis.as_str().to_string()),
                consent_override.and_then(|o| o.note.clone()),
            ),
        };
        let out = Outgoing {
            to: org.id,
            service: new.service,
            reason: new.reason,
            urgency: new.urgency,
            consent_id,
            override_basis,
            override_note,
            kind: ReferralKind::Referral,
            mandatory: false,
        };
        let row = send(tx, app, &case, out, caller.actor.user_id, now)?;
        let mut text = format!("Referred to {} for {}", org.name, row.service);
        if let Some(basis) = &row.override_basis {
            text = format!("{text} (consent overridden: {basis})");
        }
        note(tx, caller, &case, now, TimelineKind::Referral, text, row.id)?;
        let me = caller.actor.user_id;
        let event = Event::act(NotificationKind::ReferralReceived, &case, me, row.id);
        let to = inbox::staff(row.to_organisation_id);
        inbox::notify(tx, app, &event, &[to], now)?;
        Ok(Referral { row, summary: None })
    })
}

/// Referrals the caller may see, one page (with its look-ahead row): a specialist's
/// organisation's queue, with the case summary of the active ones; the case team's cases'.
/// Every child named on the page is audited as read.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &ReferralFilter,
    page: &Page,
) -> Result<Vec<Referral>, AppError> {
    let scope = caller.actor.scope(Action::ViewReferrals)?;
    let rows = referrals::list(conn, &scope, filter, page)?;
    let on_page = page.shown(&rows).len();
    let mut named = Vec::new();
    let mut items = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        // The look-ahead row is neither shown nor audited.
        let case = if i < on_page && row.status.is_active() {
            cases::find(conn, row.case_id)?
        } else {
            None
        };
        let summary = match case {
            Some(case) => {
                named.push((row.id, case.child_id, case.region_code.clone()));
                Some(summary_of(conn, case, caller.at)?)
            }
            None => None,
        };
        items.push(Referral { row, summary });
    }
    let seen: Vec<Target> = named
        .iter()
        .map(|(id, child, region)| Target {
            resource: "referral",
            id: id.to_string(),
            child_id: Some(*child),
            region: Some(region),
        })
        .collect();
    audit::log_list(conn, caller, "referrals", &seen)?;
    Ok(items)
}

/// A page of the referrals and notifications of one case, oldest first — for the case team
/// and the supervisor (specialists list theirs with [`list`], bounded by their organisation).
pub fn list_for_case(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<Referral>, AppError> {
    let id = case_id;
    visible_case(conn, caller, id, Action::ViewCases)?;
    Ok(referrals::for_case(conn, id, page)?
        .into_iter()
        .map(|row| Referral { row, summary: None })
        .collect())
}

/// One referral, for its receiving organisation (while active) or the case team.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: ReferralId) -> Result<Referral, AppError> {
    let row = referrals::find(conn, id)?.ok_or(AppError::NotFound)?;
    standing(conn, caller, &row)?;
    let summary = match cases::find(conn, row.case_id)? {
        Some(case) => Some(summary_of(conn, case, caller.at)?),
        None => None,
    };
    Ok(Referral { row, summary })
}

/// The domain event of a referral's move to `status`.
fn event_of(status: ReferralStatus) -> EventType {
    match status {
        ReferralStatus::Accepted => EventType::ReferralAccepted,
        ReferralStatus::Declined => EventType::ReferralDeclined,
        ReferralStatus::Completed => EventType::ReferralCompleted,
        _ => EventType::ReferralWithdrawn,
    }
}

/// The timeline kind of a referral's move to `status`.
fn moved_to(status: ReferralStatus) -> TimelineKind {
    match status {
        ReferralStatus::Accepted => TimelineKind::ReferralAccepted,
        ReferralStatus::Declined => TimelineKind::ReferralDeclined,
        ReferralStatus::Completed => TimelineKind::ReferralCompleted,
        _ => TimelineKind::ReferralWithdrawn,
    }
}

/// Who is told of a referral's move to `status`: the case's manager of the receiver's answer,
/// the receiving organisation's staff of a withdrawal.
fn told_of<'a>(
    status: ReferralStatus,
    case: &'a CaseRow,
    r: &'a ReferralRow,
) -> (NotificationKind, users::Among<'a>) {
    match status {
        ReferralStatus::Accepted => (NotificationKind::ReferralAccepted, inbox::manager(case)),
        ReferralStatus::Declined => (NotificationKind::ReferralDeclined, inbox::manager(case)),
        ReferralStatus::Completed => (NotificationKind::ReferralCompleted, inbox::manager(case)),
        _ => (
            NotificationKind::ReferralWithdrawn,
            inbox::staff(r.to_organisation_id),
        ),
    }
}

/// Takes `action` on the referral `id`: the receiving organisation accepts, declines (with a
/// reason) or completes it (with an outcome); the case team withdraws it. An answer meets the
/// response deadline, a withdrawal cancels it. The summary stays in the answer while the
/// referral is active, and for the case team.
pub fn act(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    id: ReferralId,
    action: ReferralAction,
) -> Result<Referral, AppError> {
    let now = app.now();
    write(conn, |tx| {
        let r = referrals::find(tx, id)?.ok_or(AppError::NotFound)?;
        let by = standing(tx, caller, &r)?;
        let current = r.status;
        let next = next_status(current, &action, by).map_err(|e| match e {
            ReferralError::Forbidden => AppError::Denied,
            ReferralError::NotAllowed { detail, allowed } => AppError::Conflict {
                detail,
                allowed: Some(allowed.into_iter().map(str::to_string).collect()),
            },
        })?;
        let (reason, outcome) = match &action {
            ReferralAction::Decline { reason } => (Some(reason.as_str()), None),
            ReferralAction::Complete { outcome } => (None, Some(outcome.as_str())),
            _ => (None, None),
        };
        let me = caller.actor.user_id;
        let step = Step {
            to: next,
            by: me,
            at: now.naive_utc(),
            decline_reason: reason,
            outcome,
        };
        if !referrals::advance(tx, id, current, &step)? {
            return Err(AppError::conflict(
                "the referral changed meanwhile; reload it",
            ));
        }
        crate::facts::referral(tx, id)?;
        let case = cases::find(tx, r.case_id)?
            .ok_or_else(|| AppError::corrupt("referrals", id, "case_id", r.case_id))?;
        let deadline = DeadlineKind::ReferralResponse;
        match next {
            ReferralStatus::Accepted | ReferralStatus::Declined => {
                protocol::meet(tx, &case, deadline, Some(id), me, now)?
            }
            ReferralStatus::Withdrawn => deadlines::cancel(tx, case.id, Some(deadline), Some(id))?,
            _ => {}
        }
        let mut text = format!("Referral for {} {}", r.service, next.as_str());
        if let Some(more) = reason.or(outcome) {
            text = format!("{text}: {more}");
        }
        note(tx, caller, &case, now, moved_to(next), text, id)?;
        let moved = crate::events::Event::case(event_of(next), &case)
            .on(id)
            .with("organisation_id", r.to_organisation_id)
            .with("status", next);
        crate::events::emit(tx, moved, now)?;
        let (kind, to) = told_of(next, &case, &r);
        let event = Event::act(kind, &case, me, id);
        inbox::notify(tx, app, &event, &[to], now)?;
        let row = referrals::find(tx, id)?.ok_or(AppError::Internal)?;
        let summary = if next.is_active() || by == referral::Actor::CaseTeam {
            Some(summary_of(tx, case, now)?)
        } else {
            None
        };
        Ok(Referral { row, summary })
    })
}
