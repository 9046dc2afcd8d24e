//! Signing in and out of the console, and choosing its language.

use actix_web::http::StatusCode;
use actix_web::http::header::{LOCATION, SET_COOKIE};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::auth::login;
use crate::auth::tokens::Bearer;
use crate::console::form::TokenOnly;
use crate::console::layout::{self, Frame, Nav};
use crate::console::session::{Anyone, ConsoleError, SESSION_COOKIE, Visitor, cookie};
use crate::error::ApiError;
use crate::labels::{LANG_COOKIE, Lang, Ui};
use crate::state::AppState;
use qorgau_app::sessions::SignedIn;

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `GET /console/sign-in`.
pub async fn form(state: web::Data<AppState>, visitor: Visitor) -> HttpResponse {
    let page = sign_in_page(&visitor, "", None);
    visitor.respond(&state, layout::respond(StatusCode::OK, page))
}

/// `POST /console/sign-in`: the REST login's steps and lockout (`auth::login`); on success a
/// session cookie lasting `console.session_hours`, and on to the tasks.
pub async fn submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, ConsoleError> {
    visitor.check(&form.csrf)?;
    let SignInForm {
        username, password, ..
    } = form.into_inner();
    let lasts = chrono::Duration::hours(state.config.console.session_hours);
    let refused = |status, text| {
        let page = sign_in_page(&visitor, &username, Some(text));
        Ok(layout::respond(status, page))
    };
    let signed_in = match login::sign_in(&state, username.clone(), password, lasts).await {
        Ok(s) => s,
        Err(ApiError::Unauthorized) => {
            return refused(StatusCode::UNAUTHORIZED, Ui::BadCredentials);
        }
        Err(ApiError::TooManyRequests { .. }) => {
            return refused(StatusCode::TOO_MANY_REQUESTS, Ui::TooManyAttempts);
        }
        Err(e) => return Err(ConsoleError::from_api(e, visitor.lang)),
    };
    // A password an administrator reset: the new login may only choose its own first.
    let next = match signed_in.password_change_required {
        true => "/console/password",
        false => "/console/",
    };
    let session = session_cookie(&state, signed_in, lasts)
        .map_err(|e| ConsoleError::from_api(e, visitor.lang))?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, next))
        .insert_header((SET_COOKIE, session))
        .finish())
}

/// The session cookie of a new login: an access token of it, expiring with it (and, while its
/// password must be changed, good for the password page only).
pub fn session_cookie(
    state: &AppState,
    signed_in: SignedIn,
    lasts: chrono::Duration,
) -> Result<String, ApiError> {
    let now = state.now();
    let bearer = Bearer {
        actor: signed_in.actor,
        session: signed_in.session,
        password_change_required: signed_in.password_change_required,
    };
    let token = state.tokens.issue_until(&bearer, now, now + lasts)?;
    Ok(cookie(
        &state.config,
        SESSION_COOKIE,
        &token,
        lasts.num_seconds(),
    ))
}

fn sign_in_page(visitor: &Visitor, username: &str, problem: Option<Ui>) -> Markup {
    let lang = visitor.lang;
    let t = |text| lang.t(text);
    let frame = Frame {
        lang,
        form_token: &visitor.form_token,
        here: "/console/sign-in",
        signed_in: false,
        entries: &[],
        nav: Nav::None,
    };
    let body = html! {
        @if let Some(problem) = problem { (layout::notice(t(problem), true)) }
        form.sign-in method="post" action="/console/sign-in" {
            (layout::token(&visitor.form_token))
            p {
                label for="username" { (t(Ui::Username)) }
                input #username name="username" type="text" autocomplete="username" required
                    value=(username) autofocus[username.is_empty()];
            }
            p {
                label for="password" { (t(Ui::Password)) }
                input #password name="password" type="password" autocomplete="current-password" required
                    autofocus[!username.is_empty()];
            }
            p { button type="submit" { (t(Ui::SignIn)) } }
        }
    };
    layout::page(&frame, t(Ui::SignIn), body)
}

/// `POST /console/sign-out`: ends the login (as `POST /api/v1/auth/logout` does) and clears
/// the cookie.
pub async fn sign_out(
    state: web::Data<AppState>,
    anyone: Anyone,
    form: web::Form<TokenOnly>,
) -> Result<HttpResponse, ConsoleError> {
    let signed = anyone.signed;
    signed.check(&form.csrf)?;
    let caller = signed.caller.0.clone();
    state
        .run(move |conn| Ok(qorgau_app::sessions::sign_out(conn, &caller)?))
        .await
        .map_err(signed.fail())?;
    state.recent_sessions.forget_all();
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/console/sign-in"))
        .insert_header((SET_COOKIE, cookie(&state.config, SESSION_COOKIE, "", 0)))
        .finish())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /console/language`: remembers the choice (a year) and returns to the page it was made
/// on — a console path only, never another site.
pub async fn language(
    state: web::Data<AppState>,
    visitor: Visitor,
    signed: Option<Anyone>,
    form: web::Form<LanguageForm>,
) -> Result<HttpResponse, ConsoleError> {
    match &signed {
        Some(anyone) => anyone.signed.check(&form.csrf)?,
        None => visitor.check(&form.csrf)?,
    }
    let lang = Lang::from_code(&form.lang).unwrap_or(visitor.lang);
    let back = Some(form.back.as_str())
        .filter(|b| {
            b.starts_with("/console/")
                && !b.contains("//")
                && b.bytes().all(|c| c.is_ascii_graphic() && c != b'\\')
        })
        .unwrap_or("/console/");
    let choice = cookie(&state.config, LANG_COOKIE, lang.code(), 365 * 86_400);
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, back))
        .insert_header((SET_COOKIE, choice))
        .finish())
}
