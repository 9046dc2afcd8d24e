//! Signing in with a username and password: the steps `POST /auth/login` and the console's
//! sign-in form share — the attempt counted against the lockout, the password verified off the
//! connection, the login started (`qorgau_app::sessions`).

use qorgau_app::passwords;
use qorgau_app::sessions::{self, SignedIn};

use crate::error::ApiError;
use crate::state::AppState;

/// A login lasting `lasts`, or 401 for bad credentials (an unknown user and a wrong password
/// alike), 429 while the username is locked out.
pub async fn sign_in(
    state: &AppState,
    username: String,
    password: String,
    lasts: chrono::Duration,
) -> Result<SignedIn, ApiError> {
    let now = state.now();
    let policy = state.config.lockout();
    let attempt = state
        .run(move |conn| Ok(sessions::attempt(conn, policy, &username, now)?))
        .await?;
    // argon2 is deliberately slow: verify on the verification threads, holding no connection.
    let valid = passwords::verify_queued(password, attempt.password_hash()).await?;
    let verified = attempt.verified(valid).ok_or(ApiError::Unauthorized)?;
    state
        .run(move |conn| Ok(sessions::sign_in(conn, verified, lasts, now)?))
        .await
}
