//! `baocao backup` and `baocao restore` ([`crate::backup`]), with progress
//! on standard error and the result on standard output.

use crate::backup::{self, Progress};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// `baocao backup`.
#[derive(Debug, Args)]
pub(super) struct BackupArgs {
    /// The backup file to write (must not exist).
    #[arg(long)]
    to: PathBuf,
    /// The data folder of the deployment (its `baocao.db`).
    #[arg(long, env = "BAOCAO_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// A PostgreSQL deployment is refused with the pg_dump procedure.
    #[arg(long, env = "BAOCAO_DATABASE_URL")]
    database_url: Option<String>,
}

/// `baocao restore`.
#[derive(Debug, Args)]
pub(super) struct RestoreArgs {
    /// A file written by `baocao backup` (or by `serve --backup-dir`).
    #[arg(long)]
    from: PathBuf,
    /// The folder to restore into: empty or new. Serve it afterwards with
    /// `baocao serve --data-dir DIR`.
    #[arg(long)]
    data_dir: PathBuf,
}

/// Prints progress at most every half second, and always the last step.
fn printer() -> impl Fn(Progress) + Sync {
    let last = Mutex::new(None::<Instant>);
    move |p: Progress| {
        let finished = match p {
            Progress::Copying { done, total } => done >= total,
            Progress::Documents { done, total } => done == total,
        };
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        if !finished && last.is_some_and(|t| t.elapsed().as_millis() < 500) {
            return;
        }
        *last = Some(Instant::now());
        match p {
            Progress::Copying { done, total } => eprintln!(
                "copying: {:.1} of {:.1} MB",
                done as f64 / 1e6,
                total as f64 / 1e6
            ),
            Progress::Documents { done, total } => {
                eprintln!("documents checked: {done}/{total}")
            }
        }
    }
}

/// Backs up a serving (or stopped) SQLite deployment.
pub(super) async fn backup(args: BackupArgs) -> Result<(), String> {
    if args
        .database_url
        .as_deref()
        .is_some_and(|u| !u.starts_with("sqlite:"))
    {
        return Err(backup::BackupError::Postgres.to_string());
    }
    let file = match &args.database_url {
        Some(url) => PathBuf::from(
            url.trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap_or_default(),
        ),
        None => args.data_dir.join("baocao.db"),
    };
    if !file.is_file() {
        return Err(format!("no database at {}", file.display()));
    }
    // Opened without migrations: a newer `baocao` never changes the schema
    // under a running older server.
    let pool = backup::open_file(&file, "rw")
        .await
        .map_err(|e| e.to_string())?;
    let result = backup::take(&pool, &args.to, &printer()).await;
    pool.close().await;
    let b = result.map_err(|e| e.to_string())?;
    println!(
        "backup written: {} ({} documents, {:.1} MB, every document's heads recorded)",
        b.file.display(),
        b.documents,
        b.bytes as f64 / 1e6
    );
    Ok(())
}

/// Restores a backup into an empty folder and verifies it.
pub(super) async fn restore(args: RestoreArgs) -> Result<(), String> {
    let r = backup::restore(&args.from, &args.data_dir, &printer())
        .await
        .map_err(|e| e.to_string())?;
    let when = r
        .taken_at
        .map(|ms| format!(" taken {} (Vietnam time)", crate::db::format_ms(ms)))
        .unwrap_or_default();
    println!(
        "restored into {}: {} documents, heads equal to the backup's{when}; start it with: baocao serve --data-dir {}",
        args.data_dir.display(),
        r.documents,
        shell_path(&args.data_dir),
    );
    Ok(())
}

fn shell_path(p: &Path) -> String {
    let s = p.display().to_string();
    if s.contains(' ') { format!("{s:?}") } else { s }
}
