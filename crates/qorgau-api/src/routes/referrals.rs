//! Referrals to partner organisations and transfers between regions (api.md § Cases): HTTP
//! only; the use cases are `qorgau_app::referrals` and `qorgau_app::transfers`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use qorgau_app::{referrals, transfers};
use qorgau_domain::ids::{CaseId, OrganisationId, ReferralId};
use qorgau_domain::interagency::{TransferInput, parse_decline_reason};
use qorgau_domain::referral::{ReferralAction, ReferralInput, parse_reason, parse_referral};
use qorgau_persistence::referrals::ReferralFilter;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::cases::CaseView;
use crate::dto::checked_page;
use crate::dto::referrals::{OutcomeInput, ReasonInput, ReferralQuery, ReferralView};
use crate::dto::transfers::TransferView;
use crate::error::{ApiError, Problem};
use crate::etag::with_etag;
use crate::idempotency::{RetryKey, Retryable, created, respond};
use crate::json::Json;
use crate::list::{List, ListParams, paginate};
use crate::state::AppState;

/// Refers the case to a partner organisation. Sharing needs a consent covering the
/// organisation's kind, or an override basis (case manager or supervisor only).
#[utoipa::path(operation_id = "createReferral", tag = "referrals", security(("bearer" = [])), request_body = ReferralInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = ReferralView),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Not allowed in the case's status, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem, description = "Invalid, or no consent covers sharing and no valid override"),
))]
#[post("/cases/{id}/referrals")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<ReferralInput>,
) -> Result<HttpResponse, ApiError> {
    let new = parse_referral(body.body)?;
    let case = CaseId(*id);
    let work =
        move |conn: &mut _, app: &_, caller: &_| referrals::create(conn, app, caller, case, new);
    state
        .once(caller, body.key, work, created::<ReferralView, _>)
        .await
}

/// Referrals: a specialist sees their organisation's queue (with the case summary of active
/// ones); the case team sees the referrals of their cases.
#[utoipa::path(operation_id = "listReferrals", tag = "referrals", security(("bearer" = [])), params(ReferralQuery, ListParams), responses(
    (status = 200, body = List<ReferralView>),
    (status = 403, body = Problem),
))]
#[get("/referrals")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ReferralQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<ReferralView>>, ApiError> {
    let page = params.page()?;
    let filter = ReferralFilter {
        organisation_id: query.organisation_id.map(OrganisationId),
        status: query.status.clone(),
    };
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(referrals::list(conn, &caller, &filter, &query_page)?))
        .await?;
    let list = paginate(rows, &page, |r| &r.row.id, ReferralView::try_from);
    Ok(web::Json(List {
        items: list.items.into_iter().collect::<Result<_, _>>()?,
        next_cursor: list.next_cursor,
    }))
}

/// The referrals and notifications of one case, oldest first — for the case team and the
/// supervisor (specialists use `GET /referrals`, bounded by their organisation).
#[utoipa::path(operation_id = "listCaseReferrals", tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<ReferralView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/referrals")]
pub async fn list_for_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<ReferralView>>, ApiError> {
    let page = params.page()?;
    let (rows, page) = state
        .run(move |conn| {
            let rows = referrals::list_for_case(conn, &caller, CaseId(*id), &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.row.id, ReferralView::try_from)?;
    Ok(web::Json(answer))
}

/// One referral.
#[utoipa::path(operation_id = "getReferral", tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView),
    (status = 404, body = Problem),
))]
#[get("/referrals/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let referral = state
        .run(move |conn| Ok(referrals::get(conn, &caller, ReferralId(*id))?))
        .await?;
    Ok(web::Json(referral.try_into()?))
}

/// Takes `action` on the referral `id`: what the four routes below share.
async fn step(
    state: web::Data<AppState>,
    caller: Caller,
    id: Uuid,
    action: ReferralAction,
) -> Result<web::Json<ReferralView>, ApiError> {
    let app = state.clone();
    let referral = state
        .run(move |conn| Ok(referrals::act(conn, &app, &caller, ReferralId(id), action)?))
        .await?;
    Ok(web::Json(referral.try_into()?))
}

