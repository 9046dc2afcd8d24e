//! Refer the case to a partner organisation: `POST /cases/{id}/referrals`'s use case, once per
//! retry key. Sharing the child's data needs a consent covering the organisation's kind, or a
//! basis for sharing without one — the use case decides, and names the field when neither holds.

use maud::{Markup, html};
use qorgau_app::referrals;
use qorgau_domain::ids::CaseId;
use qorgau_domain::referral::{
    ConsentOverrideInput, OverrideBasis, ReferralInput, TEXT_MAX, parse_referral,
};
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
    key: "referrals",
    texts: [Ui::MakeReferral, Ui::Refer, Ui::ReferralSaved],
    required: &["to_organisation_id", "service", "reason"],
    now: None,
    hidden: &["retry"],
    offered: open,
    fields,
    make,
};

fn fields(f: &Fields, _: &Signed, file: &CaseFile) -> Markup {
    let organisations = file.organisations.0.iter().map(|o| {
        let kind = f.lang.code_label("organisation_kind", &o.kind);
        (o.id.to_string(), format!("{} ({kind})", o.name))
    });
    let risks = RiskLevel::ALL.map(RiskLevel::as_str);
    let bases = OverrideBasis::ALL.map(OverrideBasis::as_str);
    html! {
        (f.select("to_organisation_id", f.t(Ui::Organisation), Ui::Choose, organisations))
        (f.input("service", f.t(Ui::Service), "text"))
        (f.textarea("reason", f.t(Ui::Reason), TEXT_MAX))
        (f.codes("urgency", f.t(Ui::Urgency), Ui::AsTheCasesRisk, "risk_level", &risks))
        fieldset {
            legend { (f.t(Ui::WithoutConsent)) }
            (f.message("consent_override"))
            (f.codes("consent_override.basis", f.t(Ui::OverrideBasis), Ui::ConsentCovers, "override_basis", &bases))
            (f.textarea("consent_override.note", f.t(Ui::OverrideNote), TEXT_MAX))
        }
    }
}

fn make(_: &Signed, case: CaseId, v: &Values) -> Result<Command, Vec<FieldError>> {
    let (basis, note) = (
        v.some("consent_override.basis"),
        v.some("consent_override.note"),
    );
    // A note without a basis is an override asked for without saying on what basis.
    let consent_override = (basis.is_some() || note.is_some()).then(|| ConsentOverrideInput {
        basis: basis.unwrap_or_default(),
        note,
    });
    let new = parse_referral(ReferralInput {
        to_organisation_id: v.get("to_organisation_id").into(),
        service: v.get("service").into(),
        reason: v.get("reason").into(),
        urgency: v.some("urgency"),
        consent_override,
    })?;
    let key = v.retry_key(&format!("referrals {case}"));
    Ok(
        Command::new(move |conn, app, caller| referrals::create(conn, app, caller, case, new))
            .once(key),
    )
}
