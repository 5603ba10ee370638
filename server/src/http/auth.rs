//! Login, session renewal and logout, and [`Principal`]: who is asking, for
//! every other handler. Tokens travel as `Authorization: Bearer …`, or as a
//! `token` query parameter where headers cannot be set (browser WebSockets).

use super::AppState;
use super::client_addr::ClientAddr;
use super::error::{AppError, Result};
use crate::auth::limiter::Refusal;
use crate::auth::{password, session};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::OrgTree;
use shared::access::{Action, allowed};
use shared::dataset::User;
use std::time::Instant;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/session", get(current))
        .route("/session/renew", post(renew))
        .route("/logout", post(logout))
}

/// Who is asking.
#[derive(Clone, Debug)]
pub enum Principal {
    /// The server runs without accounts (`--no-auth`).
    Open,
    /// A logged-in user.
    User(User),
}

impl Principal {
    /// Whether the principal may do `action` with reports of `unit`.
    pub fn may(&self, tree: &OrgTree, unit: &str, action: Action) -> bool {
        match self {
            Principal::Open => true,
            Principal::User(u) => allowed(tree, u, unit, action),
        }
    }

    /// The user, if there is one.
    pub fn user(&self) -> Option<&User> {
        match self {
            Principal::Open => None,
            Principal::User(u) => Some(u),
        }
    }

    /// Refuses with 403 unless the principal may do `action` with `unit`.
    pub fn require(&self, tree: &OrgTree, unit: &str, action: Action) -> Result<()> {
        if self.may(tree, unit, action) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                format!("no {action:?} access to {unit}").to_lowercase(),
            ))
        }
    }
}

/// The session token of a request, if it carries one.
pub fn token_of(parts: &Parts) -> Option<String> {
    if let Some(h) = parts.headers.get(axum::http::header::AUTHORIZATION)
        && let Ok(v) = h.to_str()
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_string());
    }
    parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "token")
            .map(|(_, v)| v.to_string())
    })
}

/// The user of a token, or why there is none.
pub async fn authenticate(state: &AppState, token: Option<String>) -> Result<User> {
    let token = token.ok_or_else(|| AppError::Unauthorized("login required".into()))?;
    match session::lookup(&state.pool, &token, crate::db::now_ms()).await? {
        session::Lookup::Valid(s) => state
            .catalog()
            .user(&s.user_id)
            .cloned()
            .ok_or_else(|| AppError::Unauthorized("this account is not active".into())),
        session::Lookup::Expired => Err(AppError::Unauthorized(
            "session expired: log in again".into(),
        )),
        session::Lookup::Unknown => Err(AppError::Unauthorized("unknown session: log in".into())),
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Principal> {
        if !state.hub.requires_login() {
            return Ok(Principal::Open);
        }
        authenticate(state, token_of(parts))
            .await
            .map(Principal::User)
    }
}

#[derive(Deserialize)]
struct LoginRequest {
    user: String,
    password: String,
}

#[derive(Serialize)]
struct SessionAnswer {
    token: String,
    expires_at: i64,
    user: User,
}

async fn login(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(req): Json<LoginRequest>,
) -> Result<Json<SessionAnswer>> {
    let account = req.user.trim().to_lowercase();
    if let Err(refusal) = s.limiter.check(&account, addr, Instant::now()) {
        let wait = refusal.wait();
        let secs = super::error::retry_after_secs(wait);
        let whom = match refusal {
            Refusal::Pair(_) => "for this account from this address",
            Refusal::Address(_) => "from this address",
        };
        tracing::warn!(
            account = %account,
            address = %addr,
            retry_after_secs = secs,
            "login throttled: too many failed logins {whom}"
        );
        crate::metrics::login("throttled");
        return Err(AppError::TooManyRequests(
            format!(
                "too many failed logins {whom}: try again in {}",
                in_words(secs)
            ),
            wait,
        ));
    }
    let stored: Option<(Option<String>,)> =
        sqlx::query_as("SELECT password_hash FROM users WHERE id = $1 AND active <> 0")
            .bind(req.user.trim())
            .fetch_optional(&s.pool)
            .await?;
    let hash = stored.and_then(|(h,)| h);
    let password = req.password;
    // Verify even without an account, so timing does not tell which exist.
    let ok = tokio::task::spawn_blocking(move || {
        let dummy = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0I4RSEN1bPOKIMD8yYtyVhlN1GuFOpwQ2Q3bkHuV5fE";
        password::verify(&password, hash.as_deref().unwrap_or(dummy)) && hash.is_some()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut user = s.catalog().user(req.user.trim()).cloned();
    if ok && user.is_none() {
        // Added from the CLI since the last refresh: refresh now.
        let fresh = s
            .catalog
            .reload(&s.pool)
            .await
            .map_err(AppError::Internal)?;
        user = fresh.user(req.user.trim()).cloned();
    }
    let (true, Some(user)) = (ok, user) else {
        s.limiter.failed(&account, addr, Instant::now());
        tracing::info!(account = %account, address = %addr, "failed login");
        crate::metrics::login("failed");
        return Err(AppError::Unauthorized("wrong user or password".into()));
    };
    s.limiter.succeeded(&account, addr);
    let now = crate::db::now_ms();
    let (token, expires_at) = session::create(&s.pool, &user.id, now).await?;
    sqlx::query("UPDATE users SET last_login = $1 WHERE id = $2")
        .bind(now)
        .bind(&user.id)
        .execute(&s.pool)
        .await?;
    tracing::info!(user = %user.id, "login");
    crate::metrics::login("ok");
    Ok(Json(SessionAnswer {
        token,
        expires_at,
        user,
    }))
}

/// `37 seconds`, `2 minutes`: how long to wait, in words.
fn in_words(secs: u64) -> String {
    match secs {
        1 => "1 second".into(),
        0..120 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

#[derive(Serialize)]
struct Current {
    user: Option<User>,
    accounts: bool,
}

async fn current(principal: Principal) -> Json<Current> {
    Json(Current {
        accounts: matches!(principal, Principal::User(_)),
        user: principal.user().cloned(),
    })
}

/// A token from the request, or 401.
struct Token(String);

impl FromRequestParts<AppState> for Token {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Token> {
        token_of(parts)
            .map(Token)
            .ok_or_else(|| AppError::Unauthorized("login required".into()))
    }
}

async fn renew(State(s): State<AppState>, Token(token): Token) -> Result<Json<SessionAnswer>> {
    let user = authenticate(&s, Some(token.clone())).await?;
    let (token, expires_at) = session::renew(&s.pool, &token, crate::db::now_ms())
        .await?
        .ok_or_else(|| AppError::Unauthorized("session expired: log in again".into()))?;
    Ok(Json(SessionAnswer {
        token,
        expires_at,
        user,
    }))
}

async fn logout(State(s): State<AppState>, Token(token): Token) -> Result<axum::http::StatusCode> {
    session::revoke(&s.pool, &token).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
