//! Where the child is placed while the case runs (api.md § Interagency records). A stay in a
//! juvenile adaptation centre longer than the law allows is flagged.

use chrono::NaiveDate;
use qorgau_domain::access::Action;
use qorgau_domain::ids::{CaseId, PlacementId};
use qorgau_domain::interagency::{
    NewPlacement, PlacementEndInput, exceeds_limit, parse_placement_end,
};
use qorgau_domain::report::kazakhstan_date;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::placements::{self, PlacementRow};
use qorgau_persistence::{DbConnection, Page, write};

use crate::access::visible_case;
use crate::app::App;
use crate::caller::Caller;
use crate::cases::note;
use crate::error::AppError;
use crate::interagency::require_organisation;

/// A placement, and whether it is (or, if still running, has become) longer than allowed.
pub struct Placement {
    pub row: PlacementRow,
    pub exceeds_limit: bool,
}

/// The placement `row` as of `today`.
fn placement(row: PlacementRow, today: NaiveDate) -> Placement {
    Placement {
        exceeds_limit: exceeds_limit(row.kind, row.started_on, row.ended_on.unwrap_or(today)),
        row,
    }
}

/// Records a placement of the child of the case `case_id`.
pub fn add(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    new: NewPlacement,
) -> Result<Placement, AppError> {
    let id = case_id;
    let now = app.now();
    write(conn, |tx| {
        let case = visible_case(tx, caller, id, Action::WorkCase)?;
        if let Some(org) = new.organisation_id {
            require_organisation(tx, "organisation_id", org, None)?;
        }
        let row = PlacementRow {
            id: PlacementId::new(),
            case_id: id,
            kind: new.kind,
            organisation_id: new.organisation_id,
            started_on: new.started_on,
            ended_on: new.ended_on,
            end_reason: new.end_reason.map(|r| r.as_str().into()),
            created_by: caller.actor.user_id,
            created_at: now.naive_utc(),
            version: 1,
        };
        placements::insert(tx, &row)?;
        let text = format!("Placement: {} from {}", row.kind, row.started_on);
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::Placement,
            text,
            row.id,
        )?;
        Ok(placement(row, kazakhstan_date(now.naive_utc())))
    })
}

/// The end of a placement, made from the version the editor saw (`If-Match`).
pub struct PlacementEnd {
    pub id: PlacementId,
    pub expected_version: i64,
    pub input: PlacementEndInput,
}

/// Ends the placement (`ended_on`, `end_reason` — e.g. `breakdown`) if it is still at the
/// expected version. The body is parsed here: the end may not come before the placement's
/// start.
pub fn end(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    command: PlacementEnd,
) -> Result<Placement, AppError> {
    let id = command.id;
    let now = app.now();
    let today = kazakhstan_date(now.naive_utc());
    write(conn, |tx| {
        let started = placements::find(tx, id)?.ok_or(AppError::NotFound)?;
        let case = visible_case(tx, caller, started.case_id, Action::WorkCase)?;
        AppError::unless_current(command.expected_version, started.version)?;
        if started.ended_on.is_some() {
            return Err(AppError::conflict("the placement has already ended"));
        }
        let (ended_on, reason) = parse_placement_end(command.input, started.started_on, today)?;
        if !placements::end(tx, id, started.version, ended_on, reason.as_str())? {
            return Err(AppError::Stale);
        }
        let text = format!(
            "Placement {} ended on {ended_on}: {}",
            started.kind,
            reason.as_str()
        );
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::PlacementEnded,
            text,
            id,
        )?;
        Ok(placement(
            placements::find(tx, id)?.ok_or(AppError::Internal)?,
            today,
        ))
    })
}

/// One placement of a case the caller may see.
pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    id: PlacementId,
) -> Result<Placement, AppError> {
    let row = placements::find(conn, id)?.ok_or(AppError::NotFound)?;
    visible_case(conn, caller, row.case_id, Action::ViewCases)?;
    Ok(placement(row, kazakhstan_date(caller.at.naive_utc())))
}

/// A page of the case's placements, oldest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<Placement>, AppError> {
    let id = case_id;
    visible_case(conn, caller, id, Action::ViewCases)?;
    let today = kazakhstan_date(caller.at.naive_utc());
    Ok(placements::for_case(conn, id, page)?
        .into_iter()
        .map(|row| placement(row, today))
        .collect())
}
