//! The server's storage answers the storage conformance suite like the
//! reference in-memory store, on a real SQLite file and on a real PostgreSQL
//! database, and keeps its state across a new pool.

use baocao_tests::pg;
use shared::sync::storage::conformance::steps;

async fn conforms(url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let open = || baocao_server::db::open(dir.path(), url);
    let pool = open().await.unwrap();
    for (task, expect) in steps() {
        let id = task.id;
        let r = baocao_server::store::perform(&pool, task).await;
        assert_eq!(r.id, id);
        assert!(expect.matches(&r.outcome), "step {id:?}: {:?}", r.outcome);
    }
    // Durable: a new pool on the same database sees the compacted state.
    pool.close().await;
    let pool = open().await.unwrap();
    let (last, expect) = steps().pop().unwrap();
    let r = baocao_server::store::perform(&pool, last).await;
    assert!(expect.matches(&r.outcome), "{:?}", r.outcome);
}

#[tokio::test]
async fn sqlite_store_conforms() {
    conforms(None).await;
}

#[tokio::test]
async fn postgres_store_conforms() {
    conforms(Some(&pg::cluster().create_database())).await;
}
