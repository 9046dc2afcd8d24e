//! Bodies of `GET /me/tasks` (api.md § My tasks).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use qorgau_app::AppError;
use qorgau_app::error::stored;
use qorgau_app::tasks::{Task, TasksAsked, position};
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::task::TaskKind;
use qorgau_persistence::Page;
use qorgau_persistence::tasks::After;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::dto::checked_page;
use crate::error::ApiError;
use crate::list::List;

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TasksQuery {
    /// Only tasks due before this instant (RFC 3339, e.g. `2026-12-11T19:00:00Z`); tasks with no
    /// clock are left out.
    #[param(value_type = Option<DateTime<Utc>>)]
    pub due_before: Option<String>,
    /// Only tasks of this kind (`first_contact`, `triage`, `lapsed_deadline`…).
    #[param(value_type = Option<TaskKind>)]
    pub kind: Option<String>,
}

impl TasksQuery {
    /// What the caller asks for the page `page`; every bad parameter named (422).
    pub fn asked(&self, page: &Page) -> Result<TasksAsked, ApiError> {
        let kind = match self.kind.as_deref() {
            Some(k) => Some(
                TaskKind::from_code(k)
                    .ok_or_else(|| ApiError::invalid("kind", "is not a task kind"))?,
            ),
            None => None,
        };
        let due_before = match self.due_before.as_deref() {
            Some(t) => Some(
                DateTime::parse_from_rfc3339(t)
                    .map_err(|_| {
                        ApiError::invalid("due_before", "must be an RFC 3339 date and time")
                    })?
                    .with_timezone(&Utc),
            ),
            None => None,
        };
        let after = match page.after.as_deref() {
            Some(c) => parse_cursor(c)?,
            None => After::Start,
        };
        Ok(TasksAsked {
            kind,
            due_before,
            after,
            limit: page.limit,
        })
    }
}

/// One task: what to do, by when, on which case (by number) or signal, and where to act.
/// Never a child's name, a concern or a description.
#[derive(Serialize, ToSchema)]
pub struct TaskView {
    /// The record the task is about: the deadline, plan version, closure return, case (a
    /// closure awaiting decision), transfer, routing gap, follow-up contact, signal, referral
    /// or commission measure.
    pub id: Uuid,
    pub kind: TaskKind,
    /// What to do, in English words (the console shows them in the reader's language from
    /// `kind`).
    pub label: String,
    /// When it falls due; `null` for a task with no clock (listed after those with one).
    pub due_at: Option<DateTime<Utc>>,
    /// Past `due_at` by the server's clock.
    pub overdue: bool,
    /// The case number, or the signal's id for a signal awaiting triage.
    pub subject: String,
    pub case_id: Option<Uuid>,
    pub signal_id: Option<Uuid>,
    /// Which deadline lapsed, for `lapsed_deadline`.
    pub deadline_kind: Option<DeadlineKind>,
    /// The API path to act on it.
    pub link: String,
}

impl TryFrom<Task> for TaskView {
    type Error = AppError;

    fn try_from(t: Task) -> Result<Self, AppError> {
        let r = t.row;
        let id = |column, value: &str| stored::<Uuid>("tasks", &r.id, column, value);
        Ok(TaskView {
            id: id("id", &r.id)?,
            kind: r.kind,
            label: t.label,
            due_at: r.due_at.map(|d| d.and_utc()),
            overdue: t.overdue,
            case_id: r.case_id.map(|c| c.0),
            signal_id: r.signal_id.map(|s| s.0),
            deadline_kind: r.deadline,
            link: t.link,
            subject: r.subject,
        })
    }
}

/// A page of the caller's tasks, with the counts of the whole list.
#[derive(Serialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<TaskView>,
    pub next_cursor: Option<String>,
    /// Every kind the caller's list can hold, with how many tasks of it there are over all
    /// pages (`due_before` applied, `kind` not, so that every kind's count stays visible).
    pub counts: BTreeMap<String, i64>,
    /// How many tasks this list holds over all pages (both filters applied).
    pub total: i64,
    /// The instant `overdue` was measured against.
    pub as_of: DateTime<Utc>,
}

const CURSOR_TIME: &str = "%Y-%m-%dT%H:%M:%S%.f";

/// One page of tasks as their views, each keyed by its position in the list.
pub fn task_page(tasks: Vec<Task>, page: &Page) -> Result<List<TaskView>, AppError> {
    let keyed = tasks.into_iter().map(|t| (cursor_key(&t), t)).collect();
    checked_page(keyed, page, |(key, _)| key, |(_, t)| TaskView::try_from(t))
}

/// The keyset position of a task: `d|due|id` for one with a clock, `w|id` for one without.
pub fn cursor_key(task: &Task) -> String {
    match position(&task.row) {
        After::Due(at, id) => format!("d|{}|{id}", at.format(CURSOR_TIME)),
        After::Waiting(id) => format!("w|{id}"),
        After::Start => String::new(),
    }
}

/// The position a cursor of this list names.
pub fn parse_cursor(cursor: &str) -> Result<After, ApiError> {
    let bad = || ApiError::invalid("cursor", "is not a cursor from this list");
    match cursor.split_once('|') {
        Some(("w", id)) if !id.is_empty() => Ok(After::Waiting(id.to_string())),
        Some(("d", rest)) => {
            let (at, id) = rest.split_once('|').ok_or_else(bad)?;
            let at = NaiveDateTime::parse_from_str(at, CURSOR_TIME).map_err(|_| bad())?;
            Ok(After::Due(at, id.to_string()))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use qorgau_persistence::tasks::TaskRow;

    use super::*;

    fn task(due: Option<&str>) -> Task {
        Task {
            row: TaskRow {
                kind: TaskKind::Triage,
                id: "0193".into(),
                due_at: due.map(|d| d.parse().expect("a time")),
                case_id: None,
                signal_id: Some(qorgau_domain::ids::SignalId::new()),
                subject: "0193".into(),
                deadline: None,
            },
            overdue: false,
            label: "Triage the signal".into(),
            link: "/api/v1/signals/0193".into(),
        }
    }

    #[test]
    fn cursors_round_trip() {
        let clocked = task(Some("2025-03-05T04:00:00.25"));
        assert_eq!(
            parse_cursor(&cursor_key(&clocked)).expect("valid"),
            After::Due(
                "2025-03-05T04:00:00.25".parse().expect("a time"),
                "0193".into()
            )
        );
        let waiting = task(None);
        assert_eq!(
            parse_cursor(&cursor_key(&waiting)).expect("valid"),
            After::Waiting("0193".into())
        );
        for bad in ["garbage", "d|x|1", "w|", "x|1"] {
            assert!(parse_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let page = Page {
            after: None,
            limit: 51,
        };
        let q = |kind: Option<&str>, due: Option<&str>| TasksQuery {
            kind: kind.map(str::to_string),
            due_before: due.map(str::to_string),
        };
        assert!(q(Some("nap"), None).asked(&page).is_err());
        assert!(q(None, Some("tomorrow")).asked(&page).is_err());
        let ok = q(Some("triage"), Some("2026-12-11T19:00:00+05:00"))
            .asked(&page)
            .expect("valid");
        assert_eq!(ok.kind, Some(TaskKind::Triage));
        assert_eq!(
            ok.due_before.map(|d| d.to_rfc3339()),
            Some("2026-12-11T14:00:00+00:00".into())
        );
    }
}
