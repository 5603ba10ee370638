//! The sync engine: many Automerge documents synchronised over many
//! connections with the automerge-repo protocol, as a sans-IO state machine.
//!
//! The server, the browser client and the native test clients all drive the
//! same [`Synchronizer`]: feed it a [`SyncEvent`] with the current time, then
//! carry out the [`SyncResults`] — send the outgoing frames, perform the
//! storage tasks and feed their results back, close the connections it names.
//!
//! **Durable acknowledgement.** A document's sync messages advertise its
//! heads. The engine never generates a message for a document while a write
//! of that document is pending, so any heads a peer hears from us are already
//! in storage. A client that sees its heads covered by the server's therefore
//! knows its changes are durable there ([`SyncNotice::DocAcked`]).

pub mod dialer;
mod docs;
mod rate;
pub mod storage;

pub use rate::RateLimit;

use crate::protocol::ids::{DocumentId, PeerId};
use crate::protocol::wire::{PROTOCOL_VERSION, PeerMetadata, WireMessage};
use crate::time::Timestamp;
use automerge::AutoCommit;
use docs::{DocState, Phase};
use rate::TokenBucket;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use storage::{StorageAction, StorageKey, StorageOutcome, StorageResult, StorageTask, TaskId};

/// Decides what the peer on a connection may do with a document. The engine
/// asks before it reveals anything about a document and before it applies a
/// peer's changes; without a policy everything is allowed (clients, tests).
pub trait AccessPolicy: Send {
    /// Whether the peer may see the document as we hold it (empty when we
    /// hold nothing). A peer that may not gets the same answer as for a
    /// document that does not exist.
    fn may_read(&self, conn: ConnId, id: &DocumentId, doc: &automerge::Automerge) -> bool;

    /// Whether the peer's changes, which turn `before` into `after`, are
    /// accepted; `Err` says why not. Refused changes are not applied.
    fn may_write(
        &self,
        conn: ConnId,
        id: &DocumentId,
        before: &automerge::Automerge,
        after: &automerge::Automerge,
    ) -> Result<(), String>;
}

/// Identifies a connection; chosen by the adapter, unique while it is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// Who opened a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// We dialled: we send `join`.
    Outgoing,
    /// They dialled: we wait for `join`.
    Incoming,
}

/// Settings of a [`Synchronizer`].
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// Our peer id.
    pub peer_id: PeerId,
    /// Our storage id, announced in the handshake.
    pub storage_id: Option<String>,
    /// Offer every loaded document to every peer (clients), or only answer what
    /// peers ask about (servers).
    pub announce: bool,
    /// Drop documents from memory when no connection uses them (servers).
    pub evict_idle: bool,
    /// Largest frame accepted; larger ones close the connection.
    pub max_message_bytes: usize,
    /// Incremental chunks of a document kept before they are compacted.
    pub compact_after: usize,
    /// Whether documents nobody has stored yet may be created by a peer's sync.
    pub accept_new_documents: bool,
    /// Send nothing about a document until all of it is in storage, so a peer
    /// that sees its heads in ours knows they are durable (servers). Clients
    /// send at once: their own storage failing must not stop an upload.
    pub durable_acks: bool,
    /// Largest document accepted: changes that would grow a stored document
    /// beyond it are refused and the connection closed.
    pub max_document_bytes: usize,
    /// How fast one connection may bring in documents it has not used yet;
    /// messages beyond it wait (up to `max_deferred`, then the connection is
    /// closed). `None`: no limit.
    pub new_docs_rate: Option<RateLimit>,
    /// Messages one connection may have waiting for the rate limit.
    pub max_deferred: usize,
    /// Drop a document from memory when it has been idle this long even
    /// though connections still use it, keeping only how far each of them got
    /// (a few hashes), so memory follows activity, not the number of
    /// documents a long connection has touched. `None`: keep them.
    pub park_after_ms: Option<i64>,
}

impl SyncConfig {
    /// Settings for a server: answers requests, evicts idle documents.
    pub fn server(peer_id: PeerId, storage_id: String) -> SyncConfig {
        SyncConfig {
            peer_id,
            storage_id: Some(storage_id),
            announce: false,
            evict_idle: true,
            max_message_bytes: 8 * 1024 * 1024,
            compact_after: 32,
            accept_new_documents: true,
            durable_acks: true,
            max_document_bytes: 16 * 1024 * 1024,
            new_docs_rate: Some(RateLimit {
                burst: 1000,
                per_second: 100.0,
            }),
            max_deferred: 2000,
            park_after_ms: Some(30_000),
        }
    }

    /// Settings for a client: offers its documents, keeps them loaded.
    pub fn client(peer_id: PeerId, storage_id: Option<String>) -> SyncConfig {
        SyncConfig {
            peer_id,
            storage_id,
            announce: true,
            evict_idle: false,
            max_message_bytes: 32 * 1024 * 1024,
            compact_after: 16,
            accept_new_documents: true,
            durable_acks: false,
            max_document_bytes: 64 * 1024 * 1024,
            new_docs_rate: None,
            max_deferred: 2000,
            park_after_ms: None,
        }
    }
}

/// An input to the engine. Built with the constructors; opaque otherwise.
#[derive(Debug)]
pub struct SyncEvent(EventKind);

#[derive(Debug)]
enum EventKind {
    Connected(ConnId, Direction),
    Received(ConnId, Vec<u8>),
    Disconnected(ConnId),
    Storage(StorageResult),
    Open(DocumentId),
    Changed(DocumentId),
    StoredElsewhere(DocumentId),
    Tick,
}

impl SyncEvent {
    /// A connection is open (and, for [`Direction::Outgoing`], we should join).
    pub fn connected(conn: ConnId, direction: Direction) -> SyncEvent {
        SyncEvent(EventKind::Connected(conn, direction))
    }

    /// A binary frame arrived.
    pub fn received(conn: ConnId, bytes: Vec<u8>) -> SyncEvent {
        SyncEvent(EventKind::Received(conn, bytes))
    }

    /// The connection is gone.
    pub fn disconnected(conn: ConnId) -> SyncEvent {
        SyncEvent(EventKind::Disconnected(conn))
    }

    /// A storage task finished.
    pub fn storage_done(result: StorageResult) -> SyncEvent {
        SyncEvent(EventKind::Storage(result))
    }

