//! Users (api.md § Geography, organisations, users; § Staff accounts): creating them, who sees
//! whom, their child-rights trainings and one's own profile; deactivation, password resets and
//! edits of role and organisation, by administrators or at the host's console.

use chrono::{DateTime, Utc};
use qorgau_domain::access::{Action, Location};
use qorgau_domain::account::{self, SessionRevocation};
use qorgau_domain::ids::{OrganisationId, TrainingId, UserId};
use qorgau_domain::report::{kazakhstan_date, parse_training};
use qorgau_domain::role::Role;
use qorgau_domain::validation::{Validation, bounded_text, email};
use qorgau_persistence::trainings::{self, TrainingRow};
use qorgau_persistence::users::{self, UserChanges, UserFilter};
use qorgau_persistence::{
    DbConnection, Page, cases, login_failures, organisations, sessions, write,
};

use crate::accounts::{self, Account, NewAccount};
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::error::AppError;
use crate::{passwords, secrets};

/// Creates a user (administrators). The password is hashed before the transaction opens.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    new: NewAccount,
) -> Result<Account, AppError> {
    caller.actor.scope(Action::CreateUser)?;
    accounts::create(conn, new, caller.at)
}

/// The filters of the staff directory, as given (`GET /users?role=&organisation_id=&…`).
#[derive(Clone, Debug, Default)]
pub struct UserSearch {
    pub organisation_id: Option<OrganisationId>,
    pub role: Option<String>,
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    pub active: Option<bool>,
    /// A part of the full name or the username; blank is no filter.
    pub q: Option<String>,
}

/// The longest `q` of a staff search.
const MAX_QUERY: usize = 100;

impl UserSearch {
    /// The filter, every code parsed: an unknown role is invalid, never an empty list.
    pub fn validate(self) -> Result<UserFilter, AppError> {
        let mut v = Validation::new();
        let role = match self.role.as_deref() {
            Some(code) => v.check("role", code.parse::<Role>()),
            None => None,
        };
        let q = self
            .q
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty());
        if q.as_ref().is_some_and(|q| q.chars().count() > MAX_QUERY) {
            v.add("q", format!("must be at most {MAX_QUERY} characters"));
        }
        Ok(v.finish(|| UserFilter {
            organisation_id: self.organisation_id,
            role,
            region_code: self.region_code,
            district_code: self.district_code,
            active: self.active,
            q,
        })?)
    }
}

/// Users the caller may see matching `search`: administrators all, supervisors their region,
/// others their organisation; deactivated accounts too unless `active` says otherwise. A page
/// of rows (one more than shown).
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    search: UserSearch,
    page: &Page,
) -> Result<Vec<Account>, AppError> {
    let scope = caller.actor.scope(Action::ViewUsers)?;
    let filter = search.validate()?;
    Ok(users::list(conn, &scope, &filter, page)?
        .into_iter()
        .map(Account::from)
        .collect())
}

/// One user, if within the caller's view.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: UserId) -> Result<Account, AppError> {
    account_for(conn, caller, id, Action::ViewUsers)
}

/// The caller's own account; `None` if it is gone.
pub fn me(conn: &mut DbConnection, caller: &Caller) -> Result<Option<Account>, AppError> {
    let id = caller.actor.user_id;
    Ok(users::find(conn, id)?.map(Account::from))
}

/// The account `id` if the caller may take `action` on it (else not found, as out of scope, or
/// denied).
pub(crate) fn account_for(
    conn: &mut DbConnection,
    caller: &Caller,
    id: UserId,
    action: Action,
) -> Result<Account, AppError> {
    let account = Account::from(users::find(conn, id)?.ok_or(AppError::NotFound)?);
    let (user, org) = (&account.user, &account.organisation);
    let at = Location {
        owner: Some(user.id),
        organisation: Some(org.id),
        region: Some(&org.region_code),
        district: org.district_code.as_deref(),
    };
    caller.actor.authorize(action, &at)?;
    Ok(account)
}

// ---------------------------------------------------------------------------------------------
// Managing accounts: deactivation, password resets, role and organisation (administrators; the
// console of the host)

/// Who manages an account.
pub enum Operator<'a> {
    /// A signed-in user: an administrator (or, for a hand-over, the region's supervisor).
    Caller(&'a Caller),
    /// The operator of the host at its console (`qorgau user …`), trusted as whoever holds the
    /// database is: the first administrator's way in, and the way back when no administrator
    /// can sign in. Audited without a user.
    Console { at: DateTime<Utc> },
}

