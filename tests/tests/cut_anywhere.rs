//! Issue 3, must-show 2: a multi-document sync cut at many points — in the
//! middle of the HTTP upgrade, of a WebSocket frame, of a CBOR message, in
//! either direction — and after reconnecting, the phone and the server hold
//! the same documents with every edit exactly once.

use baocao_tests::link::{Link, LinkSpec};
use baocao_tests::{NativeClient, TestServer, child_protection_template};
use shared::{ReportKey, Value};
use std::time::Duration;

const DOCS: usize = 5;
const CUTS_PER_DIRECTION: usize = 30;
const LIMIT: Duration = Duration::from_secs(20);

fn reports(phone: usize) -> Vec<ReportKey> {
    (0..DOCS)
        .map(|d| ReportKey::new("bao-ve-tre-em", &format!("cut-{phone}-{d}"), "2024-H1"))
        .collect()
}

/// The edits a phone makes before the sync: several changes per report.
async fn fill(phone: &mut NativeClient, keys: &[ReportKey]) {
    for (d, key) in keys.iter().enumerate() {
        phone
            .edit(key, |r| {
                r.set_field("officers", Some(&Value::Int(d as i64 + 1)))
                    .unwrap();
                r.set_field("villages", Some(&Value::Int(5))).unwrap();
            })
            .await;
        phone
            .edit(key, |r| {
                r.add_record("documents", "kh-1").unwrap();
                r.set_record_value(
                    "documents",
                    "kh-1",
                    "number",
                    Some(&Value::Str(format!("{d}/KH-UBND"))),
                )
                .unwrap();
            })
            .await;
        phone
            .edit(key, |r| {
                r.set_narrative(
                    "direction_narrative",
                    "Đã ban hành kế hoạch; lồng ghép tuyên truyền trong họp thôn.",
                )
                .unwrap();
            })
            .await;
    }
}

/// Every report holds each edit exactly once.
fn check(phone: &mut NativeClient, keys: &[ReportKey], extra: &ReportKey, what: &str) {
    for (d, key) in keys.iter().enumerate() {
        let v = phone.view(key);
        assert_eq!(
            v.fields.get("officers"),
            Some(&Value::Int(d as i64 + 1)),
            "{what}"
        );
        let docs = v.records.get("documents").map(Vec::len).unwrap_or(0);
        let want = if key == extra { 2 } else { 1 };
        assert_eq!(docs, want, "{what}: {key:?} records exactly once");
        assert_eq!(
            v.narratives.get("direction_narrative").map(String::as_str),
            Some("Đã ban hành kế hoạch; lồng ghép tuyên truyền trong họp thôn."),
            "{what}: text typed once"
        );
    }
}

/// One phone: sync through a link that cuts after `spec`'s byte counts, keep
/// editing offline, reconnect directly, and compare with the server.
/// Returns the bytes relayed each way before the cut and whether the phone
/// got every acknowledgement before it.
async fn cut_session(server: &TestServer, n: usize, spec: LinkSpec) -> ((usize, usize), bool) {
    let keys = reports(n);
    let ids: Vec<_> = keys.iter().map(ReportKey::document_id).collect();
    let mut phone = NativeClient::new(&format!("phone-{n}"), child_protection_template());
    fill(&mut phone, &keys).await;
    let link = Link::start(format!("127.0.0.1:{}", server.port()), spec).await;
    let mut finished = false;
    if phone.connect(&link.ws_url()).await.is_ok() {
        finished = phone
            .sync_until_acked(&ids, Duration::from_secs(5))
            .await
            .is_ok();
    }
    phone.disconnect().await;
    let bytes = link.bytes();
    drop(link);

    // Offline again: one more edit, then the signal comes back.
    let extra = keys[n % DOCS].clone();
    phone
        .edit(&extra, |r| {
            r.add_record("documents", "kh-2").unwrap();
        })
        .await;
    phone.connect(&server.ws_url()).await.expect("reconnect");
    phone
        .sync_until_acked(&ids, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("cut {n}: {e}"));

    // What the server holds, seen by a fresh phone, equals the phone's copy.
    let mut reader = NativeClient::new(&format!("reader-{n}"), child_protection_template());
    reader.connect(&server.ws_url()).await.unwrap();
    for id in &ids {
        reader.open(*id).await;
    }
    reader.sync_until_acked(&ids, LIMIT).await.unwrap();
    for id in &ids {
        assert_eq!(reader.heads(id), phone.heads(id), "cut {n}: same heads");
    }
    check(&mut phone, &keys, &extra, &format!("cut {n}, phone"));
    check(&mut reader, &keys, &extra, &format!("cut {n}, server"));
    reader.disconnect().await;
    phone.disconnect().await;
    (bytes, finished)
}

#[tokio::test]
async fn a_sync_cut_at_any_byte_finishes_on_reconnect_with_nothing_lost_or_doubled() {
    let server = TestServer::start().await;
    // An uncut session tells how many bytes a whole sync takes each way.
    let ((up, down), finished) = cut_session(&server, 0, LinkSpec::default()).await;
    assert!(finished);
    assert!(
        up > 1_000 && down > 500,
        "a real exchange ({up} up, {down} down)"
    );

    let mut n = 1;
    let mut interrupted = 0;
    for (total, is_up) in [(up, true), (down, false)] {
        for j in 0..CUTS_PER_DIRECTION {
            // From the first byte to just before the end, evenly.
            let at = 1 + (total - 2) * j / (CUTS_PER_DIRECTION - 1);
            let spec = LinkSpec {
                cut_up_after: is_up.then_some(at),
                cut_down_after: (!is_up).then_some(at),
                ..LinkSpec::default()
            };
            let ((got_up, got_down), finished) = cut_session(&server, n, spec).await;
            if is_up {
                assert!(
                    got_up <= at,
                    "the link cut after {at} bytes up, not {got_up}"
                );
            } else {
                assert!(
                    got_down <= at,
                    "the link cut after {at} bytes down, not {got_down}"
                );
            }
            interrupted += usize::from(!finished);
            n += 1;
        }
    }
    assert_eq!(n - 1, 2 * CUTS_PER_DIRECTION);
    // The server acknowledges before its last bytes, so a few late cuts do
    // not interrupt the acknowledgements; nearly all must.
    assert!(
        interrupted >= 2 * CUTS_PER_DIRECTION - 4,
        "only {interrupted} sessions were interrupted by their cut"
    );
}
