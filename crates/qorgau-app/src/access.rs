//! Who may reach which record, decided once for every use case: a record the caller may not
//! know of is [`AppError::NotFound`], one they see but may not act on is [`AppError::Denied`],
//! and every access granted is audited here, where it is granted.

use qorgau_domain::access::{Action, Actor, Location};
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::{CaseId, ChildId};
use qorgau_domain::role::Role;
use qorgau_persistence::audit as store;
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::children::{self, ChildRow};
use qorgau_persistence::{DbConnection, referrals};

use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::error::AppError;

/// Where a case sits for access: its place, and its case manager as owner.
pub fn case_location(c: &CaseRow) -> Location<'_> {
    Location {
        owner: c.assignee_id,
        organisation: None,
        region: Some(&c.region_code),
        district: Some(&c.district_code),
    }
}

/// A case the caller may see (else not found), and may take `action` on (else denied). The
/// access is audited: a read for `ViewCases`, else an update (inside the write's transaction,
/// so it is recorded exactly when the change is).
pub fn visible_case(
    conn: &mut DbConnection,
    caller: &Caller,
    id: CaseId,
    action: Action,
) -> Result<CaseRow, AppError> {
    let actor = &caller.actor;
    let case = cases::find(conn, id)?.ok_or(AppError::NotFound)?;
    if let Err(denied) = actor.authorize(Action::ViewCases, &case_location(&case)) {
        // Break-glass opens a case for reading only (GET), while the grant lasts.
        if !(action == Action::ViewCases
            && caller.reading
            && granted(conn, caller, id, &case_location(&case))?)
        {
            return Err(denied.into());
        }
    } else if action != Action::ViewCases {
        actor.permit(action, &case_location(&case))?;
    }
    // Some changes read the case as `ViewCases` and let the domain decide (transitions).
    if action != Action::ViewCases || !caller.reading {
        unless_anonymised(conn, &case)?;
    }
    let act = if action == Action::ViewCases {
        Act::Read
    } else {
        Act::Update
    };
    audit_case(conn, caller, act, &case)?;
    Ok(case)
}

/// The case a caller may log work on: the case team's, or — while its organisation holds an
/// active referral on it — a specialist's.
pub fn case_for_work(
    conn: &mut DbConnection,
    caller: &Caller,
    id: CaseId,
) -> Result<CaseRow, AppError> {
    let actor = &caller.actor;
    if actor.role == Role::Specialist {
        if referrals::active_for(conn, id, actor.organisation_id)? {
            let case = cases::find(conn, id)?.ok_or(AppError::NotFound)?;
            unless_anonymised(conn, &case)?;
            audit_case(conn, caller, Act::Update, &case)?;
            return Ok(case);
        }
        return Err(AppError::NotFound);
    }
    visible_case(conn, caller, id, Action::WorkCase)
}

/// Refuses a change to a case of an anonymised child: only a closed case can be one (retention
/// anonymises no child with an open case), so open cases cost no lookup.
fn unless_anonymised(conn: &mut DbConnection, case: &CaseRow) -> Result<(), AppError> {
    if case.status == CaseStatus::Closed
        && children::find(conn, case.child_id)?.is_some_and(|c| c.anonymised_at.is_some())
    {
        return Err(anonymised());
    }
    Ok(())
}

/// The answer to a change of an anonymised child's record: 409.
fn anonymised() -> AppError {
    AppError::conflict(
        "the child's record was anonymised under the retention rule and takes no more changes; \
         a new signal about the child registers a new record",
    )
}

/// Records an access to `case` in the audit log.
pub fn audit_case(
    conn: &mut DbConnection,
    caller: &Caller,
    act: Act,
    case: &CaseRow,
) -> Result<(), AppError> {
    audit::log(conn, caller, act, case_target(case))
}

/// A case as an audited record: it carries its child's data.
pub fn case_target(case: &CaseRow) -> Target<'_> {
    Target {
        resource: "case",
        id: case.id.to_string(),
        child_id: Some(case.child_id),
        region: Some(&case.region_code),
    }
}

/// May `caller` read this case under an unexpired break-glass grant?
pub fn granted(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    at: &Location<'_>,
) -> Result<bool, AppError> {
    let actor: &Actor = &caller.actor;
    if actor.scope(Action::BreakGlass).is_err() || actor.authorize(Action::ViewCases, at).is_ok() {
        return Ok(false);
    }
    Ok(store::has_grant(
        conn,
        &actor.user_id.to_string(),
        case_id,
        caller.at.naive_utc(),
    )?)
}

/// A child the caller may see (merged records are not found), with its open case. The access
/// is audited, except a look at the child's audit log, which is not itself an access to the
/// child's data.
pub fn visible_child(
    conn: &mut DbConnection,
    caller: &Caller,
    action: Action,
    id: ChildId,
) -> Result<(ChildRow, Option<CaseId>), AppError> {
    let actor = &caller.actor;
    let child = children::find(conn, id)?
        .filter(|c| c.merged_into.is_none())
        .ok_or(AppError::NotFound)?;
    let open = children::open_case(conn, child.id)?;
    let owner = open
        .as_ref()
        .and_then(|(_, a)| a.as_deref())
        .and_then(|a| a.parse().ok());
    let at = Location {
        owner,
        organisation: None,
        region: Some(&child.region_code),
        district: Some(&child.district_code),
    };
    actor.authorize(Action::ViewChildren, &at)?;
    if action != Action::ViewChildren {
        actor.permit(action, &at)?;
    }
    let reading = matches!(
        action,
        Action::ViewChildren | Action::ViewChildFile | Action::ViewAudit | Action::ExportChildFile
    );
    if child.anonymised_at.is_some() && !reading {
        return Err(anonymised());
    }
    if action != Action::ViewAudit {
        let act = match action {
            Action::ViewChildren | Action::ViewChildFile => Act::Read,
            Action::ExportChildFile => Act::Export,
            _ => Act::Update,
        };
        audit::log(conn, caller, act, child_target(&child))?;
    }
    Ok((child, open.map(|(case, _)| case)))
}

/// A child as an audited record.
pub fn child_target(child: &ChildRow) -> Target<'_> {
    Target {
        resource: "child",
        id: child.id.to_string(),
        child_id: Some(child.id),
        region: Some(&child.region_code),
    }
}
