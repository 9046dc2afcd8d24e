//! The intake coordinator's pages: the district's triage queue, a signal, and its triage —
//! through the use cases of `GET /me/tasks?kind=triage`, `GET /signals/{id}` (with the child
//! the signal matched and its possible duplicates, `GET /children/{id}` and
//! `GET /children/{id}/possible-duplicates`) and `POST /signals/{id}/triage`, so scope checks,
//! audit, the protocol's deadlines and notices are theirs. An out-of-scope signal is 404.

use actix_web::HttpResponse;
use maud::{Markup, html};
use qorgau_app::children::{self, Found};
use qorgau_app::{Caller, signals};
use qorgau_domain::ids::{ChildId, SignalId};
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_domain::triage::{Decision, TriageInput, parse_triage};
use qorgau_domain::validation::FieldError;
use qorgau_persistence::{DbConnection, Page};
use uuid::Uuid;

use crate::console::case_page::optional;
use crate::console::fields::Fields;
use crate::console::form::{Command, FormPage, Said, Sent, View};
use crate::console::inbox::{due_cell, subject_cell, task_page};
use crate::console::layout::{self, Nav};
use crate::console::listing::{Cursor, ListPage, Listed, counted};
use crate::console::session::Signed;
use crate::console::values::{Values, new_retry};
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
pub struct Queue;

impl ListPage for Queue {
    type Query = Cursor;
    const NAV: (Nav, Ui) = (Nav::Signals, Ui::NavSignals);

    async fn list(state: &AppState, signed: &Signed, query: Cursor) -> Listed {
        let wanted = TasksQuery {
            kind: Some("triage".into()),
            due_before: None,
        };
        let (list, total) = task_page(state, signed, &query, wanted).await?;
        Ok(queue_table(signed.lang, &list, total))
    }
}

fn queue_table(lang: Lang, list: &List<TaskView>, total: i64) -> Markup {
    let heads = [Ui::Signal, Ui::TriageDue];
    let rows = layout::table(lang, "queue", &heads, Ui::QueueEmpty, &list.items, |task| {
        html! {
            tr.overdue[task.overdue] {
                (subject_cell(task, task.signal_id.map(|s| format!("/console/signals/{s}"))))
                (due_cell(lang, task))
            }
        }
    });
    counted(lang, Ui::QueueTotal, total, rows, "/console/signals", list)
}

/// A signal, and the children the signal's child may be.
pub struct SignalFile {
    signal: SignalView,
    /// The registered child the signal matched (when the caller may see children).
    child: Option<ChildView>,
    duplicates: Vec<ChildView>,
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

impl FormPage for SignalFile {
    type Id = SignalId;

    fn path(id: SignalId) -> String {
        format!("/console/signals/{id}")
    }

    fn read(
        conn: &mut DbConnection,
        _: &qorgau_app::App,
        caller: &Caller,
        id: SignalId,
    ) -> Result<SignalFile, ApiError> {
        read_signal(conn, caller, id)
    }

    fn render(&self, view: &View) -> HttpResponse {
        let (signed, lang) = (view.signed, view.signed.lang);
        let s = &self.signal;
        let body = html! {
            (view.notice())
            (summary(signed, s))
            (children_side_by_side(lang, self))
            @if s.status == "received" { (triage_forms(signed, s.id, view.sent)) }
        };
        let title = format!("{} {}", lang.t(Ui::Signal), layout::short_id(s.id));
        layout::render(signed, view.req, Nav::Signals, &title, body)
    }

    fn fresh(&self, _: &Signed, _: &str) -> Values {
        Values::default().with("retry", new_retry())
    }

    fn says(form: &str, what: Said) -> Option<Ui> {
        (form == FORM).then_some(match what {
            Said::Saved => Ui::SignalTriaged,
            // A signal is triaged once: the form sent after is refused, whoever triaged it.
            Said::Stale | Said::NotAllowed => Ui::TriageConflict,
        })
    }

    /// The REST triage's use case, once per retry key.
    fn command(
        form: &str,
        _: &Signed,
        id: SignalId,
        v: &Values,
    ) -> Option<Result<Command, Vec<FieldError>>> {
        (form == FORM).then(|| {
            let decision = parse_triage(TriageInput {
                decision: v.get("decision").into(),
                risk_level: v.some("risk_level"),
                case_id: v.some("case_id"),
                reason: v.some("reason"),
                assignee_id: None,
            })?;
            let key = v.retry_key(&format!("triage {id}"));
            Ok(Command::new(move |conn, app, caller| {
                signals::triage_signal(conn, app, caller, id, decision)
            })
            .once(key))
        })
    }
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

/// The triage forms' name.
const FORM: &str = "triage";

/// The longest screen-out reason, as the domain's triage bounds it.
const REASON_MAX: usize = 2_000;

/// The three triage forms: open a case, link to the child's open case, screen out. The one
/// sent comes back as typed, with its refused fields marked (each form's fields' ids begin with
/// its decision's code).
fn triage_forms(signed: &Signed, signal: Uuid, sent: Option<&Sent>) -> Markup {
    let lang = signed.lang;
    let t = |text| lang.t(text);
    let sent = sent.filter(|s| s.form == FORM);
    let fresh = Values::default().with("retry", new_retry());
    let none = Values::default();
    let retry = sent.map_or(&fresh, |s| &s.values);
    let risks = RiskLevel::ALL.map(RiskLevel::as_str);
    let action = format!("/console/signals/{signal}/triage");
    let form = |d: Decision, body: &dyn Fn(&Fields) -> Markup| {
        let shown = match sent.filter(|s| s.values.get("decision") == d.as_str()) {
            Some(s) => (&s.values, s.errors.as_slice()),
            None => (&none, &[][..]),
        };
        let f = Fields::new(lang, d.as_str(), shown, &[]);
        let title = lang.code_label("triage_decision", d.as_str());
        html! {
            form.record-form method="post" action=(action) novalidate aria-labelledby=(d.as_str()) {
                h3 id=(d.as_str()) { (title) }
                (layout::token(&signed.form_token))
                input type="hidden" name="retry" value=(retry.get("retry"));
                input type="hidden" name="decision" value=(d.as_str());
                (body(&f))
                p { button type="submit" { (title) } }
            }
        }
    };
    html! {
        section aria-labelledby="triage" {
            h2 #triage { (t(Ui::Triage)) }
            (form(Decision::OpenCase, &|f| f.codes("risk_level", t(Ui::RiskLevel), Ui::Choose, "risk_level", &risks)))
            (form(Decision::LinkCase, &|f| html! {
                (f.input("case_id", t(Ui::CaseId), "text"))
                (f.codes("risk_level", t(Ui::RiskLevel), Ui::Unchanged, "risk_level", &risks))
            }))
            (form(Decision::ScreenOut, &|f| f.textarea("reason", t(Ui::Reason), REASON_MAX)))
        }
    }
}
