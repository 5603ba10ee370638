//! Per-document state inside the [`super::Synchronizer`].

use super::ConnId;
use super::storage::StorageKey;
use automerge::{AutoCommit, ChangeHash};
use std::collections::{BTreeMap, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Waiting for storage; messages are queued.
    Loading,
    Ready,
}

/// Sync state with one peer for one document.
#[derive(Debug, Default)]
pub(super) struct PeerDoc {
    pub(super) state: automerge::sync::State,
    /// The peer held all our changes when last checked.
    pub(super) acked: bool,
    /// We sent this peer at least one message about the document.
    pub(super) sent_any: bool,
}

#[derive(Debug)]
pub(super) struct DocState {
    pub(super) phase: Phase,
    pub(super) doc: AutoCommit,
    pub(super) peers: BTreeMap<ConnId, PeerDoc>,
    /// Messages that arrived while loading.
    pub(super) queued: VecDeque<(ConnId, automerge::sync::Message, bool)>,
    /// A document the application inserted while this one was loading.
    pub(super) pending_insert: Option<AutoCommit>,
    /// Heads known to be in storage.
    pub(super) saved_heads: Vec<ChangeHash>,
    /// The write under way, if any.
    pub(super) saving: Option<super::TaskId>,
    pub(super) compacting: bool,
    /// Its chunks were folded into one (or that was tried) before it left
    /// memory: not again while it stays.
    pub(super) fold_tried: bool,
    /// Chunks another writer stored are being read.
    pub(super) refreshing: bool,
    /// Another writer stored more while they were: read again after.
    pub(super) refresh_again: bool,
    /// Chunks in storage, with their sizes.
    pub(super) chunks: BTreeMap<StorageKey, usize>,
    /// Shared heads last written per persistent peer (by storage id), which a
    /// new connection from that peer resumes from.
    pub(super) persisted_sync: BTreeMap<String, Vec<ChangeHash>>,
    /// When a peer or the application last used it.
    pub(super) last_used: crate::time::Timestamp,
}

impl DocState {
    pub(super) fn loading() -> DocState {
        DocState {
            phase: Phase::Loading,
            doc: AutoCommit::new(),
            peers: BTreeMap::new(),
            queued: VecDeque::new(),
            pending_insert: None,
            saved_heads: Vec::new(),
            saving: None,
            compacting: false,
            fold_tried: false,
            refreshing: false,
            refresh_again: false,
            chunks: BTreeMap::new(),
            persisted_sync: BTreeMap::new(),
            last_used: crate::time::Timestamp(0),
        }
    }

    pub(super) fn ready(doc: AutoCommit) -> DocState {
        DocState {
            phase: Phase::Ready,
            doc,
            ..DocState::loading()
        }
    }

    /// Bytes of this document in storage.
    pub(super) fn stored_bytes(&self) -> usize {
        self.chunks.values().sum()
    }

    /// Sync state for a new connection: resumed from what we last persisted
    /// for the peer's storage, or fresh.
    pub(super) fn resumed_peer(&self, storage: Option<&str>) -> PeerDoc {
        let mut peer = PeerDoc::default();
        if let Some(heads) = storage.and_then(|s| self.persisted_sync.get(s)) {
            peer.state.shared_heads = heads.clone();
        }
        peer
    }

    pub(super) fn is_empty(&mut self) -> bool {
        self.doc.get_heads().is_empty()
    }

    pub(super) fn is_saved(&mut self) -> bool {
        self.doc.get_heads() == self.saved_heads
    }

    /// Nothing in flight: safe to drop from memory.
    pub(super) fn is_idle(&mut self) -> bool {
        self.saving.is_none()
            && !self.compacting
            && !self.refreshing
            && self.queued.is_empty()
            && self.is_saved()
    }

    /// True when every connection on it told us the heads we have (or, given
    /// back from parking and silent since, shares them): nothing to exchange
    /// until one side changes. Compares heads only, so it is cheap enough to
    /// ask of every loaded document (`park_over_cap`).
    pub(super) fn in_sync(&mut self) -> bool {
        let mut ours = self.doc.get_heads();
        ours.sort();
        self.peers.values().all(|p| {
            let mut theirs = match &p.state.their_heads {
                Some(heads) => heads.clone(),
                None => p.state.shared_heads.clone(),
            };
            theirs.sort();
            theirs == ours
        })
    }

    /// True when the peer on `conn` has every change we have: every change of
    /// ours is an ancestor of the heads it told us about.
    pub(super) fn covered_by(&mut self, conn: ConnId) -> bool {
        let Some(their) = self
            .peers
            .get(&conn)
            .and_then(|p| p.state.their_heads.clone())
        else {
            return false;
        };
        let known: Vec<ChangeHash> = their
            .into_iter()
            .filter(|h| self.doc.get_change_by_hash(h).is_some())
            .collect();
        if known.is_empty() {
            return self.is_empty();
        }
        self.doc.get_changes(&known).is_empty()
    }
}
