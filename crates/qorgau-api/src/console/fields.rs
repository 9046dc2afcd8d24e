//! A form's fields as a page shows them: each with its label, its value (as sent, or made
//! afresh) and — refused — its message in the page's language, the control marked
//! `aria-invalid` and described by it. Field ids are unique on the page: the form's name, then
//! the field's.

use maud::{Markup, html};
use qorgau_domain::validation::FieldError;

use crate::console::values::Values;
use crate::labels::{Lang, Ui};

/// The message of `field` of `form` refused, as the console words it: what to give, in the
/// page's language (the domain's own message is the API's, in English).
fn message(form: &str, field: &str) -> Ui {
    match (form, field) {
        ("password", "current") => Ui::InvalidCurrentPassword,
        ("password", "new") | ("users", "password") => Ui::InvalidNewPassword,
        ("password", "repeat") => Ui::InvalidRepeatPassword,
        ("users", "username") => Ui::InvalidUsername,
        ("users", "full_name") => Ui::InvalidFullName,
        (_, "email") => Ui::InvalidEmail,
        (_, "role") => Ui::InvalidRole,
        (_, "organisation_id") => Ui::InvalidOrganisation,
        ("organisations", "name") => Ui::InvalidOrganisationName,
        ("organisations", "kind") => Ui::InvalidOrganisationKind,
        ("organisations", "district_code") => Ui::InvalidOrganisationDistrict,
        ("organisations" | "districts", "region_code") => Ui::InvalidRegionChoice,
        ("districts", "code") => Ui::InvalidDistrictCode,
        ("districts", f) if f.starts_with("name.") => Ui::InvalidDistrictName,
        ("assessments", "kind") => Ui::InvalidAssessmentKind,
        (_, "kind") => Ui::InvalidKind,
        ("assessments", "summary") => Ui::InvalidAssessmentSummary,
        (_, "summary") => Ui::InvalidSummary,
        ("follow-ups", "occurred_at") => Ui::InvalidFollowUpAt,
        (_, "occurred_at") => Ui::InvalidOccurredAt,
        ("referrals" | "screen_out", "reason") => Ui::InvalidReason,
        ("transfer", "reason") => Ui::InvalidDeclineReason,
        ("break-glass", "reason") => Ui::InvalidBreakGlassReason,
        ("closure", "reason") => Ui::InvalidReturnNote,
        (_, "reason") => Ui::InvalidMoveReason,
        ("follow-ups", "note") => Ui::InvalidFollowUpNote,
        ("reject", "note") => Ui::InvalidReturnNote,
        ("break-glass", "case_id") => Ui::InvalidBreakGlassCase,
        ("gap", "note") => Ui::InvalidGapNote,
        (_, "note") => Ui::InvalidNote,
        (_, "assistance_type") => Ui::InvalidAssistanceType,
        (_, "duration_minutes") => Ui::InvalidDuration,
        (_, "risk_level" | "urgency") => Ui::InvalidRiskLevel,
        (_, "case_id") => Ui::InvalidCaseId,
        (_, "domains") => Ui::InvalidDomains,
        (_, "to_organisation_id") => Ui::InvalidReferralOrganisation,
        (_, "service") => Ui::InvalidService,
        (_, "consent_override") => Ui::OverrideNotYours,
        (_, "consent_override.basis") => Ui::InvalidOverrideBasis,
        (_, "consent_override.note") => Ui::InvalidOverrideNote,
        (_, "given_by_relation_id") => Ui::InvalidConsentingRelation,
        (_, "given_by_name") => Ui::InvalidGivenByName,
        (_, "relation") => Ui::InvalidRelationToChild,
        (_, "given_at") => Ui::InvalidGivenAt,
        ("period" | "aggregates", "from") => Ui::InvalidPeriodFrom,
        ("period" | "aggregates", "to") => Ui::InvalidPeriodTo,
        (_, "region_code") => Ui::InvalidRegion,
        (_, "district_code") => Ui::InvalidDistrict,
        (_, "group_by") => Ui::InvalidGroupBy,
        (_, "to") => Ui::InvalidMove,
        (_, "closure_reason") => Ui::InvalidClosureReason,
        (_, "child_seen") => Ui::InvalidChildSeen,
        (_, "outcome") => Ui::InvalidOutcome,
        (_, "goals") => Ui::InvalidGoals,
        (_, f) if f.starts_with("level_") => Ui::InvalidNeedLevel,
        (_, f) if f.starts_with("note_") => Ui::InvalidNote,
        // A goal's or a measure's field: `goals[0].measures[1].due_date`.
        (_, f) if f.starts_with("goals[") => plan_message(f.rsplit('.').next().unwrap_or(f)),
        _ => Ui::InvalidValue,
    }
}

/// The message of a field of the plan's goals and measures, by the last part of its name.
fn plan_message(last: &str) -> Ui {
    match last {
        "title" => Ui::InvalidGoalTitle,
        "kind" => Ui::InvalidAssistanceType,
        "description" => Ui::InvalidMeasureDescription,
        "responsible_organisation_id" => Ui::InvalidResponsible,
        "due_date" => Ui::InvalidMeasureDue,
        f if f.starts_with("measures") => Ui::InvalidGoalMeasures,
        _ => Ui::InvalidValue,
    }
}

/// One form's fields.
pub struct Fields<'a> {
    pub lang: Lang,
    /// The form's name: the prefix of its fields' ids.
    form: &'a str,
    values: &'a Values,
    errors: &'a [FieldError],
    /// The fields that must be filled in.
    required: &'a [&'a str],
    /// The row of a list the form stands in, when the page has one such form a row: part of
    /// its fields' ids.
    row: Option<String>,
}

