//! A native sync client built on the shared engine: what a phone does, minus
//! the browser. Storage is an in-memory key/value map (a phone's local storage);
//! the connection is a real WebSocket to the real server. The engine runs in
//! the shared [`Driver`], as on the server and in the browser; frames it
//! queues are written to the socket after each event.

use automerge::{AutoCommit, ChangeHash};
use futures_util::{SinkExt, StreamExt};
use shared::sync::storage::{MemoryStore, StorageResult, StorageTask};
use shared::sync::{
    Adapter, Closed, ConnId, Direction, Driver, Gone, Storage, SyncConfig, SyncEvent, SyncNotice,
    Synchronizer, Transport,
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
    driver: Driver,
    io: PhoneIo,
    template: Template,
    ws: Option<(ConnId, Ws)>,
    next_conn: u64,
    /// The close frames the server sent (code, reason), oldest first.
    pub closed_by_server: Vec<(u16, String)>,
    /// WebSocket payload bytes sent and received on the current connection.
    wire: (usize, usize),
}

/// The phone's side of the [`Driver`]: its storage, the frames waiting for
/// the socket, and what the notices told.
#[derive(Default)]
struct PhoneIo {
    store: MemoryStore,
    /// The connection frames are for; `None` while disconnected.
    current: Option<ConnId>,
    /// Frames queued by the engine, written after each event.
    outbox: Vec<Vec<u8>>,
    /// The engine asked to close the connection.
    close_requested: bool,
    /// Documents the server has acknowledged since the last local change.
    acked: BTreeSet<DocumentId>,
    /// Every notice seen.
    notices: Vec<SyncNotice>,
    /// Documents whose changes the server refused, with its reason, until
    /// it acknowledges them.
    refused: std::collections::BTreeMap<DocumentId, String>,
}

impl Transport for PhoneIo {
    fn send(&mut self, conn: ConnId, frame: Vec<u8>) -> Result<(), Gone> {
        // Frames for a connection that is gone are dropped: the next
        // connection starts a fresh sync that sends what the server lacks.
        if self.current == Some(conn) {
            self.outbox.push(frame);
        }
        Ok(())
    }

    fn close(&mut self, conn: ConnId) -> Closed {
        if self.current == Some(conn) {
            self.close_requested = true;
        }
        // The socket is closed after the frames before it are written.
        Closed::Later
    }
}

impl Storage for PhoneIo {
    fn submit(&mut self, task: StorageTask) -> Option<StorageResult> {
        self.store.submit(task)
    }
}

impl Adapter for PhoneIo {
    // A client has no access policy: nothing is learnt.
    fn notice(&mut self, n: SyncNotice, engine: &mut Synchronizer) {
        match &n {
            SyncNotice::DocAcked { doc, .. } => {
                self.acked.insert(*doc);
                self.refused.remove(doc);
            }
            SyncNotice::RefusedByPeer { doc, reason, .. } => {
                self.refused.insert(*doc, reason.clone());
            }
            SyncNotice::DocChanged { doc } => {
                let acked = self.current.is_some_and(|c| engine.is_acked(doc, c));
                if !acked {
                    self.acked.remove(doc);
                }
            }
            _ => {}
        }
        self.notices.push(n);
    }
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
            driver: Driver::new(Synchronizer::new(SyncConfig::client(
                PeerId::new(name),
                Some(format!("{name}-storage")),
            ))),
            io: PhoneIo::default(),
            template,
            ws: None,
            next_conn: 0,
            closed_by_server: Vec::new(),
            wire: (0, 0),
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

    /// Documents whose changes the server refused, with its reason, until
    /// it acknowledges them.
    pub fn refused(&self) -> &std::collections::BTreeMap<DocumentId, String> {
        &self.io.refused
    }

    /// Every notice the engine gave, oldest first.
    pub fn notices(&self) -> &[SyncNotice] {
        &self.io.notices
    }

