//! What every console form shares, from the field sent to the page answered.
//!
//! A form arrives as text (`values::Values`), so that any input reaches the domain's parser and
//! can be shown again as typed. Its page ([`FormPage`]) is read through the use cases of the API's
//! reads; [`post`] refuses a form without its token (403, nothing done), makes the use case's
//! [`Command`] from the values and carries it out — once per retry key, as `Idempotency-Key`
//! does in the API — then answers a 303 to the page. A refused form brings its page back as it
//! is now with the form as sent and why ([`Refusal`]): 422 naming the fields, 409 when the record
//! changed since the form was made (the form then stands on the version shown) or the action is
//! not allowed now.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::idempotency::Idempotency;
use qorgau_app::{App, AppError, Caller};
use qorgau_domain::validation::FieldError;
use qorgau_persistence::DbConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::console::layout;
use crate::console::session::{ConsoleError, Signed};
use crate::console::values::{Values, new_retry};
use crate::error::ApiError;
use crate::labels::Ui;
use crate::state::AppState;

/// The fields a form carries to say which version of its record it was made from.
const VERSION_FIELDS: [&str; 2] = ["version", "revision"];

/// What became of a form that was not carried out.
pub enum Refusal {
    /// Bad input: each field named.
    Invalid(Vec<FieldError>),
    /// The record changed since the version the form was made from: nothing written.
    Stale,
    /// The record's state does not allow it now.
    NotAllowed,
}

impl Refusal {
    /// The refusal an error of the use case is — or the error, a page of its own (404, 403…).
    fn of(e: ApiError) -> Result<Refusal, ApiError> {
        match e {
            ApiError::Validation(fields) => Ok(Refusal::Invalid(fields)),
            ApiError::PreconditionFailed => Ok(Refusal::Stale),
            ApiError::Conflict { .. } => Ok(Refusal::NotAllowed),
            e => Err(e),
        }
    }
}

/// A form brought back to its page: which, as sent, and the fields refused.
pub struct Sent {
    pub form: String,
    pub values: Values,
    pub errors: Vec<FieldError>,
}

impl Sent {
    /// The values and refused fields of `form` as the page shows it: as sent when it is the
    /// one sent, else `fresh`.
    pub fn shown<'a>(
        sent: Option<&'a Sent>,
        form: &str,
        fresh: &'a Values,
    ) -> (&'a Values, &'a [FieldError]) {
        match sent.filter(|s| s.form == form) {
            Some(s) => (&s.values, s.errors.as_slice()),
            None => (fresh, &[]),
        }
    }
}

type Work = Box<dyn FnOnce(&mut DbConnection, &App, &Caller) -> Result<(), AppError> + Send>;

/// The use case a form carries out, with its retry key if it has one.
pub struct Command {
    work: Work,
    key: Option<Idempotency>,
}

impl Command {
    pub fn new<T>(
        work: impl FnOnce(&mut DbConnection, &App, &Caller) -> Result<T, AppError> + Send + 'static,
    ) -> Command {
        Command {
            work: Box::new(move |conn, app, caller| work(conn, app, caller).map(|_| ())),
            key: None,
        }
    }

    /// Carried out once per `key` (`qorgau_app::idempotency`, as the API's `Idempotency-Key`).
    pub fn once(self, key: Option<Idempotency>) -> Command {
        Command { key, ..self }
    }

    async fn run(self, state: &AppState, signed: &Signed) -> Result<(), ApiError> {
        let answer = |()| Ok((StatusCode::SEE_OTHER.as_u16(), String::new()));
        state
            .run_once(signed.caller.clone(), self.key, self.work, answer)
            .await?;
        Ok(())
    }
}

/// A notice above a page: its text, and whether it is a refusal (`role="alert"`).
pub type Notice = (Ui, bool);

/// What a page is shown with: who asks, their request, a notice, and the form sent back.
pub struct View<'a> {
    pub signed: &'a Signed,
    pub req: &'a HttpRequest,
    pub notice: Option<Notice>,
    pub sent: Option<&'a Sent>,
}

impl View<'_> {
    /// The notice, above the page's content.
    pub fn notice(&self) -> Markup {
        let lang = self.signed.lang;
        html! { @if let Some((text, alert)) = self.notice { (layout::notice(lang.t(text), alert)) } }
    }
}

