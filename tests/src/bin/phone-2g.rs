//! Our phone's sync engine over a bad link: `phone-2g --dump F --server
//! ws://…/sync --via ws://…/sync` replays `loadgen.mjs`'s reconnect workload
//! (its `PHASE=dump` output: per report, the document before going offline
//! and the changes made offline) with the shared engine in its native build
//! (`NativeClient`, the protocol unmodified): the reports are uploaded
//! directly, the phone goes offline and makes the offline changes, then
//! reconnects through `--via` (a `link-emu` 2G link) and is timed until the
//! server acknowledges every report's new heads — for us, stored durably.
//! Prints one JSON line.

use automerge::AutoCommit;
use baocao_tests::{NativeClient, child_protection_template};
use shared::DocumentId;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);

#[derive(serde::Deserialize)]
struct Dump {
    docs: Vec<DumpDoc>,
}

#[derive(serde::Deserialize)]
struct DumpDoc {
    first: String,
    offline: String,
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() {
    let (Some(dump), Some(server), Some(via)) = (arg("--dump"), arg("--server"), arg("--via"))
    else {
        eprintln!("usage: phone-2g --dump FILE --server WS_URL --via WS_URL");
        std::process::exit(2);
    };
    let dump: Dump = serde_json::from_str(&std::fs::read_to_string(&dump).expect("the dump"))
        .expect("a loadgen dump");
    let mut phone = NativeClient::new("phone-2g", child_protection_template());
    let mut docs = Vec::new();
    for (i, d) in dump.docs.iter().enumerate() {
        let first = hex::decode(&d.first).expect("hex");
        let offline = hex::decode(&d.offline).expect("hex");
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
        id[8..].copy_from_slice(&rand::random::<[u8; 8]>());
        let id = DocumentId::from_bytes(id);
        let doc = AutoCommit::load(&first).expect("a saved document");
        phone.insert(id, doc).await;
        docs.push((id, offline));
    }
    let ids: Vec<DocumentId> = docs.iter().map(|(id, _)| *id).collect();

    // On the server before going offline, directly.
    phone.connect(&server).await.expect("connect");
    phone
        .sync_until_acked(&ids, LIMIT)
        .await
        .expect("first upload acknowledged");
    phone.disconnect().await;

    // Offline edits: the changes the JS phone makes.
    let mut offline_bytes = 0;
    for (id, changes) in &docs {
        offline_bytes += changes.len();
        phone
            .edit_raw(id, |doc| {
                doc.load_incremental(changes).expect("the offline changes");
            })
            .await;
    }
    let started = Instant::now();
    phone.connect(&via).await.expect("connect through the link");
    let acked = phone
        .sync_until(LIMIT, |p| ids.iter().all(|id| p.is_acked(id)))
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let (up, down) = phone.wire_bytes();
    println!(
        "{{\"seconds\":{seconds:.3},\"acked\":{},\"reports\":{},\"offline_change_bytes\":{offline_bytes},\
         \"ws_bytes_up\":{up},\"ws_bytes_down\":{down}}}",
        acked.is_ok(),
        ids.len()
    );
    if acked.is_err() {
        std::process::exit(1);
    }
}
