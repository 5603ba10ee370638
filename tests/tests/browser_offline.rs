//! Must-show 1 and 2 in a real browser (headless Chromium): an officer edits a
//! report; the server goes away; the app still opens — from its service
//! worker — with the edit there, and takes another edit; the server comes
//! back on the same port and, with no click, both edits reach it and the page
//! says the report is on the server.
//!
//! Needs `client/dist` (scripts/build-client.sh) and `target/debug/baocao`.
//! Chromium is `/usr/bin/chromium` unless `$CHROMIUM` says otherwise.

use baocao_tests::TestServer;
use shared::ReportKey;
use std::time::Duration;

/// Upper bound for anything that should happen "within seconds".
const QUICK: Duration = Duration::from_secs(20);
/// Upper bound for reconnection: the client backs off up to 15 s between attempts.
const RECONNECT: Duration = Duration::from_secs(60);

const OFFICER: &str = "cb-ba-dinh";
const UNIT: &str = "ba-dinh";

#[tokio::test]
async fn edits_survive_a_server_outage_and_reach_it_without_a_click() {
    let dist = baocao_tests::repo_root().join("client/dist/index.html");
    assert!(
        dist.exists(),
        "{} is missing: build the web client first (scripts/build-client.sh)",
        dist.display()
    );
    let mut server = TestServer::start().await;
    let key = ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1");
    let doc = key.document_id();
    let world = browser::World::launch().await;

    // Online: pick the commune officer, open the report, edit one figure.
    world.goto(&format!("{}/", server.url())).await;
    world.click(&format!("[data-testid=user-{OFFICER}]")).await;
    world.click(&format!("[data-testid=report-{UNIT}]")).await;
    // The report comes from the server (demo data) before we touch it.
    world
        .wait_until(
            "the report arrived from the server",
            QUICK,
            "document.querySelector('[data-testid=field-villages]')?.value !== ''",
        )
        .await;
    world.fill("[data-testid=field-officers]", "7").await;
    server_has(&server, &doc, "officers", 7, QUICK).await;
    world
        .wait_until(
            "the page says the first edit is on the server",
            QUICK,
            &check::doc_state_is("server"),
        )
        .await;
    world
        .wait_until(
            "the service worker controls the page",
            QUICK,
            "navigator.serviceWorker.controller !== null",
        )
        .await;

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
    server_has(&server, &doc, "collaborators", 9, RECONNECT).await;
    server_has(&server, &doc, "officers", 7, QUICK).await;
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

/// Polls `GET /api/reports/{doc}` until `field` equals `want`.
async fn server_has(
    server: &TestServer,
    doc: &shared::DocumentId,
    field: &str,
    want: i64,
    limit: Duration,
) {
    let path = format!("/api/reports/{doc}");
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let (status, body) = server.get_json(&path).await;
        if status == 200 && body["fields"][field].as_i64() == Some(want) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server did not get {field} = {want} within {limit:?}; last answer {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
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

/// The browser fixture: one headless Chromium with a fresh profile and one page.
mod browser {
    use chromiumoxide::cdp::browser_protocol::target::SetAutoAttachParams;
    use chromiumoxide::handler::viewport::Viewport;
    use chromiumoxide::{Browser, BrowserConfig, Page};
    use futures_util::StreamExt;
    use serde::de::DeserializeOwned;
    use std::time::Duration;
    use tokio::task::JoinHandle;

    pub(crate) struct World {
        browser: Browser,
        handler: JoinHandle<()>,
        page: Page,
        _profile: tempfile::TempDir,
    }

    impl World {
        pub(crate) async fn launch() -> World {
            let profile = tempfile::tempdir().expect("temp profile dir");
            let executable =
                std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
            let config = BrowserConfig::builder()
                .chrome_executable(&executable)
                .no_sandbox()
                .user_data_dir(profile.path())
                .window_size(360, 640)
                .viewport(Viewport {
                    width: 360,
                    height: 640,
                    device_scale_factor: Some(1.0),
                    emulating_mobile: false,
                    is_landscape: false,
                    has_touch: false,
                })
                .args([
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ])
                .launch_timeout(Duration::from_secs(30))
                .build()
                .expect("browser config");
            let (browser, mut events) = Browser::launch(config)
                .await
                .unwrap_or_else(|e| panic!("cannot start {executable}: {e}"));
            let handler = tokio::spawn(async move {
                while let Some(event) = events.next().await {
                    if event.is_err() {
                        // Unknown CDP events are not fatal; keep draining.
                        continue;
                    }
                }
            });
            let page = browser.new_page("about:blank").await.expect("new page");
            // chromiumoxide auto-attaches with waitForDebuggerOnStart: true, which
            // leaves the service worker paused forever; attach without waiting.
            page.execute(
                SetAutoAttachParams::builder()
                    .auto_attach(true)
                    .wait_for_debugger_on_start(false)
                    .flatten(true)
                    .build()
                    .expect("SetAutoAttach params"),
            )
            .await
            .expect("Target.setAutoAttach");
            World {
                browser,
                handler,
                page,
                _profile: profile,
            }
        }

        pub(crate) async fn goto(&self, url: &str) {
            self.page.goto(url).await.expect("navigate");
        }

        pub(crate) async fn reload(&self) {
            self.page.reload().await.expect("reload");
        }

        /// Evaluates a JavaScript expression.
        pub(crate) async fn eval<T: DeserializeOwned>(&self, expression: &str) -> T {
            self.page
                .evaluate(expression)
                .await
                .unwrap_or_else(|e| panic!("evaluate {expression}: {e}"))
                .into_value()
                .unwrap_or_else(|e| panic!("value of {expression}: {e}"))
        }

        /// Polls `expression` until it is true, at most `limit`.
        pub(crate) async fn wait_until(&self, what: &str, limit: Duration, expression: &str) {
            let deadline = tokio::time::Instant::now() + limit;
            loop {
                let ok = match self.page.evaluate(expression).await {
                    Ok(v) => v.into_value::<bool>().unwrap_or(false),
                    // The page may be between documents (reload).
                    Err(_) => false,
                };
                if ok {
                    return;
                }
                if tokio::time::Instant::now() >= deadline {
                    let body: String = self
                        .eval("document.body ? document.body.innerText : '(no body)'")
                        .await;
                    panic!("not within {limit:?}: {what}\npage text:\n{body}");
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }

        /// Waits for an element and clicks it like a finger would.
        pub(crate) async fn click(&self, selector: &str) {
            self.wait_until(
                &format!("{selector} is shown"),
                super::QUICK,
                &format!("document.querySelector('{selector}') !== null"),
            )
            .await;
            self.page
                .find_element(selector)
                .await
                .unwrap_or_else(|e| panic!("find {selector}: {e}"))
                .click()
                .await
                .unwrap_or_else(|e| panic!("click {selector}: {e}"));
        }

        /// Replaces a text box's content by typing, key by key.
        pub(crate) async fn fill(&self, selector: &str, text: &str) {
            self.click(selector).await;
            let _: bool = self
                .eval(&format!(
                    "(() => {{ document.querySelector('{selector}').select(); return true; }})()"
                ))
                .await;
            self.page
                .find_element(selector)
                .await
                .unwrap_or_else(|e| panic!("find {selector}: {e}"))
                .type_str(text)
                .await
                .unwrap_or_else(|e| panic!("type into {selector}: {e}"));
            self.wait_until(
                &format!("{selector} reads {text:?}"),
                super::QUICK,
                &format!("document.querySelector('{selector}').value === '{text}'"),
            )
            .await;
        }

        pub(crate) async fn close(mut self) {
            let _ = self.browser.close().await;
            let _ = self.browser.wait().await;
            self.handler.abort();
        }
    }
}
