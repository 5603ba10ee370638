//! A bad-link relay for benchmarks: `link-emu --listen 127.0.0.1:4000 --to
//! 127.0.0.1:8080 --profile 2g` relays TCP connections through an emulated
//! 2G link (600 ms round trip, 100 kbit/s, 3 % loss; see `baocao_tests::link`)
//! until killed. Prints the relayed byte counts on SIGTERM/ctrl-c.

use baocao_tests::link::{Link, LinkSpec};
use std::time::Duration;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(listen), Some(to)) = (get("--listen"), get("--to")) else {
        eprintln!(
            "usage: link-emu --listen HOST:PORT --to HOST:PORT [--profile 2g] \
             [--delay-ms N] [--rate-kbit N] [--loss P] [--seed N]"
        );
        std::process::exit(2);
    };
    let seed = get("--seed").and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut spec = match get("--profile").as_deref() {
        Some("2g") | None => LinkSpec::slow_2g(seed),
        Some(other) => {
            eprintln!("unknown profile {other}");
            std::process::exit(2);
        }
    };
    if let Some(ms) = get("--delay-ms").and_then(|s| s.parse().ok()) {
        spec.delay = Duration::from_millis(ms);
    }
    if let Some(kbit) = get("--rate-kbit").and_then(|s| s.parse::<u64>().ok()) {
        spec.rate_bps = Some(kbit * 1000);
    }
    if let Some(p) = get("--loss").and_then(|s| s.parse().ok()) {
        spec.loss = p;
    }
    let link = Link::start_on(&listen, to.clone(), spec.clone()).await;
    eprintln!("link-emu: {listen} -> {to} {spec:?}");
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("signal handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    let (up, down) = link.bytes();
    println!("{{\"up\":{up},\"down\":{down}}}");
}
