//! The database: embedded SQLite in the data folder (the default: one machine,
//! nothing to install) or PostgreSQL (several server replicas on one
//! database), chosen by a database URL. Both are reached through sqlx's `Any`
//! driver, so every query is written once: `$1` placeholders (SQLite accepts
//! them too) and types both understand (TEXT, BIGINT, BLOB/BYTEA).
//!
//! SQLite is opened durable (WAL, synchronous=FULL), so a write the sync
//! engine is told is done survives a power cut; PostgreSQL is durable by
//! default (synchronous_commit on).

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use std::path::Path;
use std::time::Duration;

/// The pool every part of the server queries.
pub type Pool = AnyPool;

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend of a pool.
    pub fn of(pool: &Pool) -> Backend {
        Backend::of_url(pool.connect_options().database_url.as_str())
    }

    fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The data folder could not be created.
    #[error("cannot create data folder {0}: {1}")]
    Folder(String, std::io::Error),
    /// The database refused.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The URL names a database this build cannot reach.
    #[error("unsupported database URL {0:?} (use sqlite://… or postgres://…)")]
    Url(String),
}

/// The SQLite URL of a data folder's database.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("baocao.db").display())
}

/// Opens the database `url` names, or, without one, `<data_dir>/baocao.db`
/// (creating the folder and file), and applies the migrations.
pub async fn open(data_dir: &Path, url: Option<&str>) -> Result<Pool, DbError> {
    sqlx::any::install_default_drivers();
    let url = match url {
        Some(u) => u.to_string(),
        None => {
            std::fs::create_dir_all(data_dir)
                .map_err(|e| DbError::Folder(data_dir.display().to_string(), e))?;
            sqlite_url(data_dir)
        }
    };
    match Backend::of_url(&url) {
        Backend::Postgres => {
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect(&url)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Ok(pool)
        }
        Backend::Sqlite if url.starts_with("sqlite:") => {
            let pool = AnyPoolOptions::new()
                .max_connections(4)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        use sqlx::Executor;
                        // 1 KB pages (taken only by a new, empty file): a
                        // report's compacted snapshot is about 4 KB, which
                        // on SQLite's default 4 KB pages takes a page and
                        // most of an overflow page (docs/BENCHMARKS.md).
                        conn.execute(
                            "PRAGMA page_size = 1024; \
                             PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await?;
            sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
            Ok(pool)
        }
        Backend::Sqlite => Err(DbError::Url(url)),
    }
}

/// This deployment's storage id (announced to peers), created once. Every
/// replica on one PostgreSQL reads the same one: they are one deployment.
pub async fn storage_id(pool: &Pool) -> Result<String, sqlx::Error> {
    if let Some((v,)) =
        sqlx::query_as::<_, (String,)>("SELECT value FROM meta WHERE key = 'storage_id'")
            .fetch_optional(pool)
            .await?
    {
        return Ok(v);
    }
    let id: [u8; 16] = rand::random();
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query("INSERT INTO meta (key, value) VALUES ('storage_id', $1) ON CONFLICT DO NOTHING")
        .bind(&id)
        .execute(pool)
        .await?;
    let (v,): (String,) = sqlx::query_as("SELECT value FROM meta WHERE key = 'storage_id'")
        .fetch_one(pool)
        .await?;
    Ok(v)
}

/// Milliseconds since the epoch (the server is the one place that reads the clock).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A time stored as milliseconds, as an administrator reads it: Vietnam's
/// time (UTC+7), `2026-12-03 22:05`.
pub fn format_ms(ms: i64) -> String {
    let local = ms + 7 * 3_600_000;
    let day = local.div_euclid(86_400_000);
    let minutes = local.rem_euclid(86_400_000) / 60_000;
    format!(
        "{} {:02}:{:02}",
        shared::Date::from_days_since_epoch(day),
        minutes / 60,
        minutes % 60
    )
}
