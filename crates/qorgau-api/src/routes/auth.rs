//! Login, refresh, logout, and `GET /me` (api.md § Auth).

use actix_web::{HttpResponse, get, post, web};
use qorgau_domain::access::Actor;
use qorgau_domain::account::lockout_key;
use qorgau_domain::ids::SessionId;
use qorgau_domain::role::Role;
use qorgau_persistence::organisations::OrganisationRow;
use qorgau_persistence::sessions::{self, Rotation, SessionRow};
use qorgau_persistence::users::{self, UserRow};
use qorgau_persistence::{login_failures, write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts;
use crate::auth::{Caller, passwords, tokens};
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::users::UserView;
use crate::state::AppState;

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
}

/// Exchanges a username and password for tokens. An unknown user and a wrong password get the
/// same answer. After repeated failures for a username, attempts are refused for a while.
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, description = "Bad credentials"),
    (status = 422, body = Problem),
    (status = 429, body = Problem, description = "Too many failed logins for this username, or too many requests; wait `Retry-After` seconds"),
))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let LoginRequest { username, password } = body.0;
    let now = state.now();
    let account = lockout_key(&username);
    let (policy, attempt) = (state.config.lockout(), account.clone());
    let found = state
        .run(move |conn| {
            accounts::count_login_attempt(conn, &attempt, policy, now)?;
            Ok(users::find_active_by_username(conn, username.trim())?)
        })
        .await?;
    let stored = found.as_ref().map(|(u, _)| u.password_hash.clone());
    // argon2 is deliberately slow: verify on the blocking pool, without holding a connection.
    let valid = passwords::verify_queued(password, stored).await?;
    let (user, org) = found.filter(|_| valid).ok_or(ApiError::Unauthorized)?;
    let actor = actor_of(&user, &org)?;

    let session = SessionId::new();
    let refresh_token = tokens::random_token();
    let row = SessionRow {
        id: session.to_string(),
        user_id: user.id,
        created_at: now.naive_utc(),
        expires_at: (now + chrono::Duration::days(state.config.refresh_token_days)).naive_utc(),
        revoked_at: None,
        revoked_reason: None,
    };
    let hash = tokens::refresh_hash(&refresh_token);
    state
        .run(move |conn| {
            write(conn, |conn| {
                login_failures::clear(conn, &account)?;
                Ok(sessions::start(conn, &row, &hash)?)
            })
        })
        .await?;
    Ok(web::Json(pair(&state, &actor, session, refresh_token)?))
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a used
/// one revokes every token of that login.
#[utoipa::path(tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, description = "Unknown, used or revoked refresh token"),
))]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let presented = tokens::refresh_hash(&body.0.refresh_token);
    let replacement = tokens::random_token();
    let replacement_hash = tokens::refresh_hash(&replacement);
    let now = state.now().naive_utc();
    let rotated = state
        .run(move |conn| {
            write(conn, |conn| {
                let rotation = sessions::rotate(conn, &presented, &replacement_hash, now)?;
                let user = match &rotation {
                    Rotation::Rotated { user_id, .. } => users::find(conn, user_id)?,
                    Rotation::Reused | Rotation::Invalid => None,
                };
                Ok::<_, ApiError>((rotation, user))
            })
        })
        .await?;
    match rotated {
        (Rotation::Rotated { session_id, .. }, Some((user, org))) if user.active => {
            let session = session_id.parse().map_err(|_| ApiError::Internal)?;
            Ok(web::Json(pair(
                &state,
                &actor_of(&user, &org)?,
                session,
                replacement,
            )?))
        }
        (Rotation::Reused, _) => {
            state.recent_sessions.forget_all();
            tracing::warn!("refresh token reused: login revoked");
            Err(ApiError::Unauthorized)
        }
        _ => Err(ApiError::Unauthorized),
    }
}

/// Ends the caller's login: its refresh token and access tokens stop working.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "Logged out"),
    (status = 401, body = Problem),
))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let sid = caller.session.to_string();
    let now = state.now().naive_utc();
    state
        .run(move |conn| {
            write(conn, |conn| {
                Ok(sessions::revoke(conn, &sid, "logout", now)?)
            })
        })
        .await?;
    state.recent_sessions.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own profile.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView),
    (status = 401, body = Problem),
))]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<UserView>, ApiError> {
    let id = caller.actor.user_id.to_string();
    let (user, org) = state
        .run(move |conn| Ok(users::find(conn, &id)?))
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(web::Json(UserView::from_rows(user, org)))
}

fn pair(
    state: &AppState,
    actor: &Actor,
    session: SessionId,
    refresh_token: String,
) -> Result<TokenPair, ApiError> {
    Ok(TokenPair {
        access_token: state.tokens.issue(actor, session, state.now())?,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl_seconds(),
    })
}

/// The actor a user acts as: their role, and the place their organisation fixes.
pub fn actor_of(user: &UserRow, org: &OrganisationRow) -> Result<Actor, ApiError> {
    let corrupt = || {
        tracing::error!("stored user has an invalid id or role");
        ApiError::Internal
    };
    Ok(Actor {
        user_id: user.id.parse().map_err(|_| corrupt())?,
        role: Role::from_code(&user.role).ok_or_else(corrupt)?,
        organisation_id: org.id.parse().map_err(|_| corrupt())?,
        region_code: org.region_code.clone(),
        district_code: org.district_code.clone(),
    })
}
