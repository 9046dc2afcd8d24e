//! Request bodies over `max_body_bytes` answer 413 whatever their type and whichever route they
//! are sent to, judged by `Content-Length` before the request goes any further. A body sent
//! without a length (chunked) is cut off at the same limit by the JSON extractor. A document
//! upload (`POST /api/v1/cases/{id}/documents`) may be as large as `documents.max_bytes` plus
//! the form's overhead; its reader cuts the file off at `documents.max_bytes`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::{Error, web};
use futures_util::StreamExt;

use crate::error::ApiError;
use crate::state::AppState;

/// A refused body up to this size is read and thrown away before the 413 goes out: a client
/// still sending when the connection closes gets a reset instead of the answer. Larger ones
/// are not worth the bandwidth; their senders get the reset.
const DRAIN_AT_MOST: u64 = 16 * 1024 * 1024;

pub async fn limit_body(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let upload = crate::routes::documents::is_upload(req.method(), req.path());
    let max = req.app_data::<web::Data<AppState>>().map(|state| {
        if upload {
            state.config.documents.max_bytes + crate::routes::documents::FORM_OVERHEAD
        } else {
            state.config.max_body_bytes as u64
        }
    });
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match (declared, max) {
        (Some(length), Some(max)) if length > max => {
            if length <= DRAIN_AT_MOST {
                drain(req.parts_mut().1.take()).await;
            }
            let mut res = req.error_response(ApiError::PayloadTooLarge);
            // Nothing more is read from this connection.
            res.response_mut()
                .head_mut()
                .set_connection_type(ConnectionType::Close);
            Ok(res.map_into_right_body())
        }
        _ => Ok(next.call(req).await?.map_into_left_body()),
    }
}

async fn drain(mut payload: Payload) {
    let mut read = 0;
    while let Some(Ok(chunk)) = payload.next().await {
        read += chunk.len() as u64;
        if read > DRAIN_AT_MOST {
            break;
        }
    }
}
