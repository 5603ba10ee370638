//! Issue 19, must-show 3: the unmodified Rust `samod` crate (automerge-repo
//! for Rust, 0.16, dialing with its own tokio-tungstenite WebSocket dialer)
//! as a client of our server — a second ecosystem client beside JavaScript
//! (`js_interop.rs`).
//!
//! - Without accounts: a report written by our native client (the shared
//!   sync engine) is found by samod with the same content, read through
//!   `shared::ReportView` after moving samod's document into our Automerge
//!   as bytes; samod's edits reach the server (REST) and the native client.
//!   samod also creates a document of its own, which the native client
//!   reads. It cannot create a *report*: a report's id is derived from its
//!   template, unit and period (`ReportKey::document_id`), and
//!   `Repo::create` always picks a random id.
//! - With accounts, samod logged in as a commune officer (the token in the
//!   sync URL's query string): another commune's report is not found; its
//!   own commune's submitted report is, and a valid edit is accepted and
//!   durable (the reviewer reads it over REST, also after a restart); an
//!   edit the policy refuses changes nothing on the server.
//!
//! What samod hears of a refusal: the server tells refused changes as an
//! ephemeral message on the document (`{type: "changes-refused", reason}`,
//! `shared::protocol::refusal`), which samod hands to
//! `DocHandle::ephemera()`. samod keeps its change, stays connected and
//! does not offer it again. (Our first refusal message, a wire type of our
//! own, made samod drop the connection as an unknown type, reconnect and
//! offer the change again — about 9 times a second, without end.)

use automerge::{Automerge, ChangeHash, ROOT, ReadDoc, ScalarValue, transaction::Transactable};
use baocao_tests::{
    NativeClient, TestServer, child_protection_template, fill_valid_child_protection,
};
use futures_util::StreamExt;
use samod::{BackoffConfig, DialerEvent, DialerHandle, DocHandle, Repo, Url};
use shared::report::keys;
use shared::{DocumentId, ReportKey, ReportView, Value};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);
const PASSWORD: &str = "baocao-demo";
const OFFICER: &str = "cb-ba-bich";
const REVIEWER: &str = "huyen-bato";

/// samod's id of one of our documents. Both write the 16 bytes as
/// bs58check, so the ids must map exactly.
fn samod_id(id: &DocumentId) -> samod::DocumentId {
    let theirs: samod::DocumentId = id.to_string().parse().expect("samod reads our id");
    assert_eq!(theirs.as_bytes(), id.as_bytes(), "same bytes");
    assert_eq!(theirs.to_string(), id.to_string(), "same string");
    let url: samod::AutomergeUrl = id.url().parse().expect("samod reads our URL");
    assert_eq!(url.document_id(), &theirs);
    theirs
}

/// Our id of a samod document.
fn our_id(handle: &DocHandle) -> DocumentId {
    let id: DocumentId = handle.document_id().to_string().parse().expect("our id");
    assert_eq!(id.as_bytes().as_slice(), handle.document_id().as_bytes());
    id
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}

/// A samod repo (in-memory storage) dialing one server.
struct Samod {
    repo: Repo,
    dialer: DialerHandle,
    /// The dialer's lifecycle events so far, as text.
    events: Arc<Mutex<Vec<String>>>,
}

impl Samod {
    /// Dials `url` and waits for the handshake.
    async fn connect(url: &str) -> Samod {
        let repo = Repo::build_tokio().load().await;
        let backoff = BackoffConfig {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_retries: None,
        };
        let dialer = repo
            .dial_websocket(Url::parse(url).expect("a URL"), backoff)
            .expect("the repo runs");
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let watched = dialer.clone();
        // `events()` borrows the handle, so the task subscribes with its own
        // clone; on this single-threaded runtime it runs at the first await
        // below, well before the WebSocket handshake completes.
        tokio::spawn(async move {
            let mut stream = watched.events();
            while let Some(event) = stream.next().await {
                let text = match event {
                    DialerEvent::Connected { peer_info } => {
                        format!("connected to {}", peer_info.peer_id)
                    }
                    other => format!("{other:?}"),
                };
                eprintln!("samod dialer: {text}");
                seen.lock().unwrap().push(text);
            }
        });
        let peer = tokio::time::timeout(LIMIT, dialer.established())
            .await
            .expect("samod connects within the limit")
            .expect("samod's dialer connects");
        assert!(
            peer.peer_id.as_str().starts_with("baocao-server-"),
            "samod meets our server: {}",
            peer.peer_id
        );
        assert!(
            peer.storage_id.is_some(),
            "our server announces its storage id"
        );
        Samod {
            repo,
            dialer,
            events,
        }
    }

