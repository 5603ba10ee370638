//! Every version of every template the server has served, kept in the
//! database (`template_versions`).
//!
//! It is also where the served templates live: the folder's templates are
//! recorded at start, `baocao template add` records new ones while the
//! server runs, and the highest version of each is the one served. When a
//! district moves a template to version 2, phones still on
//! version 1 keep writing under its ids until they meet version 2 (see
//! `shared::report::migrate`). The sync policy judges their changes with
//! [`shared::report::shape::Shape::with_older`], which needs the old
//! versions: a field version 2 removed is then an old id a phone may still
//! write, not an unknown key. Recording each version the first time it is
//! served is what makes that possible across restarts.

use crate::db::{Pool, now_ms};
use sha2::{Digest, Sha256};
use shared::Template;
use std::collections::BTreeMap;

fn body_of(t: &Template) -> Result<(String, String), String> {
    let body = serde_json::to_string(t).map_err(|e| format!("template {}: {e}", t.id))?;
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    Ok((body, digest))
}

/// Records the templates of the templates folder at start (a version
/// already recorded, with the same content, is left alone). A version below
/// the one recorded last (added with `baocao template add`) is recorded as
/// an older one and does not replace it.
pub async fn record(pool: &Pool, templates: &BTreeMap<String, Template>) -> Result<(), String> {
    let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
    let mut changed = false;
    for t in templates.values() {
        if record_one(&mut tx, t).await? {
            tracing::info!(template = %t.id, version = t.version, "template version recorded");
            changed = true;
        }
    }
    if changed {
        crate::catalog::bump(&mut tx)
            .await
            .map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())
}

/// The current version of every recorded template (the highest version;
/// of two texts given the same number, the one recorded last) and the
/// others, oldest first. A stored body this build cannot read is skipped
/// with a warning.
#[allow(clippy::type_complexity)]
pub async fn current(
    pool: &Pool,
) -> Result<(BTreeMap<String, Template>, BTreeMap<String, Vec<Template>>), String> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT template, body FROM template_versions ORDER BY template, version, first_seen",
    )
    .fetch_all(pool)
    .await
    .map_err(|e| e.to_string())?;
    let mut all: BTreeMap<String, Vec<Template>> = BTreeMap::new();
    for (id, body) in rows {
        match serde_json::from_str::<Template>(&body) {
            Ok(t) => all.entry(id).or_default().push(t),
            Err(e) => tracing::warn!(template = %id, "a recorded version does not read: {e}"),
        }
    }
    let mut current = BTreeMap::new();
    let mut older = BTreeMap::new();
    for (id, mut versions) in all {
        let Some(now) = versions.pop() else { continue };
        versions.retain(|t| *t != now);
        current.insert(id.clone(), now);
        if !versions.is_empty() {
            older.insert(id, versions);
        }
    }
    Ok((current, older))
}

/// Records one template version inside a transaction (the CLI's and the
/// admin API's `template add`); false when that exact text was recorded
/// already.
pub async fn record_one(conn: &mut sqlx::AnyConnection, t: &Template) -> Result<bool, String> {
    let (body, digest) = body_of(t)?;
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM template_versions WHERE template = $1 AND version = $2 AND digest = $3",
    )
    .bind(&t.id)
    .bind(i64::from(t.version))
    .bind(&digest)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| e.to_string())?;
    if n > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO template_versions (template, version, digest, body, first_seen) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&t.id)
    .bind(i64::from(t.version))
    .bind(&digest)
    .bind(&body)
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .map_err(|e| e.to_string())?;
    Ok(true)
}
