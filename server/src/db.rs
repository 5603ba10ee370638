//! The embedded SQLite database: opened durable (WAL, synchronous=FULL), so a
//! write the sync engine is told is done survives a power cut.

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The data folder could not be created.
    #[error("cannot create data folder {0}: {1}")]
    Folder(String, std::io::Error),
    /// SQLite refused.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens (creating if absent) `<data_dir>/baocao.db` and applies migrations.
pub async fn open(data_dir: &Path) -> Result<SqlitePool, DbError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| DbError::Folder(data_dir.display().to_string(), e))?;
    let path = data_dir.join("baocao.db");
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(opts)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// This deployment's storage id (announced to peers), created once.
pub async fn storage_id(pool: &SqlitePool) -> Result<String, sqlx::Error> {
    if let Some((v,)) =
        sqlx::query_as::<_, (String,)>("SELECT value FROM meta WHERE key = 'storage_id'")
            .fetch_optional(pool)
            .await?
    {
        return Ok(v);
    }
    let id: [u8; 16] = rand::random();
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query("INSERT OR IGNORE INTO meta (key, value) VALUES ('storage_id', ?)")
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
