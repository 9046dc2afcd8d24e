//! The intake coordinator's pages: the district's triage queue, a signal, and its triage —
//! through the use cases of `GET /me/tasks?kind=triage`, `GET /signals/{id}` (with the child
//! the signal matched and its possible duplicates, `GET /children/{id}` and
//! `GET /children/{id}/possible-duplicates`) and `POST /signals/{id}/triage`, so scope checks,
//! audit, the protocol's deadlines and notices are theirs. An out-of-scope signal is 404.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::Caller;
use qorgau_app::children::{self, Found};
use qorgau_app::idempotency::Idempotency;
use qorgau_app::{AppError, signals};
use qorgau_domain::ids::{ChildId, SignalId};
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_domain::triage::{Decision, TriageInput, parse_triage};
use qorgau_domain::validation::FieldError;
use qorgau_persistence::{DbConnection, Page};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::console::inbox::{Cursor, back_to, due_cell, more, render, task_page};
use crate::console::layout::{self, Nav};
use crate::console::session::{ConsoleError, Signed};
use crate::dto::children::ChildView;
use crate::dto::signals::SignalView;
use crate::dto::tasks::{TaskView, TasksQuery};
use crate::error::ApiError;
use crate::labels::{Lang, Ui};
use crate::list::List;
use crate::state::AppState;

/// Possible duplicates shown beside the signal's child at most.
const DUPLICATES: usize = 5;

/// `GET /console/signals`: the signals awaiting triage in the caller's district — the
/// `triage` tasks, so earliest triage deadline first (the oldest and most urgent), overdue
/// marked, 50 a page.
pub async fn queue(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    query: web::Query<Cursor>,
) -> Result<HttpResponse, ConsoleError> {
    let wanted = TasksQuery {
        kind: Some("triage".into()),
        due_before: None,
    };
    let (list, total) = task_page(&state, &signed, &query, wanted).await?;
    let body = queue_table(signed.lang, &list, total);
    Ok(render(
        &signed,
        &req,
        Nav::Signals,
        signed.lang.t(Ui::NavSignals),
        body,
    ))
}

fn queue_table(lang: Lang, list: &List<TaskView>, total: i64) -> Markup {
    let t = |text| lang.t(text);
    html! {
        @if list.items.is_empty() { p { (t(Ui::QueueEmpty)) } }
        @else {
            p { (t(Ui::QueueTotal)) ": " strong { (total) } }
            table.queue {
                thead { tr {
                    th scope="col" { (t(Ui::Signal)) }
                    th scope="col" { (t(Ui::TriageDue)) }
                } }
                tbody {
                    @for task in &list.items {
                        tr.overdue[task.overdue] {
                            td {
                                @if let Some(signal) = task.signal_id {
                                    a href=(format!("/console/signals/{signal}")) { (task.subject) }
                                } @else { (task.subject) }
                            }
                            (due_cell(lang, task))
                        }
                    }
                }
            }
            (more(lang, "/console/signals", &list.next_cursor))
        }
    }
}

/// A signal, and the children the signal's child may be.
struct SignalFile {
    signal: SignalView,
    /// The registered child the signal matched (when the caller may see children).
    child: Option<ChildView>,
    duplicates: Vec<ChildView>,
}

fn optional<T>(found: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match found {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound | AppError::Denied) => Ok(None),
        Err(e) => Err(e),
    }
}

fn read_signal(
    conn: &mut DbConnection,
    caller: &qorgau_app::Caller,
    id: SignalId,
) -> Result<SignalFile, ApiError> {
    let signal = SignalView::try_from(signals::signal(conn, caller, id)?)?;
    let Some(child_id) = signal.child_id.map(ChildId) else {
        return Ok(SignalFile {
            signal,
            child: None,
            duplicates: vec![],
        });
    };
    let child = match optional(children::card(conn, caller, child_id))? {
        Some(Found::Card(card)) => Some(ChildView::try_from(*card)?),
        _ => None,
    };
    let page = Page {
        after: None,
        limit: DUPLICATES as i64 + 1,
    };
    let duplicates = match child {
        Some(_) => optional(children::possible_duplicates(conn, caller, child_id, &page))?
            .unwrap_or_default()
            .into_iter()
            .take(DUPLICATES)
            .map(ChildView::try_from)
            .collect::<Result<_, _>>()?,
        None => vec![],
    };
    Ok(SignalFile {
        signal,
        child,
        duplicates,
    })
}

#[derive(Deserialize)]
pub struct Shown {
    triaged: Option<String>,
}

