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
use crate::audit::{self, Target};
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
fn short_card(caller: &Caller, mut child: ChildRow) -> ChildRow {
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

/// A child's card.
pub fn card(conn: &mut DbConnection, caller: &Caller, id: ChildId) -> Result<ChildCard, AppError> {
    let (child, open_case_id) = visible_child(conn, caller, Action::ViewChildren, id)?;
    Ok(ChildCard {
        child: short_card(caller, child),
        open_case_id,
    })
}

/// Everything that happened to the child, oldest first.
pub fn timeline(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ChildId,
) -> Result<Vec<TimelineRow>, AppError> {
    // The file is for the assigned case manager and the region's supervisor, who may also read
    // sensitive concerns: nothing in it needs withholding from them.
    visible_child(conn, caller, Action::ViewChildFile, id)?;
    Ok(timeline::for_child(conn, id)?)
}

/// Children flagged as probably the same person as `id` (never merged automatically), as short
/// cards without their open case.
pub fn possible_duplicates(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ChildId,
) -> Result<Vec<ChildCard>, AppError> {
    visible_child(conn, caller, Action::ViewChildren, id)?;
    // Candidates are found across the country; only those the caller may see are shown (each
    // is then an audited read like any other card).
    let mut shown = Vec::new();
    for candidate in children::possible_duplicates(conn, id)? {
        match visible_child(conn, caller, Action::ViewChildren, candidate.id) {
            // The same short card as `GET /children/{id}` (issue 17, finding 9).
            Ok(_) => shown.push(ChildCard {
                child: short_card(caller, candidate),
                open_case_id: None,
            }),
            Err(AppError::NotFound | AppError::Denied) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(shown)
}
