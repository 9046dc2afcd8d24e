//! The forms of the case page, each posted to `POST /console/cases/{id}/<key>` and carried out
//! by the use case of its REST route: log an intervention, record an assessment, refer, record
//! a consent, move the case on, request closure, record a follow-up. (The plan has its own
//! page, `plan_editor`.) Each is described once ([`CaseForm`]); the page and `form::submit` do
//! the rest alike.

mod assessment;
mod consent;
mod follow_up;
mod intervention;
mod referral;
mod transition;

use maud::{Markup, html};
use qorgau_domain::ids::CaseId;
use qorgau_domain::validation::FieldError;

use crate::console::case_page::CaseFile;
use crate::console::fields::Fields;
use crate::console::form::{Command, Sent};
use crate::console::layout;
use crate::console::session::Signed;
use crate::console::values::{Values, local, new_retry};
use crate::labels::Ui;

pub use assessment::FORM as ASSESSMENT;
pub use consent::FORM as CONSENT;
pub use follow_up::FORM as FOLLOW_UP;
pub use intervention::FORM as INTERVENTION;
pub use referral::FORM as REFERRAL;
pub use transition::{CLOSURE, STATUS};

/// Every form of the case page.
const ALL: [&CaseForm; 7] = [
    &INTERVENTION,
    &ASSESSMENT,
    &REFERRAL,
    &CONSENT,
    &STATUS,
    &CLOSURE,
    &FOLLOW_UP,
];

/// One form of the case page.
pub struct CaseForm {
    /// The last segment of its path, and the prefix of its fields' ids.
    pub key: &'static str,
    /// What opens it, its button, and what the page says once it is carried out.
    texts: [Ui; 3],
    required: &'static [&'static str],
    /// Its field of when something happened, now unless said otherwise.
    now: Option<&'static str>,
    /// Its hidden fields: the case's `version` and a `retry` key, made with the form.
    hidden: &'static [&'static str],
    /// Whether the page offers it (the case's status allows it).
    offered: fn(&Signed, &CaseFile) -> bool,
    fields: fn(&Fields, &Signed, &CaseFile) -> Markup,
    /// The use case it carries out, made from the values sent; bad input names its fields.
    make: fn(&Signed, CaseId, &Values) -> Result<Command, Vec<FieldError>>,
}

impl CaseForm {
    pub fn of(key: &str) -> Option<&'static CaseForm> {
        ALL.into_iter().find(|f| f.key == key)
    }

    /// What the page says once it is carried out.
    pub fn saved(&self) -> Ui {
        self.texts[2]
    }

    /// The form as the page makes it: its hidden fields, and the time filled in.
    pub fn fresh(&self, signed: &Signed, file: &CaseFile) -> Values {
        let mut values = Values::default();
        for name in self.hidden {
            match *name {
                "version" => values.set(name, file.case.version.to_string()),
                _ => values.set(name, new_retry()),
            }
        }
        if let Some(name) = self.now {
            values.set(name, local(signed.caller.at));
        }
        values
    }

    pub fn command(
        &self,
        signed: &Signed,
        case: CaseId,
        values: &Values,
    ) -> Result<Command, Vec<FieldError>> {
        (self.make)(signed, case, values)
    }

    /// The form — as `sent` when it is the one sent back, open then — unless the case's status
    /// does not offer it.
    pub fn render(&self, signed: &Signed, file: &CaseFile, sent: Option<&Sent>) -> Markup {
        if !(self.offered)(signed, file) {
            return html! {};
        }
        let lang = signed.lang;
        let fresh = self.fresh(signed, file);
        let shown = Sent::shown(sent, self.key, &fresh);
        let open = sent.is_some_and(|s| s.form == self.key);
        let fields = Fields::new(lang, self.key, shown, self.required);
        let [title, button, _] = self.texts;
        let action = format!("/console/cases/{}/{}", file.case.id, self.key);
        html! {
            details.form-box id=(format!("{}-form", self.key)) open[open] {
                summary { (lang.t(title)) }
                form.record-form method="post" action=(action) novalidate {
                    (layout::token(&signed.form_token))
                    (fields.hidden(self.hidden))
                    ((self.fields)(&fields, signed, file))
                    p { button type="submit" { (lang.t(button)) } }
                }
            }
        }
    }
}

/// Offered on a case not closed.
fn open(_: &Signed, file: &CaseFile) -> bool {
    file.case.status != "closed"
}
