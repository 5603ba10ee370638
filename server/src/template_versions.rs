//! Every version of every template the server has served, kept in the
//! database (`template_versions`).
//!
//! Templates are read from files at start, so when a district moves a
//! template to version 2 the server forgets version 1 — but phones still on
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

/// Records the templates being served (a version already recorded, with the
/// same content, is left alone).
pub async fn record(pool: &Pool, templates: &BTreeMap<String, Template>) -> Result<(), String> {
    for t in templates.values() {
        let (body, digest) = body_of(t)?;
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM template_versions WHERE template = $1 AND version = $2 AND digest = $3",
        )
        .bind(&t.id)
        .bind(i64::from(t.version))
        .bind(&digest)
        .fetch_one(pool)
        .await
        .map_err(|e| e.to_string())?;
        if n == 0 {
            sqlx::query(
                "INSERT INTO template_versions (template, version, digest, body, first_seen) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&t.id)
            .bind(i64::from(t.version))
            .bind(&digest)
            .bind(&body)
            .bind(now_ms())
            .execute(pool)
            .await
            .map_err(|e| e.to_string())?;
            tracing::info!(template = %t.id, version = t.version, "template version recorded");
        }
    }
    Ok(())
}

/// The versions recorded for each template other than the one `current`
/// holds, oldest first. A stored body this build cannot read is skipped with
/// a warning (it only widens what the policy accepts).
pub async fn older(
    pool: &Pool,
    current: &BTreeMap<String, Template>,
) -> Result<BTreeMap<String, Vec<Template>>, String> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT template, digest, body FROM template_versions ORDER BY template, version, first_seen",
    )
    .fetch_all(pool)
    .await
    .map_err(|e| e.to_string())?;
    let mut out: BTreeMap<String, Vec<Template>> = BTreeMap::new();
    for (id, digest, body) in rows {
        let Some(now) = current.get(&id) else {
            continue;
        };
        if body_of(now)?.1 == digest {
            continue;
        }
        match serde_json::from_str::<Template>(&body) {
            Ok(t) => out.entry(id).or_default().push(t),
            Err(e) => tracing::warn!(template = %id, "a recorded version does not read: {e}"),
        }
    }
    Ok(out)
}
