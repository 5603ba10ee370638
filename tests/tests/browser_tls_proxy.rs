//! Issue 18: the app through the shipped nginx site (`deploy/nginx/baocao.conf`)
//! over HTTPS, in headless Chromium that checks certificates — as a phone
//! reaches a real deployment. Service workers run on HTTPS pages only, so
//! this is what makes the phone's offline mode work outside localhost.
//!
//! A throwaway local CA signs a certificate for `localhost`/127.0.0.1; the
//! CA goes into the NSS database of a fresh `$HOME` (`$HOME/.pki/nssdb`,
//! where Chromium on Linux reads the authorities it trusts), and Chromium
//! runs with that `HOME` and certificate errors *not* ignored. A browser
//! without the CA is refused first, so the trust is what makes it work.
//!
//! The shipped site file is used as it is, with only its operator-specific
//! lines rewritten (listen ports on 127.0.0.1, `server_name`, certificate
//! and log paths, the upstream's port); every proxying and upgrade
//! directive under test is the shipped one. nginx runs in the foreground as
//! a child process with every path in a temporary folder.
//!
//! The officer logs in over `https://localhost:<port>/`, edits, the service
//! worker takes the page; nginx goes away; the reload comes from the service
//! worker and the form takes an edit; nginx comes back and the edit reaches
//! the server over `wss://…/sync` (CDP's WebSocket events and nginx's access
//! log: `GET /sync` answered 101, no token in the log).
//!
//! Needs `client/dist`, `target/debug/baocao`, Debian's `nginx`,
//! `libnss3-tools` (certutil) and `openssl` (`.ci/run` installs them).

use baocao_tests::TestServer;
use baocao_tests::browser::{Launch, QUICK, Screen, World};
use chromiumoxide::cdp::browser_protocol::network::{
    EventWebSocketCreated, EventWebSocketHandshakeResponseReceived,
};
use futures_util::StreamExt;
use shared::ReportKey;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bound for reconnection: the client backs off up to 15 s between attempts.
const RECONNECT: Duration = Duration::from_secs(60);
const OFFICER: &str = "cb-ba-dinh";
const UNIT: &str = "ba-dinh";
const REVIEWER: &str = "huyen-bato";
const PASSWORD: &str = "baocao-demo";

