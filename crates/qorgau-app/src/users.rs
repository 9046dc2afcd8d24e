//! Users (api.md § Geography, organisations, users): creating them, who sees whom, their
//! child-rights trainings and one's own profile.

use qorgau_domain::access::{Action, Location};
use qorgau_domain::report::{kazakhstan_date, parse_training};
use qorgau_persistence::trainings::{self, TrainingRow};
use qorgau_persistence::users::{self, UserFilter};
use qorgau_persistence::{DbConnection, Page, write};
use uuid::Uuid;

use crate::accounts::{self, Account, NewAccount};
use crate::caller::Caller;
use crate::error::{AppError, stored};

/// Creates a user (administrators). The password is hashed before the transaction opens.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    new: NewAccount,
) -> Result<Account, AppError> {
    caller.actor.scope(Action::CreateUser)?;
    accounts::create(conn, new, caller.at)
}

/// Users the caller may see matching `filter`: administrators all, supervisors their region,
/// others their organisation. A page of rows (one more than shown).
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &UserFilter,
    page: &Page,
) -> Result<Vec<Account>, AppError> {
    let scope = caller.actor.scope(Action::ViewUsers)?;
    Ok(users::list(conn, &scope, filter, page)?
        .into_iter()
        .map(Account::from)
        .collect())
}

/// One user, if within the caller's view.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: &str) -> Result<Account, AppError> {
    account_for(conn, caller, id, Action::ViewUsers)
}

/// The caller's own account; `None` if it is gone.
pub fn me(conn: &mut DbConnection, caller: &Caller) -> Result<Option<Account>, AppError> {
    let id = caller.actor.user_id.to_string();
    Ok(users::find(conn, &id)?.map(Account::from))
}

/// The account `id` if the caller may take `action` on it (else not found, as out of scope, or
/// denied).
fn account_for(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    action: Action,
) -> Result<Account, AppError> {
    let account = Account::from(users::find(conn, id)?.ok_or(AppError::NotFound)?);
    let (user, org) = (&account.user, &account.organisation);
    let at = Location {
        owner: Some(stored("users", &user.id, "id", &user.id)?),
        organisation: Some(stored("organisations", &org.id, "id", &org.id)?),
        region: Some(&org.region_code),
        district: org.district_code.as_deref(),
    };
    caller.actor.authorize(action, &at)?;
    Ok(account)
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
    id: &str,
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
            id: Uuid::now_v7().to_string(),
            user_id: account.user.id,
            course: training.course,
            completed_on: training.completed_on,
            recorded_by: caller.actor.user_id.to_string(),
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
    id: &str,
    page: &Page,
) -> Result<Vec<TrainingRow>, AppError> {
    let account = account_for(conn, caller, id, Action::ViewUsers)?;
    trainings::for_user(conn, &account.user.id, page)?.ok_or_else(AppError::foreign_cursor)
}
