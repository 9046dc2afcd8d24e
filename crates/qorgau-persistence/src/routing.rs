//! What the protocol's routing needs from storage: the organisation of a kind nearest the
//! child, the least-loaded case manager, and recorded gaps.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::CaseId;
use qorgau_domain::role::Role;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::{cases, organisations, routing_gaps, users};

/// The organisation of `kind` in the district, else one in the region (oldest first).
pub fn nearest_organisation(
    conn: &mut DbConnection,
    kind: &str,
    region: &str,
    district: &str,
) -> Result<Option<String>, DbError> {
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
) -> Result<Option<String>, DbError> {
    let managers: Vec<(String, Option<String>)> = users::table
        .inner_join(organisations::table)
        .filter(users::role.eq(Role::CaseManager))
        .filter(users::active.eq(true))
        .filter(organisations::region_code.eq(region))
        .order(users::id)
        .select((users::id, organisations::district_code))
        .load(conn)?;
    let local: Vec<String> = managers
        .iter()
        .filter(|(_, d)| d.as_deref() == Some(district))
        .map(|(id, _)| id.clone())
        .collect();
    let pool = if local.is_empty() {
        managers.into_iter().map(|(id, _)| id).collect()
    } else {
        local
    };
    let open: Vec<(Option<String>, i64)> = cases::table
        .filter(cases::assignee_id.eq_any(&pool))
        .filter(cases::status.ne(CaseStatus::Closed))
        .group_by(cases::assignee_id)
        .select((cases::assignee_id, diesel::dsl::count_star()))
        .load(conn)?;
    let load = |id: &String| {
        open.iter()
            .find(|(a, _)| a.as_ref() == Some(id))
            .map_or(0, |(_, n)| *n)
    };
    Ok(pool.iter().min_by_key(|id| load(id)).cloned())
}

pub fn record_gap(
    conn: &mut DbConnection,
    id: &str,
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

/// Emails of the active supervisors of a region (escalations go to them).
pub fn supervisor_emails(conn: &mut DbConnection, region: &str) -> Result<Vec<String>, DbError> {
    let emails: Vec<Option<String>> = users::table
        .inner_join(organisations::table)
        .filter(users::role.eq(Role::Supervisor))
        .filter(users::active.eq(true))
        .filter(organisations::region_code.eq(region))
        .order(users::id)
        .select(users::email)
        .load(conn)?;
    Ok(emails.into_iter().flatten().collect())
}
