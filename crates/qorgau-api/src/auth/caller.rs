//! `Caller`: the authenticated user of a request, from `Authorization: Bearer <jwt>`.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use qorgau_domain::access::Actor;
use qorgau_domain::ids::SessionId;
use qorgau_persistence::sessions;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Actor,
    pub session: SessionId,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let verified = state.as_ref().and_then(|s| s.tokens.verify(bearer(req)?));
        Box::pin(async move {
            let (state, (actor, session)) = state.zip(verified).ok_or(ApiError::Unauthorized)?;
            // The signature proves who; the session row proves the login was not ended since.
            let sid = session.to_string();
            let now = state.now().naive_utc();
            let active = state
                .run(move |conn| Ok(sessions::is_active(conn, &sid, now)?))
                .await?;
            if active {
                Ok(Caller { actor, session })
            } else {
                Err(ApiError::Unauthorized)
            }
        })
    }
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
