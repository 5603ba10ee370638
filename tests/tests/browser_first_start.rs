//! The app opened for the very first time on a phone (headless Chromium, a
//! fresh profile): it asks the server nothing in anyone's name before
//! someone uses it — no `/api/bootstrap` answered with 401, no `/sync`
//! socket that fails, nothing red in the console — and once the officer
//! logs in (or, on a server without accounts, picks herself) the directory
//! arrives and sync runs.
//!
//! The page's `fetch` and `WebSocket` are wrapped by a script injected
//! before the app loads, which notes every URL they are given; the
//! browser's own resource timing and console log are read as well.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use chromiumoxide::cdp::browser_protocol::log::{EnableParams, EventEntryAdded};
use chromiumoxide::cdp::browser_protocol::page::AddScriptToEvaluateOnNewDocumentParams;
use futures_util::StreamExt;
use shared::ReportKey;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const OFFICER: &str = "cb-ba-dinh";
const REVIEWER: &str = "huyen-bato";
const PASSWORD: &str = "baocao-demo";
const UNIT: &str = "ba-dinh";
/// Long enough for the start-up requests of the app before this fix (the
/// directory fetch and the first dial happen at once).
const SETTLE: Duration = Duration::from_secs(3);

/// Notes every URL given to `fetch` and `WebSocket` in `window.__seen`.
const RECORDER: &str = r#"(() => {
  const seen = [];
  window.__seen = seen;
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    seen.push("fetch " + (typeof input === "string" ? input : input.url));
    return realFetch.apply(this, arguments);
  };
  const RealSocket = window.WebSocket;
  function Recorded(url, protocols) {
    seen.push("ws " + url);
    return protocols === undefined ? new RealSocket(url) : new RealSocket(url, protocols);
  }
  Recorded.prototype = RealSocket.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Recorded[k] = RealSocket[k];
  window.WebSocket = Recorded;
})()"#;

/// A fresh browser with the recorder installed, and the console log collected.
async fn fresh_phone(profile: &std::path::Path) -> (World, Arc<Mutex<Vec<String>>>) {
    let world = World::launch(profile, Screen::PHONE).await;
    world
        .page()
        .evaluate_on_new_document(AddScriptToEvaluateOnNewDocumentParams::new(RECORDER))
        .await
        .expect("install the recorder");
    let console = Arc::new(Mutex::new(Vec::new()));
    let mut entries = world
        .page()
        .event_listener::<EventEntryAdded>()
        .await
        .expect("log events");
    world
        .page()
        .execute(EnableParams::default())
        .await
        .expect("Log.enable");
    let sink = console.clone();
    tokio::spawn(async move {
        while let Some(e) = entries.next().await {
            let line = format!("{:?} {}", e.entry.level, e.entry.text);
            sink.lock().expect("console lock").push(line);
        }
    });
    (world, console)
}

/// What the page gave `fetch` and `WebSocket` so far.
async fn seen(world: &World) -> Vec<String> {
    world.eval("window.__seen ?? []").await
}

/// Resource timing entries whose URL contains `part`.
async fn resources(world: &World, part: &str) -> Vec<String> {
    world
        .eval(&format!(
            "performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('{part}'))"
        ))
        .await
}

fn any(list: &[String], part: &str) -> bool {
    list.iter().any(|s| s.contains(part))
}

#[tokio::test]
async fn before_the_first_login_nothing_is_asked_in_anyones_name() {
    baocao_tests::browser::require_built_client();
    let server = TestServer::start_with_accounts().await;
    let reviewer = server.login(REVIEWER, PASSWORD).await;
    let doc = ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1").document_id();
    let profile = tempfile::tempdir().expect("profile dir");
    let (world, console) = fresh_phone(profile.path()).await;

    world.goto(&format!("{}/", server.url())).await;
    world.wait_for("[data-testid=login-form]").await;
    tokio::time::sleep(SETTLE).await;
    let before = seen(&world).await;
    assert!(
        any(&before, "fetch /pkg/"),
        "the recorder sees the app's requests: {before:?}"
    );
    assert!(
        !any(&before, "/api/bootstrap") && !any(&before, "/sync"),
        "asked before a login: {before:?}"
    );
    assert!(
        any(&before, "/api/health"),
        "the app asked whether to show the login: {before:?}"
    );
    assert!(resources(&world, "/api/bootstrap").await.is_empty());
    {
        let log = console.lock().expect("console lock");
        assert!(
            !log.iter()
                .any(|l| l.contains("401") || l.contains("WebSocket")),
            "the console before a login: {log:?}"
        );
    }

    // The login: the directory comes, the socket opens, edits reach the server.
    world.log_in(OFFICER, PASSWORD).await;
    world
        .wait_for(&format!("[data-testid=report-{UNIT}]"))
        .await;
    world
        .wait_until(
            "the app opened the sync socket",
            QUICK,
            "(window.__seen ?? []).some(s => s.startsWith('ws ') && s.includes('/sync?token='))",
        )
        .await;
    assert!(any(&seen(&world).await, "/api/bootstrap"));
    world.open_report_from_server(UNIT).await;
    world.fill("[data-testid=field-officers]", "7").await;
    server
        .wait_for_number(Some(&reviewer), &doc, "officers", 7, QUICK)
        .await;
    let log = console.lock().expect("console lock").clone();
    assert!(
        !log.iter().any(|l| l.contains("401")),
        "a refusal in the console: {log:?}"
    );
    world.close().await;
}

#[tokio::test]
async fn without_accounts_sync_waits_until_a_user_is_chosen() {
    baocao_tests::browser::require_built_client();
    let server = TestServer::start().await;
    let doc = ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1").document_id();
    let profile = tempfile::tempdir().expect("profile dir");
    let (world, _console) = fresh_phone(profile.path()).await;

    // The users to choose from come from the directory: it is fetched; the
    // socket waits for a choice.
    world.goto(&format!("{}/", server.url())).await;
    world
        .wait_for(&format!("[data-testid=user-{OFFICER}]"))
        .await;
    tokio::time::sleep(SETTLE).await;
    let before = seen(&world).await;
    assert!(any(&before, "/api/bootstrap"), "{before:?}");
    assert!(!any(&before, "ws "), "a socket before a user: {before:?}");

    world.click(&format!("[data-testid=user-{OFFICER}]")).await;
    world
        .wait_until(
            "the app opened the sync socket",
            QUICK,
            "(window.__seen ?? []).some(s => s.startsWith('ws ') && s.includes('/sync'))",
        )
        .await;
    world.open_report_from_server(UNIT).await;
    world.fill("[data-testid=field-officers]", "9").await;
    server
        .wait_for_number(None, &doc, "officers", 9, QUICK)
        .await;
    world.close().await;
}
