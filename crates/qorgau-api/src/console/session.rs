//! The console's sign-in state, and its errors as pages.
//!
//! - The **session cookie** holds an access token of the login (the REST API's kind,
//!   `auth::tokens`) that expires with the login (`console.session_hours`): each request is
//!   checked as a bearer token is — signature, expiry, and the login still active — so signing
//!   out here, `POST /api/v1/auth/logout` with a token of the same login, a deactivation or a
//!   password reset end it alike. A login whose password an administrator reset may only choose
//!   a new one: every page but the password page sends it there ([`Anyone`]).
//! - Every form carries a **form token**: a keyed tag of the login (`TokenKeys::tag`), or before
//!   sign-in of a random browser cookie — a synchronizer token nobody else can compute. A `POST`
//!   without the right one is refused (403) before anything else runs.
//! - Cookies are `HttpOnly`, `SameSite=Strict`, path `/console`, and `Secure` behind TLS
//!   (`console.secure_cookies`).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};

use qorgau_persistence::DbConnection;

use crate::auth::Caller;
use crate::auth::caller::authenticate_token;
use crate::config::Config;
use crate::console::layout;
use crate::error::ApiError;
use crate::labels::{self, Lang};
use crate::state::AppState;

/// The cookie of a signed-in browser: an access token of its login.
pub const SESSION_COOKIE: &str = "qorgau_session";
/// A random value a browser holds before it signs in, which its sign-in form's token is bound to.
pub const BROWSER_COOKIE: &str = "qorgau_browser";

const FORM_PURPOSE: &str = "console-form";

/// A `Set-Cookie` value for the console: `max_age` seconds (0 clears it).
pub fn cookie(config: &Config, name: &str, value: &str, max_age: i64) -> String {
    let secure = if config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/console; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// Compares two tokens in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in console request: who, in which language, and the token its forms carry.
pub struct Signed {
    pub caller: Caller,
    pub lang: Lang,
    pub form_token: String,
}

impl Signed {
    /// Refuses a form whose token is not this login's (403, nothing done).
    pub fn check(&self, sent: &str) -> Result<(), ConsoleError> {
        if same(sent, &self.form_token) {
            Ok(())
        } else {
            tracing::warn!("console form refused: missing or wrong form token");
            Err(ConsoleError::Forged(self.lang))
        }
    }

    /// Maps an API error to the page of its status, in the request's language.
    pub fn fail(&self) -> impl Fn(ApiError) -> ConsoleError + use<> {
        let lang = self.lang;
        move |e| ConsoleError::from_api(e, lang)
    }

    /// Runs `work` as this user on the blocking pool; an error becomes the page of its status.
    pub async fn run<T: Send + 'static>(
        &self,
        state: &AppState,
        work: impl FnOnce(&mut DbConnection, &Caller) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ConsoleError> {
        let caller = self.caller.clone();
        state
            .run(move |conn| work(conn, &caller))
            .await
            .map_err(self.fail())
    }
}

impl FromRequest for Signed {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    /// A login that must change its password first (an administrator reset it) is sent to the
    /// password page from every other page.
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let anyone = Anyone::from_request(req, payload);
        Box::pin(async move {
            match anyone.await? {
                Anyone {
                    signed,
                    must_change_password: false,
                } => Ok(signed),
                _ => Err(ConsoleError::ChangePassword),
            }
        })
    }
}

/// A signed-in console request, whether or not its login must change its password first: the
/// password page, signing out and the language choice take it; every other page takes
/// [`Signed`].
pub struct Anyone {
    pub signed: Signed,
    /// An administrator reset the password: the login may only choose a new one.
    pub must_change_password: bool,
}

