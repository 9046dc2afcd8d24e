//! Account rules: usernames and the password policy.
//!
//! Password policy: length is what matters (NIST SP 800-63B); composition rules only push
//! people towards `Password1!`. The username inside the password is refused because it is the
//! first guess of anyone who knows the account.

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("must be at least {MIN_LEN} characters")]
    TooShort,
    #[error("must be at most {MAX_LEN} characters")]
    TooLong,
    #[error("must not contain the username")]
    ContainsUsername,
}

pub const MIN_LEN: usize = 12;
/// Bounded so that hashing cannot be turned into a denial of service.
pub const MAX_LEN: usize = 128;

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
    Ok(())
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
        // Twelve Cyrillic letters are twelve characters, not 24 bytes.
        assert_eq!(check_password("user", "ҚҚҚҚҚҚҚҚҚҚҚҚ"), Ok(()));
    }
}
