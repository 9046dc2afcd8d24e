//! Login, refresh, logout, `GET /me` and changing one's password (api.md § Auth).

use actix_web::{HttpResponse, get, post, web};
use qorgau_app::sessions::{self, Renewal, SignedIn};
use qorgau_app::users;

use crate::auth::login::{change_password as change, sign_in};
use crate::auth::tokens::Bearer;
use crate::auth::{AnyCaller, Caller};
use crate::dto::auth::{LoginRequest, PasswordChangeRequest, RefreshRequest, TokenPair};
use crate::dto::users::UserView;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::state::AppState;

/// Exchanges a username and password for tokens. An unknown user and a wrong password get the
/// same answer. After repeated failures for a username, attempts are refused for a while.
#[utoipa::path(operation_id = "login", tag = "auth", request_body = LoginRequest, responses(
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
    let lasts = chrono::Duration::days(state.config.refresh_token_days);
    let signed_in = sign_in(&state, username, password, lasts).await?;
    Ok(web::Json(pair(&state, signed_in)?))
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a used
/// one revokes every token of that login.
#[utoipa::path(operation_id = "refreshTokens", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, description = "Unknown, used or revoked refresh token"),
))]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let presented = body.0.refresh_token;
    let now = state.now();
    let renewal = state
        .run(move |conn| Ok(sessions::renew(conn, &presented, now)?))
        .await?;
    match renewal {
        Renewal::Renewed(signed_in) => Ok(web::Json(pair(&state, signed_in)?)),
        Renewal::Reused => {
            state.recent_sessions.forget_all();
            Err(ApiError::Unauthorized)
        }
        Renewal::Refused => Err(ApiError::Unauthorized),
    }
}

/// Ends the caller's login: its refresh token and access tokens stop working.
#[utoipa::path(operation_id = "logout", tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "Logged out"),
    (status = 401, body = Problem),
))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    AnyCaller(caller): AnyCaller,
) -> Result<HttpResponse, ApiError> {
    state
        .run(move |conn| Ok(sessions::sign_out(conn, &caller)?))
        .await?;
    state.recent_sessions.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own profile.
#[utoipa::path(operation_id = "getMe", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView),
    (status = 401, body = Problem),
))]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<UserView>, ApiError> {
    let account = state
        .run(move |conn| Ok(users::me(conn, &caller)?))
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(web::Json(UserView::try_from(account)?))
}

/// Changes the caller's password (the only call a login whose password was reset may make). The
/// new one meets the policy of creation and differs from the current one; a wrong current
/// password is 422 and counts against the sign-in lockout (429 once locked). Every login of the
/// user ends — this one too — and the answer is the pair of a new login.
#[utoipa::path(operation_id = "changePassword", tag = "auth", security(("bearer" = [])), request_body = PasswordChangeRequest, responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem),
    (status = 422, body = Problem, description = "`current` wrong, or `new` against the policy"),
    (status = 429, body = Problem, description = "Too many wrong passwords for this username"),
))]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    AnyCaller(caller): AnyCaller,
    body: Json<PasswordChangeRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let PasswordChangeRequest { current, new } = body.0;
    let lasts = chrono::Duration::days(state.config.refresh_token_days);
    let signed_in = change(&state, caller.0, current, new, lasts).await?;
    Ok(web::Json(pair(&state, signed_in)?))
}

/// The tokens of a login: an access token issued now, and its refresh token.
fn pair(state: &AppState, signed_in: SignedIn) -> Result<TokenPair, ApiError> {
    let password_change_required = signed_in.password_change_required;
    let bearer = Bearer {
        actor: signed_in.actor,
        session: signed_in.session,
        password_change_required,
    };
    Ok(TokenPair {
        access_token: state.tokens.issue(&bearer, state.now())?,
        refresh_token: signed_in.refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl_seconds(),
        password_change_required,
    })
}
