//! Storage as key/value tasks the core asks for and the adapter performs: the
//! browser maps them to local storage, the server to one SQL table.

use crate::protocol::ids::DocumentId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A storage key: path segments without `/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StorageKey(pub Vec<String>);

const SYNC_STATE: &str = "sync-state";

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

    /// Where the sync state with one persistent peer (named by its storage id)
    /// is kept, so a reconnect days later resumes instead of starting over.
    /// `None` when the storage id cannot be a key segment.
    pub fn sync_state(doc: &DocumentId, storage_id: &str) -> Option<StorageKey> {
        (!storage_id.is_empty() && !storage_id.contains('/')).then(|| {
            StorageKey(vec![
                doc.to_string(),
                SYNC_STATE.into(),
                storage_id.to_string(),
            ])
        })
    }

    /// The peer's storage id, if this is a sync-state key.
    pub fn sync_state_peer(&self) -> Option<&str> {
        match self.0.as_slice() {
            [_, kind, storage] if kind == SYNC_STATE => Some(storage),
            _ => None,
        }
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

/// A storage adapter's conformance suite, as data: tasks to perform in order
/// and what each must answer. Every adapter (memory, SQLite, the browser's
/// local storage) runs it, so they all mean the same thing by each task.
pub mod conformance {
    use super::*;

    /// What a step's answer must be.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Expect {
        /// `Done`.
        Done,
        /// `Loaded` with exactly these pairs (in any order).
        Loaded(Vec<(StorageKey, Vec<u8>)>),
    }

    impl Expect {
        /// Whether `outcome` is what this step expects.
        pub fn matches(&self, outcome: &StorageOutcome) -> bool {
            match (self, outcome) {
                (Expect::Done, StorageOutcome::Done) => true,
                (Expect::Loaded(want), StorageOutcome::Loaded(got)) => {
                    let mut a = want.clone();
                    let mut b = got.clone();
                    a.sort();
                    b.sort();
                    a == b
                }
                _ => false,
            }
        }
    }

    /// The steps, numbered by task id.
    pub fn steps() -> Vec<(StorageTask, Expect)> {
        let a = DocumentId::from_bytes([0xa; 16]);
        let b = DocumentId::from_bytes([0xb; 16]);
        let inc =
            |d: &DocumentId, bytes: &[u8]| StorageKey::chunk(d, ChunkKind::Incremental, bytes);
        let snap = |d: &DocumentId, bytes: &[u8]| StorageKey::chunk(d, ChunkKind::Snapshot, bytes);
        let (a1, a2, a3, b1) = (
            inc(&a, b"a1"),
            inc(&a, b"a2"),
            snap(&a, b"a-snap"),
            inc(&b, b"b1"),
        );
        let sync = StorageKey::sync_state(&a, "peer-storage-1").expect("a valid storage id");
        let put = |k: &StorageKey, v: &[u8]| StorageAction::Put {
            key: k.clone(),
            data: v.to_vec(),
        };
        let load = |d: &DocumentId| StorageAction::Load {
            prefix: StorageKey::doc_prefix(d),
        };
        let actions = vec![
            (load(&a), Expect::Loaded(vec![])),
            (put(&a1, b"a1"), Expect::Done),
            (put(&a2, b"a2"), Expect::Done),
            (put(&b1, b"b1"), Expect::Done),
            // Writing the same content-addressed key again is harmless.
            (put(&a1, b"a1"), Expect::Done),
            (
                load(&a),
                Expect::Loaded(vec![
                    (a1.clone(), b"a1".to_vec()),
                    (a2.clone(), b"a2".to_vec()),
                ]),
            ),
            (
                StorageAction::Compact {
                    key: a3.clone(),
                    data: b"a-snap".to_vec(),
                    delete: vec![a1.clone(), a2.clone()],
                },
                Expect::Done,
            ),
            (
                load(&a),
                Expect::Loaded(vec![(a3.clone(), b"a-snap".to_vec())]),
            ),
            // Other documents are untouched.
            (load(&b), Expect::Loaded(vec![(b1, b"b1".to_vec())])),
            // A compaction that lists its own key among the deleted keeps it.
            (
                StorageAction::Compact {
                    key: a3.clone(),
                    data: b"a-snap".to_vec(),
                    delete: vec![a3.clone()],
                },
                Expect::Done,
            ),
            (
                load(&a),
                Expect::Loaded(vec![(a3.clone(), b"a-snap".to_vec())]),
            ),
            // A sync state is rewritten in place: the last put wins.
            (put(&sync, b"old"), Expect::Done),
            (put(&sync, b"new"), Expect::Done),
            (
                load(&a),
                Expect::Loaded(vec![(a3, b"a-snap".to_vec()), (sync, b"new".to_vec())]),
            ),
        ];
        actions
            .into_iter()
            .enumerate()
            .map(|(i, (action, expect))| {
                (
                    StorageTask {
                        id: TaskId(i as u64 + 1),
                        action,
                    },
                    expect,
                )
            })
            .collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn memory_store_conforms() {
            let mut store = MemoryStore::default();
            for (task, expect) in steps() {
                let id = task.id;
                let r = store.perform(task);
                assert_eq!(r.id, id);
                assert!(expect.matches(&r.outcome), "step {id:?}: {:?}", r.outcome);
            }
        }
    }
}
