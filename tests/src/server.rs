//! Starts the real `baocao` binary on a throwaway data folder and a free
//! loopback port, and stops it the way an operator (or a crash) would. With
//! `BAOCAO_TEST_DB=postgres` its storage is a fresh PostgreSQL database
//! ([`crate::pg`]) instead of SQLite in the data folder.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running server process. Killed when dropped.
pub struct TestServer {
    child: Option<Child>,
    data_dir: tempfile::TempDir,
    port: u16,
    static_dir: PathBuf,
    templates: PathBuf,
    binary: PathBuf,
    /// Accounts on (the product's default) or `--no-auth`.
    accounts: bool,
    /// Where it stores.
    storage: Storage,
    /// More `serve` arguments.
    extra_args: Vec<String>,
    /// Where its stderr (the log) goes; none: the test's stderr.
    log_file: Option<PathBuf>,
    /// `http://…/metrics` when started with `--metrics-listen`.
    metrics_url: Option<String>,
    http: reqwest::Client,
}

/// Where a [`TestServer`] stores.
enum Storage {
    /// SQLite, or PostgreSQL with `BAOCAO_TEST_DB=postgres` ([`crate::pg`]).
    RunDefault,
    /// This PostgreSQL database (replicas share one).
    Postgres(String),
    /// SQLite in the data folder.
    Sqlite,
}