impl Operator<'_> {
    fn at(&self) -> DateTime<Utc> {
        match self {
            Operator::Caller(caller) => caller.at,
            Operator::Console { at } => *at,
        }
    }

    /// The account `id`, if the operator may manage it (else forbidden, or not found).
    fn account(&self, conn: &mut DbConnection, id: UserId) -> Result<Account, AppError> {
        match self {
            Operator::Caller(caller) => {
                caller.actor.scope(Action::ManageUsers)?;
                account_for(conn, caller, id, Action::ManageUsers)
            }
            Operator::Console { .. } => find(conn, id),
        }
    }

    /// Is the operator the user `id`?
    fn is(&self, id: UserId) -> bool {
        matches!(self, Operator::Caller(caller) if caller.actor.user_id == id)
    }

    /// The audit entry of `act` on `account`.
    fn log(&self, conn: &mut DbConnection, act: Act, account: &Account) -> Result<(), AppError> {
        let target = Target {
            resource: "user",
            id: account.user.id.to_string(),
            child_id: None,
            region: Some(&account.organisation.region_code),
        };
        match self {
            Operator::Caller(caller) => audit::log(conn, caller, act, target),
            Operator::Console { at } => audit::log_console(conn, *at, act, target),
        }
    }
}

/// The account `id`, whoever may see it: for the console, and to show an account once changed.
fn find(conn: &mut DbConnection, id: UserId) -> Result<Account, AppError> {
    Ok(Account::from(
        users::find(conn, id)?.ok_or(AppError::NotFound)?,
    ))
}

/// The id of the account named `username`, active or not (the console names accounts so).
pub fn id_of(conn: &mut DbConnection, username: &str) -> Result<UserId, AppError> {
    let (user, _) = users::find_by_username(conn, username.trim())?.ok_or(AppError::NotFound)?;
    Ok(user.id)
}

/// Refuses to take from a user what they hold: open cases and pending deadlines must be handed
/// over first, so that none is left with a person who can no longer act on it.
pub(crate) fn ensure_holds_nothing(
    conn: &mut DbConnection,
    account: &Account,
    doing: &str,
) -> Result<(), AppError> {
    let id = account.user.id;
    let held = cases::held_by(conn, id)?;
    if held.is_empty() {
        return Ok(());
    }
    Err(AppError::conflict(format!(
        "{} holds {} open case(s) with {} pending deadline(s): hand them over first \
         (POST /api/v1/users/{id}/handover) or reassign each case, then {doing}",
        account.user.full_name, held.open_cases, held.pending_deadlines
    )))
}

/// Deactivates the account: it can no longer sign in, every login of it ends at once (access
/// tokens are refused on the next check of the login: at once on the instance that did this,
/// within 2 s on the others) and it is audited. Refused for one's own account and for a user who
/// holds open cases or pending deadlines (hand them over first). Deactivating an inactive
/// account changes nothing.
pub fn deactivate(
    conn: &mut DbConnection,
    operator: &Operator<'_>,
    id: UserId,
) -> Result<Account, AppError> {
    let at = operator.at();
    write(conn, |tx| {
        let account = operator.account(tx, id)?;
        if !account.user.active {
            return Ok(account);
        }
        if operator.is(id) {
            return Err(AppError::conflict(
                "you cannot deactivate your own account: another administrator must",
            ));
        }
        // The update takes the row lock first: an assignment to this user waits for it and
        // then finds them inactive, or commits first and is counted here. Another
        // deactivation that got there first has done the rest.
        if !users::set_active(tx, id, false)? {
            return find(tx, id);
        }
        ensure_holds_nothing(tx, &account, "deactivate the account")?;
        sessions::revoke_all_of(tx, id, SessionRevocation::Deactivated, at.naive_utc())?;
        operator.log(tx, Act::Deactivate, &account)?;
        find(tx, id)
    })
}

/// Reactivates the account: it may sign in again (with its password as it was); audited.
/// Reactivating an active account changes nothing.
pub fn reactivate(
    conn: &mut DbConnection,
    operator: &Operator<'_>,
    id: UserId,
) -> Result<Account, AppError> {
    write(conn, |tx| {
        let account = operator.account(tx, id)?;
        if account.user.active || !users::set_active(tx, id, true)? {
            return find(tx, id);
        }
        operator.log(tx, Act::Reactivate, &account)?;
        find(tx, id)
    })
}

/// A password reset: the account, and the temporary password to hand over — shown once, `None`
/// when the administrator chose the password.
pub struct Reset {
    pub account: Account,
    pub temporary_password: Option<String>,
}

/// Resets the account's password to `chosen` (which must meet the policy) or to a generated
/// temporary one, which the user must change at their next sign-in (until then their tokens may
/// do nothing else); ends every login of the account, clears its sign-in lockout; audited.
/// Refused for one's own account (`POST /me/password` changes one's own).
pub fn reset_password(
    conn: &mut DbConnection,
    operator: &Operator<'_>,
    id: UserId,
    chosen: Option<String>,
) -> Result<Reset, AppError> {
    let username = operator.account(conn, id)?.user.username;
    if operator.is(id) {
        return Err(AppError::conflict(
            "you cannot reset your own password: change it with POST /api/v1/me/password",
        ));
    }
    let (password, temporary_password) = match chosen {
        Some(password) => {
            account::check_password(&username, &password)
                .map_err(|e| AppError::invalid("password", e.to_string()))?;
            (password, None)
        }
        None => {
            let password = std::iter::repeat_with(secrets::temporary_password)
                .find(|p| account::check_password(&username, p).is_ok())
                .ok_or(AppError::Internal)?;
            (password.clone(), Some(password))
        }
    };
    // Hashing is slow by design: before the transaction opens.
    let hash = passwords::hash(&password)?;
    let at = operator.at();
    let account = write(conn, |tx| {
        let account = operator.account(tx, id)?;
        users::set_password(tx, id, &hash, true)?;
        sessions::revoke_all_of(tx, id, SessionRevocation::PasswordReset, at.naive_utc())?;
        login_failures::clear(tx, &account::lockout_key(&account.user.username))?;
        operator.log(tx, Act::ResetPassword, &account)?;
        find(tx, id)
    })?;
    Ok(Reset {
        account,
        temporary_password,
    })
}

