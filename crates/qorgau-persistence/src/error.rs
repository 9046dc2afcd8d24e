//! Storage errors, classified so the API can answer each deliberately (404, 409, 503, 500).

use diesel::result::{DatabaseErrorKind, Error as DieselError};

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
    #[error(transparent)]
    Other(DieselError),
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

/// Messages that mean "try again shortly" rather than "this request is wrong": SQLite's busy
/// lock, PostgreSQL shutting down or terminating the backend.
fn is_transient(message: &str) -> bool {
    const TRANSIENT: [&str; 5] = [
        "database is locked",
        "terminating connection",
        "server closed the connection",
        "the database system is shutting down",
        "the database system is starting up",
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
        assert!(!is_transient("syntax error at or near"));
    }
}
