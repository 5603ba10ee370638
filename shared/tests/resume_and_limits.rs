//! Sync state persisted on both sides (a reconnect after days resumes where
//! the last sync ended), the document size limit, and the per-connection rate
//! of new documents (messages wait, they are not dropped).

mod harness;

use harness::{Network, edit};
use shared::sync::storage::StorageKey;
use shared::sync::{RateLimit, SyncConfig, SyncEvent, SyncNotice};
use shared::{PeerId, ReportKey, Value};

fn keys(n: usize) -> Vec<ReportKey> {
    (0..n)
        .map(|i| ReportKey::new("bao-ve-tre-em", &format!("xa-{i}"), "2024-H1"))
        .collect()
}

/// Five reports with many small changes each, synced once; then both sides
/// "restart" (new engines over the same storage), the phone edits one report
/// and reconnects. Returns the bytes of that reconnect and whether it converged.
fn reconnect_after_restart(keep_sync_state: bool) -> (usize, bool) {
    let mut net = Network::new();
    let server = net.add_server("server");
    let phone = net.add_client("phone");
    let ks = keys(5);
    for k in &ks {
        for i in 0..40 {
            edit(&mut net, phone, k, |r| {
                r.set_field("officers", Some(&Value::Int(i))).unwrap()
            });
        }
    }
    let link = net.connect(phone, server);
    net.run_until_quiescent();
    assert!(ks.iter().all(|k| net.acked(phone, &k.document_id())));
    net.disconnect(link);

    let is_sync = |k: &StorageKey| k.sync_state_peer().is_some();
    for (peer, other) in [(phone, "server-storage"), (server, "phone-st")] {
        for k in &ks {
            let want = StorageKey::sync_state(&k.document_id(), other).unwrap();
            assert!(
                net.peers[peer].store.data.contains_key(&want),
                "{} persisted its sync state with {other}",
                net.peers[peer].name
            );
        }
    }
    let (mut phone_store, mut server_store) = (
        net.peers[phone].store.clone(),
        net.peers[server].store.clone(),
    );
    if !keep_sync_state {
        phone_store.data.retain(|k, _| !is_sync(k));
        server_store.data.retain(|k, _| !is_sync(k));
    }

    // Days later: both restarted.
    let server2 = net.add_server("server");
    net.peers[server2].store = server_store;
    let phone2 = net.add_client("phone");
    net.peers[phone2].store = phone_store;
    for k in &ks {
        net.event(phone2, SyncEvent::open(k.document_id()));
    }
    edit(&mut net, phone2, &ks[2], |r| {
        r.set_field("villages", Some(&Value::Int(7))).unwrap()
    });
    let before = net.wire_bytes;
    net.connect(phone2, server2);
    net.run_until_quiescent();
    let bytes = net.wire_bytes - before;
    let converged = ks.iter().all(|k| {
        let id = k.document_id();
        net.acked(phone2, &id) || net.heads(phone2, &id) == net.heads(server2, &id)
    });
    // The server holds the new edit: a fresh reader gets it.
    let reader = net.add_client("reader");
    net.connect(reader, server2);
    net.event(reader, SyncEvent::open(ks[2].document_id()));
    net.run_until_quiescent();
    let id = ks[2].document_id();
    (
        bytes,
        converged && net.heads(reader, &id) == net.heads(phone2, &id),
    )
}

#[test]
fn reconnect_resumes_from_persisted_sync_state_on_both_sides() {
    let (resumed, ok_resumed) = reconnect_after_restart(true);
    let (fresh, ok_fresh) = reconnect_after_restart(false);
    assert!(ok_resumed && ok_fresh, "both converge");
    assert!(
        resumed < fresh,
        "resuming sends less than starting over ({resumed} vs {fresh} bytes)"
    );
}

#[test]
fn a_sync_state_claiming_changes_we_lack_is_not_believed() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let phone = net.add_client("phone");
    let k = &keys(1)[0];
    let id = k.document_id();
    edit(&mut net, phone, k, |r| {
        r.set_field("officers", Some(&Value::Int(2))).unwrap()
    });
    let link = net.connect(phone, server);
    net.run_until_quiescent();
    net.disconnect(link);
    // The phone loses its document but keeps the sync state (a partial wipe).
    let mut store = net.peers[phone].store.clone();
    store.data.retain(|key, _| key.sync_state_peer().is_some());
    assert!(!store.data.is_empty());
    let phone2 = net.add_client("phone");
    net.peers[phone2].store = store;
    net.connect(phone2, server);
    net.event(phone2, SyncEvent::open(id));
    net.run_until_quiescent();
    assert_eq!(
        net.heads(phone2, &id),
        net.heads(server, &id),
        "the phone gets everything back"
    );
}

