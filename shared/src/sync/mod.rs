//! The sync engine: many Automerge documents synchronised over many
//! connections with the automerge-repo protocol, as a sans-IO state machine.
//!
//! The server, the browser client and the native test clients all drive the
//! same [`Synchronizer`]: feed it a [`SyncEvent`] with the current time, then
//! carry out the [`SyncResults`] — store what the access policy learnt,
//! send the outgoing frames, perform the storage tasks and feed their results
//! back, close the connections it names. It keeps no clock: between events
//! the driver waits until [`Synchronizer::poll_timeout`] and then calls
//! [`Synchronizer::handle_timeout`].
//!
//! Layout: `connection` (handshake, a connection's lifetime, frames, rate
//! limit), `document` (sync messages through the access policy, acks),
//! `persistence` (load, save, compaction, refresh, eviction), `docs` (the
//! per-document state), [`storage`] (the storage tasks and keys).
//!
//! **Durable acknowledgement.** A document's sync messages advertise its
//! heads. The engine never generates a message for a document while a write
//! of that document is pending, so any heads a peer hears from us are already
//! in storage. A client that sees its heads covered by the server's therefore
//! knows its changes are durable there ([`SyncNotice::DocAcked`]).

mod connection;
pub mod dialer;
mod docs;
mod document;
mod driver;
mod persistence;
mod rate;
pub mod storage;

pub use driver::{Adapter, Closed, Driver, Gone, Storage, Transport};
pub use rate::RateLimit;

use crate::protocol::ids::{DocumentId, PeerId};
use crate::time::Timestamp;
use automerge::AutoCommit;
use connection::{Conn, Handshake};
use docs::{DocState, Phase};
use persistence::TaskPurpose;
use std::collections::BTreeMap;
use storage::{StorageKey, StorageResult, StorageTask, TaskId};

/// Decides what the peer on a connection may do with a document. The engine
/// asks before it reveals anything about a document and before it applies a
/// peer's changes; without a policy everything is allowed (clients, tests).
pub trait AccessPolicy: Send {
    /// Whether the peer may see the document as we hold it (empty when we
    /// hold nothing). A peer that may not gets the same answer as for a
    /// document that does not exist.
    fn may_read(&self, conn: ConnId, id: &DocumentId, doc: &automerge::Automerge) -> bool;

    /// Whether the peer's changes, which turn `before` into `after`, are
    /// accepted, and what accepting them taught the policy (the verdict's
    /// `learnt`, handed to the driver in [`SyncResults::learnt`]). Refused
    /// changes are not applied.
    fn may_write(
        &self,
        conn: ConnId,
        id: &DocumentId,
        before: &automerge::Automerge,
        after: &automerge::Automerge,
    ) -> Verdict;
}

/// A fact an access policy learnt while accepting a change, which must be
/// stored before the change is acknowledged (who wrote what).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// An actor id is the given user's.
    Actor {
        /// The automerge actor id, hex.
        actor: String,
        /// The user.
        user: String,
    },
    /// A document that is not a report now belongs to the user.
    Owner {
        /// The document.
        doc: DocumentId,
        /// The user.
        user: String,
    },
}

/// An access policy's answer about a change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Why the change is refused; `None`: accepted.
    pub refused: Option<String>,
    /// What accepting it taught the policy (empty when refused).
    pub learnt: Vec<Binding>,
}

impl Verdict {
    /// Accepted, having learnt `learnt`.
    pub fn accept(learnt: Vec<Binding>) -> Verdict {
        Verdict {
            refused: None,
            learnt,
        }
    }

    /// Refused, for `reason`.
    pub fn refuse(reason: impl Into<String>) -> Verdict {
        Verdict {
            refused: Some(reason.into()),
            learnt: Vec::new(),
        }
    }
}

