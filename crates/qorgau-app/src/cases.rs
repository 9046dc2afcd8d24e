//! Cases (api.md § Cases): the list, the case card, edits under a version, assignment — and what
//! every use case on a case shares: the card shown after a change, the case's status, its
//! timeline entries. The work on a case (transitions, assessments, the plan, interventions) is
//! in the modules next to this one.

use chrono::{DateTime, Utc};
use qorgau_domain::access::Action;
use qorgau_domain::assessment::may_record;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::case::may_hold;
use qorgau_domain::case_file::FlagKind;
use qorgau_domain::deadline::DeadlineStatus;
use qorgau_domain::event::EventType;
use qorgau_domain::ids::{CaseId, UserId};
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::taxonomy::{Concern, RiskLevel};
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::cases::{self, CaseFilter, CaseRow};
use qorgau_persistence::deadlines::{self, DeadlineRow};
use qorgau_persistence::flags::{self, FlagRow};
use qorgau_persistence::relations::{self, RelationRow};
use qorgau_persistence::users::UserRow;
use qorgau_persistence::{DbConnection, Page, users, write};

use crate::access::{case_target, visible_case};
use crate::app::App;
use crate::audit::{self, Target};
use crate::caller::Caller;
use crate::error::AppError;
use crate::inbox::{self, About, Event};
use crate::{protocol, timeline};

/// The case card: the case with its concerns, its deadlines and the alerts everyone working it
/// must see.
pub struct CaseCard {
    pub case: CaseRow,
    pub concerns: Vec<String>,
    /// People around the child recorded as alleged perpetrators: no contact or disclosure to
    /// them follows from the system.
    pub alleged_perpetrators: Vec<RelationRow>,
    /// The protocol's deadlines of the case, cancelled ones left out.
    pub deadlines: Vec<CardDeadline>,
    /// The case's active flags, in the order they were set.
    pub flags: Vec<FlagRow>,
}

/// A deadline as the card shows it.
pub struct CardDeadline {
    pub deadline: DeadlineRow,
    /// Pending and past due when the card was read: overdue is a reading of the clock, not a
    /// stored state.
    pub overdue: bool,
}

/// Loads the card of `case` as it stands at `now` (which decides the overdue deadlines).
pub fn card(
    conn: &mut DbConnection,
    case: CaseRow,
    now: DateTime<Utc>,
) -> Result<CaseCard, AppError> {
    let concerns = cases::concerns_of(conn, std::slice::from_ref(&case.id))?
        .remove(&case.id)
        .unwrap_or_default();
    let alleged_perpetrators = relations::alleged_perpetrators(conn, case.child_id)?;
    let now = now.naive_utc();
    let deadlines = deadlines::for_case(conn, case.id)?
        .into_iter()
        .filter(|d| d.status != DeadlineStatus::Cancelled)
        .map(|d| CardDeadline {
            overdue: d.status == DeadlineStatus::Pending && d.due_at < now,
            deadline: d,
        })
        .collect();
    let flags = flags::active_on(conn, case.id)?;
    Ok(CaseCard {
        case,
        concerns,
        alleged_perpetrators,
        deadlines,
        flags,
    })
}

