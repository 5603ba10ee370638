//! Issue 19, fewer round trips on a bad link: a phone dialling the server
//! it last synced with sends its sync messages right after its join, so two
//! flights each way (not three) are enough for the server to store and
//! acknowledge its offline changes; dialling
//! another server than it expected, it is refused once and syncs on the
//! next connection.

mod harness;

use harness::{Network, edit};
use shared::protocol::wire::WireMessage;
use shared::{ReportKey, Value};

#[test]
fn a_reconnecting_phone_sends_its_sync_with_its_join() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let phone = net.add_client("phone");
    let key = ReportKey::new("bao-ve-tre-em", "ba-xa", "2024-H1");
    let id = key.document_id();
    edit(&mut net, phone, &key, |r| {
        r.set_field("villages", Some(&Value::Int(3))).unwrap()
    });
    let first = net.connect(phone, server);
    net.run_until_quiescent();
    assert!(net.acked(phone, &id));
    net.disconnect(first);

    // Offline edits, then back online.
    edit(&mut net, phone, &key, |r| {
        r.set_field("officers", Some(&Value::Int(2))).unwrap();
        r.add_record("documents", "biên bản").unwrap();
    });
    let heads_before = net.heads(server, &id);
    assert_ne!(heads_before, net.heads(phone, &id));
    net.connect(phone, server);
    let flight = net.queued_to(server);
    assert!(
        matches!(flight.first(), Some(WireMessage::Join { .. })),
        "{flight:?}"
    );
    assert!(
        flight
            .iter()
            .any(|m| matches!(m, WireMessage::Sync { document_id, .. } if *document_id == id)),
        "the report's sync message goes with the join: {flight:?}"
    );

    // Two flights to the server, two back: stored and acknowledged.
    for _ in 0..2 {
        let n = net.in_flight();
        net.deliver(n);
        let n = net.in_flight();
        net.deliver(n);
    }
    assert!(
        net.acked_now(phone, &id),
        "acknowledged after two round trips"
    );
    net.run_until_quiescent();
    assert_eq!(net.heads(server, &id), net.heads(phone, &id));

    // Another server than the one it remembers (a reinstalled one, say):
    // it refuses what was addressed to the other, and closes; the phone now
    // knows it, and the next connection syncs.
    let other = net.add_server("other");
    net.connect(phone, other);
    net.run_until_quiescent();
    assert!(net.heads(other, &id).is_empty());
    net.connect(phone, other);
    net.run_until_quiescent();
    assert_eq!(net.heads(other, &id), net.heads(phone, &id));
}
