//! Must-show 1 and 2 in a real browser (headless Chromium): an officer edits a
//! report; the server goes away; the app still opens — from its service
//! worker — with the edit there, and takes another edit; the server comes
//! back on the same port and, with no click, both edits reach it and the page
//! says the report is on the server.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.
//! Chromium is `/usr/bin/chromium` unless `$CHROMIUM` says otherwise.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use shared::ReportKey;
use std::time::Duration;
/// Upper bound for reconnection: the client backs off up to 15 s between attempts.
const RECONNECT: Duration = Duration::from_secs(60);

const OFFICER: &str = "cb-ba-dinh";
const UNIT: &str = "ba-dinh";

#[tokio::test]
async fn edits_survive_a_server_outage_and_reach_it_without_a_click() {
    baocao_tests::browser::require_built_client();
    let mut server = TestServer::start().await;
    let key = ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1");
    let doc = key.document_id();
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;

    // Online: pick the commune officer, open the report, edit one figure.
    world.goto(&format!("{}/", server.url())).await;
    world.click(&format!("[data-testid=user-{OFFICER}]")).await;
    world.open_report_from_server(UNIT).await;
    world.fill("[data-testid=field-officers]", "7").await;
    server
        .wait_for_number(None, &doc, "officers", 7, QUICK)
        .await;
    world
        .wait_until(
            "the page says the first edit is on the server",
            QUICK,
            &check::doc_state_is("server"),
        )
        .await;
    world.wait_controlled().await;

    // Offline: the server is gone; the app opens from the service worker.
    server.stop().await;
    world.reload().await;
    world
        .wait_until(
            "the form rendered from the phone's copy",
            QUICK,
            "document.querySelector('[data-testid=field-officers]')?.value === '7'",
        )
        .await;
    world.fill("[data-testid=field-collaborators]", "9").await;
    world
        .wait_until(
            "the page says the report is only on this phone",
            QUICK,
            &format!(
                "{} && {}",
                check::doc_state_is("local"),
                "document.querySelector('[data-testid=sync-status]').dataset.state === 'local'"
            ),
        )
        .await;

    // Back online, same port: no click; the loop reconnects by itself.
    server.restart().await;
    server
        .wait_for_number(None, &doc, "collaborators", 9, RECONNECT)
        .await;
    server
        .wait_for_number(None, &doc, "officers", 7, QUICK)
        .await;
    world
        .wait_until(
            "the page says the report is on the server",
            QUICK,
            &check::doc_state_is("server"),
        )
        .await;
    let status: String = world
        .eval("document.querySelector('[data-testid=sync-status]').innerText")
        .await;
    assert!(
        status.contains("Đã lên máy chủ lúc"),
        "global status: {status}"
    );

    world.close().await;
    server.stop().await;
}

/// Page conditions, as JavaScript expressions.
mod check {
    /// The report's own sync badge is in `state` (local | syncing | server).
    pub(crate) fn doc_state_is(state: &str) -> String {
        format!(
            "document.querySelector('[data-testid=report-sync-state]')?.dataset.state === '{state}'"
        )
    }
}
