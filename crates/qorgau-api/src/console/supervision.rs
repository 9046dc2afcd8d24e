//! The supervisor's pages: the region dashboard — caseload per case manager, overdue work and
//! the plans awaiting a decision — and the decision on a plan, through the use cases of
//! `GET /supervision/caseload`, `GET /supervision/overdue`, `GET /me/tasks?kind=plan_decision`,
//! `GET /cases/{id}/plan` and `POST /cases/{id}/plan/approval` (version-checked here).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::area::AreaAsked;
use qorgau_app::cases::case_card;
use qorgau_app::supervision::{self, OverdueAsked};
use qorgau_app::{plans, tasks};
use qorgau_domain::ids::CaseId;
use qorgau_domain::plan::{PlanDecisionInput, parse_decision};
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_domain::validation::FieldError;
use qorgau_persistence::{DbConnection, Page};
use serde::Deserialize;
use uuid::Uuid;

use crate::console::cases::plan;
use crate::console::inbox::{back_to, render};
use crate::console::layout::{self, Nav};
use crate::console::session::{ConsoleError, Signed};
use crate::dto::case_work::PlanView;
use crate::dto::cases::CaseView;
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
    let body = html! {
        (caseload(signed.lang, &board.caseload))
        (overdue(signed.lang, &board.overdue))
        (plans_awaiting(signed.lang, &board.plans))
    };
    let title = signed.lang.t(Ui::NavSupervision);
    Ok(render(&signed, &req, Nav::Supervision, title, body))
}

fn cases_of(manager: Uuid, filter: &str) -> String {
    format!("/console/cases?assignee_id={manager}{filter}")
}

fn caseload(lang: Lang, c: &CaseloadView) -> Markup {
    let t = |text| lang.t(text);
    html! {
        section aria-labelledby="caseload" {
            h2 #caseload { (t(Ui::Caseload)) }
            p { (t(Ui::SignalsAwaitingTriage)) ": " strong { (c.signals_awaiting_triage) } " · "
                (t(Ui::UnassignedCases)) ": " strong { (c.unassigned_cases) } }
            @if c.managers.is_empty() { p { (t(Ui::NoneYet)) } }
            @else {
                table.caseload {
                    thead { tr {
                        th scope="col" { (t(Ui::CaseManager)) }
                        th scope="col" { (t(Ui::OpenCases)) }
                        @for r in RiskLevel::ALL { th scope="col" { (lang.code_label("risk_level", r.as_str())) } }
                        th scope="col" { (t(Ui::Overdue)) }
                    } }
                    tbody { @for m in &c.managers {
                        tr {
                            th scope="row" { (m.full_name) }
                            td { a href=(cases_of(m.user_id, "")) { (m.open_cases) } }
                            @for (r, n) in RiskLevel::ALL.iter().zip([m.by_risk.critical, m.by_risk.high, m.by_risk.medium, m.by_risk.low]) {
                                td { a href=(cases_of(m.user_id, &format!("&risk_level={}", r.as_str()))) { (n) } }
                            }
                            td { a href=(cases_of(m.user_id, "&overdue=on")) { (m.overdue) } }
                        }
                    } }
                }
            }
        }
    }
}

fn overdue(lang: Lang, rows: &[OverdueView]) -> Markup {
    let t = |text| lang.t(text);
    html! {
        section aria-labelledby="overdue" {
            h2 #overdue { (t(Ui::OverdueWork)) }
            @if rows.is_empty() { p { (t(Ui::NoneYet)) } }
            @else {
                table { thead { tr { th scope="col" { (t(Ui::CaseNumber)) } th scope="col" { (t(Ui::Kind)) } th scope="col" { (t(Ui::Due)) } } }
                    tbody { @for o in rows {
                        tr.overdue {
                            td { a href=(format!("/console/cases/{}", o.case_id)) { (o.case_number) } }
                            td { (lang.code_label("deadline_kind", &o.kind)) }
                            td { (layout::when(o.due_at)) " " strong.badge.overdue { (t(Ui::Overdue)) } }
                        }
                    } }
                }
            }
        }
    }
}

