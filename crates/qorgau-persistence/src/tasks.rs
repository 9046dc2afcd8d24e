//! The records behind a user's tasks (`GET /me/tasks`, issue 19): one query per source of
//! tasks and one count, each read through an index and, for the page, limited by the keyset
//! position — (due, id) for the sources with a clock, id for those without — so that a region
//! with tens of thousands of lapsed deadlines is read a page at a time (docs/benchmarks.md).
//! Which sources a user's list holds is the caller's decision (`qorgau_domain::task`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use qorgau_domain::case::{CaseStatus, TransferStatus};
use qorgau_domain::deadline::DeadlineStatus;
use qorgau_domain::ids::{CaseId, OrganisationId, SignalId, UserId};
use qorgau_domain::lifecycle::FollowUpOutcome;
use qorgau_domain::plan::PlanStatus;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::referral::ReferralStatus;
use qorgau_domain::report::{kazakhstan_date, kazakhstan_midnight};
use qorgau_domain::signal::SignalStatus;
use qorgau_domain::task::TaskKind;
use qorgau_domain::timeline::TimelineKind;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::{
    cases, commission_matters, commission_measures, deadlines, follow_ups, plans, referrals,
    routing_gaps, signals, timeline_events, transfers,
};
use crate::supervision::measure_due_at;

/// One task, as the records give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRow {
    pub kind: TaskKind,
    /// The record the task is about: the deadline, the plan version, the closure's return (a
    /// timeline event), the case (a closure awaiting decision), the transfer, the gap, the
    /// follow-up contact, the signal, the referral or the commission measure.
    /// Kept as the text ids are stored as, since its kind varies with the task's `kind`.
    pub id: String,
    /// `None` for a task with no clock.
    pub due_at: Option<NaiveDateTime>,
    pub case_id: Option<CaseId>,
    pub signal_id: Option<SignalId>,
    /// The case number, or the signal's id for a signal not yet on a case.
    pub subject: String,
    /// Which deadline lapsed (`lapsed_deadline`).
    pub deadline: Option<DeadlineKind>,
}

impl TaskRow {
    fn on_case(kind: TaskKind, id: String, due_at: Option<NaiveDateTime>) -> Self {
        TaskRow {
            kind,
            id,
            due_at,
            case_id: None,
            signal_id: None,
            subject: String::new(),
            deadline: None,
        }
    }

    fn case(mut self, case_id: CaseId, number: String) -> Self {
        self.case_id = Some(case_id);
        self.subject = number;
        self
    }
}

/// The position a page starts after, in the list's order: tasks with a clock by (due, id),
/// then those without by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum After {
    #[default]
    Start,
    Due(NaiveDateTime, String),
    Waiting(String),
}

/// What a page asks of every source.
#[derive(Clone, Debug, Default)]
pub struct Window {
    pub after: After,
    /// Only tasks due before this instant (tasks with no clock are never "due before").
    pub due_before: Option<NaiveDateTime>,
    /// Rows per source at most (the page's size plus one).
    pub limit: i64,
}

impl Window {
    /// For a source with a clock: `None` when the position lies past all its tasks, else the
    /// (due, id) to start after, if any.
    fn clocked(&self) -> Option<Option<(NaiveDateTime, String)>> {
        match &self.after {
            After::Start => Some(None),
            After::Due(at, id) => Some(Some((*at, id.clone()))),
            After::Waiting(_) => None,
        }
    }

    /// For a source without a clock: `None` when none of its tasks can be on the page (asked
    /// for tasks due before a time), else the id to start after, if any.
    fn waiting(&self) -> Option<Option<String>> {
        if self.due_before.is_some() {
            return None;
        }
        match &self.after {
            After::Waiting(id) => Some(Some(id.clone())),
            _ => Some(None),
        }
    }
}

/// What one source holds: its count (all pages) and, when listed, the rows of the page.
#[derive(Debug, Default)]
pub struct Found {
    pub counts: Vec<(TaskKind, i64)>,
    pub rows: Vec<TaskRow>,
}

impl Found {
    fn add(&mut self, kind: TaskKind, count: i64, rows: Vec<TaskRow>) {
        self.counts.push((kind, count));
        self.rows.extend(rows);
    }

    /// Whether the sources with a clock, read first, filled the page: the tasks without one
    /// come after all of them, so none of theirs can be on it (they are still counted).
    fn full(&self, w: &Window) -> bool {
        i64::try_from(self.rows.len()).unwrap_or(i64::MAX) >= w.limit
    }
}