/// What a page says of a form: carried out, refused as stale, or as not allowed now.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Said {
    Saved,
    Stale,
    NotAllowed,
}

/// A page that carries forms, at `GET` [`page`], its forms at `POST` [`post`] (the path's last
/// segment names the form).
pub trait FormPage: Sized + Send + 'static {
    type Id: From<Uuid> + Copy + std::fmt::Display + Send + 'static;

    /// The page's path.
    fn path(id: Self::Id) -> String;

    /// Reads the page through the use cases of the API's reads, as `caller`.
    fn read(
        conn: &mut DbConnection,
        app: &App,
        caller: &Caller,
        id: Self::Id,
    ) -> Result<Self, ApiError>;

    /// Reads the page to show `sent` again: as [`FormPage::read`] unless the page reads what
    /// it offers from the form (the list an administrator's form chose from).
    fn read_again(
        conn: &mut DbConnection,
        app: &App,
        caller: &Caller,
        id: Self::Id,
        _sent: &Values,
    ) -> Result<Self, ApiError> {
        Self::read(conn, app, caller, id)
    }

    /// The page, the form sent back as typed (the others made afresh).
    fn render(&self, view: &View) -> HttpResponse;

    /// `form` as this page makes it now: a stale form takes its version from here.
    fn fresh(&self, signed: &Signed, form: &str) -> Values;

    /// What the page says of `form`; `None` for no form of this page.
    fn says(form: &str, what: Said) -> Option<Ui>;

    /// The use case `form` carries out, made from the values sent — bad input names its fields;
    /// `None` for no form of this page.
    fn command(
        form: &str,
        signed: &Signed,
        id: Self::Id,
        values: &Values,
    ) -> Option<Result<Command, Vec<FieldError>>>;

    /// The values sent, as the page reads them.
    fn arrived(values: Values) -> Values {
        values
    }
}

/// The query of a form page after a form: `?saved=<form>`.
#[derive(Deserialize)]
pub struct Done {
    pub saved: Option<String>,
}

async fn read<P: FormPage>(
    state: &AppState,
    signed: &Signed,
    id: P::Id,
) -> Result<P, ConsoleError> {
    let app = state.app.clone();
    signed
        .run(state, move |conn, caller| P::read(conn, &app, caller, id))
        .await
}

/// `GET` of a form page, saying what the form just carried out did. An id of no record the
/// caller may see is 404, as in the API.
pub async fn page<P: FormPage>(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    id: web::Path<Uuid>,
    done: web::Query<Done>,
) -> Result<HttpResponse, ConsoleError> {
    show::<P>(&state, &signed, &req, P::Id::from(id.into_inner()), &done).await
}

/// Page `id` as it is now, saying what the form just carried out did.
pub async fn show<P: FormPage>(
    state: &AppState,
    signed: &Signed,
    req: &HttpRequest,
    id: P::Id,
    done: &Done,
) -> Result<HttpResponse, ConsoleError> {
    let page = read::<P>(state, signed, id).await?;
    let saved = done.saved.as_deref();
    let notice = saved.and_then(|form| P::says(form, Said::Saved));
    let view = View {
        signed,
        req,
        notice: notice.map(|text| (text, false)),
        sent: None,
    };
    Ok(page.render(&view))
}

/// `POST` of a form of page `id`: refused without its token (403, nothing done); "more rows"
/// shows the form again as typed; else its [`Command`], carried out, and 303 to the page;
/// refused, the page again (see the module's documentation). A path naming no form is 404.
pub async fn post<P: FormPage>(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    path: web::Path<(Uuid, String)>,
    values: web::Form<Values>,
) -> Result<HttpResponse, ConsoleError> {
    let (id, form) = path.into_inner();
    let id = P::Id::from(id);
    let make = |signed: &Signed, values: &Values| P::command(&form, signed, id, values);
    let made = submitted::<P>(&signed, values.into_inner(), make)?;
    carry_out::<P>(&state, &signed, &req, id, form, made).await
}

