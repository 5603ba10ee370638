//! Regenerates the README's screenshots in `docs/screenshots/`: the login,
//! the report list, the form, the sync status (an edit made offline) and the
//! district's completeness page and its consolidated report, at 360×640 (phone) and 1280×800 (desktop),
//! on a server with accounts as in production.
//!
//! Ignored by default (it writes into the repository):
//! `cargo test -p baocao-tests --test screenshots -- --ignored`
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use std::time::Duration;

const PASSWORD: &str = "baocao-demo";
/// The client backs off up to 15 s between attempts.
const RECONNECT: Duration = Duration::from_secs(60);

#[tokio::test]
#[ignore = "writes docs/screenshots/; run on purpose"]
async fn screenshots() {
    let out = baocao_tests::repo_root().join("docs/screenshots");
    std::fs::create_dir_all(&out).expect("docs/screenshots");
    let mut server = TestServer::start_with_accounts().await;
    // Each run types a different number, so its edit is a change.
    for (name, screen, officers) in [
        ("phone", Screen::PHONE, "3"),
        ("desktop", Screen::DESKTOP, "4"),
    ] {
        let profile = tempfile::tempdir().expect("profile dir");
        let world = World::launch(profile.path(), screen).await;
        let shot = |what: &str| out.join(format!("{what}-{name}.png"));

        world.goto(&format!("{}/", server.url())).await;
        world.wait_for("[data-testid=login-form]").await;
        world.screenshot(&shot("login")).await;
        world.log_in("cb-ba-dinh", PASSWORD).await;
        world.wait_for("[data-testid=report-ba-dinh]").await;
        world
            .wait_until(
                "the report's status is known",
                QUICK,
                "document.querySelector('[data-testid=report-sync-state]')?.dataset.state === 'server'",
            )
            .await;
        world.screenshot(&shot("report-list")).await;

        world.click("[data-testid=report-ba-dinh]").await;
        world
            .wait_until(
                "the report arrived",
                QUICK,
                "document.querySelector('[data-testid=field-villages]')?.value !== ''",
            )
            .await;
        world.screenshot(&shot("report-form")).await;

        // Offline edit: the status bar says where the data is.
        world.wait_controlled().await;
        server.stop().await;
        world.fill("[data-testid=field-officers]", officers).await;
        world
            .wait_until(
                "the page says the edit is only on this phone",
                QUICK,
                "document.querySelector('[data-testid=sync-status]')?.dataset.state === 'local'",
            )
            .await;
        let _: bool = world
            .eval("(() => { window.scrollTo(0, 0); return true; })()")
            .await;
        world.screenshot(&shot("sync-status")).await;
        server.restart().await;

        // The district reviewer's completeness page (once the offline edit
        // is on the server, logout leaves nothing behind).
        world.goto(&format!("{}/reports", server.url())).await;
        world
            .wait_until(
                "the offline edit reached the server",
                RECONNECT,
                "document.querySelector('[data-testid=sync-status]')?.dataset.state === 'server'",
            )
            .await;
        world.click("[data-testid=logout]").await;
        world.log_in("huyen-bato", PASSWORD).await;
        world.click("[data-testid=district-page]").await;
        world.wait_for("[data-testid=completeness]").await;
        let _: bool = world
            .eval("(() => { document.querySelector('[data-testid=completeness]').scrollIntoView({ block: 'center' }); return true; })()")
            .await;
        world.screenshot(&shot("district")).await;
        // The consolidated report: the district's own narratives beside the
        // preview of its text (clear of the sticky top bar).
        world.wait_for("[data-testid=report-preview]").await;
        let _: bool = world
            .eval("(() => { document.querySelector('[data-testid=own-narratives]').scrollIntoView({ block: 'start' }); \
                   window.scrollBy(0, -document.querySelector('header').offsetHeight - 8); return true; })()")
            .await;
        world.screenshot(&shot("district-report")).await;
        world.close().await;
    }
    server.stop().await;
}
