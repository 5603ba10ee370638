//! Province scale on PostgreSQL (issue 7, must-show 3): `province-bench
//! --communes 10000` builds a province of that many communes (100 per
//! district), uploads one report per commune through the sync protocol —
//! once through one server replica, once through two replicas on one
//! database — and times the province-wide figures, which come from the
//! projection. Starts its own PostgreSQL cluster (durable settings) and uses
//! `target/release/baocao` (or `$BAOCAO_BIN`).

use baocao_tests::bench::{arg, upload_reports};
use baocao_tests::{TestServer, pg, repo_root};
use shared::ReportKey;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const PERIOD: &str = "2025-H1";

fn commune(i: usize) -> String {
    format!("xa-{i:05}")
}

/// Writes the province's org units into the database with `baocao import`.
fn import_province(binary: &PathBuf, url: &str, communes: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut csv = String::from("id,name,kind,parent\ntinh,Tỉnh Thử,province,\n");
    for d in 0..communes.div_ceil(100) {
        csv.push_str(&format!("huyen-{d:03},Huyện {d},district,tinh\n"));
    }
    for i in 0..communes {
        csv.push_str(&format!(
            "{},Xã {i},commune,huyen-{:03}\n",
            commune(i),
            i / 100
        ));
    }
    let file = dir.path().join("units.csv");
    std::fs::write(&file, csv).expect("write units.csv");
    let out = std::process::Command::new(binary)
        .args(["import", "--org-units"])
        .arg(&file)
        .arg("--data-dir")
        .arg(dir.path())
        .env("BAOCAO_DATABASE_URL", url)
        .output()
        .expect("baocao import");
    assert!(
        out.status.success(),
        "import: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One phone: fills `count` reports offline, connects, waits for the
/// server's acknowledgement of every one.
/// One phone uploading the reports of communes `first..first + count`.
async fn phone(ws: String, first: usize, count: usize) {
    let keys: Vec<ReportKey> = (first..first + count)
        .map(|i| ReportKey::new("bao-ve-tre-em", &commune(i), PERIOD))
        .collect();
    upload_reports(&ws, &format!("phone-{first}"), &keys).await;
}

/// Uploads one report per commune, phones spread over the replicas; returns
/// the wall time.
async fn upload(
    replicas: &[TestServer],
    communes: usize,
    per_phone: usize,
    parallel: usize,
) -> f64 {
    let urls: Vec<String> = replicas.iter().map(TestServer::ws_url).collect();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..parallel {
        let (next, ws) = (next.clone(), urls[w % urls.len()].clone());
        workers.push(tokio::spawn(async move {
            loop {
                let first = next.fetch_add(per_phone, Ordering::SeqCst);
                if first >= communes {
                    return;
                }
                phone(ws.clone(), first, per_phone.min(communes - first)).await;
            }
        }));
    }
    for w in workers {
        w.await.expect("phone task");
    }
    started.elapsed().as_secs_f64()
}

/// Times the province figures `reps` times; checks them; returns the times.
async fn province_figures(server: &TestServer, communes: usize, reps: usize) -> Vec<f64> {
    let path = format!("/api/figures?template=bao-ve-tre-em&period={PERIOD}&unit=tinh");
    let mut times = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        let f = server.api_get(&path).await;
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(f["reporting_units"], communes, "{f}");
        let officers = f["figures"].to_string();
        assert!(
            officers.contains(&(2 * communes).to_string()),
            "officers add up to {}: {officers}",
            2 * communes
        );
    }
    times
}

#[tokio::main]
async fn main() {
    let communes = arg("--communes", 10_000);
    let per_phone = arg("--per-phone", 250);
    let parallel = arg("--parallel", 8);
    let binary = std::env::var("BAOCAO_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("target/release/baocao"));
    assert!(
        binary.exists(),
        "{} is missing: cargo build --release -p baocao-server",
        binary.display()
    );
    let cluster = pg::Cluster::start(true);
    eprintln!(
        "province-bench: {communes} communes, {per_phone} reports per phone, {parallel} phones at a time"
    );
    let mut lines = Vec::new();
    for replicas in [1, 2] {
        let url = cluster.create_database();
        let t = Instant::now();
        import_province(&binary, &url, communes);
        eprintln!("  org units imported in {:.1} s", t.elapsed().as_secs_f64());
        let mut servers = Vec::new();
        for _ in 0..replicas {
            servers.push(TestServer::start_binary_on_postgres(binary.clone(), &url).await);
        }
        let secs = upload(&servers, communes, per_phone, parallel).await;
        let rate = communes as f64 / secs;
        let line = format!(
            "upload, {replicas} replica(s): {communes} reports in {secs:.1} s = {rate:.0} reports/s"
        );
        eprintln!("  {line}");
        lines.push(line);
        let mut times = province_figures(&servers[0], communes, 5).await;
        times.sort_by(f64::total_cmp);
        let line = format!(
            "province figures over {communes} reports ({replicas} replica(s) wrote them): median {:.3} s, max {:.3} s (5 requests)",
            times[times.len() / 2],
            times[times.len() - 1]
        );
        eprintln!("  {line}");
        lines.push(line);
    }
    for l in lines {
        println!("{l}");
    }
}