    /// Edits a report locally (creating it if needed), as one change.
    pub async fn edit(&mut self, key: &ReportKey, f: impl FnOnce(&mut ReportDoc<'_>)) {
        let id = key.document_id();
        let engine = self.driver.engine_mut();
        if engine.doc_mut(&id).is_none() {
            engine.insert_doc(id, AutoCommit::new());
        }
        let doc = engine.doc_mut(&id).expect("document just inserted");
        let mut r = ReportDoc::open(doc, key, &self.template, now()).expect("open report");
        f(&mut r);
        r.commit();
        self.io.acked.remove(&id);
        self.feed(SyncEvent::changed(id)).await;
    }

    /// Changes any loaded document directly through Automerge (documents that
    /// are not reports, such as those other automerge-repo peers create).
    pub async fn edit_raw(&mut self, id: &DocumentId, f: impl FnOnce(&mut AutoCommit)) {
        let doc = self.doc(id).expect("document on this phone");
        f(doc);
        doc.commit();
        self.io.acked.remove(id);
        self.feed(SyncEvent::changed(*id)).await;
    }

    /// Adds a whole document (merged into any copy already here), stores it
    /// and offers it when connected.
    pub async fn insert(&mut self, id: DocumentId, doc: AutoCommit) {
        self.driver.engine_mut().insert_doc(id, doc);
        self.io.acked.remove(&id);
        self.feed(SyncEvent::changed(id)).await;
    }

    /// A loaded document, read-only use intended.
    pub fn doc(&mut self, id: &DocumentId) -> Option<&mut AutoCommit> {
        self.driver.engine_mut().doc_mut(id)
    }

    /// Asks for a document this phone does not have yet.
    pub async fn open(&mut self, id: DocumentId) {
        self.feed(SyncEvent::open(id)).await;
    }

    /// The report as this phone sees it.
    pub fn view(&mut self, key: &ReportKey) -> ReportView {
        let doc = self.doc(&key.document_id()).expect("report on this phone");
        ReportView::read(doc.document()).expect("readable report")
    }

    /// Heads of a document on this phone.
    pub fn heads(&mut self, id: &DocumentId) -> Vec<ChangeHash> {
        self.doc(id).map(|d| d.get_heads()).unwrap_or_default()
    }

    /// Opens the WebSocket and starts the handshake.
    pub async fn connect(&mut self, url: &str) -> Result<(), String> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| format!("{}: cannot connect: {e}", self.name))?;
        self.next_conn += 1;
        let conn = ConnId(self.next_conn);
        self.ws = Some((conn, ws));
        self.io.current = Some(conn);
        self.wire = (0, 0);
        self.feed(SyncEvent::connected(conn, Direction::Outgoing))
            .await;
        Ok(())
    }

    /// Drops the connection (as losing signal does).
    pub async fn disconnect(&mut self) {
        if let Some((_, mut ws)) = self.ws.take() {
            let _ = ws.close(None).await;
            self.lost().await;
        }
    }

    /// WebSocket payload bytes (sent, received) since the last connect.
    pub fn wire_bytes(&self) -> (usize, usize) {
        self.wire
    }

    /// True while connected.
    pub fn is_connected(&self) -> bool {
        self.ws.is_some()
    }

    /// True when the server acknowledged every change of the document.
    pub fn is_acked(&self, id: &DocumentId) -> bool {
        self.io.acked.contains(id)
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
            let all = docs.iter().all(|d| self.io.acked.contains(d));
            let now_i = Instant::now();
            if now_i >= deadline {
                return Err(format!(
                    "{}: not acknowledged within {timeout:?}: {:?}",
                    self.name,
                    docs.iter()
                        .filter(|d| !self.io.acked.contains(d))
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
    /// The engine's own timers (a write to retry) fire meanwhile.
    async fn receive_one(&mut self, wait: Duration) -> Result<bool, String> {
        let Some((conn, ws)) = self.ws.as_mut() else {
            return Err(format!("{}: not connected", self.name));
        };
        let conn = *conn;
        let due = self
            .driver
            .poll_timeout()
            .map(|at| Duration::from_millis(u64::try_from(at.0 - now().0).unwrap_or(0)));
        let (wait, timer) = match due {
            Some(due) if due < wait => (due, true),
            _ => (wait, false),
        };
        let next = match tokio::time::timeout(wait, ws.next()).await {
            Err(_) if timer => {
                self.driver.handle_timeout(now(), &mut self.io);
                self.flush().await;
                return Ok(false);
            }
            Err(_) => return Ok(false),
            Ok(n) => n,
        };
        match next {
            Some(Ok(Message::Binary(bytes))) => {
                self.wire.1 += bytes.len();
                self.feed(SyncEvent::received(conn, bytes.to_vec())).await;
                Ok(true)
            }
            Some(Ok(Message::Close(frame))) => {
                self.closed_by_server.push(
                    frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new())),
                );
                self.ws = None;
                self.lost().await;
                Ok(false)
            }
            None | Some(Err(_)) => {
                self.ws = None;
                self.lost().await;
                Ok(false)
            }
            Some(Ok(_)) => Ok(true),
        }
    }

    /// Feeds one event through the driver, then writes what it queued.
    async fn feed(&mut self, event: SyncEvent) {
        self.driver.handle(now(), event, &mut self.io);
        self.flush().await;
    }

    /// The socket is gone: the engine forgets the connection.
    async fn lost(&mut self) {
        if let Some(conn) = self.io.current.take() {
            self.io.outbox.clear();
            self.io.close_requested = false;
            self.feed(SyncEvent::disconnected(conn)).await;
        }
    }

    /// Writes the queued frames to the socket, in order, and closes it if the
    /// engine asked to.
    async fn flush(&mut self) {
        let frames = std::mem::take(&mut self.io.outbox);
        if let Some((_, ws)) = self.ws.as_mut() {
            for frame in frames {
                self.wire.0 += frame.len();
                if ws.send(Message::Binary(frame.into())).await.is_err() {
                    self.ws = None;
                    break;
                }
            }
        }
        if std::mem::take(&mut self.io.close_requested)
            && let Some((_, mut ws)) = self.ws.take()
        {
            let _ = ws.close(None).await;
        }
        if self.ws.is_none() {
            Box::pin(self.lost()).await;
        }
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
