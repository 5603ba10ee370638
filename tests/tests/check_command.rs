//! Issue 16, must-show 3: reports stored before the server judged every
//! change's shape. A server run with `--no-auth` judges nothing (as every
//! server did before), so a raw Automerge client stores a corrupted report
//! through it: a string in an integer field, a value out of range, a key the
//! template does not have. `baocao check` then lists that report and why —
//! and only it — and the district's figures skip its bad values while the
//! other communes' values still count.

use automerge::{ROOT, ReadDoc, ScalarValue, transaction::Transactable};
use baocao_tests::{NativeClient, TestServer, child_protection_template};
use serde_json::Value as Json;
use shared::ReportKey;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);
const ROUND: [&str; 6] = [
    "--template",
    "bao-ve-tre-em",
    "--period",
    "2024-H1",
    "--unit",
    "huyen-ba-to",
];

fn figures(server: &TestServer) -> Json {
    let (ok, out, err) = server.admin(&[&["figures"][..], &ROUND[..]].concat(), None);
    assert!(ok, "baocao figures: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("figures JSON: {e}: {out}"))
}

fn number(f: &Json, id: &str) -> f64 {
    f["figures"][id]["value"]
        .as_f64()
        .unwrap_or_else(|| panic!("figure {id}: {f}"))
}

#[tokio::test]
async fn check_lists_a_corrupted_report_and_the_figures_skip_its_bad_values() {
    let mut server = TestServer::start().await;
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2024-H1");
    let id = key.document_id();

    server.stop().await;
    let (ok, out, err) = server.admin(&["check"], None);
    assert!(ok, "the demo fits its template: {out}\n{err}");
    assert!(err.contains("every one fits"), "{err}");
    let clean = figures(&server);
    server.restart().await;

    // A raw client writes what no baocao phone would.
    let mut raw = NativeClient::new("raw", child_protection_template());
    raw.connect(&server.ws_url()).await.expect("connect");
    raw.open(id).await;
    raw.sync_until(LIMIT, |c| {
        c.doc(&id)
            .and_then(|d| shared::ReportView::read(d.document()).ok())
            .is_some_and(|v| v.fields.contains_key("villages"))
    })
    .await
    .expect("the raw client has the report");
    let before = raw.view(&key);
    raw.edit_raw(&id, |d| {
        let fields = match d.get(ROOT, "fields").unwrap() {
            Some((automerge::Value::Object(_), obj)) => obj,
            other => panic!("fields: {other:?}"),
        };
        d.put(&fields, "villages", ScalarValue::Int(-5000)).unwrap();
        d.put(&fields, "officers", "hai").unwrap();
        d.put(ROOT, "note", "written by a script").unwrap();
    })
    .await;
    raw.sync_until_acked(&[id], LIMIT).await.expect("stored");
    server.stop().await;

    let (ok, out, err) = server.admin(&["check"], None);
    assert!(
        !ok,
        "check exits non-zero when a report breaks its template"
    );
    assert!(
        err.contains("1 of ") && err.contains("reports break their template"),
        "{err}"
    );
    assert!(out.contains("bao-ve-tre-em/2024-H1/ba-bich"), "{out}");
    assert!(out.contains(&id.to_string()), "{out}");
    assert!(out.contains("shape:"), "the shape error is named: {out}");
    assert!(
        out.contains("Số thôn") && out.contains("5.000") && out.contains("không tính"),
        "the value out of range is named, with its field: {out}"
    );
    let listed = out.lines().filter(|l| !l.starts_with(' ')).count();
    assert_eq!(listed, 1, "only the corrupted report is listed: {out}");

    // The figures skip the bad values; every other commune still counts.
    let now = figures(&server);
    let villages = before.fields["villages"].as_f64().expect("villages");
    let officers = before.fields["officers"].as_f64().expect("officers");
    assert_eq!(
        number(&now, "villages"),
        number(&clean, "villages") - villages,
        "Ba Bích's −5000 villages are not counted"
    );
    assert_eq!(
        number(&now, "officers"),
        number(&clean, "officers") - officers,
        "Ba Bích's \"hai\" officers are not counted"
    );
}
