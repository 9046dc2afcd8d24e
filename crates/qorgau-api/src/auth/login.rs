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

/// Changes the caller's password (`POST /me/password` and the console's password page): the
/// new one checked against the policy, the attempt counted against the sign-in lockout, the
/// current one verified off the connection; every login of the user ends — this one too — and
/// a new login lasting `lasts` is answered. A wrong current password is 422 (`current`), 429
/// once the username is locked out.
pub async fn change_password(
    state: &AppState,
    caller: qorgau_app::Caller,
    current: String,
    new: String,
    lasts: chrono::Duration,
) -> Result<SignedIn, ApiError> {
    let policy = state.config.lockout();
    let who = caller.clone();
    let (change, current) = state
        .run(move |conn| {
            let change = sessions::begin_password_change(conn, policy, &who, &current, new)?;
            Ok((change, current))
        })
        .await?;
    let current_ok = passwords::verify_queued(current, change.password_hash()).await?;
    let signed_in = state
        .run(move |conn| {
            Ok(sessions::change_password(
                conn, &caller, change, current_ok, lasts,
            )?)
        })
        .await?;
    state.recent_sessions.forget_all();
    Ok(signed_in)
}
