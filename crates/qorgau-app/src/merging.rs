//! Merging two records of the same child, and undoing a merge (supervisors of the region):
//! what one record holds moves to the other, and back.

use std::collections::BTreeSet;

use qorgau_domain::access::{Action, Location};
use qorgau_domain::ids::{ChildId, MergeId};
use qorgau_domain::merge::{self as rules, Identity, IdentityField, Refusal};
use qorgau_domain::timeline::TimelineKind;
use qorgau_domain::validation::{Validation, bounded_text};
use qorgau_persistence::children::{self, ChildRow, MergeRow, NewMerge, Unmerged};
use qorgau_persistence::{DbConnection, DbError, write};

use crate::access::{child_target, visible_child};
use crate::audit::{self, Act};
use crate::caller::Caller;
use crate::children::ChildCard;
use crate::error::AppError;
use crate::timeline;

/// A merge of the record `duplicate_id` into `keep_id`, parsed.
pub struct MergeChildren {
    keep_id: ChildId,
    duplicate_id: ChildId,
    reason: String,
    /// The differences confirmed, when a confirmation was given.
    confirmed: Option<BTreeSet<IdentityField>>,
}

impl MergeChildren {
    /// Checks the request: the duplicate is another child's id, the reason is given, and the
    /// confirmation (when given) names only fields that can differ.
    pub fn parse(
        keep_id: ChildId,
        duplicate_id: &str,
        reason: &str,
        confirm_differences: Option<&[String]>,
    ) -> Result<MergeChildren, AppError> {
        let mut v = Validation::new();
        let duplicate_id = v.check(
            "duplicate_id",
            duplicate_id
                .parse::<ChildId>()
                .map_err(|_| "must be a child id"),
        );
        let reason = v.check("reason", bounded_text(reason, 2000));
        let confirmed = match confirm_differences {
            Some(codes) => v
                .check("confirm_differences", rules::parse_confirmation(codes))
                .map(Some),
            None => Some(None),
        };
        let (Some(duplicate_id), Some(reason), Some(confirmed)) = (duplicate_id, reason, confirmed)
        else {
            return Err(v.into_errors().into());
        };
        if duplicate_id == keep_id {
            return Err(AppError::invalid("duplicate_id", "must be another child"));
        }
        Ok(MergeChildren {
            keep_id,
            duplicate_id,
            reason,
            confirmed,
        })
    }
}

/// What a record says about who the child is, for comparing two records before a merge.
fn identity(child: &ChildRow) -> Identity<'_> {
    Identity {
        iin: child.iin.as_deref(),
        last_name: child.last_name.as_deref(),
        first_name: child.first_name.as_deref(),
        birth_date: child.birth_date,
        sex: child.sex.as_deref(),
    }
}

fn refused(refusal: Refusal) -> AppError {
    match &refusal {
        Refusal::TwoIins => AppError::invalid("duplicate_id", refusal.message()),
        Refusal::Unconfirmed { differences, .. } => AppError::Unconfirmed {
            field: "confirm_differences",
            message: refusal.message(),
            differences: differences.iter().map(|d| d.as_str().into()).collect(),
        },
    }
}

/// Merges the duplicate record into the kept child: its signals, cases and timeline move
/// there; the merge is recorded on both timelines and can be undone ([`unmerge`]). A pair not
/// flagged as possible duplicates, or whose identities differ, merges only with a confirmation
/// listing exactly the fields that differ; two records that both have an IIN never merge.
/// Answers the kept child's card.
pub fn merge(
    conn: &mut DbConnection,
    caller: &Caller,
    cmd: &MergeChildren,
) -> Result<ChildCard, AppError> {
    write(conn, |c| {
        children::lock(c, &[cmd.keep_id, cmd.duplicate_id])?;
        let (keep, _) = visible_child(c, caller, Action::MergeChildren, cmd.keep_id)?;
        let (duplicate, _) = visible_child(c, caller, Action::MergeChildren, cmd.duplicate_id)
            .map_err(|_| AppError::invalid("duplicate_id", "no such child in your region"))?;
        let flagged_at = children::flagged_at(c, keep.id, duplicate.id)?;
        let differences = rules::check(
            &identity(&keep),
            &identity(&duplicate),
            flagged_at.is_some(),
            cmd.confirmed.as_ref(),
        )
        .map_err(refused)?;
        let listed: Vec<&str> = differences.iter().map(|d| d.as_str()).collect();
        let listed = listed.join(", ");
        let me = caller.actor.user_id;
        let merge_id = MergeId::new();
        let new = NewMerge {
            id: merge_id,
            reason: &cmd.reason,
            merged_by: me,
            at: caller.at.naive_utc(),
            flagged_at,
            confirmed_differences: cmd.confirmed.as_ref().map(|_| listed.clone()),
        };
        children::merge(c, &keep, &duplicate, &new).map_err(|e| match e {
            DbError::Duplicate(_) => {
                AppError::conflict("both children have an open case: close one before merging")
            }
            other => other.into(),
        })?;
        crate::facts::child(c, keep.id)?;
        crate::facts::child(c, duplicate.id)?;
        let how = match (&cmd.confirmed, flagged_at) {
            (Some(_), _) if !differences.is_empty() => {
                format!(" (differences confirmed: {listed})")
            }
            (Some(_), None) => " (not flagged as possible duplicates; confirmed)".into(),
            _ => String::new(),
        };
        let summary = format!(
            "Record {} merged into {}{how}: {}",
            duplicate.id, keep.id, cmd.reason
        );
        // Both timelines: the duplicate keeps a trace of where it went.
        let both = [&keep, &duplicate];
        on_both(c, caller, both, TimelineKind::Merge, summary, merge_id)
    })
}

