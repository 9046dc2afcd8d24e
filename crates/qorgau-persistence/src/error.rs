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
    /// The database's storage is full: the write was refused and kept nothing. Worth retrying
    /// once space returns (`Database::storage_full_since` tells readiness).
    #[error("database storage full: {0}")]
    StorageFull(String),
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
            // The server took no writes: a primary fenced read-only, or a connection made before
            // a failover to a server now a standby. Another connection (the URL's
            // `target_session_attrs=read-write` picks the server that takes writes) will do,
            // so this one is discarded. Nothing was written.
            DieselError::DatabaseError(DatabaseErrorKind::ReadOnlyTransaction, info) => {
                crate::storage::discard_connection();
                DbError::Unavailable(info.message().to_string())
            }
            DieselError::DatabaseError(_, ref info) if is_storage_full(info.message()) => {
                crate::storage::refused_for_space();
                DbError::StorageFull(info.message().to_string())
            }
            DieselError::DatabaseError(_, ref info) if is_transient(info.message()) => {
                DbError::Unavailable(info.message().to_string())
            }
            // A COMMIT that failed, then a rollback that failed too (the connection is broken
            // and discarded): what matters to the caller is why the commit failed.
            DieselError::RollbackErrorOnCommit { commit_error, .. } => DbError::from(*commit_error),
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

/// Messages of a write refused for lack of space: SQLite's `SQLITE_FULL`, and the operating
/// system's `ENOSPC` and `EDQUOT` as PostgreSQL quotes them ("could not extend file …",
/// "could not write to file …: No space left on device").
fn is_storage_full(message: &str) -> bool {
    const FULL: [&str; 3] = [
        "database or disk is full",
        "No space left on device",
        "Disk quota exceeded",
    ];
    FULL.iter().any(|t| message.contains(t))
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

    #[test]
    fn a_full_disk_is_told_apart() {
        assert!(is_storage_full("database or disk is full"));
        assert!(is_storage_full(
            "could not extend file \"base/16384/16402\": No space left on device"
        ));
        assert!(is_storage_full(
            "could not write to file \"pg_wal/xlogtemp.4242\": No space left on device"
        ));
        assert!(!is_storage_full("database is locked"));
        assert!(!is_storage_full(
            "value too long for type character varying(20)"
        ));
    }

    fn database_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_string()))
    }

    #[test]
    fn a_full_disk_a_read_only_server_and_a_failed_commit_are_worth_retrying() {
        crate::storage::clear();
        let full = DbError::from(database_error(
            DatabaseErrorKind::Unknown,
            "database or disk is full",
        ));
        assert!(matches!(full, DbError::StorageFull(_)), "{full:?}");
        let read_only = DbError::from(database_error(
            DatabaseErrorKind::ReadOnlyTransaction,
            "cannot execute INSERT in a read-only transaction",
        ));
        assert!(
            matches!(read_only, DbError::Unavailable(_)),
            "{read_only:?}"
        );
        let watch = crate::storage::StorageWatch::default();
        assert!(watch.take_marks(), "the read-only connection is discarded");
        assert!(
            watch.full_since().is_some(),
            "the refusal for space is noted"
        );
        let commit = DbError::from(DieselError::RollbackErrorOnCommit {
            rollback_error: Box::new(database_error(
                DatabaseErrorKind::ClosedConnection,
                "no connection to the server",
            )),
            commit_error: Box::new(database_error(
                DatabaseErrorKind::ClosedConnection,
                "server closed the connection unexpectedly",
            )),
        });
        assert!(matches!(commit, DbError::Unavailable(_)), "{commit:?}");
    }
}
