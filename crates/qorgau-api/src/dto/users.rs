//! Bodies of users, their trainings and the management of accounts (api.md § Geography,
//! organisations, users; § Staff accounts).

use chrono::{DateTime, NaiveDate, Utc};
use qorgau_app::AppError;
use qorgau_app::accounts::{Account, NewAccount};
use qorgau_app::handover::HandedOver;
use qorgau_app::users::{AccountEdit, NewTraining, Reset, UserSearch};
use qorgau_domain::geography::DistrictCode;
use qorgau_domain::geography::RegionCode;
use qorgau_domain::ids::OrganisationId;
use qorgau_domain::role::Role;
use qorgau_persistence::trainings::TrainingRow;
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
    #[schema(value_type = Role)]
    pub role: String,
    #[schema(value_type = Uuid)]
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
    #[schema(value_type = Role)]
    pub role: String,
    pub organisation_id: Uuid,
    /// Fixed by the organisation.
    pub region_code: String,
    pub district_code: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `false`: deactivated — cannot sign in, holds no case.
    pub active: bool,
    /// An administrator reset the password and the user has not chosen a new one yet.
    pub must_change_password: bool,
    /// The account's version, also its `ETag`: send it as `If-Match` to `PATCH /users/{id}`.
    pub version: i32,
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
            id: u.id.0,
            organisation_id: o.id.0,
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            role: u.role.as_str().into(),
            region_code: o.region_code,
            district_code: o.district_code,
            created_at: u.created_at.and_utc(),
            active: u.active,
            must_change_password: u.must_change_password,
            version: u.version,
        })
    }
}

impl crate::etag::Versioned for UserView {
    fn version(&self) -> i64 {
        self.version.into()
    }
}

#[derive(Deserialize, IntoParams)]
pub struct UserQuery {
    pub organisation_id: Option<Uuid>,
    /// One of the roles.
    #[param(value_type = Option<Role>)]
    pub role: Option<String>,
    /// The region of the user's organisation.
    #[param(value_type = Option<RegionCode>)]
    pub region_code: Option<String>,
    /// The district of the user's organisation.
    #[param(value_type = Option<DistrictCode>)]
    pub district_code: Option<String>,
    /// `true`: active accounts only; `false`: deactivated ones only.
    pub active: Option<bool>,
    /// A part of the full name or the username, any case.
    pub q: Option<String>,
}

impl From<UserQuery> for UserSearch {
    fn from(q: UserQuery) -> Self {
        UserSearch {
            organisation_id: q.organisation_id.map(OrganisationId),
            role: q.role,
            region_code: q.region_code,
            district_code: q.district_code,
            active: q.active,
            q: q.q,
        }
    }
}

/// An administrator's edit of an account; absent fields stay as they are. A new role or
/// organisation ends the user's logins.
#[derive(Deserialize, ToSchema)]
pub struct UserPatch {
    pub full_name: Option<String>,
    /// `null` clears the address.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    #[schema(value_type = Option<Uuid>)]
    pub organisation_id: Option<String>,
}

/// A field that is present, even as `null` (`Some(None)`), apart from one that is absent
/// (`None`, by `#[serde(default)]`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl UserPatch {
    pub fn into_edit(self, version: i64) -> AccountEdit {
        AccountEdit {
            version,
            full_name: self.full_name,
            email: self.email,
            role: self.role,
            organisation_id: self.organisation_id,
        }
    }
}

/// A password reset: give `password` to set it, or nothing for a temporary one generated and
/// shown once. Either way the user must choose their own at the next sign-in.
#[derive(Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    /// Never echoed or logged. At least 12 characters, not containing the username.
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PasswordResetView {
    pub user: UserView,
    /// The generated password, shown this once; `null` when the administrator chose it.
    pub temporary_password: Option<String>,
}

impl TryFrom<Reset> for PasswordResetView {
    type Error = AppError;

    fn try_from(r: Reset) -> Result<Self, AppError> {
        Ok(PasswordResetView {
            user: UserView::try_from(r.account)?,
            temporary_password: r.temporary_password,
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct HandoverRequest {
    /// The active case manager (of the user's region) who takes the cases.
    pub to: Uuid,
}

/// What a hand-over moved.
#[derive(Serialize, ToSchema)]
pub struct HandoverView {
    pub from: UserView,
    pub to: UserView,
    /// The cases handed over, each now the `to` user's.
    pub cases: Vec<Uuid>,
    /// The pending deadlines that went with them.
    pub deadlines: i64,
}

impl TryFrom<HandedOver> for HandoverView {
    type Error = AppError;

    fn try_from(h: HandedOver) -> Result<Self, AppError> {
        Ok(HandoverView {
            from: UserView::try_from(h.from)?,
            to: UserView::try_from(h.to)?,
            cases: h.cases.into_iter().map(|c| c.0).collect(),
            deadlines: h.deadlines,
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TrainingInput {
    /// The course, e.g. "Child rights and child protection basics".
    pub course: String,
    /// `YYYY-MM-DD`, not in the future.
    #[schema(value_type = chrono::NaiveDate)]
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
            id: t.id.0,
            user_id: t.user_id.0,
            recorded_by: t.recorded_by.0,
            course: t.course,
            completed_on: t.completed_on,
            recorded_at: t.recorded_at.and_utc(),
        })
    }
}