/// Adds the keyset position of a source with a clock to a boxed query: (due, id) after it.
macro_rules! after_due {
    ($query:expr, $due:expr, $id:expr, $after:expr) => {{
        let mut query = $query;
        if let Some((at, id)) = $after {
            query = query.filter($due.ge(at).and($due.gt(at).or($id.gt(id))));
        }
        query
    }};
}

/// Narrows a boxed query to tasks due before the window's bound, if any.
macro_rules! due_before {
    ($query:expr, $due:expr, $window:expr) => {{
        let mut query = $query;
        if let Some(before) = $window.due_before {
            query = query.filter($due.lt(before));
        }
        query
    }};
}

/// The case manager's list: the pending deadlines of their cases of the kinds `deadline_kinds`
/// (each counted), their returned plans and closures; rows only for the kinds in `listed`.
pub fn manager(
    conn: &mut DbConnection,
    user: UserId,
    deadline_kinds: &[DeadlineKind],
    listed: &[TaskKind],
    w: &Window,
) -> Result<Found, DbError> {
    let mut found = Found::default();
    // Counted per kind from the index `deadlines_assignee_pending` alone.
    let counted: Vec<(DeadlineKind, i64)> = due_before!(
        deadlines::table
            .filter(deadlines::assignee_id.eq(user))
            .filter(deadlines::status.eq(DeadlineStatus::Pending))
            .filter(deadlines::kind.eq_any(deadline_kinds.to_vec()))
            .group_by(deadlines::kind)
            .select((deadlines::kind, count_star()))
            .into_boxed(),
        deadlines::due_at,
        w
    )
    .load(conn)?;
    for kind in deadline_kinds {
        if let Some(task) = TaskKind::of_deadline(*kind) {
            let n = counted
                .iter()
                .find(|(k, _)| k == kind)
                .map_or(0, |(_, n)| *n);
            found.counts.push((task, n));
        }
    }
    let wanted: Vec<DeadlineKind> = deadline_kinds
        .iter()
        .filter(|k| TaskKind::of_deadline(**k).is_some_and(|t| listed.contains(&t)))
        .copied()
        .collect();
    if let Some(after) = w.clocked()
        && !wanted.is_empty()
    {
        let rows: Vec<(String, DeadlineKind, NaiveDateTime, CaseId, String)> = due_before!(
            after_due!(
                deadlines::table
                    .inner_join(cases::table)
                    .filter(deadlines::assignee_id.eq(user))
                    .filter(deadlines::status.eq(DeadlineStatus::Pending))
                    .filter(deadlines::kind.eq_any(wanted))
                    .order((deadlines::due_at, deadlines::id))
                    .limit(w.limit)
                    .select((
                        deadlines::id,
                        deadlines::kind,
                        deadlines::due_at,
                        cases::id,
                        cases::number,
                    ))
                    .into_boxed(),
                deadlines::due_at,
                deadlines::id,
                after
            ),
            deadlines::due_at,
            w
        )
        .load(conn)?;
        found.rows.extend(
            rows.into_iter()
                .filter_map(|(id, kind, due, case, number)| {
                    let task = TaskKind::of_deadline(kind)?;
                    Some(TaskRow::on_case(task, id, Some(due)).case(case, number))
                }),
        );
    }
    let full = found.full(w);
    let wants = |kind| listed.contains(&kind) && !full;
    let (count, rows) = plans_returned(conn, user, wants(TaskKind::PlanReturned), w)?;
    found.add(TaskKind::PlanReturned, count, rows);
    let (count, rows) = closures_returned(conn, user, wants(TaskKind::ClosureReturned), w)?;
    found.add(TaskKind::ClosureReturned, count, rows);
    Ok(found)
}

