//! The frame of every console page — language, landmarks, navigation, the language and
//! sign-out forms — and the small helpers pages share (dates, labels, form fields).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, html};
use qorgau_domain::deadline::kazakhstan;

use qorgau_domain::role::Role;

use crate::console::session::Signed;
use crate::labels::{Lang, Ui};

/// Which entry of the navigation a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Tasks,
    Notifications,
    Cases,
    Signals,
    Supervision,
    Reports,
    Aggregates,
    AdminUsers,
    AdminOrganisations,
    AdminDistricts,
    /// The password page (linked beside the sign-out button, not in the navigation).
    Password,
    None,
}

/// The entries of the navigation a role has: its own pages only.
pub fn entries(role: Role) -> &'static [Nav] {
    match role {
        Role::IntakeCoordinator => &[Nav::Tasks, Nav::Notifications, Nav::Signals],
        Role::Supervisor => &[
            Nav::Tasks,
            Nav::Notifications,
            Nav::Supervision,
            Nav::Cases,
            Nav::Reports,
        ],
        Role::Analyst => &[
            Nav::Tasks,
            Nav::Notifications,
            Nav::Reports,
            Nav::Aggregates,
        ],
        Role::CaseManager => &[Nav::Tasks, Nav::Notifications, Nav::Cases],
        Role::Admin => &[
            Nav::Tasks,
            Nav::Notifications,
            Nav::AdminUsers,
            Nav::AdminOrganisations,
            Nav::AdminDistricts,
        ],
        _ => &[Nav::Tasks, Nav::Notifications],
    }
}

impl Nav {
    fn path_and_text(self) -> (&'static str, Ui) {
        match self {
            Nav::Tasks | Nav::None => ("/console/", Ui::NavTasks),
            Nav::Notifications => ("/console/notifications", Ui::NavNotifications),
            Nav::Cases => ("/console/cases", Ui::NavCases),
            Nav::Signals => ("/console/signals", Ui::NavSignals),
            Nav::Supervision => ("/console/supervision", Ui::NavSupervision),
            Nav::Reports => ("/console/reports", Ui::NavReports),
            Nav::Aggregates => ("/console/aggregates", Ui::NavAggregates),
            Nav::AdminUsers => ("/console/admin/users", Ui::NavAdminUsers),
            Nav::AdminOrganisations => ("/console/admin/organisations", Ui::NavAdminOrganisations),
            Nav::AdminDistricts => ("/console/admin/districts", Ui::NavAdminDistricts),
            Nav::Password => ("/console/password", Ui::ChangePassword),
        }
    }
}

/// What the frame shows around a page.
pub struct Frame<'a> {
    pub lang: Lang,
    pub form_token: &'a str,
    /// The page's own path (with its query), where the language form comes back to.
    pub here: &'a str,
    /// Signed in: the navigation and the sign-out button.
    pub signed_in: bool,
    /// The navigation's entries (the signed-in role's pages).
    pub entries: &'a [Nav],
    pub nav: Nav,
}

/// A whole page: `<html lang>`, a skip link, header with navigation, `main` with the title as
/// its `h1`, and the language form.
pub fn page(frame: &Frame, title: &str, body: Markup) -> Markup {
    let lang = frame.lang;
    let t = |text| lang.t(text);
    let header = html! {
        p.brand { a href="/console/" { "Qorgau" } span.tagline { (t(Ui::Tagline)) } }
        @if frame.signed_in {
            nav aria-label=(t(Ui::MainNavigation)) {
                ul {
                    @for item in frame.entries {
                        (nav_item(frame, *item))
                    }
                }
            }
            p.account {
                a href="/console/password" aria-current=[(frame.nav == Nav::Password).then_some("page")] { (t(Ui::ChangePassword)) }
            }
            form.signout method="post" action="/console/sign-out" {
                (token(frame.form_token))
                button type="submit" { (t(Ui::SignOut)) }
            }
        }
    };
    let footer = html! {
        footer {
            form.language method="post" action="/console/language" {
                (token(frame.form_token))
                input type="hidden" name="back" value=(frame.here);
                label for="lang" { (t(Ui::Language)) }
                select #lang name="lang" {
                    @for l in Lang::ALL {
                        option value=(l.code()) lang=(l.code()) selected[l == lang] { (l.name()) }
                    }
                }
                button type="submit" { (t(Ui::ChangeLanguage)) }
            }
        }
    };
    document(lang, title, header, body, footer)
}

/// The document around a page's parts.
fn document(lang: Lang, title: &str, header: Markup, body: Markup, footer: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Qorgau" }
                link rel="stylesheet" href="/console/static/console.css";
            }
            body {
                a.skip href="#main" { (lang.t(Ui::SkipToContent)) }
                header.top { (header) }
                main #main {
                    h1 { (title) }
                    (body)
                }
                (footer)
            }
        }
    }
}

