//! Creating users: shared by `POST /users`, `qorgau user create` and the first-start admin;
//! and counting login attempts for the lockout.

use chrono::{DateTime, Utc};
use qorgau_domain::account::{self, LockoutPolicy};
use qorgau_domain::ids::{OrganisationId, UserId};
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::role::Role;
use qorgau_domain::validation::{FieldError, Validation, bounded_text, email};
use qorgau_persistence::login_failures;
use qorgau_persistence::organisations::{self, OrganisationRow};
use qorgau_persistence::users::{self, UserRow};
use qorgau_persistence::{DbConnection, DbError, write};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{passwords, tokens};
use crate::error::ApiError;

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

/// A new user whose fields are all valid; the organisation's existence is checked on insert.
pub struct ValidUser {
    username: String,
    full_name: String,
    email: Option<String>,
    password: String,
    role: Role,
    organisation_id: OrganisationId,
}

impl NewUser {
    pub fn validate(self) -> Result<ValidUser, Vec<FieldError>> {
        let mut v = Validation::new();
        let username = v.check("username", account::parse_username(&self.username));
        let full_name = v.check("full_name", bounded_text(&self.full_name, 200));
        let email = match self.email.as_deref().filter(|e| !e.trim().is_empty()) {
            Some(e) => v.check("email", email(e)).map(Some),
            None => Some(None),
        };
        let password_ok = v.check(
            "password",
            account::check_password(&self.username, &self.password),
        );
        let role = v.check(
            "role",
            Role::from_code(&self.role).ok_or("is not one of the roles"),
        );
        let organisation_id = v.check(
            "organisation_id",
            self.organisation_id
                .parse::<OrganisationId>()
                .map_err(|_| "must be an organisation id"),
        );
        match (
            username,
            full_name,
            email,
            password_ok,
            role,
            organisation_id,
        ) {
            (
                Some(username),
                Some(full_name),
                Some(email),
                Some(()),
                Some(role),
                Some(organisation_id),
            ) => Ok(ValidUser {
                username,
                full_name,
                email,
                password: self.password,
                role,
                organisation_id,
            }),
            _ => Err(v.into_errors()),
        }
    }
}

impl ValidUser {
    /// Hashes the password (slow by design: run it off the async workers).
    pub fn hash(self) -> Result<HashedUser, ApiError> {
        let password_hash = passwords::hash(&self.password)?;
        Ok(HashedUser {
            user: self,
            password_hash,
        })
    }
}

pub struct HashedUser {
    user: ValidUser,
    password_hash: String,
}

/// Inserts the user; 422 for an unknown organisation, 409 for a taken username. Call it inside
/// the caller's write transaction.
pub fn insert(
    conn: &mut DbConnection,
    new: HashedUser,
    now: DateTime<Utc>,
) -> Result<(UserRow, OrganisationRow), ApiError> {
    let org_id = new.user.organisation_id.to_string();
    let org = organisations::find(conn, &org_id)?
        .ok_or_else(|| ApiError::invalid("organisation_id", "no such organisation"))?;
    let row = UserRow {
        id: UserId::new().to_string(),
        username: new.user.username,
        full_name: new.user.full_name,
        email: new.user.email,
        password_hash: new.password_hash,
        role: new.user.role.as_str().into(),
        organisation_id: org_id,
        active: true,
        created_at: now.naive_utc(),
    };
    users::insert(conn, &row).map_err(|e| match e {
        DbError::Duplicate(_) => ApiError::conflict("this username is taken"),
        other => other.into(),
    })?;
    Ok((row, org))
}

/// Counts a login attempt on `account` (a `lockout_key`) before its password is checked, so
/// that parallel guesses cannot outrun the count; a successful login clears it, so what remains
/// are failures. While the account is locked the attempt is refused (429, `Retry-After`) and not
/// counted: the lock lifts on time however often it is knocked on. Unknown usernames are
/// counted alike — the answer never tells whether an account exists.
pub fn count_login_attempt(
    conn: &mut DbConnection,
    account: &str,
    policy: LockoutPolicy,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let window_start = (now - policy.window).naive_utc();
    write(conn, |conn| {
        login_failures::lock_account(conn, account)?;
        let recent = login_failures::since(conn, account, window_start)?;
        if let Some(wait) = policy.locked_for(recent.into_iter().map(|t| t.and_utc()), now) {
            tracing::warn!("login refused: too many failures for one username");
            // Whole seconds, rounded up: a client told 0 would retry at once.
            let seconds = (wait.num_milliseconds() + 999) / 1000;
            return Err(ApiError::TooManyRequests {
                retry_after: u64::try_from(seconds).unwrap_or(1).max(1),
            });
        }
        login_failures::purge(conn, window_start)?;
        login_failures::record(conn, account, now.naive_utc())?;
        Ok(())
    })
}

/// The organisation that holds administrators created without one.
const ADMINISTRATION: &str = "Qorgau administration";

/// On an empty database, creates the `admin` user with a random password and returns it, to be
/// shown once. Returns `None` when any user exists (or another instance just created one).
pub fn ensure_admin(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<Option<String>, ApiError> {
    if users::count(conn)? > 0 {
        return Ok(None);
    }
    let password = tokens::random_token();
    let password_hash = passwords::hash(&password)?;
    let created = write(conn, |conn| {
        if users::count(conn)? > 0 {
            return Ok(false);
        }
        let org = administration(conn, now)?;
        let user = ValidUser {
            username: "admin".into(),
            full_name: "Administrator".into(),
            email: None,
            password: String::new(),
            role: Role::Admin,
            organisation_id: org.id.parse().map_err(|_| ApiError::Internal)?,
        };
        insert(
            conn,
            HashedUser {
                user,
                password_hash,
            },
            now,
        )?;
        Ok::<_, ApiError>(true)
    });
    match created {
        Ok(true) => Ok(Some(password)),
        // Another instance starting at the same moment won the race.
        Ok(false) | Err(ApiError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The administration organisation (in Astana, KZ-71), created on first use. Call it inside
/// the caller's write transaction.
pub fn administration(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<OrganisationRow, ApiError> {
    let filter = organisations::OrganisationFilter {
        kind: Some(OrganisationKind::Other.as_str().into()),
        region_code: Some("KZ-71".into()),
    };
    let page = qorgau_persistence::Page {
        after: None,
        limit: 500,
    };
    if let Some(existing) = organisations::list(conn, &filter, &page)?
        .into_iter()
        .find(|o| o.name == ADMINISTRATION)
    {
        return Ok(existing);
    }
    let row = OrganisationRow {
        id: OrganisationId::new().to_string(),
        name: ADMINISTRATION.into(),
        kind: OrganisationKind::Other.as_str().into(),
        region_code: "KZ-71".into(),
        district_code: None,
        email: None,
        created_at: now.naive_utc(),
    };
    organisations::insert(conn, &row)?;
    Ok(row)
}