/// The manager's open cases whose latest plan version was rejected (no later version).
fn plans_returned(
    conn: &mut DbConnection,
    user: UserId,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let Some(after) = w.waiting() else {
        return Ok((0, Vec::new()));
    };
    let later = diesel::alias!(plans as later);
    let base = || {
        plans::table
            .inner_join(cases::table)
            .left_join(
                later.on(later
                    .field(plans::case_id)
                    .eq(plans::case_id)
                    .and(later.field(plans::version).gt(plans::version))),
            )
            .filter(cases::assignee_id.eq(user))
            .filter(cases::status.ne(CaseStatus::Closed))
            .filter(plans::status.eq(PlanStatus::Rejected))
            .filter(later.field(plans::id).is_null())
            .into_boxed()
    };
    let count = base().count().get_result(conn)?;
    if !list {
        return Ok((count, Vec::new()));
    }
    let mut query =
        base()
            .order(plans::id)
            .limit(w.limit)
            .select((plans::id, cases::id, cases::number));
    if let Some(id) = after {
        query = query.filter(plans::id.gt(id));
    }
    let rows: Vec<(String, CaseId, String)> = query.load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, case, number)| {
                TaskRow::on_case(TaskKind::PlanReturned, id, None).case(case, number)
            })
            .collect(),
    ))
}

/// The manager's cases in progress (or monitoring) whose closure was returned with no request
/// since: the return (a timeline event) with no later closure request of the case.
fn closures_returned(
    conn: &mut DbConnection,
    user: UserId,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let Some(after) = w.waiting() else {
        return Ok((0, Vec::new()));
    };
    let later = diesel::alias!(timeline_events as later);
    // The case's closure events are read from `timeline_events_closure`.
    let base = || {
        timeline_events::table
            .inner_join(cases::table.on(timeline_events::case_id.eq(cases::id.nullable())))
            .left_join(
                later.on(later
                    .field(timeline_events::case_id)
                    .eq(timeline_events::case_id)
                    .and(
                        later
                            .field(timeline_events::kind)
                            .eq(TimelineKind::ClosureRequested),
                    )
                    .and(later.field(timeline_events::id).gt(timeline_events::id))),
            )
            .filter(cases::assignee_id.eq(user))
            .filter(cases::status.eq_any([CaseStatus::InProgress, CaseStatus::Monitoring]))
            .filter(timeline_events::kind.eq(TimelineKind::ClosureReturned))
            .filter(later.field(timeline_events::id).is_null())
            .into_boxed()
    };
    let count = base().count().get_result(conn)?;
    if !list {
        return Ok((count, Vec::new()));
    }
    let mut query = base().order(timeline_events::id).limit(w.limit).select((
        timeline_events::id,
        cases::id,
        cases::number,
    ));
    if let Some(id) = after {
        query = query.filter(timeline_events::id.gt(id));
    }
    let rows: Vec<(String, CaseId, String)> = query.load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, case, number)| {
                TaskRow::on_case(TaskKind::ClosureReturned, id, None).case(case, number)
            })
            .collect(),
    ))
}

/// The supervisor's list for `region` at `now`: plans and closures awaiting decision,
/// incoming transfers, lapsed deadlines, cases awaiting assignment, signals past their triage
/// clock, unresolved routing gaps and reopen decisions; rows only for the kinds in `listed`.
pub fn supervisor(
    conn: &mut DbConnection,
    region: &str,
    now: NaiveDateTime,
    listed: &[TaskKind],
    w: &Window,
) -> Result<Found, DbError> {
    let mut found = Found::default();
    let wants = |kind| listed.contains(&kind);
    let (count, rows) =
        area_deadlines(conn, region, Some(now), wants(TaskKind::LapsedDeadline), w)?;
    found.add(TaskKind::LapsedDeadline, count, rows);
    let (count, rows) = area_deadlines(conn, region, None, wants(TaskKind::Assignment), w)?;
    found.add(TaskKind::Assignment, count, rows);
    let place = Place::Region(region);
    let (count, rows) = triage(conn, place, Some(now), wants(TaskKind::Triage), w)?;
    found.add(TaskKind::Triage, count, rows);
    let full = found.full(w);
    let wants = |kind| listed.contains(&kind) && !full;
    let (count, rows) = plan_decisions(conn, region, wants(TaskKind::PlanDecision), w)?;
    found.add(TaskKind::PlanDecision, count, rows);
    let (count, rows) = closure_decisions(conn, region, wants(TaskKind::ClosureDecision), w)?;
    found.add(TaskKind::ClosureDecision, count, rows);
    let (count, rows) = incoming_transfers(conn, region, wants(TaskKind::IncomingTransfer), w)?;
    found.add(TaskKind::IncomingTransfer, count, rows);
    let (count, rows) = routing_gaps_open(conn, region, wants(TaskKind::RoutingGap), w)?;
    found.add(TaskKind::RoutingGap, count, rows);
    let (count, rows) = reopen_decisions(conn, region, wants(TaskKind::ReopenDecision), w)?;
    found.add(TaskKind::ReopenDecision, count, rows);
    Ok(found)
}

