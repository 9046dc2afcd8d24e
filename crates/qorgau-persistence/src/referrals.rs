//! Referrals from a case to a partner organisation.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::access::Scope;
use qorgau_domain::ids::{CaseId, ConsentId, OrganisationId, ReferralId, UserId};
use qorgau_domain::referral::{ReferralKind, ReferralStatus};
use qorgau_domain::taxonomy::RiskLevel;

use crate::error::DbError;
use crate::schema::{cases, referrals};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = referrals)]
pub struct ReferralRow {
    pub id: ReferralId,
    pub case_id: CaseId,
    pub to_organisation_id: OrganisationId,
    pub service: String,
    pub reason: String,
    pub urgency: Option<RiskLevel>,
    pub status: ReferralStatus,
    pub respond_by: NaiveDateTime,
    pub consent_id: Option<ConsentId>,
    pub override_basis: Option<String>,
    pub override_note: Option<String>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub responded_by: Option<UserId>,
    pub decline_reason: Option<String>,
    pub completed_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
    pub withdrawn_at: Option<NaiveDateTime>,
    /// `referral`, or `notification` (a protocol's mandatory "tell them", answered like a referral).
    pub kind: ReferralKind,
    /// Created by the protocol's routing, with the legal basis `legal_duty`.
    pub mandatory: bool,
}

#[derive(Clone, Debug, Default)]
pub struct ReferralFilter {
    pub organisation_id: Option<OrganisationId>,
    pub status: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &ReferralRow) -> Result<(), DbError> {
    diesel::insert_into(referrals::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: ReferralId) -> Result<Option<ReferralRow>, DbError> {
    Ok(referrals::table
        .find(id)
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()?)
}

/// A page of the case's referrals and notifications, oldest first (by id).
pub fn for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<ReferralRow>, DbError> {
    let of_case = referrals::table
        .filter(referrals::case_id.eq(case_id))
        .select(ReferralRow::as_select());
    Ok(keyset!(of_case, referrals::id, page).load(conn)?)
}

/// The statuses of an active referral: the domain's rule ([`ReferralStatus::is_active`]), not a
/// second list of codes.
fn active_statuses() -> Vec<ReferralStatus> {
    ReferralStatus::ALL
        .into_iter()
        .filter(|s| s.is_active())
        .collect()
}

/// Does `organisation` hold an active (pending or accepted) referral on the case?
pub fn active_for(
    conn: &mut DbConnection,
    case_id: CaseId,
    organisation: OrganisationId,
) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        referrals::table
            .filter(referrals::case_id.eq(case_id))
            .filter(referrals::to_organisation_id.eq(organisation))
            .filter(referrals::status.eq_any(active_statuses())),
    ))
    .get_result(conn)?)
}

/// Referrals within `scope`: an organisation's queue (`Organisation`), the cases of a manager
/// (`Own`), or a region's (`Region`, by the case's region).
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &ReferralFilter,
    page: &Page,
) -> Result<Vec<ReferralRow>, DbError> {
    let mut query = referrals::table
        .select(ReferralRow::as_select())
        .order(referrals::id)
        .limit(page.limit)
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Organisation(o) => query.filter(referrals::to_organisation_id.eq(o.to_string())),
        Scope::Own(u) => query.filter(
            referrals::case_id.eq_any(
                cases::table
                    .filter(cases::assignee_id.eq(u.to_string()))
                    .select(cases::id),
            ),
        ),
        Scope::Region(r) => query.filter(
            referrals::case_id.eq_any(
                cases::table
                    .filter(cases::region_code.eq(r.clone()))
                    .select(cases::id),
            ),
        ),
        Scope::District(d) => query.filter(
            referrals::case_id.eq_any(
                cases::table
                    .filter(cases::district_code.eq(d.clone()))
                    .select(cases::id),
            ),
        ),
    };
    if let Some(o) = &filter.organisation_id {
        query = query.filter(referrals::to_organisation_id.eq(*o));
    }
    if let Some(s) = &filter.status {
        query = query.filter(referrals::status.eq(s.clone()));
    }
    if let Some(after) = &page.after {
        query = query.filter(referrals::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

/// The fields a step of the referral sets.
pub struct Step<'a> {
    pub to: ReferralStatus,
    pub by: UserId,
    pub at: NaiveDateTime,
    pub decline_reason: Option<&'a str>,
    pub outcome: Option<&'a str>,
}

/// Moves the referral from `from` to `step.to` if still in `from`; `false` if it changed meanwhile.
pub fn advance(
    conn: &mut DbConnection,
    id: ReferralId,
    from: ReferralStatus,
    step: &Step<'_>,
) -> Result<bool, DbError> {
    let to = step.to;
    let target = referrals::table.find(id).filter(referrals::status.eq(from));
    let changed = match to {
        ReferralStatus::Accepted | ReferralStatus::Declined => diesel::update(target)
            .set((
                referrals::status.eq(to),
                referrals::responded_at.eq(step.at),
                referrals::responded_by.eq(step.by),
                referrals::decline_reason.eq(step.decline_reason),
            ))
            .execute(conn)?,
        ReferralStatus::Completed => diesel::update(target)
            .set((
                referrals::status.eq(to),
                referrals::completed_at.eq(step.at),
                referrals::outcome.eq(step.outcome),
            ))
            .execute(conn)?,
        // Pending is where a referral starts, never a step (no `ReferralAction` leads back to
        // it); as before, anything but the answers above is recorded as a withdrawal.
        ReferralStatus::Withdrawn | ReferralStatus::Pending => diesel::update(target)
            .set((
                referrals::status.eq(to),
                referrals::withdrawn_at.eq(step.at),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}
