//! Issue 18, must-show 3: SIGTERM in the middle of a sync burst. The server
//! stops taking frames, commits and acknowledges what it was writing,
//! closes the phones' connections with 1001 "going away" and exits 0; no
//! change it acknowledged is lost, and the phones, reconnecting by
//! themselves once it is back, finish every round.

use automerge::ChangeHash;
use baocao_tests::acked::{Acked, missing_on, wait_for};
use baocao_tests::{NativeClient, TestServer, child_protection_template};
use shared::{DocumentId, ReportKey, Value};
use std::time::{Duration, Instant};

const PHONES: usize = 8;
const REPORTS: usize = 3;
const ROUNDS: i64 = 12;

/// What a phone ends with.
struct Finished {
    heads: Vec<(DocumentId, Vec<ChangeHash>)>,
    closes: Vec<(u16, String)>,
    reconnects: usize,
}

/// Connects, retrying while the server is away (bounded by `deadline`).
async fn reconnect(phone: &mut NativeClient, url: &str, deadline: Instant) {
    while let Err(e) = phone.connect(url).await {
        assert!(Instant::now() < deadline, "never reconnected: {e}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One phone: ROUNDS rounds of edits to each of its reports, each synced
/// until acknowledged; whenever the connection goes, it reconnects (as the
/// app does) and carries on.
async fn phone_loop(n: usize, url: String, acked: Acked) -> Finished {
    let deadline = Instant::now() + Duration::from_secs(120);
    let keys: Vec<ReportKey> = (0..REPORTS)
        .map(|r| ReportKey::new("bao-ve-tre-em", &format!("term-{n}-{r}"), "2024-H1"))
        .collect();
    let ids: Vec<DocumentId> = keys.iter().map(ReportKey::document_id).collect();
    let mut phone = NativeClient::new(&format!("phone-{n}"), child_protection_template());
    reconnect(&mut phone, &url, deadline).await;
    let mut reconnects = 0;
    for round in 0..ROUNDS {
        for key in &keys {
            phone
                .edit(key, |r| {
                    r.set_field("officers", Some(&Value::Int(round))).unwrap();
                    r.add_record("documents", &format!("r{round}")).unwrap();
                })
                .await;
        }
        loop {
            if !phone.is_connected() {
                reconnect(&mut phone, &url, deadline).await;
                reconnects += 1;
            }
            match phone.sync_until_acked(&ids, Duration::from_secs(15)).await {
                Ok(()) => break,
                Err(e) => assert!(!phone.is_connected(), "connected but not acknowledged: {e}"),
            }
        }
        let mut a = acked.lock().unwrap();
        for id in &ids {
            a.push((*id, phone.heads(id)));
        }
    }
    Finished {
        heads: ids.iter().map(|id| (*id, phone.heads(id))).collect(),
        closes: phone.closed_by_server.clone(),
        reconnects,
    }
}

#[tokio::test]
async fn sigterm_during_a_sync_burst_loses_nothing_acknowledged_and_phones_finish() {
    let mut server = TestServer::start().await;
    let acked = Acked::default();
    let tasks: Vec<_> = (0..PHONES)
        .map(|n| tokio::spawn(phone_loop(n, server.ws_url(), acked.clone())))
        .collect();

    // Stop once the phones are well into their rounds.
    wait_for(
        &acked,
        PHONES * REPORTS * 3,
        Duration::from_secs(60),
        "the phones never got going",
    )
    .await;
    let status = server.stop().await;
    let before_signal = acked.lock().unwrap().clone();
    assert!(
        status.is_some_and(|s| s.success()),
        "SIGTERM: the server did not exit 0 within 10 s ({status:?})"
    );
    assert!(
        before_signal.len() < PHONES * REPORTS * ROUNDS as usize,
        "the phones were done before the signal"
    );

    // Every change acknowledged before (and during) the stop is on disk: a
    // reader on the stopped server's data sees it once it is back.
    server.restart().await;
    let mut finished = Vec::new();
    for t in tasks {
        finished.push(t.await.unwrap());
    }
    let missing = missing_on(&server.ws_url(), &before_signal).await;
    assert!(
        missing.is_empty(),
        "{} acknowledged changes lost over SIGTERM: {missing:?}",
        missing.len()
    );
    // The phones finished: the server holds each one's last round.
    let last: Vec<_> = finished.iter().flat_map(|f| f.heads.clone()).collect();
    let missing = missing_on(&server.ws_url(), &last).await;
    assert!(missing.is_empty(), "last rounds missing: {missing:?}");
    // They were told the server was going away, never anything else.
    let closes: Vec<_> = finished.iter().flat_map(|f| f.closes.clone()).collect();
    assert!(
        closes.iter().all(|(code, _)| *code == 1001),
        "close frames other than going away: {closes:?}"
    );
    assert!(
        !closes.is_empty(),
        "no phone got a close frame: the connections were dropped, not closed"
    );
    let reconnects: usize = finished.iter().map(|f| f.reconnects).sum();
    assert!(
        reconnects >= PHONES,
        "every phone reconnects after the stop"
    );
    eprintln!(
        "{} acknowledgements before SIGTERM, {} close frames (1001), {reconnects} reconnects; all present",
        before_signal.len(),
        closes.len()
    );
}