#[tokio::test]
async fn the_app_works_offline_and_syncs_over_wss_through_the_shipped_nginx_site() {
    baocao_tests::browser::require_built_client();
    let nginx_bin = require_tool("nginx", &["/usr/sbin/nginx"], "nginx");
    let certutil = require_tool("certutil", &[], "libnss3-tools");
    let openssl = require_tool("openssl", &[], "openssl");

    let mut server =
        TestServer::start_with_accounts_and_args(&["--trusted-proxy", "127.0.0.1"]).await;
    let reviewer = server.login(REVIEWER, PASSWORD).await;
    let doc = ReportKey::new("bao-ve-tre-em", UNIT, "2024-H1").document_id();

    let pki = tempfile::tempdir().expect("pki dir");
    let certs = make_certificates(&openssl, pki.path());
    let mut nginx = Nginx::start(&nginx_bin, &certs, server.port());
    let origin = format!("https://localhost:{}", nginx.https_port);

    // Plain HTTP is sent to HTTPS.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let answer = plain
        .get(format!("http://127.0.0.1:{}/reports?x=1", nginx.http_port))
        .header("Host", "localhost")
        .send()
        .await
        .expect("GET over plain HTTP");
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(answer.status().as_u16(), 301, "plain HTTP is redirected");
    assert_eq!(location, "https://localhost/reports?x=1");

    // Without the CA in its NSS database, Chromium refuses the certificate:
    // nothing below works by ignoring certificate errors.
    let untrusting_home = tempfile::tempdir().expect("home without the CA");
    let untrusting_profile = tempfile::tempdir().expect("profile dir");
    let untrusting = World::launch_with(
        untrusting_profile.path(),
        Screen::PHONE,
        &launch_options(untrusting_home.path()),
    )
    .await;
    let refused = untrusting.page().goto(format!("{origin}/")).await;
    let app_shown: bool = untrusting
        .eval("document.querySelector('[data-testid=login-user]') !== null")
        .await;
    assert!(
        refused.is_err() || !app_shown,
        "a browser that does not trust the test CA opened the app: the certificate is not checked"
    );
    if let Err(e) = &refused {
        let e = e.to_string();
        assert!(e.contains("ERR_CERT"), "refused for another reason: {e}");
        eprintln!("without the test CA, Chromium refuses the site: {e}");
    }
    untrusting.close().await;

    // A phone that trusts the CA, as an operator's phones trust the local CA
    // (or Let's Encrypt's).
    let home = tempfile::tempdir().expect("home dir");
    trust_ca(&certutil, home.path(), &certs.ca);
    let profile = tempfile::tempdir().expect("profile dir");
    let world =
        World::launch_with(profile.path(), Screen::PHONE, &launch_options(home.path())).await;
    let sockets = watch_websockets(&world).await;

    world.goto(&format!("{origin}/")).await;
    world
        .wait_until(
            "the page is a secure context",
            QUICK,
            "window.isSecureContext === true && location.protocol === 'https:'",
        )
        .await;
    let hsts: String = world
        .eval(
            "fetch('/api/health').then(r => r.headers.get('strict-transport-security') ?? '(none)')",
        )
        .await;
    assert!(hsts.contains("max-age="), "HSTS header: {hsts}");
    world.log_in(OFFICER, PASSWORD).await;
    world
        .wait_for(&format!("[data-testid=report-{UNIT}]"))
        .await;
    world.open_report_from_server(UNIT).await;
    world.fill("[data-testid=field-officers]", "7").await;
    server
        .wait_for_number(Some(&reviewer), &doc, "officers", 7, QUICK)
        .await;
    world.wait_controlled().await;

    // The proxy goes away (the phone's signal, as far as the page can tell):
    // the reload comes from the service worker's cache, logged in.
    nginx.stop();
    world.reload().await;
    world
        .wait_until(
            "the form rendered from the service worker and the phone's copy",
            QUICK,
            "document.querySelector('[data-testid=field-officers]')?.value === '7'",
        )
        .await;
    let controlled: bool = world
        .eval("navigator.serviceWorker.controller !== null && window.isSecureContext")
        .await;
    assert!(
        controlled,
        "the offline page is served by the service worker"
    );
    world.fill("[data-testid=field-collaborators]", "9").await;
    world
        .wait_until(
            "the page says the edit is only on this phone",
            QUICK,
            "document.querySelector('[data-testid=sync-status]')?.dataset.state === 'local'",
        )
        .await;
    let shots = baocao_tests::repo_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    world.screenshot(&shots.join("tls-offline.png")).await;

    // The proxy is back on the same port: the edit goes up over wss:// by itself.
    nginx.restart();
    server
        .wait_for_number(Some(&reviewer), &doc, "collaborators", 9, RECONNECT)
        .await;
    world
        .wait_until(
            "the page says the report is on the server",
            QUICK,
            "document.querySelector('[data-testid=sync-status]')?.dataset.state === 'server'",
        )
        .await;

    let seen = sockets.lock().expect("socket log").clone();
    let created: Vec<&String> = seen.iter().filter(|s| s.starts_with("created ")).collect();
    let upgraded = seen.iter().filter(|s| *s == "handshake 101").count();
    assert!(
        created.len() >= 2,
        "a socket before and one after the outage: {seen:?}"
    );
    for line in &created {
        assert!(
            line.starts_with(&format!(
                "created wss://localhost:{}/sync?token=",
                nginx.https_port
            )),
            "the app's sync socket is not wss:// on the page's origin: {line}"
        );
    }
    assert!(upgraded >= 2, "both sockets upgraded (101): {seen:?}");

    // nginx logs a WebSocket when it closes: close the browser first.
    let token: String = world
        .eval("JSON.parse(localStorage.getItem('baocao/login') ?? '{}').token ?? ''")
        .await;
    world.close().await;
    let log = nginx.wait_for_log("\"GET /sync HTTP/1.1\" 101 ").await;
    assert!(
        !log.contains("token=") && (token.is_empty() || !log.contains(&token)),
        "a session token was written to the access log:\n{log}"
    );

    nginx.stop();
    server.stop().await;
}

/// Every `--flag` the shipped systemd unit passes to `baocao serve` is one
/// the server knows (`serve --help`), so the unit does not fail at start.
#[test]
fn the_systemd_unit_uses_real_serve_flags() {
    let unit = std::fs::read_to_string(baocao_tests::repo_root().join("deploy/baocao.service"))
        .expect("deploy/baocao.service");
    let exec: String = {
        let mut lines = unit.lines().skip_while(|l| !l.starts_with("ExecStart="));
        let mut out = String::new();
        for line in lines.by_ref() {
            out.push_str(line.trim_end_matches('\\'));
            out.push(' ');
            if !line.ends_with('\\') {
                break;
            }
        }
        out
    };
    assert!(
        exec.contains("/usr/local/bin/baocao serve"),
        "ExecStart runs `baocao serve`: {exec}"
    );
    let help = Command::new(baocao_tests::server::server_binary())
        .args(["serve", "--help"])
        .output()
        .expect("baocao serve --help");
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in exec.split_whitespace().filter(|w| w.starts_with("--")) {
        assert!(
            help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
            "deploy/baocao.service passes {flag}, which `baocao serve` does not know"
        );
    }
    for needed in [
        "User=baocao",
        "StateDirectory=baocao",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "KillSignal=SIGTERM",
        "TimeoutStopSec=",
    ] {
        assert!(unit.contains(needed), "the unit sets {needed}");
    }
}