/// The receiving organisation accepts the referral.
#[utoipa::path(operation_id = "acceptReferral", tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
))]
#[post("/referrals/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReferralView>, ApiError> {
    step(state, caller, id.into_inner(), ReferralAction::Accept).await
}

/// The receiving organisation declines, with a reason.
#[utoipa::path(operation_id = "declineReferral", tag = "referrals", security(("bearer" = [])), request_body = ReasonInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[post("/referrals/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonInput>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let reason = parse_reason("reason", body.0.reason.as_deref())?;
    step(
        state,
        caller,
        id.into_inner(),
        ReferralAction::Decline { reason },
    )
    .await
}

/// The receiving organisation completes the referral, with its outcome.
#[utoipa::path(operation_id = "completeReferral", tag = "referrals", security(("bearer" = [])), request_body = OutcomeInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem),
))]
#[post("/referrals/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<OutcomeInput>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let outcome = parse_reason("outcome", body.0.outcome.as_deref())?;
    step(
        state,
        caller,
        id.into_inner(),
        ReferralAction::Complete { outcome },
    )
    .await
}

/// The case team withdraws the referral.
#[utoipa::path(operation_id = "withdrawReferral", tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ReferralView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
))]
#[post("/referrals/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReferralView>, ApiError> {
    step(state, caller, id.into_inner(), ReferralAction::Withdraw).await
}

// ---------------------------------------------------------------------------------------------
// Transfers

/// Asks the receiving region to take the case over (the family moved).
#[utoipa::path(operation_id = "requestTransfer", tag = "referrals", security(("bearer" = [])), request_body = TransferInput, params(("id" = Uuid, Path), RetryKey), responses(
    (status = 202, body = TransferView, description = "Pending the receiving supervisor's decision"),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "A transfer is pending already, or the Idempotency-Key was used for another request"),
    (status = 422, body = Problem),
))]
#[post("/cases/{id}/transfer")]
pub async fn request_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Retryable<TransferInput>,
) -> Result<HttpResponse, ApiError> {
    let (case, input) = (CaseId(*id), body.body);
    let work =
        move |conn: &mut _, app: &_, caller: &_| transfers::request(conn, app, caller, case, input);
    let render = respond::<TransferView, _>(StatusCode::ACCEPTED);
    state.once(caller, body.key, work, render).await
}

/// The receiving region's supervisor accepts: the case, its history and its child move; the old
/// team loses access; the case awaits assignment in its new region.
#[utoipa::path(operation_id = "acceptTransfer", tag = "referrals", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
))]
#[post("/cases/{id}/transfer/accept")]
pub async fn accept_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone();
    let case = state
        .run(move |conn| {
            let moved = transfers::accept(conn, &app, &caller, CaseId(*id))?;
            Ok(CaseView::try_from(moved)?)
        })
        .await?;
    Ok(with_etag(case))
}

/// The receiving region's supervisor declines, with a reason; the case stays where it is.
#[utoipa::path(operation_id = "declineTransfer", tag = "referrals", security(("bearer" = [])), request_body = ReasonInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = TransferView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem),
))]
#[post("/cases/{id}/transfer/decline")]
pub async fn decline_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<ReasonInput>,
) -> Result<web::Json<TransferView>, ApiError> {
    let reason = parse_decline_reason(body.0.reason.as_deref())?;
    let app = state.clone();
    let transfer = state
        .run(move |conn| {
            Ok(transfers::decline(
                conn,
                &app,
                &caller,
                CaseId(*id),
                reason,
            )?)
        })
        .await?;
    Ok(web::Json(transfer.try_into()?))
}

/// Transfers awaiting the caller's decision (supervisors: into their region), oldest first.
#[utoipa::path(operation_id = "listIncomingTransfers", tag = "referrals", security(("bearer" = [])), params(ListParams), responses(
    (status = 200, body = List<TransferView>),
    (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/transfers")]
pub async fn incoming_transfers(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<TransferView>>, ApiError> {
    let page = params.page()?;
    let (rows, page) = state
        .run(move |conn| {
            let rows = transfers::incoming(conn, &caller, &page)?;
            Ok((rows, page))
        })
        .await?;
    let answer = checked_page(rows, &page, |r| &r.id, TransferView::try_from)?;
    Ok(web::Json(answer))
}
