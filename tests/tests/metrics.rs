//! Issue 18, must-show 2: `serve --metrics-listen` serves Prometheus metrics
//! on a listener of its own, and they move with what happens: a phone's
//! connection and sync, an accepted and a refused change, a failed and a
//! good login, the storage writes, the HTTP requests. The same run logs as
//! JSON (`--log-format json`): every line an object, request ids in the
//! spans, never a password or a session token.

use baocao_tests::{
    NativeClient, TestServer, child_protection_template, fill_valid_child_protection,
};
use shared::workflow::Step;
use shared::{ReportKey, Value};
use std::time::{Duration, Instant};

const OFFICER: &str = "cb-ba-bich";
const PASSWORD: &str = "baocao-demo";
const WRONG_PASSWORD: &str = "not-the-Pa55word";
const LIMIT: Duration = Duration::from_secs(20);

/// One scrape: every sample line as (series, value).
struct Scrape(Vec<(String, f64)>);

impl Scrape {
    async fn of(url: &str) -> Scrape {
        let response = reqwest::get(url).await.expect("scrape");
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        let text = response.text().await.unwrap();
        Scrape(
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| {
                    let (series, value) = l.rsplit_once(' ')?;
                    Some((series.to_string(), value.parse().ok()?))
                })
                .collect(),
        )
    }

    /// The sum over the series of `name` carrying every one of `labels`
    /// (`result="ok"`…); 0 when there is none.
    fn sum(&self, name: &str, labels: &[&str]) -> f64 {
        self.0
            .iter()
            .filter(|(series, _)| {
                let metric = series.split('{').next().unwrap_or("");
                metric == name && labels.iter().all(|l| series.contains(l))
            })
            .map(|(_, v)| v)
            .sum()
    }
}

