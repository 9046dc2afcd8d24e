//! Account rules: usernames, the password policy and the login lockout.
//!
//! Password policy: length is what matters (NIST SP 800-63B); composition rules only push
//! people towards `Password1!`, so none is demanded of a long password. What is refused are the
//! first guesses of anyone attacking a known account: the username inside the password, a
//! number (an IIN, a phone number, a date of birth are all digits), a handful of repeated
//! characters, and a short password drawn from one kind of character only (`qwertyuiopas`).
//! A single-kind password is accepted from [`ONE_KIND_MIN_LEN`] characters: a passphrase of
//! lowercase words is a good password.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("must be at least {MIN_LEN} characters")]
    TooShort,
    #[error("must be at most {MAX_LEN} characters")]
    TooLong,
    #[error("must not contain the username")]
    ContainsUsername,
    #[error("must not be only digits")]
    OnlyDigits,
    #[error("must contain at least {MIN_DISTINCT} different characters")]
    Repetitive,
    #[error(
        "must mix kinds of characters (capitals, lowercase, digits, spaces or symbols) or be at least {ONE_KIND_MIN_LEN} characters"
    )]
    OneKindTooShort,
}

pub const MIN_LEN: usize = 12;
/// Bounded so that hashing cannot be turned into a denial of service.
pub const MAX_LEN: usize = 128;
/// A password of one kind of character only (all lowercase, say) must be this long.
pub const ONE_KIND_MIN_LEN: usize = 16;
/// `aaaaaaaaaaaa` and `abababababab` are long and worthless.
pub const MIN_DISTINCT: usize = 5;

/// A login name: 3–64 characters of lowercase Latin letters, digits, `.`, `_`, `-`. Kept
/// ASCII so that look-alike Cyrillic letters cannot create two accounts that read the same.
pub fn parse_username(raw: &str) -> Result<String, UsernameError> {
    let name = raw.trim();
    if !(3..=64).contains(&name.len()) {
        return Err(UsernameError);
    }
    if name
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-'))
    {
        Ok(name.to_string())
    } else {
        Err(UsernameError)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("must be 3-64 characters: lowercase latin letters, digits, '.', '_' or '-'")]
pub struct UsernameError;

crate::code_enum! {
    /// Why a login (a session and its refresh tokens) was ended before it expired.
    pub enum SessionRevocation {
        /// The user logged out.
        Logout = "logout",
        /// A refresh token was presented a second time: someone holds a copy, so the whole
        /// login ends.
        RefreshTokenReuse = "refresh_token_reuse",
        /// An administrator deactivated the account.
        Deactivated = "deactivated",
        /// An administrator reset the password: whoever held a login must sign in with the new one.
        PasswordReset = "password_reset",
        /// The user changed their password: their other logins end.
        PasswordChanged = "password_changed",
        /// An administrator changed the role or organisation, which every access token carries.
        AccountChanged = "account_changed",
    }
}

pub fn check_password(username: &str, password: &str) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    let username = username.trim().to_lowercase();
    if username.len() >= 3 && password.to_lowercase().contains(&username) {
        return Err(PasswordError::ContainsUsername);
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err(PasswordError::OnlyDigits);
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT {
        return Err(PasswordError::Repetitive);
    }
    let first = password.chars().next().map(CharKind::of);
    if len < ONE_KIND_MIN_LEN && password.chars().all(|c| Some(CharKind::of(c)) == first) {
        return Err(PasswordError::OneKindTooShort);
    }
    Ok(())
}

/// The kinds of character a password may mix. Letters without case (none in Kazakh, Russian
/// or English) count as lowercase.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CharKind {
    Upper,
    Lower,
    Digit,
    Other,
}

impl CharKind {
    fn of(c: char) -> CharKind {
        if c.is_uppercase() {
            CharKind::Upper
        } else if c.is_alphabetic() {
            CharKind::Lower
        } else if c.is_numeric() {
            CharKind::Digit
        } else {
            CharKind::Other
        }
    }
}