/// `GET /console/signals/{id}`.
pub async fn signal_page(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    id: web::Path<Uuid>,
    shown: web::Query<Shown>,
) -> Result<HttpResponse, ConsoleError> {
    let id = SignalId(id.into_inner());
    let file = signed
        .run(&state, move |conn, caller| read_signal(conn, caller, id))
        .await?;
    let notice = shown
        .triaged
        .is_some()
        .then_some((Ui::SignalTriaged, false));
    let form = TriageForm::fresh();
    let response = signal_response(&signed, &req, &file, notice, &form, &[]);
    Ok(response)
}

fn signal_response(
    signed: &Signed,
    req: &HttpRequest,
    file: &SignalFile,
    notice: Option<(Ui, bool)>,
    form: &TriageForm,
    errors: &[FieldError],
) -> HttpResponse {
    let lang = signed.lang;
    let s = &file.signal;
    let body = html! {
        @if let Some((text, alert)) = notice { (layout::notice(lang.t(text), alert)) }
        (summary(signed, s))
        (children_side_by_side(lang, file))
        @if s.status == "received" { (triage_forms(signed, s.id, form, errors)) }
    };
    let title = format!("{} {}", lang.t(Ui::Signal), layout::short_id(s.id));
    render(signed, req, Nav::Signals, &title, body)
}

fn summary(signed: &Signed, s: &SignalView) -> Markup {
    let lang = signed.lang;
    let t = |text| lang.t(text);
    let concerns: Vec<&str> = s
        .concerns
        .iter()
        .map(|c| lang.code_label("concern", c))
        .collect();
    let overdue = s.status == "received" && s.triage_due_at < signed.caller.at;
    html! {
        dl.summary {
            dt { (t(Ui::Status)) } dd { (lang.code_label("signal_status", &s.status)) }
            dt { (t(Ui::Received)) } dd { (layout::when(s.received_at)) }
            dt { (t(Ui::TriageDue)) } dd {
                (layout::when(s.triage_due_at))
                @if overdue { " " strong.badge.overdue { (t(Ui::Overdue)) } }
            }
            dt { (t(Ui::Source)) } dd { (lang.code_label("signal_source", &s.source)) }
            dt { (t(Ui::Urgency)) } dd {
                @match &s.urgency {
                    Some(u) => span class=(format!("risk risk-{u}")) { (lang.code_label("risk_level", u)) },
                    None => (t(Ui::NotRecorded)),
                }
            }
            dt { (t(Ui::Concerns)) } dd { (concerns.join(", ")) }
            dt { (t(Ui::District)) } dd { (s.district_code) }
            @if let Some(at) = s.observed_at { dt { (t(Ui::ObservedAt)) } dd { (layout::when(at)) } }
            dt { (t(Ui::WhatWasReported)) } dd {
                @if s.hidden.iter().any(|h| h == "description") { em { (t(Ui::Withheld)) } }
                @else { (s.description) }
            }
            @if let Some(case) = s.case_id {
                dt { (t(Ui::Case)) } dd { a href=(format!("/console/cases/{case}")) { (t(Ui::Open)) } }
            }
            @if let Some(reason) = &s.screen_out_reason { dt { (t(Ui::Reason)) } dd { (reason) } }
        }
    }
}

/// A line of the side-by-side table: its label, the value as reported, the value of a child.
type Row = (Ui, Option<String>, fn(&ChildView) -> Option<String>);

