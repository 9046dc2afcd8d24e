//! The home page — my tasks — and the notifications, through the same use cases as
//! `GET /me/tasks` and `GET /me/notifications`.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::{inbox, tasks};
use serde::Deserialize;
use uuid::Uuid;

use crate::console::layout::{self, Frame, Nav};
use crate::console::session::{ConsoleError, Signed};
use crate::dto;
use crate::dto::checked_page;
use crate::dto::notifications::NotificationView;
use crate::dto::tasks::{TaskView, TasksQuery};
use crate::labels::{Lang, Ui};
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Items on one page of a console list.
pub const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
pub struct Cursor {
    pub cursor: Option<String>,
}

pub fn page_of(cursor: &Cursor) -> ListParams {
    ListParams {
        limit: Some(PAGE_SIZE),
        cursor: cursor.cursor.clone(),
    }
}

/// `GET /console/`: what waits for the user, oldest due first, overdue marked.
pub async fn tasks(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    query: web::Query<Cursor>,
) -> Result<HttpResponse, ConsoleError> {
    let (list, total) = task_page(&state, &signed, &query, TasksQuery::default()).await?;
    let body = task_list(signed.lang, &list, total);
    Ok(render(
        &signed,
        &req,
        Nav::Tasks,
        signed.lang.t(Ui::NavTasks),
        body,
    ))
}

/// A page of the user's tasks that match `wanted` (the home page, the triage queue), with
/// how many match in all.
pub async fn task_page(
    state: &AppState,
    signed: &Signed,
    cursor: &Cursor,
    wanted: TasksQuery,
) -> Result<(List<TaskView>, i64), ConsoleError> {
    let page = page_of(cursor).page().map_err(signed.fail())?;
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
            @if task.overdue { " " strong.badge.overdue { (lang.t(Ui::Overdue)) } }
        }
    }
}

fn task_list(lang: Lang, list: &List<TaskView>, total: i64) -> Markup {
    let t = |text| lang.t(text);
    html! {
        @if list.items.is_empty() { p { (t(Ui::TasksEmpty)) } }
        @else {
            p { (t(Ui::TasksTotal)) ": " strong { (total) } }
            table.tasks {
                thead { tr {
                    th scope="col" { (t(Ui::Task)) }
                    th scope="col" { (t(Ui::Subject)) }
                    th scope="col" { (t(Ui::Due)) }
                } }
                tbody {
                    @for task in &list.items {
                        tr.overdue[task.overdue] {
                            td {
                                (lang.code_label("task_kind", task.kind.as_str()))
                                @if let Some(kind) = task.deadline_kind {
                                    " — " (lang.code_label("deadline_kind", kind.as_str()))
                                }
                            }
                            td {
                                @if let Some(case) = task.case_id {
                                    a href=(format!("/console/cases/{case}")) { (task.subject) }
                                } @else { (task.subject) }
                            }
                            (due_cell(lang, task))
                        }
                    }
                }
            }
            (more(lang, "/console/", &list.next_cursor))
        }
    }
}

/// The link to the next page, and back to the first.
pub fn more(lang: Lang, path: &str, next: &Option<String>) -> Markup {
    let joiner = if path.contains('?') { '&' } else { '?' };
    html! {
        nav.pages aria-label=(lang.t(Ui::Pages)) {
            a href=(path) { (lang.t(Ui::FirstPage)) }
            @if let Some(cursor) = next {
                " " a rel="next" href=(format!("{path}{joiner}cursor={cursor}")) { (lang.t(Ui::NextPage)) }
            }
        }
    }
}

/// A signed-in page with the frame.
pub fn render(
    signed: &Signed,
    req: &HttpRequest,
    nav: Nav,
    title: &str,
    body: Markup,
) -> HttpResponse {
    let here = req
        .uri()
        .path_and_query()
        .map_or("/console/", |p| p.as_str());
    let frame = Frame {
        lang: signed.lang,
        form_token: &signed.form_token,
        here,
        signed_in: true,
        entries: layout::entries(signed.caller.actor.role),
        nav,
    };
    layout::respond(StatusCode::OK, layout::page(&frame, title, body))
}

/// `GET /console/notifications`: newest first, unread marked, each with its button.
pub async fn notifications(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    query: web::Query<Cursor>,
) -> Result<HttpResponse, ConsoleError> {
    let page = page_of(&query).page().map_err(signed.fail())?;
    let caller = signed.caller.clone();
    let (rows, unread, page) = state
        .run(move |conn| {
            let (rows, unread) = inbox::list(conn, &caller, false, &page)?;
            Ok((rows, unread, page))
        })
        .await
        .map_err(signed.fail())?;
    let list = checked_page(rows, &page, |n| &n.id, NotificationView::try_from)
        .map_err(|e| signed.fail()(e.into()))?;
    let body = notification_list(&signed, &list, unread);
    Ok(render(
        &signed,
        &req,
        Nav::Notifications,
        signed.lang.t(Ui::NavNotifications),
        body,
    ))
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

#[derive(Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/notifications/{id}/read`.
pub async fn mark_read(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<Uuid>,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, ConsoleError> {
    signed.check(&form.csrf)?;
    let (caller, id) = (signed.caller.clone(), id.into_inner());
    state
        .run(move |conn| Ok(inbox::mark_read(conn, &caller, id)?))
        .await
        .map_err(signed.fail())?;
    Ok(back_to("/console/notifications"))
}

/// `POST /console/notifications/read-all`.
pub async fn mark_all_read(
    state: web::Data<AppState>,
    signed: Signed,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, ConsoleError> {
    signed.check(&form.csrf)?;
    signed
        .run(&state, move |conn, caller| {
            Ok(inbox::mark_all_read(conn, caller)?)
        })
        .await?;
    Ok(back_to("/console/notifications"))
}

/// 303 to `path`: after a form, the browser loads the page anew (a reload does not post again).
pub fn back_to(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, path))
        .finish()
}
