//! `baocao migrate`: moves a deployment from SQLite to PostgreSQL. Every
//! table is copied in an order that satisfies its references, in batches
//! with progress on standard error, into a database that must be empty; then
//! every document is read back from both sides and its heads compared.
//! The SQLite database is only read: if anything fails, the deployment
//! carries on where it was.

use crate::db::{self, Backend, Pool};
use sqlx::Row;
use std::path::Path;

/// How a column is read and written.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    OptText,
    Int,
    OptInt,
    Blob,
}

use Kind::*;

/// The tables, parents before children (foreign keys), with their columns.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "org_units",
        &[
            ("id", Text),
            ("name", Text),
            ("kind", Text),
            ("parent", OptText),
            ("pos", Int),
            ("closed", Int),
        ],
    ),
    (
        "users",
        &[
            ("id", Text),
            ("name", Text),
            ("role", Text),
            ("unit", Text),
            ("password_hash", OptText),
            ("active", Int),
            ("last_login", OptInt),
        ],
    ),
    (
        "rounds",
        &[
            ("template", Text),
            ("period", Text),
            ("unit", Text),
            ("deadline", OptText),
            ("closed", Int),
        ],
    ),
    (
        "round_units",
        &[
            ("template", Text),
            ("period", Text),
            ("round_unit", Text),
            ("unit", Text),
            ("name", Text),
            ("kind", Text),
            ("parent", OptText),
            ("pos", Int),
        ],
    ),
    (
        "audit",
        &[
            ("at", Int),
            ("actor", Text),
            ("action", Text),
            ("target", Text),
            ("scope", OptText),
            ("before", OptText),
            ("after", OptText),
        ],
    ),
    ("meta", &[("key", Text), ("value", Text)]),
    (
        "sessions",
        &[
            ("token_hash", Text),
            ("user_id", Text),
            ("created_at", Int),
            ("expires_at", Int),
        ],
    ),
    (
        "actors",
        &[("actor", Text), ("user_id", Text), ("first_seen", Int)],
    ),
    (
        "doc_owners",
        &[("doc_id", Text), ("user_id", Text), ("created_at", Int)],
    ),
    (
        "documents",
        &[
            ("doc_id", Text),
            ("template", Text),
            ("unit", Text),
            ("period", Text),
            ("status", OptText),
            ("updated_at", Int),
            ("view", OptText),
        ],
    ),
    (
        "template_versions",
        &[
            ("template", Text),
            ("version", Int),
            ("digest", Text),
            ("body", Text),
            ("first_seen", Int),
        ],
    ),
    (
        "chunks",
        &[
            ("key", Text),
            ("doc_id", Text),
            ("data", Blob),
            ("created_at", Int),
        ],
    ),
];

/// Rows copied per transaction.
const BATCH: i64 = 500;

/// Opens the source: a SQLite URL or a data folder holding `baocao.db`
/// (which must exist: a typo must not migrate a new empty database).
async fn open_source(from: &str) -> Result<Pool, String> {
    let url = if from.starts_with("sqlite:") {
        from.to_string()
    } else {
        let file = Path::new(from).join("baocao.db");
        if !file.exists() {
            return Err(format!("no SQLite database at {}", file.display()));
        }
        db::sqlite_url(Path::new(from))
    };
    let pool = db::open(Path::new(from), Some(&url))
        .await
        .map_err(|e| format!("source: {e}"))?;
    if Backend::of(&pool) != Backend::Sqlite {
        return Err("--from must be a SQLite database or a data folder".into());
    }
    Ok(pool)
}