/// Draft plan versions of the region's open cases. Read from `plans_draft`.
fn plan_decisions(
    conn: &mut DbConnection,
    region: &str,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let Some(after) = w.waiting() else {
        return Ok((0, Vec::new()));
    };
    let base = || {
        plans::table
            .inner_join(cases::table)
            .filter(plans::status.eq(PlanStatus::Draft))
            .filter(cases::region_code.eq(region))
            // Open: a case has a closing date exactly while closed (`cases::move_status`). Said
            // so, each draft's case is read by its key, or the region's open cases from
            // `cases_region_closed` — not every open case of the country from the partial index
            // of `status <> 'closed'`, which the planner preferred (docs/benchmarks.md).
            .filter(cases::closed_at.is_null())
            .into_boxed()
    };
    let count = base().count().get_result(conn)?;
    if !list {
        return Ok((count, Vec::new()));
    }
    let mut query =
        base()
            .order(plans::id)
            .limit(w.limit)
            .select((plans::id, cases::id, cases::number));
    if let Some(id) = after {
        query = query.filter(plans::id.gt(id));
    }
    let rows: Vec<(String, CaseId, String)> = query.load(conn)?;
    Ok((count, on_cases(TaskKind::PlanDecision, rows)))
}

/// The region's cases awaiting the decision on their closure.
fn closure_decisions(
    conn: &mut DbConnection,
    region: &str,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let Some(after) = w.waiting() else {
        return Ok((0, Vec::new()));
    };
    let base = || {
        cases::table
            .filter(cases::region_code.eq(region))
            .filter(cases::status.eq(CaseStatus::ClosureRequested))
            .into_boxed()
    };
    let count = base().count().get_result(conn)?;
    if !list {
        return Ok((count, Vec::new()));
    }
    let mut query =
        base()
            .order(cases::id)
            .limit(w.limit)
            .select((cases::id, cases::id, cases::number));
    if let Some(id) = after {
        query = query.filter(cases::id.gt(id));
    }
    let rows: Vec<(String, CaseId, String)> = query.load(conn)?;
    Ok((count, on_cases(TaskKind::ClosureDecision, rows)))
}

/// Transfers to the region awaiting its decision.
fn incoming_transfers(
    conn: &mut DbConnection,
    region: &str,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let Some(after) = w.waiting() else {
        return Ok((0, Vec::new()));
    };
    let base = || {
        transfers::table
            .inner_join(cases::table.on(cases::id.eq(transfers::case_id)))
            .filter(transfers::to_region.eq(region))
            .filter(transfers::status.eq(TransferStatus::Pending))
            .into_boxed()
    };
    let count = base().count().get_result(conn)?;
    if !list {
        return Ok((count, Vec::new()));
    }
    let mut query = base().order(transfers::id).limit(w.limit).select((
        transfers::id,
        cases::id,
        cases::number,
    ));
    if let Some(id) = after {
        query = query.filter(transfers::id.gt(id));
    }
    let rows: Vec<(String, CaseId, String)> = query.load(conn)?;
    Ok((count, on_cases(TaskKind::IncomingTransfer, rows)))
}

