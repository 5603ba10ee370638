//! A native sync client built on the shared engine: what a phone does, minus
//! the browser. Storage is an in-memory key/value map (a phone's local storage);
//! the connection is a real WebSocket to the real server.

use automerge::{AutoCommit, ChangeHash};
use futures_util::{SinkExt, StreamExt};
use shared::sync::storage::{MemoryStore, StorageTask};
use shared::sync::{
    ConnId, Direction, SyncConfig, SyncEvent, SyncNotice, SyncResults, Synchronizer,
};
use shared::{DocumentId, PeerId, ReportDoc, ReportKey, ReportView, Template, Timestamp};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One simulated phone.
pub struct NativeClient {
    name: String,
    sync: Synchronizer,
    store: MemoryStore,
    template: Template,
    ws: Option<(ConnId, Ws)>,
    next_conn: u64,
    /// Documents the server has acknowledged since the last local change.
    acked: BTreeSet<DocumentId>,
    /// Every notice seen (for assertions).
    pub notices: Vec<SyncNotice>,
    /// Errors the server sent.
    pub remote_errors: Vec<String>,
    /// Documents whose changes the server refused, with its reason, until
    /// it acknowledges them.
    pub refused: std::collections::BTreeMap<DocumentId, String>,
    /// The close frames the server sent (code, reason), oldest first.
    pub closed_by_server: Vec<(u16, String)>,
}

fn now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
    )
}

impl NativeClient {
    /// A phone with empty storage.
    pub fn new(name: &str, template: Template) -> NativeClient {
        NativeClient {
            name: name.into(),
            sync: Synchronizer::new(SyncConfig::client(
                PeerId::new(name),
                Some(format!("{name}-storage")),
            )),
            store: MemoryStore::default(),
            template,
            ws: None,
            next_conn: 0,
            acked: BTreeSet::new(),
            notices: Vec::new(),
            remote_errors: Vec::new(),
            refused: Default::default(),
            closed_by_server: Vec::new(),
        }
    }

    /// The phone meets another version of its template (from the server's
    /// directory); later edits are checked against it.
    pub fn set_template(&mut self, template: Template) {
        self.template = template;
    }

    /// The phone's name (its peer id).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Edits a report locally (creating it if needed), as one change.
    pub async fn edit(&mut self, key: &ReportKey, f: impl FnOnce(&mut ReportDoc<'_>)) {
        let id = key.document_id();
        if self.sync.doc_mut(&id).is_none() {
            self.sync.insert_doc(id, AutoCommit::new());
        }
        let doc = self.sync.doc_mut(&id).expect("document just inserted");
        let mut r = ReportDoc::open(doc, key, &self.template, now()).expect("open report");
        f(&mut r);
        r.commit();
        self.acked.remove(&id);
        let res = self.sync.handle(now(), SyncEvent::changed(id));
        self.carry_out(res).await;
    }

    /// Changes any loaded document directly through Automerge (documents that
    /// are not reports, such as those other automerge-repo peers create).
    pub async fn edit_raw(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit)) {
        let doc = self.sync.doc_mut(id).expect("document on this phone");
        f(doc);
        doc.commit();
        self.acked.remove(id);
        let res = self.sync.handle(now(), SyncEvent::changed(*id));
        self.carry_out(res).await;
    }

    /// A loaded document, read-only use intended.
    pub fn doc(&mut self, id: &DocumentId) -> Option<&mut AutoCommit> {
        self.sync.doc_mut(id)
    }

    /// Asks for a document this phone does not have yet.
    pub async fn open(&mut self, id: DocumentId) {
        let res = self.sync.handle(now(), SyncEvent::open(id));
        self.carry_out(res).await;
    }

    /// The report as this phone sees it.
    pub fn view(&mut self, key: &ReportKey) -> ReportView {
        let doc = self
            .sync
            .doc_mut(&key.document_id())
            .expect("report on this phone");
        ReportView::read(doc.document()).expect("readable report")
    }

    /// Heads of a document on this phone.
    pub fn heads(&mut self, id: &DocumentId) -> Vec<ChangeHash> {
        self.sync
            .doc_mut(id)
            .map(|d| d.get_heads())
            .unwrap_or_default()
    }

