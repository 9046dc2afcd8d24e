//! A form as sent ([`Values`]): every field as text, so that any input reaches the domain's
//! parser and can be shown again as typed; and what a form is made with — its retry key, the
//! time of now.

use chrono::{DateTime, NaiveDateTime, Utc};
use qorgau_app::idempotency::Idempotency;
use qorgau_domain::deadline::kazakhstan;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A form as sent: every field as text, by name, in the order sent (a name may repeat: a group
/// of check boxes).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Values(Vec<(String, String)>);

impl Values {
    /// The first value of `name`, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every field, in the order sent.
    pub fn pairs(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }

    /// Every value of `name`, in the order sent.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `name`'s value, trimmed, unless it is blank: an empty field is an absent one.
    pub fn some(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_string()).filter(|v| !v.is_empty())
    }

    /// Whether `name` was sent with a value (a check box is sent only when checked).
    pub fn has(&self, name: &str) -> bool {
        self.all(name).any(|v| !v.is_empty())
    }

    /// `name` set to `value`, in place of any value it had.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(n, _)| n != name);
        self.0.push((name.to_string(), value.into()));
    }

    /// [`Values::set`], by value.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Values {
        self.set(name, value);
        self
    }

    /// The version of its record the form was made from. One that does not parse is no version
    /// the record had: stale.
    pub fn version(&self, name: &str) -> i64 {
        self.get(name).trim().parse().unwrap_or(-1)
    }

    /// A `datetime-local` field (Kazakhstan time, no offset) as the API's RFC 3339; as typed
    /// when it is no such time, for the domain to name the field.
    pub fn moment(&self, name: &str) -> String {
        let typed = self.get(name).trim();
        ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(typed, f).ok())
            .and_then(|t| t.and_local_timezone(kazakhstan()).single())
            .map_or_else(|| typed.to_string(), |t| t.to_rfc3339())
    }

    /// The form's retry key (its `retry` field, made with the page) for `action`: a second
    /// submission of the same form — a double click — answers what the first did and records
    /// nothing more. The request it stands for: the action and every field but the token.
    pub fn retry_key(&self, action: &str) -> Option<Idempotency> {
        let key = self.get("retry").trim();
        if !(1..=200).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut digest = Sha256::new().chain_update(action.as_bytes());
        for (name, value) in self.0.iter().filter(|(n, _)| n != "csrf" && n != "retry") {
            digest.update(format!("\u{1e}{name}\u{1f}{value}").as_bytes());
        }
        let request_hash = digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(Idempotency {
            key: format!("console:{key}"),
            request_hash,
        })
    }
}

impl FromIterator<(String, String)> for Values {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(fields: I) -> Values {
        Values(fields.into_iter().collect())
    }
}

/// A new retry key, made with a form.
pub fn new_retry() -> String {
    Uuid::new_v4().to_string()
}

/// `at` as a `datetime-local` field shows it: Kazakhstan time, to the minute.
pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&kazakhstan())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}
