//! What the durability tests share: a phone editing its reports round after
//! round, each round synced until the server acknowledges it, recording
//! every acknowledged state; and the check that a server holds every one.

use crate::{NativeClient, child_protection_template};
use automerge::ChangeHash;
use shared::{DocumentId, ReportKey, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Acknowledged states: a document and its heads when the server acked them.
pub type Acked = Arc<Mutex<Vec<(DocumentId, Vec<ChangeHash>)>>>;

/// A phone named `name` edits `reports` child-protection reports of units
/// `<name>-0`, `<name>-1`… (each round sets a figure and adds a record), syncs
/// each round until acknowledged and records it in `acked`, until `stop` is
/// set (at most 2 000 rounds). The rounds done, or the first sync error.
pub async fn edit_rounds(
    name: &str,
    reports: usize,
    url: String,
    acked: Acked,
    stop: Arc<AtomicBool>,
) -> Result<usize, String> {
    let keys: Vec<ReportKey> = (0..reports)
        .map(|r| ReportKey::new("bao-ve-tre-em", &format!("{name}-{r}"), "2024-H1"))
        .collect();
    let ids: Vec<DocumentId> = keys.iter().map(ReportKey::document_id).collect();
    let mut phone = NativeClient::new(name, child_protection_template());
    phone.connect(&url).await?;
    let mut rounds = 0;
    while !stop.load(Ordering::Relaxed) && rounds < 2000 {
        for key in &keys {
            phone
                .edit(key, |r| {
                    r.set_field("officers", Some(&Value::Int(rounds as i64)))
                        .unwrap();
                    r.add_record("documents", &format!("r{rounds}")).unwrap();
                })
                .await;
        }
        phone
            .sync_until_acked(&ids, Duration::from_secs(10))
            .await?;
        let mut a = acked.lock().unwrap();
        for id in &ids {
            a.push((*id, phone.heads(id)));
        }
        rounds += 1;
    }
    Ok(rounds)
}

/// Fetches every document of `acked` from the server at `ws_url` and returns
/// the acknowledged changes it lacks (none, when nothing was lost).
pub async fn missing_on(
    ws_url: &str,
    acked: &[(DocumentId, Vec<ChangeHash>)],
) -> Vec<(DocumentId, ChangeHash)> {
    let mut reader = NativeClient::new("reader", child_protection_template());
    reader.connect(ws_url).await.expect("the reader connects");
    missing_in(&mut reader, acked).await
}

/// The same through a connected `reader` (which keeps the documents).
pub async fn missing_in(
    reader: &mut NativeClient,
    acked: &[(DocumentId, Vec<ChangeHash>)],
) -> Vec<(DocumentId, ChangeHash)> {
    let mut ids: Vec<DocumentId> = acked.iter().map(|(id, _)| *id).collect();
    ids.sort();
    ids.dedup();
    for id in &ids {
        reader.open(*id).await;
    }
    reader
        .sync_until_acked(&ids, Duration::from_secs(30))
        .await
        .expect("the reader gets every document");
    let mut missing = Vec::new();
    for (id, heads) in acked {
        let doc = reader.doc(id).expect("the document is there");
        for h in heads {
            if doc.get_change_by_hash(h).is_none() {
                missing.push((*id, *h));
            }
        }
    }
    missing
}

/// Waits until `acked` holds at least `count` acknowledgements; panics with
/// `stalled` after `within` (the phones never got going, or stopped).
pub async fn wait_for(acked: &Acked, count: usize, within: Duration, stalled: &str) {
    let deadline = std::time::Instant::now() + within;
    while acked.lock().unwrap().len() < count {
        assert!(std::time::Instant::now() < deadline, "{stalled}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