/// An administrator's edit of an account (`PATCH /users/{id}`), as given; absent fields stay.
#[derive(Clone, Debug, Default)]
pub struct AccountEdit {
    /// The version the edit was made from (`If-Match`).
    pub version: i64,
    pub full_name: Option<String>,
    /// `Some(None)` clears the address.
    pub email: Option<Option<String>>,
    pub role: Option<String>,
    pub organisation_id: Option<String>,
}

impl AccountEdit {
    fn validate(self) -> Result<UserChanges, AppError> {
        let mut v = Validation::new();
        let full_name = match &self.full_name {
            Some(name) => v.check("full_name", bounded_text(name, 200)),
            None => None,
        };
        let email = match self.email {
            Some(Some(e)) if !e.trim().is_empty() => v.check("email", email(&e)).map(Some),
            Some(_) => Some(None),
            None => None,
        };
        let role = match self.role.as_deref() {
            Some(code) => v.check("role", code.parse::<Role>()),
            None => None,
        };
        let organisation_id = match self.organisation_id.as_deref() {
            Some(id) => v.check(
                "organisation_id",
                id.trim()
                    .parse::<OrganisationId>()
                    .map_err(|_| "must be an organisation id"),
            ),
            None => None,
        };
        Ok(v.finish(|| UserChanges {
            full_name,
            email,
            role,
            organisation_id,
        })?)
    }
}

/// Edits an account (administrators) made from `edit.version`: a stale version is refused. A new
/// role or organisation — which every access token carries — ends the user's logins, and is
/// refused for one's own account and for a user holding open cases (hand them over first);
/// audited.
pub fn edit(
    conn: &mut DbConnection,
    caller: &Caller,
    id: UserId,
    edit: AccountEdit,
) -> Result<Account, AppError> {
    let operator = Operator::Caller(caller);
    let expected = i32::try_from(edit.version).map_err(|_| AppError::Stale)?;
    let changes = edit.validate()?;
    write(conn, |tx| {
        let account = operator.account(tx, id)?;
        if account.user.version != expected {
            return Err(AppError::Stale);
        }
        let moves = changes.role.is_some_and(|r| r != account.user.role)
            || changes
                .organisation_id
                .is_some_and(|o| o != account.user.organisation_id);
        if moves {
            if operator.is(id) {
                return Err(AppError::conflict(
                    "you cannot change your own role or organisation: another administrator must",
                ));
            }
            if let Some(org) = changes.organisation_id
                && organisations::find(tx, org)?.is_none()
            {
                return Err(AppError::invalid("organisation_id", "no such organisation"));
            }
            users::lock(tx, id)?;
            ensure_holds_nothing(tx, &account, "change the role or organisation")?;
        }
        if !users::update_if_version(tx, id, expected, &changes)? {
            return Err(AppError::Stale);
        }
        if moves {
            let now = caller.at.naive_utc();
            sessions::revoke_all_of(tx, id, SessionRevocation::AccountChanged, now)?;
        }
        operator.log(tx, Act::Update, &account)?;
        find(tx, id)
    })
}

/// A training to record, as given.
pub struct NewTraining {
    pub course: String,
    /// `YYYY-MM-DD`, not in the future.
    pub completed_on: String,
}

/// Records a child-rights training the user `id` completed (seed indicator 2):
/// administrators, or the supervisor for staff of their region.
pub fn add_training(
    conn: &mut DbConnection,
    caller: &Caller,
    id: UserId,
    new: &NewTraining,
) -> Result<TrainingRow, AppError> {
    caller.actor.scope(Action::RecordTraining)?;
    let now = caller.at;
    let training = parse_training(
        &new.course,
        &new.completed_on,
        kazakhstan_date(now.naive_utc()),
    )?;
    write(conn, |c| {
        let account = account_for(c, caller, id, Action::RecordTraining)?;
        let row = TrainingRow {
            id: TrainingId::new(),
            user_id: account.user.id,
            course: training.course,
            completed_on: training.completed_on,
            recorded_by: caller.actor.user_id,
            recorded_at: now.naive_utc(),
        };
        trainings::insert(c, &row)?;
        Ok(row)
    })
}

/// A page of the trainings recorded for a user the caller may see, most recent first.
pub fn trainings(
    conn: &mut DbConnection,
    caller: &Caller,
    id: UserId,
    page: &Page,
) -> Result<Vec<TrainingRow>, AppError> {
    let account = account_for(conn, caller, id, Action::ViewUsers)?;
    trainings::for_user(conn, account.user.id, page)?.ok_or_else(AppError::foreign_cursor)
}
