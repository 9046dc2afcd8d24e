//! Signing in and out (api.md § Auth): the lockout count, the login (a session with a
//! single-use refresh token, stored only as its SHA-256), its renewal and its end. The access
//! token that carries the login over HTTP is the api crate's.
//!
//! A sign-in is two steps around the password check — [`attempt`] and [`sign_in`] — so that
//! no connection is held while argon2 runs (`passwords::verify_queued`).

use chrono::{DateTime, Duration, Utc};
use qorgau_domain::access::Actor;
use qorgau_domain::account::{self, LockoutPolicy, SessionRevocation, lockout_key};
use qorgau_domain::ids::SessionId;
use qorgau_domain::validation::Validation;
use qorgau_persistence::organisations::OrganisationRow;
use qorgau_persistence::sessions::{self, Rotation, SessionRow};
use qorgau_persistence::users::{self, UserRow};
use qorgau_persistence::{DbConnection, login_failures, write};
use sha2::{Digest, Sha256};

use crate::accounts::Account;
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::error::AppError;
use crate::passwords;
use crate::secrets::random_token;

/// A sign-in whose attempt was counted: the active account of that username, if any.
pub struct Attempt {
    /// The lockout key of the username.
    lockout_key: String,
    found: Option<Account>,
}

impl Attempt {
    /// The stored hash to check the password against; `None` for an unknown username (checked
    /// against a dummy, so that it costs the same time).
    pub fn password_hash(&self) -> Option<String> {
        self.found.as_ref().map(|a| a.user.password_hash.clone())
    }

    /// The account, if the password checked against [`Attempt::password_hash`] matched
    /// (`password_ok`); `None` for bad credentials — an unknown user and a wrong password alike.
    pub fn verified(self, password_ok: bool) -> Option<Verified> {
        let account = self.found.filter(|_| password_ok)?;
        Some(Verified {
            lockout_key: self.lockout_key,
            account,
        })
    }
}

/// An account whose password matched.
pub struct Verified {
    lockout_key: String,
    account: Account,
}

/// A login: who, under which session, and its first (or renewed) refresh token, to be given to
/// the client once.
pub struct SignedIn {
    pub actor: Actor,
    pub session: SessionId,
    pub refresh_token: String,
    /// The password was reset by an administrator: until the user chooses one
    /// ([`change_password`]), the login may do nothing else.
    pub password_change_required: bool,
}

