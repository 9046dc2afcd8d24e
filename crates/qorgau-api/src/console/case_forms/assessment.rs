//! Record an assessment: `POST /cases/{id}/assessments`'s use case, from the case's version the
//! form was made from — a case changed since is refused and nothing written (an initial assessment moves
//! a case in intake on to assessment, a comprehensive one to planning; a risk level other than
//! the case's revises it), once per retry key. The seven domains' findings are a need level and
//! a note each: a comprehensive assessment needs all seven.

use maud::{Markup, html};
use qorgau_app::assessments::record_assessment;
use qorgau_domain::assessment::{
    AssessmentDomain, AssessmentInput, AssessmentKind, DomainInput, NeedLevel, SUMMARY_MAX,
    parse_assessment,
};
use qorgau_domain::ids::CaseId;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_domain::validation::FieldError;

use super::{CaseForm, open};
use crate::console::case_page::CaseFile;
use crate::console::fields::Fields;
use crate::console::form::Command;
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::labels::Ui;

pub const FORM: CaseForm = CaseForm {
    key: "assessments",
    texts: [Ui::RecordAssessment, Ui::Save, Ui::AssessmentSaved],
    required: &["kind", "summary"],
    now: None,
    hidden: &["version", "retry"],
    offered: open,
    fields,
    make,
};

/// The fields of `domain`'s finding.
fn level(domain: AssessmentDomain) -> String {
    format!("level_{}", domain.as_str())
}

fn note(domain: AssessmentDomain) -> String {
    format!("note_{}", domain.as_str())
}

fn fields(f: &Fields, _: &Signed, _: &CaseFile) -> Markup {
    let kinds = AssessmentKind::ALL.map(AssessmentKind::as_str);
    let risks = RiskLevel::ALL.map(RiskLevel::as_str);
    let levels = NeedLevel::ALL.map(NeedLevel::as_str);
    html! {
        (f.codes("kind", f.t(Ui::Kind), Ui::Choose, "assessment_kind", &kinds))
        (f.codes("risk_level", f.t(Ui::AssessedRisk), Ui::Unchanged, "risk_level", &risks))
        (f.textarea("summary", f.t(Ui::Summary), SUMMARY_MAX))
        fieldset.domains aria-describedby=[f.error("domains").map(|_| f.id("domains") + "-error")] {
            legend { (f.t(Ui::Findings)) }
            (f.message("domains"))
            @for domain in AssessmentDomain::ALL {
                fieldset.domain {
                    legend { (f.lang.code_label("assessment_domain", domain.as_str())) }
                    (f.codes(&level(domain), f.t(Ui::NeedLevel), Ui::NotAssessed, "need_level", &levels))
                    (f.input(&note(domain), f.t(Ui::Note), "text"))
                }
            }
        }
    }
}

fn make(_: &Signed, case: CaseId, v: &Values) -> Result<Command, Vec<FieldError>> {
    // The domains with a finding, in the order the form lists them.
    let found: Vec<AssessmentDomain> = AssessmentDomain::ALL
        .into_iter()
        .filter(|d| v.some(&level(*d)).is_some() || v.some(&note(*d)).is_some())
        .collect();
    let domains: Vec<DomainInput> = found
        .iter()
        .map(|d| DomainInput {
            domain: d.as_str().into(),
            level: v.get(&level(*d)).into(),
            note: v.some(&note(*d)),
        })
        .collect();
    let input = AssessmentInput {
        kind: v.get("kind").into(),
        summary: v.get("summary").into(),
        risk_level: v.some("risk_level"),
        domains: (!domains.is_empty()).then_some(domains),
    };
    // The domain names a finding by its place in the list sent: the form, by its domain.
    let assessment = parse_assessment(input).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| FieldError {
                field: field_of(&found, &e.field).unwrap_or(e.field),
                message: e.message,
            })
            .collect::<Vec<_>>()
    })?;
    let expected = v.version("version");
    let key = v.retry_key(&format!("assessments {case}"));
    Ok(Command::new(move |conn, app, caller| {
        record_assessment(conn, app, caller, case, Some(expected), assessment)
    })
    .once(key))
}

/// The form's field of the domain's `domains[i].level` or `domains[i].note`.
fn field_of(found: &[AssessmentDomain], field: &str) -> Option<String> {
    let rest = field.strip_prefix("domains[")?;
    let (index, part) = rest.split_once("].")?;
    let domain = *found.get(index.parse::<usize>().ok()?)?;
    match part {
        "level" => Some(level(domain)),
        "note" => Some(note(domain)),
        _ => None,
    }
}
