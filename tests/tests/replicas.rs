//! Must-show (issue 7): two server processes on one PostgreSQL. A phone on
//! each edits the same report at the same time; both converge live, without
//! reconnecting (the replicas tell each other through LISTEN/NOTIFY), and the
//! stored document holds every edit, and so does its projection row (what the
//! figures read). Then one replica is SIGKILLed while its phone is syncing;
//! the phone reconnects to the other replica and finishes.
//!
//! Always on PostgreSQL (a database of its own on the test cluster), whatever
//! `BAOCAO_TEST_DB` says: replicas need a shared database.

use baocao_tests::{NativeClient, TestServer, child_protection_template, pg};
use shared::{ReportKey, ReportView, Value};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

/// Pumps both phones (never reconnecting) until they hold the same heads.
async fn converge(a: &mut NativeClient, b: &mut NativeClient, key: &ReportKey) {
    baocao_tests::native_client::converge(a, b, &key.document_id(), LIMIT).await;
}

fn record_ids(v: &ReportView, field: &str) -> Vec<String> {
    let mut ids: Vec<String> = v
        .records
        .get(field)
        .map(|r| r.iter().map(|r| r.id.clone()).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Waits (bounded) until the projection row of the report — what district
/// and province figures read — holds exactly `expect`, whichever replica
/// wrote it last.
async fn projected_converges(url: &str, key: &ReportKey, expect: &ReportView) {
    let dir = tempfile::tempdir().unwrap();
    let pool = baocao_server::db::open(dir.path(), Some(url))
        .await
        .unwrap();
    let deadline = Instant::now() + LIMIT;
    loop {
        let views = baocao_server::store::round_views(&pool, &key.template, &key.period)
            .await
            .unwrap();
        if views.get(&key.unit) == Some(expect) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "projection still {:?}",
            views.get(&key.unit)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.close().await;
}

async fn stored_view(server: &TestServer, key: &ReportKey) -> ReportView {
    let v = server
        .api_get(&format!("/api/reports/{}", key.document_id()))
        .await;
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn two_replicas_on_one_postgres_converge_live_and_survive_sigkill() {
    let url = pg::cluster().create_database();
    let ra = TestServer::start_on_postgres(&url).await;
    let mut rb = TestServer::start_on_postgres(&url).await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2024-H2");
    let id = key.document_id();
    let mut pa = NativeClient::new("phone-a", child_protection_template());
    let mut pb = NativeClient::new("phone-b", child_protection_template());

    pa.connect(&ra.ws_url()).await.unwrap();
    pb.connect(&rb.ws_url()).await.unwrap();
    pa.edit(&key, |r| {
        r.set_field("officers", Some(&Value::Int(1))).unwrap()
    })
    .await;
    pa.sync_until_acked(&[id], LIMIT).await.unwrap();
    pb.open(id).await;
    converge(&mut pa, &mut pb, &key).await;

    // Concurrent edits of the same report through both replicas.
    let mut expect_a = Vec::new();
    let mut expect_b = Vec::new();
    for round in 0..10 {
        let (ra_id, rb_id) = (format!("a-{round:02}"), format!("b-{round:02}"));
        pa.edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(round))).unwrap();
            r.add_record("documents", &ra_id).unwrap();
        })
        .await;
        pb.edit(&key, |r| {
            r.set_field("villages", Some(&Value::Int(round))).unwrap();
            r.add_record("trainings", &rb_id).unwrap();
        })
        .await;
        expect_a.push(ra_id);
        expect_b.push(rb_id);
        converge(&mut pa, &mut pb, &key).await;
    }
    pa.sync_until_acked(&[id], LIMIT).await.unwrap();
    pb.sync_until_acked(&[id], LIMIT).await.unwrap();
    let v = pa.view(&key);
    assert_eq!(v, pb.view(&key));
    assert_eq!(record_ids(&v, "documents"), expect_a);
    assert_eq!(record_ids(&v, "trainings"), expect_b);
    assert_eq!(v.fields.get("officers"), Some(&Value::Int(9)));
    assert_eq!(v.fields.get("villages"), Some(&Value::Int(9)));
    // What each replica reads back from the database holds every edit.
    for server in [&ra, &rb] {
        let stored = stored_view(server, &key).await;
        assert_eq!(record_ids(&stored, "documents"), expect_a);
        assert_eq!(record_ids(&stored, "trainings"), expect_b);
    }
    projected_converges(&url, &key, &v).await;

    // Replica B dies (SIGKILL) while its phone is sending more.
    pb.edit(&key, |r| {
        for i in 0..20 {
            r.add_record("trainings", &format!("late-{i:02}")).unwrap();
            expect_b.push(format!("late-{i:02}"));
        }
    })
    .await;
    let _ = pb.pump(Duration::from_millis(20)).await;
    rb.kill().await;
    let _ = pb.pump(Duration::from_millis(200)).await;
    pb.disconnect().await;
    // Its phone reconnects to replica A and finishes; phone A sees it live.
    pb.connect(&ra.ws_url()).await.unwrap();
    pb.sync_until_acked(&[id], LIMIT).await.unwrap();
    converge(&mut pa, &mut pb, &key).await;
    expect_b.sort();
    assert_eq!(record_ids(&pa.view(&key), "trainings"), expect_b);
    let stored = stored_view(&ra, &key).await;
    assert_eq!(record_ids(&stored, "documents"), expect_a);
    assert_eq!(record_ids(&stored, "trainings"), expect_b);
    projected_converges(&url, &key, &pa.view(&key)).await;
}