/// What identifies an account to the lockout: the username as typed at login, trimmed and
/// lowercased (so `Admin` and `admin` share one count), then hashed. Failed logins for unknown
/// names are counted the same way, so a lockout says nothing about whether an account exists;
/// and the hash keeps what people type into the username field (sometimes their password)
/// out of the database.
pub fn lockout_key(username: &str) -> String {
    let digest = Sha256::digest(username.trim().to_lowercase().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// After `max_failures` failed logins within `window`, further attempts on that account are
/// refused until the oldest of them leaves the window — even with the right password, so that
/// guessing cannot go on in the background.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: usize,
    pub window: Duration,
}

impl LockoutPolicy {
    /// How long the account stays locked, given the times of its failed attempts (only those
    /// within the window count; order does not matter); `None` when a login may be tried now.
    pub fn locked_for(
        &self,
        failures: impl IntoIterator<Item = DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<Duration> {
        let since = now - self.window;
        let mut recent: Vec<_> = failures.into_iter().filter(|&t| t > since).collect();
        if self.max_failures == 0 || recent.len() < self.max_failures {
            return None;
        }
        recent.sort_unstable();
        // The lock lifts when fewer than `max_failures` remain inside the window.
        let frees_at = recent[recent.len() - self.max_failures] + self.window;
        Some(frees_at - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(parse_username(" aigerim.b "), Ok("aigerim.b".into()));
        for bad in ["ab", "Aigerim", "айгерим", "a b c", &"a".repeat(65)] {
            assert_eq!(parse_username(bad), Err(UsernameError), "{bad}");
        }
    }

    #[test]
    fn policy() {
        assert_eq!(
            check_password("aigerim", "short"),
            Err(PasswordError::TooShort)
        );
        assert_eq!(
            check_password("aigerim", &"x".repeat(129)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            check_password("aigerim", "my-AIGERIM-password"),
            Err(PasswordError::ContainsUsername)
        );
        assert_eq!(check_password("aigerim", "correct horse battery"), Ok(()));
        // Cyrillic letters count as characters, not as their two bytes each.
        assert_eq!(check_password("user", "Қорғау-бала1"), Ok(()));
        assert_eq!(
            check_password("user", "Қорғау"),
            Err(PasswordError::TooShort)
        );
    }

    #[test]
    fn guessable_passwords_are_refused() {
        // An IIN, a phone number.
        for digits in ["150412600321", "87011234567890"] {
            assert_eq!(
                check_password("aigerim", digits),
                Err(PasswordError::OnlyDigits)
            );
        }
        for repetitive in ["aaaaaaaaaaaa", "abababababab", "121212abab12"] {
            assert_eq!(
                check_password("aigerim", repetitive),
                Err(PasswordError::Repetitive),
                "{repetitive}"
            );
        }
        assert_eq!(
            check_password("aigerim", "qwertyuiopas"),
            Err(PasswordError::OneKindTooShort)
        );
        assert_eq!(
            check_password("aigerim", "ҚОРҒАУБАЛАЛАР"),
            Err(PasswordError::OneKindTooShort)
        );
        // Long enough, one kind is fine; short, two kinds are fine.
        assert_eq!(check_password("aigerim", "qwertyuiopasdfgh"), Ok(()));
        assert_eq!(check_password("aigerim", "qwertyuiop12"), Ok(()));
    }

    #[test]
    fn lockout_key_ignores_case_and_spaces_and_hides_the_name() {
        assert_eq!(lockout_key(" Admin "), lockout_key("admin"));
        assert_ne!(lockout_key("admin"), lockout_key("admin2"));
        assert_eq!(lockout_key("admin").len(), 64);
        assert!(!lockout_key("admin").contains("admin"));
    }

    #[test]
    fn lockout_after_max_failures_within_the_window() {
        let policy = LockoutPolicy {
            max_failures: 5,
            window: Duration::minutes(15),
        };
        let now = DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let ago = |m: i64| now - Duration::minutes(m);
        assert_eq!(
            policy.locked_for([ago(1), ago(2), ago(3), ago(4)], now),
            None
        );
        // Five within 15 minutes: locked until the oldest leaves the window.
        assert_eq!(
            policy.locked_for([ago(1), ago(2), ago(3), ago(4), ago(10)], now),
            Some(Duration::minutes(5))
        );
        // Failures older than the window do not count.
        assert_eq!(
            policy.locked_for([ago(1), ago(2), ago(3), ago(4), ago(15), ago(40)], now),
            None
        );
        // More than five (attempts racing past the check): the lock lasts until only four remain.
        assert_eq!(
            policy.locked_for([ago(9), ago(1), ago(2), ago(3), ago(4), ago(10)], now),
            Some(Duration::minutes(6))
        );
    }
}