/// The region's pending deadlines: with `lapsed_at`, those past due then of every kind but
/// assignment (`lapsed_deadline`); without, the assignment deadlines (`assignment`). Read
/// from `deadlines_area_pending`.
fn area_deadlines(
    conn: &mut DbConnection,
    region: &str,
    lapsed_at: Option<NaiveDateTime>,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let task = match lapsed_at {
        Some(_) => TaskKind::LapsedDeadline,
        None => TaskKind::Assignment,
    };
    // The same filters on the deadlines alone (the count, from the index) and joined to
    // their cases (the page, with the case numbers).
    macro_rules! narrowed {
        ($from:expr) => {{
            let query = $from
                .filter(deadlines::region_code.eq(region))
                .filter(deadlines::status.eq(DeadlineStatus::Pending))
                .into_boxed();
            let query = match lapsed_at {
                Some(now) => query
                    .filter(deadlines::due_at.lt(now))
                    .filter(deadlines::kind.ne(DeadlineKind::Assignment)),
                None => query.filter(deadlines::kind.eq(DeadlineKind::Assignment)),
            };
            due_before!(query, deadlines::due_at, w)
        }};
    }
    let count = narrowed!(deadlines::table).count().get_result(conn)?;
    // The count holds on every page; the rows only up to the tasks with no clock.
    let (true, Some(after)) = (list, w.clocked()) else {
        return Ok((count, Vec::new()));
    };
    let rows: Vec<(String, DeadlineKind, NaiveDateTime, CaseId, String)> = after_due!(
        narrowed!(deadlines::table.inner_join(cases::table))
            .order((deadlines::due_at, deadlines::id))
            .limit(w.limit)
            .select((
                deadlines::id,
                deadlines::kind,
                deadlines::due_at,
                cases::id,
                cases::number,
            )),
        deadlines::due_at,
        deadlines::id,
        after
    )
    .load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, kind, due, case, number)| {
                let mut row = TaskRow::on_case(task, id, Some(due)).case(case, number);
                if task == TaskKind::LapsedDeadline {
                    row.deadline = Some(kind);
                }
                row
            })
            .collect(),
    ))
}

/// Where signals are read: a region (its supervisor), or a district (its intake).
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    Region(&'a str),
    District(&'a str),
}

/// Signals awaiting triage in `place`, by their triage clock; with `lapsed_at`, only those
/// past it then. Read from `signals_awaiting_triage`.
fn triage(
    conn: &mut DbConnection,
    place: Place<'_>,
    lapsed_at: Option<NaiveDateTime>,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let base = || {
        let query = signals::table.into_boxed();
        let query = match place {
            Place::Region(r) => query.filter(signals::region_code.eq(r)),
            Place::District(d) => query.filter(signals::district_code.eq(d)),
        };
        let mut query = query.filter(signals::status.eq(SignalStatus::Received));
        if let Some(now) = lapsed_at {
            query = query.filter(signals::triage_due_at.lt(now));
        }
        due_before!(query, signals::triage_due_at, w)
    };
    let count = base().count().get_result(conn)?;
    // The count holds on every page; the rows only up to the tasks with no clock.
    let (true, Some(after)) = (list, w.clocked()) else {
        return Ok((count, Vec::new()));
    };
    let rows: Vec<(SignalId, NaiveDateTime)> = after_due!(
        base()
            .order((signals::triage_due_at, signals::id))
            .limit(w.limit)
            .select((signals::id, signals::triage_due_at)),
        signals::triage_due_at,
        signals::id,
        after
    )
    .load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, due)| TaskRow {
                kind: TaskKind::Triage,
                signal_id: Some(id),
                subject: id.to_string(),
                id: id.to_string(),
                due_at: Some(due),
                case_id: None,
                deadline: None,
            })
            .collect(),
    ))
}

/// The intake coordinator's list: the district's signals awaiting triage.
pub fn intake(
    conn: &mut DbConnection,
    district: &str,
    listed: &[TaskKind],
    w: &Window,
) -> Result<Found, DbError> {
    let mut found = Found::default();
    let list = listed.contains(&TaskKind::Triage);
    let (count, rows) = triage(conn, Place::District(district), None, list, w)?;
    found.add(TaskKind::Triage, count, rows);
    Ok(found)
}

/// Routing gaps of the region's cases not yet resolved. Read from `routing_gaps_unresolved`.
fn routing_gaps_open(
    conn: &mut DbConnection,
    region: &str,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let Some(after) = w.waiting() else {
        return Ok((0, Vec::new()));
    };
    let base = || {
        routing_gaps::table
            .inner_join(cases::table.on(cases::id.eq(routing_gaps::case_id)))
            .filter(routing_gaps::resolved_at.is_null())
            .filter(cases::region_code.eq(region))
            .into_boxed()
    };
    let count = base().count().get_result(conn)?;
    if !list {
        return Ok((count, Vec::new()));
    }
    let mut query = base().order(routing_gaps::id).limit(w.limit).select((
        routing_gaps::id,
        cases::id,
        cases::number,
    ));
    if let Some(id) = after {
        query = query.filter(routing_gaps::id.gt(id));
    }
    let rows: Vec<(String, CaseId, String)> = query.load(conn)?;
    Ok((count, on_cases(TaskKind::RoutingGap, rows)))
}

