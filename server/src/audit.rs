//! The audit trail: every administrative action (rounds, templates, org
//! units, users), who took it, when, and the state before and after, in the
//! same transaction as the action itself — an action that is not recorded
//! did not happen.

use crate::db::Pool;
use serde::Serialize;

/// One recorded action.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Entry {
    /// Order of recording.
    pub id: i64,
    /// When, in milliseconds since the epoch.
    pub at: i64,
    /// Who: a user id, or `cli:<login>` for the command line.
    pub actor: String,
    /// What, e.g. `round.open`, `org.merge`, `user.deactivate`.
    pub action: String,
    /// What it was done to, e.g. `bao-ve-tre-em 2025-H2 tinh-quang-ngai`.
    pub target: String,
    /// The org unit it concerns (an admin sees the entries of their
    /// subtree); none for province-wide actions such as templates.
    pub scope: Option<String>,
    /// The state before (JSON), if there was one.
    pub before: Option<serde_json::Value>,
    /// The state after (JSON), if there is one.
    pub after: Option<serde_json::Value>,
}

/// What to record.
#[derive(Clone, Debug)]
pub struct Record<'a> {
    /// Who.
    pub actor: &'a str,
    /// What.
    pub action: &'a str,
    /// To what.
    pub target: &'a str,
    /// The org unit concerned.
    pub scope: Option<&'a str>,
    /// State before.
    pub before: Option<serde_json::Value>,
    /// State after.
    pub after: Option<serde_json::Value>,
}

/// Records an action inside its transaction.
pub async fn record(conn: &mut sqlx::AnyConnection, r: Record<'_>) -> Result<(), sqlx::Error> {
    let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string());
    sqlx::query(
        "INSERT INTO audit (at, actor, action, target, scope, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(crate::db::now_ms())
    .bind(r.actor)
    .bind(r.action)
    .bind(r.target)
    .bind(r.scope)
    .bind(json(r.before))
    .bind(json(r.after))
    .execute(conn)
    .await?;
    Ok(())
}

/// The last `limit` entries, newest first.
pub async fn list(pool: &Pool, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
    type Row = (
        i64,
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, at, actor, action, target, scope, before, after FROM audit \
         ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(rows
        .into_iter()
        .map(
            |(id, at, actor, action, target, scope, before, after)| Entry {
                id,
                at,
                actor,
                action,
                target,
                scope,
                before: json(before),
                after: json(after),
            },
        )
        .collect())
}
