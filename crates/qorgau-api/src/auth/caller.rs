//! `Caller`: the authenticated user of a request, from `Authorization: Bearer <jwt>`.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};
use qorgau_persistence::sessions;

use crate::error::ApiError;
use crate::observe::RequestId;
use crate::state::AppState;

/// The extractor of the application's [`qorgau_app::Caller`]; it dereferences to it, so a
/// handler passes `&caller` where a use case wants the caller.
#[derive(Clone, Debug)]
pub struct Caller(pub qorgau_app::Caller);

impl std::ops::Deref for Caller {
    type Target = qorgau_app::Caller;
    fn deref(&self) -> &qorgau_app::Caller {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    /// Refuses a login that must change its password (403 `password-change-required`).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let login = authenticate(req);
        Box::pin(async move {
            let (caller, password_change_required) = login.await?;
            if password_change_required {
                return Err(ApiError::PasswordChangeRequired);
            }
            Ok(caller)
        })
    }
}

/// The caller of a route open to a login that must change its password first — changing it
/// (`POST /me/password`) and logging out. Every other route takes [`Caller`].
#[derive(Clone, Debug)]
pub struct AnyCaller(pub Caller);

impl FromRequest for AnyCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let login = authenticate(req);
        Box::pin(async move { Ok(AnyCaller(login.await?.0)) })
    }
}

/// The caller of the request, and whether their login must change its password first: the
/// token's signature and expiry, then its login still active.
fn authenticate(
    req: &HttpRequest,
) -> impl Future<Output = Result<(Caller, bool), ApiError>> + 'static {
    authenticate_token(req, bearer(req))
}

/// [`authenticate`] with the token found elsewhere than `Authorization` (the console's session
/// cookie): the same checks of signature, expiry and login.
pub fn authenticate_token(
    req: &HttpRequest,
    token: Option<&str>,
) -> impl Future<Output = Result<(Caller, bool), ApiError>> + 'static {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // One reading of the clock for the request: the token's expiry, the session's and the
    // time the use case records are the same instant.
    let at = state.as_ref().map(|s| s.now());
    let verified = state
        .as_ref()
        .zip(at)
        .and_then(|(s, at)| s.tokens.verify(token?, at));
    let ip = req.peer_addr().map(|a| a.ip().to_string());
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let reading = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    async move {
        let ((state, at), token) = state.zip(at).zip(verified).ok_or(ApiError::Unauthorized)?;
        // The signature proves who; the session row proves the login was not ended since
        // (checked at most every `recent_sessions::FRESH_FOR` per login).
        let sid = token.session.to_string();
        let now = at.naive_utc();
        let active = state.recent_sessions.is_fresh(&sid, now) || {
            let checked = token.session;
            let until = state
                .run(move |conn| Ok(sessions::active_until(conn, checked, now)?))
                .await?;
            until
                .inspect(|expires| state.recent_sessions.remember(sid, *expires))
                .is_some()
        };
        if !active {
            return Err(ApiError::Unauthorized);
        }
        let caller = Caller(qorgau_app::Caller {
            actor: token.actor,
            session: token.session,
            ip,
            request_id,
            at,
            reading,
        });
        Ok((caller, token.password_change_required))
    }
}

/// The token of `Authorization: Bearer <token>`, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
