//! Cold start to an editable form, measured in headless Chromium with 4× CPU
//! throttling: from the network on a slow-3G profile (a fresh profile, no
//! service worker yet), and from the service worker's cache (the app was
//! opened once; the server is then stopped, so nothing can come from the
//! network). Prints the figures the README quotes; asserts nothing about
//! them (machines differ), only that the form became editable.
//!
//! `cargo test -p baocao-tests --test bench_cold_start -- --ignored --nocapture`
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
            "JSON.stringify({ started: Math.round(window.__startAt), boot: Math.round(window.__bootAt), inst: Math.round(window.__instAt), startDone: Math.round(window.__startDone), \
               resources: performance.getEntriesByType('resource').map(r => \
                 [r.name.split('/').pop().slice(0, 24), Math.round(r.startTime), Math.round(r.responseEnd)]) })",
        )
        .await;
    println!("  phases: {phases}");
    world.eval("window.__editableAt").await
}

#[tokio::test]
#[ignore = "a measurement, not a check; run on purpose"]
async fn cold_start_to_an_editable_form() {
    let mut server = TestServer::start().await;
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

    // From the service worker's cache: same profile, server stopped, 4× CPU.
    server.stop().await;
    let world = World::launch(profile.path(), Screen::PHONE).await;
    throttle(&world, false).await;
    let cache_ms = editable_after(&world, &report).await;
    world.close().await;

    println!("cold start to an editable form, 4x CPU throttling:");
    println!("  from the network, slow 3G:     {network_ms:>7.0} ms");
    println!("  from the service worker cache: {cache_ms:>7.0} ms");
}
