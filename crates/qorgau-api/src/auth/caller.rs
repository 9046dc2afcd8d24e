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

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let verified = state.as_ref().and_then(|s| s.tokens.verify(bearer(req)?));
        let ip = req.peer_addr().map(|a| a.ip().to_string());
        let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
        let reading = matches!(
            *req.method(),
            actix_web::http::Method::GET | actix_web::http::Method::HEAD
        );
        Box::pin(async move {
            let (state, (actor, session)) = state.zip(verified).ok_or(ApiError::Unauthorized)?;
            // The signature proves who; the session row proves the login was not ended since
            // (checked at most every `recent_sessions::FRESH_FOR` per login).
            let sid = session.to_string();
            let at = state.now();
            let now = at.naive_utc();
            let active = state.recent_sessions.is_fresh(&sid, now) || {
                let checked = sid.clone();
                let until = state
                    .run(move |conn| Ok(sessions::active_until(conn, &checked, now)?))
                    .await?;
                until
                    .inspect(|expires| state.recent_sessions.remember(sid, *expires))
                    .is_some()
            };
            if active {
                Ok(Caller(qorgau_app::Caller {
                    actor,
                    session,
                    ip,
                    request_id,
                    at,
                    reading,
                }))
            } else {
                Err(ApiError::Unauthorized)
            }
        })
    }
}

/// The token of `Authorization: Bearer <token>`, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