/// The child as reported, the registered child it matched, and the children flagged as
/// possibly the same person, in columns.
fn children_side_by_side(lang: Lang, file: &SignalFile) -> Markup {
    let t = |text| lang.t(text);
    let reported = &file.signal.child;
    let text = |key: &str| {
        reported
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let or_none = |v: Option<String>| v.unwrap_or_else(|| t(Ui::NotRecorded).to_string());
    let reported_day = text("birth_date").map(|d| {
        chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_or(d, |d| d.format("%d.%m.%Y").to_string())
    });
    let shown: Vec<&ChildView> = file.child.iter().chain(&file.duplicates).collect();
    let rows: [Row; 5] = [
        (Ui::LastName, text("last_name"), |c| c.last_name.clone()),
        (Ui::FirstName, text("first_name"), |c| c.first_name.clone()),
        (Ui::BirthDate, reported_day, |c| {
            c.birth_date.map(|d| d.format("%d.%m.%Y").to_string())
        }),
        (Ui::Iin, text("iin"), |c| c.iin.clone()),
        (Ui::Address, text("address"), |c| c.address.clone()),
    ];
    html! {
        section aria-labelledby="child" {
            h2 #child { (t(Ui::Child)) }
            @if !file.duplicates.is_empty() { p { (t(Ui::PossibleDuplicates)) ": " strong { (file.duplicates.len()) } } }
            table.side-by-side {
                thead { tr {
                    td {}
                    th scope="col" { (t(Ui::AsReported)) }
                    @if let Some(c) = &file.child { th scope="col" { (t(Ui::RegisteredChild)) @if let Some(case) = c.open_case_id { " · " a href=(format!("/console/cases/{case}")) { (t(Ui::OpenCase)) } } } }
                    @for c in &file.duplicates {
                        th scope="col" { (t(Ui::PossibleDuplicate)) @if let Some(case) = c.open_case_id { " · " a href=(format!("/console/cases/{case}")) { (t(Ui::OpenCase)) } } }
                    }
                } }
                tbody {
                    @for (label, as_reported, of) in &rows {
                        tr {
                            th scope="row" { (t(*label)) }
                            td { (or_none(as_reported.clone())) }
                            @for c in &shown { td { (or_none(of(c))) } }
                        }
                    }
                }
            }
        }
    }
}

/// A triage form as sent: every field text, so that any input reaches the domain's parser.
#[derive(Deserialize, Default)]
pub struct TriageForm {
    #[serde(default)]
    csrf: String,
    /// A key made with the page: a second submission answers what the first did.
    #[serde(default)]
    retry: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    risk_level: String,
    #[serde(default)]
    case_id: String,
    #[serde(default)]
    reason: String,
}

impl TriageForm {
    fn fresh() -> TriageForm {
        TriageForm {
            retry: Uuid::new_v4().to_string(),
            ..TriageForm::default()
        }
    }

    /// The API's body for this form: an empty field is an absent one.
    fn input(&self) -> TriageInput {
        let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        TriageInput {
            decision: self.decision.clone(),
            risk_level: some(&self.risk_level),
            case_id: some(&self.case_id),
            reason: some(&self.reason),
            assignee_id: None,
        }
    }

    fn retry_key(&self, signal: SignalId) -> Option<Idempotency> {
        let key = self.retry.trim();
        let fields = [
            signal.to_string(),
            self.decision.clone(),
            self.risk_level.clone(),
            self.case_id.clone(),
            self.reason.clone(),
        ];
        let digest = Sha256::digest(fields.join("\u{1f}").as_bytes());
        ((1..=200).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())).then(|| {
            Idempotency {
                key: format!("console:{key}"),
                request_hash: digest.iter().map(|b| format!("{b:02x}")).collect(),
            }
        })
    }
}

/// `POST /console/signals/{id}/triage`: the REST triage's use case; bad input shows the
/// signal again with the sent form's fields named, a signal triaged meanwhile says so (409).
pub async fn triage(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    id: web::Path<Uuid>,
    form: web::Form<TriageForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed.check(&form.csrf)?;
    let id = SignalId(id.into_inner());
    let (errors, status) = match parse_triage(form.input()) {
        Err(fields) => (fields, StatusCode::UNPROCESSABLE_ENTITY),
        Ok(decision) => {
            let work = move |c: &mut DbConnection, app: &qorgau_app::App, caller: &Caller| {
                signals::triage_signal(c, app, caller, id, decision)
            };
            let render = |s: signals::Signal| Ok((303, s.row.id.to_string()));
            let (caller, key) = (signed.caller.clone(), form.retry_key(id));
            let done = state.run_once(caller, key, work, render).await;
            match done {
                Ok(_) => return Ok(back_to(&format!("/console/signals/{id}?triaged=1"))),
                Err(ApiError::Validation(fields)) => (fields, StatusCode::UNPROCESSABLE_ENTITY),
                Err(ApiError::Conflict { .. }) => (vec![], StatusCode::CONFLICT),
                Err(e) => return Err(signed.fail()(e)),
            }
        }
    };
    refused(&state, &signed, &req, id, form.into_inner(), errors, status).await
}

/// The signal again, as it is now, with the form as sent and why it was refused.
async fn refused(
    state: &AppState,
    signed: &Signed,
    req: &HttpRequest,
    id: SignalId,
    mut form: TriageForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let file = signed
        .run(state, move |conn, caller| read_signal(conn, caller, id))
        .await?;
    let notice = match status {
        StatusCode::CONFLICT => Ui::TriageConflict,
        _ => Ui::FormErrors,
    };
    form.retry = Uuid::new_v4().to_string();
    let mut response = signal_response(signed, req, &file, Some((notice, true)), &form, &errors);
    *response.status_mut() = status;
    Ok(response)
}