    /// Load a document from storage (if it is not in memory) and sync it.
    pub fn open(doc: DocumentId) -> SyncEvent {
        SyncEvent(EventKind::Open(doc))
    }

    /// The application changed or inserted a document through
    /// [`Synchronizer::doc_mut`] / [`Synchronizer::insert_doc`]: save it and sync it.
    pub fn changed(doc: DocumentId) -> SyncEvent {
        SyncEvent(EventKind::Changed(doc))
    }

    /// Another writer (a server replica on the same database) stored changes
    /// of a document: if it is in memory, or a connection is parked on it,
    /// its stored chunks are read again, the new ones merged, and the result
    /// synced to the connected peers — that is how a client of one replica
    /// sees live what was pushed through another. Otherwise nothing happens:
    /// the next load reads the changes anyway.
    pub fn stored_elsewhere(doc: DocumentId) -> SyncEvent {
        SyncEvent(EventKind::StoredElsewhere(doc))
    }

    /// Time passed: retry failed saves.
    pub fn tick() -> SyncEvent {
        SyncEvent(EventKind::Tick)
    }
}

/// Something the application may want to show or act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncNotice {
    /// The handshake on a connection completed.
    PeerReady {
        /// The connection.
        conn: ConnId,
        /// The remote peer.
        peer: PeerId,
    },
    /// A document finished loading from storage (possibly empty).
    DocLoaded {
        /// The document.
        doc: DocumentId,
    },
    /// Changes from a peer were applied to a document.
    DocChanged {
        /// The document.
        doc: DocumentId,
    },
    /// Everything in the document is in our storage.
    DocSaved {
        /// The document.
        doc: DocumentId,
    },
    /// The peer on this connection holds every change of the document we hold.
    DocAcked {
        /// The document.
        doc: DocumentId,
        /// The connection.
        conn: ConnId,
    },
    /// The peer does not have the document.
    DocUnavailable {
        /// The document.
        doc: DocumentId,
        /// The connection.
        conn: ConnId,
    },
    /// The connection broke the protocol and is being closed.
    ProtocolError {
        /// The connection.
        conn: ConnId,
        /// Why.
        message: String,
    },
    /// The remote peer reported an error.
    RemoteError {
        /// The connection.
        conn: ConnId,
        /// Its message.
        message: String,
    },
    /// A storage write failed; the data stays in memory and is retried.
    StorageFailed {
        /// The document, if the task was about one.
        doc: Option<DocumentId>,
        /// Why.
        message: String,
    },
    /// A peer's changes were refused by the access policy and not applied.
    ChangesRefused {
        /// The document.
        doc: DocumentId,
        /// The connection.
        conn: ConnId,
        /// Why.
        reason: String,
    },
    /// The peer refused our changes to a document and did not apply them.
    /// They stay in our copy and are offered again when the peer's copy
    /// changes (for example when a reviewer reopens the report) or ours does.
    RefusedByPeer {
        /// The document.
        doc: DocumentId,
        /// The connection.
        conn: ConnId,
        /// Why (see [`crate::workflow::Refusal::code`]).
        reason: String,
    },
    /// A stored chunk could not be read and was skipped.
    CorruptChunk {
        /// Its key.
        key: StorageKey,
    },
}

/// What the adapter must do after an event.
#[derive(Debug, Default)]
pub struct SyncResults {
    /// Frames to send, in order, per connection.
    pub outgoing: Vec<(ConnId, Vec<u8>)>,
    /// Storage work; answer each with [`SyncEvent::storage_done`].
    pub storage: Vec<StorageTask>,
    /// Connections to close after sending their outgoing frames.
    pub close: Vec<ConnId>,
    /// Things that happened.
    pub notices: Vec<SyncNotice>,
}

#[derive(Debug)]
enum Handshake {
    AwaitingJoin,
    AwaitingPeer,
    Ready(PeerId),
}

#[derive(Debug)]
struct Conn {
    handshake: Handshake,
    closing: bool,
    /// The peer's storage id when it keeps its documents (sync state is
    /// persisted for it).
    remote_storage: Option<String>,
    /// Documents this connection has used.
    docs: BTreeSet<DocumentId>,
    /// Admits documents not used yet at the configured rate.
    budget: Option<TokenBucket>,
    /// Document messages waiting for the budget, in arrival order.
    deferred: VecDeque<(DocumentId, automerge::sync::Message, bool)>,
}

impl Conn {
    /// Whether a message about `doc` may be handled now: the document is in
    /// use on this connection already, or the budget admits it.
    fn admits(&mut self, doc: DocumentId, now: Timestamp) -> bool {
        if self.docs.contains(&doc) {
            return true;
        }
        if self.budget.as_mut().is_none_or(|b| b.take(now)) {
            self.docs.insert(doc);
            return true;
        }
        false
    }
}

/// The engine. See the module docs.
pub struct Synchronizer {
    config: SyncConfig,
    conns: BTreeMap<ConnId, Conn>,
    docs: BTreeMap<DocumentId, DocState>,
    tasks: BTreeMap<TaskId, (DocumentId, TaskPurpose)>,
    next_task: u64,
    /// The time of the event being handled.
    now: Timestamp,
    /// Documents dropped from memory while connections used them: per
    /// connection, the heads shared with it, restored when the document loads.
    parked: BTreeMap<ConnId, BTreeMap<DocumentId, Vec<automerge::ChangeHash>>>,
    /// Who may read and write what; `None`: everyone everything.
    policy: Option<Box<dyn AccessPolicy>>,
}

impl std::fmt::Debug for Synchronizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synchronizer")
            .field("peer_id", &self.config.peer_id)
            .field("connections", &self.conns.len())
            .field("documents", &self.docs.len())
            .field("policy", &self.policy.is_some())
            .finish()
    }
}

#[derive(Debug, Clone)]
enum TaskPurpose {
    Load,
    /// Reading chunks another writer stored, into a document already loaded.
    Refresh,
    Save {
        chunk: StorageKey,
        len: usize,
        heads: Vec<automerge::ChangeHash>,
    },
    Compact {
        key: StorageKey,
        len: usize,
        replaced: Vec<StorageKey>,
    },
    SyncState {
        storage: String,
    },
}

