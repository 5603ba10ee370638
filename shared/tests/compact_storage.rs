//! Issue 19, compact storage: a document's first save is a snapshot (the
//! whole document, compressed), later saves append incremental chunks, and
//! when the document leaves the server's memory its chunks are folded into
//! one snapshot, which a fresh peer is then answered from.

mod harness;

use harness::{Network, edit};
use shared::sync::storage::{ChunkKind, MemoryStore};
use shared::{DocumentId, ReportKey, Value};

/// The document's chunks in `store`, by kind, with their total size.
fn chunks(store: &MemoryStore, id: &DocumentId) -> (Vec<ChunkKind>, usize) {
    let mut kinds = Vec::new();
    let mut bytes = 0;
    for (key, data) in &store.data {
        if key.document() == Some(*id)
            && let Some(kind) = key.chunk_kind()
        {
            kinds.push(kind);
            bytes += data.len();
        }
    }
    (kinds, bytes)
}

#[test]
fn first_save_is_a_snapshot_and_idle_documents_fold_into_one() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let phone = net.add_client("phone");
    let key = ReportKey::new("bao-ve-tre-em", "ba-xa", "2024-H1");
    let id = key.document_id();
    edit(&mut net, phone, &key, |r| {
        r.set_field("collaborators", Some(&Value::Int(4))).unwrap()
    });
    let link = net.connect(phone, server);
    net.run_until_quiescent();
    assert!(net.acked(phone, &id));
    let (kinds, _) = chunks(&net.peers[server].store, &id);
    assert_eq!(kinds, vec![ChunkKind::Snapshot], "the first save");

    // Edits synced one by one: one incremental chunk each.
    for n in 0..6 {
        edit(&mut net, phone, &key, |r| {
            r.set_field("officers", Some(&Value::Int(n))).unwrap();
            r.add_record("documents", &format!("r{n}")).unwrap();
        });
        net.run_until_quiescent();
        assert!(net.acked(phone, &id));
    }
    let (kinds, before) = chunks(&net.peers[server].store, &id);
    assert_eq!(kinds.len(), 7, "{kinds:?}");
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == ChunkKind::Incremental)
            .count(),
        6
    );

    // The phone leaves: the document folds into one snapshot, then leaves memory.
    net.disconnect(link);
    net.run_until_quiescent();
    assert_eq!(net.peers[server].sync.docs_in_memory(), 0);
    let (kinds, after) = chunks(&net.peers[server].store, &id);
    assert_eq!(kinds, vec![ChunkKind::Snapshot], "folded when idle");
    assert!(after < before, "folded {before} bytes into {after}");

    // A fresh peer is answered from it, with every change.
    let phone_heads = net.heads(phone, &id);
    let reader = net.add_client("reader");
    net.connect(reader, server);
    net.event(reader, shared::sync::SyncEvent::open(id));
    net.run_until_quiescent();
    assert_eq!(net.heads(reader, &id), phone_heads);
}
