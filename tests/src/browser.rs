//! The browser fixture for the `browser_*` tests: one headless Chromium with a
//! profile folder the test owns (so a test can close the browser and start it
//! again on the same profile, like a phone closing the app) and one page.
//!
//! Chromium is `/usr/bin/chromium` unless `$CHROMIUM` says otherwise; see
//! shared/TOOLCHAIN.md for the flags and the service-worker auto-attach fix.

use chromiumoxide::cdp::browser_protocol::target::SetAutoAttachParams;
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::{Browser, BrowserConfig, Page};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Upper bound for anything that should happen "within seconds".
pub const QUICK: Duration = Duration::from_secs(20);

/// A cheap Android phone's Chrome, as servers see it.
pub const MOBILE_UA: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 \
    (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";

/// The screen the browser pretends to have.
#[derive(Clone, Copy, Debug)]
pub struct Screen {
    /// CSS pixels.
    pub width: u32,
    /// CSS pixels.
    pub height: u32,
    /// Mobile user agent, touch and mobile viewport emulation.
    pub mobile: bool,
}

impl Screen {
    /// The officer's phone: 360×640, mobile.
    pub const PHONE: Screen = Screen {
        width: 360,
        height: 640,
        mobile: true,
    };
    /// The district's desktop: 1280×800.
    pub const DESKTOP: Screen = Screen {
        width: 1280,
        height: 800,
        mobile: false,
    };
}

/// Panics with the way out when the web client has not been built: every
/// browser test serves `client/dist`.
pub fn require_built_client() {
    let index = crate::repo_root().join("client/dist/index.html");
    assert!(
        index.exists(),
        "{} is missing: build the web client first (scripts/build-client.sh)",
        index.display()
    );
}

/// One browser and its page.
pub struct World {
    browser: Browser,
    handler: JoinHandle<()>,
    page: Page,
}

/// How to start Chromium beyond the profile and the screen.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    /// Environment variables of the browser process (e.g. `HOME`, whose
    /// `.pki/nssdb` holds the certificate authorities Chromium trusts).
    pub env: Vec<(String, String)>,
    /// Certificate errors fail the page as in a user's browser. Off by
    /// default: chromiumoxide tells every page to ignore them.
    pub check_certificates: bool,
}

impl World {
    /// Starts Chromium on `profile` (created by the caller, kept across launches).
    pub async fn launch(profile: &Path, screen: Screen) -> World {
        World::launch_with(profile, screen, &Launch::default()).await
    }

