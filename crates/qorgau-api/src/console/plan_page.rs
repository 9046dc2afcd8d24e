//! The individual plan's page (`GET /console/cases/{id}/plan`): the plan's latest version,
//! and its two forms —
//!
//! - **draft** (`POST …/plan/draft`, whoever may work on the case): the plan as an editor, each
//!   goal with its measures (kind, description, responsible organisation, due date) and empty
//!   rows to add to; saved, a new version through `PUT /cases/{id}/plan`'s use case, from the
//!   plan's revision the editor was made from (none for the first version). Rows left empty are
//!   no goal or measure; "more rows" shows the editor again as typed, with more, saving nothing.
//! - **decision** (`POST …/plan/decision`, a draft, whoever may decide plans): approve with an
//!   optional note or return with one, through `POST /cases/{id}/plan/approval`'s use case,
//!   from the plan's revision.
//!
//! A plan changed since the form was made is refused and nothing written or decided.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use maud::{Markup, html};
use qorgau_app::Caller;
use qorgau_app::cases::case_card;
use qorgau_app::plans::{self, PlanDraft, draft_plan};
use qorgau_domain::access::Action;
use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::ids::CaseId;
use qorgau_domain::plan::{
    AssistanceKind, DESCRIPTION_MAX, GoalInput, MeasureInput, PlanDecisionInput, PlanInput,
    parse_decision, parse_plan,
};
use qorgau_domain::validation::FieldError;
use qorgau_persistence::DbConnection;

use crate::console::case_page::{optional, organisations_of};
use crate::console::fields::Fields;
use crate::console::form::{Command, FormPage, Said, Sent, View};
use crate::console::layout::{self, Nav, section};
use crate::console::records::{self, Directory};
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::dto::case_work::PlanView;
use crate::dto::cases::CaseView;
use crate::error::ApiError;
use crate::labels::Ui;

/// The case, its plan (if any) and the organisations its measures may be given to.
pub struct PlanFile {
    case: CaseView,
    plan: Option<PlanView>,
    organisations: Directory,
}

/// A measure's fields, by the last part of their names.
const MEASURE_FIELDS: [&str; 4] = [
    "kind",
    "description",
    "responsible_organisation_id",
    "due_date",
];

fn goal_field(g: usize, field: &str) -> String {
    format!("goals[{g}].{field}")
}

fn measure_field(g: usize, m: usize, field: &str) -> String {
    format!("goals[{g}].measures[{m}].{field}")
}

/// The plan the form's fields describe, without the goals and measures left empty.
fn plan_input(values: &Values) -> PlanInput {
    // Goal → (title, measure → its fields), in the order of their numbers.
    type Typed = BTreeMap<usize, (String, BTreeMap<usize, BTreeMap<String, String>>)>;
    let mut typed = Typed::new();
    for (name, value) in values.pairs() {
        let Some(rest) = name.strip_prefix("goals[") else {
            continue;
        };
        let Some((g, rest)) = rest.split_once("].") else {
            continue;
        };
        let Ok(g) = g.parse::<usize>() else { continue };
        let goal = typed.entry(g).or_default();
        if rest == "title" {
            goal.0 = value.clone();
        } else if let Some((m, field)) = rest
            .strip_prefix("measures[")
            .and_then(|r| r.split_once("]."))
            && let Ok(m) = m.parse::<usize>()
        {
            goal.1
                .entry(m)
                .or_default()
                .insert(field.to_string(), value.clone());
        }
    }
    let goals = typed
        .into_values()
        .map(|(title, measures)| {
            let measures: Vec<MeasureInput> = measures
                .into_values()
                .filter(|f| f.values().any(|v| !v.trim().is_empty()))
                .map(|mut f| MeasureInput {
                    kind: f.remove("kind").unwrap_or_default(),
                    description: f.remove("description").unwrap_or_default(),
                    responsible_organisation_id: f
                        .remove("responsible_organisation_id")
                        .unwrap_or_default(),
                    due_date: f.remove("due_date").unwrap_or_default(),
                })
                .collect();
            GoalInput { title, measures }
        })
        .filter(|g| !g.title.trim().is_empty() || !g.measures.is_empty())
        .collect();
    PlanInput { goals }
}

/// The form's fields for `plan`, numbered from 0 without gaps (as the domain names them), and
/// the form's other fields as they were.
fn plan_values(plan: &PlanInput, others: &Values) -> Values {
    let mut values: Values = others
        .pairs()
        .filter(|(name, _)| !name.starts_with("goals["))
        .cloned()
        .collect();
    for (g, goal) in plan.goals.iter().enumerate() {
        values.set(&goal_field(g, "title"), goal.title.clone());
        for (m, measure) in goal.measures.iter().enumerate() {
            let fields = [
                &measure.kind,
                &measure.description,
                &measure.responsible_organisation_id,
                &measure.due_date,
            ];
            for (field, value) in MEASURE_FIELDS.iter().zip(fields) {
                values.set(&measure_field(g, m, field), value.clone());
            }
        }
    }
    values
}

