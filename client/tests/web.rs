//! The phone-side guarantees, in a real browser (`wasm-bindgen-test`, headless
//! Chromium): an edit is in `localStorage` when `edit` returns, a new sync loop
//! (a reload) reads it back, and a document whose heads the server acknowledged
//! reads as "on the server" after a reload, offline.
//!
//! Run: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p baocao-client --target wasm32-unknown-unknown --test web`
//! (needs `chromedriver` on PATH; `client/webdriver.json` adds the flags a root
//! container needs).

use automerge::AutoCommit;
use baocao_client::local_store;
use baocao_client::sync_loop::{SyncLoop, SyncState};
use leptos::prelude::*;
use shared::sync::storage::{StorageAction, StorageKey, StorageOutcome, StorageTask, TaskId};
use shared::{PeerId, ReportKey, Template, Value};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn template() -> Template {
    Template::from_toml(include_str!("../../templates/bao-ve-tre-em.toml")).expect("template")
}

/// Removes everything this app stored, so each test starts from an empty phone.
fn clear_app_storage() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let keys: Vec<String> = (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .filter(|k| k.starts_with("baocao/"))
        .collect();
    for k in keys {
        storage.remove_item(&k).unwrap();
    }
}

/// The loop opens the phone's stored documents once the first screen is
/// drawn (the next turn of the event loop).
async fn first_screen_drawn() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

fn task(id: u64, action: StorageAction) -> StorageTask {
    StorageTask {
        id: TaskId(id),
        action,
    }
}

fn load(doc: &shared::DocumentId) -> Vec<(StorageKey, Vec<u8>)> {
    let load = task(
        99,
        StorageAction::Load {
            prefix: StorageKey::doc_prefix(doc),
        },
    );
    match local_store::perform(&load).outcome {
        StorageOutcome::Loaded(mut chunks) => {
            chunks.sort();
            chunks
        }
        other => panic!("load failed: {other:?}"),
    }
}

#[wasm_bindgen_test]
fn storage_tasks_round_trip_through_local_storage() {
    clear_app_storage();
    let doc = ReportKey::new("bao-ve-tre-em", "xa-a", "2024-H1").document_id();
    let chunk = |kind: &str, name: &str| {
        StorageKey(vec![doc.to_string(), kind.to_string(), name.to_string()])
    };
    let (a, b, snap) = (
        chunk("incremental", "aa"),
        chunk("incremental", "bb"),
        chunk("snapshot", "cc"),
    );
    for (i, key) in [&a, &b].into_iter().enumerate() {
        let put = task(
            i as u64,
            StorageAction::Put {
                key: key.clone(),
                data: vec![i as u8, 0, 255],
            },
        );
        assert_eq!(local_store::perform(&put).outcome, StorageOutcome::Done);
    }
    assert_eq!(
        load(&doc),
        vec![(a.clone(), vec![0, 0, 255]), (b.clone(), vec![1, 0, 255])]
    );
    assert_eq!(local_store::stored_documents(), vec![doc]);

    let compact = task(
        10,
        StorageAction::Compact {
            key: snap.clone(),
            data: vec![7; 3],
            delete: vec![a, b],
        },
    );
    assert_eq!(local_store::perform(&compact).outcome, StorageOutcome::Done);
    assert_eq!(load(&doc), vec![(snap, vec![7; 3])]);
}

#[wasm_bindgen_test]
async fn an_edit_is_stored_at_once_and_a_reload_reads_it() {
    clear_app_storage();
    let template = template();
    let key = ReportKey::new(&template.id, "xa-b", "2024-H1");
    let id = key.document_id();
    let _owner = Owner::new();

    let before = SyncLoop::start(PeerId::new("browser-test-1"), "storage-test".into());
    before
        .edit(&key, &template, |r| {
            r.set_field("officers", Some(&Value::Int(5)))?;
            r.add_record("documents", "r1")?;
            r.set_narrative("direction_narrative", "Đã ban hành kế hoạch.")
        })
        .expect("edit accepted");
    // Stored before `edit` returned: there is no await in between.
    assert_eq!(local_store::stored_documents(), vec![id]);
    let refused = before.edit(&key, &template, |r| r.set_field("no-such-field", None));
    assert!(refused.is_err(), "an unknown field is refused");

    let after = SyncLoop::start(PeerId::new("browser-test-2"), "storage-test".into());
    first_screen_drawn().await;
    let view = after.view(&id).expect("the report is on the phone");
    assert_eq!(view.fields.get("officers"), Some(&Value::Int(5)));
    assert_eq!(view.records["documents"].len(), 1);
    assert_eq!(
        view.narratives["direction_narrative"],
        "Đã ban hành kế hoạch."
    );
    // Never acknowledged by a server: only on this phone.
    let snapshot = after.snapshot();
    assert_eq!(
        snapshot.with_untracked(|s| s.state_of(&id)),
        SyncState::Local
    );
    assert_eq!(snapshot.with_untracked(|s| s.pending()), 1);
}

#[wasm_bindgen_test]
async fn acknowledged_heads_read_as_on_the_server_after_a_reload() {
    clear_app_storage();
    let template = template();
    let key = ReportKey::new(&template.id, "xa-c", "2024-H1");
    let id = key.document_id();
    let _owner = Owner::new();
    let first = SyncLoop::start(PeerId::new("browser-test-3"), "storage-test".into());
    first
        .edit(&key, &template, |r| {
            r.set_field("villages", Some(&Value::Int(7)))
        })
        .expect("edit accepted");

    // What the sync loop records when the server's heads cover the document's.
    let mut doc = AutoCommit::new();
    for (_, bytes) in load(&id) {
        doc.load_incremental(&bytes).expect("stored chunk loads");
    }
    let mut heads: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
    heads.sort();
    local_store::set_json(
        &local_store::acked_key(&id),
        &serde_json::json!({ "heads": heads, "at": 1_720_000_000_000_i64 }),
    )
    .unwrap();

    let reloaded = SyncLoop::start(PeerId::new("browser-test-4"), "storage-test".into());
    first_screen_drawn().await;
    let snapshot = reloaded.snapshot();
    assert_eq!(
        snapshot.with_untracked(|s| s.state_of(&id)),
        SyncState::Server
    );
    assert_eq!(snapshot.with_untracked(|s| s.pending()), 0);

    // A further edit is only on the phone until the server acknowledges it.
    reloaded
        .edit(&key, &template, |r| {
            r.set_field("villages", Some(&Value::Int(8)))
        })
        .expect("edit accepted");
    assert_eq!(
        snapshot.with_untracked(|s| s.state_of(&id)),
        SyncState::Local
    );
}

#[wasm_bindgen_test]
fn local_storage_answers_the_storage_conformance_suite() {
    clear_app_storage();
    for (task, expect) in shared::sync::storage::conformance::steps() {
        let id = task.id;
        let r = local_store::perform(&task);
        assert_eq!(r.id, id);
        assert!(expect.matches(&r.outcome), "step {id:?}: {:?}", r.outcome);
    }
    clear_app_storage();
}