    /// Opens the WebSocket and starts the handshake.
    pub async fn connect(&mut self, url: &str) -> Result<(), String> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| format!("{}: cannot connect: {e}", self.name))?;
        self.next_conn += 1;
        let conn = ConnId(self.next_conn);
        self.ws = Some((conn, ws));
        let res = self
            .sync
            .handle(now(), SyncEvent::connected(conn, Direction::Outgoing));
        self.carry_out(res).await;
        Ok(())
    }

    /// Drops the connection (as losing signal does).
    pub async fn disconnect(&mut self) {
        if let Some((conn, mut ws)) = self.ws.take() {
            let _ = ws.close(None).await;
            let res = self.sync.handle(now(), SyncEvent::disconnected(conn));
            self.absorb(res.notices);
        }
    }

    /// True while connected.
    pub fn is_connected(&self) -> bool {
        self.ws.is_some()
    }

    /// True when the server acknowledged every change of the document.
    pub fn is_acked(&self, id: &DocumentId) -> bool {
        self.acked.contains(id)
    }

    /// Exchanges messages until every listed document is acknowledged by the
    /// server and nothing more arrives for `quiet`, or `timeout` passes.
    pub async fn sync_until_acked(
        &mut self,
        docs: &[DocumentId],
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let quiet = Duration::from_millis(300);
        loop {
            let all = docs.iter().all(|d| self.acked.contains(d));
            let now_i = Instant::now();
            if now_i >= deadline {
                return Err(format!(
                    "{}: not acknowledged within {timeout:?}: {:?}",
                    self.name,
                    docs.iter()
                        .filter(|d| !self.acked.contains(d))
                        .collect::<Vec<_>>()
                ));
            }
            let wait = if all { quiet } else { deadline - now_i };
            match self.receive_one(wait).await? {
                true => continue,
                false if all => return Ok(()),
                false => continue,
            }
        }
    }

    /// Exchanges messages until `done` holds for this phone, or `timeout`
    /// passes.
    pub async fn sync_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&mut NativeClient) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        while !done(self) {
            let now_i = Instant::now();
            if now_i >= deadline {
                return Err(format!(
                    "{}: condition not met within {timeout:?}",
                    self.name
                ));
            }
            self.receive_one((deadline - now_i).min(Duration::from_millis(200)))
                .await?;
        }
        Ok(())
    }

    /// Processes incoming frames for `dur`.
    pub async fn pump(&mut self, dur: Duration) -> Result<(), String> {
        let deadline = Instant::now() + dur;
        while Instant::now() < deadline {
            let left = deadline - Instant::now();
            self.receive_one(left).await?;
            if self.ws.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// Waits up to `wait` for one frame; returns whether one was processed.
    async fn receive_one(&mut self, wait: Duration) -> Result<bool, String> {
        let Some((conn, ws)) = self.ws.as_mut() else {
            return Err(format!("{}: not connected", self.name));
        };
        let conn = *conn;
        let next = match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => return Ok(false),
            Ok(n) => n,
        };
        match next {
            Some(Ok(Message::Binary(bytes))) => {
                let res = self
                    .sync
                    .handle(now(), SyncEvent::received(conn, bytes.to_vec()));
                self.carry_out(res).await;
                Ok(true)
            }
            Some(Ok(Message::Close(frame))) => {
                self.closed_by_server.push(
                    frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new())),
                );
                self.ws = None;
                let res = self.sync.handle(now(), SyncEvent::disconnected(conn));
                self.carry_out(res).await;
                Ok(false)
            }
            None | Some(Err(_)) => {
                self.ws = None;
                let res = self.sync.handle(now(), SyncEvent::disconnected(conn));
                self.carry_out(res).await;
                Ok(false)
            }
            Some(Ok(_)) => Ok(true),
        }
    }

    /// Carries out the engine's results: frames to the socket, storage tasks
    /// (whose completions may produce more results), notices, closes.
    async fn carry_out(&mut self, first: SyncResults) {
        let mut queue = std::collections::VecDeque::from([first]);
        let mut close_requested = false;
        while let Some(res) = queue.pop_front() {
            // A client has no access policy: nothing is learnt.
            let SyncResults {
                outgoing,
                storage,
                close,
                notices,
                learnt: _,
            } = res;
            for (conn, bytes) in outgoing {
                // Frames for a connection that is gone are dropped: the next
                // connection starts a fresh sync that sends what the server lacks.
                if let Some((c, ws)) = self.ws.as_mut()
                    && *c == conn
                    && ws.send(Message::Binary(bytes.into())).await.is_err()
                {
                    self.ws = None;
                }
            }
            self.absorb(notices);
            for task in storage {
                queue.push_back(self.perform(task));
            }
            close_requested |= !close.is_empty();
        }
        if close_requested && let Some((conn, mut ws)) = self.ws.take() {
            let _ = ws.close(None).await;
            let res = self.sync.handle(now(), SyncEvent::disconnected(conn));
            self.absorb(res.notices);
        }
    }

    fn absorb(&mut self, notices: Vec<SyncNotice>) {
        for n in notices {
            match &n {
                SyncNotice::DocAcked { doc, .. } => {
                    self.acked.insert(*doc);
                    self.refused.remove(doc);
                }
                SyncNotice::RefusedByPeer { doc, reason, .. } => {
                    self.refused.insert(*doc, reason.clone());
                }
                SyncNotice::DocChanged { doc } => {
                    let id = *doc;
                    let acked = self
                        .ws
                        .as_ref()
                        .is_some_and(|(c, _)| self.sync.is_acked(&id, *c));
                    if !acked {
                        self.acked.remove(&id);
                    }
                }
                SyncNotice::RemoteError { message, .. } => self.remote_errors.push(message.clone()),
                _ => {}
            }
            self.notices.push(n);
        }
    }

    fn perform(&mut self, task: StorageTask) -> SyncResults {
        let result = self.store.perform(task);
        self.sync.handle(now(), SyncEvent::storage_done(result))
    }
}

/// Pumps both clients, never reconnecting, until they hold the same heads of
/// `id`; panics after `limit`.
pub async fn converge(
    a: &mut NativeClient,
    b: &mut NativeClient,
    id: &DocumentId,
    limit: Duration,
) {
    let deadline = Instant::now() + limit;
    while a.heads(id) != b.heads(id) {
        assert!(
            Instant::now() < deadline,
            "{} and {} did not converge within {limit:?}",
            a.name(),
            b.name()
        );
        a.pump(Duration::from_millis(50)).await.unwrap();
        b.pump(Duration::from_millis(50)).await.unwrap();
    }
}
