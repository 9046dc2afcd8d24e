//! The dashboard's view of the region's work: caseload per case manager (each count a link to
//! the cases behind it), overdue work and the plans awaiting a decision — through the use cases
//! of `GET /supervision/caseload`, `GET /supervision/overdue` and
//! `GET /me/tasks?kind=plan_decision`. The decision on a plan is on the plan's page
//! (`plan_page`).

use maud::{Markup, html};
use qorgau_app::area::AreaAsked;
use qorgau_app::supervision::{self, OverdueAsked};
use qorgau_app::{App, Caller, tasks};
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_persistence::{DbConnection, Page};
use uuid::Uuid;

use super::SHOWN;
use crate::console::inbox::{due_cell, subject_cell};
use crate::console::layout;
use crate::dto::supervision::{CaseloadView, OverdueView};
use crate::dto::tasks::{TaskView, TasksQuery};
use crate::dto::views;
use crate::error::ApiError;
use crate::labels::{Lang, Ui};

/// The caller's whole scope (the supervisor's region).
fn everywhere() -> AreaAsked {
    AreaAsked {
        region_code: None,
        district_code: None,
    }
}

pub struct Board {
    caseload: CaseloadView,
    overdue: Vec<OverdueView>,
    plans: Vec<TaskView>,
}

/// The region's work; a caller who is no supervisor is refused here (403), as
/// `GET /supervision/caseload` refuses them.
pub fn read(conn: &mut DbConnection, app: &App, caller: &Caller) -> Result<Board, ApiError> {
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
    Ok(Board {
        caseload,
        overdue,
        plans,
    })
}

pub fn render(lang: Lang, board: &Board) -> Markup {
    html! {
        (layout::section("caseload", lang.t(Ui::Caseload), caseload(lang, &board.caseload)))
        (layout::section("overdue", lang.t(Ui::OverdueWork), overdue(lang, &board.overdue)))
        (layout::section("plans", lang.t(Ui::PlansAwaiting), plans_awaiting(lang, &board.plans)))
    }
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
