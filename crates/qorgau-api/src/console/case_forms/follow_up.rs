//! Record a follow-up contact after closure: `POST /cases/{id}/follow-ups`'s use case, once
//! per retry key — offered on a closed case only. `concerns` asks the region's supervisors
//! whether to reopen the case.

use maud::{Markup, html};
use qorgau_app::follow_ups;
use qorgau_domain::ids::CaseId;
use qorgau_domain::lifecycle::{FollowUpInput, FollowUpOutcome, REASON_MAX, parse_follow_up};
use qorgau_domain::validation::FieldError;

use super::CaseForm;
use crate::console::case_page::CaseFile;
use crate::console::fields::Fields;
use crate::console::form::Command;
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::labels::Ui;

pub const FORM: CaseForm = CaseForm {
    key: "follow-ups",
    texts: [Ui::RecordFollowUp, Ui::Save, Ui::FollowUpSaved],
    required: &["occurred_at", "child_seen", "outcome", "note"],
    now: Some("occurred_at"),
    hidden: &["retry"],
    offered: |_, file| file.case.status == "closed",
    fields,
    make,
};

fn fields(f: &Fields, _: &Signed, _: &CaseFile) -> Markup {
    let seen = [("yes", f.t(Ui::Yes)), ("no", f.t(Ui::No))];
    let outcomes = FollowUpOutcome::ALL.map(FollowUpOutcome::as_str);
    let outcomes = outcomes
        .iter()
        .map(|o| (*o, f.lang.code_label("follow_up_outcome", o)));
    html! {
        (f.input("occurred_at", f.t(Ui::OccurredAt), "datetime-local"))
        (f.group("child_seen", f.t(Ui::ChildSeen), true, seen))
        (f.group("outcome", f.t(Ui::Outcome), true, outcomes))
        (f.textarea("note", f.t(Ui::WhatWasFound), REASON_MAX))
    }
}

fn make(signed: &Signed, case: CaseId, v: &Values) -> Result<Command, Vec<FieldError>> {
    let input = FollowUpInput {
        occurred_at: v.moment("occurred_at"),
        child_seen: match v.get("child_seen") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        outcome: v.get("outcome").into(),
        note: v.get("note").into(),
    };
    let follow_up = parse_follow_up(input, signed.caller.at)?;
    let key = v.retry_key(&format!("follow-ups {case}"));
    Ok(Command::new(move |conn, app, caller| {
        follow_ups::record(conn, app, caller, case, follow_up)
    })
    .once(key))
}
