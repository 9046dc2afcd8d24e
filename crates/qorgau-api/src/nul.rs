//! A NUL character in the path or the query string (`%00`) answers 400 before any handler runs:
//! PostgreSQL's text cannot hold it, so a search for it would fail as a database error (found
//! by schema-driven fuzzing, docs/reliability.md), and no code, name or id contains it. In JSON
//! bodies the text fields' own validation refuses control characters, naming the field (422).

use actix_web::Error;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::ApiError;

pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let uri = req.uri();
    let holds_nul = |s: &str| s.contains("%00");
    if holds_nul(uri.path()) || uri.query().is_some_and(holds_nul) {
        let res = req.error_response(ApiError::BadRequest(
            "the path or query string holds a NUL character (%00)".into(),
        ));
        return Ok(res.map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
