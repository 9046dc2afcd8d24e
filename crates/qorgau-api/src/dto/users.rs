//! Bodies of users and their trainings (api.md § Geography, organisations, users).

use chrono::{DateTime, NaiveDate, Utc};
use qorgau_app::AppError;
use qorgau_app::accounts::{Account, NewAccount};
use qorgau_app::error::stored;
use qorgau_app::users::NewTraining;
use qorgau_persistence::trainings::TrainingRow;
use qorgau_persistence::users::UserFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    /// Never echoed or logged. At least 12 characters, not containing the username.
    pub password: String,
    pub role: String,
    pub organisation_id: String,
}

impl From<NewUser> for NewAccount {
    fn from(u: NewUser) -> Self {
        NewAccount {
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            password: u.password,
            role: u.role,
            organisation_id: u.organisation_id,
        }
    }
}

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

impl TryFrom<Account> for UserView {
    type Error = AppError;

    fn try_from(
        Account {
            user: u,
            organisation: o,
        }: Account,
    ) -> Result<Self, AppError> {
        Ok(UserView {
            id: stored("users", &u.id, "id", &u.id)?,
            organisation_id: stored("organisations", &o.id, "id", &o.id)?,
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            role: u.role.as_str().into(),
            region_code: o.region_code,
            district_code: o.district_code,
            created_at: u.created_at.and_utc(),
        })
    }
}

#[derive(Deserialize, IntoParams)]
pub struct UserQuery {
    pub organisation_id: Option<Uuid>,
    pub role: Option<String>,
}

impl From<UserQuery> for UserFilter {
    fn from(q: UserQuery) -> Self {
        UserFilter {
            organisation_id: q.organisation_id.map(|o| o.to_string()),
            role: q.role,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TrainingInput {
    /// The course, e.g. "Child rights and child protection basics".
    pub course: String,
    /// `YYYY-MM-DD`, not in the future.
    pub completed_on: String,
}

impl From<TrainingInput> for NewTraining {
    fn from(t: TrainingInput) -> Self {
        NewTraining {
            course: t.course,
            completed_on: t.completed_on,
        }
    }
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

impl TryFrom<TrainingRow> for TrainingView {
    type Error = AppError;

    fn try_from(t: TrainingRow) -> Result<Self, AppError> {
        Ok(TrainingView {
            id: stored("trainings", &t.id, "id", &t.id)?,
            user_id: stored("trainings", &t.id, "user_id", &t.user_id)?,
            recorded_by: stored("trainings", &t.id, "recorded_by", &t.recorded_by)?,
            course: t.course,
            completed_on: t.completed_on,
            recorded_at: t.recorded_at.and_utc(),
        })
    }
}
