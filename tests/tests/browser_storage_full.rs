//! Must-show 2: the phone's storage is full. localStorage is filled until the
//! browser refuses a write; the officer edits a report: the app says the phone
//! refused to store it, and what was entered before is intact after a reload.
//! Then space is freed with the page still open: the app stores the pending
//! edit by itself, the message goes away, and a reload finds both edits.
//!
//! The server is stopped first, so the edit has nowhere to go but the phone.
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use std::time::Duration;

const OFFICER: &str = "cb-ba-dinh";
const UNIT: &str = "ba-dinh";

/// Fills localStorage with filler keys (outside the app's `baocao/` names),
/// halving the chunk until not even one character fits; returns the name of
/// the error the browser threw.
const FILL_STORAGE: &str = r#"(() => {
  let size = 1 << 20, n = 0, error = "none";
  while (size >= 1) {
    try { localStorage.setItem("filler/" + n++, "x".repeat(size)); }
    catch (e) { error = e.name; size = Math.floor(size / 2); }
  }
  return error;
})()"#;

const FREE_STORAGE: &str = r#"(() => {
  Object.keys(localStorage).filter((k) => k.startsWith("filler/"))
    .forEach((k) => localStorage.removeItem(k));
  return true;
})()"#;

/// Characters (keys and values) stored under keys starting with `prefix`.
fn stored_chars(prefix: &str) -> String {
    format!(
        "Object.keys(localStorage).filter((k) => k.startsWith('{prefix}'))\
         .reduce((n, k) => n + k.length + localStorage.getItem(k).length, 0)"
    )
}

const MESSAGE_SHOWN: &str = "document.querySelector('[data-testid=storage-error]') !== null";

#[tokio::test]
async fn a_full_phone_says_so_and_loses_nothing_already_stored() {
    baocao_tests::browser::require_built_client();
    let mut server = TestServer::start().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world.goto(&format!("{}/", server.url())).await;
    world.click(&format!("[data-testid=user-{OFFICER}]")).await;
    world.open_report_from_server(UNIT).await;
    world.fill("[data-testid=field-officers]", "7").await;
    world
        .wait_until(
            "the first edit is on the server",
            QUICK,
            "document.querySelector('[data-testid=report-sync-state]')?.dataset.state === 'server'",
        )
        .await;
    world.wait_controlled().await;
    server.stop().await;

    // How many reports of this size the budget holds (the README quotes it).
    let doc = shared::ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1").document_id();
    let report_chars: f64 = world
        .eval(&stored_chars(&format!("baocao/doc/{doc}")))
        .await;
    assert!(
        report_chars > 0.0,
        "the report is stored under baocao/doc/{doc}"
    );

    // The phone is full.
    let refused: String = world.eval(FILL_STORAGE).await;
    assert_eq!(refused, "QuotaExceededError");
    let budget: f64 = world.eval(&stored_chars("")).await;
    println!(
        "localStorage: a demo report takes {report_chars} characters; the budget is \
         {budget} characters: {:.0} such reports",
        budget / report_chars
    );

    // An edit now cannot be stored: the app says so, clearly, in Vietnamese.
    world.fill("[data-testid=field-collaborators]", "9").await;
    world
        .wait_until("the storage message is shown", QUICK, MESSAGE_SHOWN)
        .await;
    let message: String = world
        .eval("document.querySelector('[data-testid=storage-error]').innerText")
        .await;
    assert!(
        message.contains("Máy không cho lưu thêm"),
        "message: {message}"
    );

    // Earlier content is intact after a reload, with the storage still full.
    world.reload().await;
    world
        .wait_until(
            "the earlier edit is still there",
            QUICK,
            "document.querySelector('[data-testid=field-officers]')?.value === '7'",
        )
        .await;

    // Edit again; then space appears with the page open: the app stores the
    // edit by itself and the message goes away.
    world.fill("[data-testid=field-collaborators]", "9").await;
    world
        .wait_until("the storage message is shown again", QUICK, MESSAGE_SHOWN)
        .await;
    let _: bool = world.eval(FREE_STORAGE).await;
    world
        .wait_until(
            "the message goes once the edit is stored",
            Duration::from_secs(30),
            &format!("!({MESSAGE_SHOWN})"),
        )
        .await;
    world.reload().await;
    world
        .wait_until(
            "both edits are on the phone after a reload",
            QUICK,
            "document.querySelector('[data-testid=field-officers]')?.value === '7' && \
             document.querySelector('[data-testid=field-collaborators]')?.value === '9'",
        )
        .await;
    world.close().await;
}
