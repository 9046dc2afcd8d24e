//! The supervisor's region dashboard (`GET /console/supervision`): caseload per case manager,
//! overdue work and the plans awaiting a decision (`board`); the closures awaiting a decision,
//! incoming transfers and routing gaps, each with its forms (`decisions`); and break-glass
//! (`break_glass`). Every list is read through the use case of its REST route, every form
//! carried out by the use case of its REST route.
//!
//! The dashboard is a [`FormPage`] whose forms act on one row each: posted to
//! `/console/supervision/{id}/{form}` (`id`: the case, or the routing gap), answered with the
//! dashboard again. Break-glass names its case in the form: `/console/supervision/break-glass`.

mod board;
mod break_glass;
mod decisions;

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use qorgau_app::{App, Caller};
use qorgau_domain::validation::FieldError;
use qorgau_persistence::{DbConnection, Page};
use uuid::Uuid;

use crate::console::form::{self, Command, Done, FormPage, Said, View};
use crate::console::layout::{self, Nav};
use crate::console::session::{ConsoleError, Signed};
use crate::console::values::Values;
use crate::error::ApiError;
use crate::labels::Ui;
use crate::state::AppState;

/// Rows of each list the dashboard shows at most.
const SHOWN: i64 = 20;

/// The first [`SHOWN`] rows, and the page that asks one more (to know whether more follow).
fn first_rows() -> Page {
    Page {
        after: None,
        limit: SHOWN + 1,
    }
}

/// The record a form of the dashboard acts on (a case, a routing gap); none for the page itself
/// and for break-glass.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Row(Option<Uuid>);

impl From<Uuid> for Row {
    fn from(id: Uuid) -> Row {
        Row(Some(id))
    }
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(id) => write!(f, "{id}"),
            None => f.write_str("-"),
        }
    }
}

/// The dashboard as read for the caller, and the row a form sent back stands in.
pub struct Dashboard {
    board: board::Board,
    decisions: decisions::Decisions,
    grants: break_glass::Grants,
    row: Row,
}

impl FormPage for Dashboard {
    type Id = Row;

    fn path(_: Row) -> String {
        "/console/supervision".into()
    }

    fn read(
        conn: &mut DbConnection,
        app: &App,
        caller: &Caller,
        row: Row,
    ) -> Result<Dashboard, ApiError> {
        Ok(Dashboard {
            board: board::read(conn, app, caller)?,
            decisions: decisions::read(conn, caller)?,
            grants: break_glass::read(conn, caller)?,
            row,
        })
    }

    fn render(&self, view: &View) -> HttpResponse {
        let (signed, lang) = (view.signed, view.signed.lang);
        let body = html! {
            (view.notice())
            (board::render(lang, &self.board))
            (decisions::render(signed, &self.decisions, self.sent_here(view)))
            (break_glass::render(signed, &self.grants, view.sent))
        };
        layout::render(
            signed,
            view.req,
            Nav::Supervision,
            lang.t(Ui::NavSupervision),
            body,
        )
    }

    fn fresh(&self, _: &Signed, form: &str) -> Values {
        match self.row.0 {
            Some(id) => self.decisions.fresh(form, id),
            None => break_glass::fresh(),
        }
    }

    fn says(form: &str, what: Said) -> Option<Ui> {
        match form {
            "break-glass" => break_glass::says(what),
            _ => decisions::says(form, what),
        }
    }

    fn command(
        form: &str,
        _: &Signed,
        row: Row,
        values: &Values,
    ) -> Option<Result<Command, Vec<FieldError>>> {
        decisions::command(form, row.0?, values)
    }
}

impl Dashboard {
    /// The form sent back, with the row it stands in.
    fn sent_here<'a>(&self, view: &View<'a>) -> Option<(Uuid, &'a form::Sent)> {
        Some((self.row.0?, view.sent?))
    }
}

/// `GET /console/supervision`: the dashboard, saying what the form just carried out did.
pub async fn dashboard(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    done: web::Query<Done>,
) -> Result<HttpResponse, ConsoleError> {
    form::show::<Dashboard>(&state, &signed, &req, Row(None), &done).await
}

/// `POST /console/supervision/break-glass`: the form's case is in its fields; how long a grant
/// lasts is the server's setting (`break_glass_minutes`), as for `POST /break-glass`.
pub async fn break_glass(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    values: web::Form<Values>,
) -> Result<HttpResponse, ConsoleError> {
    let minutes = state.config.break_glass_minutes;
    let make = |_: &Signed, v: &Values| Some(Ok(break_glass::command(v, minutes)));
    let made = form::submitted::<Dashboard>(&signed, values.into_inner(), make)?;
    let form = break_glass::FORM.to_string();
    form::carry_out::<Dashboard>(&state, &signed, &req, Row(None), form, made).await
}
