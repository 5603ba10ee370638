//! The SQLite adapter answers the storage conformance suite like the
//! reference in-memory store, on a real database file.

use shared::sync::storage::conformance::steps;

#[tokio::test]
async fn sqlite_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let pool = baocao_server::db::open(dir.path()).await.unwrap();
    for (task, expect) in steps() {
        let id = task.id;
        let r = baocao_server::store::perform(&pool, task).await;
        assert_eq!(r.id, id);
        assert!(expect.matches(&r.outcome), "step {id:?}: {:?}", r.outcome);
    }
    // Durable: a new pool on the same file sees the compacted state.
    pool.close().await;
    let pool = baocao_server::db::open(dir.path()).await.unwrap();
    let (last, expect) = steps().pop().unwrap();
    let r = baocao_server::store::perform(&pool, last).await;
    assert!(expect.matches(&r.outcome), "{:?}", r.outcome);
}
