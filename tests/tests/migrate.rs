//! Must-show (issue 7): `baocao migrate` moves the demo deployment, with a
//! report edited over sync, from SQLite to PostgreSQL and verifies it; a
//! server on PostgreSQL then serves the same reports and figures, and a
//! second migration into the now full database is refused.

use baocao_tests::server::server_binary;
use baocao_tests::{NativeClient, TestServer, child_protection_template, pg};
use shared::{ReportKey, Value};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

fn migrate(from: &std::path::Path, to: &str) -> (bool, String, String) {
    let out = std::process::Command::new(server_binary())
        .arg("migrate")
        .arg("--from")
        .arg(from)
        .args(["--to", to])
        .output()
        .expect("run baocao migrate");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn migrate_moves_the_demo_from_sqlite_to_postgres_and_verifies_it() {
    let mut old = TestServer::start_on_sqlite().await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2024-H2");
    let id = key.document_id();
    let mut phone = NativeClient::new("phone", child_protection_template());
    phone.connect(&old.ws_url()).await.unwrap();
    phone
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(3))).unwrap();
            r.add_record("documents", "d-1").unwrap();
        })
        .await;
    phone.sync_until_acked(&[id], LIMIT).await.unwrap();
    phone.disconnect().await;
    let figures = "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";
    let before_report = old.api_get(&format!("/api/reports/{id}")).await;
    let before_figures = old.api_get(figures).await;
    old.stop().await;

    let url = pg::cluster().create_database();
    let (ok, out, err) = migrate(old.data_dir(), &url);
    assert!(ok, "migrate failed: {out}{err}");
    assert!(out.contains("heads equal"), "{out}");
    assert!(err.contains("chunks: "), "progress shown: {err}");

    let new = TestServer::start_on_postgres(&url).await;
    assert_eq!(
        new.api_get(&format!("/api/reports/{id}")).await,
        before_report
    );
    assert_eq!(new.api_get(figures).await, before_figures);
    let mut reader = NativeClient::new("reader", child_protection_template());
    reader.connect(&new.ws_url()).await.unwrap();
    reader.open(id).await;
    reader.sync_until_acked(&[id], LIMIT).await.unwrap();
    assert_eq!(reader.heads(&id), phone.heads(&id));

    let (ok, _, err) = migrate(old.data_dir(), &url);
    assert!(
        !ok,
        "a second migration into a full database must be refused"
    );
    assert!(err.contains("not empty"), "{err}");
}
