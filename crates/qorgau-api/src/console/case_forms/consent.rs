//! Record the legal representative's consent: `POST /cases/{id}/consents`'s use case, once per
//! retry key. The person consenting may be one of the child's relations on record — never one
//! marked as an alleged perpetrator, which the use case refuses.

use maud::{Markup, html};
use qorgau_app::consents;
use qorgau_domain::consent::{ConsentInput, parse_consent};
use qorgau_domain::ids::CaseId;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::validation::FieldError;

use super::{CaseForm, open};
use crate::console::case_page::CaseFile;
use crate::console::fields::Fields;
use crate::console::form::Command;
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::labels::Ui;

pub const FORM: CaseForm = CaseForm {
    key: "consents",
    texts: [Ui::RecordConsent, Ui::Save, Ui::ConsentSaved],
    required: &["given_by_name", "relation", "given_at"],
    now: Some("given_at"),
    hidden: &["retry"],
    offered: open,
    fields,
    make,
};

fn fields(f: &Fields, _: &Signed, file: &CaseFile) -> Markup {
    let people = file.relations.iter().map(|r| {
        // Shown, so that choosing them is a decision: the use case refuses their consent.
        let warning = match r.alleged_perpetrator {
            true => format!(" — {}", f.t(Ui::AllegedPerpetrator)),
            false => String::new(),
        };
        (
            r.id.to_string(),
            format!("{} ({}){warning}", r.full_name, r.relation),
        )
    });
    let kinds = OrganisationKind::ALL.map(OrganisationKind::as_str);
    let kinds = kinds
        .iter()
        .map(|k| (*k, f.lang.code_label("organisation_kind", k)));
    html! {
        (f.select("given_by_relation_id", f.t(Ui::PersonOnRecord), Ui::NotOnRecord, people))
        (f.input("given_by_name", f.t(Ui::GivenBy), "text"))
        (f.input("relation", f.t(Ui::RelationToChild), "text"))
        (f.input("given_at", f.t(Ui::GivenAt), "datetime-local"))
        (f.check("services", f.t(Ui::ConsentServices)))
        (f.group("share_with", f.t(Ui::ShareWith), false, kinds))
        (f.check("images", f.t(Ui::ConsentImages)))
    }
}

fn make(signed: &Signed, case: CaseId, v: &Values) -> Result<Command, Vec<FieldError>> {
    let input = ConsentInput {
        given_by_relation_id: v.some("given_by_relation_id"),
        given_by_name: v.get("given_by_name").into(),
        relation: v.get("relation").into(),
        services: v.has("services"),
        share_with: v.all("share_with").map(String::from).collect(),
        given_at: v.moment("given_at"),
        images: v.has("images"),
    };
    // The domain names a kind by its place in the list; the form has one group of them.
    let new = parse_consent(input, signed.caller.at).map_err(|errors| {
        errors
            .into_iter()
            .map(|mut e| {
                if e.field.starts_with("share_with[") {
                    e.field = "share_with".into();
                }
                e
            })
            .collect::<Vec<_>>()
    })?;
    let key = v.retry_key(&format!("consents {case}"));
    Ok(
        Command::new(move |conn, app, caller| consents::add(conn, app, caller, case, new))
            .once(key),
    )
}
