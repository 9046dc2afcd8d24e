//! The daily digest (issue 19, docs/notifications.md § Email): once per working day, at a
//! configured Kazakhstan time, each user with notifications waiting for the digest gets one
//! mail listing them (kind, case number or signal id, link — nothing about the child). Once,
//! even with several workers: the mail is written in the transaction that inserts the
//! `(user, day)` row, whose primary key refuses a second.

use chrono::{DateTime, NaiveTime, Utc};
use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::ids::{NotificationId, UserId};
use qorgau_domain::notification::EmailPreference;
use qorgau_persistence::notifications;
use qorgau_persistence::{DbConnection, users, write};

use crate::app::App;
use crate::error::AppError;
use crate::{inbox, notices};

/// Users whose digest one pass may send.
const BATCH: i64 = 200;

/// Sends the digests due at `now`: on a working day, from `at` (Kazakhstan time) on. Returns
/// how many were sent.
pub fn send_due(
    conn: &mut DbConnection,
    app: &App,
    at: NaiveTime,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let local = now.with_timezone(&kazakhstan());
    if local.time() < at || !app.rules.calendar.is_working_day(local.date_naive()) {
        return Ok(0);
    }
    let day = local.date_naive().to_string();
    let mut sent = 0;
    for user in notifications::digest_recipients(conn, BATCH)? {
        match write(conn, |c| digest(c, app, user, &day, now)) {
            Ok(true) => sent += 1,
            Ok(false) => {}
            // Already sent today (by this worker or another): what arrived since waits for
            // the next working day's digest.
            Err(AppError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

/// Claims, composes and queues one user's digest of `day`; `false` when there was nothing to
/// mail (no address any more, or mail turned off since the notifications were written).
fn digest(
    conn: &mut DbConnection,
    app: &App,
    user: UserId,
    day: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    // A duplicate key (sent already) is a `Conflict`, and rolls this transaction back.
    notifications::claim_digest(conn, user, day, now.naive_utc())?;
    let rows = notifications::awaiting_digest(conn, user)?;
    let ids: Vec<NotificationId> = rows.iter().map(|n| n.id).collect();
    notifications::mark_digested(conn, &ids, now.naive_utc())?;
    let email = users::recipients(conn, users::Among::User(user))?
        .into_iter()
        .find_map(|r| r.email);
    let off = notifications::preference(conn, user)? == Some(EmailPreference::Off);
    let Some(email) = email.filter(|_| !off) else {
        return Ok(false);
    };
    let items: Vec<_> = rows
        .iter()
        .map(|n| (n.kind, n.subject.clone(), app.link(&inbox::link(n))))
        .collect();
    notices::enqueue(conn, notices::digest_notice(&email, &items), now)?;
    Ok(true)
}
