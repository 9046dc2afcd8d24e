//! Random secrets: refresh tokens, generated passwords, a generated JWT secret.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A temporary password an administrator hands over (`qorgau user reset-password`, `POST
/// /users/{id}/password-reset`): four groups of five characters without look-alikes (no `0`/`O`,
/// `1`/`l`/`I`), about 116 random bits, read out or typed without doubt.
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let mut password = String::with_capacity(23);
    for i in 0..20 {
        if i > 0 && i % 5 == 0 {
            password.push('-');
        }
        let pick = rand::Rng::random_range(&mut rng, 0..ALPHABET.len());
        password.push(char::from(ALPHABET[pick]));
    }
    password
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_grouped_random_and_unambiguous() {
        let (a, b) = (temporary_password(), temporary_password());
        assert_ne!(a, b);
        assert_eq!(a.len(), 23);
        assert_eq!(a.split('-').count(), 4);
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']), "{a}");
    }
}