#[tokio::test]
async fn metrics_move_after_a_sync_a_refusal_and_a_failed_login() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut server = TestServer::unstarted_with_accounts_and_args(&[
        "--metrics-listen",
        "127.0.0.1:0",
        "--log-format",
        "json",
    ]);
    server.log_to(log.clone());
    server.restart().await;
    let url = server
        .metrics_url()
        .expect("the banner names the metrics URL")
        .to_string();
    assert!(
        !url.contains(&format!(":{}/", server.port())),
        "metrics share the public port: {url}"
    );
    let before = Scrape::of(&url).await;
    assert_eq!(
        before.sum(
            "baocao_build_info",
            &[&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    // Not on the public port: there /metrics is just the web app's fallback.
    let public = reqwest::get(format!("{}/metrics", server.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !public.contains("baocao_build_info") && !public.contains("# TYPE"),
        "metrics on the public port"
    );

    let (status, _) = server
        .post_json(
            "/api/login",
            serde_json::json!({"user": OFFICER, "password": WRONG_PASSWORD}),
        )
        .await;
    assert_eq!(status, 401);
    let token = server.login(OFFICER, PASSWORD).await;

    // One report the server accepts, one submission it refuses (a rule fails).
    let good = ReportKey::new("bao-ve-tre-em", "ba-bich", "2033-H1");
    let bad = ReportKey::new("bao-ve-tre-em", "ba-bich", "2034-H1");
    let mut phone = NativeClient::new("phone-ba-bich", child_protection_template());
    phone
        .edit(&good, |r| fill_valid_child_protection(r, 2))
        .await;
    phone.connect(&server.ws_url_as(&token)).await.unwrap();
    phone
        .sync_until_acked(&[good.document_id()], LIMIT)
        .await
        .unwrap();
    phone
        .edit(&bad, |r| {
            fill_valid_child_protection(r, 2);
            r.set_field("cultural_points", Some(&Value::Int(9)))
                .unwrap();
            r.take_step(Step::Submit, OFFICER, "").unwrap();
        })
        .await;
    let bad_id = bad.document_id();
    phone
        .sync_until(LIMIT, |c| c.refused().contains_key(&bad_id))
        .await
        .unwrap();

    let during = Scrape::of(&url).await;
    let moved = |name: &str, labels: &[&str]| during.sum(name, labels) - before.sum(name, labels);
    assert_eq!(
        during.sum("baocao_connections", &[]),
        1.0,
        "one phone connected"
    );
    assert!(during.sum("baocao_documents_in_memory", &[]) >= 1.0);
    // Two reports' changes went in; handshakes and acknowledgements came out.
    for (direction, bytes) in [("direction=\"in\"", 1000.0), ("direction=\"out\"", 100.0)] {
        assert!(
            moved("baocao_sync_messages_total", &[direction]) >= 2.0,
            "{direction}"
        );
        assert!(
            moved("baocao_sync_bytes_total", &[direction]) > bytes,
            "{direction}"
        );
    }
    assert!(moved("baocao_changes_accepted_total", &[]) >= 1.0);
    assert_eq!(
        moved(
            "baocao_changes_refused_total",
            &["reason=\"workflow:invalid\""]
        ),
        1.0
    );
    assert_eq!(moved("baocao_logins_total", &["result=\"failed\""]), 1.0);
    assert_eq!(moved("baocao_logins_total", &["result=\"ok\""]), 1.0);
    assert!(moved("baocao_storage_write_seconds_count", &[]) >= 1.0);
    assert!(moved("baocao_storage_batch_size_count", &[]) >= 1.0);
    assert!(moved("baocao_storage_batch_size_sum", &[]) >= 1.0);
    let login = ["route=\"/api/login\"", "method=\"POST\""];
    assert_eq!(
        moved(
            "baocao_http_requests_total",
            &[&login[..], &["status=\"401\""]].concat()
        ),
        1.0
    );
    assert_eq!(
        moved(
            "baocao_http_requests_total",
            &[&login[..], &["status=\"200\""]].concat()
        ),
        1.0
    );
    assert_eq!(
        moved(
            "baocao_http_request_duration_seconds_count",
            &[&login[..], &["status=\"401\""]].concat()
        ),
        1.0
    );
    // Routes are the router's patterns, never a path per report.
    let reviewer = server.login("huyen-bato", PASSWORD).await;
    let (status, _) = server
        .get_json_as(&reviewer, &format!("/api/reports/{}", good.document_id()))
        .await;
    assert_eq!(status, 200);
    let after = Scrape::of(&url).await;
    assert_eq!(
        after.sum(
            "baocao_http_requests_total",
            &["route=\"/api/reports/{id}\"", "status=\"200\""]
        ),
        1.0
    );
    assert!(
        !after
            .0
            .iter()
            .any(|(s, _)| s.contains(&good.document_id().to_string())),
        "a document id in a label"
    );

    // The phone leaves: the connection gauge comes back down.
    phone.disconnect().await;
    let deadline = Instant::now() + LIMIT;
    while Scrape::of(&url).await.sum("baocao_connections", &[]) != 0.0 {
        assert!(Instant::now() < deadline, "the connection gauge never fell");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    assert!(server.stop().await.is_some_and(|s| s.success()));
    let log = std::fs::read_to_string(&log).unwrap();
    let mut in_request = 0;
    for line in log.lines() {
        let event: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            event["level"].is_string() && event["timestamp"].is_string(),
            "{line}"
        );
        if let Some(span) = event["span"].as_object()
            && matches!(span["name"].as_str(), Some("http" | "sync"))
        {
            let id = span["request_id"].as_str().unwrap_or("");
            assert_eq!(id.len(), 36, "a request span without its id: {line}");
            in_request += 1;
        }
    }
    assert!(in_request >= 2, "no log line inside a request:\n{log}");
    for secret in [PASSWORD, WRONG_PASSWORD, token.as_str(), reviewer.as_str()] {
        assert!(!log.contains(secret), "the log holds a secret: {secret}");
    }
}
