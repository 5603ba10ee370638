//! Must-show 3: two native clients on the shared sync code edit the same
//! report while disconnected — the same report created independently on both,
//! different fields, a record each, typing in the same narrative — and after
//! reconnecting both clients and the server hold identical documents with
//! every edit. Then the server is SIGKILLed and restarted: everything it had
//! acknowledged is still there.

use baocao_tests::{NativeClient, TestServer, child_protection_template};
use shared::{ReportKey, ReportView, Value};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

async fn converge(a: &mut NativeClient, b: &mut NativeClient, key: &ReportKey) {
    baocao_tests::native_client::converge(a, b, &key.document_id(), LIMIT).await;
}

async fn fetch_fresh(server: &TestServer, key: &ReportKey) -> NativeClient {
    let mut c = NativeClient::new("reader", child_protection_template());
    c.connect(&server.ws_url()).await.unwrap();
    c.open(key.document_id()).await;
    c.sync_until_acked(&[key.document_id()], LIMIT)
        .await
        .unwrap();
    c
}

#[tokio::test]
async fn offline_edits_on_two_phones_merge_and_survive_sigkill() {
    let mut server = TestServer::start().await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2024-H2");
    let id = key.document_id();
    let mut a = NativeClient::new("phone-a", child_protection_template());
    let mut b = NativeClient::new("phone-b", child_protection_template());

    // Round 1: both phones create the report independently, offline.
    a.edit(&key, |r| {
        r.set_field("officers", Some(&Value::Int(2))).unwrap();
        r.add_record("documents", "a-1").unwrap();
        r.set_record_value(
            "documents",
            "a-1",
            "kind",
            Some(&Value::Str("ke-hoach".into())),
        )
        .unwrap();
        r.set_record_value(
            "documents",
            "a-1",
            "number",
            Some(&Value::Str("21/KH-UBND".into())),
        )
        .unwrap();
        r.set_narrative("direction_narrative", "Xã đã ban hành kế hoạch.")
            .unwrap();
    })
    .await;
    b.edit(&key, |r| {
        r.set_field("villages", Some(&Value::Int(4))).unwrap();
        r.add_record("trainings", "b-1").unwrap();
        r.set_record_value("trainings", "b-1", "participants", Some(&Value::Int(40)))
            .unwrap();
        r.set_narrative("direction_narrative", "Họp thôn tuyên truyền.")
            .unwrap();
    })
    .await;

    a.connect(&server.ws_url()).await.unwrap();
    b.connect(&server.ws_url()).await.unwrap();
    a.sync_until_acked(&[id], LIMIT).await.unwrap();
    b.sync_until_acked(&[id], LIMIT).await.unwrap();
    converge(&mut a, &mut b, &key).await;

    // Round 2: both offline again, typing into the same narrative at the same
    // place, different fields, a record each.
    a.disconnect().await;
    b.disconnect().await;
    a.edit(&key, |r| {
        r.splice_narrative("direction_narrative", 0, 0, "[A] ")
            .unwrap();
        r.set_field("collaborators", Some(&Value::Int(4))).unwrap();
        r.add_record("documents", "a-2").unwrap();
        r.set_record_value(
            "documents",
            "a-2",
            "number",
            Some(&Value::Str("30/QĐ-UBND".into())),
        )
        .unwrap();
    })
    .await;
    b.edit(&key, |r| {
        r.splice_narrative("direction_narrative", 0, 0, "[B] ")
            .unwrap();
        r.set_field("mini_pitches", Some(&Value::Int(1))).unwrap();
        r.add_record("trainings", "b-2").unwrap();
        r.set_record_value("trainings", "b-2", "classes", Some(&Value::Int(2)))
            .unwrap();
    })
    .await;

    a.connect(&server.ws_url()).await.unwrap();
    b.connect(&server.ws_url()).await.unwrap();
    a.sync_until_acked(&[id], LIMIT).await.unwrap();
    b.sync_until_acked(&[id], LIMIT).await.unwrap();
    converge(&mut a, &mut b, &key).await;
    a.sync_until_acked(&[id], LIMIT).await.unwrap();

    let va = a.view(&key);
    let vb = b.view(&key);
    assert_eq!(va, vb, "both phones hold the same report");
    assert_eq!(a.heads(&id), b.heads(&id), "same change history");
    let expect = |v: &ReportView| {
        for (f, x) in [
            ("officers", 2),
            ("villages", 4),
            ("collaborators", 4),
            ("mini_pitches", 1),
        ] {
            assert_eq!(v.fields.get(f), Some(&Value::Int(x)), "{f}");
        }
        let ids = |f: &str| -> Vec<String> { v.records[f].iter().map(|r| r.id.clone()).collect() };
        let mut docs = ids("documents");
        docs.sort();
        assert_eq!(docs, ["a-1", "a-2"]);
        let mut tr = ids("trainings");
        tr.sort();
        assert_eq!(tr, ["b-1", "b-2"]);
        let text = &v.narratives["direction_narrative"];
        for part in [
            "[A] ",
            "[B] ",
            "Xã đã ban hành kế hoạch.",
            "Họp thôn tuyên truyền.",
        ] {
            assert!(text.contains(part), "{part:?} missing from {text:?}");
        }
        assert!(v.conflicts.is_empty(), "{:?}", v.conflicts);
    };
    expect(&va);

    // The server holds the same document: a fresh phone fetches it.
    let mut reader = fetch_fresh(&server, &key).await;
    assert_eq!(reader.heads(&id), a.heads(&id));
    let rest = server.api_get(&format!("/api/reports/{id}")).await;
    let rest: ReportView = serde_json::from_value(rest).unwrap();
    expect(&rest);

    // SIGKILL: whatever the server acknowledged must survive.
    let acked_heads = a.heads(&id);
    a.disconnect().await;
    b.disconnect().await;
    reader.disconnect().await;
    server.kill().await;
    server.restart().await;
    let mut after = fetch_fresh(&server, &key).await;
    assert_eq!(
        after.heads(&id),
        acked_heads,
        "acknowledged changes survived SIGKILL"
    );
    expect(&after.view(&key));
}