/// The card of the case `id` once a change to it is written, inside the change's transaction.
pub(crate) fn reload(
    conn: &mut DbConnection,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<CaseCard, AppError> {
    // The case was found at the start of the same transaction.
    let case = cases::find(conn, id)?.ok_or(AppError::Internal)?;
    card(conn, case, now)
}

/// Work is recorded on open cases only (not while closure is requested, not once closed).
pub(crate) fn ensure_open(case: &CaseRow) -> Result<CaseStatus, AppError> {
    let status = case.status;
    if may_record(status) {
        Ok(status)
    } else {
        Err(AppError::conflict(format!(
            "the case is {}: reopen it first",
            case.status
        )))
    }
}

/// Writes one event on the timeline of `case` (and its child's), done by the caller.
pub(crate) fn note(
    conn: &mut DbConnection,
    caller: &Caller,
    case: &CaseRow,
    at: DateTime<Utc>,
    kind: TimelineKind,
    summary: String,
    ref_id: impl std::fmt::Display,
) -> Result<(), AppError> {
    let me = caller.actor.user_id;
    let event = timeline::event(case.child_id, Some(case.id), at, kind, summary, me, ref_id);
    timeline::record(conn, &event)
}

// ---------------------------------------------------------------------------------------------
// The list and the card

/// Which cases a list shows (all conditions hold).
#[derive(Clone, Debug, Default)]
pub struct CaseSearch {
    pub status: Option<String>,
    pub risk_level: Option<String>,
    pub assignee_id: Option<UserId>,
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    /// Only cases with a lapsed deadline — of this kind, if one is given.
    pub overdue: bool,
    pub overdue_kind: Option<DeadlineKind>,
    /// `true`: cases not closed; `false`: closed cases.
    pub open: Option<bool>,
    /// `true`: cases nobody is assigned to; `false`: assigned cases.
    pub unassigned: Option<bool>,
    /// Only cases with an active flag of this kind.
    pub flag: Option<FlagKind>,
}

/// A case as a list shows it.
pub struct CaseSummary {
    pub case: CaseRow,
    pub concerns: Vec<String>,
}

/// Cases the caller may see (their own for a case manager, the region's for a supervisor)
/// matching `search`: one page, with its look-ahead row. What the page shows is audited.
pub fn list_cases(
    conn: &mut DbConnection,
    caller: &Caller,
    search: CaseSearch,
    page: &Page,
) -> Result<Vec<CaseSummary>, AppError> {
    let scope = caller.actor.scope(Action::ViewCases)?;
    let overdue = search.overdue || search.overdue_kind.is_some();
    let filter = CaseFilter {
        status: search.status,
        risk_level: search.risk_level,
        assignee_id: search.assignee_id,
        region_code: search.region_code,
        district_code: search.district_code,
        overdue_at: overdue.then(|| caller.at.naive_utc()),
        overdue_kind: search.overdue_kind,
        open: search.open,
        unassigned: search.unassigned,
        flag: search.flag,
    };
    let rows = cases::list(conn, &scope, &filter, page)?;
    let seen: Vec<Target> = page.shown(&rows).iter().map(case_target).collect();
    audit::log_list(conn, caller, "cases", &seen)?;
    let ids: Vec<CaseId> = rows.iter().map(|r| r.id).collect();
    let mut concerns = cases::concerns_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|case| CaseSummary {
            concerns: concerns.remove(&case.id).unwrap_or_default(),
            case,
        })
        .collect())
}

/// The card of a case the caller may see.
pub fn case_card(
    conn: &mut DbConnection,
    caller: &Caller,
    id: CaseId,
) -> Result<CaseCard, AppError> {
    let case = visible_case(conn, caller, id, Action::ViewCases)?;
    card(conn, case, caller.at)
}

// ---------------------------------------------------------------------------------------------
// Edits

/// An edit of a case, made from the version the editor saw.
pub struct CaseEdit {
    pub case_id: CaseId,
    /// The version named by `If-Match`: another one means someone changed the case meanwhile.
    pub expected_version: i64,
    pub risk: Option<RiskLevel>,
    /// Why the risk level changed; required when it does.
    pub risk_reason: Option<String>,
    /// Replaces the case's concerns.
    pub concerns: Option<Vec<Concern>>,
}

/// Edits a case if it is still at the expected version, so two people cannot silently
/// overwrite each other. A new risk level re-times the pending deadlines; concerns added start
/// the protocol's mandatory referrals for them.
pub fn edit_case(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    edit: CaseEdit,
) -> Result<CaseCard, AppError> {
    let now = caller.at;
    let id = edit.case_id;
    write(conn, |tx| {
        let case = visible_case(tx, caller, id, Action::WorkCase)?;
        AppError::unless_current(edit.expected_version, case.version)?;
        let expected = case.version;
        let new_risk = edit.risk.filter(|r| *r != case.risk_level);
        if new_risk.is_some() && edit.risk_reason.is_none() {
            return Err(AppError::invalid(
                "risk_reason",
                "is required when the risk level changes",
            ));
        }
        let risk = new_risk.unwrap_or(case.risk_level);
        if !cases::update_if_version(tx, id, expected, risk)? {
            return Err(AppError::Stale);
        }
        if let Some(risk) = new_risk {
            protocol::retime(tx, app, id, risk)?;
            let summary = format!(
                "Risk level revised from {} to {}: {}",
                case.risk_level,
                risk.as_str(),
                edit.risk_reason.as_deref().unwrap_or_default()
            );
            note(
                tx,
                caller,
                &case,
                now,
                TimelineKind::RiskRevised,
                summary,
                id,
            )?;
        }
        if let Some(concerns) = &edit.concerns {
            replace_concerns(tx, app, caller, &case, concerns, now)?;
        }
        reload(tx, id, now)
    })
}

