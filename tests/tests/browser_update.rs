//! A new version of the app never lands in the middle of an edit: the new
//! service worker installs in the background and waits; the open page keeps
//! its shell (even across a reload); the next start — the browser closed and
//! opened again — runs the new version and drops the old cache.
//!
//! The "new version" is the built app with its service worker's build stamp
//! changed and a marker in `index.html`, served from a copy of `client/dist`.
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.

use baocao_tests::TestServer;
use baocao_tests::browser::{QUICK, Screen, World};
use std::path::Path;

const MARKER: &str = "<meta name=\"baocao-test-build\" content=\"next\">";
const HAS_MARKER: &str = "document.querySelector('meta[name=baocao-test-build]') !== null";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Turns the copy into the next version: a new build stamp for the service
/// worker (a new cache) and a marker in the page. Their precompressed copies
/// go, so the server sends the edited files.
fn next_version(dist: &Path) {
    let sw = dist.join("sw.js");
    let text = std::fs::read_to_string(&sw).expect("sw.js");
    let stamp = text
        .lines()
        .find_map(|l| l.strip_prefix("const BUILD = \""))
        .and_then(|rest| rest.split('"').next())
        .expect("a build stamp in sw.js")
        .to_string();
    std::fs::write(&sw, text.replace(&stamp, &format!("{stamp}-next"))).expect("write sw.js");
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index).expect("index.html");
    std::fs::write(
        &index,
        html.replace("<head>", &format!("<head>\n  {MARKER}")),
    )
    .expect("write index.html");
    for f in ["sw.js.br", "sw.js.gz", "index.html.br", "index.html.gz"] {
        let _ = std::fs::remove_file(dist.join(f));
    }
}

async fn cache_names(world: &World) -> Vec<String> {
    world
        .eval("caches.keys().then((keys) => keys.filter((k) => k.startsWith('baocao-shell-')))")
        .await
}

#[tokio::test]
async fn a_new_version_waits_for_the_next_start() {
    let built = baocao_tests::repo_root().join("client/dist");
    baocao_tests::browser::require_built_client();
    let dist = tempfile::tempdir().expect("dist copy");
    copy_dir(&built, dist.path());
    let mut server = TestServer::start().await;
    server.stop().await;
    server.set_static_dir(dist.path().to_path_buf());
    server.restart().await;

    let profile = tempfile::tempdir().expect("profile dir");
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world.goto(&format!("{}/", server.url())).await;
    world.click("[data-testid=user-cb-ba-dinh]").await;
    world.click("[data-testid=report-ba-dinh]").await;
    world.wait_controlled().await;
    let first = cache_names(&world).await;
    assert_eq!(first.len(), 1, "{first:?}");
    // The server announces the API version the app checks at start.
    let api: String = world
        .eval("fetch('/api/bootstrap').then((r) => r.headers.get('x-baocao-api'))")
        .await;
    assert_eq!(api, shared::API_VERSION.to_string());

    // The server gets the next version; the phone notices it in the background.
    next_version(dist.path());
    world
        .wait_until(
            "the new version installed and waits",
            QUICK,
            "(async () => { const r = await navigator.serviceWorker.getRegistration(); \
             await r.update(); return r.waiting !== null; })()",
        )
        .await;

    // Mid-edit: the page keeps the old shell, even across a reload.
    world.fill("[data-testid=field-officers]", "6").await;
    assert!(
        !world.eval::<bool>(HAS_MARKER).await,
        "the new shell landed mid-edit"
    );
    world.reload().await;
    world.wait_for("[data-testid=field-officers]").await;
    assert!(
        !world.eval::<bool>(HAS_MARKER).await,
        "the new shell landed on a reload"
    );
    let both = cache_names(&world).await;
    assert_eq!(both.len(), 2, "old and new shells side by side: {both:?}");

    // The next start runs the new version, with the edit, and the old cache is gone.
    world.close().await;
    let world = World::launch(profile.path(), Screen::PHONE).await;
    world
        .goto(&format!(
            "{}/report/bao-ve-tre-em/2024-H1/ba-dinh",
            server.url()
        ))
        .await;
    world
        .wait_until("the new version runs", QUICK, HAS_MARKER)
        .await;
    world
        .wait_until(
            "the edit is there",
            QUICK,
            "document.querySelector('[data-testid=field-officers]')?.value === '6'",
        )
        .await;
    world
        .wait_until(
            "only the new shell is cached",
            QUICK,
            "caches.keys().then((k) => k.filter((x) => x.startsWith('baocao-shell-')).length === 1 \
             && k.some((x) => x.endsWith('-next')))",
        )
        .await;
    world.close().await;
    server.stop().await;
}
