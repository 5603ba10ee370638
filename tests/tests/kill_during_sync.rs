//! Issue 3, must-show 3: many phones sync at once, the server is killed with
//! SIGKILL in the middle, and after a restart every change it acknowledged
//! before the kill is there.

use automerge::ChangeHash;
use baocao_tests::{NativeClient, TestServer, child_protection_template};
use shared::{DocumentId, ReportKey, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PHONES: usize = 12;
const REPORTS: usize = 3;

type Acked = Arc<Mutex<Vec<(DocumentId, Vec<ChangeHash>)>>>;

/// One phone: rounds of edits to each of its reports, each round synced
/// until acknowledged, until the server goes away (or 60 rounds pass).
async fn phone_loop(n: usize, url: String, acked: Acked) -> usize {
    let keys: Vec<ReportKey> = (0..REPORTS)
        .map(|r| ReportKey::new("bao-ve-tre-em", &format!("kill-{n}-{r}"), "2024-H1"))
        .collect();
    let ids: Vec<DocumentId> = keys.iter().map(ReportKey::document_id).collect();
    let mut phone = NativeClient::new(&format!("phone-{n}"), child_protection_template());
    if phone.connect(&url).await.is_err() {
        return 0;
    }
    let mut rounds = 0;
    for round in 0..60 {
        for key in &keys {
            phone
                .edit(key, |r| {
                    r.set_field("officers", Some(&Value::Int(round))).unwrap();
                    r.add_record("documents", &format!("r{round}")).unwrap();
                })
                .await;
        }
        if phone
            .sync_until_acked(&ids, Duration::from_secs(10))
            .await
            .is_err()
        {
            break;
        }
        let mut a = acked.lock().unwrap();
        for id in &ids {
            a.push((*id, phone.heads(id)));
        }
        rounds += 1;
    }
    rounds
}

#[tokio::test]
async fn every_change_acknowledged_before_a_sigkill_survives_it() {
    let mut server = TestServer::start().await;
    let acked: Acked = Arc::default();
    let tasks: Vec<_> = (0..PHONES)
        .map(|n| tokio::spawn(phone_loop(n, server.ws_url(), acked.clone())))
        .collect();

    // Kill once the phones are well into their rounds.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < PHONES * REPORTS * 3 {
        assert!(Instant::now() < deadline, "the phones never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().await;
    let mut rounds = 0;
    for t in tasks {
        rounds += t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(rounds < PHONES * 60, "the kill interrupted the phones");

    server.restart().await;
    let mut reader = NativeClient::new("reader", child_protection_template());
    reader.connect(&server.ws_url()).await.unwrap();
    let ids: Vec<DocumentId> = {
        let mut v: Vec<DocumentId> = acked.iter().map(|(id, _)| *id).collect();
        v.sort();
        v.dedup();
        v
    };
    for id in &ids {
        reader.open(*id).await;
    }
    reader
        .sync_until_acked(&ids, Duration::from_secs(30))
        .await
        .unwrap();
    let mut missing = Vec::new();
    for (id, heads) in &acked {
        let doc = reader.doc(id).expect("the document survived");
        for h in heads {
            if doc.get_change_by_hash(h).is_none() {
                missing.push((*id, *h));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} acknowledged changes lost after SIGKILL: {missing:?}",
        missing.len()
    );
    eprintln!(
        "{} acknowledgements from {PHONES} phones, {rounds} rounds, all present after SIGKILL",
        acked.len()
    );
}