impl<'a> Fields<'a> {
    pub fn new(
        lang: Lang,
        form: &'a str,
        (values, errors): (&'a Values, &'a [FieldError]),
        required: &'a [&'a str],
    ) -> Fields<'a> {
        Fields {
            lang,
            form,
            values,
            errors,
            required,
            row: None,
        }
    }

    /// The fields of the form of one row (`row`) of a list: their ids `form-row-field`.
    pub fn in_row(self, row: impl std::fmt::Display) -> Fields<'a> {
        Fields {
            row: Some(row.to_string()),
            ..self
        }
    }

    /// A text of the console in the form's language.
    pub fn t(&self, text: Ui) -> &'static str {
        self.lang.t(text)
    }

    pub fn value(&self, name: &str) -> &'a str {
        self.values.get(name)
    }

    /// The id of field `name` (`goals[0].title` → `plan-goals-0-title`).
    pub fn id(&self, name: &str) -> String {
        let name = name.replace(['[', '.'], "-").replace(']', "");
        match &self.row {
            Some(row) => format!("{}-{row}-{name}", self.form),
            None => format!("{}-{name}", self.form),
        }
    }

    /// The message of `name`, if it was refused.
    pub fn error(&self, name: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .any(|e| e.field == name)
            .then(|| self.lang.t(message(self.form, name)))
    }

    fn required(&self, name: &str) -> bool {
        self.required.contains(&name)
    }

    /// The message of a refused field, to stand after its label.
    pub fn message(&self, name: &str) -> Markup {
        html! {
            @if let Some(text) = self.error(name) { span.field-error id=(format!("{}-error", self.id(name))) { (text) } }
        }
    }

    fn invalid(&self, name: &str) -> Option<&'static str> {
        self.error(name).map(|_| "true")
    }

    fn described(&self, name: &str) -> Option<String> {
        self.error(name).map(|_| format!("{}-error", self.id(name)))
    }

    /// Hidden fields (the version and retry key the form was made with).
    pub fn hidden(&self, names: &[&str]) -> Markup {
        html! { @for name in names { input type="hidden" name=(name) value=(self.value(name)); } }
    }

    /// A choice of one of `options` (value, label), or none (`blank`).
    pub fn select<V: AsRef<str>, L: AsRef<str>>(
        &self,
        name: &str,
        label: &str,
        blank: Ui,
        options: impl IntoIterator<Item = (V, L)>,
    ) -> Markup {
        let (id, chosen) = (self.id(name), self.value(name));
        html! {
            p {
                label for=(id) { (label) }
                (self.message(name))
                select id=(id) name=(name) required[self.required(name)]
                    aria-invalid=[self.invalid(name)] aria-describedby=[self.described(name)] {
                    option value="" { (self.lang.t(blank)) }
                    @for (value, text) in options {
                        option value=(value.as_ref()) selected[chosen == value.as_ref()] { (text.as_ref()) }
                    }
                }
            }
        }
    }

    /// A choice among the codes of `vocabulary`, by their labels.
    pub fn codes(
        &self,
        name: &str,
        label: &str,
        blank: Ui,
        vocabulary: &str,
        codes: &[&str],
    ) -> Markup {
        let lang = self.lang;
        let options = codes.iter().map(|c| (*c, lang.code_label(vocabulary, c)));
        self.select(name, label, blank, options)
    }

    /// A one-line field of HTML type `kind` (`text`, `date`, `datetime-local`, `number`…).
    pub fn input(&self, name: &str, label: &str, kind: &str) -> Markup {
        let id = self.id(name);
        html! {
            p {
                label for=(id) { (label) }
                (self.message(name))
                input id=(id) type=(kind) name=(name) value=(self.value(name)) required[self.required(name)]
                    aria-invalid=[self.invalid(name)] aria-describedby=[self.described(name)];
            }
        }
    }

    /// A text of up to `max` characters.
    pub fn textarea(&self, name: &str, label: &str, max: usize) -> Markup {
        let id = self.id(name);
        html! {
            p {
                label for=(id) { (label) }
                (self.message(name))
                textarea id=(id) name=(name) rows="3" maxlength=(max) required[self.required(name)]
                    aria-invalid=[self.invalid(name)] aria-describedby=[self.described(name)] { (self.value(name)) }
            }
        }
    }

    /// A yes-or-no check box.
    pub fn check(&self, name: &str, label: &str) -> Markup {
        let id = self.id(name);
        html! {
            p.check {
                input id=(id) type="checkbox" name=(name) value="on" checked[self.values.has(name)];
                label for=(id) { (label) }
            }
        }
    }

    /// A group of `options` (value, label) under `legend`: check boxes (any number of them) or
    /// radio buttons (one).
    pub fn group<'o>(
        &self,
        name: &str,
        legend: &str,
        radio: bool,
        options: impl IntoIterator<Item = (&'o str, &'o str)>,
    ) -> Markup {
        let kind = if radio { "radio" } else { "checkbox" };
        html! {
            fieldset.choices aria-describedby=[self.described(name)] {
                legend { (legend) }
                (self.message(name))
                @for (value, text) in options {
                    @let id = self.id(&format!("{name}-{value}"));
                    span.check {
                        input id=(id) type=(kind) name=(name) value=(value) checked[self.values.all(name).any(|v| v == value)];
                        label for=(id) { (text) }
                    }
                }
            }
        }
    }
}
