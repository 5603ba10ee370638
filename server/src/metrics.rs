//! Prometheus metrics (`serve --metrics-listen ADDR`), on a listener of their
//! own so the public port never shows them.
//!
//! The parts record through the `metrics` facade; without `--metrics-listen`
//! no recorder is installed and every call is a no-op. The names are here,
//! in one place, with what they mean; the code that moves them calls the
//! helpers below.

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::{Counter, Gauge, counter, describe_counter, describe_gauge, describe_histogram};
use metrics::{gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::future::Future;
use std::time::{Duration, Instant};

/// Open sync WebSocket connections.
pub const CONNECTIONS: &str = "baocao_connections";
/// Documents the sync engine holds in memory.
pub const DOCS_IN_MEMORY: &str = "baocao_documents_in_memory";
/// Sync messages, `direction` = `in` | `out`.
pub const SYNC_MESSAGES: &str = "baocao_sync_messages_total";
/// Bytes of sync messages, `direction` = `in` | `out`.
pub const SYNC_BYTES: &str = "baocao_sync_bytes_total";
/// Sync messages whose changes were applied to a document.
pub const CHANGES_ACCEPTED: &str = "baocao_changes_accepted_total";
/// Changes refused by the access policy, by `reason` (its code).
pub const CHANGES_REFUSED: &str = "baocao_changes_refused_total";
/// Seconds one group commit of the storage writer took.
pub const STORAGE_WRITE_SECONDS: &str = "baocao_storage_write_seconds";
/// Writes in one group commit.
pub const STORAGE_BATCH_SIZE: &str = "baocao_storage_batch_size";
/// Storage writes that failed (retried from memory).
pub const STORAGE_FAILURES: &str = "baocao_storage_failures_total";
/// Logins, `result` = `ok` | `failed` | `throttled`.
pub const LOGINS: &str = "baocao_logins_total";
/// HTTP requests by `method`, `route` (the router's pattern) and `status`.
pub const HTTP_REQUESTS: &str = "baocao_http_requests_total";
/// Seconds to answer an HTTP request, by `method`, `route` and `status`.
pub const HTTP_SECONDS: &str = "baocao_http_request_duration_seconds";
/// Always 1, with the running `version` as a label.
pub const BUILD_INFO: &str = "baocao_build_info";

const SECONDS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// Installs the Prometheus recorder; from now on the parts' figures are
/// kept. Call before starting them (the hub takes its handles at start).
pub fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(STORAGE_BATCH_SIZE.into()), BATCH_BUCKETS)
        })
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| format!("metrics: {e}"))?;
    describe();
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    Ok(handle)
}

fn describe() {
    describe_gauge!(CONNECTIONS, "Open sync WebSocket connections");
    describe_gauge!(DOCS_IN_MEMORY, "Documents the sync engine holds in memory");
    describe_counter!(SYNC_MESSAGES, "Sync messages received (in) and sent (out)");
    describe_counter!(
        SYNC_BYTES,
        "Bytes of sync messages received (in) and sent (out)"
    );
    describe_counter!(CHANGES_ACCEPTED, "Sync messages whose changes were applied");
    describe_counter!(CHANGES_REFUSED, "Changes refused, by reason");
    describe_histogram!(
        STORAGE_WRITE_SECONDS,
        metrics::Unit::Seconds,
        "Time of one group commit of the storage writer"
    );
    describe_histogram!(STORAGE_BATCH_SIZE, "Writes in one group commit");
    describe_counter!(
        STORAGE_FAILURES,
        "Storage writes that failed (kept in memory and retried)"
    );
    describe_counter!(LOGINS, "Logins by result: ok, failed, throttled");
    describe_counter!(HTTP_REQUESTS, "HTTP requests by method, route and status");
    describe_histogram!(
        HTTP_SECONDS,
        metrics::Unit::Seconds,
        "Time to answer an HTTP request, by method, route and status"
    );
    describe_gauge!(BUILD_INFO, "The running release (label version)");
}

