//! The supervisor's region dashboard — caseload per case manager, overdue work and the plans
//! awaiting a decision — through the use cases of `GET /supervision/caseload`,
//! `GET /supervision/overdue` and `GET /me/tasks?kind=plan_decision`. The decision on a plan is
//! on the plan's page (`plan_page`).

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::area::AreaAsked;
use qorgau_app::supervision::{self, OverdueAsked};
use qorgau_app::tasks;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_persistence::{DbConnection, Page};
use uuid::Uuid;

use crate::console::inbox::{due_cell, subject_cell};
use crate::console::layout::{self, Nav};
use crate::console::session::{ConsoleError, Signed};
use crate::dto::supervision::{CaseloadView, OverdueView};
use crate::dto::tasks::{TaskView, TasksQuery};
use crate::dto::views;
use crate::error::ApiError;
use crate::labels::{Lang, Ui};
use crate::state::AppState;

/// Rows of overdue work and of plans awaiting a decision the dashboard shows at most.
const SHOWN: i64 = 20;

/// The caller's whole scope (the supervisor's region).
fn everywhere() -> AreaAsked {
    AreaAsked {
        region_code: None,
        district_code: None,
    }
}

struct Dashboard {
    caseload: CaseloadView,
    overdue: Vec<OverdueView>,
    plans: Vec<TaskView>,
}

fn read_dashboard(
    conn: &mut DbConnection,
    app: &qorgau_app::App,
    caller: &qorgau_app::Caller,
) -> Result<Dashboard, ApiError> {
    let caseload =
        CaseloadView::try_from(supervision::caseload(conn, app, caller, &everywhere())?)?;
    let asked = OverdueAsked {
        area: everywhere(),
        assignee_id: None,
        after: None,
        limit: SHOWN,
    };
    let overdue = views(supervision::overdue(conn, app, caller, &asked)?)?;
    let page = Page {
        after: None,
        limit: SHOWN,
    };
    let wanted = TasksQuery {
        kind: Some("plan_decision".into()),
        due_before: None,
    };
    let plans = tasks::mine(conn, app, caller, &wanted.asked(&page)?)?.items;
    let plans = plans
        .into_iter()
        .map(TaskView::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Dashboard {
        caseload,
        overdue,
        plans,
    })
}

/// `GET /console/supervision`: the region dashboard.
pub async fn dashboard(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let (app, caller) = (state.app.clone(), signed.caller.clone());
    let board = state
        .run(move |conn| read_dashboard(conn, &app, &caller))
        .await
        .map_err(signed.fail())?;
    let lang = signed.lang;
    let body = html! {
        (layout::section("caseload", lang.t(Ui::Caseload), caseload(lang, &board.caseload)))
        (layout::section("overdue", lang.t(Ui::OverdueWork), overdue(lang, &board.overdue)))
        (layout::section("plans", lang.t(Ui::PlansAwaiting), plans_awaiting(lang, &board.plans)))
    };
    let title = signed.lang.t(Ui::NavSupervision);
    Ok(layout::render(&signed, &req, Nav::Supervision, title, body))
}

fn cases_of(manager: Uuid, filter: &str) -> String {
    format!("/console/cases?assignee_id={manager}{filter}")
}

fn caseload(lang: Lang, c: &CaseloadView) -> Markup {
    let t = |text| lang.t(text);
    let risks = RiskLevel::ALL;
    html! {
        p { (t(Ui::SignalsAwaitingTriage)) ": " strong { (c.signals_awaiting_triage) } " · "
            (t(Ui::UnassignedCases)) ": " strong { (c.unassigned_cases) } }
        @if c.managers.is_empty() { p { (t(Ui::NoneYet)) } }
        @else {
            table.caseload {
                thead { tr {
                    th scope="col" { (t(Ui::CaseManager)) }
                    th scope="col" { (t(Ui::OpenCases)) }
                    @for r in risks { th scope="col" { (lang.code_label("risk_level", r.as_str())) } }
                    th scope="col" { (t(Ui::Overdue)) }
                } }
                tbody { @for m in &c.managers {
                    tr {
                        th scope="row" { (m.full_name) }
                        td { a href=(cases_of(m.user_id, "")) { (m.open_cases) } }
                        @for (r, n) in risks.iter().zip([m.by_risk.critical, m.by_risk.high, m.by_risk.medium, m.by_risk.low]) {
                            td { a href=(cases_of(m.user_id, &format!("&risk_level={}", r.as_str()))) { (n) } }
                        }
                        td { a href=(cases_of(m.user_id, "&overdue=on")) { (m.overdue) } }
                    }
                } }
            }
        }
    }
}

fn overdue(lang: Lang, rows: &[OverdueView]) -> Markup {
    let heads = [Ui::CaseNumber, Ui::Kind, Ui::Due];
    layout::table(lang, "", &heads, Ui::NoneYet, rows, |o| {
        html! {
            tr.overdue {
                td { a href=(format!("/console/cases/{}", o.case_id)) { (o.case_number) } }
                td { (lang.code_label("deadline_kind", &o.kind)) }
                td { (layout::when(o.due_at)) (layout::overdue(lang)) }
            }
        }
    })
}

fn plans_awaiting(lang: Lang, tasks: &[TaskView]) -> Markup {
    let heads = [Ui::CaseNumber, Ui::Due, Ui::Decision];
    layout::table(lang, "", &heads, Ui::NoneYet, tasks, |task| {
        html! {
            tr.overdue[task.overdue] {
                (subject_cell(task, task.case_id.map(|c| format!("/console/cases/{c}"))))
                (due_cell(lang, task))
                td { @if let Some(case) = task.case_id { a href=(format!("/console/cases/{case}/plan")) { (lang.t(Ui::DecidePlan)) } } }
            }
        }
    })
}
