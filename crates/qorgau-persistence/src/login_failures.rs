//! Login attempts counted towards the lockout, per account key (a hash of the username; see
//! `qorgau_domain::account::lockout_key`). Whether an account is locked is the domain's call.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::login_failures;

/// Serialises the attempts on one account key until the transaction ends, so that parallel
/// guesses cannot all read "four failures" and all go ahead. SQLite needs nothing: a write
/// transaction there already holds the database's single write lock.
pub fn lock_account(conn: &mut DbConnection, account_key: &str) -> Result<(), DbError> {
    if let DbConnection::Postgres(pg) = conn {
        // The first number keeps these locks apart from any other advisory lock ("qgau").
        diesel::sql_query("SELECT pg_advisory_xact_lock(1902600565, hashtext($1))")
            .bind::<Text, _>(account_key)
            .execute(pg)?;
    }
    Ok(())
}

/// The times of the attempts on `account_key` after `since`.
pub fn since(
    conn: &mut DbConnection,
    account_key: &str,
    since: NaiveDateTime,
) -> Result<Vec<NaiveDateTime>, DbError> {
    Ok(login_failures::table
        .filter(login_failures::account_key.eq(account_key))
        .filter(login_failures::attempted_at.gt(since))
        .select(login_failures::attempted_at)
        .load(conn)?)
}

/// Counts one attempt; it stays a failure unless [`clear`] removes it.
pub fn record(
    conn: &mut DbConnection,
    account_key: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(uuid::Uuid::now_v7().to_string()),
            login_failures::account_key.eq(account_key),
            login_failures::attempted_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets every attempt on `account_key`: the login succeeded.
pub fn clear(conn: &mut DbConnection, account_key: &str) -> Result<(), DbError> {
    diesel::delete(login_failures::table.filter(login_failures::account_key.eq(account_key)))
        .execute(conn)?;
    Ok(())
}

/// Removes attempts at or before `before`, of every account: they no longer count, and names
/// sprayed by an attacker must not pile up.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> Result<(), DbError> {
    diesel::delete(login_failures::table.filter(login_failures::attempted_at.le(before)))
        .execute(conn)?;
    Ok(())
}
