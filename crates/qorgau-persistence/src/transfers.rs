//! Transfers of a case between regions when the family moves.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::case::TransferStatus;
use qorgau_domain::ids::{CaseId, ChildId, TransferId, UserId};

use crate::error::DbError;
use crate::schema::{cases, children, deadlines, transfers};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = transfers)]
pub struct TransferRow {
    pub id: TransferId,
    pub case_id: CaseId,
    pub from_region: String,
    pub from_district: String,
    pub to_region: String,
    pub to_district: String,
    pub reason: String,
    pub status: TransferStatus,
    pub requested_by: UserId,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub decline_reason: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &TransferRow) -> Result<(), DbError> {
    diesel::insert_into(transfers::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn pending_for_case(
    conn: &mut DbConnection,
    case_id: CaseId,
) -> Result<Option<TransferRow>, DbError> {
    Ok(transfers::table
        .filter(transfers::case_id.eq(case_id))
        .filter(transfers::status.eq(TransferStatus::Pending))
        .select(TransferRow::as_select())
        .first(conn)
        .optional()?)
}

/// A page of the transfers awaiting a decision into `region`, oldest first (by id).
pub fn pending_to_region(
    conn: &mut DbConnection,
    region: &str,
    page: &Page,
) -> Result<Vec<TransferRow>, DbError> {
    let pending = transfers::table
        .filter(transfers::to_region.eq(region))
        .filter(transfers::status.eq(TransferStatus::Pending))
        .select(TransferRow::as_select());
    Ok(keyset!(pending, transfers::id, page).load(conn)?)
}

/// Records the decision on a pending transfer; `false` if it was decided meanwhile.
pub fn decide(
    conn: &mut DbConnection,
    id: TransferId,
    status: TransferStatus,
    by: UserId,
    at: NaiveDateTime,
    reason: Option<&str>,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        transfers::table
            .find(id)
            .filter(transfers::status.eq(TransferStatus::Pending)),
    )
    .set((
        transfers::status.eq(status),
        transfers::decided_by.eq(by),
        transfers::decided_at.eq(at),
        transfers::decline_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Moves the case, its deadlines and its child to the receiving region and district. The case
/// is unassigned: the old team loses access, the receiving supervisor assigns.
pub fn relocate(
    conn: &mut DbConnection,
    transfer: &TransferRow,
    child_id: ChildId,
) -> Result<(), DbError> {
    diesel::update(cases::table.find(&transfer.case_id))
        .set((
            cases::region_code.eq(&transfer.to_region),
            cases::district_code.eq(&transfer.to_district),
            cases::assignee_id.eq(None::<String>),
            cases::version.eq(cases::version + 1),
        ))
        .execute(conn)?;
    diesel::update(deadlines::table.filter(deadlines::case_id.eq(&transfer.case_id)))
        .set((
            deadlines::region_code.eq(&transfer.to_region),
            deadlines::district_code.eq(&transfer.to_district),
            deadlines::assignee_id.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(children::table.find(child_id))
        .set((
            children::region_code.eq(&transfer.to_region),
            children::district_code.eq(&transfer.to_district),
        ))
        .execute(conn)?;
    Ok(())
}
