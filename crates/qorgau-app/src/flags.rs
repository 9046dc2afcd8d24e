//! Flags on a case (issue 20; seed items 23 and 37): `watch`, `court_pending`,
//! `media_attention`, `special_supervision`, set and cleared by the case's manager or the
//! region's supervisor, each with a reason. A case holds one active flag of a kind; a cleared
//! flag stays on record. Active flags show on the case card, filter `GET /cases` and are counted
//! on the caseload.

use qorgau_domain::access::Action;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::case_file::{FlagKind, NewFlag};
use qorgau_domain::ids::{CaseId, FlagId};
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::flags::{self, FlagRow};
use qorgau_persistence::{DbConnection, DbError, Page, write};

use crate::access::visible_case;
use crate::caller::Caller;
use crate::cases::note;
use crate::error::AppError;

/// Flags an open case (409 on a closed one, or when a flag of the kind is already active).
pub fn set_flag(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    flag: NewFlag,
) -> Result<FlagRow, AppError> {
    let now = caller.at;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::WorkCase)?;
        if case.status == CaseStatus::Closed {
            return Err(AppError::conflict("the case is closed: reopen it first"));
        }
        let already = || {
            AppError::conflict(format!(
                "the case is already flagged {}: clear that flag first",
                flag.kind
            ))
        };
        if flags::active(tx, case_id, flag.kind)?.is_some() {
            return Err(already());
        }
        let row = FlagRow {
            id: FlagId::new(),
            case_id,
            kind: flag.kind,
            reason: flag.reason,
            date: flag.date,
            set_by: caller.actor.user_id,
            set_at: now.naive_utc(),
            cleared_at: None,
            cleared_by: None,
            clear_reason: None,
        };
        // A concurrent flag of the same kind loses on the partial unique index.
        flags::insert(tx, &row).map_err(|e| match e {
            DbError::Duplicate(_) => already(),
            other => other.into(),
        })?;
        let summary = match row.date {
            Some(date) => format!("Flagged {} ({date})", row.kind),
            None => format!("Flagged {}", row.kind),
        };
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::FlagSet,
            summary,
            row.id,
        )?;
        Ok(row)
    })
}

/// Clears the case's active flag of `kind` with a reason; the flag stays on record. 409 when no
/// flag of the kind is active.
pub fn clear_flag(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    kind: FlagKind,
    reason: String,
) -> Result<FlagRow, AppError> {
    let now = caller.at;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::WorkCase)?;
        let not_flagged = || AppError::conflict(format!("the case is not flagged {kind}"));
        let flag = flags::active(tx, case_id, kind)?.ok_or_else(not_flagged)?;
        let me = caller.actor.user_id;
        if !flags::clear(tx, flag.id, now.naive_utc(), me, &reason)? {
            return Err(not_flagged());
        }
        let summary = format!("Flag {kind} cleared");
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::FlagCleared,
            summary,
            flag.id,
        )?;
        Ok(FlagRow {
            cleared_at: Some(now.naive_utc()),
            cleared_by: Some(me),
            clear_reason: Some(reason),
            ..flag
        })
    })
}

/// A page of the flags of a case the caller may see, active and cleared, in the order they
/// were set.
pub fn flags_of(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<FlagRow>, AppError> {
    visible_case(conn, caller, case_id, Action::ViewCases)?;
    Ok(flags::for_case(conn, case_id, page)?)
}
