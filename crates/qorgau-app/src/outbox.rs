//! The mail outbox as the administrator sees it: what was sent, what waits, what was given up
//! (issue 19: a bad address is no longer retried forever, and must be visible to be fixed).

use qorgau_domain::access::Action;
use qorgau_persistence::outbox::{self, OutboxRow};
use qorgau_persistence::{DbConnection, Page};

use crate::caller::Caller;
use crate::error::AppError;

/// A page of the outbox, oldest first; only the messages given up when `failed_only`.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    failed_only: bool,
    page: &Page,
) -> Result<Vec<OutboxRow>, AppError> {
    caller.actor.scope(Action::ViewOutbox)?;
    Ok(outbox::list(conn, failed_only, page)?)
}