/// Path of the server binary: `$BAOCAO_BIN`, else `target/debug/baocao`.
pub fn server_binary() -> PathBuf {
    if let Ok(p) = std::env::var("BAOCAO_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| crate::repo_root().join("target"));
    let bin = target.join("debug").join("baocao");
    assert!(
        bin.exists(),
        "{} is missing: build the server first (`cargo build -p baocao-server`), as scripts/test.sh does",
        bin.display()
    );
    bin
}

impl TestServer {
    /// A fresh server without accounts (`--no-auth`): new data folder (demo
    /// loaded), free port. For tests of sync, storage and figures, whose
    /// subject is not who may do what.
    pub async fn start() -> TestServer {
        TestServer::start_binary(server_binary()).await
    }

    /// A fresh server without accounts reading its templates from `templates`.
    pub async fn start_with_templates(templates: PathBuf) -> TestServer {
        let mut s = TestServer::new(server_binary(), false);
        s.templates = templates;
        s.spawn().await;
        s
    }

    /// A fresh server with accounts on, as in production.
    pub async fn start_with_accounts() -> TestServer {
        let mut s = TestServer::new(server_binary(), true);
        s.spawn().await;
        s
    }

    /// A fresh server with accounts and these further `serve` arguments
    /// (e.g. `--trusted-proxy 127.0.0.1`).
    pub async fn start_with_accounts_and_args(args: &[&str]) -> TestServer {
        let mut s = TestServer::new(server_binary(), true);
        s.extra_args = args.iter().map(|a| a.to_string()).collect();
        s.spawn().await;
        s
    }

    /// A fresh server with accounts reading its templates from `templates`.
    pub async fn start_with_accounts_and_templates(templates: PathBuf) -> TestServer {
        let mut s = TestServer::new(server_binary(), true);
        s.templates = templates;
        s.spawn().await;
        s
    }

    /// A fresh server without accounts on SQLite in its data folder, whatever
    /// `BAOCAO_TEST_DB` says (what `baocao migrate` moves from).
    pub async fn start_on_sqlite() -> TestServer {
        let mut s = TestServer::new(server_binary(), false);
        s.storage = Storage::Sqlite;
        s.spawn().await;
        s
    }

    /// A server with accounts and these further `serve` arguments, not
    /// started yet (`restart` starts it), so that a test can first choose
    /// where its log goes ([`TestServer::log_to`]).
    pub fn unstarted_with_accounts_and_args(args: &[&str]) -> TestServer {
        let mut s = TestServer::new(server_binary(), true);
        s.extra_args = args.iter().map(|a| a.to_string()).collect();
        s
    }

    /// From the next (re)start on, the server's log (stderr) is appended to `file`.
    pub fn log_to(&mut self, file: PathBuf) {
        self.log_file = Some(file);
    }

    /// `http://127.0.0.1:<port>/metrics` of a server started with
    /// `--metrics-listen` (the address it printed).
    pub fn metrics_url(&self) -> Option<&str> {
        self.metrics_url.as_deref()
    }

    /// A server without accounts on SQLite, not started: its data folder is
    /// empty until the test fills it (e.g. `baocao restore`); `restart`
    /// starts it.
    pub fn unstarted_on_sqlite() -> TestServer {
        let mut s = TestServer::new(server_binary(), false);
        s.storage = Storage::Sqlite;
        s
    }

    /// A server replica without accounts on the PostgreSQL database `url`:
    /// several of them on one database are one deployment.
    pub async fn start_on_postgres(url: &str) -> TestServer {
        TestServer::start_binary_on_postgres(server_binary(), url).await
    }

    /// A server replica with accounts on the PostgreSQL database `url`.
    pub async fn start_with_accounts_on_postgres(url: &str) -> TestServer {
        let mut s = TestServer::new(server_binary(), true);
        s.storage = Storage::Postgres(url.to_string());
        s.spawn().await;
        s
    }

    /// The same with another build of the server.
    pub async fn start_binary_on_postgres(binary: PathBuf, url: &str) -> TestServer {
        let mut s = TestServer::new(binary, false);
        s.storage = Storage::Postgres(url.to_string());
        s.spawn().await;
        s
    }

    /// The same with another build of the server (benchmarks use the release one).
    pub async fn start_binary(binary: PathBuf) -> TestServer {
        let mut s = TestServer::new(binary, false);
        s.spawn().await;
        s
    }

    fn new(binary: PathBuf, accounts: bool) -> TestServer {
        TestServer {
            child: None,
            data_dir: tempfile::tempdir().expect("temp dir"),
            port: 0,
            static_dir: crate::repo_root().join("client/dist"),
            templates: crate::repo_root().join("templates"),
            binary,
            accounts,
            storage: Storage::RunDefault,
            extra_args: Vec::new(),
            log_file: None,
            metrics_url: None,
            http: reqwest::Client::new(),
        }
    }

    async fn spawn(&mut self) {
        assert!(self.child.is_none(), "server already running");
        let mut cmd = Command::new(&self.binary);
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .arg("--host")
            .arg("127.0.0.1")
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--static-dir")
            .arg(&self.static_dir)
            .arg("--templates")
            .arg(&self.templates)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        match &self.log_file {
            Some(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .expect("open the log file");
                cmd.stderr(Stdio::from(file));
            }
            None => {
                cmd.stderr(Stdio::inherit());
            }
        }
        if !self.accounts {
            cmd.arg("--no-auth");
        }
        cmd.args(&self.extra_args);
        match &self.storage {
            Storage::Postgres(url) => {
                cmd.env("BAOCAO_DATABASE_URL", url);
            }
            Storage::RunDefault => {
                cmd.envs(crate::pg::database_env(self.data_dir.path()));
            }
            Storage::Sqlite => {
                cmd.env_remove("BAOCAO_DATABASE_URL");
            }
        }
        let mut child = cmd.spawn().expect("start the server binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut metrics_url = None;
        let port = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.strip_prefix("metrics on ") {
                    metrics_url = Some(rest.trim().to_string());
                }
                if let Some(rest) = line.strip_prefix("listening on http://") {
                    let port = rest
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.trim().parse::<u16>().ok());
                    return port;
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .expect("server printed its address within 60 s");
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.port = port;
        self.metrics_url = metrics_url;
        self.child = Some(child);
    }

    /// Accounts on or off from the next (re)start: a test may store through
    /// a `--no-auth` server what the policy would refuse, as a server before
    /// the policy did, then judge it with accounts on.
    pub fn set_accounts(&mut self, on: bool) {
        self.accounts = on;
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The sync endpoint.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/sync", self.port)
    }

    /// The port (kept across restarts).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }

    /// Kills the process with SIGKILL — no chance to flush anything.
    pub async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.start_kill().expect("SIGKILL");
            let _ = c.wait().await;
        }
    }

    /// Stops the process with SIGTERM (graceful) and waits up to 10 s;
    /// then kills it. The exit status, if it stopped by itself in time.
    pub async fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        if let Some(pid) = c.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        match tokio::time::timeout(Duration::from_secs(10), c.wait()).await {
            Ok(status) => status.ok(),
            Err(_) => {
                let _ = c.start_kill();
                let _ = c.wait().await;
                None
            }
        }
    }

    /// Serves the web app from `dir` from the next (re)start on.
    pub fn set_static_dir(&mut self, dir: PathBuf) {
        self.static_dir = dir;
    }

    /// Starts the server again on the same data folder and port.
    pub async fn restart(&mut self) {
        self.spawn().await;
    }

    /// GETs an API path (e.g. `/api/health`) and returns status and JSON body.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        answer(self.http.get(format!("{}{path}", self.url()))).await
    }

    /// GETs an API path that must answer 200.
    pub async fn api_get(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get_json(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// GETs an API path as the holder of `token`.
    pub async fn get_json_as(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        answer(
            self.http
                .get(format!("{}{path}", self.url()))
                .bearer_auth(token),
        )
        .await
    }

    /// Polls `GET /api/reports/{doc}` (as the holder of `token`, if any)
    /// until the number `field` equals `want`; panics after `limit`.
    pub async fn wait_for_number(
        &self,
        token: Option<&str>,
        doc: &shared::DocumentId,
        field: &str,
        want: i64,
        limit: Duration,
    ) {
        let path = format!("/api/reports/{doc}");
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let (status, body) = match token {
                Some(token) => self.get_json_as(token, &path).await,
                None => self.get_json(&path).await,
            };
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

    /// POSTs JSON to an API path; returns status and JSON body.
    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        answer(self.http.post(format!("{}{path}", self.url())).json(&body)).await
    }

    /// POSTs JSON with these request headers; returns status, response
    /// headers and JSON body.
    pub async fn post_json_with_headers(
        &self,
        path: &str,
        body: serde_json::Value,
        headers: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let mut req = self.http.post(format!("{}{path}", self.url())).json(&body);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.json().await.unwrap_or(serde_json::Value::Null);
        (status, headers, body)
    }

    /// POSTs JSON as the holder of `token`; returns status and JSON body.
    pub async fn post_as(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let req = self.http.post(format!("{}{path}", self.url()));
        answer(req.bearer_auth(token).json(&body)).await
    }

    /// POSTs raw bytes (a file upload) as the holder of `token`.
    pub async fn post_bytes_as(
        &self,
        token: &str,
        path: &str,
        body: Vec<u8>,
    ) -> (u16, serde_json::Value) {
        let req = self.http.post(format!("{}{path}", self.url()));
        answer(req.bearer_auth(token).body(body)).await
    }

    /// Logs in and returns the session token.
    pub async fn login(&self, user: &str, password: &str) -> String {
        let (status, body) = self
            .post_json(
                "/api/login",
                serde_json::json!({ "user": user, "password": password }),
            )
            .await;
        assert_eq!(status, 200, "login of {user}: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// The sync endpoint for the holder of `token`.
    pub fn ws_url_as(&self, token: &str) -> String {
        format!("{}?token={token}", self.ws_url())
    }

    /// Runs `baocao <args>` on this server's data folder; returns the exit
    /// status, stdout and stderr.
    pub fn admin(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        run_admin(self.data_dir(), args, stdin)
    }
}

/// Sends a request; returns the status and the JSON body (null if none).
async fn answer(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// Runs `baocao <args> --data-dir <dir>` (an administration command).
pub fn run_admin(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(server_binary())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .envs(crate::pg::database_env(data_dir))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run baocao");
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        let _ = input.write_all(text.as_bytes());
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("baocao finished");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