impl FromRequest for Anyone {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = Lang::of_request(req);
        let token = labels::cookie(req, SESSION_COOKIE);
        let login = authenticate_token(req, token.as_deref());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or(ConsoleError::Page(StatusCode::INTERNAL_SERVER_ERROR, lang))?;
            match login.await {
                Ok((caller, must_change_password)) => {
                    let form_token = state.tokens.tag(FORM_PURPOSE, &caller.session.to_string());
                    let signed = Signed {
                        caller,
                        lang,
                        form_token,
                    };
                    Ok(Anyone {
                        signed,
                        must_change_password,
                    })
                }
                Err(ApiError::Unauthorized) => Err(ConsoleError::SignIn),
                Err(e) => Err(ConsoleError::from_api(e, lang)),
            }
        })
    }
}

/// A console request of a browser not (necessarily) signed in: its language and the token of its
/// forms, bound to its browser cookie — a new one when it has none (`new_cookie`, to be set).
pub struct Visitor {
    pub lang: Lang,
    pub form_token: String,
    pub new_cookie: Option<String>,
}

impl Visitor {
    pub fn check(&self, sent: &str) -> Result<(), ConsoleError> {
        // A browser without its cookie cannot have been given a valid token.
        if self.new_cookie.is_none() && same(sent, &self.form_token) {
            Ok(())
        } else {
            tracing::warn!("console form refused: missing or wrong form token");
            Err(ConsoleError::Forged(self.lang))
        }
    }

    /// The response, with the browser cookie set if the browser had none.
    pub fn respond(&self, state: &AppState, mut response: HttpResponse) -> HttpResponse {
        if let Some(value) = &self.new_cookie
            && let Ok(v) = cookie(&state.config, BROWSER_COOKIE, value, 86_400).parse()
        {
            response
                .headers_mut()
                .append(actix_web::http::header::SET_COOKIE, v);
        }
        response
    }
}

impl FromRequest for Visitor {
    type Error = ConsoleError;
    type Future = std::future::Ready<Result<Self, ConsoleError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = Lang::of_request(req);
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return std::future::ready(Err(ConsoleError::Page(
                StatusCode::INTERNAL_SERVER_ERROR,
                lang,
            )));
        };
        let existing = labels::cookie(req, BROWSER_COOKIE).filter(|v| {
            (20..=100).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        let (browser, new_cookie) = match existing {
            Some(v) => (v, None),
            None => {
                let v = uuid::Uuid::new_v4().simple().to_string();
                (v.clone(), Some(v))
            }
        };
        let form_token = state
            .tokens
            .tag(FORM_PURPOSE, &format!("browser:{browser}"));
        std::future::ready(Ok(Visitor {
            lang,
            form_token,
            new_cookie,
        }))
    }
}

/// What a console request may end in besides its page.
#[derive(Debug)]
pub enum ConsoleError {
    /// Not signed in (or the login ended): to the sign-in page.
    SignIn,
    /// The login must change its password first: to the password page.
    ChangePassword,
    /// A form without its token: 403, nothing done.
    Forged(Lang),
    /// The page of an HTTP error status.
    Page(StatusCode, Lang),
}

impl ConsoleError {
    pub fn from_api(e: ApiError, lang: Lang) -> ConsoleError {
        match e {
            ApiError::Unauthorized => ConsoleError::SignIn,
            other => ConsoleError::Page(other.status_code(), lang),
        }
    }
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsoleError::SignIn => f.write_str("sign in"),
            ConsoleError::ChangePassword => f.write_str("change the password first"),
            ConsoleError::Forged(_) => f.write_str("form token missing or wrong"),
            ConsoleError::Page(status, _) => write!(f, "{status}"),
        }
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::SignIn | ConsoleError::ChangePassword => StatusCode::SEE_OTHER,
            ConsoleError::Forged(_) => StatusCode::FORBIDDEN,
            ConsoleError::Page(status, _) => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ConsoleError::SignIn => HttpResponse::SeeOther()
                .insert_header(("Location", "/console/sign-in"))
                .finish(),
            ConsoleError::ChangePassword => HttpResponse::SeeOther()
                .insert_header(("Location", "/console/password"))
                .finish(),
            ConsoleError::Forged(lang) => layout::error_page(StatusCode::FORBIDDEN, *lang, true),
            ConsoleError::Page(status, lang) => layout::error_page(*status, *lang, false),
        }
    }
}
