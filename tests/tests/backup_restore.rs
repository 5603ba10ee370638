//! Issue 18, must-show 1: a phone keeps syncing while `baocao backup` runs;
//! the copy restored by `baocao restore` holds every change acknowledged
//! before the backup started and serves the same figures.

use automerge::ChangeHash;
use baocao_tests::TestServer;
use baocao_tests::acked::{Acked, edit_rounds, missing_on, wait_for};
use baocao_tests::server::run_admin;
use shared::DocumentId;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const FIGURES: &str = "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";

#[tokio::test]
async fn a_backup_taken_while_a_phone_syncs_restores_every_acknowledged_change() {
    let server = TestServer::start_on_sqlite().await;
    let figures_before = server.api_get(FIGURES).await;
    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let task = tokio::spawn(edit_rounds(
        "backup",
        3,
        server.ws_url(),
        acked.clone(),
        stop.clone(),
    ));
    wait_for(
        &acked,
        3 * 5,
        Duration::from_secs(30),
        "the phone never got going",
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("baocao-backup.db");
    let before: Vec<(DocumentId, Vec<ChangeHash>)> = acked.lock().unwrap().clone();
    let data_dir = server.data_dir().to_path_buf();
    let to = file.to_str().unwrap().to_string();
    let (ok, out, err) =
        tokio::task::spawn_blocking(move || run_admin(&data_dir, &["backup", "--to", &to], None))
            .await
            .unwrap();
    assert!(ok, "backup failed: {out}{err}");
    assert!(out.contains("backup written"), "{out}");
    assert!(err.contains("documents checked"), "progress shown: {err}");
    let during = acked.lock().unwrap().len();

    // The phone carries on after the backup as it did during it.
    wait_for(
        &acked,
        during + 3 * 3,
        Duration::from_secs(20),
        "the phone stopped syncing",
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    let rounds = task.await.unwrap().expect("the phone synced throughout");

    // A backup never overwrites.
    let (ok, _, err) = run_admin(server.data_dir(), &args_to(&file), None);
    assert!(!ok && err.contains("exists already"), "{err}");

    let mut restored = TestServer::unstarted_on_sqlite();
    let target = restored.data_dir().to_path_buf();
    let (ok, out, err) = run_admin(
        &target,
        &["restore", "--from", file.to_str().unwrap()],
        None,
    );
    assert!(ok, "restore failed: {out}{err}");
    assert!(out.contains("heads equal"), "{out}");
    // Into an empty folder only.
    let (ok, _, err) = run_admin(
        &target,
        &["restore", "--from", file.to_str().unwrap()],
        None,
    );
    assert!(!ok && err.contains("not empty"), "{err}");

    restored.restart().await;
    let (status, ready) = restored.get_json("/api/ready").await;
    assert_eq!((status, &ready["ready"]), (200, &serde_json::json!(true)));
    assert_eq!(restored.api_get(FIGURES).await, figures_before);
    let missing = missing_on(&restored.ws_url(), &before).await;
    assert!(
        missing.is_empty(),
        "{} acknowledged changes missing from the restored copy",
        missing.len()
    );
    eprintln!(
        "{} acknowledgements before the backup all restored; the phone synced {rounds} rounds in all, {} acknowledgements by the end of the backup",
        before.len(),
        during
    );
}

fn args_to(file: &std::path::Path) -> [&str; 3] {
    ["backup", "--to", file.to_str().unwrap()]
}
