//! Supervision (api.md § Supervision and reports): the caseload of a region or district, and
//! its overdue work.

use chrono::{DateTime, NaiveDateTime, Utc};
use qorgau_domain::access::Action;
use qorgau_domain::ids::UserId;
use qorgau_domain::report::Area;
use qorgau_domain::report::caseload::{Caseload, assemble};
use qorgau_persistence::DbConnection;
use qorgau_persistence::supervision::{self, OverdueRow};

use crate::app::App;
use crate::area::AreaAsked;
use crate::caller::Caller;
use crate::error::AppError;

/// A caseload and where and when it was counted.
pub struct CaseloadOf {
    pub area: Area,
    /// The instant the counts were taken (what "overdue" was measured against).
    pub as_of: DateTime<Utc>,
    pub load: Caseload,
}

/// The caseload of the area: per case manager, open cases by risk and status, overdue cases,
/// children not seen in time and overdue work items; then unassigned cases and untriaged
/// signals.
pub fn caseload(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    asked: &AreaAsked,
) -> Result<CaseloadOf, AppError> {
    let as_of = app.now();
    let area = asked.resolve(conn, caller, Action::ViewCaseload)?;
    let facts = supervision::caseload(conn, &area, as_of.naive_utc())?;
    Ok(CaseloadOf {
        area,
        as_of,
        load: assemble(facts),
    })
}

/// Which overdue work to list, from which keyset position.
pub struct OverdueAsked {
    pub area: AreaAsked,
    /// Only work on cases assigned to this user.
    pub assignee_id: Option<UserId>,
    /// The (due time, id) of the last row of the previous page.
    pub after: Option<(NaiveDateTime, String)>,
    pub limit: i64,
}

/// Every lapsed deadline and overdue commission measure of the area, oldest first.
pub fn overdue(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    asked: &OverdueAsked,
) -> Result<Vec<OverdueRow>, AppError> {
    let area = asked.area.resolve(conn, caller, Action::ViewCaseload)?;
    Ok(supervision::overdue(
        conn,
        &area,
        asked.assignee_id,
        app.now().naive_utc(),
        asked.after.as_ref(),
        asked.limit,
    )?)
}
