//! The individual plan's page (`GET /console/cases/{id}/plan`): the plan's latest version,
//! and for a draft, to whoever may decide plans, the **decision** (`POST …/plan/decision`):
//! approve with an optional note or return with one, through `POST /cases/{id}/plan/approval`'s
//! use case, from the plan's revision the form was made from — a plan changed since is refused
//! and nothing decided.

use actix_web::HttpResponse;
use maud::{Markup, html};
use qorgau_app::Caller;
use qorgau_app::cases::case_card;
use qorgau_app::plans;
use qorgau_domain::access::Action;
use qorgau_domain::ids::CaseId;
use qorgau_domain::plan::{DESCRIPTION_MAX, PlanDecisionInput, parse_decision};
use qorgau_domain::validation::FieldError;
use qorgau_persistence::DbConnection;

use crate::console::fields::Fields;
use crate::console::form::{Command, FormPage, Said, Sent, View};
use crate::console::layout::{self, Nav, section};
use crate::console::records;
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::dto::case_work::PlanView;
use crate::dto::cases::CaseView;
use crate::error::ApiError;
use crate::labels::Ui;

/// The case and its plan.
pub struct PlanFile {
    case: CaseView,
    plan: PlanView,
}

impl PlanFile {
    /// Approve (an optional note) and return (a note required), each its own form; the one
    /// sent comes back as typed (each form's fields' ids begin with its decision).
    fn decision_forms(&self, signed: &Signed, sent: Option<&Sent>) -> Markup {
        let t = |text| signed.lang.t(text);
        let fresh = self.fresh(signed, "decision");
        let revision = Sent::shown(sent, "decision", &fresh).0.get("revision");
        let action = format!("/console/cases/{}/plan/decision", self.case.id);
        let none = Values::default();
        let form = |decision: &str, label: Ui, button: Ui| {
            let sent = sent.filter(|s| s.values.get("decision") == decision);
            let shown = Sent::shown(sent, "decision", &none);
            let required: &[&str] = if decision == "reject" { &["note"] } else { &[] };
            let f = Fields::new(signed.lang, decision, shown, required);
            html! {
                form.record-form method="post" action=(action) novalidate {
                    (layout::token(&signed.form_token))
                    input type="hidden" name="revision" value=(revision);
                    input type="hidden" name="decision" value=(decision);
                    (f.textarea("note", t(label), DESCRIPTION_MAX))
                    p { button type="submit" { (t(button)) } }
                }
            }
        };
        section(
            "decision",
            t(Ui::DecidePlan),
            html! {
                (form("approve", Ui::NoteOptional, Ui::ApprovePlan))
                (form("reject", Ui::ReturnNote, Ui::ReturnPlan))
            },
        )
    }
}

/// Whether the caller's role may do `action` at all (the use case checks the case itself).
fn may(signed: &Signed, action: Action) -> bool {
    signed.caller.actor.scope(action).is_ok()
}

impl FormPage for PlanFile {
    type Id = CaseId;

    fn path(id: CaseId) -> String {
        format!("/console/cases/{id}/plan")
    }

    fn read(conn: &mut DbConnection, caller: &Caller, id: CaseId) -> Result<PlanFile, ApiError> {
        Ok(PlanFile {
            case: CaseView::try_from(case_card(conn, caller, id)?)?,
            plan: PlanView::try_from(plans::plan_of(conn, caller, id)?)?,
        })
    }

    fn render(&self, view: &View) -> HttpResponse {
        let (signed, lang) = (view.signed, view.signed.lang);
        let t = |text| lang.t(text);
        let draft = self.plan.status == "draft";
        let deciding = may(signed, Action::DecidePlan);
        let body = html! {
            (view.notice())
            p { a href=(format!("/console/cases/{}", self.case.id)) { (t(Ui::Case)) " " (self.case.number) } }
            (section("plan", t(Ui::Plan), records::plan(lang, Some(&self.plan))))
            @if draft && deciding { (self.decision_forms(signed, view.sent)) }
        };
        let title = format!("{} — {} {}", t(Ui::Plan), t(Ui::Case), self.case.number);
        let nav = if deciding {
            Nav::Supervision
        } else {
            Nav::Cases
        };
        layout::render(signed, view.req, nav, &title, body)
    }

    fn fresh(&self, _: &Signed, _: &str) -> Values {
        Values::default().with("revision", self.plan.revision.to_string())
    }

    fn says(form: &str, what: Said) -> Option<Ui> {
        Some(match (form, what) {
            ("decision", Said::Saved) => Ui::PlanDecided,
            ("decision", Said::Stale) => Ui::StalePlan,
            ("decision", Said::NotAllowed) => Ui::NoDraftPlan,
            _ => return None,
        })
    }

    fn command(
        form: &str,
        _: &Signed,
        case: CaseId,
        v: &Values,
    ) -> Option<Result<Command, Vec<FieldError>>> {
        // A revision that does not parse is no revision the plan had: stale.
        let expected = v.version("revision");
        match form {
            "decision" => Some(
                parse_decision(PlanDecisionInput {
                    decision: v.get("decision").into(),
                    note: v.some("note"),
                })
                .map(|decision| {
                    Command::new(move |conn, app, caller| {
                        plans::decide_plan(conn, app, caller, case, Some(expected), decision)
                    })
                }),
            ),
            _ => None,
        }
    }
}
