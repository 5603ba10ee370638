//! Document messages: applying a peer's sync message (through the access
//! policy), answering requests, announcing and syncing a document with its
//! peers, and telling when a peer holds everything (acknowledgements).

use super::docs::{self, DocState, Phase};
use super::storage::StorageKey;
use super::{Conn, ConnId, Handshake, SyncNotice, SyncResults, Synchronizer, TaskPurpose};
use crate::protocol::ids::{DocumentId, PeerId};
use crate::protocol::wire::WireMessage;
use std::collections::BTreeMap;

impl Synchronizer {
    pub(super) fn on_doc_message(
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

    pub(super) fn apply_message(
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
                        match verdict.refused {
                            None => {
                                d.doc = doc;
                                peer.state = state;
                                out.learnt.extend(verdict.learnt);
                            }
                            Some(reason) => {
                                // Nothing applied. The peer hears why, keeps
                                // its changes, and we start over with it: a
                                // fresh sync state, so when the document
                                // changes here (a reopened report) the peer
                                // is asked again and offers them once more.
                                *peer = docs::PeerDoc::default();
                                if d.is_empty() && d.peers.len() == 1 {
                                    self.docs.remove(&doc_id);
                                }
                                // Told as an ephemeral message, which every
                                // automerge-repo client accepts (see
                                // `protocol::refusal`).
                                self.ephemeral_count += 1;
                                let refused = WireMessage::Ephemeral {
                                    sender_id: peer_id,
                                    target_id: remote,
                                    document_id: doc_id,
                                    count: self.ephemeral_count,
                                    session_id: self.config.session_id.clone(),
                                    data: crate::protocol::refusal::encode(&reason),
                                };
                                out.outgoing.push((conn, refused.encode()));
                                out.notices.push(SyncNotice::ChangesRefused {
                                    doc: doc_id,
                                    conn,
                                    reason,
                                });
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
            // forget it — unless the application here asked for it (a
            // client: `announce`), which still waits for someone to upload
            // it; forgetting it would leave the phone without it for good.
            out.outgoing.push((conn, unavailable.encode()));
            if !self.config.announce {
                d.peers.remove(&conn);
                if d.peers.is_empty() && d.queued.is_empty() && d.saving.is_none() {
                    self.docs.remove(&doc_id);
                }
            }
            return;
        }
        self.save_if_needed(doc_id, out);
        self.sync_doc(doc_id, out);
        self.check_acks(doc_id, out);
    }

    pub(super) fn on_open(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        if self.docs.contains_key(&doc_id) {
            if self.config.announce {
                self.announce(doc_id, out);
            }
            return;
        }
        self.docs.insert(doc_id, DocState::loading());
        self.read(doc_id, TaskPurpose::Load, out);
    }

    pub(super) fn on_stored_elsewhere(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
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
    pub(super) fn on_refreshed(
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
    pub(super) fn refresh_if_asked(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        if self
            .docs
            .get_mut(&doc_id)
            .is_some_and(|d| std::mem::take(&mut d.refresh_again))
        {
            self.on_stored_elsewhere(doc_id, out);
        }
    }

    pub(super) fn on_changed(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
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
    pub(super) fn announce(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let conns: Vec<(ConnId, Option<String>)> = self
            .sync_targets()
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

    /// Generates a sync message for every peer of the document — unless a write
    /// is pending, in which case the storage completion does it.
    pub(super) fn sync_doc(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let peer_id = self.config.peer_id.clone();
        let durable = self.config.durable_acks;
        let targets: BTreeMap<ConnId, PeerId> = self.sync_targets().into_iter().collect();
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

    pub(super) fn check_acks(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
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
}
