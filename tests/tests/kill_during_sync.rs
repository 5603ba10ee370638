//! Issue 3, must-show 3: many phones sync at once, the server is killed with
//! SIGKILL in the middle, and after a restart every change it acknowledged
//! before the kill is there.

use baocao_tests::acked::{Acked, missing_on, wait_for};
use baocao_tests::{NativeClient, TestServer, child_protection_template};
use shared::{DocumentId, ReportKey, Value};
use std::time::Duration;

const PHONES: usize = 12;
const REPORTS: usize = 3;

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
    let acked = Acked::default();
    let tasks: Vec<_> = (0..PHONES)
        .map(|n| tokio::spawn(phone_loop(n, server.ws_url(), acked.clone())))
        .collect();

    // Kill once the phones are well into their rounds.
    wait_for(
        &acked,
        PHONES * REPORTS * 3,
        Duration::from_secs(30),
        "the phones never got going",
    )
    .await;
    server.kill().await;
    let mut rounds = 0;
    for t in tasks {
        rounds += t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(rounds < PHONES * 60, "the kill interrupted the phones");

    server.restart().await;
    let missing = missing_on(&server.ws_url(), &acked).await;
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
