//! Break-glass on the dashboard: a supervisor opens a case outside her region in an emergency,
//! saying why — `POST /break-glass`'s use case (the grant audited, the case's region's
//! supervisors told, every access under it flagged in the audit log) — and sees the grants she
//! holds, each with its case and when it expires, while they run.

use chrono::Duration;
use maud::{Markup, html};
use qorgau_app::Caller;
use qorgau_app::audit_log::{self, BreakGlassAsked};
use qorgau_persistence::DbConnection;

use crate::console::fields::Fields;
use crate::console::form::{Command, Said, Sent};
use crate::console::layout;
use crate::console::session::Signed;
use crate::console::values::{Values, new_retry};
use crate::dto::audit::BreakGlassView;
use crate::error::ApiError;
use crate::labels::Ui;

/// The form's name, and the last segment of its path.
pub const FORM: &str = "break-glass";

/// How long a reason may be, as the use case takes it.
const REASON_MAX: usize = 2000;

/// The caller's grants still running.
pub struct Grants(Vec<BreakGlassView>);

pub fn read(conn: &mut DbConnection, caller: &Caller) -> Result<Grants, ApiError> {
    let mine = audit_log::my_grants(conn, caller)?;
    Ok(Grants(mine.into_iter().map(BreakGlassView::from).collect()))
}

/// The form as made with the page: a new retry key.
pub fn fresh() -> Values {
    Values::default().with("retry", new_retry())
}

pub fn says(what: Said) -> Option<Ui> {
    Some(match what {
        Said::Saved => Ui::BreakGlassOpened,
        _ => Ui::NotAllowedNow,
    })
}

/// The grant the form asks, for `minutes` (the server's setting); once per retry key, as
/// `Idempotency-Key` makes it in the API. The use case checks the case and the reason.
pub fn command(v: &Values, minutes: i64) -> Command {
    let asked = BreakGlassAsked {
        case_id: v.get("case_id").to_string(),
        reason: v.get("reason").to_string(),
        lasts: Duration::minutes(minutes),
    };
    Command::new(move |conn, app, caller| audit_log::open(conn, app, caller, &asked))
        .once(v.retry_key(FORM))
}

pub fn render(signed: &Signed, grants: &Grants, sent: Option<&Sent>) -> Markup {
    let (lang, t) = (signed.lang, |text| signed.lang.t(text));
    let fresh = fresh();
    let shown = Sent::shown(sent, FORM, &fresh);
    let f = Fields::new(lang, FORM, shown, &["case_id", "reason"]);
    let heads = [Ui::Case, Ui::Reason, Ui::Expires];
    let content = html! {
        p { (t(Ui::BreakGlassHelp)) }
        form.record-form method="post" action="/console/supervision/break-glass" novalidate {
            (layout::token(&signed.form_token))
            (f.hidden(&["retry"]))
            (f.input("case_id", t(Ui::BreakGlassCase), "text"))
            (f.textarea("reason", t(Ui::BreakGlassReason), REASON_MAX))
            p { button type="submit" { (t(Ui::RequestBreakGlass)) } }
        }
        h3 { (t(Ui::MyBreakGlass)) }
        (layout::table(lang, "grants", &heads, Ui::NoBreakGlass, &grants.0, |g| html! {
            tr {
                td { a href=(format!("/console/cases/{}", g.case_id)) { (layout::short_id(g.case_id)) } }
                td { (g.reason) }
                td { (layout::when(g.expires_at)) }
            }
        }))
    };
    layout::section(FORM, t(Ui::BreakGlass), content)
}
