//! Cold start to an editable form, measured in headless Chromium with 4× CPU
//! throttling: from the network on a slow-3G profile (a fresh profile, no
//! service worker yet), and from the service worker's cache (the app was
//! opened once; the server is then stopped, so nothing can come from the
//! network). Prints the figures the README quotes; asserts nothing about
//! them (machines differ), only that the form became editable.
//!
//! `cargo test -p baocao-tests --test bench_cold_start -- --ignored --nocapture`;
//! `BAOCAO_BENCH_DISTS="new=client/dist,old=/tmp/old-dist"` measures several
//! builds side by side in one run.
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use chromiumoxide::cdp::browser_protocol::emulation::SetCpuThrottlingRateParams;
use chromiumoxide::cdp::browser_protocol::network::{
    EmulateNetworkConditionsByRuleParams, EnableParams, NetworkConditions,
};
use chromiumoxide::cdp::browser_protocol::page::AddScriptToEvaluateOnNewDocumentParams;
use std::time::Duration;

/// Records `window.__editableAt` (ms since navigation start) when the form's
/// first number box is in the page and enabled.
const WATCH: &str = r#"
  new MutationObserver((_, obs) => {
    if (window.__startAt === undefined && document.body && !document.getElementById('loading')
        && document.readyState !== 'loading') {
      window.__startAt = performance.now();
    }
    const box = document.querySelector('[data-testid=field-officers]');
    if (box && !box.disabled && window.__editableAt === undefined) {
      window.__editableAt = performance.now();
      obs.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
"#;

/// Chrome DevTools' "Slow 3G" preset: 2 000 ms latency and 50 000 bytes/s
/// (500 kbit/s × 0.8) each way.
/// (An empty URL pattern applies to every request.)
fn slow_3g() -> EmulateNetworkConditionsByRuleParams {
    EmulateNetworkConditionsByRuleParams::new(
        false,
        vec![NetworkConditions::new("", 2000.0, 50_000.0, 50_000.0)],
    )
}

/// Browser starts from the cache, one after the other.
const STARTS_FROM_CACHE: usize = 4;

async fn throttle(world: &World, network: bool) {
    let page = world.page();
    page.execute(SetCpuThrottlingRateParams::new(4.0))
        .await
        .expect("CPU throttling");
    if network {
        page.execute(EnableParams::default())
            .await
            .expect("Network.enable");
        page.execute(slow_3g()).await.expect("slow 3G");
    }
    page.execute(AddScriptToEvaluateOnNewDocumentParams::new(WATCH))
        .await
        .expect("watch script");
}

async fn editable_after(world: &World, url: &str) -> f64 {
    world.goto(url).await;
    world
        .wait_until(
            "the form is editable",
            Duration::from_secs(120),
            "window.__editableAt !== undefined",
        )
        .await;
    let phases: String = world
        .eval(
            "JSON.stringify({ started: Math.round(window.__startAt), \
               resources: performance.getEntriesByType('resource').map(r => \
                 [r.name.split('/').pop().slice(0, 24), Math.round(r.startTime), Math.round(r.responseEnd)]) })",
        )
        .await;
    println!("  phases: {phases}");
    world.eval("window.__editableAt").await
}

/// The builds to measure: `BAOCAO_BENCH_DISTS="name=dir,name=dir"` (for a
/// side-by-side run of two builds, e.g. this one and an older one built into
/// another folder), else `client/dist` alone.
fn builds() -> Vec<(String, Option<std::path::PathBuf>)> {
    match std::env::var("BAOCAO_BENCH_DISTS") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(|item| {
                let (name, dir) = item
                    .split_once('=')
                    .expect("BAOCAO_BENCH_DISTS items are name=dir");
                (name.to_string(), Some(std::path::PathBuf::from(dir)))
            })
            .collect(),
        _ => vec![("this build".to_string(), None)],
    }
}

/// One start from the network (fresh profile, slow 3G) and
/// [`STARTS_FROM_CACHE`] starts from the service worker's cache.
async fn measure(dist: Option<std::path::PathBuf>) -> (f64, Vec<f64>) {
    let mut server = TestServer::start().await;
    if let Some(dist) = dist {
        server.stop().await;
        server.set_static_dir(dist);
        server.restart().await;
    }
    let report = format!("{}/report/bao-ve-tre-em/2024-H1/ba-dinh", server.url());
    let profile = tempfile::tempdir().expect("profile dir");

    // From the network: fresh profile, slow 3G, 4× CPU. The officer is
    // chosen beforehand from a page of the same origin that loads none of the
    // app (so neither the HTTP cache nor a service worker holds any of it).
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world.goto(&format!("{}/api/health", server.url())).await;
    let _: bool = world
        .eval("(() => { localStorage.setItem('baocao/user', JSON.stringify('cb-ba-dinh')); return true; })()")
        .await;
    throttle(&world, true).await;
    let network_ms = editable_after(&world, &report).await;
    world
        .wait_until(
            "the service worker controls the page",
            QUICK * 3,
            "navigator.serviceWorker.controller !== null",
        )
        .await;
    world.close().await;

    // From the service worker's cache: same profile, server stopped, 4× CPU,
    // a new browser each time; several starts, as one alone is noisy.
    server.stop().await;
    let profiling = std::env::var_os("BAOCAO_PROFILE").is_some();
    let mut cache_ms = Vec::new();
    for start in 0..STARTS_FROM_CACHE {
        let world = World::launch(profile.path(), Screen::PHONE).await;
        throttle(&world, false).await;
        if profiling && start == 0 {
            profile::start(&world).await;
        }
        cache_ms.push(editable_after(&world, &report).await);
        if profiling && start == 0 {
            profile::stop_and_print(&world).await;
        }
        world.close().await;
    }
    (network_ms, cache_ms)
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[tokio::test]
#[ignore = "a measurement, not a check; run on purpose"]
async fn cold_start_to_an_editable_form() {
    let mut results = Vec::new();
    for (name, dist) in builds() {
        println!("measuring {name}");
        results.push((name, measure(dist).await));
    }
    println!("cold start to an editable form, 4x CPU throttling:");
    for (name, (network_ms, cache_ms)) in &results {
        println!("{name}:");
        println!("  from the network, slow 3G:     {network_ms:>7.0} ms");
        for (i, ms) in cache_ms.iter().enumerate() {
            println!(
                "  from the service worker cache: {ms:>7.0} ms (start {})",
                i + 1
            );
        }
        println!(
            "  from the service worker cache: median {:.0} ms",
            median(cache_ms)
        );
    }
}

/// With `BAOCAO_PROFILE=1`: a CPU profile of the start from the cache, as
/// self time per function (build the client with a name section to see Rust
/// function names).
mod profile {
    use super::World;
    use chromiumoxide::cdp::js_protocol::profiler::{
        EnableParams, SetSamplingIntervalParams, StartParams, StopParams,
    };
    use std::collections::HashMap;

    pub(super) async fn start(world: &World) {
        let page = world.page();
        page.execute(EnableParams::default())
            .await
            .expect("Profiler.enable");
        page.execute(SetSamplingIntervalParams::new(200))
            .await
            .expect("sampling interval");
        page.execute(StartParams::default())
            .await
            .expect("Profiler.start");
    }

    pub(super) async fn stop_and_print(world: &World) {
        let profile = world
            .page()
            .execute(StopParams::default())
            .await
            .expect("Profiler.stop")
            .result
            .profile;
        let names: HashMap<i64, String> = profile
            .nodes
            .iter()
            .map(|n| {
                let f = &n.call_frame;
                let file = f.url.rsplit('/').next().unwrap_or("").to_string();
                (n.id, format!("{} [{}]", f.function_name, file))
            })
            .collect();
        let mut self_us: HashMap<&str, i64> = HashMap::new();
        let samples = profile.samples.unwrap_or_default();
        let deltas = profile.time_deltas.unwrap_or_default();
        for (id, dt) in samples.iter().zip(deltas.iter().skip(1).chain([&0])) {
            *self_us.entry(names[id].as_str()).or_default() += dt;
        }
        let mut rows: Vec<_> = self_us.into_iter().collect();
        rows.sort_by_key(|(_, us)| -us);
        println!("  self time (ms), start from the cache:");
        for (name, us) in rows.iter().take(40) {
            println!(
                "  {:>7.1}  {}",
                *us as f64 / 1000.0,
                name.chars().take(140).collect::<String>()
            );
        }
    }
}