fn plans_awaiting(lang: Lang, tasks: &[TaskView]) -> Markup {
    let t = |text| lang.t(text);
    html! {
        section aria-labelledby="plans" {
            h2 #plans { (t(Ui::PlansAwaiting)) }
            @if tasks.is_empty() { p { (t(Ui::NoneYet)) } }
            @else {
                table { thead { tr { th scope="col" { (t(Ui::CaseNumber)) } th scope="col" { (t(Ui::Due)) } th scope="col" { (t(Ui::Decision)) } } }
                    tbody { @for task in tasks {
                        tr.overdue[task.overdue] {
                            td { @if let Some(case) = task.case_id { a href=(format!("/console/cases/{case}")) { (task.subject) } } @else { (task.subject) } }
                            td {
                                @match task.due_at { Some(at) => (layout::when(at)), None => (t(Ui::NoDue)) }
                                @if task.overdue { " " strong.badge.overdue { (t(Ui::Overdue)) } }
                            }
                            td { @if let Some(case) = task.case_id { a href=(format!("/console/cases/{case}/plan")) { (t(Ui::DecidePlan)) } } }
                        }
                    } }
                }
            }
        }
    }
}

/// The case and its plan, as read for a decision.
struct PlanFile {
    case: CaseView,
    plan: PlanView,
}

fn read_plan(
    conn: &mut DbConnection,
    caller: &qorgau_app::Caller,
    id: CaseId,
) -> Result<PlanFile, ApiError> {
    Ok(PlanFile {
        case: CaseView::try_from(case_card(conn, caller, id)?)?,
        plan: PlanView::try_from(plans::plan_of(conn, caller, id)?)?,
    })
}

#[derive(Deserialize)]
pub struct Shown {
    decided: Option<String>,
}

/// `GET /console/cases/{id}/plan`: the plan, and for a draft the approve and return forms.
pub async fn plan_page(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    id: web::Path<Uuid>,
    shown: web::Query<Shown>,
) -> Result<HttpResponse, ConsoleError> {
    let id = CaseId(id.into_inner());
    let file = signed
        .run(&state, move |conn, caller| read_plan(conn, caller, id))
        .await?;
    let notice = shown.decided.is_some().then_some((Ui::PlanDecided, false));
    let form = DecisionForm {
        revision: file.plan.revision.to_string(),
        ..DecisionForm::default()
    };
    Ok(plan_response(&signed, &req, &file, notice, &form, &[]))
}

fn plan_response(
    signed: &Signed,
    req: &HttpRequest,
    file: &PlanFile,
    notice: Option<(Ui, bool)>,
    form: &DecisionForm,
    errors: &[FieldError],
) -> HttpResponse {
    let lang = signed.lang;
    let title = format!("{} {}", lang.t(Ui::Case), file.case.number);
    let body = html! {
        @if let Some((text, alert)) = notice { (layout::notice(lang.t(text), alert)) }
        p { a href=(format!("/console/cases/{}", file.case.id)) { (lang.t(Ui::Case)) " " (file.case.number) } }
        (plan(lang, Some(&file.plan)))
        @if file.plan.status == "draft" { (decision_forms(signed, file.case.id, form, errors)) }
    };
    render(signed, req, Nav::Supervision, &title, body)
}

