//! Field-level validation errors, collected so a client learns about every bad field at once.

use serde::Serialize;

/// One invalid field, named by its JSON path (`child.iin`, `goals[0].title`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every problem found in one input. Empty means valid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validation {
    errors: Vec<FieldError>,
}

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Parses `value` with `parse`, recording the error under `field`; `None` when it failed.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// A required, trimmed text of at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        self.check(field, bounded_text(value, max))
    }

    /// Finishes: `Ok(value)` when nothing was recorded, else every error.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value())
        } else {
            Err(self.errors)
        }
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain control characters")]
    Control,
}

/// Trims and checks a human-entered text: not empty, not too long, no control characters
/// (they break CSV exports and terminals and are never typed on purpose; newlines and tabs are
/// allowed).
pub fn bounded_text(value: &str, max: usize) -> Result<String, TextError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(TextError::Control);
    }
    Ok(trimmed.to_string())
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("must be an email address such as name@example.kz")]
pub struct EmailError;

/// An email address, checked for shape only: whether it exists is learnt by writing to it.
pub fn email(value: &str) -> Result<String, EmailError> {
    let value = value.trim();
    let (local, domain) = value.rsplit_once('@').ok_or(EmailError)?;
    let plausible = !local.is_empty()
        && value.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if plausible {
        Ok(value.to_string())
    } else {
        Err(EmailError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_error_in_order() {
        let mut v = Validation::new();
        assert_eq!(v.text("name", "  Ok  ", 10), Some("Ok".into()));
        assert_eq!(v.text("a", "   ", 10), None);
        assert_eq!(v.text("b", "elevenchars", 10), None);
        let errors = v.finish(|| ()).expect_err("two errors");
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(bounded_text("Әлия", 4).is_ok());
        assert_eq!(bounded_text("Әлия!", 4), Err(TextError::TooLong(4)));
    }

    #[test]
    fn emails() {
        assert_eq!(email(" a.b@edu.kz "), Ok("a.b@edu.kz".into()));
        for bad in [
            "",
            "a",
            "@edu.kz",
            "a@kz",
            "a@.kz",
            "a b@edu.kz",
            "a@edu.kz.",
        ] {
            assert_eq!(email(bad), Err(EmailError), "{bad}");
        }
    }

    #[test]
    fn refuses_control_characters_but_keeps_newlines() {
        assert_eq!(bounded_text("a\u{0}b", 10), Err(TextError::Control));
        assert!(bounded_text("line\nline", 10).is_ok());
    }
}
