//! Backups of an SQLite deployment, taken while it serves, and their restore.
//!
//! A backup is `VACUUM INTO`: SQLite writes a compact copy of the database
//! from one read transaction, so the copy is a consistent snapshot of every
//! commit made before it started (every change the server acknowledged, since
//! acknowledgements wait for the commit) while phones keep syncing — WAL
//! readers do not block the writer. The copy then gets a manifest (table
//! `backup_manifest`: every document's heads, read from the copy itself), and
//! only once that is written and synced to disk is it renamed to its name: a
//! file under that name is a whole backup.
//!
//! `restore` copies a backup into an empty data folder, applies the
//! migrations of this release (a backup made by an earlier one opens), reads
//! every document back and compares its heads with the manifest. On any
//! failure the folder is left as empty as it was found.
//!
//! PostgreSQL deployments are backed up with `pg_dump` (README, "Backups").

pub mod schedule;

use crate::db::{self, Backend, Pool};
use sqlx::any::AnyPoolOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a backup or restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The deployment stores on PostgreSQL.
    #[error(
        "this deployment stores on PostgreSQL: back it up with pg_dump -Fc and restore with pg_restore (README, \"Backups\")"
    )]
    Postgres,
    /// The target exists already.
    #[error("{0} exists already: a backup never overwrites a file")]
    Exists(String),
    /// The restore folder holds files.
    #[error("{0} is not empty: restore only into an empty (or new) folder")]
    NotEmpty(String),
    /// The file is not a backup made by `baocao backup`.
    #[error("{0} is not a baocao backup (no manifest): {1}")]
    NotABackup(String, String),
    /// Documents of the restored copy differ from the manifest.
    #[error("{0} document(s) differ from the backup's manifest: {1}")]
    Differ(usize, String),
    /// SQLite found damage.
    #[error("the copy is damaged: {0}")]
    Damaged(String),
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// The database refused.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The restored database could not be opened.
    #[error("{0}")]
    Open(#[from] db::DbError),
}

/// How far a long operation is, for its progress line.
#[derive(Clone, Copy, Debug)]
pub enum Progress {
    /// Bytes of the copy written, of about `total`.
    Copying { done: u64, total: u64 },
    /// Documents whose heads were read.
    Documents { done: usize, total: usize },
}

/// What a finished backup holds.
#[derive(Clone, Debug)]
pub struct Backup {
    /// Its file.
    pub file: PathBuf,
    /// Documents in it.
    pub documents: usize,
    /// Its size.
    pub bytes: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(path.display().to_string(), e)
}

/// A pool on one SQLite file, without migrations (a backup stays what it
/// was; `restore` migrates the restored database, not the backup).
pub async fn open_file(path: &Path, mode: &str) -> Result<Pool, BackupError> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode={mode}", path.display());
    Ok(AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                use sqlx::Executor;
                conn.execute("PRAGMA busy_timeout = 10000;").await?;
                Ok(())
            })
        })
        .connect(&url)
        .await?)
}

/// Writes a backup of the database `pool` to `to`, which must not exist.
pub async fn take(
    pool: &Pool,
    to: &Path,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Backup, BackupError> {
    if Backend::of(pool) != Backend::Sqlite {
        return Err(BackupError::Postgres);
    }
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let partial = partial_name(to);
    let _ = std::fs::remove_file(&partial);
    let result = write_backup(pool, to, &partial, progress).await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn partial_name(to: &Path) -> PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    to.with_file_name(name)
}

async fn write_backup(
    pool: &Pool,
    to: &Path,
    partial: &Path,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Backup, BackupError> {
    let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count").fetch_one(pool).await?;
    let (page_size,): (i64,) = sqlx::query_as("PRAGMA page_size").fetch_one(pool).await?;
    let total = (pages * page_size).max(0) as u64;
    let target = partial.display().to_string();
    let copy = sqlx::query("VACUUM INTO $1").bind(&target).execute(pool);
    tokio::pin!(copy);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            r = &mut copy => { r?; break; }
            _ = tick.tick() => {
                let done = std::fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
                progress(Progress::Copying { done, total });
            }
        }
    }
    let bytes = std::fs::metadata(partial).map_err(io(partial))?.len();
    progress(Progress::Copying { done: bytes, total });

    let copy = open_file(partial, "rw").await?;
    let documents = write_manifest(&copy, progress).await;
    copy.close().await;
    let documents = documents?;
    sync_file(partial)?;
    std::fs::rename(partial, to).map_err(io(to))?;
    if let Some(dir) = to.parent() {
        // The rename itself survives a power cut once the folder is synced.
        let _ = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
        .and_then(|d| d.sync_all());
    }
    let bytes = std::fs::metadata(to).map_err(io(to))?.len();
    Ok(Backup {
        file: to.to_path_buf(),
        documents,
        bytes,
    })
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))
}

/// Every document's heads as the manifest writes them: sorted, hex, joined.
async fn heads_of(pool: &Pool, id: &str) -> Result<Option<String>, BackupError> {
    let Ok(doc) = id.parse::<shared::DocumentId>() else {
        return Ok(None);
    };
    Ok(crate::store::load_doc(pool, &doc).await?.map(|mut d| {
        let mut h: Vec<String> = d.get_heads().iter().map(|h| h.to_string()).collect();
        h.sort();
        h.join(",")
    }))
}

async fn document_ids(pool: &Pool) -> Result<Vec<String>, BackupError> {
    let ids: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT doc_id FROM chunks ORDER BY doc_id")
        .fetch_all(pool)
        .await?;
    Ok(ids.into_iter().map(|(i,)| i).collect())
}

