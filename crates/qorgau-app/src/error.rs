//! What a use case can answer besides its result. The front doors map these: the REST API to
//! problem documents, the console to a form shown again, the CLI to a message and exit code.

use qorgau_domain::access::Denied;
use qorgau_domain::validation::FieldError;
use qorgau_persistence::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The caller sees the record but their role may not do this to it.
    #[error("your role may not do this")]
    Denied,
    /// No such record — or none the caller may know of.
    #[error("not found")]
    NotFound,
    /// The command is not valid; every invalid field is named.
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    /// A merge whose confirmation does not list exactly how the two records differ: `field` is
    /// the confirmation's, `differences` the fields that differ.
    #[error("validation failed")]
    Unconfirmed {
        field: &'static str,
        message: String,
        differences: Vec<String>,
    },
    /// The command does not fit the record's state; `allowed` lists the moves that would.
    #[error("{detail}")]
    Conflict {
        detail: String,
        allowed: Option<Vec<String>>,
    },
    /// The record existed but is no longer served (a deleted document, erased content).
    #[error("{detail}")]
    Gone { detail: String },
    /// The record changed since the version the command was based on.
    #[error(
        "the record changed since the version in If-Match; reload it and apply the change again"
    )]
    Stale,
    /// Too many attempts (sign-in lockout): try again after `retry_after` seconds.
    #[error("too many requests")]
    Throttled { retry_after: u64 },
    /// The database cannot be reached now; the command changed nothing.
    #[error("database unavailable")]
    Unavailable,
    /// The database's storage is full: the command changed nothing. Reads still work; writes
    /// resume once an operator has made space.
    #[error("the database's storage is full")]
    StorageFull,
    /// Our fault: logged where it happened.
    #[error("internal error")]
    Internal,
}

impl AppError {
    pub fn conflict(detail: impl Into<String>) -> Self {
        AppError::Conflict {
            detail: detail.into(),
            allowed: None,
        }
    }

    pub fn gone(detail: impl Into<String>) -> Self {
        AppError::Gone {
            detail: detail.into(),
        }
    }

    /// A `cursor` that names no position in the list it was sent to.
    pub fn foreign_cursor() -> Self {
        AppError::invalid("cursor", "is not a cursor from this list")
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// `Stale` unless `expected` (the version an `If-Match` named) is the record's `current`
    /// one: someone changed it since the editor read it.
    pub fn unless_current(expected: i64, current: i32) -> Result<(), AppError> {
        if expected == i64::from(current) {
            Ok(())
        } else {
            Err(AppError::Stale)
        }
    }

    /// A stored value that is not what the code writes (a code no enum knows, an id that is not
    /// a UUID): logged with the row it is in, answered as our fault — never read as a default.
    pub fn corrupt(
        table: &str,
        id: impl std::fmt::Display,
        column: &str,
        value: impl std::fmt::Display,
    ) -> Self {
        tracing::error!(table, %id, column, %value, "corrupt value in the database");
        AppError::Internal
    }
}

/// A conversion that cannot fail (a view made with `From`) in a place that takes fallible ones.
impl From<std::convert::Infallible> for AppError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            DbError::Duplicate(_) => AppError::conflict("a record with this value already exists"),
            DbError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                AppError::Unavailable
            }
            // An error: nothing is written until an operator makes space.
            DbError::StorageFull(reason) => {
                tracing::error!(%reason, "database storage full: write refused");
                AppError::StorageFull
            }
            DbError::Migration(_) | DbError::Other(_) => {
                tracing::error!(error = %e, "database error");
                AppError::Internal
            }
        }
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Forbidden => AppError::Denied,
            Denied::NotFound => AppError::NotFound,
        }
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> Self {
        AppError::Invalid(errors)
    }
}

/// Parses a stored JSON document of `table`'s row `id`, column `column`. One that does not parse
/// is [`AppError::corrupt`] — logged without its content, which may hold a child's name or
/// address (logs never carry them).
pub fn stored_json<T: serde::de::DeserializeOwned>(
    table: &str,
    id: impl std::fmt::Display,
    column: &str,
    json: &str,
) -> Result<T, AppError> {
    serde_json::from_str(json).map_err(|_| AppError::corrupt(table, id, column, "(not JSON)"))
}

/// Parses a stored id or code of `table`'s row `id`, column `column`; a value that does not
/// parse is [`AppError::corrupt`].
pub fn stored<T: std::str::FromStr>(
    table: &str,
    id: impl std::fmt::Display,
    column: &str,
    value: &str,
) -> Result<T, AppError> {
    value
        .parse()
        .map_err(|_| AppError::corrupt(table, id, column, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_value_that_does_not_parse_is_our_fault_never_a_default() {
        let facts: Result<serde_json::Value, _> = stored_json("signals", "s1", "child_facts", "{");
        assert!(matches!(facts, Err(AppError::Internal)));
        let id: Result<uuid::Uuid, _> = stored("signals", "s1", "id", "not-a-uuid");
        assert!(matches!(id, Err(AppError::Internal)));
        let ok: serde_json::Value =
            stored_json("signals", "s1", "child_facts", "{}").expect("JSON");
        assert!(ok.is_object());
    }
}