#[test]
fn a_document_over_the_size_limit_is_refused_and_nothing_is_stored() {
    let mut net = Network::new();
    let mut config = SyncConfig::server(PeerId::new("server"), "server-storage".into());
    config.max_document_bytes = 2_000;
    let server = net.add_peer("server", config);
    let phone = net.add_client("phone");
    let small = &keys(2)[0];
    let big = &keys(2)[1];
    edit(&mut net, phone, small, |r| {
        r.set_field("officers", Some(&Value::Int(2))).unwrap()
    });
    // Text that does not compress: a pseudo-random walk over Vietnamese letters.
    let letters: Vec<char> = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạ ".chars().collect();
    let mut x: u64 = 12345;
    let text: String = (0..6_000)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            letters[(x >> 33) as usize % letters.len()]
        })
        .collect();
    edit(&mut net, phone, big, |r| {
        r.set_narrative("direction_narrative", &text).unwrap()
    });
    net.connect(phone, server);
    net.run_until_quiescent();
    let refused = net.peers[server].notices.iter().any(|n| {
        matches!(n, SyncNotice::ProtocolError { message, .. } if message.contains("over the limit"))
    });
    assert!(
        refused,
        "the server says why: {:?}",
        net.peers[server].notices
    );
    let big_id = big.document_id();
    assert!(
        !net.peers[server]
            .store
            .data
            .keys()
            .any(|k| k.document() == Some(big_id) && k.chunk_kind().is_some()),
        "nothing of the oversized document is stored"
    );
}

fn rate_limited_server(net: &mut Network, burst: u32, max_deferred: usize) -> usize {
    let mut config = SyncConfig::server(PeerId::new("server"), "server-storage".into());
    config.new_docs_rate = Some(RateLimit {
        burst,
        per_second: 2.0,
    });
    config.max_deferred = max_deferred;
    net.add_peer("server", config)
}

#[test]
fn new_documents_beyond_the_rate_wait_and_then_go_through() {
    let mut net = Network::new();
    let server = rate_limited_server(&mut net, 3, 100);
    let phone = net.add_client("phone");
    let ks = keys(10);
    for k in &ks {
        edit(&mut net, phone, k, |r| {
            r.set_field("officers", Some(&Value::Int(1))).unwrap()
        });
    }
    net.connect(phone, server);
    net.run_until_quiescent();
    let acked = |net: &Network| {
        ks.iter()
            .filter(|k| net.acked(phone, &k.document_id()))
            .count()
    };
    assert_eq!(
        acked(&net),
        3,
        "the burst goes through at once: {:?}",
        net.peers[server].notices
    );
    for _ in 0..10 {
        net.now += 1_000;
        net.timeout(server);
        net.run_until_quiescent();
    }
    assert_eq!(acked(&net), 10, "the rest follow at the steady rate");
}

#[test]
fn too_many_waiting_documents_close_the_connection() {
    let mut net = Network::new();
    let server = rate_limited_server(&mut net, 2, 3);
    let phone = net.add_client("phone");
    for k in &keys(10) {
        edit(&mut net, phone, k, |r| {
            r.set_field("officers", Some(&Value::Int(1))).unwrap()
        });
    }
    net.connect(phone, server);
    net.run_until_quiescent();
    let closed = net.peers[server].notices.iter().any(|n| {
        matches!(n, SyncNotice::ProtocolError { message, .. } if message.contains("too many new documents"))
    });
    assert!(closed, "{:?}", net.peers[server].notices);
}

#[test]
fn idle_documents_leave_server_memory_while_connected_and_changes_still_reach_their_peers() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let phone = net.add_client("phone");
    let ks = keys(3);
    for k in &ks {
        edit(&mut net, phone, k, |r| {
            r.set_field("officers", Some(&Value::Int(1))).unwrap()
        });
    }
    net.connect(phone, server);
    net.run_until_quiescent();
    assert_eq!(net.peers[server].sync.docs_in_memory(), 3);

    // Half a minute of silence: the server lets go of all three.
    net.now += 31_000;
    assert!(net.timeout(server), "parking was due");
    assert_eq!(net.peers[server].sync.docs_in_memory(), 0);

    // The district opens one of them and edits it: the phone, still
    // connected, receives the edit live.
    let district = net.add_client("district");
    net.connect(district, server);
    let id = ks[1].document_id();
    net.event(district, SyncEvent::open(id));
    net.run_until_quiescent();
    edit(&mut net, district, &ks[1], |r| {
        r.set_field("villages", Some(&Value::Int(9))).unwrap()
    });
    net.run_until_quiescent();
    assert_eq!(net.heads(phone, &id), net.heads(district, &id));
    assert_eq!(net.heads(phone, &id), net.heads(server, &id));
}
