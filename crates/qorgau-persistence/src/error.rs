//! Storage errors, classified so the API can answer each deliberately (404, 409, 503, 500).

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use qorgau_domain::code::UnknownCode;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("record not found")]
    NotFound,
    /// A unique constraint refused the write; carries the constraint or message.
    #[error("duplicate value ({0})")]
    Duplicate(String),
    /// The database cannot be reached or is too busy right now; worth retrying.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// Logged with its causes: for a row it cannot read, diesel names only the field
    /// ("Error deserializing field 'status'"); the cause names the value (an unknown code).
    #[error("{}", with_causes(.0))]
    Other(#[source] DieselError),
}

/// The error's message followed by those of its causes that add to it, `: `-separated.
fn with_causes(e: &DieselError) -> String {
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = c.source();
    }
    message
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => DbError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::Duplicate(
                    info.constraint_name()
                        .map_or_else(|| info.message().to_string(), str::to_string),
                )
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => DbError::Unavailable(info.message().to_string()),
            DieselError::BrokenTransactionManager => {
                DbError::Unavailable("connection lost mid-transaction".into())
            }
            DieselError::DatabaseError(_, ref info) if is_transient(info.message()) => {
                DbError::Unavailable(info.message().to_string())
            }
            other => DbError::Other(other),
        }
    }
}

/// A code a caller asked to store or match that is no code of its vocabulary: a bug of the
/// caller, refused before it reaches a row. Reported as diesel reports a value it cannot
/// serialise, so it is a 500 with the detail logged, like any other `Other`.
impl From<UnknownCode> for DbError {
    fn from(e: UnknownCode) -> Self {
        DbError::Other(DieselError::SerializationError(Box::new(e)))
    }
}

/// Messages that mean "try again shortly" rather than "this request is wrong": SQLite's busy
/// lock, PostgreSQL shutting down or terminating the backend, a deadlock PostgreSQL broke by
/// aborting this transaction (nothing of it was written), and a hot standby cancelling a
/// report's query whose rows its replay had to remove (docs/operations.md § Reports on a
/// replica).
fn is_transient(message: &str) -> bool {
    const TRANSIENT: [&str; 7] = [
        "database is locked",
        "deadlock detected",
        "terminating connection",
        "server closed the connection",
        "the database system is shutting down",
        "the database system is starting up",
        "due to conflict with recovery",
    ];
    TRANSIENT.iter().any(|t| message.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_and_transient_errors_are_classified() {
        assert!(matches!(
            DbError::from(DieselError::NotFound),
            DbError::NotFound
        ));
        assert!(is_transient("database is locked"));
        assert!(is_transient(
            "FATAL: terminating connection due to administrator command"
        ));
        assert!(is_transient(
            "canceling statement due to conflict with recovery"
        ));
        assert!(is_transient("deadlock detected"));
        assert!(!is_transient("syntax error at or near"));
    }
}
