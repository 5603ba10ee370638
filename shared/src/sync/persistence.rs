//! The engine's storage side: loading a document, saving what changed
//! (the first save a snapshot, later ones incremental chunks, folded into one
//! snapshot when the document leaves memory or has too many), reading what
//! other replicas stored, persisting how far a peer got, and dropping idle
//! documents from memory.

use super::docs::Phase;
use super::storage::{
    self, StorageAction, StorageKey, StorageOutcome, StorageResult, StorageTask, TaskId,
};
use super::{ConnId, SyncNotice, SyncResults, Synchronizer};
use crate::protocol::ids::DocumentId;
use crate::time::Timestamp;
use automerge::AutoCommit;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub(super) enum TaskPurpose {
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
    pub(super) fn new_task(
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
    pub(super) fn read(&mut self, doc_id: DocumentId, purpose: TaskPurpose, out: &mut SyncResults) {
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
    pub(super) fn save_if_needed(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
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

    pub(super) fn maybe_compact(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
        let limit = self.config.compact_after;
        if self
            .docs
            .get(&doc_id)
            .is_some_and(|d| d.chunks.len() > limit)
        {
            self.compact(doc_id, out);
        }
    }

    /// A document about to leave memory folds its incremental chunks into
    /// one snapshot first, once: the next load reads one compact chunk.
    /// True when a fold started (the document stays until it is written).
    pub(super) fn fold_before_leaving(
        &mut self,
        doc_id: DocumentId,
        out: &mut SyncResults,
    ) -> bool {
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
    pub(super) fn compact(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
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

    pub(super) fn on_storage(&mut self, result: StorageResult, out: &mut SyncResults) {
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
                // The changes stay in memory; they are written again later.
                let at = Timestamp(self.now.0 + self.config.retry_after_ms);
                self.retry_at = Some(self.retry_at.map_or(at, |r| r.min(at)));
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

    pub(super) fn on_loaded(
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
    pub(super) fn drain_queued(&mut self, doc_id: DocumentId, out: &mut SyncResults) {
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

    /// Writes how far we got with a persistent peer on this document, if that
    /// moved since the last write and everything we claim to share is in our
    /// storage.
    pub(super) fn persist_sync_state(
        &mut self,
        doc_id: DocumentId,
        conn: ConnId,
        out: &mut SyncResults,
    ) {
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

    /// Drops documents idle for `park_after_ms` although connections use
    /// them, remembering for each connection the heads it shares.
    pub(super) fn park_idle(&mut self, out: &mut SyncResults) {
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
            self.park(id, out);
        }
    }

    /// Keeps at most `SyncConfig::max_docs_in_memory` documents loaded:
    /// beyond it, the least recently used of those that are in sync with
    /// every connection on them are parked (as [`Self::park_idle`] does after
    /// a silence). A connection that fetches a whole district, or a phone
    /// uploading hundreds of reports, then costs memory for the documents
    /// under way, not for every one it has touched.
    pub(super) fn park_over_cap(&mut self, out: &mut SyncResults) {
        let Some(max) = self.config.max_docs_in_memory else {
            return;
        };
        if self.docs.len() <= max {
            return;
        }
        let mut in_sync: Vec<(crate::time::Timestamp, DocumentId)> = self
            .docs
            .iter_mut()
            .filter(|(_, d)| d.phase == Phase::Ready && !d.peers.is_empty())
            .filter_map(|(id, d)| (d.is_idle() && d.in_sync()).then_some((d.last_used, *id)))
            .collect();
        in_sync.sort();
        let excess = self.docs.len() - max;
        for (_, id) in in_sync.into_iter().take(excess) {
            self.park(id, out);
        }
    }

    /// Drops an idle document from memory, keeping for each connection on it
    /// only the heads they share; folds its chunks into one first (the
    /// document then leaves once that write is done).
    fn park(&mut self, id: DocumentId, out: &mut SyncResults) {
        if self.fold_before_leaving(id, out) {
            return;
        }
        let Some(d) = self.docs.remove(&id) else {
            return;
        };
        for (conn, peer) in d.peers {
            self.parked
                .entry(conn)
                .or_default()
                .insert(id, peer.state.shared_heads);
        }
    }

    /// Gives a document that just loaded back the connections parked on it.
    pub(super) fn unpark(&mut self, doc_id: DocumentId) {
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

    pub(super) fn evict_idle(&mut self, out: &mut SyncResults) {
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
}