    /// `Repo::find`, bounded: the handle, or `None` when the server has
    /// nothing to give.
    async fn find(&self, id: &DocumentId) -> Option<DocHandle> {
        tokio::time::timeout(LIMIT, self.repo.find(samod_id(id)))
            .await
            .expect("samod's find answers within the limit")
            .expect("the repo runs")
    }

    /// Waits until the server told samod it has all of samod's changes of
    /// the document (our server says so only once they are stored).
    async fn until_server_has(&self, handle: &DocHandle) {
        let conn = self.dialer.connection_id().expect("connected");
        tokio::time::timeout(LIMIT, handle.they_have_our_changes(conn))
            .await
            .expect("the server has samod's changes within the limit");
    }
}

/// samod's copy of the document, moved into our Automerge as bytes.
fn as_ours(handle: &DocHandle) -> Automerge {
    let bytes = handle.with_document(|doc| doc.save());
    Automerge::load(&bytes).expect("our Automerge loads samod's document")
}

/// samod's copy of a report, read by our code, with its heads.
fn report_of(handle: &DocHandle) -> (ReportView, Vec<ChangeHash>) {
    let doc = as_ours(handle);
    let view = ReportView::read(&doc).expect("samod's copy is a readable report");
    (view, sorted(doc.get_heads()))
}

/// One change made through samod: raw Automerge operations on samod's
/// document, as any automerge-repo application would write them. (samod
/// 0.16 depends on automerge 0.12, the same release as the workspace, so
/// cargo builds one; everything compared crosses over as bytes anyway.)
fn samod_change(handle: &DocHandle, f: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) {
    handle.with_document(|doc| {
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            f(tx);
            Ok(())
        })
        .expect("samod commits the change");
    });
}

/// Sets a scalar of the report's `fields` map through samod.
fn samod_set_field(handle: &DocHandle, field: &str, value: ScalarValue) {
    samod_change(handle, |tx| {
        let (_, fields) = tx
            .get(ROOT, keys::FIELDS)
            .unwrap()
            .expect("a report has its fields map");
        tx.put(&fields, field, value).unwrap();
    });
}

/// The report as the server shows it over REST (as `token`'s holder, if any).
async fn rest_view(server: &TestServer, token: Option<&str>, id: &DocumentId) -> ReportView {
    let path = format!("/api/reports/{id}");
    let body = match token {
        Some(token) => {
            let (status, body) = server.get_json_as(token, &path).await;
            assert_eq!(status, 200, "GET {path}: {body}");
            body
        }
        None => server.api_get(&path).await,
    };
    serde_json::from_value(body).expect("the REST answer is a report view")
}

