//! Issue 3, must-show 1: the unmodified npm `@automerge/automerge-repo`
//! client (2.5.6, with its WebSocket adapter) talks to our server.
//!
//! - JS → server → JS: one JS client creates a document, another fetches it;
//!   the second edits it and a third sees the edit (both directions).
//! - JS → server → our native client, and back: a document created by JS is
//!   read and edited by the native client (the shared sync engine), and JS
//!   reads the native edit.
//! - A report written by our native client is read by JS, field by field.

use automerge::{ROOT, ReadDoc, ScalarValue, transaction::Transactable};
use baocao_tests::{NativeClient, TestServer, child_protection_template, js_peer};
use serde_json::{Value as Json, json};
use shared::{DocumentId, ReportKey, Value};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

fn heads_of(answer: &Json) -> Vec<String> {
    let mut h: Vec<String> = answer["heads"]
        .as_array()
        .expect("heads")
        .iter()
        .map(|h| h.as_str().expect("hex head").to_string())
        .collect();
    h.sort();
    h
}

fn native_heads(c: &mut NativeClient, id: &DocumentId) -> Vec<String> {
    let mut h: Vec<String> = c.heads(id).iter().map(|h| h.to_string()).collect();
    h.sort();
    h
}

#[tokio::test]
async fn js_clients_sync_through_our_server_in_both_directions() {
    let server = TestServer::start().await;
    let ws = server.ws_url();
    let content = json!({
        "tieu_de": "Báo cáo công tác trẻ em",
        "so_lieu": { "can_bo": 38, "cong_tac_vien": 93 },
        "thon": ["Làng Trui", "Gò Khôn"],
    });
    let created = js_peer::run(
        "create",
        &ws,
        &[("content", &content.to_string()), ("edits", "5")],
    )
    .await;
    let id = created["documentId"].as_str().unwrap().to_string();
    assert_eq!(created["doc"]["edits"], 5);

    let fetched = js_peer::run("fetch", &ws, &[("id", &id)]).await;
    assert_eq!(heads_of(&fetched), heads_of(&created));
    assert_eq!(
        fetched["doc"], created["doc"],
        "the second JS client reads what the first wrote"
    );

    let edited = js_peer::run(
        "edit",
        &ws,
        &[
            ("id", &id),
            ("set", r#"{"so_lieu.can_bo": 40, "ghi_chu": "đã sửa"}"#),
        ],
    )
    .await;
    let again = js_peer::run("fetch", &ws, &[("id", &id)]).await;
    assert_eq!(heads_of(&again), heads_of(&edited));
    assert_eq!(again["doc"]["so_lieu"]["can_bo"], 40);
    assert_eq!(again["doc"]["ghi_chu"], "đã sửa");
    assert_eq!(again["doc"]["tieu_de"], "Báo cáo công tác trẻ em");
}

#[tokio::test]
async fn js_and_native_clients_read_each_others_documents() {
    let server = TestServer::start().await;
    let ws = server.ws_url();

    // JS creates; the native client (shared engine) reads it and edits it.
    let created = js_peer::run(
        "create",
        &ws,
        &[("content", r#"{"xa":"Ba Bích","so_thon":5}"#)],
    )
    .await;
    let id: DocumentId = created["documentId"].as_str().unwrap().parse().unwrap();
    let mut native = NativeClient::new("native-phone", child_protection_template());
    native.connect(&ws).await.unwrap();
    native.open(id).await;
    native.sync_until_acked(&[id], LIMIT).await.unwrap();
    assert_eq!(native_heads(&mut native, &id), heads_of(&created));
    let doc = native.doc(&id).expect("loaded");
    // automerge-js stores strings as collaborative text objects.
    let (_, xa) = doc.get(ROOT, "xa").unwrap().expect("xa is set");
    assert_eq!(doc.text(&xa).unwrap(), "Ba Bích");
    native
        .edit_raw(&id, |d| {
            d.put(ROOT, "so_thon", ScalarValue::Int(6)).unwrap();
            d.put(ROOT, "nguoi_sua", "điện thoại").unwrap();
        })
        .await;
    native.sync_until_acked(&[id], LIMIT).await.unwrap();
    let back = js_peer::run("fetch", &ws, &[("id", &id.to_string())]).await;
    assert_eq!(heads_of(&back), native_heads(&mut native, &id));
    assert_eq!(back["doc"]["so_thon"], 6);
    assert_eq!(back["doc"]["nguoi_sua"], "điện thoại");
    assert_eq!(back["doc"]["xa"], "Ba Bích");

    // A report written by the native client, read by JS field by field.
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2025-H1");
    let rid = key.document_id();
    native
        .edit(&key, |r| {
            r.set_field("officers", Some(&Value::Int(2))).unwrap();
            r.set_field("villages", Some(&Value::Int(5))).unwrap();
            r.set_narrative("direction_narrative", "Đã ban hành kế hoạch năm 2024.")
                .unwrap();
        })
        .await;
    native.sync_until_acked(&[rid], LIMIT).await.unwrap();
    let report = js_peer::run("fetch", &ws, &[("id", &rid.to_string())]).await;
    assert_eq!(heads_of(&report), native_heads(&mut native, &rid));
    let view = native.view(&key);
    assert_eq!(report["doc"]["template"], "bao-ve-tre-em");
    assert_eq!(report["doc"]["unit"], "ba-bich");
    assert_eq!(report["doc"]["period"], "2025-H1");
    assert_eq!(report["doc"]["fields"]["officers"], 2);
    assert_eq!(report["doc"]["fields"]["villages"], 5);
    let text = serde_json::to_string(&report["doc"]).unwrap();
    assert!(
        text.contains("Đã ban hành kế hoạch năm 2024."),
        "the narrative reaches JS: {text}"
    );
    assert_eq!(view.unit, "ba-bich");
}
