//! Transfers of a case between regions when the family moves (brief § 2 step 13): the case
//! team asks, the receiving region's supervisor accepts or declines.

use chrono::{DateTime, Utc};
use qorgau_domain::access::{Action, Actor, Location};
use qorgau_domain::case::TransferStatus;
use qorgau_domain::event::EventType;
use qorgau_domain::ids::{CaseId, TransferId};
use qorgau_domain::interagency::{TransferInput, parse_transfer};
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::transfers::{self, TransferRow};
use qorgau_persistence::{DbConnection, Page, geography, write};

use crate::access::visible_case;
use crate::app::App;
use crate::audit;
use crate::caller::Caller;
use crate::cases::CaseCard;
use crate::cases::note;
use crate::error::AppError;
use crate::inbox::{self, Event};

/// Asks the receiving region to take the case `case_id` over. The body is parsed here: whether
/// the region is another one depends on where the case is now.
pub fn request(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    input: TransferInput,
) -> Result<TransferRow, AppError> {
    let id = case_id;
    let now = app.now();
    write(conn, |tx| {
        let case = visible_case(tx, caller, id, Action::WorkCase)?;
        let new = parse_transfer(input, &case.region_code)?;
        if geography::find_district(tx, new.district.as_str())?.is_none() {
            return Err(AppError::invalid(
                "district_code",
                "no such district in this region",
            ));
        }
        if transfers::pending_for_case(tx, id)?.is_some() {
            return Err(AppError::conflict(
                "a transfer of this case is already pending",
            ));
        }
        let row = TransferRow {
            id: TransferId::new(),
            case_id: id,
            from_region: case.region_code.clone(),
            from_district: case.district_code.clone(),
            to_region: new.region.as_str().into(),
            to_district: new.district.as_str().into(),
            reason: new.reason,
            status: TransferStatus::Pending,
            requested_by: caller.actor.user_id,
            requested_at: now.naive_utc(),
            decided_by: None,
            decided_at: None,
            decline_reason: None,
        };
        transfers::insert(tx, &row)?;
        let text = format!("Transfer to {} requested: {}", row.to_region, row.reason);
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::TransferRequested,
            text,
            row.id,
        )?;
        let me = caller.actor.user_id;
        let event = Event::act(NotificationKind::TransferRequested, &case, me, row.id);
        inbox::notify(tx, app, &event, &[inbox::supervisors(&row.to_region)], now)?;
        Ok(row)
    })
}

/// The pending transfer of a case, if the caller is a supervisor of the receiving region.
fn to_decide(
    conn: &mut DbConnection,
    actor: &Actor,
    case_id: CaseId,
) -> Result<(TransferRow, CaseRow), AppError> {
    let transfer = transfers::pending_for_case(conn, case_id)?.ok_or(AppError::NotFound)?;
    let at = Location {
        region: Some(&transfer.to_region),
        ..Location::default()
    };
    actor.authorize(Action::DecideTransfer, &at)?;
    let case = cases::find(conn, case_id)?.ok_or(AppError::NotFound)?;
    Ok((transfer, case))
}

/// What the receiving region's supervisor decides on a pending transfer.
enum Decision<'r> {
    Accept,
    Decline { reason: &'r str },
}

/// Records the caller's decision on the pending transfer of `case_id` (unless it was decided
/// meanwhile), on the case's timeline; an accepted case moves with its child. Tells the sending
/// region's supervisors and the case's manager: the manager as the case had one before (an
/// accepted transfer leaves the case unassigned in its new region, out of their sight, and they
/// are told that it left). Returns the transfer as it was pending.
fn decide(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    decision: Decision<'_>,
    now: DateTime<Utc>,
) -> Result<TransferRow, AppError> {
    let (transfer, case) = to_decide(conn, &caller.actor, case_id)?;
    let (status, reason) = match decision {
        Decision::Accept => (TransferStatus::Accepted, None),
        Decision::Decline { reason } => (TransferStatus::Declined, Some(reason)),
    };
    let me = caller.actor.user_id;
    if !transfers::decide(conn, transfer.id, status, me, now.naive_utc(), reason)? {
        return Err(AppError::conflict("the transfer was decided meanwhile"));
    }
    let (timeline, told, text) = match decision {
        Decision::Accept => {
            transfers::relocate(conn, &transfer, case.child_id)?;
            crate::facts::case(conn, transfer.case_id)?;
            let text = format!(
                "Transfer from {} to {} accepted",
                transfer.from_region, transfer.to_region
            );
            let accepted = NotificationKind::TransferAccepted;
            (TimelineKind::TransferAccepted, accepted, text)
        }
        Decision::Decline { reason } => {
            let text = format!("Transfer to {} declined: {reason}", transfer.to_region);
            let declined = NotificationKind::TransferDeclined;
            (TimelineKind::TransferDeclined, declined, text)
        }
    };
    note(conn, caller, &case, now, timeline, text, transfer.id)?;
    if matches!(decision, Decision::Accept) {
        let moved = crate::events::Event::case(EventType::CaseTransferred, &case)
            .in_area(&transfer.to_region, Some(&transfer.to_district))
            .on(transfer.id)
            .with("from_region", &transfer.from_region)
            .with("to_region", &transfer.to_region);
        crate::events::emit(conn, moved, now)?;
    }
    let event = Event::act(told, &case, me, transfer.id);
    let to = [
        inbox::supervisors(&transfer.from_region),
        inbox::manager(&case),
    ];
    inbox::notify(conn, app, &event, &to, now)?;
    Ok(transfer)
}

/// The receiving region's supervisor accepts: the case, its history and its child move; the old
/// team loses access; the case awaits assignment in its new region. Returns the moved case.
pub fn accept(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
) -> Result<CaseCard, AppError> {
    let now = app.now();
    write(conn, |tx| {
        decide(tx, app, caller, case_id, Decision::Accept, now)?;
        let moved = cases::find(tx, case_id)?.ok_or(AppError::Internal)?;
        crate::cases::card(tx, moved, now)
    })
}

/// The receiving region's supervisor declines, with a reason; the case stays where it is.
pub fn decline(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    reason: String,
) -> Result<TransferRow, AppError> {
    let now = app.now();
    write(conn, |tx| {
        let decision = Decision::Decline { reason: &reason };
        let transfer = decide(tx, app, caller, case_id, decision, now)?;
        Ok(TransferRow {
            status: TransferStatus::Declined,
            decided_by: Some(caller.actor.user_id),
            decided_at: Some(now.naive_utc()),
            decline_reason: Some(reason),
            ..transfer
        })
    })
}

/// A page of the transfers awaiting the caller's decision (supervisors: into their region),
/// oldest first. A transfer names its case and regions, not the child: the list is audited
/// without children.
pub fn incoming(
    conn: &mut DbConnection,
    caller: &Caller,
    page: &Page,
) -> Result<Vec<TransferRow>, AppError> {
    caller.actor.scope(Action::DecideTransfer)?;
    audit::log_list(conn, caller, "transfers", &[])?;
    Ok(transfers::pending_to_region(
        conn,
        &caller.actor.region_code,
        page,
    )?)
}
