//! Edits made while a sync exchange is in flight (the server still writing)
//! are not stranded: the exchange finishes and the last edit is acknowledged.

mod harness;

use harness::Network;
use shared::{ReportKey, Value};

fn edit(net: &mut Network, peer: usize, key: &ReportKey, officers: i64) {
    harness::edit(net, peer, key, |r| {
        r.set_field("officers", Some(&Value::Int(officers)))
            .unwrap()
    });
}

#[test]
fn edits_while_the_server_writes_are_all_acknowledged() {
    for held_rounds in 0..6 {
        let mut net = Network::new();
        let server = net.add_server("server");
        let phone = net.add_client("phone");
        let key = ReportKey::new("bao-ve-tre-em", "ba-vi", "2024-H1");
        let id = key.document_id();
        edit(&mut net, phone, &key, 1);
        net.connect(phone, server);
        net.peers[server].manual_storage = true;
        // Interleave: deliver some frames, edit, release storage, ...
        for i in 0..held_rounds {
            net.deliver(1 + i);
            edit(&mut net, phone, &key, 10 + i as i64);
            net.release_storage(server);
        }
        net.peers[server].manual_storage = false;
        for _ in 0..20 {
            net.release_storage(server);
            net.run_until_quiescent();
        }
        let phone_heads = net.heads(phone, &id);
        assert_eq!(
            phone_heads,
            net.heads(server, &id),
            "held {held_rounds}: server has everything"
        );
        let conn = net.conn_of(0, phone);
        assert!(
            net.peers[phone].sync.is_acked(&id, conn),
            "held {held_rounds}: acknowledged"
        );
    }
}

#[test]
fn many_quick_edits_while_connected_are_acknowledged() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let phone = net.add_client("phone");
    let key = ReportKey::new("bao-ve-tre-em", "ba-ngac", "2024-H1");
    let id = key.document_id();
    net.connect(phone, server);
    net.run_until_quiescent();
    for i in 0..30 {
        edit(&mut net, phone, &key, i);
        // Deliver only part of the traffic between edits, as a slow link would.
        net.deliver((i % 3) as usize);
    }
    net.run_until_quiescent();
    assert_eq!(net.heads(phone, &id), net.heads(server, &id));
    let conn = net.conn_of(0, phone);
    assert!(net.peers[phone].sync.is_acked(&id, conn));
}