/// Waits until the server's log names a refusal of changes to `id` for
/// `reason`; panics after the limit.
async fn until_logged_refusal(log: &Path, id: &DocumentId, reason: &str) {
    let want = format!("changes refused: {reason}");
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text
            .lines()
            .any(|l| l.contains(&want) && l.contains(&id.to_string()))
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server did not log `{want}` for {id} within {LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn samod_reads_and_edits_our_reports_without_accounts() {
    let server = TestServer::start().await;
    let ws = server.ws_url();

    // Our native client writes a report.
    let key = ReportKey::new("bao-ve-tre-em", "ba-bich", "2030-H1");
    let id = key.document_id();
    let mut phone = NativeClient::new("native-phone", child_protection_template());
    phone
        .edit(&key, |r| {
            fill_valid_child_protection(r, 2);
            r.set_narrative("direction_narrative", "Đã ban hành kế hoạch năm 2030.")
                .unwrap();
        })
        .await;
    phone.connect(&ws).await.unwrap();
    phone.sync_until_acked(&[id], LIMIT).await.unwrap();

    // samod finds it, with the same content and history.
    let samod = Samod::connect(&ws).await;
    let handle = samod.find(&id).await.expect("samod finds the report");
    let (view, heads) = report_of(&handle);
    assert_eq!(view, phone.view(&key), "samod has what the phone wrote");
    assert_eq!(heads, sorted(phone.heads(&id)));
    assert_eq!(
        (view.unit.as_str(), view.period.as_str()),
        ("ba-bich", "2030-H1")
    );
    assert_eq!(view.fields.get("officers"), Some(&Value::Int(2)));
    assert_eq!(view.fields.get("villages"), Some(&Value::Int(5)));
    assert_eq!(
        view.narratives
            .get("direction_narrative")
            .map(String::as_str),
        Some("Đã ban hành kế hoạch năm 2030.")
    );

    // samod edits a figure and the narrative (text splicing).
    samod_set_field(&handle, "officers", ScalarValue::Int(3));
    samod_change(&handle, |tx| {
        let (_, text) = tx
            .get(ROOT, format!("{}direction_narrative", keys::TEXT_PREFIX))
            .unwrap()
            .expect("the narrative's text object");
        let end = tx.length(&text);
        tx.splice_text(&text, end, 0, " Samod đã sửa.").unwrap();
    });
    samod.until_server_has(&handle).await;
    server
        .wait_for_number(None, &id, "officers", 3, LIMIT)
        .await;
    let (after, samod_heads) = report_of(&handle);
    assert_eq!(after.fields.get("officers"), Some(&Value::Int(3)));
    assert_eq!(
        rest_view(&server, None, &id).await,
        after,
        "the server shows samod's edit"
    );
    phone
        .sync_until(LIMIT, |c| sorted(c.heads(&id)) == samod_heads)
        .await
        .expect("the phone gets samod's edit");
    assert_eq!(phone.view(&key), after, "the phone sees samod's edit");
    assert_eq!(
        after
            .narratives
            .get("direction_narrative")
            .map(String::as_str),
        Some("Đã ban hành kế hoạch năm 2030. Samod đã sửa.")
    );

    // samod creates a document of its own (not a report: see the top);
    // the server stores it and the phone reads it.
    let mut content = Automerge::new();
    content
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "ghi_chu", "tạo bởi samod")?;
            tx.put(ROOT, "so", 7_i64)?;
            Ok(())
        })
        .unwrap();
    let created = tokio::time::timeout(LIMIT, samod.repo.create(content))
        .await
        .expect("samod creates within the limit")
        .expect("the repo runs");
    samod.until_server_has(&created).await;
    let cid = our_id(&created);
    let created_heads = sorted(as_ours(&created).get_heads());
    phone.open(cid).await;
    phone
        .sync_until(LIMIT, |c| sorted(c.heads(&cid)) == created_heads)
        .await
        .expect("the phone gets samod's document");
    let doc = phone.doc(&cid).expect("on the phone");
    let so = doc.get(ROOT, "so").unwrap().map(|(v, _)| v.as_i64());
    assert_eq!(so, Some(Some(7)));
    let note = doc
        .get(ROOT, "ghi_chu")
        .unwrap()
        .map(|(v, _)| v.as_str().map(str::to_string));
    assert_eq!(note, Some(Some("tạo bởi samod".to_string())));

    let events = samod.events.lock().unwrap().clone();
    assert!(
        !events.iter().any(|e| e.starts_with("Disconnected")),
        "nothing here is refused, so samod stays connected: {events:?}"
    );
    samod.repo.stop().await;
}