/// Copies `from` into the empty PostgreSQL `to` and verifies it.
pub async fn run(from: &str, to: &str) -> Result<(), String> {
    let source = open_source(from).await?;
    let target = db::open(Path::new("."), Some(to))
        .await
        .map_err(|e| format!("target: {e}"))?;
    if Backend::of(&target) != Backend::Postgres {
        return Err("--to must be a postgres:// URL".into());
    }
    for (table, _) in TABLES {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&target)
            .await
            .map_err(|e| e.to_string())?;
        if n > 0 {
            return Err(format!(
                "the target database is not empty ({table} has {n} rows): migrate into a new one"
            ));
        }
    }
    for (table, columns) in TABLES {
        copy_table(&source, &target, table, columns).await?;
    }
    verify(&source, &target).await?;
    source.close().await;
    target.close().await;
    Ok(())
}

async fn copy_table(
    source: &Pool,
    target: &Pool,
    table: &str,
    columns: &[(&str, Kind)],
) -> Result<(), String> {
    let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(source)
        .await
        .map_err(|e| e.to_string())?;
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    // SQLite's rowid keeps the insertion order (and so the references) and
    // pages through the table.
    let select = format!(
        "SELECT rowid, {} FROM {table} WHERE rowid > $1 ORDER BY rowid LIMIT {BATCH}",
        names.join(", ")
    );
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        (1..=names.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut last = 0i64;
    let mut copied = 0i64;
    loop {
        let rows = sqlx::query(&select)
            .bind(last)
            .fetch_all(source)
            .await
            .map_err(|e| format!("reading {table}: {e}"))?;
        if rows.is_empty() {
            break;
        }
        let mut tx = target.begin().await.map_err(|e| e.to_string())?;
        for row in &rows {
            last = row.try_get(0).map_err(|e| e.to_string())?;
            let mut q = sqlx::query(&insert);
            for (i, (name, kind)) in columns.iter().enumerate() {
                let get = |e: sqlx::Error| format!("{table}.{name}: {e}");
                q = match kind {
                    Text => q.bind(row.try_get::<String, _>(i + 1).map_err(get)?),
                    OptText => q.bind(row.try_get::<Option<String>, _>(i + 1).map_err(get)?),
                    Int => q.bind(row.try_get::<i64, _>(i + 1).map_err(get)?),
                    OptInt => q.bind(row.try_get::<Option<i64>, _>(i + 1).map_err(get)?),
                    Blob => q.bind(row.try_get::<Vec<u8>, _>(i + 1).map_err(get)?),
                };
            }
            q.execute(&mut *tx)
                .await
                .map_err(|e| format!("writing {table}: {e}"))?;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
        copied += rows.len() as i64;
        eprintln!("{table}: {copied}/{total}");
    }
    if total == 0 {
        eprintln!("{table}: 0/0");
    }
    Ok(())
}

/// Every document's heads, read back from both databases, must be equal.
async fn verify(source: &Pool, target: &Pool) -> Result<(), String> {
    let ids: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT doc_id FROM chunks ORDER BY doc_id")
        .fetch_all(source)
        .await
        .map_err(|e| e.to_string())?;
    let total = ids.len();
    let mut bad = Vec::new();
    for (i, (id,)) in ids.into_iter().enumerate() {
        let Ok(doc) = id.parse::<shared::DocumentId>() else {
            continue;
        };
        let heads = |d: Option<automerge::AutoCommit>| {
            d.map(|mut d| {
                let mut h = d.get_heads();
                h.sort();
                h
            })
        };
        let a = heads(
            crate::store::load_doc(source, &doc)
                .await
                .map_err(|e| e.to_string())?,
        );
        let b = heads(
            crate::store::load_doc(target, &doc)
                .await
                .map_err(|e| e.to_string())?,
        );
        if a != b {
            bad.push(id);
        }
        if (i + 1) % 500 == 0 || i + 1 == total {
            eprintln!("verified {}/{total} documents", i + 1);
        }
    }
    if bad.is_empty() {
        println!("migrated and verified: {total} documents, heads equal on both sides");
        Ok(())
    } else {
        Err(format!(
            "{} document(s) differ after the copy: {}",
            bad.len(),
            bad.join(", ")
        ))
    }
}
