//! Garbage on the wire closes that connection with an error and changes
//! nothing; other connections keep working.

mod harness;

use harness::Network;
use shared::automerge;
use shared::protocol::wire::WireMessage;
use shared::sync::SyncNotice;
use shared::{DocumentId, PeerId};

#[test]
fn garbage_closes_only_the_offending_connection() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let good = net.add_client("good");
    let bad = net.add_client("bad");
    let lg = net.connect(good, server);
    let lb = net.connect(bad, server);
    net.run_until_quiescent();
    let before = net.peers[server].store.clone();

    let doc = DocumentId::from_bytes([3; 16]);
    let frames: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00],
        b"not cbor at all".to_vec(),
        WireMessage::Sync {
            sender_id: PeerId::new("bad"),
            target_id: PeerId::new("server"),
            document_id: doc,
            data: vec![0x42, 0x13, 0x37],
        }
        .encode(),
    ];
    for frame in frames {
        let lb = net.connect(bad, server);
        net.run_until_quiescent();
        net.inject(lb, true, frame);
        net.run_until_quiescent();
        assert!(!net.links[lb].up, "offending connection closed");
    }
    assert!(
        net.links[lb].up,
        "connections that sent nothing bad stay open"
    );
    assert_eq!(net.peers[server].store, before, "nothing stored");
    let errors = net.peers[server]
        .notices
        .iter()
        .filter(|n| matches!(n, SyncNotice::ProtocolError { .. }))
        .count();
    assert_eq!(errors, 3);
    assert!(net.links[lg].up, "the good client is still connected");
}

#[test]
fn sync_before_handshake_and_spoofed_sender_are_refused() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let c = net.add_client("c");
    let l = net.connect(c, server);
    net.run_until_quiescent();
    net.inject(
        l,
        true,
        WireMessage::Sync {
            sender_id: PeerId::new("someone-else"),
            target_id: PeerId::new("server"),
            document_id: DocumentId::from_bytes([1; 16]),
            data: {
                use automerge::sync::SyncDoc;
                automerge::Automerge::new()
                    .generate_sync_message(&mut automerge::sync::State::new())
                    .expect("a first sync message")
                    .encode()
            },
        }
        .encode(),
    );
    net.run_until_quiescent();
    assert!(!net.links[l].up);
}
