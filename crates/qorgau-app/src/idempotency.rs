//! Safe retries (`Idempotency-Key`, api.md § Safe retries): one mechanism for every creating
//! command.
//!
//! [`once`] opens the write transaction, *claims* the caller's key in it, runs the use case
//! inside (its own `persistence::write` becomes a savepoint), renders the front door's
//! response and stores it with the key, and commits: the record, its audit entry, its timeline
//! and the stored response commit together or not at all. A concurrent request with the same
//! key waits on the claim until the first commits, then finds the key taken and answers the
//! stored response — so 50 simultaneous retries store one record. A failed command stores
//! nothing: its retry runs again.

use qorgau_persistence::{DbConnection, DbError, idempotency, write};

use crate::caller::Caller;
use crate::error::AppError;

/// A client's key for safe retries, and a digest of the request it was first used for (the
/// front door's: method, path and canonical body).
#[derive(Clone, Debug)]
pub struct Idempotency {
    pub key: String,
    pub request_hash: String,
}

/// The response a front door gives, as `(status, body)`: stored with the key, in the command's
/// transaction, and returned as it was to a retry.
pub type Response = (u16, String);

/// Runs `work` (a use case) and `render`s its result — once per key: a retry with the caller's
/// key and the same request answers the stored response and changes nothing; the same key with
/// another request is a conflict. Without a key, `work` runs as it would alone.
pub fn once<T>(
    conn: &mut DbConnection,
    caller: &Caller,
    key: Option<&Idempotency>,
    work: impl FnOnce(&mut DbConnection) -> Result<T, AppError>,
    render: impl FnOnce(T) -> Result<Response, AppError>,
) -> Result<Response, AppError> {
    let Some(key) = key else {
        return render(work(conn)?);
    };
    let user = caller.actor.user_id.to_string();
    let first = write(conn, |tx| {
        let at = caller.at.naive_utc();
        idempotency::claim(tx, &user, &key.key, &key.request_hash, at).map_err(|e| {
            if idempotency::is_key_taken(&e) {
                Attempt::KeyTaken
            } else {
                Attempt::Failed(e.into())
            }
        })?;
        let response = render(work(tx)?)?;
        idempotency::complete(tx, &user, &key.key, response.0.into(), &response.1)?;
        Ok(response)
    });
    match first {
        Ok(response) => Ok(response),
        Err(Attempt::KeyTaken) => replay(conn, &user, key),
        Err(Attempt::Failed(e)) => Err(e),
    }
}

/// The response stored for a key already used: the same one for the same request.
fn replay(conn: &mut DbConnection, user: &str, key: &Idempotency) -> Result<Response, AppError> {
    let stored = idempotency::find(conn, user, &key.key)?.ok_or(AppError::Internal)?;
    if stored.request_hash != key.request_hash {
        return Err(AppError::conflict(
            "this Idempotency-Key was used for a different request",
        ));
    }
    let status = stored.response_status;
    let status = u16::try_from(status)
        .map_err(|_| AppError::corrupt("idempotency_keys", &key.key, "response_status", status))?;
    Ok((status, stored.response_body))
}

enum Attempt {
    KeyTaken,
    Failed(AppError),
}

impl From<AppError> for Attempt {
    fn from(e: AppError) -> Self {
        Attempt::Failed(e)
    }
}

impl From<DbError> for Attempt {
    fn from(e: DbError) -> Self {
        Attempt::Failed(e.into())
    }
}
