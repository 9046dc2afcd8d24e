//! The child registry (api.md § Children): search, the child's card, its timeline and the
//! records that may be the same child. Merging records is in `merging`.

use chrono::NaiveDate;
use qorgau_domain::access::Action;
use qorgau_domain::ids::{CaseId, ChildId};
use qorgau_domain::names::name_key;
use qorgau_persistence::children::{self, ChildFilter, ChildRow};
use qorgau_persistence::timeline::{self, TimelineRow};
use qorgau_persistence::{DbConnection, Page};

use crate::access::{child_target, visible_child};
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::error::AppError;

/// A child's card: the record and its open case, if any.
pub struct ChildCard {
    pub child: ChildRow,
    pub open_case_id: Option<CaseId>,
}

/// A search of the registry; every part is optional.
pub struct ChildSearch {
    pub iin: Option<String>,
    /// A name or names, spelling-tolerant across Kazakh, Russian and Latin spellings.
    pub name: Option<String>,
    pub birth_date: Option<NaiveDate>,
}

/// Brief § 5: a reader without the child's file (the district's intake coordinator) gets the
/// short card that confirms a match — identity, place, open case — not the address. An
/// anonymised record shows no birth date: the one it keeps only gives its signals their age
/// bands (docs/security.md § Retention) and is not the child's.
pub(crate) fn short_card(caller: &Caller, mut child: ChildRow) -> ChildRow {
    if caller.actor.scope(Action::ViewChildFile).is_err() {
        child.address = None;
    }
    if child.anonymised_at.is_some() {
        child.birth_date = None;
    }
    child
}

/// Children the caller may see, by IIN, name or birth date: a page of rows (one more than
/// shown). The request and every child shown are audited.
pub fn search(
    conn: &mut DbConnection,
    caller: &Caller,
    search: &ChildSearch,
    page: &Page,
) -> Result<Vec<ChildCard>, AppError> {
    let scope = caller.actor.scope(Action::ViewChildren)?;
    let filter = ChildFilter {
        iin: search.iin.as_deref().map(|i| i.trim().to_string()),
        name_keys: search
            .name
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(name_key)
            .filter(|k| !k.is_empty())
            .collect(),
        birth_date: search.birth_date,
    };
    let rows = children::list(conn, &scope, &filter, page)?;
    let seen: Vec<Target> = page.shown(&rows).iter().map(child_target).collect();
    audit::log_list(conn, caller, "children", &seen)?;
    let ids: Vec<ChildId> = rows.iter().map(|c| c.id).collect();
    let mut open = children::open_cases(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|c| ChildCard {
            open_case_id: open.remove(&c.id),
            child: short_card(caller, c),
        })
        .collect())
}

/// What a child's id answers: the child's card, or — for a record merged into another — the
/// record that stands now.
pub enum Found {
    Card(Box<ChildCard>),
    MergedInto(ChildId),
}

/// A child's card; for a merged record, the record it was merged into (followed to the one
/// that stands), if the caller may see that one: else not found, so that a caller who may not
/// see it does not learn its id.
pub fn card(conn: &mut DbConnection, caller: &Caller, id: ChildId) -> Result<Found, AppError> {
    match visible_child(conn, caller, Action::ViewChildren, id) {
        Ok((child, open_case_id)) => Ok(Found::Card(Box::new(ChildCard {
            child: short_card(caller, child),
            open_case_id,
        }))),
        Err(AppError::NotFound) => {
            let (survivor, _) = visible_survivor(conn, caller, Action::ViewChildren, id)?;
            Ok(Found::MergedInto(survivor.id))
        }
        Err(e) => Err(e),
    }
}

/// The record that the merged record `id` now stands in, if the caller may take `action` on it
/// (audited as such): not found for a record that is not merged, or whose survivor the caller
/// may not see.
fn visible_survivor(
    conn: &mut DbConnection,
    caller: &Caller,
    action: Action,
    id: ChildId,
) -> Result<(ChildRow, Option<CaseId>), AppError> {
    let survivor = children::survivor(conn, id)?.ok_or(AppError::NotFound)?;
    visible_child(conn, caller, action, survivor)
}

/// A child's timeline, and for a merged record the record that stands now.
pub struct ChildTimeline {
    pub events: Vec<TimelineRow>,
    pub merged_into: Option<ChildId>,
}

/// Everything that happened to the child, oldest first. A merged record's timeline is what
/// stayed on it — the merge, pointing to the record that holds the rest — for whoever may read
/// that record's file.
pub fn timeline(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ChildId,
) -> Result<ChildTimeline, AppError> {
    // The file is for the assigned case manager and the region's supervisor, who may also read
    // sensitive concerns: nothing in it needs withholding from them.
    let merged_into = match visible_child(conn, caller, Action::ViewChildFile, id) {
        Ok(_) => None,
        Err(AppError::NotFound) => {
            let (survivor, _) = visible_survivor(conn, caller, Action::ViewChildFile, id)?;
            let merged = children::find(conn, id)?.ok_or(AppError::NotFound)?;
            audit::log(conn, caller, Act::Read, child_target(&merged))?;
            Some(survivor.id)
        }
        Err(e) => return Err(e),
    };
    Ok(ChildTimeline {
        events: timeline::for_child(conn, id)?,
        merged_into,
    })
}

/// A page of the children flagged as probably the same person as `id` (never merged
/// automatically), in id order, as short cards without their open case. Candidates are found
/// across the country; only those the caller may see are listed (in SQL, so that pages stay
/// full), and the answer is audited as a list, with every child it shows.
pub fn possible_duplicates(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ChildId,
    page: &Page,
) -> Result<Vec<ChildCard>, AppError> {
    visible_child(conn, caller, Action::ViewChildren, id)?;
    let scope = caller.actor.scope(Action::ViewChildren)?;
    let rows = children::possible_duplicates(conn, id, &scope, page)?;
    let seen: Vec<Target> = page.shown(&rows).iter().map(child_target).collect();
    audit::log_list(conn, caller, "possible_duplicates", &seen)?;
    // The same short card as `GET /children/{id}` (issue 17, finding 9).
    Ok(rows
        .into_iter()
        .map(|candidate| ChildCard {
            child: short_card(caller, candidate),
            open_case_id: None,
        })
        .collect())
}
