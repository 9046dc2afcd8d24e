//! Bodies of signing in and out (api.md § Auth).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// An administrator reset the password: these tokens may only change it
    /// (`POST /me/password`, which answers a new pair) or log out; anything else is 403
    /// `password-change-required`.
    pub password_change_required: bool,
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    /// The password now (the temporary one after a reset). Never echoed or logged.
    pub current: String,
    /// At least 12 characters, not containing the username, not the current one. Never echoed
    /// or logged.
    pub new: String,
}
