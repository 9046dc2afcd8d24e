//! Families (issue 20, item 5; api.md § Families): households linking siblings and the adults
//! around them. Rules: `qorgau_domain::family`.
//!
//! **Scope.** A family sits in a district of a region. It is read under the rule of a child's
//! file (`ViewChildFile`) and changed under the rule of a child's relations (`EditChild`): the
//! region's supervisor, and a case manager who holds the open case of one of its children (the
//! family is then "their own"). Through a child, whoever may read the child's file reads its
//! family (`GET /children/{id}/family`).
//!
//! **What a reader sees.** Every member is listed, but a child member's identity only to a
//! reader who may see that child, and its open case only to one who may see the case; the rest
//! are counted (`hidden_open_cases`), never shown — another region's case is never disclosed.
//!
//! **Audit.** Every read or change of a family is an entry on each of its current child members
//! (resource `family`), so each child's access log shows who looked at its household.

use chrono::{DateTime, Utc};
use qorgau_domain::access::{Action, Location};
use qorgau_domain::case::CaseStatus;
use qorgau_domain::family::{FamilyPatch, NewFamily, NewMember};
use qorgau_domain::ids::{CaseId, ChildId, FamilyId, FamilyMemberId, UserId};
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::children::{self, ChildRow};
use qorgau_persistence::families::{self, FamilyRow, MemberRow};
use qorgau_persistence::relations::{self, RelationRow};
use qorgau_persistence::{DbConnection, DbError, geography, write};

use crate::access::visible_child;
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::error::AppError;
use crate::timeline;

/// A family as one reader may see it.
pub struct FamilyCard {
    pub family: FamilyRow,
    /// Current members, in the order they were added.
    pub members: Vec<MemberCard>,
    /// Open cases of child members that the reader may not see: counted, never shown.
    pub hidden_open_cases: usize,
}

/// A member as one reader may see it.
pub struct MemberCard {
    pub row: MemberRow,
    /// A child member the reader may see; `None` for adults and for children kept from them.
    pub child: Option<ChildRow>,
    /// The open case of a child member, if the reader may see it.
    pub open_case: Option<OpenCaseCard>,
    /// The relation an adult member was recorded as.
    pub relation: Option<RelationRow>,
}

pub struct OpenCaseCard {
    pub id: CaseId,
    pub number: String,
    pub status: CaseStatus,
}

/// A child's family, if it belongs to one.
pub struct ChildFamily {
    pub child_id: ChildId,
    pub family: Option<FamilyCard>,
}

fn place(family: &FamilyRow, owner: Option<UserId>) -> Location<'_> {
    Location {
        owner,
        organisation: None,
        region: Some(&family.region_code),
        district: Some(&family.district_code),
    }
}

/// One audit entry per current child member (the family alone when it has none).
fn audit_family(
    conn: &mut DbConnection,
    caller: &Caller,
    act: Act,
    family: &FamilyRow,
) -> Result<(), AppError> {
    let children: Vec<ChildId> = families::members(conn, family.id)?
        .iter()
        .filter_map(|m| m.child_id)
        .collect();
    let target = |child_id| Target {
        resource: "family",
        id: family.id.to_string(),
        child_id,
        region: Some(&family.region_code),
    };
    if children.is_empty() {
        return audit::log(conn, caller, act, target(None));
    }
    for child in children {
        audit::log(conn, caller, act, target(Some(child)))?;
    }
    Ok(())
}

/// A family the caller may read (else not found) and take `action` on (else denied), audited
/// as a read for `ViewChildFile`, else as an update.
fn visible_family(
    conn: &mut DbConnection,
    caller: &Caller,
    id: FamilyId,
    action: Action,
) -> Result<FamilyRow, AppError> {
    let family = families::find(conn, id)?.ok_or(AppError::NotFound)?;
    let me = caller.actor.user_id;
    let owner = families::case_managers(conn, id)?
        .iter()
        .any(|m| *m == me.to_string())
        .then_some(me);
    let at = place(&family, owner);
    caller.actor.authorize(Action::ViewChildFile, &at)?;
    if action != Action::ViewChildFile {
        caller.actor.permit(action, &at)?;
    }
    let act = if action == Action::ViewChildFile {
        Act::Read
    } else {
        Act::Update
    };
    audit_family(conn, caller, act, &family)?;
    Ok(family)
}