/// Sets the case's concerns to `concerns`; those it did not have yet are routed by the protocol.
fn replace_concerns(
    tx: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case: &CaseRow,
    concerns: &[Concern],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = case.id;
    let codes: Vec<&str> = concerns.iter().map(|c| c.as_str()).collect();
    let before: Vec<String> = cases::concerns_of(tx, std::slice::from_ref(&case.id))?
        .remove(&id)
        .unwrap_or_default();
    cases::set_concerns(tx, id, &codes)?;
    let added: Vec<Concern> = concerns
        .iter()
        .copied()
        .filter(|k| !before.iter().any(|b| b == k.as_str()))
        .collect();
    // Routed with the case as edited (its new risk level).
    let current = cases::find(tx, id)?.ok_or(AppError::Internal)?;
    let me = caller.actor.user_id;
    protocol::route(tx, app, &current, &added, me, now)?;
    let summary = format!("Concerns set to {}", codes.join(", "));
    note(
        tx,
        caller,
        case,
        now,
        TimelineKind::ConcernsChanged,
        summary,
        id,
    )
}

// ---------------------------------------------------------------------------------------------
// Assignment

/// Assigns the case to an active case manager of its region (supervisors); meets the
/// assignment deadline; tells the new assignee (not one assigned again who already had it).
pub fn assign_case(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    assignee: UserId,
) -> Result<CaseCard, AppError> {
    let now = caller.at;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::AssignCase)?;
        let holder = holder_for(tx, &case, assignee, "assignee_id")?;
        let summary = format!("Assigned to {}", holder.full_name);
        let me = caller.actor.user_id;
        give(tx, app, me, &case, &holder, summary, now)?;
        reload(tx, case_id, now)
    })
}

/// The user `assignee` if they may hold `case` (`qorgau_domain::case::may_hold`: an active
/// case manager of the case's region), their row locked until the transaction ends so that a
/// deactivation cannot cross the assignment; else invalid, naming `field`.
pub(crate) fn holder_for(
    tx: &mut DbConnection,
    case: &CaseRow,
    assignee: UserId,
    field: &str,
) -> Result<UserRow, AppError> {
    users::lock(tx, assignee)?;
    match users::find(tx, assignee)? {
        Some((user, org))
            if may_hold(user.role, user.active, &org.region_code, &case.region_code) =>
        {
            Ok(user)
        }
        _ => Err(AppError::invalid(
            field,
            "must be an active case manager of the case's region",
        )),
    }
}

/// Gives `case` to `holder` (found by [`holder_for`]), by the user `by`: the case and its
/// deadlines, a timeline entry saying `summary`, the assignment deadline met, and the holder
/// told unless the case was theirs already.
pub(crate) fn give(
    tx: &mut DbConnection,
    app: &App,
    by: UserId,
    case: &CaseRow,
    holder: &UserRow,
    summary: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let assignee = holder.id;
    cases::assign(tx, case.id, assignee)?;
    let event = timeline::event(
        case.child_id,
        Some(case.id),
        now,
        TimelineKind::Assigned,
        summary,
        by,
        assignee,
    );
    timeline::record(tx, &event)?;
    protocol::meet(tx, case, DeadlineKind::Assignment, None, by, now)?;
    if case.assignee_id != Some(assignee) {
        let assigned =
            crate::events::Event::case(EventType::CaseAssigned, case).with("assignee_id", assignee);
        crate::events::emit(tx, assigned, now)?;
        let event = Event::new(NotificationKind::CaseAssigned, About::case(case)).by(by);
        inbox::notify(tx, app, &event, &[users::Among::User(assignee)], now)?;
    }
    Ok(())
}