/// The region's closed cases whose latest follow-up contact since closing found concerns.
/// Read from `follow_ups_concerns`.
fn reopen_decisions(
    conn: &mut DbConnection,
    region: &str,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let Some(after) = w.waiting() else {
        return Ok((0, Vec::new()));
    };
    let later = diesel::alias!(follow_ups as later);
    let base = || {
        follow_ups::table
            .inner_join(cases::table)
            .left_join(
                later.on(later
                    .field(follow_ups::case_id)
                    .eq(follow_ups::case_id)
                    .and(later.field(follow_ups::id).gt(follow_ups::id))),
            )
            .filter(follow_ups::outcome.eq(FollowUpOutcome::Concerns))
            .filter(cases::region_code.eq(region))
            .filter(cases::status.eq(CaseStatus::Closed))
            .filter(follow_ups::recorded_at.nullable().ge(cases::closed_at))
            .filter(later.field(follow_ups::id).is_null())
            .into_boxed()
    };
    let count = base().count().get_result(conn)?;
    if !list {
        return Ok((count, Vec::new()));
    }
    let mut query = base().order(follow_ups::id).limit(w.limit).select((
        follow_ups::id,
        cases::id,
        cases::number,
    ));
    if let Some(id) = after {
        query = query.filter(follow_ups::id.gt(id));
    }
    let rows: Vec<(String, CaseId, String)> = query.load(conn)?;
    Ok((count, on_cases(TaskKind::ReopenDecision, rows)))
}

/// The specialist's list for `organisation`: referrals pending (by their response deadline)
/// and accepted; for a commission's staff, its measures not yet carried out.
pub fn specialist(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    commission: bool,
    listed: &[TaskKind],
    w: &Window,
) -> Result<Found, DbError> {
    let mut found = Found::default();
    let wants = |kind| listed.contains(&kind);
    let (count, rows) =
        referrals_pending(conn, organisation, wants(TaskKind::ReferralResponse), w)?;
    found.add(TaskKind::ReferralResponse, count, rows);
    if commission {
        let (count, rows) =
            measures_due(conn, organisation, wants(TaskKind::CommissionMeasure), w)?;
        found.add(TaskKind::CommissionMeasure, count, rows);
    }
    let full = found.full(w);
    let wants = |kind| listed.contains(&kind) && !full;
    let (count, rows) =
        referrals_accepted(conn, organisation, wants(TaskKind::ReferralInProgress), w)?;
    found.add(TaskKind::ReferralInProgress, count, rows);
    Ok(found)
}

/// Referrals to the organisation awaiting its answer. Read from
/// `referrals_organisation_status`.
fn referrals_pending(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let base = || {
        let query = referrals::table
            .inner_join(cases::table)
            .filter(referrals::to_organisation_id.eq(organisation))
            .filter(referrals::status.eq(ReferralStatus::Pending))
            .into_boxed();
        due_before!(query, referrals::respond_by, w)
    };
    let count = base().count().get_result(conn)?;
    // The count holds on every page; the rows only up to the tasks with no clock.
    let (true, Some(after)) = (list, w.clocked()) else {
        return Ok((count, Vec::new()));
    };
    let rows: Vec<(String, NaiveDateTime, CaseId, String)> = after_due!(
        base()
            .order((referrals::respond_by, referrals::id))
            .limit(w.limit)
            .select((
                referrals::id,
                referrals::respond_by,
                cases::id,
                cases::number,
            )),
        referrals::respond_by,
        referrals::id,
        after
    )
    .load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, due, case, number)| {
                TaskRow::on_case(TaskKind::ReferralResponse, id, Some(due)).case(case, number)
            })
            .collect(),
    ))
}

/// Referrals the organisation accepted and has not completed.
fn referrals_accepted(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let Some(after) = w.waiting() else {
        return Ok((0, Vec::new()));
    };
    let base = || {
        referrals::table
            .inner_join(cases::table)
            .filter(referrals::to_organisation_id.eq(organisation))
            .filter(referrals::status.eq(ReferralStatus::Accepted))
            .into_boxed()
    };
    let count = base().count().get_result(conn)?;
    if !list {
        return Ok((count, Vec::new()));
    }
    let mut query = base().order(referrals::id).limit(w.limit).select((
        referrals::id,
        cases::id,
        cases::number,
    ));
    if let Some(id) = after {
        query = query.filter(referrals::id.gt(id));
    }
    let rows: Vec<(String, CaseId, String)> = query.load(conn)?;
    Ok((count, on_cases(TaskKind::ReferralInProgress, rows)))
}

