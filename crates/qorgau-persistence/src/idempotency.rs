//! Stored responses for `Idempotency-Key` retries.
//!
//! A request first *claims* its key by inserting a row in its own transaction; a concurrent
//! request with the same key blocks on the primary key until the first commits, then fails with
//! a duplicate — and reads the stored response instead. So 50 simultaneous retries store one
//! signal.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::idempotency_keys;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredResponse {
    pub request_hash: String,
    pub response_status: i32,
    pub response_body: String,
}

/// Claims `key` for `user_id`. `DbError::Duplicate` when it was already used.
pub fn claim(
    conn: &mut DbConnection,
    user_id: &str,
    key: &str,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::response_status.eq(0),
            idempotency_keys::response_body.eq(""),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores the response of the claimed request, in the same transaction as its effects.
pub fn complete(
    conn: &mut DbConnection,
    user_id: &str,
    key: &str,
    status: i32,
    body: &str,
) -> Result<(), DbError> {
    diesel::update(idempotency_keys::table.find((user_id, key)))
        .set((
            idempotency_keys::response_status.eq(status),
            idempotency_keys::response_body.eq(body),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(
    conn: &mut DbConnection,
    user_id: &str,
    key: &str,
) -> Result<Option<StoredResponse>, DbError> {
    Ok(idempotency_keys::table
        .find((user_id, key))
        .select(StoredResponse::as_select())
        .first(conn)
        .optional()?)
}

/// Whether a duplicate error came from this table (claim taken) rather than another constraint.
pub fn is_key_taken(e: &DbError) -> bool {
    matches!(e, DbError::Duplicate(c) if c.contains("idempotency_keys"))
}