/// Counts a sign-in attempt on `username` ([`count_attempt`]) and finds its active account.
pub fn attempt(
    conn: &mut DbConnection,
    policy: LockoutPolicy,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Attempt, AppError> {
    let key = lockout_key(username);
    count_attempt(conn, &key, policy, now)?;
    let found = users::find_active_by_username(conn, username.trim())?.map(Account::from);
    Ok(Attempt {
        lockout_key: key,
        found,
    })
}

/// Counts a login attempt on `account` (a `lockout_key`) before its password is checked, so
/// that parallel guesses cannot outrun the count; a successful login clears it, so what remains
/// are failures. While the account is locked the attempt is refused ([`AppError::Throttled`])
/// and not counted: the lock lifts on time however often it is knocked on. Unknown usernames
/// are counted alike — the answer never tells whether an account exists.
fn count_attempt(
    conn: &mut DbConnection,
    account: &str,
    policy: LockoutPolicy,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let window_start = (now - policy.window).naive_utc();
    write(conn, |conn| {
        login_failures::lock_account(conn, account)?;
        let recent = login_failures::since(conn, account, window_start)?;
        if let Some(wait) = policy.locked_for(recent.into_iter().map(|t| t.and_utc()), now) {
            tracing::warn!("login refused: too many failures for one username");
            // Whole seconds, rounded up: a client told 0 would retry at once.
            let seconds = (wait.num_milliseconds() + 999) / 1000;
            return Err(AppError::Throttled {
                retry_after: u64::try_from(seconds).unwrap_or(1).max(1),
            });
        }
        login_failures::purge(conn, window_start)?;
        login_failures::record(conn, account, now.naive_utc())?;
        Ok(())
    })
}

/// Completes a sign-in whose password matched: a new login lasting `lasts`, the failures
/// counted for the username cleared.
pub fn sign_in(
    conn: &mut DbConnection,
    verified: Verified,
    lasts: Duration,
    now: DateTime<Utc>,
) -> Result<SignedIn, AppError> {
    write(conn, |conn| start_login(conn, &verified, lasts, now))
}

/// Starts a login of the verified account and clears the failures counted for its username.
/// Call it inside the caller's write transaction.
fn start_login(
    conn: &mut DbConnection,
    verified: &Verified,
    lasts: Duration,
    now: DateTime<Utc>,
) -> Result<SignedIn, AppError> {
    let user = &verified.account.user;
    let actor = actor_of(user, &verified.account.organisation)?;
    let session = SessionId::new();
    let refresh_token = random_token();
    let row = SessionRow {
        id: session,
        user_id: user.id,
        created_at: now.naive_utc(),
        expires_at: (now + lasts).naive_utc(),
        revoked_at: None,
        revoked_reason: None,
    };
    login_failures::clear(conn, &verified.lockout_key)?;
    sessions::start(conn, &row, &refresh_hash(&refresh_token))?;
    Ok(SignedIn {
        actor,
        session,
        refresh_token,
        password_change_required: user.must_change_password,
    })
}

/// What presenting a refresh token did.
pub enum Renewal {
    /// The token was fresh: here is the login with its next token.
    Renewed(SignedIn),
    /// The token had been used before: someone holds a copy, and the whole login is revoked.
    Reused,
    /// Unknown token, its login ended or expired, or its account deactivated.
    Refused,
}

/// Exchanges a refresh token for the next one. Each works once; a used one presented again
/// revokes its login (committed, whatever is answered).
pub fn renew(
    conn: &mut DbConnection,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Renewal, AppError> {
    let presented = refresh_hash(presented);
    let refresh_token = random_token();
    let replacement = refresh_hash(&refresh_token);
    let (rotation, account) = write(conn, |conn| {
        let rotation = sessions::rotate(conn, &presented, &replacement, now.naive_utc())?;
        let account = match &rotation {
            Rotation::Rotated { user_id, .. } => users::find(conn, *user_id)?,
            Rotation::Reused | Rotation::Invalid => None,
        };
        Ok::<_, AppError>((rotation, account))
    })?;
    match (rotation, account) {
        (Rotation::Rotated { session_id, .. }, Some((user, org))) if user.active => {
            Ok(Renewal::Renewed(SignedIn {
                actor: actor_of(&user, &org)?,
                session: session_id,
                refresh_token,
                password_change_required: user.must_change_password,
            }))
        }
        (Rotation::Reused, _) => {
            tracing::warn!("refresh token reused: login revoked");
            Ok(Renewal::Reused)
        }
        _ => Ok(Renewal::Refused),
    }
}

/// Ends the caller's login: its refresh token and access tokens stop working.
pub fn sign_out(conn: &mut DbConnection, caller: &Caller) -> Result<(), AppError> {
    let session = caller.session;
    write(conn, |conn| {
        sessions::revoke(conn, session, "logout", caller.at.naive_utc())?;
        Ok(())
    })
}

/// A change of one's own password, its new password checked against the policy and its attempt
/// counted: [`change_password`] completes it once the current password is verified against
/// [`PasswordChange::password_hash`] (off the connection, as a sign-in is).
pub struct PasswordChange {
    attempt: Attempt,
    new: String,
}

impl PasswordChange {
    /// The stored hash the current password is checked against (`None`: the account is gone or
    /// inactive, checked against a dummy).
    pub fn password_hash(&self) -> Option<String> {
        self.attempt.password_hash()
    }
}

/// Starts a change of the caller's password (`POST /me/password`): the new one must meet the
/// policy (as at creation) and differ from the current one; the attempt counts against the
/// sign-in lockout of the username, so a stolen token cannot be used to guess the password.
pub fn begin_password_change(
    conn: &mut DbConnection,
    policy: LockoutPolicy,
    caller: &Caller,
    current: &str,
    new: String,
) -> Result<PasswordChange, AppError> {
    let (user, _) = users::find(conn, caller.actor.user_id)?.ok_or(AppError::NotFound)?;
    let mut v = Validation::new();
    v.check("new", account::check_password(&user.username, &new));
    if new == current {
        v.add("new", "must differ from the current password");
    }
    v.finish(|| ())?;
    let attempt = attempt(conn, policy, &user.username, caller.at)?;
    Ok(PasswordChange { attempt, new })
}

/// Completes a change of the caller's password whose current password was checked
/// (`current_ok`): the new hash set (and any forced change done), every login of the user
/// ended — this one too — and a new login lasting `lasts` started, whose tokens are answered;
/// audited. A wrong current password is invalid, and stays counted against the lockout.
pub fn change_password(
    conn: &mut DbConnection,
    caller: &Caller,
    change: PasswordChange,
    current_ok: bool,
    lasts: Duration,
) -> Result<SignedIn, AppError> {
    let PasswordChange { attempt, new } = change;
    let verified = attempt
        .verified(current_ok)
        .filter(|v| v.account.user.id == caller.actor.user_id)
        .ok_or_else(|| AppError::invalid("current", "is not your current password"))?;
    let hash = passwords::hash(&new)?;
    let now = caller.at;
    let me = caller.actor.user_id;
    write(conn, |tx| {
        users::set_password(tx, me, &hash, false)?;
        sessions::revoke_all_of(tx, me, SessionRevocation::PasswordChanged, now.naive_utc())?;
        let target = Target {
            resource: "user",
            id: me.to_string(),
            child_id: None,
            region: Some(&verified.account.organisation.region_code),
        };
        audit::log(tx, caller, Act::ChangePassword, target)?;
        let mut signed_in = start_login(tx, &verified, lasts, now)?;
        signed_in.password_change_required = false;
        Ok(signed_in)
    })
}

/// The actor a user acts as: their role, and the place their organisation fixes.
pub fn actor_of(user: &UserRow, org: &OrganisationRow) -> Result<Actor, AppError> {
    Ok(Actor {
        user_id: user.id,
        role: user.role,
        organisation_id: org.id,
        region_code: org.region_code.clone(),
        district_code: org.district_code.clone(),
    })
}

/// What is stored for a refresh token: its SHA-256, hex. A fast hash suffices because the token
/// itself has 256 bits of entropy.
fn refresh_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(refresh_hash(&a).len(), 64);
        assert_ne!(refresh_hash(&a), refresh_hash(&b));
    }
}