/// With accounts: once a change signed by a phone's actor is stored through
/// replica A, replica B knows that actor is that user's too — another user
/// cannot push changes signed with it through B.
#[tokio::test]
async fn an_actor_bound_through_one_replica_cannot_be_forged_through_another() {
    let url = pg::cluster().create_database();
    let ra = TestServer::start_with_accounts_on_postgres(&url).await;
    let rb = TestServer::start_with_accounts_on_postgres(&url).await;
    let officer = ra.login("cb-ba-dinh", "baocao-demo").await;
    let reviewer = rb.login("huyen-bato", "baocao-demo").await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H2");
    let id = key.document_id();
    let t = child_protection_template();

    let mut pu = NativeClient::new("officer-phone", t.clone());
    pu.connect(&ra.ws_url_as(&officer)).await.unwrap();
    pu.edit(&key, |r| {
        r.set_field("officers", Some(&Value::Int(2))).unwrap()
    })
    .await;
    pu.sync_until_acked(&[id], LIMIT).await.unwrap();
    let actor = pu.doc(&id).unwrap().get_actor().clone();

    // The reviewer's phone on B follows the report live: once it sees the
    // officer's next edit, B has read every announcement before it,
    // the officer's actor binding included.
    let mut pv = NativeClient::new("reviewer-phone", t.clone());
    pv.connect(&rb.ws_url_as(&reviewer)).await.unwrap();
    pv.open(id).await;
    converge(&mut pu, &mut pv, &key).await;
    pu.edit(&key, |r| {
        r.set_field("villages", Some(&Value::Int(5))).unwrap()
    })
    .await;
    pu.sync_until_acked(&[id], LIMIT).await.unwrap();
    converge(&mut pu, &mut pv, &key).await;

    // The reviewer's own edits go through B…
    pv.edit(&key, |r| {
        r.set_field("collaborators", Some(&Value::Int(3))).unwrap()
    })
    .await;
    pv.sync_until_acked(&[id], LIMIT).await.unwrap();
    // …but not one signed with the officer's actor.
    pv.edit_raw(&id, |d| {
        d.set_actor(actor);
        let mut r = shared::ReportDoc::open(d, &key, &t, shared::Timestamp(0)).unwrap();
        r.set_field("collaborators", Some(&Value::Int(777)))
            .unwrap();
        r.commit();
    })
    .await;
    let _ = pv.sync_until_acked(&[id], Duration::from_secs(3)).await;
    assert!(!pv.is_acked(&id), "the forged change was acknowledged");
    let (status, stored) = ra
        .get_json_as(&officer, &format!("/api/reports/{id}"))
        .await;
    assert_eq!(status, 200, "{stored}");
    let stored: ReportView = serde_json::from_value(stored).unwrap();
    assert_eq!(stored.fields.get("collaborators"), Some(&Value::Int(3)));
}
