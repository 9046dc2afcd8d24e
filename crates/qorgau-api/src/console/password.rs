//! Changing one's password (`/console/password`): any signed-in user, through the steps of
//! `POST /api/v1/me/password` (`auth::login::change_password`: the policy, the attempt counted
//! against the sign-in lockout, every login of the user ended and a new one started). A login
//! whose password an administrator reset is sent here from every other page until it has chosen
//! its own (`session::Anyone`).

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, LOCATION, SET_COOKIE};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use qorgau_domain::validation::FieldError;

use crate::auth::login;
use crate::console::fields::Fields;
use crate::console::form::Done;
use crate::console::layout::{self, Nav};
use crate::console::session::{Anyone, ConsoleError};
use crate::console::sign_in::session_cookie;
use crate::console::values::Values;
use crate::error::ApiError;
use crate::labels::Ui;
use crate::state::AppState;

/// The form's name, and the prefix of its fields' ids.
pub const FORM: &str = "password";

/// `GET /console/password`.
pub async fn page(
    anyone: Anyone,
    req: HttpRequest,
    done: web::Query<Done>,
) -> Result<HttpResponse, ConsoleError> {
    let notice = match (anyone.must_change_password, done.saved.as_deref()) {
        (true, _) => Some((Ui::PasswordChangeRequired, true)),
        (false, Some(FORM)) => Some((Ui::PasswordChanged, false)),
        _ => None,
    };
    Ok(render(&anyone, &req, notice, &[], StatusCode::OK))
}

/// `POST /console/password` (`current`, `new`, `repeat`): refused without its token (403,
/// nothing done); the new password typed twice the same; then the API's password change, a
/// new session cookie for the new login, and 303 back to the page saying so. Refused, the
/// page again naming the fields (422; 429 while the username is locked out), no password
/// shown again.
pub async fn submit(
    state: web::Data<AppState>,
    anyone: Anyone,
    req: HttpRequest,
    values: web::Form<Values>,
) -> Result<HttpResponse, ConsoleError> {
    let signed = &anyone.signed;
    signed.check(values.get("csrf"))?;
    let (current, new) = (values.get("current"), values.get("new"));
    if new != values.get("repeat") {
        let errors = [FieldError {
            field: "repeat".into(),
            message: "must be the new password again".into(),
        }];
        let invalid = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(render(
            &anyone,
            &req,
            Some((Ui::FormErrors, true)),
            &errors,
            invalid,
        ));
    }
    let lasts = chrono::Duration::hours(state.config.console.session_hours);
    let caller = signed.caller.0.clone();
    let changed = login::change_password(&state, caller, current.into(), new.into(), lasts).await;
    let signed_in = match changed {
        Ok(signed_in) => signed_in,
        Err(ApiError::Validation(errors)) => {
            let invalid = StatusCode::UNPROCESSABLE_ENTITY;
            let notice = Some((Ui::FormErrors, true));
            return Ok(render(&anyone, &req, notice, &errors, invalid));
        }
        Err(ApiError::TooManyRequests { .. }) => {
            let notice = Some((Ui::TooManyAttempts, true));
            let status = StatusCode::TOO_MANY_REQUESTS;
            return Ok(render(&anyone, &req, notice, &[], status));
        }
        Err(e) => return Err(signed.fail()(e)),
    };
    // Every login of the user ended, this one too: the browser goes on with the new one.
    let session = session_cookie(&state, signed_in, lasts).map_err(signed.fail())?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/console/password?saved={FORM}")))
        .insert_header((SET_COOKIE, session))
        .finish())
}

/// The page: a notice, and the form — empty, its refused fields named.
fn render(
    anyone: &Anyone,
    req: &HttpRequest,
    notice: Option<(Ui, bool)>,
    errors: &[FieldError],
    status: StatusCode,
) -> HttpResponse {
    let signed = &anyone.signed;
    let lang = signed.lang;
    // A password is never sent back in a page.
    let empty = Values::default();
    let f = Fields::new(lang, FORM, (&empty, errors), &["current", "new", "repeat"]);
    let body = html! {
        @if let Some((text, alert)) = notice { (layout::notice(lang.t(text), alert)) }
        form.record-form method="post" action="/console/password" novalidate {
            (layout::token(&signed.form_token))
            (f.input("current", lang.t(Ui::CurrentPassword), "password"))
            (f.input("new", lang.t(Ui::NewPassword), "password"))
            (f.input("repeat", lang.t(Ui::RepeatPassword), "password"))
            p { button type="submit" { (lang.t(Ui::ChangePassword)) } }
        }
    };
    // While the password must be changed, nothing else is offered.
    let entries = match anyone.must_change_password {
        true => &[][..],
        false => layout::entries(signed.caller.actor.role),
    };
    let title = lang.t(Ui::ChangePassword);
    let mut response = layout::framed(signed, req, (entries, Nav::Password), title, body);
    *response.status_mut() = status;
    let no_store = HeaderValue::from_static("no-store");
    response.headers_mut().insert(CACHE_CONTROL, no_store);
    response
}
