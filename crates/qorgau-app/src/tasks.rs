//! My tasks (issue 19, `GET /me/tasks`): everything waiting for the caller, oldest due first,
//! then what waits with no clock, oldest first; with the count of each kind over the whole list.
//!
//! Where the caller's tasks come from is their role and place, as the access token gives them
//! (`Actor`): a case manager's own cases, a supervisor's region, an intake coordinator's
//! district, a specialist's organisation. A task names its kind, the case's number (or the
//! signal's id) and a link — no child's name, concern or description — so reading the list is
//! not a read of a child's data and is not audited (docs/api.md § My tasks).

use chrono::{DateTime, NaiveDateTime, Utc};
use qorgau_domain::access::{Action, Scope};
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::role::Role;
use qorgau_domain::task::{self, TaskKind};
use qorgau_persistence::tasks::{self, After, Found, TaskRow, Window};
use qorgau_persistence::{DbConnection, organisations};

use crate::app::App;
use crate::caller::Caller;
use crate::error::AppError;

/// What the caller asks: one kind or all, due before a time or whenever, and the page.
#[derive(Clone, Debug, Default)]
pub struct TasksAsked {
    pub kind: Option<TaskKind>,
    pub due_before: Option<DateTime<Utc>>,
    /// The position the page starts after.
    pub after: After,
    /// Rows to fetch: the page's size plus one (to learn whether another page follows).
    pub limit: i64,
}

/// One task as shown.
#[derive(Clone, Debug)]
pub struct Task {
    pub row: TaskRow,
    /// Past its due time by the clock (never for a task with no clock).
    pub overdue: bool,
    /// What to do, in English words; no personal data.
    pub label: String,
    /// The API path to act on it.
    pub link: String,
}

/// A page of the caller's tasks, with the counts of the whole list.
#[derive(Clone, Debug)]
pub struct Tasks {
    /// In the list's order; at most `limit` (one more than the page shows).
    pub items: Vec<Task>,
    /// Every kind the caller's list can hold, with how many tasks of it there are (all pages,
    /// `due_before` applied, `kind` not: the other kinds' counts stay visible).
    pub counts: Vec<(TaskKind, i64)>,
    /// How many tasks the list holds (all pages, both filters applied).
    pub total: i64,
    /// The instant "overdue" was measured against.
    pub as_of: DateTime<Utc>,
}

/// The caller's tasks. A role with no tasks gets an empty list.
pub fn mine(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    asked: &TasksAsked,
) -> Result<Tasks, AppError> {
    let as_of = app.now();
    let now = as_of.naive_utc();
    let actor = &caller.actor;
    let commission_staff = actor.role == Role::Specialist
        && organisations::find(conn, actor.organisation_id)?
            .is_some_and(|o| o.kind == OrganisationKind::Commission);
    let kinds = task::kinds_for(actor.role, commission_staff);
    let listed: Vec<TaskKind> = kinds
        .iter()
        .filter(|k| asked.kind.is_none_or(|wanted| wanted == **k))
        .copied()
        .collect();
    let window = Window {
        after: asked.after.clone(),
        due_before: asked.due_before.map(|t| t.naive_utc()),
        limit: asked.limit,
    };
    let found = match actor.role {
        Role::CaseManager => {
            let deadlines: Vec<_> = kinds.iter().filter_map(|k| k.deadline()).collect();
            let me = actor.user_id;
            tasks::manager(conn, me, &deadlines, &listed, &window)?
        }
        Role::Supervisor => match actor.scope(Action::ViewCaseload) {
            Ok(Scope::Region(region)) => tasks::supervisor(conn, &region, now, &listed, &window)?,
            _ => Found::default(),
        },
        Role::IntakeCoordinator => match actor.scope(Action::TriageSignal) {
            Ok(Scope::District(district)) => tasks::intake(conn, &district, &listed, &window)?,
            // An intake coordinator of an organisation with no district has no queue.
            _ => Found::default(),
        },
        Role::Specialist => {
            let org = actor.organisation_id;
            tasks::specialist(conn, org, commission_staff, &listed, &window)?
        }
        Role::Admin | Role::MobileGroupMember | Role::Analyst | Role::Integration => {
            Found::default()
        }
    };
    let counts: Vec<(TaskKind, i64)> = kinds
        .iter()
        .map(|k| {
            let n = found
                .counts
                .iter()
                .filter(|(c, _)| c == k)
                .map(|(_, n)| n)
                .sum();
            (*k, n)
        })
        .collect();
    let total = counts
        .iter()
        .filter(|(k, _)| listed.contains(k))
        .map(|(_, n)| n)
        .sum();
    let mut rows = found.rows;
    rows.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    rows.truncate(usize::try_from(asked.limit).unwrap_or(0));
    let items = rows
        .into_iter()
        .map(|row| Task {
            overdue: row.due_at.is_some_and(|due| due < now),
            label: task::label(row.kind, row.deadline),
            link: link(&row),
            row,
        })
        .collect();
    Ok(Tasks {
        items,
        counts,
        total,
        as_of,
    })
}

