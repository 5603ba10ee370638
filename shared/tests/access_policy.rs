//! The engine enforces an access policy on every document message: a peer
//! that may not read a document learns nothing about it (not even that it
//! exists, not even later when someone uploads it), and changes it may not
//! make are not applied.

mod harness;

use harness::{Network, edit};
use shared::automerge;
use shared::report::ReportMeta;
use shared::sync::{AccessPolicy, ConnId, SyncEvent, SyncNotice, Verdict};
use shared::{DocumentId, ReportKey, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Units a connection may read, and units it may write.
type Units = (Vec<&'static str>, Vec<&'static str>);

/// Per connection: what it may read and write.
#[derive(Clone, Default)]
struct Grants(Arc<Mutex<BTreeMap<ConnId, Units>>>);

fn unit_of(doc: &automerge::Automerge) -> Option<String> {
    ReportMeta::read(doc).ok().map(|m| m.key.unit)
}

impl AccessPolicy for Grants {
    fn may_read(&self, conn: ConnId, _: &DocumentId, doc: &automerge::Automerge) -> bool {
        let g = self.0.lock().unwrap();
        unit_of(doc).is_some_and(|u| g.get(&conn).is_some_and(|(r, _)| r.contains(&u.as_str())))
    }

    fn may_write(
        &self,
        conn: ConnId,
        _: &DocumentId,
        _before: &automerge::Automerge,
        after: &automerge::Automerge,
    ) -> Verdict {
        let g = self.0.lock().unwrap();
        match unit_of(after) {
            Some(u) if g.get(&conn).is_some_and(|(_, w)| w.contains(&u.as_str())) => {
                Verdict::accept(Vec::new())
            }
            other => Verdict::refuse(format!("may not write reports of {other:?}")),
        }
    }
}

#[test]
fn peers_see_and_change_only_what_the_policy_allows() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let grants = Grants::default();
    net.peers[server].sync.set_policy(Box::new(grants.clone()));
    let a = net.add_client("officer-a");
    let b = net.add_client("officer-b");
    let viewer = net.add_client("viewer");
    let key_a = ReportKey::new("bao-ve-tre-em", "xa-a", "2024-H1");
    let id_a = key_a.document_id();

    // B connects first and asks for A's report before it exists: it must not
    // be told later, when A uploads it.
    let link_b = net.connect(b, server);
    let lv = net.connect(viewer, server);
    let link_a = net.connect(a, server);
    {
        let mut g = grants.0.lock().unwrap();
        g.insert(net.conn_of(link_a, server), (vec!["xa-a"], vec!["xa-a"]));
        g.insert(net.conn_of(link_b, server), (vec!["xa-b"], vec!["xa-b"]));
        g.insert(net.conn_of(lv, server), (vec!["xa-a", "xa-b"], vec![]));
    }
    net.event(b, SyncEvent::open(id_a));
    net.run_until_quiescent();

    edit(&mut net, a, &key_a, |r| {
        r.set_field("officers", Some(&Value::Int(2))).unwrap()
    });
    net.run_until_quiescent();
    assert!(net.acked(a, &id_a));
    let server_heads = net.heads(server, &id_a);
    assert!(!server_heads.is_empty());
    assert!(
        net.heads(b, &id_a).is_empty(),
        "B learnt nothing of A's report"
    );

    // B asks again now that it exists: doc-unavailable, as if it did not.
    let b2 = net.add_client("officer-b-again");
    let link_b2 = net.connect(b2, server);
    grants
        .0
        .lock()
        .unwrap()
        .insert(net.conn_of(link_b2, server), (vec!["xa-b"], vec!["xa-b"]));
    net.event(b2, SyncEvent::open(id_a));
    net.run_until_quiescent();
    assert!(net.heads(b2, &id_a).is_empty());
    assert!(
        net.peers[b2]
            .notices
            .iter()
            .any(|n| matches!(n, SyncNotice::DocUnavailable { doc, .. } if *doc == id_a))
    );

    // B writes A's report (it can create it: the id is deterministic) and
    // pushes it: nothing applied, A never sees it.
    edit(&mut net, b, &key_a, |r| {
        r.set_field("villages", Some(&Value::Int(99))).unwrap()
    });
    net.run_until_quiescent();
    assert_eq!(net.heads(server, &id_a), server_heads, "nothing applied");
    // Even a message that carries the changes outright (a client that skips
    // the handshake of the sync protocol) changes nothing.
    let forced = {
        use automerge::sync::SyncDoc;
        // What B would send after hearing from a peer that has nothing.
        let mut doc = net.peers[b].sync.doc_mut(&id_a).unwrap().clone();
        let mut state = automerge::sync::State::new();
        let empty = automerge::AutoCommit::new()
            .sync()
            .generate_sync_message(&mut automerge::sync::State::new())
            .unwrap();
        doc.sync().receive_sync_message(&mut state, empty).unwrap();
        let m = doc.sync().generate_sync_message(&mut state).unwrap();
        assert!(!m.changes.is_empty());
        m.encode()
    };
    let wire = shared::protocol::wire::WireMessage::Sync {
        sender_id: shared::PeerId::new("officer-b"),
        target_id: shared::PeerId::new("server"),
        document_id: id_a,
        data: forced,
    };
    net.inject(link_b, true, wire.encode());
    net.run_until_quiescent();
    assert_eq!(net.heads(server, &id_a), server_heads, "nothing applied");

    // The viewer reads A's report but its edits are refused.
    net.event(viewer, SyncEvent::open(id_a));
    net.run_until_quiescent();
    assert_eq!(net.heads(viewer, &id_a), server_heads);
    edit(&mut net, viewer, &key_a, |r| {
        r.set_field("villages", Some(&Value::Int(7))).unwrap()
    });
    net.run_until_quiescent();
    assert_eq!(
        net.heads(server, &id_a),
        server_heads,
        "viewer's edit refused"
    );
    assert!(
        net.peers[server]
            .notices
            .iter()
            .any(|n| matches!(n, SyncNotice::ChangesRefused { doc, .. } if *doc == id_a))
    );
    assert_eq!(
        net.heads(a, &id_a),
        server_heads,
        "A holds only its own edit"
    );
    assert!(net.in_flight() == 0, "no resend storm");
    let _ = (link_b, link_a);
}