/// The family as `caller` may see it (reads only: the access is audited by whoever found it).
fn card(
    conn: &mut DbConnection,
    caller: &Caller,
    family: FamilyRow,
) -> Result<FamilyCard, AppError> {
    let rows = families::members(conn, family.id)?;
    let child_ids: Vec<ChildId> = rows.iter().filter_map(|m| m.child_id).collect();
    let open = families::open_cases(conn, &child_ids)?;
    let actor = &caller.actor;
    let mut hidden_open_cases = 0;
    let mut members = Vec::with_capacity(rows.len());
    for row in rows {
        let mut member = MemberCard {
            child: None,
            open_case: None,
            relation: None,
            row,
        };
        if let Some(child_id) = member.row.child_id {
            let case = open.iter().find(|c| c.0 == child_id);
            let assignee: Option<UserId> = case
                .and_then(|c| c.6.as_deref())
                .and_then(|a| a.parse().ok());
            if let Some(child) = children::find(conn, child_id)? {
                let at = Location {
                    owner: assignee,
                    organisation: None,
                    region: Some(&child.region_code),
                    district: Some(&child.district_code),
                };
                if actor.authorize(Action::ViewChildren, &at).is_ok() {
                    member.child = Some(child);
                }
            }
            if let Some((_, id, number, status, region, district, _)) = case {
                let at = Location {
                    owner: assignee,
                    organisation: None,
                    region: Some(region),
                    district: Some(district),
                };
                if actor.authorize(Action::ViewCases, &at).is_ok() {
                    member.open_case = Some(OpenCaseCard {
                        id: *id,
                        number: number.clone(),
                        status: *status,
                    });
                } else {
                    hidden_open_cases += 1;
                }
            }
        }
        if let Some(relation) = member.row.relation_id {
            member.relation = relations::find(conn, relation)?;
        }
        members.push(member);
    }
    Ok(FamilyCard {
        family,
        members,
        hidden_open_cases,
    })
}

/// The child's event for a change of its household, on its timeline and its open case's.
fn child_event(
    conn: &mut DbConnection,
    caller: &Caller,
    child: ChildId,
    open_case: Option<CaseId>,
    now: DateTime<Utc>,
    summary: String,
    family: FamilyId,
) -> Result<(), AppError> {
    let me = caller.actor.user_id;
    let event = timeline::event(
        child,
        open_case,
        now,
        TimelineKind::Relation,
        summary,
        me,
        family,
    );
    timeline::record(conn, &event)
}

fn already_in_a_family() -> AppError {
    AppError::conflict(
        "the child already belongs to a family: remove them from it first (a child belongs to \
         one household at a time)",
    )
}

/// Adds `member` to `family` (already checked), with the child's timeline event; `field` names
/// the request's field for a relation that is not of a child of the family.
fn add_member(
    tx: &mut DbConnection,
    caller: &Caller,
    family: &FamilyRow,
    member: &NewMember,
    field: &str,
) -> Result<MemberRow, AppError> {
    let now = caller.at;
    let mut row = MemberRow {
        id: FamilyMemberId::new(),
        family_id: family.id,
        child_id: None,
        relation_id: None,
        full_name: None,
        relation: member.relation(),
        added_by: caller.actor.user_id,
        added_at: now.naive_utc(),
        removed_at: None,
        removed_by: None,
        removal_reason: None,
    };
    match member {
        NewMember::Child(child, relation) => {
            let (child, open_case) = visible_child(tx, caller, Action::EditChild, *child)?;
            if families::of_child(tx, child.id)?.is_some() {
                return Err(already_in_a_family());
            }
            row.child_id = Some(child.id);
            families::insert_member(tx, &row).map_err(|e| match e {
                DbError::Duplicate(_) => already_in_a_family(),
                other => other.into(),
            })?;
            let summary = format!("Family: linked to «{}» as {relation}", family.label);
            child_event(tx, caller, child.id, open_case, now, summary, family.id)?;
        }
        NewMember::Relation(relation, _) => {
            let found = relations::find(tx, *relation)?;
            let members: Vec<ChildId> = families::members(tx, family.id)?
                .iter()
                .filter_map(|m| m.child_id)
                .collect();
            match found {
                Some(r) if members.contains(&r.child_id) => {}
                _ => {
                    return Err(AppError::invalid(
                        field,
                        "is not a relation recorded on a child of the family",
                    ));
                }
            }
            row.relation_id = Some(*relation);
            families::insert_member(tx, &row)?;
        }
        NewMember::Named(name, _) => {
            row.full_name = Some(name.clone());
            families::insert_member(tx, &row)?;
        }
    }
    Ok(row)
}

/// Creates a family with its members (the case manager of a member child's open case, or the
/// region's supervisor). A child out of the caller's reach is not found (404); a child already
/// in a family is 409.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    new: NewFamily,
) -> Result<FamilyCard, AppError> {
    let now = caller.at;
    write(conn, |tx| {
        caller.actor.scope(Action::EditChild)?;
        let family = FamilyRow {
            id: FamilyId::new(),
            region_code: new.region.as_str().to_string(),
            district_code: new.district.as_str().to_string(),
            label: new.label,
            address: new.address,
            version: 1,
            created_by: caller.actor.user_id,
            created_at: now.naive_utc(),
        };
        // The place first: a case manager reaches it through the children (checked below).
        let me = Some(caller.actor.user_id);
        caller
            .actor
            .authorize(Action::EditChild, &place(&family, me))?;
        match geography::find_district(tx, &family.district_code)? {
            Some(d) if d.region_code == family.region_code => {}
            _ => {
                return Err(AppError::invalid(
                    "district_code",
                    "is no district of the region",
                ));
            }
        }
        families::insert(tx, &family)?;
        let mut adults = 0;
        for member in &new.members {
            let field = match member {
                NewMember::Child(..) => String::new(),
                _ => {
                    adults += 1;
                    format!("members.adults[{}].relation_id", adults - 1)
                }
            };
            add_member(tx, caller, &family, member, &field)?;
        }
        // A household is recorded where one of its children lives (a case manager's own
        // children may sit anywhere; the family's region is where its supervisor reads it).
        let mut here = false;
        for member in &new.members {
            if let NewMember::Child(child, _) = member {
                here |= children::find(tx, *child)?
                    .is_some_and(|c| c.region_code == family.region_code);
            }
        }
        if !here {
            return Err(AppError::invalid(
                "region_code",
                "must be the region of one of the family's children",
            ));
        }
        audit::log(
            tx,
            caller,
            Act::Create,
            Target {
                resource: "family",
                id: family.id.to_string(),
                child_id: None,
                region: Some(&family.region_code),
            },
        )?;
        card(tx, caller, family)
    })
}