/// The decision form as sent.
#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    /// The plan's revision the form was made from.
    #[serde(default)]
    revision: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /console/cases/{id}/plan/decision`: approve or return with a note, from the plan's
/// revision the form was made from — a plan changed since is refused, nothing decided.
pub async fn decide_plan(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    id: web::Path<Uuid>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed.check(&form.csrf)?;
    let id = CaseId(id.into_inner());
    let refusal = match decide(&state, &signed, id, &form).await {
        Ok(()) => return Ok(back_to(&format!("/console/cases/{id}/plan?decided=1"))),
        Err(ApiError::PreconditionFailed) => (Ui::StalePlan, vec![], StatusCode::CONFLICT),
        Err(ApiError::Validation(fields)) => {
            (Ui::FormErrors, fields, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ApiError::Conflict { .. }) => (Ui::NoDraftPlan, vec![], StatusCode::CONFLICT),
        Err(e) => return Err(signed.fail()(e)),
    };
    refused(&state, &signed, &req, id, form.into_inner(), refusal).await
}

/// The REST approval's use case, from the revision the form was made from.
async fn decide(
    state: &AppState,
    signed: &Signed,
    id: CaseId,
    form: &DecisionForm,
) -> Result<(), ApiError> {
    let decision = parse_decision(PlanDecisionInput {
        decision: form.decision.clone(),
        note: Some(form.note.clone()).filter(|n| !n.trim().is_empty()),
    })?;
    // A revision that does not parse is no revision the plan had: stale.
    let expected = form.revision.trim().parse::<i64>().unwrap_or(-1);
    let (app, caller) = (state.app.clone(), signed.caller.clone());
    state
        .run(move |conn| {
            plans::decide_plan(conn, &app, &caller, id, Some(expected), decision)?;
            Ok(())
        })
        .await
}

/// The plan again, as it is now, with the form as sent (standing on the revision shown now).
async fn refused(
    state: &AppState,
    signed: &Signed,
    req: &HttpRequest,
    id: CaseId,
    mut form: DecisionForm,
    (notice, errors, status): (Ui, Vec<FieldError>, StatusCode),
) -> Result<HttpResponse, ConsoleError> {
    let file = signed
        .run(state, move |conn, caller| read_plan(conn, caller, id))
        .await?;
    if status == StatusCode::CONFLICT {
        form.revision = file.plan.revision.to_string();
    }
    let mut response = plan_response(signed, req, &file, Some((notice, true)), &form, &errors);
    *response.status_mut() = status;
    Ok(response)
}

/// Approve (an optional note) and return (a note required), each its own form.
fn decision_forms(
    signed: &Signed,
    case: Uuid,
    form: &DecisionForm,
    errors: &[FieldError],
) -> Markup {
    let lang = signed.lang;
    let t = |text| lang.t(text);
    let action = format!("/console/cases/{case}/plan/decision");
    let note_error = |decision: &str| {
        (form.decision == decision && errors.iter().any(|e| e.field == "note")).then(|| {
            t(if decision == "reject" {
                Ui::InvalidReturnNote
            } else {
                Ui::InvalidNote
            })
        })
    };
    let note = |decision: &str, label: Ui| {
        let id = format!("{decision}-note");
        let error = note_error(decision);
        html! {
            p {
                label for=(id) { (t(label)) }
                @if let Some(text) = error { span.field-error id=(format!("{id}-error")) { (text) } }
                textarea id=(id) name="note" rows="3" maxlength="2000" required[decision == "reject"]
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| format!("{id}-error"))] {
                    @if form.decision == decision { (form.note) }
                }
            }
        }
    };
    html! {
        section aria-labelledby="decision" {
            h2 #decision { (t(Ui::DecidePlan)) }
            form.record-form method="post" action=(action) novalidate {
                (layout::token(&signed.form_token))
                input type="hidden" name="revision" value=(form.revision);
                input type="hidden" name="decision" value="approve";
                (note("approve", Ui::NoteOptional))
                p { button type="submit" { (t(Ui::ApprovePlan)) } }
            }
            form.record-form method="post" action=(action) novalidate {
                (layout::token(&signed.form_token))
                input type="hidden" name="revision" value=(form.revision);
                input type="hidden" name="decision" value="reject";
                (note("reject", Ui::ReturnNote))
                p { button type="submit" { (t(Ui::ReturnPlan)) } }
            }
        }
    }
}
