//! Two server replicas over one store (as two `baocao` processes over one
//! PostgreSQL): a phone on each edits the same report at the same time; the
//! edits reach the other phone live, through storage and the "stored
//! elsewhere" notice, and compactions on both never drop an edit.

mod harness;

use harness::{Network, edit};
use shared::sync::SyncEvent;
use shared::{ReportKey, ReportView, Value};

fn view(net: &mut Network, peer: usize, key: &ReportKey) -> ReportView {
    let doc = net.peers[peer].sync.doc_mut(&key.document_id()).unwrap();
    ReportView::read(doc.document()).unwrap()
}

#[test]
fn phones_on_two_replicas_see_each_others_edits_live_and_storage_keeps_all() {
    let mut net = Network::new();
    let a = net.add_server("replica-a");
    let b = net.add_replica("replica-b", a);
    let pa = net.add_client("phone-a");
    let pb = net.add_client("phone-b");
    let key = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H1");
    let id = key.document_id();

    edit(&mut net, pa, &key, |r| {
        r.set_field("officers", Some(&Value::Int(1))).unwrap()
    });
    net.connect(pa, a);
    net.connect(pb, b);
    net.run_until_quiescent();
    net.event(pb, SyncEvent::open(id));
    net.run_until_quiescent();
    assert_eq!(
        net.heads(pb, &id),
        net.heads(pa, &id),
        "B's phone got A's report"
    );

    // Many rounds of concurrent edits, enough for both replicas to compact
    // (a client-side "compact_after" of 16 chunks, 32 on servers).
    for round in 0..40i64 {
        edit(&mut net, pa, &key, |r| {
            r.set_field("officers", Some(&Value::Int(round))).unwrap();
            r.add_record("documents", &format!("a-{round}")).unwrap();
        });
        edit(&mut net, pb, &key, |r| {
            r.set_field("villages", Some(&Value::Int(round))).unwrap();
            r.add_record("documents", &format!("b-{round}")).unwrap();
        });
        net.run_until_quiescent();
        assert_eq!(
            net.heads(pa, &id),
            net.heads(pb, &id),
            "round {round}: both phones converged without reconnecting"
        );
    }
    let both = view(&mut net, pa, &key);
    assert_eq!(both, view(&mut net, pb, &key));
    let records = both.records.get("documents").map(|r| r.len()).unwrap_or(0);
    assert_eq!(records, 80, "every record of both phones");

    // The shared store alone holds every edit: a third replica started on
    // it loads the same document.
    let c = net.add_replica("replica-c", a);
    let reader = net.add_client("reader");
    net.connect(reader, c);
    net.event(reader, SyncEvent::open(id));
    net.run_until_quiescent();
    assert_eq!(net.heads(reader, &id), net.heads(pa, &id));
    let snapshots = net.peers[a]
        .store
        .data
        .keys()
        .filter(|k| k.chunk_kind() == Some(shared::sync::storage::ChunkKind::Snapshot))
        .count();
    assert!(snapshots > 0, "the replicas compacted along the way");
}