/// The family, as the caller may see it.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: FamilyId) -> Result<FamilyCard, AppError> {
    let family = visible_family(conn, caller, id, Action::ViewChildFile)?;
    card(conn, caller, family)
}

/// The family of a child whose file the caller may read, if it belongs to one.
pub fn of_child(
    conn: &mut DbConnection,
    caller: &Caller,
    child_id: ChildId,
) -> Result<ChildFamily, AppError> {
    let (child, _) = visible_child(conn, caller, Action::ViewChildFile, child_id)?;
    let family = match families::of_child(conn, child.id)? {
        Some(id) => {
            let family = families::find(conn, id)?.ok_or(AppError::NotFound)?;
            audit_family(conn, caller, Act::Read, &family)?;
            Some(card(conn, caller, family)?)
        }
        None => None,
    };
    Ok(ChildFamily {
        child_id: child.id,
        family,
    })
}

/// Changes the family's label or address, if it is still at version `expected` (412 if not).
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: FamilyId,
    expected: i64,
    patch: FamilyPatch,
) -> Result<FamilyCard, AppError> {
    write(conn, |tx| {
        let family = visible_family(tx, caller, id, Action::EditChild)?;
        AppError::unless_current(expected, family.version)?;
        let label = patch.label.unwrap_or_else(|| family.label.clone());
        let address = match patch.address {
            Some(address) => address,
            None => family.address.clone(),
        };
        if !families::update_if_version(tx, id, family.version, &label, address.as_deref())? {
            return Err(AppError::Stale);
        }
        let family = families::find(tx, id)?.ok_or(AppError::NotFound)?;
        card(tx, caller, family)
    })
}

/// Adds one member to the family: a child (on its timeline; 409 if already in a family) or an
/// adult. Answers the member as the caller may see it.
pub fn add(
    conn: &mut DbConnection,
    caller: &Caller,
    id: FamilyId,
    member: NewMember,
) -> Result<MemberCard, AppError> {
    write(conn, |tx| {
        let family = visible_family(tx, caller, id, Action::EditChild)?;
        let added = add_member(tx, caller, &family, &member, "relation_id")?;
        families::bump_version(tx, id)?;
        member_card(tx, caller, family, added.id)
    })
}

fn member_card(
    conn: &mut DbConnection,
    caller: &Caller,
    family: FamilyRow,
    member: FamilyMemberId,
) -> Result<MemberCard, AppError> {
    let found = card(conn, caller, family)?
        .members
        .into_iter()
        .find(|m| m.row.id == member);
    found.ok_or(AppError::Internal)
}

/// Removes a member from the family with a reason; the membership stays on record. 409 when
/// already removed.
pub fn remove(
    conn: &mut DbConnection,
    caller: &Caller,
    id: FamilyId,
    member: FamilyMemberId,
    reason: String,
) -> Result<MemberCard, AppError> {
    let now = caller.at;
    write(conn, |tx| {
        let family = visible_family(tx, caller, id, Action::EditChild)?;
        let row = families::find_member(tx, id, member)?.ok_or(AppError::NotFound)?;
        let gone = || AppError::conflict("the member was already removed from the family");
        if row.removed_at.is_some() {
            return Err(gone());
        }
        let me = caller.actor.user_id;
        if !families::remove_member(tx, member, now.naive_utc(), me, &reason)? {
            return Err(gone());
        }
        families::bump_version(tx, id)?;
        let mut card = MemberCard {
            child: None,
            open_case: None,
            relation: None,
            row: MemberRow {
                removed_at: Some(now.naive_utc()),
                removed_by: Some(me),
                removal_reason: Some(reason),
                ..row
            },
        };
        if let Some(child) = card.row.child_id {
            let open = children::open_case(tx, child)?.map(|(case, _)| case);
            let summary = format!("Family: removed from «{}»", family.label);
            child_event(tx, caller, child, open, now, summary, family.id)?;
        }
        if let Some(relation) = card.row.relation_id {
            card.relation = relations::find(tx, relation)?;
        }
        Ok(card)
    })
}
