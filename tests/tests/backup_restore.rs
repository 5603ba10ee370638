//! Issue 18, must-show 1: a phone keeps syncing while `baocao backup` runs;
//! the copy restored by `baocao restore` holds every change acknowledged
//! before the backup started and serves the same figures.

use automerge::ChangeHash;
use baocao_tests::server::run_admin;
use baocao_tests::{NativeClient, TestServer, child_protection_template};
use shared::{DocumentId, ReportKey, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Acked = Arc<Mutex<Vec<(DocumentId, Vec<ChangeHash>)>>>;

const FIGURES: &str = "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";

/// Rounds of edits to three reports, each synced until acknowledged, until
/// told to stop (at most 2 000 rounds).
async fn phone(url: String, acked: Acked, stop: Arc<AtomicBool>) -> Result<usize, String> {
    let keys: Vec<ReportKey> = (0..3)
        .map(|r| ReportKey::new("bao-ve-tre-em", &format!("backup-{r}"), "2024-H1"))
        .collect();
    let ids: Vec<DocumentId> = keys.iter().map(ReportKey::document_id).collect();
    let mut phone = NativeClient::new("phone", child_protection_template());
    phone.connect(&url).await?;
    let mut rounds = 0;
    while !stop.load(Ordering::Relaxed) && rounds < 2000 {
        for key in &keys {
            phone
                .edit(key, |r| {
                    r.set_field("officers", Some(&Value::Int(rounds as i64)))
                        .unwrap();
                    r.add_record("documents", &format!("r{rounds}")).unwrap();
                })
                .await;
        }
        phone
            .sync_until_acked(&ids, Duration::from_secs(10))
            .await?;
        let mut a = acked.lock().unwrap();
        for id in &ids {
            a.push((*id, phone.heads(id)));
        }
        rounds += 1;
    }
    Ok(rounds)
}

#[tokio::test]
async fn a_backup_taken_while_a_phone_syncs_restores_every_acknowledged_change() {
    let server = TestServer::start_on_sqlite().await;
    let figures_before = server.api_get(FIGURES).await;
    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let task = tokio::spawn(phone(server.ws_url(), acked.clone(), stop.clone()));
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 3 * 5 {
        assert!(Instant::now() < deadline, "the phone never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

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
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.lock().unwrap().len() < during + 3 * 3 {
        assert!(Instant::now() < deadline, "the phone stopped syncing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
    let mut reader = NativeClient::new("reader", child_protection_template());
    reader.connect(&restored.ws_url()).await.unwrap();
    let mut ids: Vec<DocumentId> = before.iter().map(|(id, _)| *id).collect();
    ids.sort();
    ids.dedup();
    for id in &ids {
        reader.open(*id).await;
    }
    reader
        .sync_until_acked(&ids, Duration::from_secs(30))
        .await
        .unwrap();
    let mut missing = Vec::new();
    for (id, heads) in &before {
        let doc = reader.doc(id).expect("the document was restored");
        for h in heads {
            if doc.get_change_by_hash(h).is_none() {
                missing.push((*id, *h));
            }
        }
    }
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
