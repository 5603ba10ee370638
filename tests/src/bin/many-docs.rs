//! Server memory with many stored documents (issue 3, must-show 6):
//! `many-docs --docs 100000` stores that many small report documents through
//! the sync protocol — phones of 200 reports each come, sync and leave, 8 at
//! a time — and prints the server's resident memory as it goes and at the
//! end. Uses `target/release/baocao` (or `$BAOCAO_BIN`).

use baocao_tests::bench::{arg, upload_reports};
use baocao_tests::{NativeClient, TestServer, child_protection_template, repo_root};
use shared::ReportKey;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// (VmRSS, VmHWM) of a process, in MB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0)
}

async fn phone(server_ws: String, first: usize, count: usize) {
    let keys: Vec<ReportKey> = (first..first + count)
        .map(|i| ReportKey::new("bao-ve-tre-em", &format!("xa-{i:06}"), "2025-H1"))
        .collect();
    upload_reports(&server_ws, &format!("phone-{first}"), &keys).await;
}

#[tokio::main]
async fn main() {
    let docs = arg("--docs", 100_000);
    let per_phone = arg("--per-phone", 200);
    let parallel = arg("--parallel", 8);
    let binary = std::env::var("BAOCAO_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("target/release/baocao"));
    assert!(
        binary.exists(),
        "{} is missing: cargo build --release -p baocao-server",
        binary.display()
    );
    let server = TestServer::start_binary(binary).await;
    let pid = server.pid().expect("server pid");
    let ws = server.ws_url();
    let (rss0, _) = memory(pid);
    eprintln!(
        "many-docs: {docs} documents, {per_phone} per phone, {parallel} phones at a time; server RSS at start {rss0:.1} MB"
    );
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..parallel {
        let (next, done, ws) = (next.clone(), done.clone(), ws.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let first = next.fetch_add(per_phone, Ordering::SeqCst);
                if first >= docs {
                    return;
                }
                let count = per_phone.min(docs - first);
                phone(ws.clone(), first, count).await;
                done.fetch_add(count, Ordering::SeqCst);
            }
        }));
    }
    let mut last_report = 0;
    let mut peak_seen: f64 = 0.0;
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let d = done.load(Ordering::SeqCst);
        let (rss, _) = memory(pid);
        peak_seen = peak_seen.max(rss);
        if d >= last_report + docs / 20 || d >= docs {
            last_report = d;
            eprintln!(
                "  {d}/{docs} stored, {:.0} s, {:.0} docs/s, server RSS {rss:.1} MB",
                started.elapsed().as_secs_f64(),
                d as f64 / started.elapsed().as_secs_f64()
            );
        }
        if d >= docs {
            break;
        }
    }
    for w in workers {
        w.await.expect("phone task");
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss, hwm) = memory(pid);
    let db = std::fs::metadata(server.data_dir().join("baocao.db"))
        .map(|m| m.len())
        .unwrap_or(0)
        + std::fs::metadata(server.data_dir().join("baocao.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    // Spot check: a fresh phone fetches a sample of the documents back.
    let sample: Vec<_> = (0..docs)
        .step_by((docs / 200).max(1))
        .map(|i| ReportKey::new("bao-ve-tre-em", &format!("xa-{i:06}"), "2025-H1").document_id())
        .collect();
    let mut reader = NativeClient::new("reader", child_protection_template());
    reader.connect(&ws).await.expect("connect");
    for id in &sample {
        reader.open(*id).await;
    }
    reader
        .sync_until_acked(&sample, Duration::from_secs(120))
        .await
        .expect("sample fetched");
    let listed = sample
        .iter()
        .filter(|id| !reader.heads(id).is_empty())
        .count();
    reader.disconnect().await;
    println!(
        "{{\"docs\":{docs},\"sample_ok\":\"{listed}/{}\",\"seconds\":{elapsed:.1},\"docs_per_s\":{:.0},\
         \"rss_start_mb\":{rss0:.1},\"rss_end_mb\":{rss:.1},\"rss_peak_sampled_mb\":{peak_seen:.1},\
         \"vm_hwm_mb\":{hwm:.1},\"db_bytes\":{db}}}",
        sample.len(),
        docs as f64 / elapsed
    );
}