/// A form as it arrived: refused without its token (403, nothing done), else the values sent
/// and the command `make` makes of them — `None`, no such form (404).
pub fn submitted<P: FormPage>(
    signed: &Signed,
    values: Values,
    make: impl FnOnce(&Signed, &Values) -> Option<Result<Command, Vec<FieldError>>>,
) -> Result<(Values, Result<Command, Vec<FieldError>>), ConsoleError> {
    let values = P::arrived(values);
    signed.check(values.get("csrf"))?;
    let not_found = ConsoleError::Page(StatusCode::NOT_FOUND, signed.lang);
    let made = make(signed, &values).ok_or(not_found)?;
    Ok((values, made))
}

/// A form of page `id` that arrived ([`submitted`]): "more rows" shows it again as typed; else
/// its command, carried out, and 303 to the page; refused, the page again.
pub async fn carry_out<P: FormPage>(
    state: &AppState,
    signed: &Signed,
    req: &HttpRequest,
    id: P::Id,
    form: String,
    (values, made): (Values, Result<Command, Vec<FieldError>>),
) -> Result<HttpResponse, ConsoleError> {
    let refusal = match made {
        _ if values.has("more") => None,
        Err(fields) => Some(Refusal::Invalid(fields)),
        Ok(command) => match command.run(state, signed).await {
            Ok(()) => {
                let done = format!("{}?saved={form}#{form}", P::path(id));
                return Ok(back_to(&done));
            }
            Err(e) => Some(Refusal::of(e).map_err(signed.fail())?),
        },
    };
    let sent = Sent {
        form,
        values,
        errors: vec![],
    };
    again::<P>(state, signed, req, id, sent, refusal).await
}

/// The page again, as it is now, with the form as sent: as typed, to go on with; or refused,
/// saying why, with a new retry key (another submission is another request).
async fn again<P: FormPage>(
    state: &AppState,
    signed: &Signed,
    req: &HttpRequest,
    id: P::Id,
    mut sent: Sent,
    refusal: Option<Refusal>,
) -> Result<HttpResponse, ConsoleError> {
    let (app, values) = (state.app.clone(), sent.values.clone());
    let page = signed
        .run(state, move |conn, caller| {
            P::read_again(conn, &app, caller, id, &values)
        })
        .await?;
    let now = page.fresh(signed, &sent.form);
    let (notice, status) = match refusal {
        None => (None, StatusCode::OK),
        Some(Refusal::Invalid(fields)) => {
            sent.errors = fields;
            (Some(Ui::FormErrors), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Some(Refusal::Stale) => {
            // The form now stands on the version shown: sent again, it is a decision made on
            // what the record is now.
            for name in VERSION_FIELDS.into_iter().filter(|n| now.has(n)) {
                sent.values.set(name, now.get(name));
            }
            let text = P::says(&sent.form, Said::Stale).unwrap_or(Ui::StaleForm);
            (Some(text), StatusCode::CONFLICT)
        }
        Some(Refusal::NotAllowed) => {
            let text = P::says(&sent.form, Said::NotAllowed).unwrap_or(Ui::NotAllowedNow);
            (Some(text), StatusCode::CONFLICT)
        }
    };
    if notice.is_some() {
        sent.values.set("retry", new_retry());
    }
    let view = View {
        signed,
        req,
        notice: notice.map(|text| (text, true)),
        sent: Some(&sent),
    };
    let mut response = page.render(&view);
    *response.status_mut() = status;
    Ok(response)
}

/// A form made of the token alone (a button).
#[derive(Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    pub csrf: String,
}

/// A signed-in user's press of a button: a form of the token alone, refused without the right
/// one (403) before anything runs.
pub struct Pressed(pub Signed);

impl FromRequest for Pressed {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Pressed, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed = Signed::from_request(req, payload);
        let form = web::Form::<TokenOnly>::from_request(req, payload);
        Box::pin(async move {
            // The body is read whatever the answer (a login ended, a password to change first):
            // a body left unread closes the connection under the browser's next request.
            // A body that is no form carries no token.
            let sent = form.await.map(|f| f.into_inner().csrf).unwrap_or_default();
            let signed = signed.await?;
            signed.check(&sent)?;
            Ok(Pressed(signed))
        })
    }
}

/// 303 to `path`: after a form, the browser loads the page anew (a reload does not post again).
pub fn back_to(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, path))
        .finish()
}