fn nav_item(frame: &Frame, item: Nav) -> Markup {
    let (href, text) = item.path_and_text();
    let text = frame.lang.t(text);
    html! {
        li { a href=(href) aria-current=[(frame.nav == item).then_some("page")] { (text) } }
    }
}

/// The hidden form-token field every form carries.
pub fn token(form_token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(form_token); }
}

/// A page as the response: HTML, UTF-8.
pub fn respond(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// The page of an error status, without navigation (the login may be gone) nor the language
/// form (it would need a form token this page cannot know).
pub fn error_page(status: StatusCode, lang: Lang, forged: bool) -> HttpResponse {
    let (title, text) = match status {
        StatusCode::NOT_FOUND => (Ui::NotFoundTitle, Ui::NotFoundText),
        StatusCode::FORBIDDEN if forged => (Ui::ForbiddenTitle, Ui::CsrfText),
        StatusCode::FORBIDDEN => (Ui::ForbiddenTitle, Ui::ForbiddenText),
        StatusCode::CONFLICT => (Ui::ErrorTitle, Ui::NotAllowedNow),
        StatusCode::TOO_MANY_REQUESTS => (Ui::ErrorTitle, Ui::TooManyAttempts),
        _ => (Ui::ErrorTitle, Ui::ErrorText),
    };
    let header = html! { p.brand { a href="/console/" { "Qorgau" } } };
    let body = html! {
        p { (lang.t(text)) }
        p { a href="/console/" { (lang.t(Ui::BackToTasks)) } }
    };
    let markup = document(lang, lang.t(title), header, body, html! {});
    respond(status, markup)
}

/// A signed-in page with the frame.
pub fn render(
    signed: &Signed,
    req: &HttpRequest,
    nav: Nav,
    title: &str,
    body: Markup,
) -> HttpResponse {
    let entries = entries(signed.caller.actor.role);
    framed(signed, req, (entries, nav), title, body)
}

/// A signed-in page with the frame and the navigation's `entries`, `nav` the current one.
pub fn framed(
    signed: &Signed,
    req: &HttpRequest,
    (entries, nav): (&[Nav], Nav),
    title: &str,
    body: Markup,
) -> HttpResponse {
    let here = req
        .uri()
        .path_and_query()
        .map_or("/console/", |p| p.as_str());
    let frame = Frame {
        lang: signed.lang,
        form_token: &signed.form_token,
        here,
        signed_in: true,
        entries,
        nav,
    };
    respond(StatusCode::OK, page(&frame, title, body))
}

/// A moment as people in Kazakhstan read it: `07.12.2026 10:30` (UTC+5), with the exact
/// instant in `<time datetime>`.
pub fn when(at: DateTime<Utc>) -> Markup {
    let local = at.with_timezone(&kazakhstan());
    html! { time datetime=(at.to_rfc3339()) { (local.format("%d.%m.%Y %H:%M")) } }
}

pub fn day(date: NaiveDate) -> Markup {
    html! { time datetime=(date.to_string()) { (date.format("%d.%m.%Y")) } }
}

/// A notice above a page's content: `role="status"` for news, `role="alert"` for a refusal.
pub fn notice(text: &str, alert: bool) -> Markup {
    html! {
        @if alert { p.notice.alert role="alert" { (text) } }
        @else { p.notice role="status" { (text) } }
    }
}

/// The first eight characters of an id: what a person reads and compares of it.
pub fn short_id(id: uuid::Uuid) -> String {
    id.simple().to_string()[..8].to_string()
}

/// A section of a page, labelled by its heading.
pub fn section(id: &str, heading: &str, content: Markup) -> Markup {
    html! { section aria-labelledby=(id) { h2 id=(id) { (heading) } (content) } }
}

/// `rows` as a table under column `headings`, each row made by `row`; `empty` when there are
/// none.
pub fn table<T>(
    lang: Lang,
    class: &str,
    headings: &[Ui],
    empty: Ui,
    rows: &[T],
    row: impl Fn(&T) -> Markup,
) -> Markup {
    html! {
        @if rows.is_empty() { p { (lang.t(empty)) } }
        @else {
            table class=(class) {
                thead { tr { @for h in headings { th scope="col" { (lang.t(*h)) } } } }
                tbody { @for r in rows { (row(r)) } }
            }
        }
    }
}

/// A risk level, coloured.
pub fn risk(lang: Lang, code: &str) -> Markup {
    html! { span class=(format!("risk risk-{code}")) { (lang.code_label("risk_level", code)) } }
}

/// The badge of something overdue.
pub fn overdue(lang: Lang) -> Markup {
    html! { " " strong.badge.overdue { (lang.t(Ui::Overdue)) } }
}
