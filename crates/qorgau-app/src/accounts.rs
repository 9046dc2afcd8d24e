//! Accounts: creating users — shared by `POST /users`, `qorgau user create`, `qorgau demo` and
//! the first-start administrator.

use chrono::{DateTime, Utc};
use qorgau_domain::account;
use qorgau_domain::ids::{OrganisationId, UserId};
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::role::Role;
use qorgau_domain::validation::{FieldError, Validation, bounded_text, email};
use qorgau_persistence::organisations::{self, OrganisationRow};
use qorgau_persistence::users::{self, UserRow};
use qorgau_persistence::{DbConnection, DbError, write};

use crate::error::AppError;
use crate::{passwords, secrets};

/// A user with their organisation, which fixes their region and district.
pub struct Account {
    pub user: UserRow,
    pub organisation: OrganisationRow,
}

impl From<(UserRow, OrganisationRow)> for Account {
    fn from((user, organisation): (UserRow, OrganisationRow)) -> Self {
        Account { user, organisation }
    }
}

/// A user to create, as given: every field is checked by [`NewAccount::validate`].
pub struct NewAccount {
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    /// Never echoed or logged. At least 12 characters, not containing the username.
    pub password: String,
    pub role: String,
    pub organisation_id: String,
}

/// A new user whose fields are all valid; the organisation's existence is checked on insert.
pub struct ValidAccount {
    username: String,
    full_name: String,
    email: Option<String>,
    password: String,
    role: Role,
    organisation_id: OrganisationId,
}

impl NewAccount {
    pub fn validate(self) -> Result<ValidAccount, Vec<FieldError>> {
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
            ) => Ok(ValidAccount {
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

impl ValidAccount {
    /// Hashes the password: slow by design, so done before any transaction opens.
    pub fn hash(self) -> Result<HashedAccount, AppError> {
        let password_hash = passwords::hash(&self.password)?;
        Ok(HashedAccount {
            account: self,
            password_hash,
        })
    }
}

/// A valid new user with their password hashed, ready to insert.
pub struct HashedAccount {
    account: ValidAccount,
    password_hash: String,
}

/// Creates the user: validates, hashes the password, inserts. Every front door that creates
/// one account goes through here (`POST /users` after its access check, `qorgau user create`).
pub fn create(
    conn: &mut DbConnection,
    new: NewAccount,
    now: DateTime<Utc>,
) -> Result<Account, AppError> {
    let hashed = new.validate()?.hash()?;
    write(conn, |c| insert(c, hashed, now))
}

/// Inserts the user; invalid for an unknown organisation, a conflict for a taken username.
/// Call it inside the caller's write transaction.
pub fn insert(
    conn: &mut DbConnection,
    new: HashedAccount,
    now: DateTime<Utc>,
) -> Result<Account, AppError> {
    let org_id = new.account.organisation_id;
    let organisation = organisations::find(conn, org_id)?
        .ok_or_else(|| AppError::invalid("organisation_id", "no such organisation"))?;
    let user = UserRow {
        id: UserId::new(),
        username: new.account.username,
        full_name: new.account.full_name,
        email: new.account.email,
        password_hash: new.password_hash,
        role: new.account.role,
        organisation_id: org_id,
        active: true,
        created_at: now.naive_utc(),
        version: 1,
        must_change_password: false,
    };
    users::insert(conn, &user).map_err(|e| match e {
        DbError::Duplicate(_) => AppError::conflict("this username is taken"),
        other => other.into(),
    })?;
    Ok(Account { user, organisation })
}

/// The organisation that holds administrators created without one.
const ADMINISTRATION: &str = "Qorgau administration";

/// On an empty database, creates the `admin` user with a random password and returns it, to be
/// shown once. Returns `None` when any user exists (or another instance just created one).
pub fn ensure_admin(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    if users::count(conn)? > 0 {
        return Ok(None);
    }
    let password = secrets::random_token();
    let password_hash = passwords::hash(&password)?;
    let created = write(conn, |conn| {
        if users::count(conn)? > 0 {
            return Ok(false);
        }
        let org = administration(conn, now)?;
        let account = ValidAccount {
            username: "admin".into(),
            full_name: "Administrator".into(),
            email: None,
            password: String::new(),
            role: Role::Admin,
            organisation_id: org.id,
        };
        insert(
            conn,
            HashedAccount {
                account,
                password_hash,
            },
            now,
        )?;
        Ok::<_, AppError>(true)
    });
    match created {
        Ok(true) => Ok(Some(password)),
        // Another instance starting at the same moment won the race.
        Ok(false) | Err(AppError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The administration organisation (in Astana, KZ-71), created on first use. Call it inside
/// the caller's write transaction.
pub fn administration(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<OrganisationRow, AppError> {
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
        id: OrganisationId::new(),
        name: ADMINISTRATION.into(),
        kind: OrganisationKind::Other,
        region_code: "KZ-71".into(),
        district_code: None,
        email: None,
        created_at: now.naive_utc(),
    };
    organisations::insert(conn, &row)?;
    Ok(row)
}
