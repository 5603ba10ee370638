//! Storage as key/value tasks the core asks for and the adapter performs: the
//! browser maps them to local storage, the server to one SQL table.

use crate::protocol::ids::DocumentId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A storage key: path segments without `/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StorageKey(pub Vec<String>);

/// What kind of chunk a document key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkKind {
    /// A compacted whole document.
    Snapshot,
    /// Changes appended since.
    Incremental,
}

impl StorageKey {
    /// Every key of one document starts with this.
    pub fn doc_prefix(doc: &DocumentId) -> StorageKey {
        StorageKey(vec![doc.to_string()])
    }

    /// A content-addressed chunk key, so writing the same bytes twice is harmless.
    pub fn chunk(doc: &DocumentId, kind: ChunkKind, bytes: &[u8]) -> StorageKey {
        let hash = Sha256::digest(bytes);
        let kind = match kind {
            ChunkKind::Snapshot => "snapshot",
            ChunkKind::Incremental => "incremental",
        };
        StorageKey(vec![doc.to_string(), kind.into(), hex::encode(&hash[..16])])
    }

    /// The document this key belongs to, if it is a document key.
    pub fn document(&self) -> Option<DocumentId> {
        self.0.first()?.parse().ok()
    }

    /// The chunk kind, if it is a chunk key.
    pub fn chunk_kind(&self) -> Option<ChunkKind> {
        match self.0.get(1).map(String::as_str) {
            Some("snapshot") => Some(ChunkKind::Snapshot),
            Some("incremental") => Some(ChunkKind::Incremental),
            _ => None,
        }
    }

    /// True when `self` starts with `prefix`.
    pub fn starts_with(&self, prefix: &StorageKey) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The segments joined with `/` (segments never contain `/`).
    pub fn joined(&self) -> String {
        self.0.join("/")
    }

    /// The inverse of [`StorageKey::joined`].
    pub fn from_joined(s: &str) -> StorageKey {
        StorageKey(s.split('/').map(str::to_string).collect())
    }
}

/// Identifies a storage task so its result can be matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

/// Work for the storage adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageTask {
    /// Answer with this id.
    pub id: TaskId,
    /// What to do.
    pub action: StorageAction,
}

/// A storage operation. Each must be durable before it is reported done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageAction {
    /// Load every key under a prefix.
    Load {
        /// The prefix.
        prefix: StorageKey,
    },
    /// Write one value.
    Put {
        /// Key.
        key: StorageKey,
        /// Value.
        data: Vec<u8>,
    },
    /// Write a snapshot and then delete the chunks it replaces (atomically where
    /// the store can; if not, a crash in between leaves duplicates, never a loss).
    Compact {
        /// The snapshot key.
        key: StorageKey,
        /// The snapshot.
        data: Vec<u8>,
        /// Keys it makes redundant.
        delete: Vec<StorageKey>,
    },
}

/// The adapter's answer to a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageOutcome {
    /// The values found by a load.
    Loaded(Vec<(StorageKey, Vec<u8>)>),
    /// A put or compaction is durable.
    Done,
    /// It failed (for example the browser's quota is full).
    Failed(String),
}

/// A completed task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageResult {
    /// The task's id.
    pub id: TaskId,
    /// What happened.
    pub outcome: StorageOutcome,
}

/// Storage held in memory: the reference semantics every adapter must match,
/// and the store of simulated peers in tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryStore {
    /// The stored values.
    pub data: BTreeMap<StorageKey, Vec<u8>>,
}

impl MemoryStore {
    /// Performs a task at once.
    pub fn perform(&mut self, task: StorageTask) -> StorageResult {
        let outcome = match task.action {
            StorageAction::Load { prefix } => StorageOutcome::Loaded(
                self.data
                    .iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            StorageAction::Put { key, data } => {
                self.data.insert(key, data);
                StorageOutcome::Done
            }
            StorageAction::Compact { key, data, delete } => {
                self.data.insert(key.clone(), data);
                for k in delete.into_iter().filter(|k| *k != key) {
                    self.data.remove(&k);
                }
                StorageOutcome::Done
            }
        };
        StorageResult {
            id: task.id,
            outcome,
        }
    }
}