#[tokio::test]
async fn samod_as_an_officer_edits_its_report_and_the_policy_holds() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut server = TestServer::unstarted_with_accounts_and_args(&[]);
    server.log_to(log.clone());
    server.restart().await;
    let officer = server.login(OFFICER, PASSWORD).await;
    let reviewer = server.login(REVIEWER, PASSWORD).await;

    // The demo's Ba Bích report (submitted) and another commune's.
    let ours = ReportKey::new("bao-ve-tre-em", "ba-bich", "2024-H1").document_id();
    let theirs = ReportKey::new("bao-ve-tre-em", "ba-dinh", "2024-H1").document_id();
    let stored = rest_view(&server, Some(&reviewer), &ours).await;
    assert_eq!(stored.status.as_deref(), Some("submitted"));
    assert_eq!(stored.fields.get("villages"), Some(&Value::Int(4)));
    assert_eq!(stored.fields.get("officers"), Some(&Value::Int(2)));
    let theirs_stored = rest_view(&server, Some(&reviewer), &theirs).await;

    // samod dials with the officer's token in the URL's query string.
    let samod = Samod::connect(&server.ws_url_as(&officer)).await;

    // Another commune's report: the server answers `doc-unavailable`, as for
    // a document that does not exist, and samod's find says so.
    assert!(
        samod.find(&theirs).await.is_none(),
        "an officer's samod does not get another commune's report"
    );

    // Its own commune's report: found, the same as the server's.
    let handle = samod
        .find(&ours)
        .await
        .expect("samod finds Ba Bích's report");
    let (view, _) = report_of(&handle);
    assert_eq!(view, stored, "samod has the stored report");

    // A valid edit: accepted, stored, shown to the reviewer.
    samod_set_field(&handle, "villages", ScalarValue::Int(5));
    samod.until_server_has(&handle).await;
    server
        .wait_for_number(Some(&reviewer), &ours, "villages", 5, LIMIT)
        .await;
    let accepted = rest_view(&server, Some(&reviewer), &ours).await;
    assert_eq!(
        accepted,
        report_of(&handle).0,
        "the server has samod's edit"
    );
    assert_eq!(accepted.status.as_deref(), Some("submitted"));

    // An edit the policy refuses: above the field's maximum (50) on a
    // submitted report. The server refuses it and stores nothing of it.
    let mut ephemera = Box::pin(handle.ephemera());
    let connected_before = samod.events.lock().unwrap().len();
    samod_set_field(&handle, "officers", ScalarValue::Int(51));
    assert_eq!(
        report_of(&handle).0.fields.get("officers"),
        Some(&Value::Int(51)),
        "samod holds its change"
    );
    until_logged_refusal(&log, &ours, "workflow:out-of-limits").await;
    let after_refusal = rest_view(&server, Some(&reviewer), &ours).await;
    assert_eq!(after_refusal, accepted, "the refused edit changed nothing");
    assert_eq!(after_refusal.fields.get("officers"), Some(&Value::Int(2)));

    // samod heard why, through its ephemeral messages.
    let told = tokio::time::timeout(LIMIT, ephemera.next())
        .await
        .expect("samod hears of the refusal within the limit")
        .expect("an ephemeral message");
    assert_eq!(
        shared::protocol::refusal::decode(&told).as_deref(),
        Some("workflow:out-of-limits"),
        "the refusal and its reason"
    );
    // And nothing more happens: no reconnection, no second offer.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let events = samod.events.lock().unwrap().clone();
    assert_eq!(
        events.len(),
        connected_before,
        "samod stays connected after a refusal: {events:?}"
    );
    let log_text = std::fs::read_to_string(&log).unwrap();
    let refusals = log_text
        .matches("changes refused: workflow:out-of-limits")
        .count();
    assert_eq!(refusals, 1, "the change is offered once:\n{log_text}");
    samod.repo.stop().await;

    // Durable: after a restart the reviewer still reads samod's valid edit
    // and nothing of the refused one; the other commune's report is as it was.
    server.stop().await.expect("the server stops by itself");
    server.restart().await;
    let restarted = rest_view(&server, Some(&reviewer), &ours).await;
    assert_eq!(restarted, accepted, "samod's accepted edit is stored");
    assert_eq!(restarted.fields.get("villages"), Some(&Value::Int(5)));
    assert_eq!(restarted.fields.get("officers"), Some(&Value::Int(2)));
    assert_eq!(
        rest_view(&server, Some(&reviewer), &theirs).await,
        theirs_stored
    );
}
