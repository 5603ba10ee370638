//! Issue 18, PostgreSQL: the README's `pg_dump` / `pg_restore` procedure,
//! run while a phone syncs. The restored database passes `baocao check`,
//! and a server on it holds every change acknowledged before the dump
//! started and serves the same figures. And readiness: `/api/ready` turns
//! 503 when the database is gone while `/api/health` stays up.

use baocao_tests::TestServer;
use baocao_tests::acked::{Acked, edit_rounds, missing_on, wait_for};
use baocao_tests::server::run_admin;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const FIGURES: &str = "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";

fn run(mut c: Command) {
    let out = c.output().expect("run a PostgreSQL tool");
    assert!(
        out.status.success(),
        "{c:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn pg_dump_while_a_phone_syncs_and_pg_restore_keep_every_acknowledged_change() {
    let cluster = baocao_tests::pg::cluster();
    let url = cluster.create_database();
    let server = TestServer::start_on_postgres(&url).await;
    let figures = server.api_get(FIGURES).await;
    let acked = Acked::default();
    let stop = Arc::new(AtomicBool::new(false));
    let phone = tokio::spawn(edit_rounds(
        "pgdump",
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
    let dump = dir.path().join("baocao.dump");
    let before = acked.lock().unwrap().clone();
    let mut c = Command::new(cluster.tool("pg_dump"));
    c.args(["-Fc", "-d", &url, "-f"]).arg(&dump);
    tokio::task::spawn_blocking(move || run(c)).await.unwrap();
    let during = acked.lock().unwrap().len();
    wait_for(
        &acked,
        during + 3 * 3,
        Duration::from_secs(20),
        "the phone stopped syncing after the dump",
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    let rounds = phone.await.unwrap().expect("the phone synced throughout");

    let restored_url = cluster.create_database();
    let mut c = Command::new(cluster.tool("pg_restore"));
    c.args(["--no-owner", "-d", &restored_url]).arg(&dump);
    run(c);
    let (ok, out, err) = run_admin(
        dir.path(),
        &["check", "--database-url", &restored_url],
        None,
    );
    assert!(ok, "check of the restored database: {out}{err}");

    let restored = TestServer::start_on_postgres(&restored_url).await;
    let (status, _) = restored.get_json("/api/ready").await;
    assert_eq!(status, 200);
    assert_eq!(restored.api_get(FIGURES).await, figures);
    let missing = missing_on(&restored.ws_url(), &before).await;
    assert!(
        missing.is_empty(),
        "{} acknowledged changes missing from the restored database",
        missing.len()
    );
    eprintln!(
        "{} acknowledgements before pg_dump all restored; {rounds} rounds synced in all",
        before.len()
    );
}

#[tokio::test]
async fn readiness_fails_when_the_database_goes_and_liveness_does_not() {
    let cluster = baocao_tests::pg::cluster();
    let url = cluster.create_database();
    let server = TestServer::start_on_postgres(&url).await;
    let (status, body) = server.get_json("/api/ready").await;
    assert_eq!((status, &body["ready"]), (200, &serde_json::json!(true)));
    let name = url.rsplit('/').next().unwrap().to_string();
    cluster.sql(&format!("DROP DATABASE {name} WITH (FORCE)"));
    let (status, body) = server.get_json("/api/ready").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["ready"], false);
    assert!(
        body["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("database:"),
        "{body}"
    );
    let (status, body) = server.get_json("/api/health").await;
    assert_eq!((status, &body["ok"]), (200, &serde_json::json!(true)));
}