/// Chromium with this `HOME` (its NSS database) and certificates checked.
fn launch_options(home: &Path) -> Launch {
    Launch {
        env: vec![("HOME".into(), home.display().to_string())],
        check_certificates: true,
    }
}

/// Records the page's WebSocket URLs and handshake statuses.
async fn watch_websockets(world: &World) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut created = world
        .page()
        .event_listener::<EventWebSocketCreated>()
        .await
        .expect("Network.webSocketCreated listener");
    let mut handshakes = world
        .page()
        .event_listener::<EventWebSocketHandshakeResponseReceived>()
        .await
        .expect("Network.webSocketHandshakeResponseReceived listener");
    let log = seen.clone();
    tokio::spawn(async move {
        while let Some(event) = created.next().await {
            log.lock()
                .expect("socket log")
                .push(format!("created {}", event.url));
        }
    });
    let log = seen.clone();
    tokio::spawn(async move {
        while let Some(event) = handshakes.next().await {
            log.lock()
                .expect("socket log")
                .push(format!("handshake {}", event.response.status));
        }
    });
    seen
}

/// The path of a command this test cannot do without; fails (never skips)
/// with the package to install.
fn require_tool(name: &str, also: &[&str], package: &str) -> PathBuf {
    let env_name = name.to_uppercase();
    if let Ok(p) = std::env::var(&env_name) {
        assert!(
            Path::new(&p).is_file(),
            "${env_name} is {p}, which does not exist"
        );
        return PathBuf::from(p);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .map(|d| Path::new(d).join(name))
        .chain(also.iter().map(PathBuf::from))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` is missing: this test runs the shipped nginx site with TLS and needs it \
             (`apt-get install -y {package}`; .ci/run installs it; or set ${env_name})"
        )
    })
}

/// The throwaway CA and the server's certificate it signed.
struct Certificates {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

/// A CA and a certificate for `localhost` and 127.0.0.1, valid two days.
fn make_certificates(openssl: &Path, dir: &Path) -> Certificates {
    let run = |args: &str| {
        let out = Command::new(openssl)
            .args(args.split_whitespace())
            .current_dir(dir)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run(&format!(
        "req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=baocao-test-CA \
         -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
    ));
    run(&format!(
        "req {ec} -keyout server.key -out server.csr -subj /CN=localhost"
    ));
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\n\
         subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .expect("write server.ext");
    run(
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
         -out server.pem -days 2 -extfile server.ext",
    );
    Certificates {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    }
}

/// Creates `$HOME/.pki/nssdb` and makes it trust `ca` for websites.
fn trust_ca(certutil: &Path, home: &Path, ca: &Path) {
    let db_dir = home.join(".pki/nssdb");
    std::fs::create_dir_all(&db_dir).expect("nssdb dir");
    let db = format!("sql:{}", db_dir.display());
    let run = |args: &[&str]| {
        let out = Command::new(certutil)
            .args(args)
            .env("HOME", home)
            .output()
            .expect("run certutil");
        assert!(
            out.status.success(),
            "certutil {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["-d", &db, "-N", "--empty-password"]);
    let ca = ca.display().to_string();
    run(&[
        "-d",
        &db,
        "-A",
        "-t",
        "C,,",
        "-n",
        "baocao-test-ca",
        "-i",
        &ca,
    ]);
    let listed = run(&["-d", &db, "-L"]);
    assert!(
        listed.contains("baocao-test-ca"),
        "the CA is not in the NSS database: {listed}"
    );
}

/// nginx in the foreground on the shipped site, all its files in a
/// temporary folder.
struct Nginx {
    binary: PathBuf,
    dir: tempfile::TempDir,
    child: Option<std::process::Child>,
    http_port: u16,
    https_port: u16,
}

impl Nginx {
    fn start(binary: &Path, certs: &Certificates, upstream_port: u16) -> Nginx {
        let dir = tempfile::tempdir().expect("nginx dir");
        // Run as root, nginx's workers are `nobody`: they must reach the
        // temporary folders it creates here.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod nginx dir");
        std::fs::create_dir_all(dir.path().join("logs")).expect("logs dir");
        let http_port = free_port();
        let https_port = free_port();
        let shipped =
            std::fs::read_to_string(baocao_tests::repo_root().join("deploy/nginx/baocao.conf"))
                .expect("deploy/nginx/baocao.conf");
        let site = render_site(
            &shipped,
            &[
                (
                    "server 127.0.0.1:8080;",
                    format!("server 127.0.0.1:{upstream_port};"),
                ),
                ("listen 80;", format!("listen 127.0.0.1:{http_port};")),
                ("listen [::]:80;\n", String::new()),
                (
                    "listen 443 ssl http2;",
                    format!("listen 127.0.0.1:{https_port} ssl http2;"),
                ),
                ("listen [::]:443 ssl http2;\n", String::new()),
                (
                    "server_name baocao.example.vn;",
                    "server_name localhost;".into(),
                ),
                (
                    "/etc/letsencrypt/live/baocao.example.vn/fullchain.pem",
                    certs.cert.display().to_string(),
                ),
                (
                    "/etc/letsencrypt/live/baocao.example.vn/privkey.pem",
                    certs.key.display().to_string(),
                ),
                (
                    "/var/log/nginx/baocao.access.log",
                    dir.path().join("access.log").display().to_string(),
                ),
                (
                    "/var/www/letsencrypt",
                    dir.path().join("acme").display().to_string(),
                ),
            ],
        );
        std::fs::write(dir.path().join("baocao.conf"), site).expect("write site");
        let d = dir.path().display();
        // What Debian's /etc/nginx/nginx.conf gives a site: the http context.
        let main = format!(
            "worker_processes 1;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n\
             \x20   access_log {d}/logs/other.log;\n\
             \x20   client_body_temp_path {d}/tmp/body;\n\
             \x20   proxy_temp_path {d}/tmp/proxy;\n\
             \x20   fastcgi_temp_path {d}/tmp/fastcgi;\n\
             \x20   uwsgi_temp_path {d}/tmp/uwsgi;\n\
             \x20   scgi_temp_path {d}/tmp/scgi;\n\
             \x20   include {d}/baocao.conf;\n\
             }}\n"
        );
        std::fs::create_dir_all(dir.path().join("tmp")).expect("tmp dir");
        std::fs::write(dir.path().join("nginx.conf"), main).expect("write nginx.conf");
        let mut nginx = Nginx {
            binary: binary.to_path_buf(),
            dir,
            child: None,
            http_port,
            https_port,
        };
        let check = nginx.command(&["-t", "-q"]).output().expect("nginx -t");
        assert!(
            check.status.success(),
            "nginx refuses the rendered deploy/nginx/baocao.conf: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        nginx.restart();
        nginx
    }

    fn command(&self, extra: &[&str]) -> Command {
        let d = self.dir.path().display();
        let mut cmd = Command::new(&self.binary);
        cmd.arg("-p")
            .arg(self.dir.path())
            .arg("-c")
            .arg(self.dir.path().join("nginx.conf"))
            .arg("-g")
            .arg(format!(
                "daemon off; pid {d}/nginx.pid; error_log {d}/error.log info;"
            ))
            .args(extra);
        cmd
    }

    /// Starts it (again, on the same ports) and waits until it accepts.
    fn restart(&mut self) {
        assert!(self.child.is_none(), "nginx already running");
        let child = self
            .command(&[])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nginx");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.https_port)).is_ok() {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("nginx exited at start ({status}):\n{}", self.error_log());
            }
            assert!(
                std::time::Instant::now() < deadline,
                "nginx did not listen within 15 s:\n{}",
                self.error_log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Fast shutdown (SIGTERM: connections closed, workers gone), bounded.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !matches!(child.try_wait(), Ok(Some(_))) {
                if std::time::Instant::now() >= deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// The access log once it has a line containing `want` (bounded).
    async fn wait_for_log(&self, want: &str) -> String {
        let deadline = tokio::time::Instant::now() + QUICK;
        loop {
            let log =
                std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default();
            if log.contains(want) {
                return log;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "nginx's access log has no {want:?} within {QUICK:?}:\n{log}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The shipped site with each `(from, to)` applied (every occurrence); each
/// `from` must be there, so a change of the shipped file's shape fails here
/// rather than testing something else.
fn render_site(shipped: &str, replacements: &[(&str, String)]) -> String {
    let mut site = shipped.to_string();
    for (from, to) in replacements {
        assert!(
            site.contains(from),
            "deploy/nginx/baocao.conf no longer has {from:?}: update this test's rendering"
        );
        site = site.replace(from, to);
    }
    site
}

/// A free loopback port (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
