//! Log an intervention: `POST /cases/{id}/interventions`'s use case, from the case's version
//! the form was made from — a case changed since (moved on, reassigned, its risk revised) is
//! refused and nothing written.

use maud::{Markup, html};
use qorgau_app::interventions::record_intervention;
use qorgau_domain::ids::CaseId;
use qorgau_domain::intervention::{
    InterventionInput, InterventionKind, SUMMARY_MAX, parse_intervention,
};
use qorgau_domain::plan::AssistanceKind;
use qorgau_domain::validation::FieldError;

use super::{CaseForm, open};
use crate::console::case_page::CaseFile;
use crate::console::fields::Fields;
use crate::console::form::Command;
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::labels::Ui;

pub const FORM: CaseForm = CaseForm {
    key: "interventions",
    texts: [Ui::LogIntervention, Ui::Save, Ui::InterventionSaved],
    required: &["kind", "assistance_type", "occurred_at", "summary"],
    now: Some("occurred_at"),
    hidden: &["version", "retry"],
    offered: open,
    fields,
    make,
};

fn fields(f: &Fields, _: &Signed, _: &CaseFile) -> Markup {
    let kinds = InterventionKind::ALL.map(InterventionKind::as_str);
    let assistance = AssistanceKind::ALL.map(AssistanceKind::as_str);
    html! {
        (f.codes("kind", f.t(Ui::Kind), Ui::Choose, "intervention_kind", &kinds))
        (f.codes("assistance_type", f.t(Ui::AssistanceType), Ui::Choose, "assistance_kind", &assistance))
        (f.input("occurred_at", f.t(Ui::OccurredAt), "datetime-local"))
        (f.textarea("summary", f.t(Ui::Summary), SUMMARY_MAX))
        (f.input("duration_minutes", f.t(Ui::DurationMinutes), "number"))
        (f.check("child_seen", f.t(Ui::ChildSeen)))
    }
}

fn make(signed: &Signed, case: CaseId, v: &Values) -> Result<Command, Vec<FieldError>> {
    let duration = v.get("duration_minutes").trim();
    let input = InterventionInput {
        kind: v.get("kind").into(),
        assistance_type: v.get("assistance_type").into(),
        occurred_at: v.moment("occurred_at"),
        summary: v.get("summary").into(),
        child_seen: v.has("child_seen"),
        // Not a number: out of range, so the domain names the field.
        duration_minutes: (!duration.is_empty()).then(|| duration.parse().unwrap_or(-1)),
        plan_measure_id: None,
    };
    let intervention = parse_intervention(input, signed.caller.at)?;
    let expected = v.version("version");
    let key = v.retry_key(&format!("interventions {case}"));
    Ok(Command::new(move |conn, _, caller| {
        record_intervention(conn, caller, case, Some(expected), intervention)
    })
    .once(key))
}
