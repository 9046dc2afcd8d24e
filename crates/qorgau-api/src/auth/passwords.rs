//! argon2id password hashes with the crate's defaults: m = 19 MiB, t = 2, p = 1 (OWASP's
//! recommendation, and targets.md § Security).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::ApiError;

pub fn hash(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            ApiError::Internal
        })
}

/// Checks `password` against a stored hash. With no hash (unknown user) it verifies against a
/// dummy, so an unknown username costs the same time as a wrong password and cannot be told
/// apart by timing.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        Argon2::default()
            .hash_password(b"qorgau-dummy-password")
            .map(|h| h.to_string())
            .unwrap_or_default()
    });
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), stored.unwrap_or(DUMMY.as_str()))
        .is_ok();
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_target_cost_and_verify() {
        let h = hash("correct horse battery").expect("hashes");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", Some(&h)));
        assert!(!verify("wrong horse battery", Some(&h)));
        assert!(!verify("qorgau-dummy-password", None));
    }
}