/// An undoing of the merge `merge_id` (by default the latest in force) into `keep_id`, parsed.
pub struct UnmergeChild {
    keep_id: ChildId,
    merge_id: Option<MergeId>,
    reason: String,
}

impl UnmergeChild {
    pub fn parse(
        keep_id: ChildId,
        merge_id: Option<&str>,
        reason: &str,
    ) -> Result<UnmergeChild, AppError> {
        let mut v = Validation::new();
        let merge_id = match merge_id {
            Some(m) => v
                .check(
                    "merge_id",
                    m.parse::<MergeId>().map_err(|_| "must be a merge id"),
                )
                .map(Some),
            None => Some(None),
        };
        let reason = v.check("reason", bounded_text(reason, 2000));
        let (Some(merge_id), Some(reason)) = (merge_id, reason) else {
            return Err(v.into_errors().into());
        };
        Ok(UnmergeChild {
            keep_id,
            merge_id,
            reason,
        })
    }
}

/// Undoes a merge into the kept child: what the merge moved goes back to the other record,
/// which is a child of its own again with its IIN and its possible-duplicate flag; the merge
/// stays in the history, marked undone, and both timelines record the undoing. Answers the kept
/// child's card.
pub fn unmerge(
    conn: &mut DbConnection,
    caller: &Caller,
    cmd: &UnmergeChild,
) -> Result<ChildCard, AppError> {
    write(conn, |c| {
        let (keep, _) = visible_child(c, caller, Action::MergeChildren, cmd.keep_id)?;
        let undo = merge_to_undo(c, &keep, cmd.merge_id)?;
        let duplicate = children::find(c, undo.duplicate_id)?.ok_or_else(|| {
            AppError::corrupt("child_merges", undo.id, "duplicate_id", undo.duplicate_id)
        })?;
        // The record comes back as a child of its region: the caller must supervise that region
        // too (it differs if the kept child has been transferred since).
        let at = Location {
            owner: None,
            organisation: None,
            region: Some(&duplicate.region_code),
            district: Some(&duplicate.district_code),
        };
        caller
            .actor
            .authorize(Action::MergeChildren, &at)
            .map_err(|_| {
                AppError::conflict(
                    "the other record belongs to another region: its supervisor undoes this merge",
                )
            })?;
        audit::log(c, caller, Act::Update, child_target(&duplicate))?;
        children::lock(c, &[keep.id, duplicate.id])?;
        let me = caller.actor.user_id;
        match children::unmerge(c, &undo, me, &cmd.reason, caller.at.naive_utc())? {
            Unmerged::Done => {}
            Unmerged::Changed => {
                return Err(AppError::conflict(
                    "the merge or its records changed meanwhile: reload and try again",
                ));
            }
            Unmerged::TwoOpenCases => {
                return Err(AppError::conflict(
                    "the other record has an open case of its own, and its case from this merge \
                     is open too: close one of them before undoing the merge",
                ));
            }
        }
        crate::facts::child(c, keep.id)?;
        crate::facts::child(c, duplicate.id)?;
        let summary = format!(
            "Merge of record {} into {} undone: {}",
            duplicate.id, keep.id, cmd.reason
        );
        let both = [&keep, &duplicate];
        on_both(c, caller, both, TimelineKind::Unmerge, summary, undo.id)
    })
}

/// The merge into `keep` to undo: `merge_id`, or the latest in force; one that can be undone.
fn merge_to_undo(
    c: &mut DbConnection,
    keep: &ChildRow,
    merge_id: Option<MergeId>,
) -> Result<MergeRow, AppError> {
    let undo = match merge_id {
        Some(m) => children::find_merge(c, m)?
            .filter(|m| m.child_id == keep.id)
            .ok_or_else(|| AppError::invalid("merge_id", "no merge of this id into this child"))?,
        None => children::latest_merge_into(c, keep.id)?.ok_or_else(|| {
            AppError::conflict("nothing to undo: no merge into this child is in force")
        })?,
    };
    if undo.undone_at.is_some() {
        return Err(AppError::conflict("this merge has already been undone"));
    }
    if !undo.moves_recorded {
        return Err(AppError::conflict(
            "this merge was made before merges recorded what they moved: it cannot be undone \
             automatically",
        ));
    }
    Ok(undo)
}

/// Records the merge or its undoing `merge_id` on the timelines of both records, at the time
/// of the request, and answers the kept one's card.
fn on_both(
    c: &mut DbConnection,
    caller: &Caller,
    [keep, other]: [&ChildRow; 2],
    kind: TimelineKind,
    summary: String,
    merge_id: MergeId,
) -> Result<ChildCard, AppError> {
    let me = caller.actor.user_id;
    for child in [&keep.id, &other.id] {
        let e = timeline::event(*child, None, caller.at, kind, summary.clone(), me, merge_id);
        timeline::record(c, &e)?;
    }
    let (child, open_case_id) = visible_child(c, caller, Action::ViewChildren, keep.id)?;
    Ok(ChildCard {
        child,
        open_case_id,
    })
}
