//! The administrator's pages under `/console/admin`: users (`users`), organisations
//! (`organisations`) and districts (`districts`). Each lists its records through the use case
//! of its REST `GET` — with the list's filters, 50 a page — and carries its forms out through
//! the use case of its REST `POST`, called as the REST handler calls it: the scope check (an
//! administrator's), the audit and the validation are the application layer's. A page is
//! refused (403) to a role its use case refuses, as the API refuses the `POST`.
//!
//! Each page is a [`FormPage`] whose forms act on the page (create: `POST /console/admin/<page>`)
//! or on one row (`POST /console/admin/users/{id}/<form>`).

pub mod districts;
pub mod organisations;
pub mod users;

use actix_web::{HttpRequest, HttpResponse, web};
use qorgau_app::{App, AppError, Caller, geography};
use qorgau_domain::access::Action;
use qorgau_persistence::geography::{DistrictRow, RegionRow};
use qorgau_persistence::{DbConnection, Page};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::console::form::{self, Done, FormPage, Said, View};
use crate::console::session::{ConsoleError, Signed};
use crate::console::values::Values;
use crate::error::ApiError;
use crate::labels::Lang;
use crate::state::AppState;

/// The record a form of an administrator's page acts on: a user (deactivate, reset the
/// password), or none (a form that creates).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Target(pub Option<Uuid>);

impl From<Uuid> for Target {
    fn from(id: Uuid) -> Target {
        Target(Some(id))
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(id) => write!(f, "{id}"),
            None => f.write_str("-"),
        }
    }
}

/// An administrator's page: read with the query of its list.
pub trait AdminPage: FormPage<Id = Target> {
    /// The list's filters and page.
    type Query: DeserializeOwned + Default + Send + 'static;

    /// The form that creates a record, posted to the page's own path.
    const CREATE: &'static str;

    fn read_with(
        conn: &mut DbConnection,
        app: &App,
        caller: &Caller,
        query: Self::Query,
    ) -> Result<Self, ApiError>;
}

/// `GET` of an administrator's page with its query, saying what the form just carried out did.
pub async fn page<P: AdminPage>(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    query: web::Query<P::Query>,
    done: web::Query<Done>,
) -> Result<HttpResponse, ConsoleError> {
    let (app, query) = (state.app.clone(), query.into_inner());
    let page = signed
        .run(&state, move |conn, caller| {
            P::read_with(conn, &app, caller, query)
        })
        .await?;
    let notice = done.saved.as_deref().and_then(|f| P::says(f, Said::Saved));
    let view = View {
        signed: &signed,
        req: &req,
        notice: notice.map(|text| (text, false)),
        sent: None,
    };
    Ok(page.render(&view))
}

/// `POST` of the page's create form ([`AdminPage::CREATE`]): as every console form
/// (`form::submitted`, `form::carry_out`).
pub async fn create<P: AdminPage>(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    values: web::Form<Values>,
) -> Result<HttpResponse, ConsoleError> {
    let make = |s: &Signed, v: &Values| P::command(P::CREATE, s, Target(None), v);
    let made = form::submitted::<P>(&signed, values.into_inner(), make)?;
    let form = P::CREATE.to_string();
    form::carry_out::<P>(&state, &signed, &req, Target(None), form, made).await
}

/// Refused unless the caller's role may take `action` at all — what the page's use case
/// checks first (403, as the API answers).
pub fn may(caller: &Caller, action: Action) -> Result<(), ApiError> {
    caller.actor.scope(action).map_err(AppError::from)?;
    Ok(())
}

/// The regions with their districts, in code order, through `GET /regions`' use case.
pub fn regions(
    conn: &mut DbConnection,
    caller: &Caller,
) -> Result<Vec<(RegionRow, Vec<DistrictRow>)>, ApiError> {
    let all = Page {
        after: None,
        limit: 1000,
    };
    Ok(geography::regions(conn, caller, &all)?)
}

/// A place's name in the page's language.
pub fn named(lang: Lang, [kk, ru, en]: [&str; 3]) -> &str {
    match lang {
        Lang::Kk => kk,
        Lang::Ru => ru,
        Lang::En => en,
    }
}

/// The regions as a select's options: code, and "code — name" in `lang`.
pub fn region_options(
    lang: Lang,
    regions: &[(RegionRow, Vec<DistrictRow>)],
) -> Vec<(String, String)> {
    regions
        .iter()
        .map(|(r, _)| {
            (
                r.code.clone(),
                format!("{} — {}", r.code, region_name(lang, r)),
            )
        })
        .collect()
}

pub fn region_name(lang: Lang, r: &RegionRow) -> &str {
    named(lang, [&r.name_kk, &r.name_ru, &r.name_en])
}

pub fn district_name(lang: Lang, d: &DistrictRow) -> &str {
    named(lang, [&d.name_kk, &d.name_ru, &d.name_en])
}

/// `value` trimmed, unless blank.
pub fn some(value: &str) -> Option<String> {
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}

/// A list's path with its filters (the blank ones left out), to page on from.
pub fn path_with(path: &str, filters: &[(&str, &str)]) -> String {
    let query: Vec<String> = filters
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", urlencoding(v.trim())))
        .collect();
    match query.is_empty() {
        true => path.to_string(),
        false => format!("{path}?{}", query.join("&")),
    }
}

/// `value` as a query string's value.
fn urlencoding(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
