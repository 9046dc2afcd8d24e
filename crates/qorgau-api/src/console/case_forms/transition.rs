//! Move the case through its lifecycle — on to the next stage, or a closure request with its
//! reason — with `POST /cases/{id}/transitions`'s use case, which decides whether the move is
//! allowed. The page offers the moves the domain's table gives the caller from the case's
//! status and recorded facts (`lifecycle::allowed`). Each form sends the case's version it was
//! made from: a case changed since is refused and nothing moved (409, the form as typed, standing
//! on the version shown); a move made impossible meanwhile is refused as the API refuses it.

use maud::{Markup, html};
use qorgau_app::transitions::transition_case;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::CaseId;
use qorgau_domain::lifecycle::{self, CaseState, ClosureReason, REASON_MAX, TransitionInput};

use super::CaseForm;
use crate::console::case_page::CaseFile;
use crate::console::fields::Fields;
use crate::console::form::Command;
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::labels::Ui;

/// The moves to the case's next stage (closure requests aside).
pub const STATUS: CaseForm = CaseForm {
    key: "status",
    texts: [Ui::MoveCase, Ui::Move, Ui::CaseMoved],
    required: &["to"],
    now: None,
    hidden: &["version"],
    offered: |signed, file| !moves(signed, file).is_empty(),
    fields: status_fields,
    make: |_, case, v| Ok(transition(case, v.get("to"), v)),
};

/// A closure request: the case manager says why the case can close.
pub const CLOSURE: CaseForm = CaseForm {
    key: "closure",
    texts: [Ui::RequestClosure, Ui::RequestClosure, Ui::ClosureRequested],
    required: &["closure_reason"],
    offered: |signed, file| allowed(signed, file).contains(&CaseStatus::ClosureRequested),
    fields: closure_fields,
    make: |_, case, v| Ok(transition(case, CaseStatus::ClosureRequested.as_str(), v)),
    ..STATUS
};

/// The statuses the caller may move the case to, as the domain's table has it.
fn allowed(signed: &Signed, file: &CaseFile) -> Vec<CaseStatus> {
    let Some(status) = CaseStatus::from_code(&file.case.status) else {
        return vec![];
    };
    let actor = &signed.caller.actor;
    let state = CaseState {
        status,
        comprehensive_assessed: file.assessments.iter().any(|a| a.kind == "comprehensive"),
        plan_approved: file
            .plan
            .iter()
            .flat_map(|p| &p.versions)
            .any(|v| v.status == "approved"),
    };
    let is_assignee = file.case.assignee_id == Some(actor.user_id.0);
    lifecycle::allowed(actor.role, is_assignee, &state)
}

fn moves(signed: &Signed, file: &CaseFile) -> Vec<CaseStatus> {
    let mut moves = allowed(signed, file);
    moves.retain(|s| *s != CaseStatus::ClosureRequested);
    moves
}

fn status_fields(f: &Fields, signed: &Signed, file: &CaseFile) -> Markup {
    let targets = moves(signed, file);
    let targets = targets
        .iter()
        .map(|s| (s.as_str(), f.lang.code_label("case_status", s.as_str())));
    html! {
        (f.select("to", f.t(Ui::MoveTo), Ui::Choose, targets))
        (f.textarea("reason", f.t(Ui::MoveReason), REASON_MAX))
    }
}

fn closure_fields(f: &Fields, _: &Signed, _: &CaseFile) -> Markup {
    let reasons = ClosureReason::ALL.map(ClosureReason::as_str);
    html! {
        (f.codes("closure_reason", f.t(Ui::ClosureReason), Ui::Choose, "closure_reason", &reasons))
        (f.textarea("reason", f.t(Ui::ClosureNote), REASON_MAX))
    }
}

/// The use case's move to `to`, from the case's version the form was made from (a case changed
/// since is refused and nothing moved); the domain checks the move, its reasons and the caller.
fn transition(case: CaseId, to: &str, v: &Values) -> Command {
    let input = TransitionInput {
        to: to.into(),
        reason: v.some("reason"),
        closure_reason: v.some("closure_reason"),
    };
    // A version that does not parse is no version the case had: stale.
    let expected = Some(v.version("version"));
    Command::new(move |conn, app, caller| transition_case(conn, app, caller, case, expected, input))
}
