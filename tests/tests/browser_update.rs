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
/// go first, so the server sends the edited files; each file is replaced whole
/// (written beside it, then renamed), the page before the worker, so a fetch
/// never sees a half-written file and the new worker never caches the old page.
fn next_version(dist: &Path) {
    for f in ["sw.js.br", "sw.js.gz", "index.html.br", "index.html.gz"] {
        let _ = std::fs::remove_file(dist.join(f));
    }
    let replace = |name: &str, text: String| {
        let staged = dist.join(format!("{name}.next"));
        std::fs::write(&staged, text).expect("write the next version");
        std::fs::rename(&staged, dist.join(name)).expect("rename into place");
    };
    let html = std::fs::read_to_string(dist.join("index.html")).expect("index.html");
    replace(
        "index.html",
        html.replace("<head>", &format!("<head>\n  {MARKER}")),
    );
    let sw = std::fs::read_to_string(dist.join("sw.js")).expect("sw.js");
    let stamp = sw
        .lines()
        .find_map(|l| l.strip_prefix("const BUILD = \""))
        .and_then(|rest| rest.split('"').next())
        .expect("a build stamp in sw.js")
        .to_string();
    replace("sw.js", sw.replace(&stamp, &format!("{stamp}-next")));
}

/// Records what the registration goes through, so a failure says where the
/// update stopped (`window.__sw`).
const WATCH_REGISTRATION: &str = "(async () => { \
  const r = await navigator.serviceWorker.getRegistration(); window.__sw = []; \
  const log = (m) => window.__sw.push(Math.round(performance.now()) + ' ms: ' + m); \
  r.addEventListener('updatefound', () => { const w = r.installing; log('update found'); \
    w.addEventListener('statechange', () => log('new worker ' + w.state)); }); \
  return true; })()";

/// One update check at a time: a check starts only when no new worker is
/// installing (a check while one installs could race it), and a check that
/// failed (a fetch cut short) is tried again on the next poll.
const CHECK_FOR_UPDATE: &str = "(async () => { \
  const r = await navigator.serviceWorker.getRegistration(); \
  if (r.waiting) return true; \
  if (!r.installing) { try { await r.update(); } \
    catch (e) { window.__sw.push('update check failed: ' + e); } } \
  return r.waiting !== null; })()";

const REGISTRATION_STATE: &str = "(async () => { \
  const r = await navigator.serviceWorker.getRegistration(); \
  return JSON.stringify({ log: window.__sw, installing: r.installing && r.installing.state, \
    waiting: r.waiting && r.waiting.state, active: r.active && r.active.state }); })()";

/// Waits until the next version has installed and waits beside the running one.
async fn wait_for_waiting_worker(world: &World) {
    let deadline = tokio::time::Instant::now() + QUICK;
    while !world.eval::<bool>(CHECK_FOR_UPDATE).await {
        if tokio::time::Instant::now() >= deadline {
            let state: String = world.eval(REGISTRATION_STATE).await;
            panic!("not within {QUICK:?}: the new version installed and waits: {state}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
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
    let _: bool = world.eval(WATCH_REGISTRATION).await;
    next_version(dist.path());
    wait_for_waiting_worker(&world).await;

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
