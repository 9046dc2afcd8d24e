//! Concurrent edits (api.md § Concurrent edits): every mutable resource answers its version as
//! `ETag`, and its update requires `If-Match` with it — 428 without, 412 when stale — so two
//! people cannot silently overwrite each other.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use qorgau_app::AppError;
use qorgau_persistence::DbConnection;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

/// A view of a resource with a version: what its `ETag` says.
pub trait Versioned {
    fn version(&self) -> i64;
}

/// The resource as JSON (200) with its version as `ETag`.
pub fn with_etag<V: Versioned + Serialize>(view: V) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", view.version())))
        .json(view)
}

impl AppState {
    /// Runs a use case that reads or edits a versioned resource, and answers the result as its
    /// view `V` with the version as `ETag` ([`with_etag`]).
    pub async fn versioned<V, T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    ) -> Result<HttpResponse, ApiError>
    where
        V: TryFrom<T> + Versioned + Serialize,
        ApiError: From<V::Error>,
        T: Send + 'static,
    {
        let found = self.run(move |conn| Ok(work(conn)?)).await?;
        Ok(with_etag(V::try_from(found)?))
    }
}

/// The version named by `If-Match` (`"3"`, `W/"3"` or `3`); 428 without one.
pub fn if_match(req: &HttpRequest) -> Result<i64, ApiError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        // A tag that names no version of ours cannot match.
        .ok_or(ApiError::PreconditionFailed)
}

/// For a resource that may not exist yet: `If-None-Match: *` (create it: `None`) or
/// `If-Match` (change the version named); 428 with neither.
pub fn if_match_or_absent(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    if req.headers().contains_key(header::IF_MATCH) {
        return if_match(req).map(Some);
    }
    match req.headers().get(header::IF_NONE_MATCH) {
        Some(v) if v.to_str().is_ok_and(|v| v.trim() == "*") => Ok(None),
        // Only `*` means "none yet"; a tag here is a precondition this resource cannot use.
        Some(_) => Err(ApiError::PreconditionFailed),
        None => Err(ApiError::PreconditionRequired),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn if_match_reads_the_version() {
        let req = |h: &str| TestRequest::default().insert_header((header::IF_MATCH, h));
        assert_eq!(if_match(&req("\"3\"").to_http_request()).ok(), Some(3));
        assert_eq!(if_match(&req("W/\"4\"").to_http_request()).ok(), Some(4));
        assert!(matches!(
            if_match(&req("\"x\"").to_http_request()),
            Err(ApiError::PreconditionFailed)
        ));
        assert!(matches!(
            if_match(&TestRequest::default().to_http_request()),
            Err(ApiError::PreconditionRequired)
        ));
    }

    #[test]
    fn a_resource_not_there_yet_takes_if_none_match_star() {
        let none = TestRequest::default().insert_header((header::IF_NONE_MATCH, "*"));
        assert_eq!(if_match_or_absent(&none.to_http_request()).ok(), Some(None));
        let tagged = TestRequest::default().insert_header((header::IF_MATCH, "\"2\""));
        assert_eq!(
            if_match_or_absent(&tagged.to_http_request()).ok(),
            Some(Some(2))
        );
        assert!(matches!(
            if_match_or_absent(&TestRequest::default().to_http_request()),
            Err(ApiError::PreconditionRequired)
        ));
    }
}
