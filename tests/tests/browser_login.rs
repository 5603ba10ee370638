//! Issue 4, must-show 3, in headless Chromium at phone size, against a server
//! with accounts (as in production) and its Content-Security-Policy:
//! the officer logs in online, edits; the server goes away; the app reopens
//! from its service worker still logged in and takes more edits; meanwhile an
//! administrator expires the officer's sessions; the server comes back: the
//! app says sync needs a login and keeps the edits; the officer logs in again
//! and the offline edits reach the server. Then logout: with an unsynced edit
//! it warns first (and staying keeps the edit); once everything is on the
//! server it removes the user's data from the phone.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use shared::ReportKey;
use std::time::Duration;

/// Upper bound for reconnection: the client backs off up to 15 s between attempts.
const RECONNECT: Duration = Duration::from_secs(60);
const OFFICER: &str = "cb-ba-dinh";
const UNIT: &str = "ba-dinh";
const REVIEWER: &str = "huyen-bato";
const PASSWORD: &str = "baocao-demo";

#[tokio::test]
async fn offline_edits_wait_for_a_new_login_and_then_reach_the_server() {
    baocao_tests::browser::require_built_client();
    let mut server = TestServer::start_with_accounts().await;
    let csp = reqwest::get(server.url())
        .await
        .expect("GET /")
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"),
        "the app is served under a strict CSP, got {csp:?}"
    );
    let reviewer = server.login(REVIEWER, PASSWORD).await;
    let doc = ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1").document_id();
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;

    // A wrong password is refused with a message; the right one opens the list.
    world.goto(&format!("{}/", server.url())).await;
    world.fill("[data-testid=login-user]", OFFICER).await;
    world.fill("[data-testid=login-password]", "wrong").await;
    world.click("[data-testid=login-submit]").await;
    world.wait_for("[data-testid=login-error]").await;
    world.fill("[data-testid=login-password]", PASSWORD).await;
    world.click("[data-testid=login-submit]").await;
    world
        .wait_for(&format!("[data-testid=report-{UNIT}]"))
        .await;
    // The login screen is gone, not left above the list (screens replace
    // each other whole, nested parts included).
    let leftover: bool = world
        .eval("document.querySelector('[data-testid=login-form]') !== null")
        .await;
    assert!(!leftover, "the login form stays on the report list");
    world.open_report_from_server(UNIT).await;
    world.fill("[data-testid=field-officers]", "7").await;
    server
        .wait_for_number(Some(&reviewer), &doc, "officers", 7, QUICK)
        .await;
    world.wait_controlled().await;

    // Offline: the app opens from the service worker, still logged in.
    server.stop().await;
    world.reload().await;
    world
        .wait_until(
            "the form rendered from the phone's copy, without a login",
            QUICK,
            "document.querySelector('[data-testid=field-officers]')?.value === '7'",
        )
        .await;
    world.fill("[data-testid=field-collaborators]", "9").await;

    // An administrator ends the officer's sessions while the phone is away.
    let (ok, out, err) = server.admin(&["user", "expire-sessions", "--id", OFFICER], None);
    assert!(ok, "expire-sessions failed: {out} {err}");

    // Back online: sync says it needs a login; nothing typed is lost.
    server.restart().await;
    world
        .wait_until(
            "the app says sync needs a login",
            RECONNECT,
            "document.querySelector('[data-testid=login-required]') !== null \
             && document.querySelector('[data-testid=sync-status] [data-link]')?.dataset.link === 'login'",
        )
        .await;
    assert_eq!(
        world.value_of("[data-testid=field-collaborators]").await,
        "9"
    );
    let (_, body) = server
        .get_json_as(&reviewer, &format!("/api/reports/{doc}"))
        .await;
    assert_ne!(
        body["fields"]["collaborators"].as_i64(),
        Some(9),
        "an expired session must not sync"
    );

    // The officer logs in again: the offline edit goes through.
    world.click("[data-testid=login-again]").await;
    world
        .wait_until(
            "the login form remembers who was logged in",
            QUICK,
            &format!("document.querySelector('[data-testid=login-user]')?.value === '{OFFICER}'"),
        )
        .await;
    world.fill("[data-testid=login-password]", PASSWORD).await;
    world.click("[data-testid=login-submit]").await;
    server
        .wait_for_number(Some(&reviewer), &doc, "collaborators", 9, RECONNECT)
        .await;
    server
        .wait_for_number(Some(&reviewer), &doc, "officers", 7, QUICK)
        .await;
    world
        .wait_until(
            "the alert is gone and everything is on the server",
            QUICK,
            "document.querySelector('[data-testid=login-required]') === null \
             && document.querySelector('[data-testid=sync-status]').dataset.state === 'server'",
        )
        .await;

    // Logout with an edit the server does not have: a warning, and staying keeps it.
    server.stop().await;
    world.click(&format!("[data-testid=report-{UNIT}]")).await;
    world.fill("[data-testid=field-officers]", "8").await;
    world.goto(&format!("{}/reports", server.url())).await;
    world.click("[data-testid=logout]").await;
    world.wait_for("[data-testid=logout-warning]").await;
    world.click("[data-testid=logout-stay]").await;
    server.restart().await;
    server
        .wait_for_number(Some(&reviewer), &doc, "officers", 8, RECONNECT)
        .await;

    // Everything on the server: logout removes the user's data from the phone.
    world
        .wait_until(
            "the phone knows the server has everything",
            QUICK,
            "document.querySelector('[data-testid=sync-status]').dataset.state === 'server'",
        )
        .await;
    world.click("[data-testid=logout]").await;
    world.wait_for("[data-testid=login-form]").await;
    let left: usize = world
        .eval(
            "Object.keys(localStorage).filter(k => k.startsWith('baocao/doc/') \
             || k === 'baocao/login').length",
        )
        .await;
    assert_eq!(left, 0, "logout leaves no documents and no login behind");

    world.close().await;
    server.stop().await;
}

/// Wrong passwords slow the guesser down (the server throttles per account
/// and address): the form then says how long to wait, from the server's
/// `Retry-After`, instead of a vague "a few minutes".
#[tokio::test]
async fn repeated_wrong_passwords_say_how_long_to_wait() {
    baocao_tests::browser::require_built_client();
    let mut server = TestServer::start_with_accounts().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world.goto(&server.url()).await;
    world.fill("[data-testid=login-user]", OFFICER).await;
    let says_wait = "/thử lại sau \\d+ giây/.test(document.querySelector('[data-testid=login-error]')?.textContent ?? '')";
    // A few wrong passwords are free; a bounded number of tries reaches the wait.
    let mut throttled = false;
    for _ in 0..8 {
        world.fill("[data-testid=login-password]", "wrong").await;
        world.click("[data-testid=login-submit]").await;
        world.wait_for("[data-testid=login-error]").await;
        world
            .wait_until(
                "the login answered",
                QUICK,
                "!document.querySelector('[data-testid=login-submit]')?.disabled",
            )
            .await;
        if world.eval::<bool>(says_wait).await {
            throttled = true;
            break;
        }
    }
    let text: String = world
        .eval("document.querySelector('[data-testid=login-error]')?.textContent ?? ''")
        .await;
    assert!(throttled, "no wait said after 8 wrong passwords: {text:?}");
    world.close().await;
    server.stop().await;
}