/// The plan's latest version as the editor's input.
fn as_input(plan: &PlanView) -> PlanInput {
    PlanInput {
        goals: plan
            .goals
            .iter()
            .map(|g| GoalInput {
                title: g.title.clone(),
                measures: g
                    .measures
                    .iter()
                    .map(|m| MeasureInput {
                        kind: m.kind.clone(),
                        description: m.description.clone(),
                        responsible_organisation_id: m.responsible_organisation_id.to_string(),
                        due_date: m.due_date.to_string(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

impl PlanFile {
    /// The editor: each goal with its measures and an empty one, and an empty goal — open
    /// unless the reader is one who decides plans.
    fn editor(&self, signed: &Signed, sent: Option<&Sent>) -> Markup {
        let (lang, t) = (signed.lang, |text| signed.lang.t(text));
        let fresh = self.fresh(signed, "draft");
        let shown = Sent::shown(sent, "draft", &fresh);
        let plan = plan_input(shown.0);
        let f = Fields::new(lang, "draft", shown, &[]);
        let kinds = AssistanceKind::ALL.map(AssistanceKind::as_str);
        let measure = |g: usize, m: usize| {
            let options = self
                .organisations
                .0
                .iter()
                .map(|o| (o.id.to_string(), &o.name));
            html! {
                fieldset.measure {
                    legend { (t(Ui::Measure)) " " (g + 1) "." (m + 1) }
                    (f.codes(&measure_field(g, m, "kind"), t(Ui::AssistanceType), Ui::Choose, "assistance_kind", &kinds))
                    (f.textarea(&measure_field(g, m, "description"), t(Ui::Description), DESCRIPTION_MAX))
                    (f.select(&measure_field(g, m, "responsible_organisation_id"), t(Ui::Responsible), Ui::Choose, options))
                    (f.input(&measure_field(g, m, "due_date"), t(Ui::Due), "date"))
                }
            }
        };
        let goal = |g: usize, measures: usize| {
            html! {
                fieldset.goal {
                    legend { (t(Ui::Goal)) " " (g + 1) }
                    (f.input(&goal_field(g, "title"), t(Ui::GoalTitle), "text"))
                    (f.message(&goal_field(g, "measures")))
                    @for m in 0..=measures { (measure(g, m)) }
                }
            }
        };
        let open = sent.is_some_and(|s| s.form == "draft") || !may(signed, Action::DecidePlan);
        let action = format!("/console/cases/{}/plan/draft", self.case.id);
        html! {
            details.form-box #draft-form open[open] {
                summary { (t(Ui::DraftPlan)) }
                p { (t(Ui::DraftPlanHelp)) }
                form.record-form.plan-editor method="post" action=(action) novalidate {
                    (layout::token(&signed.form_token))
                    (f.hidden(&["revision"]))
                    (f.message("goals"))
                    @for (g, each) in plan.goals.iter().enumerate() { (goal(g, each.measures.len())) }
                    (goal(plan.goals.len(), 0))
                    p {
                        button type="submit" name="more" value="1" { (t(Ui::MoreRows)) }
                        " "
                        button type="submit" { (t(Ui::SavePlan)) }
                    }
                }
            }
        }
    }

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

    fn read(
        conn: &mut DbConnection,
        _: &qorgau_app::App,
        caller: &Caller,
        id: CaseId,
    ) -> Result<PlanFile, ApiError> {
        let case = CaseView::try_from(case_card(conn, caller, id)?)?;
        Ok(PlanFile {
            plan: optional(plans::plan_of(conn, caller, id))?
                .map(PlanView::try_from)
                .transpose()?,
            organisations: organisations_of(conn, caller, &case.region_code)?,
            case,
        })
    }

    fn render(&self, view: &View) -> HttpResponse {
        let (signed, lang) = (view.signed, view.signed.lang);
        let t = |text| lang.t(text);
        let draft = self.plan.as_ref().is_some_and(|p| p.status == "draft");
        let deciding = may(signed, Action::DecidePlan);
        let body = html! {
            (view.notice())
            p { a href=(format!("/console/cases/{}", self.case.id)) { (t(Ui::Case)) " " (self.case.number) } }
            (section("plan", t(Ui::Plan), records::plan(lang, self.plan.as_ref())))
            @if draft && deciding { (self.decision_forms(signed, view.sent)) }
            @if self.case.status != "closed" && may(signed, Action::WorkCase) { (self.editor(signed, view.sent)) }
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
        let revision = self.plan.as_ref().map(|p| p.revision.to_string());
        let plan = self.plan.as_ref().map(as_input).unwrap_or_default();
        plan_values(&plan, &Values::default()).with("revision", revision.unwrap_or_default())
    }

    fn says(form: &str, what: Said) -> Option<Ui> {
        Some(match (form, what) {
            ("decision", Said::Saved) => Ui::PlanDecided,
            ("decision", Said::Stale) => Ui::StalePlan,
            ("decision", Said::NotAllowed) => Ui::NoDraftPlan,
            ("draft", Said::Saved) => Ui::PlanDrafted,
            ("draft", Said::Stale) => Ui::StalePlanDraft,
            ("draft", Said::NotAllowed) => Ui::NotAllowedNow,
            _ => return None,
        })
    }

    fn command(
        form: &str,
        signed: &Signed,
        case: CaseId,
        v: &Values,
    ) -> Option<Result<Command, Vec<FieldError>>> {
        // A revision that does not parse is no revision the plan had: stale.
        let expected = v.version("revision");
        match form {
            "draft" => {
                let today = signed.caller.at.with_timezone(&kazakhstan()).date_naive();
                // No revision: the first version (as `If-None-Match: *`).
                let expected_revision = v.some("revision").map(|_| expected);
                Some(parse_plan(plan_input(v), today).map(|plan| {
                    let draft = PlanDraft {
                        case_id: case,
                        expected_revision,
                        plan,
                    };
                    Command::new(move |conn, app, caller| draft_plan(conn, app, caller, draft))
                }))
            }
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

    /// The editor's goals and measures numbered anew without the empty rows: the domain names
    /// refused fields by these numbers.
    fn arrived(values: Values) -> Values {
        plan_values(&plan_input(&values), &values)
    }
}
