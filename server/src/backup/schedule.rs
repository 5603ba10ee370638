//! Scheduled backups of a serving deployment (`serve --backup-dir D
//! --backup-every 24h --backup-keep 14`): a backup is due `every` after the
//! newest one in the folder (at once when there is none, or it is older), so
//! restarting the server neither skips one nor takes extra ones; after each,
//! only the newest `keep` backups stay. Only files this schedule names
//! (`baocao-<UTC time>.db`) are ever deleted.

use super::{Progress, take};
use crate::db::Pool;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// When and where to back up.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// The folder backups go to (created if missing).
    pub dir: PathBuf,
    /// Time between two backups.
    pub every: Duration,
    /// Backups kept (the newest); at least 1.
    pub keep: usize,
}

const PREFIX: &str = "baocao-";
const SUFFIX: &str = ".db";

/// The name of a backup taken at `ms` (UTC, sortable): `baocao-20261204T110512Z.db`.
pub fn file_name(ms: i64) -> String {
    let day = ms.div_euclid(86_400_000);
    let secs = ms.rem_euclid(86_400_000) / 1000;
    let date = shared::Date::from_days_since_epoch(day)
        .to_iso()
        .replace('-', "");
    format!(
        "{PREFIX}{date}T{:02}{:02}{:02}Z{SUFFIX}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn is_ours(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|r| r.strip_suffix(SUFFIX))
        .is_some_and(|stamp| {
            stamp.len() == 16
                && stamp.as_bytes()[8] == b'T'
                && stamp.ends_with('Z')
                && stamp[..8].bytes().all(|b| b.is_ascii_digit())
                && stamp[9..15].bytes().all(|b| b.is_ascii_digit())
        })
}

/// The schedule's backups in `dir`, oldest first.
pub fn existing(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(is_ours))
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// How long until the next backup is due.
fn due_in(dir: &Path, every: Duration) -> Duration {
    let newest = existing(dir)
        .last()
        .and_then(|f| std::fs::metadata(f).ok())
        .and_then(|m| m.modified().ok());
    match newest {
        Some(t) => {
            let age = SystemTime::now().duration_since(t).unwrap_or_default();
            every.saturating_sub(age)
        }
        None => Duration::ZERO,
    }
}

/// Deletes all but the newest `keep` of the schedule's backups.
pub fn prune(dir: &Path, keep: usize) -> Vec<PathBuf> {
    let files = existing(dir);
    let extra = files.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for f in files.into_iter().take(extra) {
        if std::fs::remove_file(&f).is_ok() {
            removed.push(f);
        }
    }
    removed
}

/// Runs the schedule until the process stops.
pub fn spawn(pool: Pool, schedule: Schedule) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(due_in(&schedule.dir, schedule.every)).await;
            if let Err(e) = std::fs::create_dir_all(&schedule.dir) {
                tracing::error!("backup folder {}: {e}", schedule.dir.display());
            } else {
                let file = schedule.dir.join(file_name(crate::db::now_ms()));
                let quiet = |_: Progress| {};
                match take(&pool, &file, &quiet).await {
                    Ok(b) => {
                        tracing::info!(
                            file = %b.file.display(),
                            documents = b.documents,
                            bytes = b.bytes,
                            "backup taken"
                        );
                        for f in prune(&schedule.dir, schedule.keep) {
                            tracing::info!(file = %f.display(), "old backup removed");
                        }
                    }
                    Err(e) => tracing::error!("scheduled backup failed: {e}"),
                }
            }
            // A failed backup is tried again after the interval, not in a loop.
            tokio::time::sleep(schedule.every.min(Duration::from_secs(60))).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_are_recognised() {
        let a = file_name(1_796_000_000_000);
        let b = file_name(1_796_000_000_000 + 3_600_000);
        assert!(a < b);
        assert!(is_ours(&a), "{a}");
        assert_eq!(file_name(0), "baocao-19700101T000000Z.db");
        assert!(!is_ours("baocao.db"));
        assert!(!is_ours("baocao-19700101T000000Z.db.partial"));
        assert!(!is_ours("notes.db"));
    }

    #[test]
    fn prune_keeps_the_newest_and_nothing_else_of_ours_is_touched() {
        let dir = tempfile_dir();
        for h in 0..5 {
            std::fs::write(dir.join(file_name(h * 3_600_000)), b"x").unwrap();
        }
        std::fs::write(dir.join("mine.db"), b"x").unwrap();
        let removed = prune(&dir, 2);
        assert_eq!(removed.len(), 3);
        let left: Vec<String> = existing(&dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            vec![file_name(3 * 3_600_000), file_name(4 * 3_600_000)]
        );
        assert!(dir.join("mine.db").exists());
        assert!(due_in(&dir, Duration::from_secs(3600)) > Duration::ZERO);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "baocao-prune-{}-{}",
            std::process::id(),
            crate::db::now_ms()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
