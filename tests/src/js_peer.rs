//! The unmodified JavaScript automerge-repo client as a test peer: runs
//! `tests/js/peer.mjs` with Node.js and returns the JSON it prints.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

/// The folder holding `peer.mjs` and its `node_modules`.
pub fn js_dir() -> PathBuf {
    crate::repo_root().join("tests/js")
}

/// Runs one `peer.mjs` command (`create`, `fetch`, `edit`) against `server_ws`
/// and returns its JSON answer. Panics with the peer's stderr when it fails:
/// a missing `node_modules` means `npm ci` was not run in `tests/js`
/// (`scripts/test.sh` does it).
pub async fn run(command: &str, server_ws: &str, args: &[(&str, &str)]) -> serde_json::Value {
    let dir = js_dir();
    assert!(
        dir.join("node_modules/@automerge/automerge-repo").is_dir(),
        "the JS peer is not installed: run `npm ci` in {}",
        dir.display()
    );
    let mut cmd = tokio::process::Command::new("node");
    cmd.current_dir(&dir)
        .arg("peer.mjs")
        .arg(command)
        .args(["--server", server_ws])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in args {
        cmd.arg(format!("--{k}")).arg(v);
    }
    let child = cmd.spawn().expect("node is installed");
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the JS peer finishes within 60 s")
        .expect("the JS peer ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "JS peer `{command}` failed ({}):\n{stderr}",
        out.status
    );
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("JS peer printed no JSON ({e}): {stdout}\n{stderr}"))
}