/// The message of `field` in the form's language, if the domain refused it.
fn field_error(lang: Lang, errors: &[FieldError], field: &str) -> Option<&'static str> {
    errors.iter().find(|e| e.field == field).map(|_| {
        lang.t(match field {
            "risk_level" => Ui::InvalidRiskLevel,
            "case_id" => Ui::InvalidCaseId,
            "reason" => Ui::InvalidReason,
            _ => Ui::InvalidValue,
        })
    })
}

/// The three triage forms: open a case, link to the child's open case, screen out. The one
/// sent comes back as typed, with its refused fields marked.
fn triage_forms(signed: &Signed, signal: Uuid, form: &TriageForm, errors: &[FieldError]) -> Markup {
    let lang = signed.lang;
    let t = |text| lang.t(text);
    let sent = |d: Decision| form.decision == d.as_str();
    // Field ids are unique on the page: the decision's code before the field's name.
    let field = |d: Decision, name: &str| format!("{}-{name}", d.as_str());
    let error =
        |d: Decision, name: &str| sent(d).then(|| field_error(lang, errors, name)).flatten();
    let invalid = |d: Decision, name: &str| error(d, name).map(|_| "true");
    let described =
        |d: Decision, name: &str| error(d, name).map(|_| format!("{}-error", field(d, name)));
    let message = |d: Decision, name: &str| {
        html! {
            @if let Some(text) = error(d, name) { span.field-error id=(format!("{}-error", field(d, name))) { (text) } }
        }
    };
    let risk = |d: Decision, required: bool| {
        html! {
            p {
                label for=(field(d, "risk_level")) { (t(Ui::RiskLevel)) }
                (message(d, "risk_level"))
                select id=(field(d, "risk_level")) name="risk_level" required[required]
                    aria-invalid=[invalid(d, "risk_level")] aria-describedby=[described(d, "risk_level")] {
                    option value="" { (t(if required { Ui::Choose } else { Ui::Unchanged })) }
                    @for r in RiskLevel::ALL {
                        option value=(r.as_str()) selected[sent(d) && form.risk_level == r.as_str()] { (lang.code_label("risk_level", r.as_str())) }
                    }
                }
            }
        }
    };
    let head = |d: Decision| {
        html! {
            (layout::token(&signed.form_token))
            input type="hidden" name="retry" value=(form.retry);
            input type="hidden" name="decision" value=(d.as_str());
        }
    };
    let action = format!("/console/signals/{signal}/triage");
    html! {
        section aria-labelledby="triage" {
            h2 #triage { (t(Ui::Triage)) }
            form.record-form method="post" action=(action) novalidate aria-labelledby="open_case" {
                h3 #open_case { (lang.code_label("triage_decision", "open_case")) }
                (head(Decision::OpenCase))
                (risk(Decision::OpenCase, true))
                p { button type="submit" { (lang.code_label("triage_decision", "open_case")) } }
            }
            form.record-form method="post" action=(action) novalidate aria-labelledby="link_case" {
                h3 #link_case { (lang.code_label("triage_decision", "link_case")) }
                (head(Decision::LinkCase))
                p {
                    label for="link_case-case_id" { (t(Ui::CaseId)) }
                    (message(Decision::LinkCase, "case_id"))
                    input #link_case-case_id type="text" name="case_id" required
                        value=(if sent(Decision::LinkCase) { form.case_id.as_str() } else { "" })
                        aria-invalid=[invalid(Decision::LinkCase, "case_id")] aria-describedby=[described(Decision::LinkCase, "case_id")];
                }
                (risk(Decision::LinkCase, false))
                p { button type="submit" { (lang.code_label("triage_decision", "link_case")) } }
            }
            form.record-form method="post" action=(action) novalidate aria-labelledby="screen_out" {
                h3 #screen_out { (lang.code_label("triage_decision", "screen_out")) }
                (head(Decision::ScreenOut))
                p {
                    label for="screen_out-reason" { (t(Ui::Reason)) }
                    (message(Decision::ScreenOut, "reason"))
                    textarea #screen_out-reason name="reason" rows="3" required maxlength="2000"
                        aria-invalid=[invalid(Decision::ScreenOut, "reason")] aria-describedby=[described(Decision::ScreenOut, "reason")] {
                        @if sent(Decision::ScreenOut) { (form.reason) }
                    }
                }
                p { button type="submit" { (lang.code_label("triage_decision", "screen_out")) } }
            }
        }
    }
}
