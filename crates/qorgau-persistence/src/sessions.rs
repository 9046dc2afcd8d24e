//! Logins (sessions) and their rotating refresh tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::account::SessionRevocation;
use qorgau_domain::ids::{SessionId, UserId};

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::{refresh_tokens, sessions, users};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

/// Records a new login and its first refresh token (by hash).
pub fn start(
    conn: &mut DbConnection,
    session: &SessionRow,
    refresh_hash: &str,
) -> Result<(), DbError> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)?;
    issue(conn, session.id, refresh_hash, session.created_at)
}

fn issue(
    conn: &mut DbConnection,
    session_id: SessionId,
    refresh_hash: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(refresh_hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::issued_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The token was fresh; it is now used and `new_hash` replaces it.
    Rotated {
        session_id: SessionId,
        user_id: UserId,
    },
    /// The token had been used before: someone holds a copy. The whole login is revoked.
    Reused,
    /// Unknown token, or its login is revoked or expired.
    Invalid,
}

/// Exchanges a refresh token for a new one. Run inside a write transaction, and commit even
/// for `Reused`: the revocation must stick.
pub fn rotate(
    conn: &mut DbConnection,
    presented_hash: &str,
    new_hash: &str,
    now: NaiveDateTime,
) -> Result<Rotation, DbError> {
    let found: Option<SessionRow> = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(presented_hash))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?;
    let Some(session) = found else {
        return Ok(Rotation::Invalid);
    };
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    // The conditional update is the race arbiter: of two requests presenting the same token,
    // exactly one sees a row change.
    let claimed = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(presented_hash))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    if claimed == 0 {
        revoke(
            conn,
            session.id,
            SessionRevocation::RefreshTokenReuse.as_str(),
            now,
        )?;
        return Ok(Rotation::Reused);
    }
    issue(conn, session.id, new_hash, now)?;
    Ok(Rotation::Rotated {
        session_id: session.id,
        user_id: session.user_id,
    })
}

/// Ends a login; returns whether it was still active.
pub fn revoke(
    conn: &mut DbConnection,
    session_id: SessionId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        sessions::table
            .find(session_id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        // Checked here too (not only by the caller): an unknown code must not reach a row.
        sessions::revoked_reason.eq(reason.parse::<SessionRevocation>()?),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Ends every active login of `user` (`reason` a `SessionRevocation` code); returns how many.
pub fn revoke_all_of(
    conn: &mut DbConnection,
    user: UserId,
    reason: SessionRevocation,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)?)
}

/// When the login expires, if it is still valid (not revoked, not expired, its account active).
pub fn active_until(
    conn: &mut DbConnection,
    session_id: SessionId,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, DbError> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        // A deactivated account's logins end with it (issue 17, finding 5).
        .filter(users::active.eq(true))
        .select(sessions::expires_at)
        .first(conn)
        .optional()?)
}