impl Synchronizer {
    /// An engine with no connections and no documents.
    pub fn new(config: SyncConfig) -> Synchronizer {
        Synchronizer {
            config,
            conns: BTreeMap::new(),
            docs: BTreeMap::new(),
            tasks: BTreeMap::new(),
            next_task: 1,
            now: Timestamp(0),
            parked: BTreeMap::new(),
            policy: None,
        }
    }

    /// Enforces `policy` on every connection from now on.
    pub fn set_policy(&mut self, policy: Box<dyn AccessPolicy>) {
        self.policy = Some(policy);
    }

    /// Our peer id.
    pub fn peer_id(&self) -> &PeerId {
        &self.config.peer_id
    }

    /// A loaded document, for reading and editing. After editing, send
    /// [`SyncEvent::changed`].
    pub fn doc_mut(&mut self, id: &DocumentId) -> Option<&mut AutoCommit> {
        match self.docs.get_mut(id) {
            Some(d) if d.phase == Phase::Ready => Some(&mut d.doc),
            _ => None,
        }
    }

    /// Ids of documents in memory and ready.
    pub fn loaded_docs(&self) -> Vec<DocumentId> {
        self.docs
            .iter()
            .filter(|(_, d)| d.phase == Phase::Ready)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Adds a document created by the application (merging it into any copy
    /// already loaded). Follow with [`SyncEvent::changed`].
    pub fn insert_doc(&mut self, id: DocumentId, mut doc: AutoCommit) {
        match self.docs.get_mut(&id) {
            Some(d) if d.phase == Phase::Ready => {
                let _ = d.doc.merge(&mut doc);
            }
            Some(d) => d.pending_insert = Some(doc),
            None => {
                self.docs.insert(id, DocState::ready(doc));
            }
        }
    }

    /// True when every change of the document is in our storage.
    pub fn is_saved(&mut self, id: &DocumentId) -> bool {
        self.docs.get_mut(id).is_some_and(|d| d.is_saved())
    }

    /// True when the peer on `conn` holds every change of the document.
    pub fn is_acked(&mut self, id: &DocumentId, conn: ConnId) -> bool {
        self.docs.get_mut(id).is_some_and(|d| d.covered_by(conn))
    }

    /// Connections whose handshake completed, with their peers.
    pub fn ready_peers(&self) -> Vec<(ConnId, PeerId)> {
        self.conns
            .iter()
            .filter_map(|(c, s)| match &s.handshake {
                Handshake::Ready(p) if !s.closing => Some((*c, p.clone())),
                _ => None,
            })
            .collect()
    }

    /// Number of documents in memory.
    pub fn docs_in_memory(&self) -> usize {
        self.docs.len()
    }

    /// Processes one event. `now` is only used for timing decisions.
    pub fn handle(&mut self, now: Timestamp, event: SyncEvent) -> SyncResults {
        let mut out = SyncResults::default();
        self.now = now;
        match event.0 {
            EventKind::Connected(conn, dir) => self.on_connected(conn, dir, &mut out),
            EventKind::Received(conn, bytes) => self.on_received(conn, bytes, &mut out),
            EventKind::Disconnected(conn) => self.on_disconnected(conn, &mut out),
            EventKind::Storage(r) => self.on_storage(r, &mut out),
            EventKind::Open(doc) => self.on_open(doc, &mut out),
            EventKind::Changed(doc) => self.on_changed(doc, &mut out),
            EventKind::StoredElsewhere(doc) => self.on_stored_elsewhere(doc, &mut out),
            EventKind::Tick => {
                let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
                for id in ids {
                    self.save_if_needed(id, &mut out);
                }
                self.park_idle(&mut out);
            }
        }
        self.run_deferred(&mut out);
        out
    }

    /// Handles deferred document messages the rate limit now admits, keeping
    /// each document's messages in order.
    fn run_deferred(&mut self, out: &mut SyncResults) {
        let now = self.now;
        let waiting: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| !c.deferred.is_empty() && !c.closing)
            .map(|(id, _)| *id)
            .collect();
        for conn in waiting {
            let Some(c) = self.conns.get_mut(&conn) else {
                continue;
            };
            let mut ready = Vec::new();
            let mut still = VecDeque::new();
            let mut blocked = BTreeSet::new();
            for (doc, message, is_request) in std::mem::take(&mut c.deferred) {
                if !blocked.contains(&doc) && c.admits(doc, now) {
                    ready.push((doc, message, is_request));
                } else {
                    blocked.insert(doc);
                    still.push_back((doc, message, is_request));
                }
            }
            c.deferred = still;
            for (doc, message, is_request) in ready {
                self.on_doc_message(conn, doc, message, is_request, out);
            }
        }
    }

    /// Lets a document message through the connection's rate limit, or makes
    /// it wait behind earlier ones.
    fn admit(
        &mut self,
        conn: ConnId,
        doc: DocumentId,
        message: automerge::sync::Message,
        is_request: bool,
        out: &mut SyncResults,
    ) {
        let now = self.now;
        let max = self.config.max_deferred;
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let waits_already = c.deferred.iter().any(|(d, _, _)| *d == doc);
        if !waits_already && c.admits(doc, now) {
            return self.on_doc_message(conn, doc, message, is_request, out);
        }
        if c.deferred.len() >= max {
            let rate = self.config.new_docs_rate.map_or(0.0, |r| r.per_second);
            return self.fail(
                conn,
                format!(
                    "too many new documents on one connection: more than {max} waiting \
                     for the limit of {rate} per second"
                ),
                out,
            );
        }
        c.deferred.push_back((doc, message, is_request));
    }

    fn on_connected(&mut self, conn: ConnId, dir: Direction, out: &mut SyncResults) {
        let handshake = match dir {
            Direction::Incoming => Handshake::AwaitingJoin,
            Direction::Outgoing => {
                let join = WireMessage::Join {
                    sender_id: self.config.peer_id.clone(),
                    supported_protocol_versions: vec![PROTOCOL_VERSION.into()],
                    metadata: Some(self.metadata()),
                };
                out.outgoing.push((conn, join.encode()));
                Handshake::AwaitingPeer
            }
        };
        self.conns.insert(
            conn,
            Conn {
                handshake,
                closing: false,
                remote_storage: None,
                docs: BTreeSet::new(),
                budget: self.config.new_docs_rate.map(TokenBucket::new),
                deferred: VecDeque::new(),
            },
        );
    }

    fn metadata(&self) -> PeerMetadata {
        PeerMetadata {
            storage_id: self.config.storage_id.clone(),
            is_ephemeral: self.config.storage_id.is_none(),
        }
    }

    fn on_disconnected(&mut self, conn: ConnId, out: &mut SyncResults) {
        // Last chance to remember how far this peer got.
        let ids: Vec<DocumentId> = self
            .docs
            .iter()
            .filter(|(_, d)| d.peers.contains_key(&conn))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.persist_sync_state(id, conn, out);
        }
        self.conns.remove(&conn);
        self.parked.remove(&conn);
        for d in self.docs.values_mut() {
            d.peers.remove(&conn);
            d.queued.retain(|(c, _, _)| *c != conn);
        }
        self.evict_idle(out);
    }

