//! What waits on the supervisor's decision, each row with its forms:
//!
//! - **closures** (`POST …/{case}/closure`): the region's cases whose closure was requested
//!   (`GET /cases?status=closure_requested`), closed with an optional note or returned to the
//!   case manager with one — `POST /cases/{id}/transitions`'s use case, from the case's version
//!   the page showed: a case changed since is refused and nothing decided.
//! - **incoming transfers** (`POST …/{case}/transfer`): accepted, or declined with a reason —
//!   the use cases of `POST /cases/{id}/transfer/accept` and `…/decline`.
//! - **routing gaps** (`POST …/{gap}/gap`): the unresolved gaps of the region
//!   (`GET /supervision/routing-gaps?resolved=false`), resolved with how the duty was met —
//!   `POST /supervision/routing-gaps/{id}/resolve`'s use case.

use maud::{Markup, html};
use qorgau_app::Caller;
use qorgau_app::cases::{CaseSearch, list_cases};
use qorgau_app::routing_gaps as gaps;
use qorgau_app::transfers;
use qorgau_app::transitions::transition_case;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::{CaseId, RoutingGapId};
use qorgau_domain::interagency::parse_decline_reason;
use qorgau_domain::lifecycle::{REASON_MAX, TransitionInput};
use qorgau_domain::validation::FieldError;
use qorgau_persistence::DbConnection;
use uuid::Uuid;

use super::{SHOWN, first_rows};
use crate::console::fields::Fields;
use crate::console::form::{Command, Said, Sent};
use crate::console::layout;
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::dto::cases::CaseView;
use crate::dto::supervision::RoutingGapView;
use crate::dto::transfers::TransferView;
use crate::dto::views;
use crate::error::ApiError;
use crate::labels::{Lang, Ui};

/// One list: its first rows, and whether more follow.
pub struct Shown<T> {
    rows: Vec<T>,
    more: bool,
}

impl<T> Shown<T> {
    fn of(mut rows: Vec<T>) -> Shown<T> {
        let more = rows.len() > SHOWN as usize;
        rows.truncate(SHOWN as usize);
        Shown { rows, more }
    }
}

pub struct Decisions {
    closures: Shown<CaseView>,
    transfers: Shown<TransferView>,
    gaps: Shown<RoutingGapView>,
}

pub fn read(conn: &mut DbConnection, caller: &Caller) -> Result<Decisions, ApiError> {
    let awaiting = CaseSearch {
        status: Some(CaseStatus::ClosureRequested.as_str().into()),
        ..CaseSearch::default()
    };
    let closures = views(list_cases(conn, caller, awaiting, &first_rows())?)?;
    let transfers = views(transfers::incoming(conn, caller, &first_rows())?)?;
    let gaps = views(gaps::list(conn, caller, Some(false), &first_rows())?)?;
    Ok(Decisions {
        closures: Shown::of(closures),
        transfers: Shown::of(transfers),
        gaps: Shown::of(gaps),
    })
}

impl Decisions {
    /// `form` of row `id` as the page makes it now: a closure stands on the case's version.
    pub fn fresh(&self, form: &str, id: Uuid) -> Values {
        let case = self.closures.rows.iter().find(|c| c.id == id);
        match (form, case) {
            ("closure", Some(case)) => Values::default().with("version", case.version.to_string()),
            _ => Values::default(),
        }
    }
}

pub fn says(form: &str, what: Said) -> Option<Ui> {
    Some(match (form, what) {
        ("closure", Said::Saved) => Ui::ClosureDecided,
        ("closure", Said::Stale) => Ui::StaleClosure,
        ("closure", Said::NotAllowed) => Ui::NotAllowedNow,
        ("transfer", Said::Saved) => Ui::TransferDecided,
        ("transfer", _) => Ui::TransferNotPending,
        ("gap", Said::Saved) => Ui::GapResolved,
        ("gap", _) => Ui::GapAlreadyResolved,
        _ => return None,
    })
}

/// The use case `form` of row `id` carries out.
pub fn command(form: &str, id: Uuid, v: &Values) -> Option<Result<Command, Vec<FieldError>>> {
    let case = CaseId(id);
    match form {
        "closure" => {
            // Approved: the case closes; returned: back to work, with what to do (required).
            let to = match v.get("decision") {
                "approve" => CaseStatus::Closed.as_str(),
                "return" => CaseStatus::InProgress.as_str(),
                _ => "",
            };
            let input = TransitionInput {
                to: to.into(),
                reason: v.some("reason"),
                closure_reason: None,
            };
            // A version that does not parse is no version the case had: stale.
            let expected = Some(v.version("version"));
            Some(Ok(Command::new(move |conn, app, caller| {
                transition_case(conn, app, caller, case, expected, input)
            })))
        }
        "transfer" => Some(match v.get("decision") {
            "accept" => Ok(Command::new(move |conn, app, caller| {
                transfers::accept(conn, app, caller, case)
            })),
            _ => parse_decline_reason(v.some("reason").as_deref()).map(|reason| {
                Command::new(move |conn, app, caller| {
                    transfers::decline(conn, app, caller, case, reason)
                })
            }),
        }),
        "gap" => {
            let (gap, note) = (RoutingGapId(id), v.get("note").to_string());
            Some(Ok(Command::new(move |conn, _, caller| {
                gaps::resolve(conn, caller, gap, &note)
            })))
        }
        _ => None,
    }
}