/// Refuses every change while closed.
#[derive(Clone, Default)]
struct Gate(Arc<Mutex<bool>>);

impl AccessPolicy for Gate {
    fn may_read(&self, _: ConnId, _: &DocumentId, _: &automerge::Automerge) -> bool {
        true
    }

    fn may_write(
        &self,
        _: ConnId,
        _: &DocumentId,
        _: &automerge::Automerge,
        _: &automerge::Automerge,
    ) -> Verdict {
        if *self.0.lock().unwrap() {
            Verdict::accept(Vec::new())
        } else {
            Verdict::refuse("workflow:approved")
        }
    }
}

/// A refusal reaches the peer as a per-document notice with the reason; the
/// peer keeps its changes, nothing loops, and when the server's copy changes
/// (a reviewer reopens) the kept changes are offered again and go through.
#[test]
fn refused_changes_are_kept_and_offered_again_when_the_server_changes() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let gate = Gate::default();
    *gate.0.lock().unwrap() = true;
    net.peers[server].sync.set_policy(Box::new(gate.clone()));
    let phone = net.add_client("phone");
    let reviewer = net.add_client("reviewer");
    net.connect(phone, server);
    net.connect(reviewer, server);
    let key = ReportKey::new("bao-ve-tre-em", "xa-a", "2024-H1");
    let id = key.document_id();
    edit(&mut net, phone, &key, |r| {
        r.set_field("officers", Some(&Value::Int(1))).unwrap()
    });
    net.run_until_quiescent();
    net.event(reviewer, SyncEvent::open(id));
    net.run_until_quiescent();

    // Closed: the phone's edit is refused, and the phone hears why.
    *gate.0.lock().unwrap() = false;
    let before = net.heads(server, &id);
    edit(&mut net, phone, &key, |r| {
        r.set_field("officers", Some(&Value::Int(2))).unwrap()
    });
    net.run_until_quiescent();
    assert_eq!(net.heads(server, &id), before, "nothing applied");
    assert!(net.peers[phone].notices.iter().any(|n| matches!(
        n,
        SyncNotice::RefusedByPeer { doc, reason, .. } if *doc == id && reason == "workflow:approved"
    )));
    assert_eq!(net.in_flight(), 0, "no resend storm");
    let kept = net.heads(phone, &id);
    assert_ne!(kept, before, "the phone keeps its edit");

    // The reviewer changes the report (the server accepts it) …
    *gate.0.lock().unwrap() = true;
    net.peers[phone].notices.clear();
    edit(&mut net, reviewer, &key, |r| {
        r.set_field("villages", Some(&Value::Int(9))).unwrap()
    });
    net.run_until_quiescent();
    // … and the phone's kept edit went through without the phone acting.
    let server_heads = net.heads(server, &id);
    assert_eq!(server_heads, net.heads(phone, &id));
    assert!(
        net.acked(phone, &id),
        "the server acknowledged the kept edit"
    );
    let doc = net.peers[server].sync.doc_mut(&id).unwrap();
    let view = shared::ReportView::read(doc.document()).unwrap();
    assert_eq!(view.fields.get("officers"), Some(&Value::Int(2)));
    assert_eq!(view.fields.get("villages"), Some(&Value::Int(9)));
}
