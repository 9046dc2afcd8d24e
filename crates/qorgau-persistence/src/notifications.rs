//! The inbox: notifications to users, their email preferences, and the daily digest's claim.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::{CaseId, NotificationId, SignalId, UserId};
use qorgau_domain::notification::{EmailPreference, Mail, NotificationKind};

use crate::error::DbError;
use crate::schema::{digests, notifications, user_preferences};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: NotificationId,
    pub recipient_id: UserId,
    pub kind: NotificationKind,
    pub case_id: Option<CaseId>,
    pub signal_id: Option<SignalId>,
    /// The record acted on, whose kind varies with `kind` (a referral, a transfer, a plan, a
    /// deadline, a grant, a routing gap…): one column for all of them, so it stays the text
    /// every id is stored as; `inbox::link` reads it by `kind`.
    pub ref_id: Option<String>,
    /// The case number, or the signal's id for a signal not on a case.
    pub subject: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
    pub mail: Mail,
    pub digested_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NotificationRow) -> Result<(), DbError> {
    diesel::insert_into(notifications::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The recipient's notifications, newest first (ids are time-ordered), after the cursor.
pub fn inbox(
    conn: &mut DbConnection,
    recipient: UserId,
    unread_only: bool,
    page: &Page,
) -> Result<Vec<NotificationRow>, DbError> {
    let mut query = notifications::table
        .filter(notifications::recipient_id.eq(recipient))
        .order(notifications::id.desc())
        .limit(page.limit)
        .select(NotificationRow::as_select())
        .into_boxed();
    if unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    if let Some(after) = &page.after {
        query = query.filter(notifications::id.lt(after.clone()));
    }
    Ok(query.load(conn)?)
}

pub fn unread_count(conn: &mut DbConnection, recipient: UserId) -> Result<i64, DbError> {
    Ok(notifications::table
        .filter(notifications::recipient_id.eq(recipient))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks one of the recipient's notifications read; `None` when they have no such notification,
/// else whether it was unread until now.
pub fn mark_read(
    conn: &mut DbConnection,
    id: NotificationId,
    recipient: UserId,
    at: NaiveDateTime,
) -> Result<Option<bool>, DbError> {
    let mine = || {
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::recipient_id.eq(recipient))
    };
    let exists: i64 = mine().count().get_result(conn)?;
    if exists == 0 {
        return Ok(None);
    }
    let changed = diesel::update(mine().filter(notifications::read_at.is_null()))
        .set(notifications::read_at.eq(at))
        .execute(conn)?;
    Ok(Some(changed == 1))
}

/// Marks all of the recipient's unread notifications read; how many were.
pub fn mark_all_read(
    conn: &mut DbConnection,
    recipient: UserId,
    at: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::recipient_id.eq(recipient))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(at))
    .execute(conn)?)
}

/// Users with notifications waiting for their digest.
pub fn digest_recipients(conn: &mut DbConnection, limit: i64) -> Result<Vec<UserId>, DbError> {
    Ok(notifications::table
        .filter(notifications::mail.eq(Mail::Digest))
        .filter(notifications::digested_at.is_null())
        .select(notifications::recipient_id)
        .distinct()
        .order(notifications::recipient_id)
        .limit(limit)
        .load(conn)?)
}

/// A user's notifications waiting for their digest, oldest first.
pub fn awaiting_digest(
    conn: &mut DbConnection,
    recipient: UserId,
) -> Result<Vec<NotificationRow>, DbError> {
    Ok(notifications::table
        .filter(notifications::recipient_id.eq(recipient))
        .filter(notifications::mail.eq(Mail::Digest))
        .filter(notifications::digested_at.is_null())
        .order(notifications::id)
        .select(NotificationRow::as_select())
        .load(conn)?)
}

pub fn mark_digested(
    conn: &mut DbConnection,
    ids: &[NotificationId],
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(notifications::table.filter(notifications::id.eq_any(ids)))
        .set(notifications::digested_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Claims the user's digest of `day` (`YYYY-MM-DD`, local): `DbError::Duplicate` when another
/// worker already sent it. Run it first in the digest's transaction.
pub fn claim_digest(
    conn: &mut DbConnection,
    user_id: UserId,
    day: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(digests::table)
        .values((
            digests::user_id.eq(user_id),
            digests::day.eq(day),
            digests::sent_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The user's email preference; `None` when they never chose.
pub fn preference(
    conn: &mut DbConnection,
    user_id: UserId,
) -> Result<Option<EmailPreference>, DbError> {
    Ok(user_preferences::table
        .find(user_id)
        .select(user_preferences::email)
        .first(conn)
        .optional()?)
}

/// The preferences of several users at once (those who chose; the rest are absent).
pub fn preferences(
    conn: &mut DbConnection,
    user_ids: &[UserId],
) -> Result<Vec<(UserId, EmailPreference)>, DbError> {
    Ok(user_preferences::table
        .filter(user_preferences::user_id.eq_any(user_ids))
        .select((user_preferences::user_id, user_preferences::email))
        .load(conn)?)
}

/// Records the user's choice; `None` returns them to the default.
pub fn set_preference(
    conn: &mut DbConnection,
    user_id: UserId,
    email: Option<EmailPreference>,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let Some(email) = email else {
        diesel::delete(user_preferences::table.find(user_id)).execute(conn)?;
        return Ok(());
    };
    let changed = diesel::update(user_preferences::table.find(user_id))
        .set((
            user_preferences::email.eq(email),
            user_preferences::updated_at.eq(at),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(user_preferences::table)
            .values((
                user_preferences::user_id.eq(user_id),
                user_preferences::email.eq(email),
                user_preferences::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
