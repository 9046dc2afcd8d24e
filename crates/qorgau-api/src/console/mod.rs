//! The console: the browser front door of case managers and supervisors, served by the same
//! binary under `/console/` (docs/console.md). Server-rendered HTML (maud) with plain forms that
//! work without JavaScript, one CSS file from the binary, in Kazakh, Russian or English
//! (`crate::labels`).
//!
//! It is another front door beside the REST routes, never a second copy of a rule: each handler
//! reads its form or query, calls the same `qorgau_app` use case a REST route calls (so scope
//! checks, audit, timeline and notices are theirs) and renders the result — a page, or a 303 to
//! one after a form. Sign-in, the session cookie and form tokens: `session`.

mod admin;
mod case_forms;
mod case_page;
mod cases;
mod fields;
mod form;
mod inbox;
mod intake;
mod layout;
mod listing;
mod password;
mod plan_page;
mod records;
mod reports;
pub mod session;
mod sign_in;
mod supervision;
mod values;

use actix_web::error::UrlencodedError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::console::admin::districts::Districts;
use crate::console::admin::organisations::Organisations;
use crate::console::admin::users::{self, Users};
use crate::console::case_page::CaseFile;
use crate::console::intake::SignalFile;
use crate::console::plan_page::PlanFile;
use crate::console::supervision::Dashboard;
use crate::labels::Lang;

/// The most a form's body may hold, before the server's own body limit.
const FORM_LIMIT: usize = 1 << 20;

/// The console's stylesheet, compiled into the binary.
const STYLESHEET: &str = include_str!("console.css");

/// Every console route, under `/console`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/console",
        web::get().to(|| async { form::back_to("/console/") }),
    )
    .service(
        web::scope("/console")
            .route("/", web::get().to(listing::page::<inbox::Tasks>))
            .route("/sign-in", web::get().to(sign_in::form))
            .route("/sign-in", web::post().to(sign_in::submit))
            .route("/sign-out", web::post().to(sign_in::sign_out))
            .route("/language", web::post().to(sign_in::language))
            .route("/password", web::get().to(password::page))
            .route("/password", web::post().to(password::submit))
            .route(
                "/notifications",
                web::get().to(listing::page::<inbox::Notifications>),
            )
            .route(
                "/notifications/read-all",
                web::post().to(inbox::mark_all_read),
            )
            .route("/notifications/{id}/read", web::post().to(inbox::mark_read))
            .route("/cases", web::get().to(listing::page::<cases::MyCases>))
            .route("/signals", web::get().to(listing::page::<intake::Queue>))
            .route("/supervision", web::get().to(supervision::dashboard))
            .route(
                "/supervision/break-glass",
                web::post().to(supervision::break_glass),
            )
            .route(
                "/supervision/{id}/{form}",
                web::post().to(form::post::<Dashboard>),
            )
            .route("/reports", web::get().to(reports::kpis::page))
            .route("/aggregates", web::get().to(reports::aggregates::page))
            .route("/aggregates.csv", web::get().to(reports::aggregates::csv))
            // Pages with forms, each form posted to the page's path and its name (`form`).
            .route("/cases/{id}", web::get().to(form::page::<CaseFile>))
            .route("/cases/{id}/{form}", web::post().to(form::post::<CaseFile>))
            .route("/cases/{id}/plan", web::get().to(form::page::<PlanFile>))
            .route(
                "/cases/{id}/plan/{form}",
                web::post().to(form::post::<PlanFile>),
            )
            .route("/signals/{id}", web::get().to(form::page::<SignalFile>))
            .route(
                "/signals/{id}/{form}",
                web::post().to(form::post::<SignalFile>),
            )
            // The administrator's pages.
            .route(
                "/admin",
                web::get().to(|| async { form::back_to("/console/admin/users") }),
            )
            .route("/admin/users", web::get().to(admin::page::<Users>))
            .route("/admin/users", web::post().to(admin::create::<Users>))
            .route(
                "/admin/users/{id}/deactivate",
                web::post().to(users::deactivate),
            )
            .route(
                "/admin/users/{id}/password-reset",
                web::post().to(users::reset_password),
            )
            .route(
                "/admin/organisations",
                web::get().to(admin::page::<Organisations>),
            )
            .route(
                "/admin/organisations",
                web::post().to(admin::create::<Organisations>),
            )
            .route("/admin/districts", web::get().to(admin::page::<Districts>))
            .route(
                "/admin/districts",
                web::post().to(admin::create::<Districts>),
            )
            .route("/static/console.css", web::get().to(stylesheet))
            // A malformed id names no page; nor does any other path here.
            .app_data(web::PathConfig::default().error_handler(|_, req| {
                session::ConsoleError::Page(StatusCode::NOT_FOUND, Lang::of_request(req)).into()
            }))
            // A form's text is bounded by the server's body limit (`max_body_bytes`), not by
            // the extractor's own 16 KiB; a body that is no form is a 400 page.
            .app_data(
                web::FormConfig::default()
                    .limit(FORM_LIMIT)
                    .error_handler(|e, req| {
                        let status = match e {
                            UrlencodedError::Overflow { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                            _ => StatusCode::BAD_REQUEST,
                        };
                        session::ConsoleError::Page(status, Lang::of_request(req)).into()
                    }),
            )
            .default_service(web::to(not_found)),
    );
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(STYLESHEET)
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    layout::error_page(StatusCode::NOT_FOUND, Lang::of_request(&req), false)
}
