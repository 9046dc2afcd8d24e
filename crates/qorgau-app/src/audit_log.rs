//! Reviewing access (brief § 5): the audit log, a child's access log, and break-glass grants —
//! opened by a supervisor outside their scope, reviewed in the case's region.

use chrono::{DateTime, Duration, Utc};
use qorgau_domain::access::{Action, Scope};
use qorgau_domain::ids::{BreakGlassId, CaseId, ChildId, UserId};
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::validation::Validation;
use qorgau_persistence::audit::{self as store, AuditFilter, AuditRow, BreakGlassRow};
use qorgau_persistence::{DbConnection, Page, cases, write};

use crate::access::visible_child;
use crate::app::App;
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::error::AppError;
use crate::inbox::{self, Event};

/// Which entries of the audit log a review asks for.
pub struct AuditAsked {
    pub child_id: Option<ChildId>,
    pub user_id: Option<UserId>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only break-glass accesses (`true`) or only ordinary ones (`false`).
    pub break_glass: Option<bool>,
    /// An administrator may narrow to one region; a supervisor always sees their own.
    pub region_code: Option<String>,
}

/// The region a reviewer sees: any (or the one asked) for an administrator, else their own.
fn reviewed_region(caller: &Caller, asked: Option<&str>) -> Result<Option<String>, AppError> {
    Ok(match caller.actor.scope(Action::ViewAudit)? {
        Scope::All => asked.map(str::to_string),
        _ => Some(caller.actor.region_code.clone()),
    })
}

/// The audit log, newest first: a supervisor's region, or everything for an administrator. A
/// page of rows (one more than shown).
pub fn entries(
    conn: &mut DbConnection,
    caller: &Caller,
    asked: &AuditAsked,
    page: &Page,
) -> Result<Vec<AuditRow>, AppError> {
    let filter = AuditFilter {
        region: reviewed_region(caller, asked.region_code.as_deref())?,
        child_id: asked.child_id,
        user_id: asked.user_id,
        from: asked.from.map(|t| t.naive_utc()),
        to: asked.to.map(|t| t.naive_utc()),
        break_glass: asked.break_glass,
    };
    listed(conn, &filter, page)
}

/// Who opened the child's data and when, newest first — for the supervisor of the child's
/// region. Looking is not itself an access to the child's data: it is not audited.
pub fn access_log(
    conn: &mut DbConnection,
    caller: &Caller,
    child_id: ChildId,
    page: &Page,
) -> Result<Vec<AuditRow>, AppError> {
    visible_child(conn, caller, Action::ViewAudit, child_id)?;
    let filter = AuditFilter {
        child_id: Some(child_id),
        ..AuditFilter::default()
    };
    listed(conn, &filter, page)
}

/// A page of the entries matching `filter`, newest first.
fn listed(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: &Page,
) -> Result<Vec<AuditRow>, AppError> {
    Ok(store::list(
        conn,
        filter,
        page.after.as_deref(),
        page.limit,
    )?)
}

/// A reason a reviewer can judge is more than a word.
const MIN_REASON: usize = 10;

/// A break-glass request, as given.
pub struct BreakGlassAsked {
    pub case_id: String,
    /// Why the record must be opened now; reviewed in the case's region.
    pub reason: String,
    /// How long the grant lasts.
    pub lasts: Duration,
}

/// Break-glass: a supervisor opens a case outside their scope, stating why, for a while. Every
/// access under it is flagged in the audit log; the grant itself is audited, and the supervisors
/// of the case's region are told.
pub fn open(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    asked: &BreakGlassAsked,
) -> Result<BreakGlassRow, AppError> {
    caller.actor.scope(Action::BreakGlass)?;
    let mut v = Validation::new();
    let reason = v.text("reason", &asked.reason, 2000);
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() < MIN_REASON)
    {
        v.add(
            "reason",
            format!("must say why, in at least {MIN_REASON} characters"),
        );
    }
    let case_id = v.check("case_id", asked.case_id.trim().parse::<CaseId>());
    // Both parsed when nothing was recorded.
    let (Some(reason), Some(case_id)) = v.finish(|| (reason, case_id))? else {
        return Err(AppError::Internal);
    };
    let now = caller.at;
    write(conn, |c| {
        let case =
            cases::find(c, case_id)?.ok_or_else(|| AppError::invalid("case_id", "no such case"))?;
        let row = BreakGlassRow {
            id: BreakGlassId::new(),
            case_id: case.id,
            user_id: caller.actor.user_id,
            reason,
            granted_at: now.naive_utc(),
            expires_at: (now + asked.lasts).naive_utc(),
            region_code: case.region_code.clone(),
        };
        store::grant(c, &row)?;
        let target = Target {
            resource: "break_glass",
            id: case.id.to_string(),
            child_id: Some(case.child_id),
            region: Some(&case.region_code),
        };
        audit::log(c, caller, Act::Create, target)?;
        let event = Event::act(NotificationKind::BreakGlass, &case, row.user_id, row.id);
        let to = inbox::supervisors(&case.region_code);
        inbox::notify(c, app, &event, &[to], now)?;
        Ok(row)
    })
}

/// The caller's own break-glass grants still running, the soonest to expire first: what they
/// may open now, and until when. A supervisor's only (others hold none).
pub fn my_grants(conn: &mut DbConnection, caller: &Caller) -> Result<Vec<BreakGlassRow>, AppError> {
    caller.actor.scope(Action::BreakGlass)?;
    let me = caller.actor.user_id.to_string();
    Ok(store::active_grants_of(conn, &me, caller.at.naive_utc())?)
}

/// Break-glass grants on a region's cases, newest first, for review: a supervisor's own
/// region's, any region's (or the one asked) for an administrator. A page of rows (one more
/// than shown).
pub fn grants(
    conn: &mut DbConnection,
    caller: &Caller,
    region_code: Option<&str>,
    page: &Page,
) -> Result<Vec<BreakGlassRow>, AppError> {
    let region = reviewed_region(caller, region_code)?;
    Ok(store::grants(
        conn,
        region.as_deref(),
        page.after.as_deref(),
        page.limit,
    )?)
}
