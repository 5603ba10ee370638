//! Issue 16, must-show 3: reports stored before the server judged every
//! change's shape. A server run with `--no-auth` judges nothing (as every
//! server did before), so a raw Automerge client stores a corrupted report
//! through it: a string in an integer field, a value out of range, a key the
//! template does not have. `baocao check` then lists that report and why —
//! and only it — and the district's figures skip its bad values while the
//! other communes' values still count. Then, with accounts on, the
//! district's administrator repairs the report through the sync path — a
//! corrective change the policy takes because it only corrects what broke
//! its field's rules (anything more is refused) — and `check` finds nothing.

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

    // The administrator repairs it, through the sync endpoint like any client.
    server.set_accounts(true);
    server.restart().await;
    let admin = server.login("admin", "baocao-demo").await;
    let fields_of = |d: &mut automerge::AutoCommit| match d.get(ROOT, "fields").unwrap() {
        Some((automerge::Value::Object(_), obj)) => obj,
        other => panic!("fields: {other:?}"),
    };
    let mut overreach = NativeClient::new("admin-overreach", child_protection_template());
    overreach
        .connect(&server.ws_url_as(&admin))
        .await
        .expect("connect");
    overreach.open(id).await;
    overreach
        .sync_until(LIMIT, |c| {
            c.doc(&id).is_some_and(|d| !d.get_heads().is_empty())
        })
        .await
        .expect("the admin reads the report");
    overreach
        .edit_raw(&id, |d| {
            let fields = fields_of(d);
            d.put(&fields, "villages", ScalarValue::Int(4)).unwrap();
            d.put(&fields, "collaborators", ScalarValue::Int(1))
                .unwrap();
        })
        .await;
    overreach
        .sync_until(LIMIT, |c| c.refused().contains_key(&id))
        .await
        .expect("refused");
    assert_eq!(
        overreach.refused().get(&id).map(String::as_str),
        Some("workflow:not-a-repair"),
        "changing a value that was right is not a repair"
    );

    let mut repair = NativeClient::new("admin-repair", child_protection_template());
    repair
        .connect(&server.ws_url_as(&admin))
        .await
        .expect("connect");
    repair.open(id).await;
    repair
        .sync_until(LIMIT, |c| {
            c.doc(&id).is_some_and(|d| !d.get_heads().is_empty())
        })
        .await
        .expect("the admin reads the report");
    repair
        .edit_raw(&id, |d| {
            let fields = fields_of(d);
            d.put(&fields, "villages", ScalarValue::Int(4)).unwrap();
            d.put(&fields, "officers", ScalarValue::Int(2)).unwrap();
            d.delete(ROOT, "note").unwrap();
        })
        .await;
    repair
        .sync_until_acked(&[id], LIMIT)
        .await
        .expect("the repair is taken");
    assert!(repair.refused().is_empty(), "{:?}", repair.refused());
    server.stop().await;
    let (ok, out, err) = server.admin(&["check"], None);
    assert!(ok, "repaired: {out}\n{err}");
    assert_eq!(figures(&server), clean, "the repaired report counts again");
}
