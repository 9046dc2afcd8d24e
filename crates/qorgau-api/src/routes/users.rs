//! Users (api.md § Geography, organisations, users).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use qorgau_domain::access::{Action, Actor, Location};
use qorgau_domain::report::{kazakhstan_date, parse_training};
use qorgau_persistence::organisations::OrganisationRow;
use qorgau_persistence::trainings::{self, TrainingRow};
use qorgau_persistence::users::{self, UserFilter, UserRow};
use qorgau_persistence::{DbConnection, write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::accounts::{self, NewUser};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::list::{List, ListParams, paginate};
use crate::state::AppState;

/// A user as others see them. The password hash never leaves the database layer.
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub role: String,
    pub organisation_id: Uuid,
    /// Fixed by the organisation.
    pub region_code: String,
    pub district_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl UserView {
    pub fn from_rows(u: UserRow, o: OrganisationRow) -> Self {
        UserView {
            id: u.id.parse().unwrap_or_default(),
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            role: u.role,
            organisation_id: o.id.parse().unwrap_or_default(),
            region_code: o.region_code,
            district_code: o.district_code,
            created_at: u.created_at.and_utc(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct UserQuery {
    pub organisation_id: Option<Uuid>,
    pub role: Option<String>,
}

/// Creates a user (administrators). The password is never echoed.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = NewUser, responses(
    (status = 201, body = UserView),
    (status = 403, body = Problem),
    (status = 409, body = Problem, description = "Username taken"),
    (status = 422, body = Problem),
))]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    caller.actor.scope(Action::CreateUser)?;
    let valid = body.0.validate()?;
    let hashed = web::block(move || valid.hash()).await??;
    let now = state.now();
    let (user, org) = state
        .run(move |conn| write(conn, |conn| accounts::insert(conn, hashed, now)))
        .await?;
    Ok(HttpResponse::Created().json(UserView::from_rows(user, org)))
}

/// Users the caller may see: administrators all, supervisors their region, others their
/// organisation.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(UserQuery, ListParams), responses(
    (status = 200, body = List<UserView>),
    (status = 401, body = Problem),
))]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UserQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<UserView>>, ApiError> {
    let scope = caller.actor.scope(Action::ViewUsers)?;
    let page = params.page()?;
    let filter = UserFilter {
        organisation_id: query.organisation_id.map(|o| o.to_string()),
        role: query.role.clone(),
    };
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(users::list(conn, &scope, &filter, &query_page)?))
        .await?;
    Ok(web::Json(paginate(
        rows,
        &page,
        |(u, _)| &u.id,
        |(u, o)| UserView::from_rows(u, o),
    )))
}

/// One user, if within the caller's view.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = UserView),
    (status = 404, body = Problem),
))]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserView>, ApiError> {
    let id = id.into_inner().to_string();
    let (user, org) = state
        .run(move |conn| Ok(users::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    let owner = user.id.parse().ok();
    let organisation = org.id.parse().ok();
    caller.actor.authorize(
        Action::ViewUsers,
        &Location {
            owner,
            organisation,
            region: Some(&org.region_code),
            district: org.district_code.as_deref(),
        },
    )?;
    Ok(web::Json(UserView::from_rows(user, org)))
}

/// The user `id` if `actor` may take `action` on them (else 404, as out of scope).
fn user_for(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    action: Action,
) -> Result<UserRow, ApiError> {
    let (user, org) = users::find(conn, id)?.ok_or(ApiError::NotFound)?;
    let at = Location {
        owner: user.id.parse().ok(),
        organisation: org.id.parse().ok(),
        region: Some(&org.region_code),
        district: org.district_code.as_deref(),
    };
    actor.authorize(action, &at)?;
    Ok(user)
}

#[derive(Deserialize, ToSchema)]
pub struct TrainingInput {
    /// The course, e.g. "Child rights and child protection basics".
    pub course: String,
    /// `YYYY-MM-DD`, not in the future.
    pub completed_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct TrainingView {
    pub id: Uuid,
    pub user_id: Uuid,
    pub course: String,
    pub completed_on: NaiveDate,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
}

impl From<TrainingRow> for TrainingView {
    fn from(t: TrainingRow) -> Self {
        TrainingView {
            id: t.id.parse().unwrap_or_default(),
            user_id: t.user_id.parse().unwrap_or_default(),
            course: t.course,
            completed_on: t.completed_on,
            recorded_by: t.recorded_by.parse().unwrap_or_default(),
            recorded_at: t.recorded_at.and_utc(),
        }
    }
}

/// Records a child-rights training the user completed (seed indicator 2): administrators, or
/// the supervisor for staff of their region.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = TrainingInput, params(("id" = Uuid, Path)), responses(
    (status = 201, body = TrainingView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[post("/users/{id}/trainings")]
pub async fn add_training(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<TrainingInput>,
) -> Result<HttpResponse, ApiError> {
    caller.actor.scope(Action::RecordTraining)?;
    let now = state.now();
    let training = parse_training(
        &body.0.course,
        &body.0.completed_on,
        kazakhstan_date(now.naive_utc()),
    )?;
    let id = id.into_inner().to_string();
    let actor = caller.0.actor;
    let row = state
        .run(move |conn| {
            write(conn, |c| {
                let user = user_for(c, &actor, &id, Action::RecordTraining)?;
                let row = TrainingRow {
                    id: Uuid::now_v7().to_string(),
                    user_id: user.id,
                    course: training.course,
                    completed_on: training.completed_on,
                    recorded_by: actor.user_id.to_string(),
                    recorded_at: now.naive_utc(),
                };
                trainings::insert(c, &row)?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(TrainingView::from(row)))
}

/// The trainings recorded for a user the caller may see, most recent first.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<TrainingView>),
    (status = 404, body = Problem),
))]
#[get("/users/{id}/trainings")]
pub async fn list_trainings(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<TrainingView>>, ApiError> {
    let id = id.into_inner().to_string();
    let actor = caller.0.actor;
    let rows = state
        .run(move |conn| {
            let user = user_for(conn, &actor, &id, Action::ViewUsers)?;
            Ok(trainings::for_user(conn, &user.id)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(TrainingView::from).collect(),
    ))
}
