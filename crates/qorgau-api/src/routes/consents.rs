//! The legal representative's consent (api.md § Interagency records): HTTP only; the use
//! cases are `qorgau_app::consents`.

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::consents;
use qorgau_domain::consent::{ConsentInput, parse_consent};
use qorgau_domain::ids::{CaseId, ConsentId};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::checked_page;
use crate::dto::consents::ConsentView;
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, Retryable, created};
use crate::list::{List, ListParams};
use crate::state::AppState;

/// Records the legal representative's consent. A relation marked as an alleged perpetrator
/// cannot be recorded as the one consenting (422).
#[utoipa::path(operation_id = "addConsent", tag = "records", security(("bearer" = [])), request_body = ConsentInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = ConsentView), (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The Idempotency-Key was used for another request"), (status = 422, body = Problem),
))]
#[post("/cases/{id}/consents")]
pub async fn add_consent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<ConsentInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_consent(body.body, caller.at)?;
    let case = CaseId(*id);
    let work = move |conn: &mut _, app: &_, caller: &_| consents::add(conn, app, caller, case, new);
    state
        .once(caller, body.key, work, created::<ConsentView, _>)
        .await
}

/// The consents recorded on the case, withdrawn ones included, oldest first.
#[utoipa::path(operation_id = "listConsents", tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<ConsentView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/consents")]
pub async fn list_consents(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<ConsentView>>, ApiError> {
    let page = params.page()?;
    let (rows, page) = state
        .run(move |conn| {
            let rows = consents::list(conn, &caller, CaseId(*id), &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.id, ConsentView::try_from)?;
    Ok(web::Json(answer))
}

/// Withdraws a consent: referrals made after this need another basis.
#[utoipa::path(operation_id = "withdrawConsent", tag = "records", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ConsentView), (status = 404, body = Problem), (status = 409, body = Problem),
))]
#[post("/consents/{id}/withdraw")]
pub async fn withdraw_consent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ConsentView>, ApiError> {
    let app = state.clone();
    let consent = state
        .run(move |conn| Ok(consents::withdraw(conn, &app, &caller, ConsentId(*id))?))
        .await?;
    Ok(web::Json(consent.try_into()?))
}