    /// Drops documents idle for `park_after_ms` although connections use
    /// them, remembering for each connection the heads it shares.
    fn park_idle(&mut self, out: &mut SyncResults) {
        let Some(after) = self.config.park_after_ms else {
            return;
        };
        let now = self.now;
        let idle: Vec<DocumentId> = self
            .docs
            .iter_mut()
            .filter(|(_, d)| {
                d.phase == Phase::Ready && !d.peers.is_empty() && now.0 - d.last_used.0 >= after
            })
            .filter_map(|(id, d)| d.is_idle().then_some(*id))
            .collect();
        for id in idle {
            if self.fold_before_leaving(id, out) {
                continue;
            }
            let Some(d) = self.docs.remove(&id) else {
                continue;
            };
            for (conn, peer) in d.peers {
                self.parked
                    .entry(conn)
                    .or_default()
                    .insert(id, peer.state.shared_heads);
            }
        }
    }

    /// Gives a document that just loaded back the connections parked on it.
    fn unpark(&mut self, doc_id: DocumentId) {
        let conns: Vec<ConnId> = self
            .parked
            .iter()
            .filter(|(_, docs)| docs.contains_key(&doc_id))
            .map(|(c, _)| *c)
            .collect();
        for conn in conns {
            let Some(heads) = self.parked.get_mut(&conn).and_then(|m| m.remove(&doc_id)) else {
                continue;
            };
            if self.parked.get(&conn).is_some_and(BTreeMap::is_empty) {
                self.parked.remove(&conn);
            }
            if let Some(d) = self.docs.get_mut(&doc_id) {
                let peer = d.peers.entry(conn).or_default();
                peer.state.shared_heads = heads;
                peer.sent_any = true;
            }
        }
    }

    fn evict_idle(&mut self, out: &mut SyncResults) {
        if !self.config.evict_idle {
            return;
        }
        let idle: Vec<DocumentId> = self
            .docs
            .iter_mut()
            .filter(|(_, d)| d.phase == Phase::Ready && d.peers.is_empty())
            .filter_map(|(id, d)| d.is_idle().then_some(*id))
            .collect();
        for id in idle {
            if !self.fold_before_leaving(id, out) {
                self.docs.remove(&id);
            }
        }
    }

