//! The server acknowledges only what it has stored, and a restarted server
//! (a new engine over the same storage) still has everything it acknowledged.

mod harness;

use harness::{Network, template};
use shared::automerge;
use shared::sync::SyncEvent;
use shared::{ReportDoc, ReportKey, Timestamp, Value};

#[test]
fn ack_waits_for_storage_and_survives_restart() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let phone = net.add_client("phone");
    net.peers[server].manual_storage = true;
    let key = ReportKey::new("bao-ve-tre-em", "ba-xa", "2024-H1");
    let id = key.document_id();
    let t = template();
    net.peers[phone]
        .sync
        .insert_doc(id, automerge::AutoCommit::new());
    {
        let now = Timestamp(net.now);
        let doc = net.peers[phone].sync.doc_mut(&id).unwrap();
        let mut r = ReportDoc::open(doc, &key, &t, now).unwrap();
        r.set_field("collaborators", Some(&Value::Int(4))).unwrap();
        r.commit();
    }
    net.event(phone, SyncEvent::changed(id));
    net.connect(phone, server);
    net.run_until_quiescent();
    // The server loads (held), so nothing can have been acknowledged.
    assert!(!net.acked(phone, &id));
    for _ in 0..10 {
        net.release_storage(server);
        net.run_until_quiescent();
    }
    assert!(net.acked(phone, &id), "acknowledged once stored");
    let phone_heads = net.heads(phone, &id);

    // "Restart": a new engine over the same stored bytes.
    let store = net.peers[server].store.clone();
    let fresh = net.add_server("server-2");
    net.peers[fresh].store = store;
    let reader = net.add_client("reader");
    net.connect(reader, fresh);
    net.event(reader, SyncEvent::open(id));
    net.run_until_quiescent();
    assert_eq!(net.heads(reader, &id), phone_heads);
}

#[test]
fn idle_documents_are_evicted_from_server_memory() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let phone = net.add_client("phone");
    let t = template();
    for unit in ["a", "b", "c"] {
        let key = ReportKey::new("bao-ve-tre-em", unit, "2024-H1");
        net.peers[phone]
            .sync
            .insert_doc(key.document_id(), automerge::AutoCommit::new());
        let now = Timestamp(net.now);
        let doc = net.peers[phone].sync.doc_mut(&key.document_id()).unwrap();
        ReportDoc::open(doc, &key, &t, now).unwrap().commit();
        net.event(phone, SyncEvent::changed(key.document_id()));
    }
    let link = net.connect(phone, server);
    net.run_until_quiescent();
    assert_eq!(net.peers[server].sync.docs_in_memory(), 3);
    net.disconnect(link);
    assert_eq!(net.peers[server].sync.docs_in_memory(), 0);
}
