//! Routing gaps (docs/protocols.md § Routing): the mandatory steps of the protocol that found no
//! organisation to take them, listed for the supervisors of the case's region until one of them
//! records how the duty was met.
//!
//! Who: the supervisor, for her region (`Action::ViewCaseload`, the supervision tools' rule).
//! Administrators, who register the missing organisations, run the system rather than the
//! casework: the list names cases, so it is not theirs. The list shows the case's number, the
//! step and the organisation kind missing — not the concerns behind it, which the case card
//! shows (audited) to whoever opens it.

use qorgau_domain::access::Action;
use qorgau_domain::ids::RoutingGapId;
use qorgau_domain::lifecycle::REASON_MAX;
use qorgau_domain::timeline::TimelineKind;
use qorgau_domain::validation::bounded_text;
use qorgau_persistence::routing::{self, GapOfCase};
use qorgau_persistence::{DbConnection, Page, cases, write};

use crate::access::case_location;
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::cases::note;
use crate::error::AppError;

/// A page of the gaps of the caller's region, oldest first: unresolved only (`Some(false)`),
/// resolved only (`Some(true)`) or both. The list is audited, with one entry per case shown.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    resolved: Option<bool>,
    page: &Page,
) -> Result<Vec<GapOfCase>, AppError> {
    let scope = caller.actor.scope(Action::ViewCaseload)?;
    let rows = routing::list_gaps(conn, &scope, resolved, page)?;
    let seen: Vec<Target> = page.shown(&rows).iter().map(gap_target).collect();
    audit::log_list(conn, caller, "routing_gaps", &seen)?;
    Ok(rows)
}

/// A gap as an audited record: it names its case, hence the child.
fn gap_target(g: &GapOfCase) -> Target<'_> {
    Target {
        resource: "routing_gap",
        id: g.gap.id.to_string(),
        child_id: Some(g.child_id),
        region: Some(&g.region_code),
    }
}

/// The supervisor of the case's region records how the gap's duty was met (`note`, required):
/// the gap leaves the list of open gaps; the resolution is audited and noted on the case's
/// timeline. Already resolved: conflict.
pub fn resolve(
    conn: &mut DbConnection,
    caller: &Caller,
    id: RoutingGapId,
    note_text: &str,
) -> Result<GapOfCase, AppError> {
    let scope = caller.actor.scope(Action::ViewCaseload)?;
    let resolution = bounded_text(note_text, REASON_MAX)
        .map_err(|e| AppError::invalid("note", e.to_string()))?;
    let now = caller.at;
    let me = caller.actor.user_id;
    write(conn, |tx| {
        let gap = routing::find_gap(tx, id)?.ok_or(AppError::NotFound)?;
        let case = cases::find(tx, gap.case_id)?
            .ok_or_else(|| AppError::corrupt("routing_gaps", gap.id, "case_id", gap.case_id))?;
        if !scope.contains(&case_location(&case)) {
            return Err(AppError::NotFound);
        }
        if !routing::resolve_gap(tx, id, me, now.naive_utc(), &resolution)? {
            return Err(AppError::conflict("the routing gap is already resolved"));
        }
        let resolved = GapOfCase {
            gap: routing::find_gap(tx, id)?.ok_or(AppError::NotFound)?,
            case_number: case.number.clone(),
            child_id: case.child_id,
            region_code: case.region_code.clone(),
        };
        audit::log(tx, caller, Act::Update, gap_target(&resolved))?;
        let summary = format!(
            "Routing gap resolved (mandatory {} to a {}): {resolution}",
            gap.action, gap.organisation_kind
        );
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::RoutingGapResolved,
            summary,
            id,
        )?;
        Ok(resolved)
    })
}