/// The list's order: tasks with a clock first, oldest due first; then those without; ties by
/// id (time-ordered, so oldest first).
fn order_key(row: &TaskRow) -> (bool, Option<NaiveDateTime>, &str) {
    (row.due_at.is_none(), row.due_at, &row.id)
}

/// The position after `row`, for the next page's cursor.
pub fn position(row: &TaskRow) -> After {
    match row.due_at {
        Some(due) => After::Due(due, row.id.clone()),
        None => After::Waiting(row.id.clone()),
    }
}

/// The API path to act on a task: the signal to triage, the referral to answer, the plan to
/// decide or revise, the incoming transfers, the routing gaps, the commission's matters of the
/// case, else the case.
pub fn link(row: &TaskRow) -> String {
    use TaskKind::*;
    let case = row.case_id.map(|c| c.to_string()).unwrap_or_default();
    match row.kind {
        Triage => format!(
            "/api/v1/signals/{}",
            row.signal_id.map(|s| s.to_string()).unwrap_or_default()
        ),
        ReferralResponse | ReferralInProgress => format!("/api/v1/referrals/{}", row.id),
        PlanDecision | PlanReturned | PlanApproval | PlanReview => {
            format!("/api/v1/cases/{case}/plan")
        }
        IncomingTransfer => "/api/v1/transfers".into(),
        RoutingGap => "/api/v1/supervision/routing-gaps".into(),
        CommissionMeasure => format!("/api/v1/cases/{case}/commission-matters"),
        FirstContact
        | InitialAssessment
        | ComprehensiveAssessment
        | FollowUp
        | ClosureReturned
        | ClosureDecision
        | LapsedDeadline
        | ReopenDecision
        | Assignment => {
            format!("/api/v1/cases/{case}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qorgau_domain::ids::{CaseId, SignalId};

    fn case() -> CaseId {
        CaseId(uuid::Uuid::from_u128(0xc))
    }

    fn row(kind: TaskKind, id: &str, due: Option<&str>) -> TaskRow {
        TaskRow {
            kind,
            id: id.into(),
            due_at: due.map(|d| d.parse().expect("a time")),
            case_id: Some(case()),
            signal_id: None,
            subject: "KZ-71-2026-000001".into(),
            deadline: None,
        }
    }

    #[test]
    fn clocked_tasks_come_first_oldest_due_first_then_the_waiting_by_id() {
        let mut rows = [
            row(TaskKind::PlanDecision, "a", None),
            row(TaskKind::FirstContact, "z", Some("2025-03-02T00:00:00")),
            row(TaskKind::Assignment, "b", Some("2025-03-01T00:00:00")),
            row(TaskKind::RoutingGap, "0", None),
            row(TaskKind::LapsedDeadline, "c", Some("2025-03-01T00:00:00")),
        ];
        rows.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "c", "z", "0", "a"]);
        assert_eq!(position(&rows[4]), After::Waiting("a".into()));
    }

    #[test]
    fn links_point_at_what_to_act_on() {
        assert_eq!(
            link(&row(
                TaskKind::ReferralResponse,
                "r",
                Some("2025-03-01T00:00:00")
            )),
            "/api/v1/referrals/r"
        );
        assert_eq!(
            link(&row(TaskKind::PlanDecision, "p", None)),
            format!("/api/v1/cases/{}/plan", case())
        );
        let mut signal = row(TaskKind::Triage, "s", Some("2025-03-01T00:00:00"));
        signal.case_id = None;
        let s = SignalId(uuid::Uuid::from_u128(0x5));
        signal.signal_id = Some(s);
        assert_eq!(link(&signal), format!("/api/v1/signals/{s}"));
    }
}