    fn fail(&mut self, conn: ConnId, message: String, out: &mut SyncResults) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.closing {
            return;
        }
        c.closing = true;
        out.outgoing.push((
            conn,
            WireMessage::Error {
                message: message.clone(),
            }
            .encode(),
        ));
        out.close.push(conn);
        out.notices
            .push(SyncNotice::ProtocolError { conn, message });
        for d in self.docs.values_mut() {
            d.peers.remove(&conn);
        }
    }

    /// Closes a connection the peer ended (error or leave), without answering.
    fn close(&mut self, conn: ConnId, out: &mut SyncResults) {
        out.close.push(conn);
        if let Some(c) = self.conns.get_mut(&conn) {
            c.closing = true;
        }
    }

    fn on_received(&mut self, conn: ConnId, bytes: Vec<u8>, out: &mut SyncResults) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        if c.closing {
            return;
        }
        if bytes.len() > self.config.max_message_bytes {
            let limit = self.config.max_message_bytes;
            return self.fail(
                conn,
                format!(
                    "message of {} bytes exceeds the limit of {limit}",
                    bytes.len()
                ),
                out,
            );
        }
        let msg = match WireMessage::decode(&bytes) {
            Ok(m) => m,
            Err(e) => return self.fail(conn, format!("cannot decode message: {e}"), out),
        };
        let (peer, msg) = match (&c.handshake, msg) {
            (
                Handshake::AwaitingJoin,
                WireMessage::Join {
                    sender_id,
                    supported_protocol_versions,
                    metadata,
                },
            ) => {
                if !supported_protocol_versions
                    .iter()
                    .any(|v| v == PROTOCOL_VERSION)
                {
                    return self.fail(
                        conn,
                        format!("unsupported protocol versions {supported_protocol_versions:?}"),
                        out,
                    );
                }
                let reply = WireMessage::Peer {
                    sender_id: self.config.peer_id.clone(),
                    target_id: sender_id.clone(),
                    selected_protocol_version: PROTOCOL_VERSION.into(),
                    metadata: Some(self.metadata()),
                };
                out.outgoing.push((conn, reply.encode()));
                return self.peer_ready(conn, sender_id, metadata, out);
            }
            (
                Handshake::AwaitingPeer,
                WireMessage::Peer {
                    sender_id,
                    metadata,
                    ..
                },
            ) => {
                return self.peer_ready(conn, sender_id, metadata, out);
            }
            (_, WireMessage::Error { message }) => {
                out.notices.push(SyncNotice::RemoteError { conn, message });
                return self.close(conn, out);
            }
            (_, WireMessage::Leave { .. }) => return self.close(conn, out),
            (Handshake::Ready(p), m) => (p.clone(), m),
            (_, _) => return self.fail(conn, "expected the join/peer handshake first".into(), out),
        };
        let is_request = matches!(msg, WireMessage::Request { .. });
        match msg {
            WireMessage::Sync {
                sender_id,
                target_id,
                document_id,
                data,
            }
            | WireMessage::Request {
                sender_id,
                target_id,
                document_id,
                data,
            } => {
                if sender_id != peer || target_id != self.config.peer_id {
                    return self.fail(
                        conn,
                        "senderId or targetId does not match the handshake".into(),
                        out,
                    );
                }
                match automerge::sync::Message::decode(&data) {
                    Ok(m) => self.admit(conn, document_id, m, is_request, out),
                    Err(e) => self.fail(
                        conn,
                        format!("invalid Automerge sync message for {document_id}: {e}"),
                        out,
                    ),
                }
            }
            WireMessage::DocUnavailable { document_id, .. } => {
                out.notices.push(SyncNotice::DocUnavailable {
                    doc: document_id,
                    conn,
                });
            }
            WireMessage::ChangesRefused {
                document_id,
                reason,
                ..
            } => {
                // Forget what we told the peer: our sync state believes the
                // refused changes are on their way. A fresh state makes the
                // next exchange (started by either side's next change) work
                // out again what the peer lacks, and offer them once more.
                if let Some(d) = self.docs.get_mut(&document_id)
                    && let Some(p) = d.peers.get_mut(&conn)
                {
                    *p = docs::PeerDoc::default();
                }
                out.notices.push(SyncNotice::RefusedByPeer {
                    doc: document_id,
                    conn,
                    reason,
                });
            }
            WireMessage::Join { .. } | WireMessage::Peer { .. } => {
                self.fail(conn, "handshake repeated".into(), out)
            }
            // The remote-heads protocol carries nothing we store.
            WireMessage::Other { message_type }
                if matches!(
                    message_type.as_str(),
                    "remote-subscription-change" | "remote-heads-changed"
                ) => {}
            WireMessage::Other { message_type } => {
                self.fail(conn, format!("unknown message type {message_type:?}"), out)
            }
            // Ephemeral messages are for live presence; we keep nothing of them.
            _ => {}
        }
    }

    fn peer_ready(
        &mut self,
        conn: ConnId,
        peer: PeerId,
        metadata: Option<PeerMetadata>,
        out: &mut SyncResults,
    ) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.handshake = Handshake::Ready(peer.clone());
            c.remote_storage = metadata
                .filter(|m| !m.is_ephemeral)
                .and_then(|m| m.storage_id);
        }
        out.notices.push(SyncNotice::PeerReady { conn, peer });
        if self.config.announce {
            for id in self.loaded_docs() {
                self.announce(id, out);
            }
        }
    }

    fn on_doc_message(
        &mut self,
        conn: ConnId,
        doc_id: DocumentId,
        message: automerge::sync::Message,
        is_request: bool,
        out: &mut SyncResults,
    ) {
        let durable = self.config.durable_acks;
        match self.docs.get_mut(&doc_id) {
            None => {
                let mut d = DocState::loading();
                d.queued.push_back((conn, message, is_request));
                self.docs.insert(doc_id, d);
                self.read(doc_id, TaskPurpose::Load, out);
            }
            // While loading, and (with durable acks) while a write is under
            // way, messages wait: each is answered only after what the one
            // before it brought is stored, so every reply names durable heads
            // and Automerge's view of what the peer has heard stays true.
            Some(d) if d.phase == Phase::Loading || (durable && d.saving.is_some()) => {
                d.queued.push_back((conn, message, is_request))
            }
            Some(_) => self.apply_message(conn, doc_id, message, is_request, out),
        }
    }

    fn apply_message(
        &mut self,
        conn: ConnId,
        doc_id: DocumentId,
        message: automerge::sync::Message,
        is_request: bool,
        out: &mut SyncResults,
    ) {
        let accept_new = self.config.accept_new_documents;
        let max_doc = self.config.max_document_bytes;
        let peer_id = self.config.peer_id.clone();
        let (remote, storage) = match self.conns.get(&conn) {
            Some(Conn {
                handshake: Handshake::Ready(p),
                remote_storage,
                ..
            }) => (p.clone(), remote_storage.clone()),
            _ => return,
        };
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return;
        };
        let unavailable = WireMessage::DocUnavailable {
            sender_id: peer_id.clone(),
            target_id: remote.clone(),
            document_id: doc_id,
        };
        if d.is_empty() && !accept_new && !is_request {
            out.outgoing.push((conn, unavailable.encode()));
            return;
        }
        let incoming: usize = message.changes.iter().map(<[u8]>::len).sum();
        if incoming > 0 && d.stored_bytes() + incoming > max_doc {
            let stored = d.stored_bytes();
            return self.fail(
                conn,
                format!(
                    "document {doc_id} would grow to {} bytes, over the limit of {max_doc}",
                    stored + incoming
                ),
                out,
            );
        }
        // A document the peer may not see is answered as if it did not exist.
        let hidden = !d.is_empty()
            && self
                .policy
                .as_ref()
                .is_some_and(|p| !p.may_read(conn, &doc_id, d.doc.document()));
        if hidden {
            d.peers.remove(&conn);
            out.outgoing.push((conn, unavailable.encode()));
            return;
        }
        let sender_has_nothing = message.heads.is_empty();
        d.last_used = self.now;
        let before = d.doc.get_heads();
        if !d.peers.contains_key(&conn) {
            let resumed = d.resumed_peer(storage.as_deref());
            d.peers.insert(conn, resumed);
        }
        let Some(peer) = d.peers.get_mut(&conn) else {
            return;
        };
        let result = match (&self.policy, incoming > 0) {
            (Some(policy), true) => {
                // Apply to a copy, let the policy judge the result, and keep
                // it only if allowed.
                use automerge::sync::SyncDoc;
                let mut doc = d.doc.clone();
                let mut state = peer.state.clone();
                let received = doc.sync().receive_sync_message(&mut state, message);
                match received {
                    Err(e) => Err(e),
                    Ok(()) => {
                        let verdict =
                            policy.may_write(conn, &doc_id, d.doc.document(), doc.document());
                        match verdict {
                            Ok(()) => {
                                d.doc = doc;
                                peer.state = state;
                            }
                            Err(reason) => {
                                // Nothing applied. The peer hears why, keeps
                                // its changes, and we start over with it: a
                                // fresh sync state, so when the document
                                // changes here (a reopened report) the peer
                                // is asked again and offers them once more.
                                let refused = WireMessage::ChangesRefused {
                                    sender_id: peer_id.clone(),
                                    target_id: remote.clone(),
                                    document_id: doc_id,
                                    reason: reason.clone(),
                                };
                                out.outgoing.push((conn, refused.encode()));
                                out.notices.push(SyncNotice::ChangesRefused {
                                    doc: doc_id,
                                    conn,
                                    reason,
                                });
                                *peer = docs::PeerDoc::default();
                                if d.is_empty() && d.peers.len() == 1 {
                                    self.docs.remove(&doc_id);
                                }
                                return;
                            }
                        }
                        Ok(())
                    }
                }
            }
            _ => {
                use automerge::sync::SyncDoc;
                d.doc.sync().receive_sync_message(&mut peer.state, message)
            }
        };
        if let Err(e) = result {
            return self.fail(conn, format!("cannot apply changes to {doc_id}: {e}"), out);
        }
        let after = d.doc.get_heads();
        if before != after {
            out.notices.push(SyncNotice::DocChanged { doc: doc_id });
        }
        if is_request && d.is_empty() {
            // Neither side has it: say so (and keep the peer registered, so it
            // hears about the document if someone uploads it later).
            out.outgoing.push((conn, unavailable.encode()));
            return;
        }
        if d.is_empty() && sender_has_nothing {
            // A `sync` (not a request) about a document neither side has: an
            // answer to a request nobody made. Say we do not have it, and
            // forget it.
            out.outgoing.push((conn, unavailable.encode()));
            d.peers.remove(&conn);
            if d.peers.is_empty() && d.queued.is_empty() && d.saving.is_none() {
                self.docs.remove(&doc_id);
            }
            return;
        }
        self.save_if_needed(doc_id, out);
        self.sync_doc(doc_id, out);
        self.check_acks(doc_id, out);
    }

    fn on_open(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        if self.docs.contains_key(&doc_id) {
            if self.config.announce {
                self.announce(doc_id, out);
            }
            return;
        }
        self.docs.insert(doc_id, DocState::loading());
        self.read(doc_id, TaskPurpose::Load, out);
    }

    fn on_stored_elsewhere(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        match self.docs.get_mut(&doc_id) {
            Some(d) if d.phase == Phase::Ready && !d.refreshing => {
                d.refreshing = true;
                self.read(doc_id, TaskPurpose::Refresh, out);
            }
            // A read is under way that may have missed the new chunks: read
            // once more when it is done.
            Some(d) => d.refresh_again = true,
            None => {
                if self.parked.values().any(|docs| docs.contains_key(&doc_id)) {
                    self.on_open(doc_id, out);
                }
            }
        }
    }

    /// Merges the chunks another writer stored into the loaded document. The
    /// chunk list becomes exactly what storage holds (another writer may have
    /// compacted), so our own compaction replaces only chunks it has merged.
    fn on_refreshed(
        &mut self,
        doc_id: DocumentId,
        chunks: Vec<(StorageKey, Vec<u8>)>,
        out: &mut SyncResults,
    ) {
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return;
        };
        d.refreshing = false;
        // Everything in memory was in storage, so after merging what storage
        // holds it still is; with unsaved changes the next save writes them
        // (and may repeat some of the merged ones: harmless, chunks are sets).
        let was_saved = d.saving.is_none() && d.is_saved();
        let before = d.doc.get_heads();
        let mut stored = BTreeMap::new();
        for (key, bytes) in chunks {
            if key.chunk_kind().is_none() {
                continue;
            }
            if !d.chunks.contains_key(&key) && d.doc.load_incremental(&bytes).is_err() {
                out.notices.push(SyncNotice::CorruptChunk { key });
                continue;
            }
            stored.insert(key, bytes.len());
        }
        d.chunks = stored;
        let heads = d.doc.get_heads();
        if was_saved {
            d.saved_heads = heads.clone();
        }
        if heads != before {
            d.last_used = self.now;
            out.notices.push(SyncNotice::DocChanged { doc: doc_id });
            // What the application derives from saved documents (the
            // server's projection) must see the merged state too.
            if was_saved {
                out.notices.push(SyncNotice::DocSaved { doc: doc_id });
            }
            self.save_if_needed(doc_id, out);
            self.sync_doc(doc_id, out);
            self.check_acks(doc_id, out);
        }
        self.refresh_if_asked(doc_id, out);
    }

    /// Reads the document again if another writer stored more while it was
    /// being read.
    fn refresh_if_asked(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        if self
            .docs
            .get_mut(&doc_id)
            .is_some_and(|d| std::mem::take(&mut d.refresh_again))
        {
            self.on_stored_elsewhere(doc_id, out);
        }
    }

    fn on_changed(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let now = self.now;
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return;
        };
        d.last_used = now;
        if self.config.announce {
            self.announce(doc_id, out);
        }
        self.save_if_needed(doc_id, out);
        self.sync_doc(doc_id, out);
    }

    /// Registers every ready connection as a peer of the document.
    fn announce(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let conns: Vec<(ConnId, Option<String>)> = self
            .ready_peers()
            .into_iter()
            .map(|(c, _)| (c, self.conns.get(&c).and_then(|s| s.remote_storage.clone())))
            .collect();
        if let Some(d) = self.docs.get_mut(&doc_id) {
            for (c, storage) in conns {
                if !d.peers.contains_key(&c) {
                    let resumed = d.resumed_peer(storage.as_deref());
                    d.peers.insert(c, resumed);
                }
            }
        }
        self.sync_doc(doc_id, out);
    }

    fn new_task(
        &mut self,
        doc: DocumentId,
        purpose: TaskPurpose,
        action: StorageAction,
    ) -> StorageTask {
        let id = TaskId(self.next_task);
        self.next_task += 1;
        self.tasks.insert(id, (doc, purpose));
        StorageTask { id, action }
    }

    /// Reads everything stored for the document, to load it or refresh it.
    fn read(&mut self, doc_id: DocumentId, purpose: TaskPurpose, out: &mut SyncResults) {
        let task = self.new_task(
            doc_id,
            purpose,
            StorageAction::Load {
                prefix: StorageKey::doc_prefix(&doc_id),
            },
        );
        out.storage.push(task);
    }

    /// Writes the changes not yet in storage, if no write is under way.
    fn save_if_needed(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return;
        };
        if d.phase != Phase::Ready || d.saving.is_some() {
            return;
        }
        let heads = d.doc.get_heads();
        if heads == d.saved_heads {
            return;
        }
        // Nothing stored yet: the first save is the whole document, compact
        // (a snapshot is a fraction of the changes it holds, and loads faster).
        let (kind, data) = if d.chunks.is_empty() {
            (storage::ChunkKind::Snapshot, d.doc.save())
        } else {
            (
                storage::ChunkKind::Incremental,
                d.doc.save_after(&d.saved_heads),
            )
        };
        if data.is_empty() {
            d.saved_heads = heads;
            return;
        }
        let chunk = StorageKey::chunk(&doc_id, kind, &data);
        let task = self.new_task(
            doc_id,
            TaskPurpose::Save {
                chunk: chunk.clone(),
                len: data.len(),
                heads: heads.clone(),
            },
            StorageAction::Put { key: chunk, data },
        );
        if let Some(d) = self.docs.get_mut(&doc_id) {
            d.saving = Some(task.id);
        }
        out.storage.push(task);
    }

    fn maybe_compact(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let limit = self.config.compact_after;
        if self.docs.get(&doc_id).is_some_and(|d| d.chunks.len() > limit) {
            self.compact(doc_id, out);
        }
    }

    /// A document about to leave memory folds its incremental chunks into
    /// one snapshot first, once: the next load reads one compact chunk.
    /// True when a fold started (the document stays until it is written).
    fn fold_before_leaving(&mut self, doc_id: DocumentId, out: &mut SyncResults) -> bool {
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return false;
        };
        if d.chunks.len() <= 1 || d.fold_tried {
            return false;
        }
        d.fold_tried = true;
        self.compact(doc_id, out);
        true
    }

    /// Replaces every stored chunk of the document by one snapshot.
    fn compact(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return;
        };
        if d.compacting || d.saving.is_some() {
            return;
        }
        let data = d.doc.save();
        let key = StorageKey::chunk(&doc_id, storage::ChunkKind::Snapshot, &data);
        let replaced: Vec<StorageKey> = d.chunks.keys().filter(|k| **k != key).cloned().collect();
        d.compacting = true;
        let task = self.new_task(
            doc_id,
            TaskPurpose::Compact {
                key: key.clone(),
                len: data.len(),
                replaced: replaced.clone(),
            },
            StorageAction::Compact {
                key,
                data,
                delete: replaced,
            },
        );
        out.storage.push(task);
    }

    fn on_storage(&mut self, result: StorageResult, out: &mut SyncResults) {
        let Some((doc_id, purpose)) = self.tasks.remove(&result.id) else {
            return;
        };
        match (purpose, result.outcome) {
            (TaskPurpose::Load, StorageOutcome::Loaded(chunks)) => {
                self.on_loaded(doc_id, chunks, out)
            }
            (TaskPurpose::Refresh, StorageOutcome::Loaded(chunks)) => {
                self.on_refreshed(doc_id, chunks, out)
            }
            (TaskPurpose::Refresh, outcome) => {
                // The changes stay in storage; the next notice or load reads them.
                if let Some(d) = self.docs.get_mut(&doc_id) {
                    d.refreshing = false;
                }
                if let StorageOutcome::Failed(message) = outcome {
                    out.notices.push(SyncNotice::StorageFailed {
                        doc: Some(doc_id),
                        message,
                    });
                }
            }
            (TaskPurpose::Load, StorageOutcome::Failed(message)) => {
                out.notices.push(SyncNotice::StorageFailed {
                    doc: Some(doc_id),
                    message,
                });
                // Without its stored state we must not answer for the document.
                if let Some(d) = self.docs.remove(&doc_id) {
                    let conns: BTreeSet<ConnId> = d.queued.iter().map(|(c, _, _)| *c).collect();
                    for c in conns {
                        self.fail(
                            c,
                            format!("document {doc_id} is unavailable right now"),
                            out,
                        );
                    }
                }
            }
            (TaskPurpose::Save { chunk, len, heads }, StorageOutcome::Done) => {
                if let Some(d) = self.docs.get_mut(&doc_id) {
                    d.saving = None;
                    d.saved_heads = heads;
                    d.chunks.insert(chunk, len);
                }
                // More may have arrived while writing.
                self.save_if_needed(doc_id, out);
                if self.docs.get_mut(&doc_id).is_some_and(|d| d.is_saved()) {
                    out.notices.push(SyncNotice::DocSaved { doc: doc_id });
                }
                self.sync_doc(doc_id, out);
                self.check_acks(doc_id, out);
                self.drain_queued(doc_id, out);
                self.maybe_compact(doc_id, out);
            }
            (TaskPurpose::Save { .. }, outcome) => {
                if let Some(d) = self.docs.get_mut(&doc_id) {
                    d.saving = None;
                }
                out.notices.push(SyncNotice::StorageFailed {
                    doc: Some(doc_id),
                    message: match outcome {
                        StorageOutcome::Failed(m) => m,
                        _ => "unexpected storage answer".into(),
                    },
                });
            }
            (TaskPurpose::Compact { key, len, replaced }, StorageOutcome::Done) => {
                if let Some(d) = self.docs.get_mut(&doc_id) {
                    d.compacting = false;
                    for k in &replaced {
                        d.chunks.remove(k);
                    }
                    d.chunks.insert(key, len);
                }
            }
            (TaskPurpose::SyncState { .. }, StorageOutcome::Done) => {}
            (TaskPurpose::SyncState { storage }, outcome) => {
                // Not written: forget the claim, so it is written again later.
                if let Some(d) = self.docs.get_mut(&doc_id) {
                    d.persisted_sync.remove(&storage);
                }
                if let StorageOutcome::Failed(message) = outcome {
                    out.notices.push(SyncNotice::StorageFailed {
                        doc: Some(doc_id),
                        message,
                    });
                }
            }
            (TaskPurpose::Compact { .. }, outcome) => {
                if let Some(d) = self.docs.get_mut(&doc_id) {
                    d.compacting = false;
                }
                if let StorageOutcome::Failed(message) = outcome {
                    out.notices.push(SyncNotice::StorageFailed {
                        doc: Some(doc_id),
                        message,
                    });
                }
            }
            (TaskPurpose::Load, StorageOutcome::Done) => {}
        }
        self.evict_idle(out);
    }

    fn on_loaded(
        &mut self,
        doc_id: DocumentId,
        mut chunks: Vec<(StorageKey, Vec<u8>)>,
        out: &mut SyncResults,
    ) {
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return;
        };
        // Snapshots first: incremental chunks then apply on top without queueing.
        chunks.sort_by_key(|(k, _)| k.chunk_kind() != Some(storage::ChunkKind::Snapshot));
        let mut doc = AutoCommit::new();
        let mut sync_states = Vec::new();
        for (key, bytes) in chunks {
            if let Some(storage) = key.sync_state_peer() {
                sync_states.push((storage.to_string(), bytes));
                continue;
            }
            if key.chunk_kind().is_none() {
                continue;
            }
            match doc.load_incremental(&bytes) {
                Ok(_) => {
                    d.chunks.insert(key, bytes.len());
                }
                Err(_) => out.notices.push(SyncNotice::CorruptChunk { key }),
            }
        }
        // A sync state is only believed when we hold everything it says we
        // share: otherwise the peer would never send what we are missing.
        for (storage, bytes) in sync_states {
            if let Ok(state) = automerge::sync::State::decode(&bytes)
                && state
                    .shared_heads
                    .iter()
                    .all(|h| doc.get_change_by_hash(h).is_some())
            {
                d.persisted_sync.insert(storage, state.shared_heads);
            }
        }
        // What came from storage is durable; a document the application
        // inserted meanwhile is merged on top and saved below.
        d.saved_heads = doc.get_heads();
        if let Some(mut pending) = d.pending_insert.take() {
            let _ = doc.merge(&mut pending);
        }
        d.doc = doc;
        d.phase = Phase::Ready;
        d.last_used = self.now;
        out.notices.push(SyncNotice::DocLoaded { doc: doc_id });
        self.unpark(doc_id);
        self.drain_queued(doc_id, out);
        self.save_if_needed(doc_id, out);
        if self.config.announce {
            self.announce(doc_id, out);
        }
        self.refresh_if_asked(doc_id, out);
    }

    /// Applies waiting messages in arrival order, stopping whenever one starts
    /// a write that must finish first (durable acks).
    fn drain_queued(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let durable = self.config.durable_acks;
        loop {
            let Some(d) = self.docs.get_mut(&doc_id) else {
                return;
            };
            if d.phase != Phase::Ready || (durable && d.saving.is_some()) {
                return;
            }
            let Some((conn, message, is_request)) = d.queued.pop_front() else {
                return;
            };
            self.apply_message(conn, doc_id, message, is_request, out);
        }
    }

    /// Generates a sync message for every peer of the document — unless a write
    /// is pending, in which case the storage completion does it.
    fn sync_doc(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let peer_id = self.config.peer_id.clone();
        let durable = self.config.durable_acks;
        let targets: BTreeMap<ConnId, PeerId> = self.ready_peers().into_iter().collect();
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return;
        };
        // Durable acknowledgement: never advertise heads that are not stored.
        if d.phase != Phase::Ready || (durable && (d.saving.is_some() || !d.is_saved())) {
            return;
        }
        let empty = d.is_empty();
        let conns: Vec<ConnId> = d.peers.keys().copied().collect();
        for conn in conns {
            let Some(target) = targets.get(&conn) else {
                continue;
            };
            // Checked on every send: a peer that waited for a document it may
            // not read hears nothing when someone else uploads it.
            if !empty
                && let Some(policy) = &self.policy
                && !policy.may_read(conn, &doc_id, d.doc.document())
            {
                d.peers.remove(&conn);
                continue;
            }
            let Some(peer) = d.peers.get_mut(&conn) else {
                continue;
            };
            let msg = {
                use automerge::sync::SyncDoc;
                d.doc.sync().generate_sync_message(&mut peer.state)
            };
            if let Some(msg) = msg {
                let data = msg.encode();
                let wire = if empty && !peer.sent_any {
                    WireMessage::Request {
                        sender_id: peer_id.clone(),
                        target_id: target.clone(),
                        document_id: doc_id,
                        data,
                    }
                } else {
                    WireMessage::Sync {
                        sender_id: peer_id.clone(),
                        target_id: target.clone(),
                        document_id: doc_id,
                        data,
                    }
                };
                peer.sent_any = true;
                out.outgoing.push((conn, wire.encode()));
            }
        }
    }

    fn check_acks(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return;
        };
        let conns: Vec<ConnId> = d.peers.keys().copied().collect();
        let mut newly = Vec::new();
        for conn in conns {
            let covered = d.covered_by(conn);
            if let Some(p) = d.peers.get_mut(&conn) {
                if covered && !p.acked {
                    out.notices.push(SyncNotice::DocAcked { doc: doc_id, conn });
                    newly.push(conn);
                }
                p.acked = covered;
            }
        }
        for conn in newly {
            self.persist_sync_state(doc_id, conn, out);
        }
    }

    /// Writes how far we got with a persistent peer on this document, if that
    /// moved since the last write and everything we claim to share is in our
    /// storage.
    fn persist_sync_state(&mut self, doc_id: DocumentId, conn: ConnId, out: &mut SyncResults) {
        let Some(storage) = self.conns.get(&conn).and_then(|c| c.remote_storage.clone()) else {
            return;
        };
        let Some(key) = StorageKey::sync_state(&doc_id, &storage) else {
            return;
        };
        let Some(d) = self.docs.get_mut(&doc_id) else {
            return;
        };
        if d.phase != Phase::Ready || !d.is_saved() {
            return;
        }
        let Some(peer) = d.peers.get(&conn) else {
            return;
        };
        let shared = peer.state.shared_heads.clone();
        if shared.is_empty() || d.persisted_sync.get(&storage) == Some(&shared) {
            return;
        }
        let data = peer.state.encode();
        d.persisted_sync.insert(storage.clone(), shared);
        let task = self.new_task(
            doc_id,
            TaskPurpose::SyncState { storage },
            StorageAction::Put { key, data },
        );
        out.storage.push(task);
    }
}
