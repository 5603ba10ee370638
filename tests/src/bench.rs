//! What the benchmark binaries (`src/bin/`) share: their command-line
//! numbers and the phone that uploads a batch of small reports.

use crate::{NativeClient, child_protection_template};
use shared::{ReportKey, Value};
use std::time::Duration;

/// The number after `name` on the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One phone: fills a small report for each key offline (three fields),
/// connects to `server_ws`, and waits until the server acknowledged them all.
pub async fn upload_reports(server_ws: &str, name: &str, keys: &[ReportKey]) {
    let mut p = NativeClient::new(name, child_protection_template());
    for (n, key) in keys.iter().enumerate() {
        p.edit(key, |r| {
            r.set_field("officers", Some(&Value::Int(2))).unwrap();
            r.set_field("villages", Some(&Value::Int(3 + n as i64 % 7)))
                .unwrap();
            r.set_field("board_established", Some(&Value::Bool(true)))
                .unwrap();
        })
        .await;
    }
    let ids: Vec<_> = keys.iter().map(ReportKey::document_id).collect();
    p.connect(server_ws).await.expect("connect");
    p.sync_until_acked(&ids, Duration::from_secs(600))
        .await
        .expect("acknowledged");
    p.disconnect().await;
}