async fn integrity(pool: &Pool) -> Result<(), BackupError> {
    let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(pool)
        .await?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(BackupError::Damaged(verdict))
    }
}

/// Reads every document of the copy and records its heads in it.
async fn write_manifest(
    copy: &Pool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<usize, BackupError> {
    integrity(copy).await?;
    sqlx::query(
        "CREATE TABLE backup_manifest (doc_id TEXT PRIMARY KEY NOT NULL, heads TEXT NOT NULL)",
    )
    .execute(copy)
    .await?;
    let ids = document_ids(copy).await?;
    let total = ids.len();
    // Read first, then written in one transaction (the copy has one connection).
    let mut rows = Vec::with_capacity(total);
    for (i, id) in ids.iter().enumerate() {
        if let Some(heads) = heads_of(copy, id).await? {
            rows.push((id, heads));
        }
        if (i + 1) % 200 == 0 || i + 1 == total {
            progress(Progress::Documents { done: i + 1, total });
        }
    }
    let mut tx = copy.begin().await?;
    for (id, heads) in rows {
        sqlx::query("INSERT INTO backup_manifest (doc_id, heads) VALUES ($1, $2)")
            .bind(id)
            .bind(heads)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('backup_taken_at', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(db::now_ms().to_string())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(total)
}

/// What a restore found.
#[derive(Clone, Debug)]
pub struct Restored {
    /// Documents restored, every one's heads equal to the manifest's.
    pub documents: usize,
    /// When the backup was taken (milliseconds), if it says.
    pub taken_at: Option<i64>,
}

/// Restores the backup `from` into the empty (or missing) folder
/// `data_dir` and verifies every document.
pub async fn restore(
    from: &Path,
    data_dir: &Path,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Restored, BackupError> {
    if data_dir.exists() {
        let mut entries = std::fs::read_dir(data_dir).map_err(io(data_dir))?;
        if entries.next().is_some() {
            return Err(BackupError::NotEmpty(data_dir.display().to_string()));
        }
    }
    // The backup is checked before anything is written.
    let manifest = read_manifest(from).await?;
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let result = restore_into(from, data_dir, &manifest, progress).await;
    if result.is_err() {
        // Back to the empty folder it was.
        if let Ok(entries) = std::fs::read_dir(data_dir) {
            for e in entries.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    result
}

struct Manifest {
    heads: Vec<(String, String)>,
    taken_at: Option<i64>,
}

async fn read_manifest(from: &Path) -> Result<Manifest, BackupError> {
    let name = from.display().to_string();
    if !from.is_file() {
        return Err(BackupError::Io(
            name,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let pool = open_file(from, "ro")
        .await
        .map_err(|e| BackupError::NotABackup(name.clone(), e.to_string()))?;
    let heads: Result<Vec<(String, String)>, _> =
        sqlx::query_as("SELECT doc_id, heads FROM backup_manifest ORDER BY doc_id")
            .fetch_all(&pool)
            .await;
    let taken_at: Option<(String,)> =
        sqlx::query_as("SELECT value FROM meta WHERE key = 'backup_taken_at'")
            .fetch_optional(&pool)
            .await
            .ok()
            .flatten();
    pool.close().await;
    let heads = heads.map_err(|e| BackupError::NotABackup(name, e.to_string()))?;
    Ok(Manifest {
        heads,
        taken_at: taken_at.and_then(|(v,)| v.parse().ok()),
    })
}

async fn restore_into(
    from: &Path,
    data_dir: &Path,
    manifest: &Manifest,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Restored, BackupError> {
    let file = data_dir.join("baocao.db");
    let partial = partial_name(&file);
    let total = std::fs::metadata(from).map_err(io(from))?.len();
    progress(Progress::Copying { done: 0, total });
    std::fs::copy(from, &partial).map_err(io(&partial))?;
    sync_file(&partial)?;
    std::fs::rename(&partial, &file).map_err(io(&file))?;
    progress(Progress::Copying { done: total, total });

    let pool = db::open(data_dir, None).await?;
    let verified = verify(&pool, manifest, progress).await;
    if verified.is_ok() {
        // The restored database is an ordinary one again.
        sqlx::query("DROP TABLE backup_manifest")
            .execute(&pool)
            .await?;
        sqlx::query("DELETE FROM meta WHERE key = 'backup_taken_at'")
            .execute(&pool)
            .await?;
    }
    pool.close().await;
    let documents = verified?;
    Ok(Restored {
        documents,
        taken_at: manifest.taken_at,
    })
}

/// Every document of the restored database read back: its heads must be
/// the manifest's, and no document may be missing from either side.
async fn verify(
    pool: &Pool,
    manifest: &Manifest,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<usize, BackupError> {
    integrity(pool).await?;
    let stored = document_ids(pool).await?;
    let listed: std::collections::BTreeSet<&str> =
        manifest.heads.iter().map(|(id, _)| id.as_str()).collect();
    let mut bad: Vec<String> = stored
        .iter()
        .filter(|id| id.parse::<shared::DocumentId>().is_ok() && !listed.contains(id.as_str()))
        .map(|id| format!("{id} (not in the manifest)"))
        .collect();
    let total = manifest.heads.len();
    for (i, (id, heads)) in manifest.heads.iter().enumerate() {
        match heads_of(pool, id).await? {
            Some(h) if &h == heads => {}
            Some(_) => bad.push(format!("{id} (other heads)")),
            None => bad.push(format!("{id} (missing)")),
        }
        if (i + 1) % 200 == 0 || i + 1 == total {
            progress(Progress::Documents { done: i + 1, total });
        }
    }
    if bad.is_empty() {
        Ok(total)
    } else {
        Err(BackupError::Differ(bad.len(), bad.join(", ")))
    }
}