/// The form of row `id` posted to `form`: hidden fields, a text field, and a button for each
/// decision (its `decision`). Sent back, it shows as sent. One form a row keeps the dashboard
/// small: its page stays under 100 KB with every list full.
struct RowForm<'a> {
    signed: &'a Signed,
    sent: Option<(Uuid, &'a Sent)>,
    form: &'a str,
    id: Uuid,
}

impl RowForm<'_> {
    fn render(
        &self,
        hidden: &Values,
        (field, label): (&str, Ui),
        buttons: &[(&str, Ui)],
    ) -> Markup {
        let lang = self.signed.lang;
        let sent = self
            .sent
            .filter(|(row, s)| *row == self.id && s.form == self.form)
            .map(|(_, s)| s);
        let shown = Sent::shown(sent, self.form, hidden);
        let f = Fields::new(lang, self.form, shown, &[]).in_row(layout::short_id(self.id));
        let action = format!("/console/supervision/{}/{}", self.id, self.form);
        html! {
            form.row-form method="post" action=(action) novalidate {
                (layout::token(&self.signed.form_token))
                @for (name, _) in hidden.pairs() { (f.hidden(&[name.as_str()])) }
                (f.textarea(field, lang.t(label), REASON_MAX))
                p {
                    @for (decision, text) in buttons {
                        button type="submit" name="decision" value=(decision) { (lang.t(*text)) } " "
                    }
                }
            }
        }
    }
}

pub fn render(signed: &Signed, d: &Decisions, sent: Option<(Uuid, &Sent)>) -> Markup {
    let lang = signed.lang;
    let row = |form, id| RowForm {
        signed,
        sent,
        form,
        id,
    };
    let closures = html! {
        (listed(lang, &d.closures, &[Ui::CaseNumber, Ui::ClosureReason, Ui::RiskLevel, Ui::Decision], |case: &CaseView| {
            let version = Values::default().with("version", case.version.to_string());
            let buttons = [("approve", Ui::ApproveClosure), ("return", Ui::ReturnClosure)];
            html! { tr {
                td { a href=(format!("/console/cases/{}", case.id)) { (case.number) } }
                td { @if let Some(r) = &case.closure_reason { (lang.code_label("closure_reason", r)) } }
                td { (layout::risk(lang, &case.risk_level)) }
                td { (row("closure", case.id).render(&version, ("reason", Ui::ClosureDecisionNote), &buttons)) }
            } }
        }))
        @if d.closures.more {
            p { a href="/console/cases?status=closure_requested" { (lang.t(Ui::AllClosures)) } }
        }
    };
    let none = Values::default();
    let heads = [
        Ui::Case,
        Ui::FromDistrict,
        Ui::ToDistrict,
        Ui::Reason,
        Ui::Decision,
    ];
    let transfers = listed(lang, &d.transfers, &heads, |t: &TransferView| {
        let buttons = [
            ("accept", Ui::AcceptTransfer),
            ("decline", Ui::DeclineTransfer),
        ];
        html! { tr {
            td { (layout::short_id(t.case_id)) br; (layout::when(t.requested_at)) }
            td { (t.from_district) }
            td { (t.to_district) }
            td { (t.reason) }
            td { (row("transfer", t.case_id).render(&none, ("reason", Ui::DeclineReason), &buttons)) }
        } }
    });
    let heads = [
        Ui::CaseNumber,
        Ui::Step,
        Ui::MissingOrganisation,
        Ui::Recorded,
        Ui::Decision,
    ];
    let gaps = html! {
        p { (lang.t(Ui::RoutingGapsHelp)) }
        (listed(lang, &d.gaps, &heads, |g: &RoutingGapView| {
            html! { tr {
                td { a href=(format!("/console/cases/{}", g.case_id)) { (g.case_number) } }
                td { (lang.code_label("referral_kind", g.action.as_str())) }
                td { (lang.code_label("organisation_kind", g.organisation_kind.as_str())) }
                td { (layout::when(g.recorded_at)) }
                td { (row("gap", g.id).render(&none, ("note", Ui::GapNote), &[("resolve", Ui::ResolveGap)])) }
            } }
        }))
    };
    html! {
        (layout::section("closure", lang.t(Ui::ClosuresAwaiting), closures))
        (layout::section("transfer", lang.t(Ui::IncomingTransfers), transfers))
        (layout::section("gap", lang.t(Ui::RoutingGaps), gaps))
    }
}

/// A list's rows as a table, saying when only the first are shown.
fn listed<T>(lang: Lang, list: &Shown<T>, heads: &[Ui], row: impl Fn(&T) -> Markup) -> Markup {
    html! {
        (layout::table(lang, "decisions", heads, Ui::NoneYet, &list.rows, row))
        @if list.more { p { (lang.t(Ui::FirstShown)) } }
    }
}
