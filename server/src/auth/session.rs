//! Session tokens: long-lived (a phone works offline for weeks), renewed
//! whenever the phone is online, stored only as a SHA-256 hash.

use crate::db::Pool;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};

/// How long a token lives without renewal: 30 days.
pub const LIFETIME_MS: i64 = 30 * 24 * 3600 * 1000;

/// A valid session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Whose it is.
    pub user_id: String,
    /// When it stops working (ms since the epoch).
    pub expires_at: i64,
}

/// What a token lookup found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A live session.
    Valid(Session),
    /// The token was valid once and has expired (or was expired on purpose).
    Expired,
    /// No such token.
    Unknown,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session; returns the token (shown once, never stored) and its expiry.
pub async fn create(pool: &Pool, user_id: &str, now: i64) -> Result<(String, i64), sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = now + LIFETIME_MS;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok((token, expires_at))
}

/// Finds the session of a token.
pub async fn lookup(pool: &Pool, token: &str, now: i64) -> Result<Lookup, sqlx::Error> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT user_id, expires_at FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(pool)
            .await?;
    Ok(match row {
        None => Lookup::Unknown,
        Some((_, expires_at)) if expires_at <= now => Lookup::Expired,
        Some((user_id, expires_at)) => Lookup::Valid(Session {
            user_id,
            expires_at,
        }),
    })
}

/// Replaces a live token with a fresh one (the old one stops working).
pub async fn renew(
    pool: &Pool,
    token: &str,
    now: i64,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    let Lookup::Valid(s) = lookup(pool, token, now).await? else {
        return Ok(None);
    };
    let fresh = create(pool, &s.user_id, now).await?;
    revoke(pool, token).await?;
    Ok(Some(fresh))
}

/// Ends a session (logout).
pub async fn revoke(pool: &Pool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(pool)
        .await?;
    Ok(())
}

/// Expires every session of a user now (an administrator's action, or a
/// password reset); returns how many there were.
pub async fn expire_user(pool: &Pool, user_id: &str, now: i64) -> Result<u64, sqlx::Error> {
    let r =
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE user_id = $2 AND expires_at > $3")
            .bind(now)
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await?;
    Ok(r.rows_affected())
}
