//! Regenerates the README's screenshots in `docs/screenshots/`: the report
//! list, the form, the sync status (an edit made offline) and the district's
//! completeness page, at 360×640 (phone) and 1280×800 (desktop).
//!
//! Ignored by default (it writes into the repository):
//! `cargo test -p baocao-tests --test screenshots -- --ignored`
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};

#[tokio::test]
#[ignore = "writes docs/screenshots/; run on purpose"]
async fn screenshots() {
    let out = baocao_tests::repo_root().join("docs/screenshots");
    std::fs::create_dir_all(&out).expect("docs/screenshots");
    let mut server = TestServer::start().await;
    // Each run types a different number, so its edit is a change.
    for (name, screen, officers) in [
        ("phone", Screen::PHONE, "3"),
        ("desktop", Screen::DESKTOP, "4"),
    ] {
        let profile = tempfile::tempdir().expect("profile dir");
        let world = World::launch(profile.path(), screen).await;
        let shot = |what: &str| out.join(format!("{what}-{name}.png"));

        world.goto(&format!("{}/", server.url())).await;
        world.click("[data-testid=user-cb-ba-dinh]").await;
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

        // The district reviewer's completeness page.
        world.goto(&format!("{}/", server.url())).await;
        world.click("[data-testid=user-huyen-bato]").await;
        world.click("[data-testid=district-page]").await;
        world.wait_for("[data-testid=completeness]").await;
        let _: bool = world
            .eval("(() => { document.querySelector('[data-testid=completeness]').scrollIntoView({ block: 'center' }); return true; })()")
            .await;
        world.screenshot(&shot("district")).await;
        world.close().await;
    }
    server.stop().await;
}
