//! The phone's storage: the sync engine's document chunks and the app's small
//! settings, in the browser's `localStorage` under one `baocao/` namespace.
//!
//! Deliberately synchronous: `localStorage` writes are done (or refused) before
//! the call returns, so an edit is on the phone the moment its input event is
//! handled, and the engine's storage tasks are answered before the next event.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use gloo_storage::{LocalStorage, Storage as _};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::DocumentId;
use shared::sync::storage::{
    StorageAction, StorageKey, StorageOutcome, StorageResult, StorageTask,
};
use std::collections::BTreeSet;
use wasm_bindgen::{JsCast, JsValue};

/// Prefix of the engine's chunk keys: `baocao/doc/<StorageKey::joined>`.
const DOC_NS: &str = "baocao/doc/";

/// The cached `/api/bootstrap` answer, so the app starts offline.
pub const BOOTSTRAP: &str = "baocao/bootstrap";
/// The demo user chosen on the start screen.
pub const USER: &str = "baocao/user";
/// The interface language.
pub const LANG: &str = "baocao/lang";
/// This browser's peer id and storage id.
pub const PEER: &str = "baocao/peer";
/// The session of the logged-in user ([`crate::auth::Login`]).
pub const LOGIN: &str = "baocao/login";

/// Key of the record of what the server last acknowledged for a document.
pub fn acked_key(doc: &DocumentId) -> String {
    format!("baocao/acked/{doc}")
}

/// True when the browser lets this page use `localStorage` (it may not, e.g.
/// with storage blocked by policy); without it nothing can work offline.
pub fn available() -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .is_some()
}

/// Asks the browser to keep this site's storage under storage pressure
/// (`navigator.storage.persist()`) and says whether it will: `Some(true)`
/// persistent, `Some(false)` refused (the browser may evict the data when
/// the phone runs short of space), `None` when the browser cannot say.
/// Chrome grants it without a prompt to installed or often-used sites.
pub async fn request_persistence() -> Option<bool> {
    use wasm_bindgen_futures::JsFuture;
    let storage = web_sys::window()?.navigator().storage();
    let ask = |p: Result<js_sys::Promise, JsValue>| async move {
        JsFuture::from(p.ok()?).await.ok()?.as_bool()
    };
    if ask(storage.persisted()).await == Some(true) {
        return Some(true);
    }
    ask(storage.persist()).await
}

/// Reads a JSON setting; a missing or unreadable one is `None`.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Option<T> {
    LocalStorage::get(key).ok()
}

/// Writes a JSON setting. Fails when the browser refuses (quota).
pub fn set_json<T: Serialize>(key: &str, value: &T) -> Result<(), String> {
    LocalStorage::set(key, value).map_err(|e| e.to_string())
}

/// Removes a setting.
pub fn remove(key: &str) {
    LocalStorage::delete(key);
}

/// Carries out one storage task of the sync engine, synchronously.
pub fn perform(task: &StorageTask) -> StorageResult {
    let outcome = match run(&task.action) {
        Ok(outcome) => outcome,
        Err(message) => StorageOutcome::Failed(message),
    };
    StorageResult {
        id: task.id,
        outcome,
    }
}

fn run(action: &StorageAction) -> Result<StorageOutcome, String> {
    let storage = LocalStorage::raw();
    match action {
        StorageAction::Load { prefix } => {
            let exact = doc_key(prefix);
            let below = format!("{exact}/");
            let mut chunks = Vec::new();
            for key in all_keys(&storage) {
                if key != exact && !key.starts_with(&below) {
                    continue;
                }
                let Some(text) = storage.get_item(&key).map_err(js_error)? else {
                    continue;
                };
                // Undecodable text is handed over as is: the engine then
                // reports the chunk as corrupt and skips it.
                let bytes = BASE64.decode(&text).unwrap_or_else(|_| text.into_bytes());
                let stored = StorageKey::from_joined(&key[DOC_NS.len()..]);
                chunks.push((stored, bytes));
            }
            Ok(StorageOutcome::Loaded(chunks))
        }
        StorageAction::Put { key, data } => {
            storage
                .set_item(&doc_key(key), &BASE64.encode(data))
                .map_err(js_error)?;
            Ok(StorageOutcome::Done)
        }
        StorageAction::Compact { key, data, delete } => {
            // Snapshot first: a failure in between leaves duplicates, never a loss.
            storage
                .set_item(&doc_key(key), &BASE64.encode(data))
                .map_err(js_error)?;
            for old in delete.iter().filter(|old| *old != key) {
                storage.remove_item(&doc_key(old)).map_err(js_error)?;
            }
            Ok(StorageOutcome::Done)
        }
    }
}

/// Ids of the documents that have chunks on this phone: the app opens them
/// all at start so they sync even if nobody opens their screen.
pub fn stored_documents() -> Vec<DocumentId> {
    let docs: BTreeSet<DocumentId> = all_keys(&LocalStorage::raw())
        .iter()
        .filter_map(|k| k.strip_prefix(DOC_NS))
        .filter_map(|k| StorageKey::from_joined(k).document())
        .collect();
    docs.into_iter().collect()
}

/// Removes everything a user left on this phone — documents, what the server
/// acknowledged, the cached directory, the login — and keeps only what belongs
/// to the device (its peer identity, the interface language).
pub fn clear_user_data() {
    let storage = LocalStorage::raw();
    for key in all_keys(&storage) {
        if key.starts_with("baocao/") && key != PEER && key != LANG {
            let _ = storage.remove_item(&key);
        }
    }
}

fn doc_key(key: &StorageKey) -> String {
    format!("{DOC_NS}{}", key.joined())
}

fn all_keys(storage: &web_sys::Storage) -> Vec<String> {
    let n = storage.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| storage.key(i).ok().flatten())
        .collect()
}

/// A readable message for a JavaScript exception (e.g. `QuotaExceededError`).
pub fn js_error(e: JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        format!(
            "{}: {}",
            String::from(err.name()),
            String::from(err.message())
        )
    } else {
        e.as_string().unwrap_or_else(|| format!("{e:?}"))
    }
}
