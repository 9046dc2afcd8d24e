//! `GET /api/v1/labels`: the catalogue of labels (`crate::labels`) a client shows codes with.

use actix_web::{HttpRequest, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, Problem};
use crate::labels::{Catalogue, Lang, from_accept_language};

#[derive(Deserialize, IntoParams)]
pub struct LabelsQuery {
    /// `kk`, `ru` or `en`. Absent: the best of `Accept-Language`, else `kk`.
    #[param(value_type = Option<Lang>)]
    pub lang: Option<String>,
}

/// The label of every code of every vocabulary (concerns, sources, statuses, risk levels, kinds,
/// reasons, roles…) and the console's texts, in one language. Public: labels disclose nothing.
#[utoipa::path(operation_id = "listLabels", tag = "labels", params(LabelsQuery), responses(
    (status = 200, body = Catalogue),
    (status = 422, body = Problem, description = "`lang` is not kk, ru or en"),
))]
#[get("/labels")]
pub async fn labels(
    req: HttpRequest,
    query: web::Query<LabelsQuery>,
) -> Result<web::Json<Catalogue>, ApiError> {
    let lang = match query.lang.as_deref() {
        Some(code) => Lang::from_code(code)
            .ok_or_else(|| ApiError::invalid("lang", "must be kk, ru or en"))?,
        None => req
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or(Lang::Kk),
    };
    Ok(web::Json(Catalogue::of(lang)))
}