    /// Starts Chromium on `profile` with these launch options.
    pub async fn launch_with(profile: &Path, screen: Screen, launch: &Launch) -> World {
        let executable = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut args = vec![
            "--disable-gpu".to_string(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
        ];
        if screen.mobile {
            args.push(format!("--user-agent={MOBILE_UA}"));
        }
        let mut config = BrowserConfig::builder();
        if launch.check_certificates {
            config = config.respect_https_errors();
        }
        if !launch.env.is_empty() {
            config = config.envs(launch.env.iter().cloned());
        }
        let config = config
            .chrome_executable(&executable)
            .no_sandbox()
            .user_data_dir(profile)
            .window_size(screen.width, screen.height)
            .viewport(Viewport {
                width: screen.width,
                height: screen.height,
                device_scale_factor: Some(1.0),
                emulating_mobile: screen.mobile,
                is_landscape: false,
                has_touch: screen.mobile,
            })
            // chromiumoxide writes `--` before each argument itself: given
            // with theirs, `--disable-gpu` reached Chromium as `----disable-gpu`
            // (ignored, as were the mobile user agent and the others).
            .args(args.iter().map(|a| a.trim_start_matches("--").to_string()))
            .launch_timeout(Duration::from_secs(30))
            .build()
            .expect("browser config");
        let (browser, mut events) = Browser::launch(config)
            .await
            .unwrap_or_else(|e| panic!("cannot start {executable}: {e}"));
        let handler = tokio::spawn(async move {
            // Unknown CDP events are not fatal; keep draining.
            while let Some(_event) = events.next().await {}
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
        }
    }

    /// The page, for CDP calls the fixture does not wrap.
    pub fn page(&self) -> &Page {
        &self.page
    }

    /// Navigates.
    pub async fn goto(&self, url: &str) {
        self.page.goto(url).await.expect("navigate");
    }

    /// Reloads the page.
    pub async fn reload(&self) {
        self.page.reload().await.expect("reload");
    }

    /// Evaluates a JavaScript expression.
    pub async fn eval<T: DeserializeOwned>(&self, expression: &str) -> T {
        self.page
            .evaluate(expression)
            .await
            .unwrap_or_else(|e| panic!("evaluate {expression}: {e}"))
            .into_value()
            .unwrap_or_else(|e| panic!("value of {expression}: {e}"))
    }

    /// Polls `expression` until it is true, at most `limit`.
    pub async fn wait_until(&self, what: &str, limit: Duration, expression: &str) {
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

    /// Waits for an element and clicks it like a finger would. The app may
    /// re-render the element between finding and clicking it (the node is
    /// then gone): that is retried, a few times.
    pub async fn click(&self, selector: &str) {
        let mut attempts = 0;
        loop {
            self.wait_for(selector).await;
            // To the middle of the screen first: scrolled only just into
            // view, it would lie under the sticky top bar, which would take
            // the tap (as it would a finger's).
            let _: bool = self
                .eval(&format!(
                    "(() => {{ document.querySelector('{selector}')?.scrollIntoView({{ block: 'center' }}); return true; }})()"
                ))
                .await;
            let clicked = match self.page.find_element(selector).await {
                Ok(element) => element.click().await.map(|_| ()),
                Err(e) => Err(e),
            };
            match clicked {
                Ok(()) => return,
                Err(e) if attempts < 5 => {
                    attempts += 1;
                    eprintln!("click {selector}: {e}; trying again");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("click {selector}: {e}"),
            }
        }
    }

    /// Waits until the service worker controls the page (the app would now
    /// open with no network).
    pub async fn wait_controlled(&self) {
        self.wait_until(
            "the service worker controls the page",
            QUICK,
            "navigator.serviceWorker.controller !== null",
        )
        .await;
    }

    /// Cuts the page off the network (or gives it back) the way a phone
    /// losing signal does: `navigator.onLine` turns false, the `offline`
    /// event fires, and requests and sockets fail — while the server runs on.
    // The deprecated `emulateNetworkConditions`: its replacement
    // (`emulateNetworkConditionsByRule`, offline) leaves `navigator.onLine`
    // true in Chromium 156, so the page would never hear it is offline.
    #[allow(deprecated)]
    pub async fn set_offline(&self, offline: bool) {
        use chromiumoxide::cdp::browser_protocol::network::{
            EmulateNetworkConditionsParams, EnableParams,
        };
        self.page
            .execute(EnableParams::default())
            .await
            .expect("Network.enable");
        self.page
            .execute(EmulateNetworkConditionsParams::new(
                offline, 0.0, -1.0, -1.0,
            ))
            .await
            .expect("Network.emulateNetworkConditions");
        self.wait_until(
            "the page sees the network change",
            QUICK,
            &format!("navigator.onLine === {}", !offline),
        )
        .await;
    }

    /// Logs in on the app's login form (a server with accounts).
    pub async fn log_in(&self, user: &str, password: &str) {
        self.fill("[data-testid=login-user]", user).await;
        self.fill("[data-testid=login-password]", password).await;
        self.click("[data-testid=login-submit]").await;
    }

    /// Chooses `user` on the start screen of a server without accounts (at
    /// `base`) and waits for the report list.
    pub async fn choose_user(&self, base: &str, user: &str) {
        self.goto(&format!("{base}/")).await;
        self.click(&format!("[data-testid=user-{user}]")).await;
        self.wait_until("the report list", QUICK, "location.pathname === '/reports'")
            .await;
    }

    /// Opens the officer's report from the report list and waits until the
    /// server's copy (the demo data) is in the form.
    pub async fn open_report_from_server(&self, unit: &str) {
        self.click(&format!("[data-testid=report-{unit}]")).await;
        self.wait_until(
            "the report arrived from the server",
            QUICK,
            "document.querySelector('[data-testid=field-villages]')?.value !== ''",
        )
        .await;
    }

    /// Waits until `selector` matches an element.
    pub async fn wait_for(&self, selector: &str) {
        self.wait_until(
            &format!("{selector} is shown"),
            QUICK,
            &format!("document.querySelector('{selector}') !== null"),
        )
        .await;
    }

    /// Replaces a text box's content by typing, key by key.
    pub async fn fill(&self, selector: &str, text: &str) {
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
            QUICK,
            &format!(
                "document.querySelector('{selector}').value === {}",
                serde_json::to_string(text).expect("json string")
            ),
        )
        .await;
    }

    /// Chooses `value` in a `<select>`, as a finger on the picker does.
    pub async fn choose(&self, selector: &str, value: &str) {
        self.wait_for(selector).await;
        let _: bool = self
            .eval(&format!(
                "(() => {{ const s = document.querySelector('{selector}'); s.value = {v}; \
                 s.dispatchEvent(new Event('change', {{ bubbles: true }})); return s.value === {v}; }})()",
                v = serde_json::to_string(value).expect("json string")
            ))
            .await;
    }

    /// Chooses `file` in an `<input type=file>`, as the phone's file picker
    /// does (the page gets its `change` event).
    pub async fn choose_file(&self, selector: &str, file: &Path) {
        use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
        self.wait_for(selector).await;
        let input = self
            .page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("find {selector}: {e}"));
        self.page
            .execute(
                SetFileInputFilesParams::builder()
                    .file(file.display().to_string())
                    .backend_node_id(input.backend_node_id)
                    .build()
                    .expect("SetFileInputFiles params"),
            )
            .await
            .expect("DOM.setFileInputFiles");
    }

    /// The value of an input, select or textarea.
    pub async fn value_of(&self, selector: &str) -> String {
        self.eval(&format!(
            "document.querySelector('{selector}')?.value ?? '(missing)'"
        ))
        .await
    }

    /// Lets the page save files (downloads) into `dir`, as a user's
    /// browser saves them into the downloads folder.
    pub async fn allow_downloads(&self, dir: &Path) {
        use chromiumoxide::cdp::browser_protocol::browser::{
            SetDownloadBehaviorBehavior, SetDownloadBehaviorParams,
        };
        self.browser
            .execute(
                SetDownloadBehaviorParams::builder()
                    .behavior(SetDownloadBehaviorBehavior::Allow)
                    .download_path(dir.display().to_string())
                    .build()
                    .expect("SetDownloadBehavior params"),
            )
            .await
            .expect("Browser.setDownloadBehavior");
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) {
        self.page
            .save_screenshot(ScreenshotParams::builder().build(), path)
            .await
            .unwrap_or_else(|e| panic!("screenshot {}: {e}", path.display()));
    }

    /// Closes the browser and waits for it to exit (its profile is flushed).
    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

/// Waits until the browser has saved `name` in `dir` (no partial
/// `.crdownload` left) and returns its bytes.
pub async fn downloaded(dir: &Path, name: &str, limit: Duration) -> Vec<u8> {
    let deadline = tokio::time::Instant::now() + limit;
    let path = dir.join(name);
    loop {
        let partial = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .any(|e| e.path().extension().is_some_and(|x| x == "crdownload"))
            })
            .unwrap_or(false);
        if !partial
            && let Ok(bytes) = std::fs::read(&path)
            && !bytes.is_empty()
        {
            return bytes;
        }
        let found: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} was not downloaded within {limit:?}; {} holds {found:?}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
