//! What the protocol's routing needs from storage: the organisation of a kind nearest the
//! child, the least-loaded case manager, and recorded gaps — listed for the supervisor and
//! resolved by her.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::access::Scope;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::{CaseId, ChildId, OrganisationId, RoutingGapId, UserId};
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::referral::ReferralKind;
use qorgau_domain::role::Role;

use crate::error::DbError;
use crate::schema::{cases, organisations, routing_gaps, users};
use crate::{DbConnection, Page};

/// The organisation of `kind` in the district, else one in the region (oldest first).
pub fn nearest_organisation(
    conn: &mut DbConnection,
    kind: &str,
    region: &str,
    district: &str,
) -> Result<Option<OrganisationId>, DbError> {
    let in_district = organisations::table
        .filter(organisations::kind.eq(kind))
        .filter(organisations::district_code.eq(district))
        .order(organisations::id)
        .select(organisations::id)
        .first(conn)
        .optional()?;
    if in_district.is_some() {
        return Ok(in_district);
    }
    Ok(organisations::table
        .filter(organisations::kind.eq(kind))
        .filter(organisations::region_code.eq(region))
        .order(organisations::id)
        .select(organisations::id)
        .first(conn)
        .optional()?)
}

/// The active case manager with the fewest open cases among those of the child's district, else
/// of the region (ties: oldest account). Two queries whatever the number of managers.
pub fn least_loaded_manager(
    conn: &mut DbConnection,
    region: &str,
    district: &str,
) -> Result<Option<UserId>, DbError> {
    let managers: Vec<(UserId, Option<String>)> = users::table
        .inner_join(organisations::table)
        .filter(users::role.eq(Role::CaseManager))
        .filter(users::active.eq(true))
        .filter(organisations::region_code.eq(region))
        .order(users::id)
        .select((users::id, organisations::district_code))
        .load(conn)?;
    let local: Vec<UserId> = managers
        .iter()
        .filter(|(_, d)| d.as_deref() == Some(district))
        .map(|(id, _)| *id)
        .collect();
    let pool = if local.is_empty() {
        managers.into_iter().map(|(id, _)| id).collect()
    } else {
        local
    };
    let open: Vec<(Option<UserId>, i64)> = cases::table
        .filter(cases::assignee_id.eq_any(&pool))
        .filter(cases::status.ne(CaseStatus::Closed))
        .group_by(cases::assignee_id)
        .select((cases::assignee_id, diesel::dsl::count_star()))
        .load(conn)?;
    let load = |id: &UserId| {
        open.iter()
            .find(|(a, _)| a.as_ref() == Some(id))
            .map_or(0, |(_, n)| *n)
    };
    Ok(pool.iter().min_by_key(|id| load(id)).copied())
}

pub fn record_gap(
    conn: &mut DbConnection,
    id: RoutingGapId,
    case_id: CaseId,
    action: &str,
    kind: &str,
    concerns: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(routing_gaps::table)
        .values((
            routing_gaps::id.eq(id),
            routing_gaps::case_id.eq(case_id),
            routing_gaps::action.eq(action),
            routing_gaps::organisation_kind.eq(kind),
            routing_gaps::concerns.eq(concerns),
            routing_gaps::recorded_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// (action, organisation kind) of the case's routing gaps.
pub fn gaps(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<(String, String)>, DbError> {
    Ok(routing_gaps::table
        .filter(routing_gaps::case_id.eq(case_id))
        .order(routing_gaps::id)
        .select((routing_gaps::action, routing_gaps::organisation_kind))
        .load(conn)?)
}

/// A routing gap: a mandatory step of the protocol with no organisation to take it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = routing_gaps)]
pub struct GapRow {
    pub id: RoutingGapId,
    pub case_id: CaseId,
    pub action: ReferralKind,
    pub organisation_kind: OrganisationKind,
    /// The concerns that required the step, comma-separated.
    pub concerns: String,
    pub recorded_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<UserId>,
    pub resolution: Option<String>,
}

/// A gap with what a list shows of its case: the number, the child (for the audit) and the
/// region.
#[derive(Clone, Debug)]
pub struct GapOfCase {
    pub gap: GapRow,
    pub case_number: String,
    pub child_id: ChildId,
    pub region_code: String,
}

/// A page of the gaps on cases in `scope` (resolved or not, or both when `None`), oldest first.
pub fn list_gaps(
    conn: &mut DbConnection,
    scope: &Scope,
    resolved: Option<bool>,
    page: &Page,
) -> Result<Vec<GapOfCase>, DbError> {
    let mut query = routing_gaps::table
        .inner_join(cases::table.on(cases::id.eq(routing_gaps::case_id)))
        .order(routing_gaps::id)
        .limit(page.limit)
        .select((
            GapRow::as_select(),
            cases::number,
            cases::child_id,
            cases::region_code,
        ))
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Region(r) => query.filter(cases::region_code.eq(r.clone())),
        Scope::District(d) => query.filter(cases::district_code.eq(d.clone())),
        Scope::Own(u) => query.filter(cases::assignee_id.eq(u.to_string())),
        Scope::Organisation(_) => query.filter(routing_gaps::id.eq_any(Vec::<String>::new())),
    };
    query = match resolved {
        Some(true) => query.filter(routing_gaps::resolved_at.is_not_null()),
        Some(false) => query.filter(routing_gaps::resolved_at.is_null()),
        None => query,
    };
    if let Some(after) = &page.after {
        query = query.filter(routing_gaps::id.gt(after.clone()));
    }
    Ok(query
        .load::<(GapRow, String, ChildId, String)>(conn)?
        .into_iter()
        .map(|(gap, case_number, child_id, region_code)| GapOfCase {
            gap,
            case_number,
            child_id,
            region_code,
        })
        .collect())
}

pub fn find_gap(conn: &mut DbConnection, id: RoutingGapId) -> Result<Option<GapRow>, DbError> {
    Ok(routing_gaps::table
        .find(id)
        .select(GapRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records how the gap's duty was met, if it is still open: of two concurrent resolutions
/// exactly one changes the row. Returns whether this one did.
pub fn resolve_gap(
    conn: &mut DbConnection,
    id: RoutingGapId,
    by: UserId,
    at: NaiveDateTime,
    resolution: &str,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        routing_gaps::table
            .find(id)
            .filter(routing_gaps::resolved_at.is_null()),
    )
    .set((
        routing_gaps::resolved_at.eq(at),
        routing_gaps::resolved_by.eq(by),
        routing_gaps::resolution.eq(resolution),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
