//! The connection layer of the engine: the handshake, a connection's
//! lifetime (connect, fail, close, disconnect), decoding its frames and
//! routing document messages, and the rate at which one connection may bring
//! in documents it has not used yet.

use super::docs::{self};
use super::rate::TokenBucket;
use super::{ConnId, Direction, SyncNotice, SyncResults, Synchronizer};
use crate::protocol::ids::{DocumentId, PeerId};
use crate::protocol::wire::{PROTOCOL_VERSION, PeerMetadata, WireMessage};
use crate::time::Timestamp;
use std::collections::{BTreeSet, VecDeque};

#[derive(Debug)]
pub(super) enum Handshake {
    AwaitingJoin,
    AwaitingPeer,
    /// We dialled the server we last completed a handshake with: its
    /// answer is taken for granted, and sync messages follow our join at
    /// once (a round trip saved on a slow link) until it confirms.
    Assumed(PeerId),
    Ready(PeerId),
}

#[derive(Debug)]
pub(super) struct Conn {
    pub(super) handshake: Handshake,
    pub(super) closing: bool,
    /// The peer's storage id when it keeps its documents (sync state is
    /// persisted for it).
    pub(super) remote_storage: Option<String>,
    /// Documents this connection has used.
    pub(super) docs: BTreeSet<DocumentId>,
    /// Admits documents not used yet at the configured rate.
    pub(super) budget: Option<TokenBucket>,
    /// Document messages waiting for the budget, in arrival order.
    pub(super) deferred: VecDeque<(DocumentId, automerge::sync::Message, bool)>,
}

impl Conn {
    /// Whether a message about `doc` may be handled now: the document is in
    /// use on this connection already, or the budget admits it.
    pub(super) fn admits(&mut self, doc: DocumentId, now: Timestamp) -> bool {
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

impl Synchronizer {
    /// Handles deferred document messages the rate limit now admits, keeping
    /// each document's messages in order.
    pub(super) fn run_deferred(&mut self, out: &mut SyncResults) {
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
    pub(super) fn admit(
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

    pub(super) fn on_connected(&mut self, conn: ConnId, dir: Direction, out: &mut SyncResults) {
        let mut remote_storage = None;
        let handshake = match dir {
            Direction::Incoming => Handshake::AwaitingJoin,
            Direction::Outgoing => {
                let join = WireMessage::Join {
                    sender_id: self.config.peer_id.clone(),
                    supported_protocol_versions: vec![PROTOCOL_VERSION.into()],
                    metadata: Some(self.metadata()),
                };
                out.outgoing.push((conn, join.encode()));
                match &self.last_server {
                    Some((peer, storage)) => {
                        remote_storage.clone_from(storage);
                        Handshake::Assumed(peer.clone())
                    }
                    None => Handshake::AwaitingPeer,
                }
            }
        };
        let assumed = matches!(handshake, Handshake::Assumed(_));
        self.conns.insert(
            conn,
            Conn {
                handshake,
                closing: false,
                remote_storage,
                docs: BTreeSet::new(),
                budget: self.config.new_docs_rate.map(TokenBucket::new),
                deferred: VecDeque::new(),
            },
        );
        if assumed && self.config.announce {
            for id in self.loaded_docs() {
                self.announce(id, out);
            }
        }
    }

    pub(super) fn metadata(&self) -> PeerMetadata {
        PeerMetadata {
            storage_id: self.config.storage_id.clone(),
            is_ephemeral: self.config.storage_id.is_none(),
        }
    }

    pub(super) fn on_disconnected(&mut self, conn: ConnId, out: &mut SyncResults) {
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

    pub(super) fn fail(&mut self, conn: ConnId, message: String, out: &mut SyncResults) {
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
    pub(super) fn close(&mut self, conn: ConnId, out: &mut SyncResults) {
        out.close.push(conn);
        if let Some(c) = self.conns.get_mut(&conn) {
            c.closing = true;
        }
    }

    pub(super) fn on_received(&mut self, conn: ConnId, bytes: Vec<u8>, out: &mut SyncResults) {
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
                self.last_server = Some((sender_id.clone(), remote_storage(&metadata)));
                return self.peer_ready(conn, sender_id, metadata, out);
            }
            (
                Handshake::Assumed(expected),
                WireMessage::Peer {
                    sender_id,
                    metadata,
                    ..
                },
            ) => {
                let storage = remote_storage(&metadata);
                let confirmed = *expected == sender_id && c.remote_storage == storage;
                self.last_server = Some((sender_id.clone(), storage));
                if confirmed {
                    if let Some(c) = self.conns.get_mut(&conn) {
                        c.handshake = Handshake::Ready(sender_id.clone());
                    }
                    out.notices.push(SyncNotice::PeerReady {
                        conn,
                        peer: sender_id,
                    });
                    return;
                }
                // Another server (or its data was replaced): what we sent
                // assumed the wrong one; start over with this one.
                for d in self.docs.values_mut() {
                    d.peers.remove(&conn);
                }
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
            } => self.refused_by_peer(conn, document_id, reason, out),
            WireMessage::Ephemeral {
                document_id, data, ..
            } => {
                // Presence and other live data: we keep nothing of it. A
                // refusal of our changes is one (`protocol::refusal`).
                if let Some(reason) = crate::protocol::refusal::decode(&data) {
                    self.refused_by_peer(conn, document_id, reason, out);
                }
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
            _ => {}
        }
    }

    /// The peer refused our changes to `doc`. Forget what we told it: our
    /// sync state believes the refused changes are on their way. A fresh
    /// state makes the next exchange (started by either side's next change)
    /// work out again what the peer lacks, and offer them once more.
    fn refused_by_peer(
        &mut self,
        conn: ConnId,
        doc: DocumentId,
        reason: String,
        out: &mut SyncResults,
    ) {
        if let Some(d) = self.docs.get_mut(&doc)
            && let Some(p) = d.peers.get_mut(&conn)
        {
            *p = docs::PeerDoc::default();
        }
        out.notices
            .push(SyncNotice::RefusedByPeer { doc, conn, reason });
    }

    pub(super) fn peer_ready(
        &mut self,
        conn: ConnId,
        peer: PeerId,
        metadata: Option<PeerMetadata>,
        out: &mut SyncResults,
    ) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.handshake = Handshake::Ready(peer.clone());
            c.remote_storage = remote_storage(&metadata);
        }
        out.notices.push(SyncNotice::PeerReady { conn, peer });
        if self.config.announce {
            for id in self.loaded_docs() {
                self.announce(id, out);
            }
        }
    }
}

/// The storage id a peer announced, when it keeps its documents.
fn remote_storage(metadata: &Option<PeerMetadata>) -> Option<String> {
    metadata
        .as_ref()
        .filter(|m| !m.is_ephemeral)
        .and_then(|m| m.storage_id.clone())
}