impl From<Result<(), String>> for Verdict {
    fn from(r: Result<(), String>) -> Verdict {
        match r {
            Ok(()) => Verdict::accept(Vec::new()),
            Err(reason) => Verdict::refuse(reason),
        }
    }
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
    /// Most documents kept in memory while connections use them: beyond it
    /// the least recently used ones in sync with all their connections are
    /// parked (see `park_after_ms`). `None`: no cap.
    pub max_docs_in_memory: Option<usize>,
    /// How long after a failed write the unsaved documents are written again.
    pub retry_after_ms: i64,
    /// Our ephemeral-message session (automerge-repo's `sessionId`), which
    /// peers use with a counter to drop repeats: new for every run of the
    /// program, chosen by the adapter from its source of randomness (the
    /// constructors use the peer id, enough for peers that send none).
    pub session_id: String,
}

impl SyncConfig {
    /// Settings for a server: answers requests, evicts idle documents.
    pub fn server(peer_id: PeerId, storage_id: String) -> SyncConfig {
        SyncConfig {
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
            max_docs_in_memory: Some(256),
            retry_after_ms: 1_000,
            session_id: peer_id.to_string(),
            peer_id,
        }
    }

    /// Settings for a client: offers its documents, keeps them loaded.
    pub fn client(peer_id: PeerId, storage_id: Option<String>) -> SyncConfig {
        SyncConfig {
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
            max_docs_in_memory: None,
            // A phone's storage fails when it is full: no use hammering it.
            retry_after_ms: 10_000,
            session_id: peer_id.to_string(),
            peer_id,
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
    /// What the access policy learnt from the changes accepted here: store
    /// it before (or with) the storage tasks, so an acknowledged change is
    /// never stored without who made it.
    pub learnt: Vec<Binding>,
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
    /// A write failed: when to try the unsaved documents again.
    retry_at: Option<Timestamp>,
    /// When idle documents were last looked for (see `park_after_ms`).
    parked_at: Timestamp,
    /// The peer (and its storage id) our last dialled connection completed
    /// its handshake with: the next one sends sync messages right after its
    /// join (see `Handshake::Assumed`).
    last_server: Option<(PeerId, Option<String>)>,
    /// The counter of our ephemeral messages (with `SyncConfig::session_id`).
    ephemeral_count: u64,
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
            retry_at: None,
            parked_at: Timestamp(0),
            last_server: None,
            ephemeral_count: 0,
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

    /// Connections sync messages may go to: handshake completed, or
    /// assumed (`Handshake::Assumed`).
    pub(crate) fn sync_targets(&self) -> Vec<(ConnId, PeerId)> {
        self.conns
            .iter()
            .filter_map(|(c, s)| match &s.handshake {
                Handshake::Ready(p) | Handshake::Assumed(p) if !s.closing => Some((*c, p.clone())),
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
        }
        self.run_deferred(&mut out);
        self.park_over_cap(&mut out);
        out
    }

    /// When the engine next has work of its own, whatever arrives: a failed
    /// write to try again, messages a connection's rate limit lets through,
    /// idle documents to drop from memory. The driver calls
    /// [`Synchronizer::handle_timeout`] then (or earlier: nothing happens
    /// before its time); `None`: nothing until the next event.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let park = self
            .config
            .park_after_ms
            .filter(|_| !self.docs.is_empty())
            .map(|after| Timestamp(self.parked_at.0 + (after / 4).max(1)));
        let deferred = self
            .conns
            .values()
            .filter(|c| !c.closing && !c.deferred.is_empty())
            .filter_map(|c| c.budget.as_ref().and_then(|b| b.next_token_at(self.now)))
            .min();
        [self.retry_at, park, deferred].into_iter().flatten().min()
    }

    /// Does what [`Synchronizer::poll_timeout`] said was due by `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) -> SyncResults {
        let mut out = SyncResults::default();
        self.now = now;
        if self.retry_at.is_some_and(|at| at <= now) {
            self.retry_at = None;
            let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
            for id in ids {
                self.save_if_needed(id, &mut out);
            }
        }
        if let Some(after) = self.config.park_after_ms
            && now.0 >= self.parked_at.0 + (after / 4).max(1)
        {
            self.parked_at = now;
            self.park_idle(&mut out);
        }
        self.run_deferred(&mut out);
        self.park_over_cap(&mut out);
        out
    }
}
