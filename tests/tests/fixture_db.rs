//! Issue 18, must-show 5: a database made by an earlier release
//! (`tests/fixtures/db/`) opens with the current binary — migrations run at
//! start — and serves what it held: the demo district's figures, its
//! reports and its users.

use baocao_tests::TestServer;

const FIGURES: &str = "/api/figures?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to";

#[tokio::test]
async fn every_fixture_database_opens_with_the_current_binary() {
    let fresh = TestServer::start_on_sqlite().await;
    let expected = without_times(fresh.api_get(FIGURES).await);
    let fixtures = baocao_tests::repo_root().join("tests/fixtures/db");
    let mut opened = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("db") {
            continue;
        }
        let mut server = TestServer::unstarted_on_sqlite();
        // A copy: the fixture itself is never migrated.
        std::fs::copy(&path, server.data_dir().join("baocao.db")).unwrap();
        server.restart().await;
        let (status, _) = server.get_json("/api/ready").await;
        assert_eq!(status, 200, "{} not ready", path.display());
        assert_eq!(
            without_times(server.api_get(FIGURES).await),
            expected,
            "{}: figures differ",
            path.display()
        );
        let reports = server
            .api_get("/api/reports?template=bao-ve-tre-em&period=2024-H1&unit=huyen-ba-to")
            .await;
        assert!(
            reports.to_string().contains("ba-dinh"),
            "{}: reports listed: {reports}",
            path.display()
        );
        let (ok, out, err) = baocao_tests::server::run_admin(server.data_dir(), &["check"], None);
        assert!(ok, "{}: check: {out}{err}", path.display());
        opened += 1;
    }
    assert!(opened > 0, "no fixture database in {}", fixtures.display());
}

/// The figures without the records' `created` times (the demo's load time).
fn without_times(mut v: serde_json::Value) -> serde_json::Value {
    match &mut v {
        serde_json::Value::Object(m) => {
            m.remove("created");
            for x in m.values_mut() {
                *x = without_times(x.take());
            }
        }
        serde_json::Value::Array(a) => {
            for x in a.iter_mut() {
                *x = without_times(x.take());
            }
        }
        _ => {}
    }
    v
}
