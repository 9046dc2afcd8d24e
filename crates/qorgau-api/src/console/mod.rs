//! The console: the browser front door of case managers and supervisors, served by the same
//! binary under `/console/` (docs/console.md). Server-rendered HTML (maud) with plain forms that
//! work without JavaScript, one CSS file from the binary, in Kazakh, Russian or English
//! (`crate::labels`).
//!
//! It is another front door beside the REST routes, never a second copy of a rule: each handler
//! reads its form or query, calls the same `qorgau_app` use case a REST route calls (so scope
//! checks, audit, timeline and notices are theirs) and renders the result — a page, or a 303 to
//! one after a form. Sign-in, the session cookie and form tokens: `session`.

mod cases;
mod inbox;
mod intake;
mod layout;
pub mod session;
mod sign_in;
mod supervision;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::labels::Lang;

/// The console's stylesheet, compiled into the binary.
const STYLESHEET: &str = include_str!("console.css");

/// Every console route, under `/console`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/console",
        web::get().to(|| async { inbox::back_to("/console/") }),
    )
    .service(
        web::scope("/console")
            .route("/", web::get().to(inbox::tasks))
            .route("/sign-in", web::get().to(sign_in::form))
            .route("/sign-in", web::post().to(sign_in::submit))
            .route("/sign-out", web::post().to(sign_in::sign_out))
            .route("/language", web::post().to(sign_in::language))
            .route("/notifications", web::get().to(inbox::notifications))
            .route(
                "/notifications/read-all",
                web::post().to(inbox::mark_all_read),
            )
            .route("/notifications/{id}/read", web::post().to(inbox::mark_read))
            .route("/cases", web::get().to(cases::list))
            .route("/cases/{id}", web::get().to(cases::case_page))
            .route(
                "/cases/{id}/interventions",
                web::post().to(cases::log_intervention),
            )
            .route("/signals", web::get().to(intake::queue))
            .route("/signals/{id}", web::get().to(intake::signal_page))
            .route("/signals/{id}/triage", web::post().to(intake::triage))
            .route("/supervision", web::get().to(supervision::dashboard))
            .route("/cases/{id}/plan", web::get().to(supervision::plan_page))
            .route(
                "/cases/{id}/plan/decision",
                web::post().to(supervision::decide_plan),
            )
            .route("/static/console.css", web::get().to(stylesheet))
            // A malformed id names no page; nor does any other path here.
            .app_data(web::PathConfig::default().error_handler(|_, req| {
                session::ConsoleError::Page(StatusCode::NOT_FOUND, Lang::of_request(req)).into()
            }))
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
