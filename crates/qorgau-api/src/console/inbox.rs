//! The home page — my tasks — and the notifications, through the same use cases as
//! `GET /me/tasks` and `GET /me/notifications`.

use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::{inbox, tasks};
use qorgau_domain::ids::NotificationId;

use crate::console::form::{Pressed, back_to};
use crate::console::layout::{self, Nav};
use crate::console::listing::{Cursor, ListPage, Listed, counted, more};
use crate::console::session::{ConsoleError, Signed};
use crate::dto;
use crate::dto::checked_page;
use crate::dto::notifications::NotificationView;
use crate::dto::tasks::{TaskView, TasksQuery};
use crate::labels::{Lang, Ui};
use crate::list::List;
use crate::state::AppState;

/// `GET /console/`: what waits for the user, oldest due first, overdue marked.
pub struct Tasks;

impl ListPage for Tasks {
    type Query = Cursor;
    const NAV: (Nav, Ui) = (Nav::Tasks, Ui::NavTasks);

    async fn list(state: &AppState, signed: &Signed, query: Cursor) -> Listed {
        let (list, total) = task_page(state, signed, &query, TasksQuery::default()).await?;
        Ok(task_list(signed.lang, &list, total))
    }
}

/// A page of the user's tasks that match `wanted` (the home page, the triage queue), with
/// how many match in all.
pub async fn task_page(
    state: &AppState,
    signed: &Signed,
    cursor: &Cursor,
    wanted: TasksQuery,
) -> Result<(List<TaskView>, i64), ConsoleError> {
    let page = cursor.params().page().map_err(signed.fail())?;
    let asked = wanted.asked(&page).map_err(signed.fail())?;
    let app = state.app.clone();
    let found = signed
        .run(state, move |conn, caller| {
            Ok(tasks::mine(conn, &app, caller, &asked)?)
        })
        .await?;
    let list = dto::tasks::task_page(found.items, &page).map_err(|e| signed.fail()(e.into()))?;
    Ok((list, found.total))
}

/// A task's due time, or that it has none, marked when overdue.
pub fn due_cell(lang: Lang, task: &TaskView) -> Markup {
    html! {
        td {
            @match task.due_at {
                Some(at) => (layout::when(at)),
                None => (lang.t(Ui::NoDue)),
            }
            @if task.overdue { (layout::overdue(lang)) }
        }
    }
}

fn task_list(lang: Lang, list: &List<TaskView>, total: i64) -> Markup {
    let heads = [Ui::Task, Ui::Subject, Ui::Due];
    let rows = layout::table(lang, "tasks", &heads, Ui::TasksEmpty, &list.items, |task| {
        html! {
            tr.overdue[task.overdue] {
                td {
                    (lang.code_label("task_kind", task.kind.as_str()))
                    @if let Some(kind) = task.deadline_kind {
                        " — " (lang.code_label("deadline_kind", kind.as_str()))
                    }
                }
                (subject_cell(task, task.case_id.map(|c| format!("/console/cases/{c}"))))
                (due_cell(lang, task))
            }
        }
    });
    counted(lang, Ui::TasksTotal, total, rows, "/console/", list)
}

/// `GET /console/notifications`: newest first, unread marked, each with its button.
pub struct Notifications;

impl ListPage for Notifications {
    type Query = Cursor;
    const NAV: (Nav, Ui) = (Nav::Notifications, Ui::NavNotifications);

    async fn list(state: &AppState, signed: &Signed, query: Cursor) -> Listed {
        let page = query.params().page().map_err(signed.fail())?;
        let asked = page.clone();
        let (rows, unread) = signed
            .run(state, move |conn, caller| {
                Ok(inbox::list(conn, caller, false, &asked)?)
            })
            .await?;
        let list = checked_page(rows, &page, |n| &n.id, NotificationView::try_from)
            .map_err(|e| signed.fail()(e.into()))?;
        Ok(notification_list(signed, &list, unread))
    }
}

/// A task's subject, linked to its case or signal (`href`) when it has one.
pub fn subject_cell(task: &TaskView, href: Option<String>) -> Markup {
    html! {
        td {
            @match href {
                Some(href) => a href=(href) { (task.subject) },
                None => (task.subject),
            }
        }
    }
}

fn notification_list(signed: &Signed, list: &List<NotificationView>, unread: i64) -> Markup {
    let lang = signed.lang;
    let t = |text| lang.t(text);
    html! {
        @if list.items.is_empty() { p { (t(Ui::NotificationsEmpty)) } }
        @else {
            @if unread > 0 {
                form method="post" action="/console/notifications/read-all" {
                    (layout::token(&signed.form_token))
                    button type="submit" { (t(Ui::MarkAllRead)) " (" (unread) ")" }
                }
            }
            ul.notifications {
                @for n in &list.items {
                    li.unread[!n.read] {
                        @if !n.read { strong.badge { (t(Ui::Unread)) } " " }
                        (lang.code_label("notification_kind", n.kind.as_str())) ": "
                        @if let Some(case) = n.case_id {
                            a href=(format!("/console/cases/{case}")) { (n.subject) }
                        } @else { (n.subject) }
                        " · " (layout::when(n.created_at))
                        @if !n.read {
                            form.inline method="post" action=(format!("/console/notifications/{}/read", n.id)) {
                                (layout::token(&signed.form_token))
                                button type="submit" { (t(Ui::MarkRead)) }
                            }
                        }
                    }
                }
            }
            (more(lang, "/console/notifications", &list.next_cursor))
        }
    }
}

/// `POST /console/notifications/{id}/read`.
pub async fn mark_read(
    state: web::Data<AppState>,
    Pressed(signed): Pressed,
    id: web::Path<NotificationId>,
) -> Result<HttpResponse, ConsoleError> {
    let id = id.into_inner();
    signed
        .run(&state, move |conn, caller| {
            Ok(inbox::mark_read(conn, caller, id)?)
        })
        .await?;
    Ok(back_to("/console/notifications"))
}

/// `POST /console/notifications/read-all`.
pub async fn mark_all_read(
    state: web::Data<AppState>,
    Pressed(signed): Pressed,
) -> Result<HttpResponse, ConsoleError> {
    signed
        .run(&state, move |conn, caller| {
            Ok(inbox::mark_all_read(conn, caller)?)
        })
        .await?;
    Ok(back_to("/console/notifications"))
}
