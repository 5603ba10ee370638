//! Issue 19, memory: a server keeps at most `max_docs_in_memory` documents
//! loaded while connections use them. A phone uploading many reports and a
//! fresh client fetching them all leave only the cap in memory, and a
//! parked document is loaded again, and synced, when a peer changes it.

mod harness;

use harness::{Network, edit};
use shared::sync::{SyncConfig, SyncEvent};
use shared::{PeerId, ReportKey, Value};

const CAP: usize = 3;

#[test]
fn a_server_keeps_only_its_cap_of_documents_in_sync_loaded() {
    let mut net = Network::new();
    let mut config = SyncConfig::server(PeerId::new("server"), "server-storage".into());
    config.max_docs_in_memory = Some(CAP);
    let server = net.add_peer("server", config);
    let phone = net.add_client("phone");
    let keys: Vec<ReportKey> = (0..10)
        .map(|i| ReportKey::new("bao-ve-tre-em", &format!("xa-{i}"), "2024-H1"))
        .collect();
    for (i, key) in keys.iter().enumerate() {
        edit(&mut net, phone, key, |r| {
            r.set_field("officers", Some(&Value::Int(i as i64)))
                .unwrap()
        });
    }
    net.connect(phone, server);
    net.run_until_quiescent();
    for key in &keys {
        assert!(net.acked(phone, &key.document_id()), "{key:?} acknowledged");
    }
    assert!(
        net.peers[server].sync.docs_in_memory() <= CAP,
        "upload: {} documents in memory",
        net.peers[server].sync.docs_in_memory()
    );

    // A parked document changes on the phone: the server loads it again,
    // takes the change, and acknowledges it.
    let first = &keys[0];
    edit(&mut net, phone, first, |r| {
        r.set_field("officers", Some(&Value::Int(42))).unwrap()
    });
    net.run_until_quiescent();
    let heads = net.heads(phone, &first.document_id());
    assert_eq!(net.heads(server, &first.document_id()), heads);
    assert!(net.peers[server].sync.docs_in_memory() <= CAP);

    // A fresh client fetches every report through the same server.
    let district = net.add_client("district");
    net.connect(district, server);
    for key in &keys {
        net.event(district, SyncEvent::open(key.document_id()));
    }
    net.run_until_quiescent();
    for key in &keys {
        let id = key.document_id();
        assert_eq!(net.heads(district, &id), net.heads(phone, &id), "{key:?}");
    }
    assert!(
        net.peers[server].sync.docs_in_memory() <= CAP,
        "district fetch: {} documents in memory",
        net.peers[server].sync.docs_in_memory()
    );
}