/// Measures ordered by the commission `organisation` and not yet carried out, each due at the
/// midnight (Kazakhstan) after its due date. Read from `commission_matters_commission`.
fn measures_due(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    list: bool,
    w: &Window,
) -> Result<(i64, Vec<TaskRow>), DbError> {
    let base = || {
        let mut query = commission_measures::table
            .inner_join(
                commission_matters::table
                    .inner_join(cases::table.on(cases::id.eq(commission_matters::case_id))),
            )
            .filter(commission_matters::commission_organisation_id.eq(organisation))
            .filter(commission_measures::done_at.is_null())
            .into_boxed();
        if let Some(before) = w.due_before {
            query = query.filter(commission_measures::due_date.lt(last_date_due_before(before)));
        }
        query
    };
    let count = base().count().get_result(conn)?;
    // The count holds on every page; the rows only up to the tasks with no clock.
    let (true, Some(after)) = (list, w.clocked()) else {
        return Ok((count, Vec::new()));
    };
    let mut query = base()
        .order((commission_measures::due_date, commission_measures::id))
        .limit(w.limit)
        .select((
            commission_measures::id,
            commission_measures::due_date,
            cases::id,
            cases::number,
        ));
    if let Some((at, id)) = after {
        // Due after `at` from the date of `at` on; exactly at `at` when `at` is such a midnight.
        let from = kazakhstan_date(at);
        query = match from.pred_opt().filter(|d| measure_due_at(*d) == at) {
            Some(previous) => query.filter(
                commission_measures::due_date
                    .ge(from)
                    .or(commission_measures::due_date
                        .eq(previous)
                        .and(commission_measures::id.gt(id))),
            ),
            None => query.filter(commission_measures::due_date.ge(from)),
        };
    }
    let rows: Vec<(String, NaiveDate, CaseId, String)> = query.load(conn)?;
    Ok((
        count,
        rows.into_iter()
            .map(|(id, due, case, number)| {
                TaskRow::on_case(TaskKind::CommissionMeasure, id, Some(measure_due_at(due)))
                    .case(case, number)
            })
            .collect(),
    ))
}

/// The first due date whose measure is not due before `before`: a measure due on `d` falls due
/// at the midnight starting `d + 1`, before `before` when `d` is earlier than this date.
fn last_date_due_before(before: NaiveDateTime) -> NaiveDate {
    let date = kazakhstan_date(before);
    if kazakhstan_midnight(date) == before {
        date.pred_opt().unwrap_or(date)
    } else {
        date
    }
}

fn on_cases(kind: TaskKind, rows: Vec<(String, CaseId, String)>) -> Vec<TaskRow> {
    rows.into_iter()
        .map(|(id, case, number)| TaskRow::on_case(kind, id, None).case(case, number))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        s.parse().expect("a time")
    }

    #[test]
    fn a_measure_is_due_before_an_instant_when_its_midnight_has_passed() {
        // Midnight of 5 March in Kazakhstan is 19:00 UTC on 4 March.
        let midnight = at("2025-03-04T19:00:00");
        let date = |s: &str| s.parse::<NaiveDate>().expect("a date");
        // At that midnight exactly, a measure due on 4 March falls due, so is not yet "before".
        assert_eq!(last_date_due_before(midnight), date("2025-03-04"));
        assert!(measure_due_at(date("2025-03-03")) < midnight);
        assert_eq!(measure_due_at(date("2025-03-04")), midnight);
        // A second later, it is.
        let later = midnight + chrono::Duration::seconds(1);
        assert_eq!(last_date_due_before(later), date("2025-03-05"));
    }

    #[test]
    fn windows_skip_the_sources_a_position_or_bound_excludes() {
        let w = Window {
            after: After::Waiting("b".into()),
            due_before: None,
            limit: 3,
        };
        assert_eq!(w.clocked(), None);
        assert_eq!(w.waiting(), Some(Some("b".to_string())));
        let w = Window {
            after: After::Due(at("2025-01-01T00:00:00"), "a".into()),
            due_before: Some(at("2025-02-01T00:00:00")),
            limit: 3,
        };
        assert_eq!(w.waiting(), None);
        assert!(matches!(w.clocked(), Some(Some(_))));
    }
}
