//! The demo district (Ba Tơ, Quảng Ngãi), loaded on first start: its org
//! units, users, reporting round and the 19 communes' reports, whose totals
//! are the figures of the seed report.

use crate::db::Pool;
use shared::dataset::{ReportsFile, UsersFile};
use shared::sync::storage::{ChunkKind, StorageKey};
use shared::{OrgTree, Template, Timestamp};
use std::collections::BTreeMap;

const ORG_UNITS: &str = include_str!("../../demo/org_units.toml");
const USERS: &str = include_str!("../../demo/users.toml");
const REPORTS: &str = include_str!("../../demo/reports.toml");

/// The password of every demo user (printed at start and in the README).
pub const DEMO_PASSWORD: &str = "baocao-demo";

/// The advisory lock that serialises loading the demo on PostgreSQL.
const DEMO_LOCK: i64 = 0x6261_6f63_616f;

/// Loads the demo unless this database was set up before; returns whether it did.
pub async fn load_if_first_start(
    pool: &Pool,
    templates: &BTreeMap<String, Template>,
) -> Result<bool, String> {
    let tree = OrgTree::from_toml(ORG_UNITS).map_err(|e| e.to_string())?;
    let users: UsersFile = toml::from_str(USERS).map_err(|e| e.to_string())?;
    let reports: ReportsFile = toml::from_str(REPORTS).map_err(|e| e.to_string())?;
    let now = crate::db::now_ms();

    let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
    // Replicas starting together on one empty PostgreSQL: one loads the
    // demo, the others wait for it here and then find it loaded.
    if crate::db::Backend::of(pool) == crate::db::Backend::Postgres {
        sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
            .bind(DEMO_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
    }
    let done: Option<(String,)> =
        sqlx::query_as("SELECT value FROM meta WHERE key = 'demo_loaded'")
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
    let (units,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM org_units")
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    if done.is_some() || units > 0 {
        return Ok(false);
    }
    for (pos, u) in tree.units().iter().enumerate() {
        sqlx::query(
            "INSERT INTO org_units (id, name, kind, parent, pos) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&u.id)
        .bind(&u.name)
        .bind(&u.kind)
        .bind(&u.parent)
        .bind(pos as i64)
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    }
    // One hash for all demo users keeps the first start fast; each real
    // account gets its own salt (admin::add_user).
    let demo_hash = crate::auth::password::hash(DEMO_PASSWORD)?;
    for u in &users.users {
        let role = serde_json::to_value(u.role).map_err(|e| e.to_string())?;
        sqlx::query(
            "INSERT INTO users (id, name, role, unit, password_hash) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&u.id)
        .bind(&u.name)
        .bind(role.as_str().unwrap_or_default())
        .bind(&u.unit)
        .bind(&demo_hash)
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    }
    for r in &reports.rounds {
        sqlx::query(
            "INSERT INTO rounds (template, period, unit, deadline) VALUES ($1, $2, $3, $4)",
        )
        .bind(&r.template)
        .bind(&r.period)
        .bind(&r.unit)
        .bind(r.deadline.map(|d| d.to_iso()))
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    }
    for seed in &reports.reports {
        let template = templates
            .get(&seed.template)
            .ok_or_else(|| format!("demo report uses unknown template {:?}", seed.template))?;
        if tree.get(&seed.unit).is_none() {
            return Err(format!("demo report for unknown unit {:?}", seed.unit));
        }
        let unit = seed.unit.clone();
        let mut doc = seed
            .to_doc(template, Timestamp(now), &|field, i| {
                format!("demo-{unit}-{field}-{i}")
            })
            .map_err(|e| format!("demo report {}: {e}", seed.unit))?;
        let id = seed.key().document_id();
        let bytes = doc.save();
        let projected = crate::store::Projected::of(&id, doc.document())
            .ok_or_else(|| format!("demo report {} is not a report", seed.unit))?;
        let key = StorageKey::chunk(&id, ChunkKind::Snapshot, &bytes);
        sqlx::query("INSERT INTO chunks (key, doc_id, data, created_at) VALUES ($1, $2, $3, $4)")
            .bind(key.joined())
            .bind(id.to_string())
            .bind(bytes)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        crate::store::upsert_projection(&mut *tx, &id, &projected, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES ('demo_loaded', $1)")
        .bind(now.to_string())
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(true)
}