/// Serves `GET /metrics` on `listener` until `shutdown` completes, running
/// the recorder's upkeep (histogram buckets drained) on the way.
pub async fn serve(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let upkeep = handle.clone();
    let upkeep = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    handle.render(),
                )
                    .into_response()
            }
        }),
    );
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    upkeep.abort();
    served
}

/// The hub's handles, taken once at start: no registry lookup per frame.
#[derive(Clone)]
pub struct SyncMetrics {
    connections: Gauge,
    docs_in_memory: Gauge,
    messages_in: Counter,
    messages_out: Counter,
    bytes_in: Counter,
    bytes_out: Counter,
    accepted: Counter,
}

impl SyncMetrics {
    /// Handles on the global recorder (no-ops when none is installed).
    pub fn new() -> SyncMetrics {
        SyncMetrics {
            connections: gauge!(CONNECTIONS),
            docs_in_memory: gauge!(DOCS_IN_MEMORY),
            messages_in: counter!(SYNC_MESSAGES, "direction" => "in"),
            messages_out: counter!(SYNC_MESSAGES, "direction" => "out"),
            bytes_in: counter!(SYNC_BYTES, "direction" => "in"),
            bytes_out: counter!(SYNC_BYTES, "direction" => "out"),
            accepted: counter!(CHANGES_ACCEPTED),
        }
    }

    /// A frame arrived.
    pub fn received(&self, bytes: usize) {
        self.messages_in.increment(1);
        self.bytes_in.increment(bytes as u64);
    }

    /// A frame was queued for a connection.
    pub fn sent(&self, bytes: usize) {
        self.messages_out.increment(1);
        self.bytes_out.increment(bytes as u64);
    }

    /// Changes were applied to a document.
    pub fn accepted(&self) {
        self.accepted.increment(1);
    }

    /// A change was refused; `reason` is what the sender was told.
    pub fn refused(&self, reason: &str) {
        counter!(CHANGES_REFUSED, "reason" => reason_label(reason)).increment(1);
    }

    /// How many connections and documents there are now.
    pub fn sizes(&self, connections: usize, docs: usize) {
        self.connections.set(connections as f64);
        self.docs_in_memory.set(docs as f64);
    }
}

impl Default for SyncMetrics {
    fn default() -> Self {
        SyncMetrics::new()
    }
}

/// The label of a refusal: its code (`workflow:approved`,
/// `shape:unknown-field`…), or `other` for a free-text reason — labels stay
/// few whatever a reason says.
pub fn reason_label(reason: &str) -> String {
    let code = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    };
    match reason.split_once(':') {
        Some((kind, what)) if code(kind) && code(what) && reason.len() <= 64 => reason.into(),
        _ => "other".into(),
    }
}

/// One group commit of `writes` writes took `took`; `failed` of them failed.
pub fn storage_batch(writes: usize, took: Duration, failed: usize) {
    histogram!(STORAGE_WRITE_SECONDS).record(took.as_secs_f64());
    histogram!(STORAGE_BATCH_SIZE).record(writes as f64);
    if failed > 0 {
        counter!(STORAGE_FAILURES).increment(failed as u64);
    }
}

/// A login's outcome: `ok`, `failed` or `throttled`.
pub fn login(result: &'static str) {
    counter!(LOGINS, "result" => result).increment(1);
}

/// Middleware: counts and times every request by its route pattern (never
/// the path itself, which would be one label per report).
pub async fn record_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "static".into());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_SECONDS, &labels).record(started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::reason_label;

    #[test]
    fn refusal_labels_are_codes_or_other() {
        assert_eq!(reason_label("workflow:approved"), "workflow:approved");
        assert_eq!(reason_label("shape:unknown-field"), "shape:unknown-field");
        assert_eq!(reason_label("not logged in"), "other");
        assert_eq!(
            reason_label("the field officers of report x: 5 is over 3"),
            "other"
        );
        assert_eq!(reason_label("a:b c"), "other");
    }
}
