//! Two phones create and edit the same report offline; after sync there is one
//! report with every edit, on both phones and on the server.

mod harness;

use harness::{Network, edit};
use shared::automerge::{ROOT, ReadDoc};
use shared::sync::SyncEvent;
use shared::{ReportKey, ReportView, Value};

fn view(net: &mut Network, peer: usize, key: &ReportKey) -> ReportView {
    let doc = net.peers[peer].sync.doc_mut(&key.document_id()).unwrap();
    ReportView::read(doc.document()).unwrap()
}

#[test]
fn same_report_created_on_two_phones_offline_becomes_one() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let a = net.add_client("phone-a");
    let b = net.add_client("phone-b");
    let key = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H1");

    // Both phones create the report independently, offline.
    edit(&mut net, a, &key, |r| {
        r.set_field("officers", Some(&Value::Int(2))).unwrap();
        r.add_record("documents", "rec-a").unwrap();
        r.set_record_value(
            "documents",
            "rec-a",
            "number",
            Some(&Value::Str("12/KH-UBND".into())),
        )
        .unwrap();
        r.set_narrative("direction_narrative", "Xã đã ban hành kế hoạch.")
            .unwrap();
    });
    edit(&mut net, b, &key, |r| {
        r.set_field("villages", Some(&Value::Int(6))).unwrap();
        r.add_record("documents", "rec-b").unwrap();
        r.set_record_value(
            "documents",
            "rec-b",
            "number",
            Some(&Value::Str("15/QĐ-UBND".into())),
        )
        .unwrap();
        r.set_narrative("direction_narrative", "Tuyên truyền tại thôn.")
            .unwrap();
    });

    net.connect(a, server);
    net.connect(b, server);
    net.run_until_quiescent();

    let id = key.document_id();
    let ha = net.heads(a, &id);
    assert_eq!(ha, net.heads(b, &id));
    assert_eq!(ha, net.heads(server, &id));

    let v = view(&mut net, server, &key);
    assert_eq!(v.fields.get("officers"), Some(&Value::Int(2)));
    assert_eq!(v.fields.get("villages"), Some(&Value::Int(6)));
    let numbers: Vec<_> = v.records["documents"]
        .iter()
        .map(|r| r.values["number"].clone())
        .collect();
    assert_eq!(numbers.len(), 2, "both records survive: {numbers:?}");
    let text = &v.narratives["direction_narrative"];
    assert!(
        text.contains("Xã đã ban hành kế hoạch.") && text.contains("Tuyên truyền tại thôn."),
        "{text}"
    );
    assert!(v.conflicts.is_empty(), "{:?}", v.conflicts);

    // No container was created twice: every root object has exactly one value.
    let doc = net.peers[server].sync.doc_mut(&id).unwrap();
    for k in doc.keys(ROOT).collect::<Vec<_>>() {
        assert_eq!(
            doc.get_all(ROOT, &k).unwrap().len(),
            1,
            "root key {k} conflicts"
        );
    }
    assert!(net.acked(a, &id) && net.acked(b, &id));
}

#[test]
fn concurrent_edits_of_one_field_are_kept_as_a_conflict() {
    let mut net = Network::new();
    let server = net.add_server("server");
    let a = net.add_client("commune");
    let b = net.add_client("district");
    let key = ReportKey::new("bao-ve-tre-em", "ba-le", "2024-H1");
    edit(&mut net, a, &key, |r| {
        r.set_field("officers", Some(&Value::Int(2))).unwrap()
    });
    let la = net.connect(a, server);
    let lb = net.connect(b, server);
    net.event(b, SyncEvent::open(key.document_id()));
    net.run_until_quiescent();
    net.disconnect(la);
    net.disconnect(lb);
    edit(&mut net, a, &key, |r| {
        r.set_field("officers", Some(&Value::Int(3))).unwrap()
    });
    edit(&mut net, b, &key, |r| {
        r.set_field("officers", Some(&Value::Int(4))).unwrap();
        r.add_record("trainings", "t1").unwrap();
    });
    net.connect(a, server);
    net.connect(b, server);
    net.run_until_quiescent();
    let v = view(&mut net, server, &key);
    assert_eq!(v.records["trainings"].len(), 1);
    let c = v
        .conflicts
        .iter()
        .find(|c| c.field == "officers")
        .expect("conflict flagged");
    let mut vals: Vec<_> = c.values.iter().map(|x| x.value.clone()).collect();
    vals.sort_by_key(|v| v.as_i64());
    assert_eq!(vals, vec![Value::Int(3), Value::Int(4)]);
    assert_eq!(v.fields["officers"], c.values[0].value);
}
