//! Random interleavings of edits, frames in both directions and the server's
//! storage completions: every round must end with the phone's last edit
//! acknowledged. (This found a stall when a change-less message was applied
//! while the server's write was still pending; messages now wait for it.)
//! Time also jumps at random, so the server parks the idle document and
//! reloads it in the middle of exchanges.

mod harness;

use shared::automerge::AutoCommit;
use shared::sync::storage::{MemoryStore, StorageTask};
use shared::sync::{ConnId, Direction, SyncConfig, SyncEvent, Synchronizer};
use shared::{PeerId, ReportDoc, ReportKey, Timestamp};
use std::collections::VecDeque;

/// xorshift64*: deterministic, dependency-free randomness for the schedule.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

struct Node {
    sync: Synchronizer,
    store: MemoryStore,
    held: Vec<StorageTask>,
    hold_storage: bool,
    out: VecDeque<Vec<u8>>,
    now: i64,
}

impl Node {
    fn new(config: SyncConfig, hold_storage: bool) -> Node {
        Node {
            sync: Synchronizer::new(config),
            store: MemoryStore::default(),
            held: Vec::new(),
            hold_storage,
            out: VecDeque::new(),
            now: 1_700_000_000_000,
        }
    }

    fn perform(&mut self, task: StorageTask) -> SyncEvent {
        SyncEvent::storage_done(self.store.perform(task))
    }

    fn handle(&mut self, ev: SyncEvent) {
        let first = self.sync.handle(Timestamp(self.now), ev);
        self.carry_out(first);
    }

    /// Time passed: whatever the engine has due by now.
    fn timeout(&mut self) {
        if self.sync.poll_timeout().is_some_and(|at| at.0 <= self.now) {
            let r = self.sync.handle_timeout(Timestamp(self.now));
            self.carry_out(r);
        }
    }

    fn carry_out(&mut self, first: shared::sync::SyncResults) {
        let mut queue: VecDeque<shared::sync::SyncResults> = VecDeque::from([first]);
        while let Some(r) = queue.pop_front() {
            self.out.extend(r.outgoing.into_iter().map(|(_, f)| f));
            for t in r.storage {
                if self.hold_storage {
                    self.held.push(t);
                } else {
                    let done = self.perform(t);
                    queue.push_back(self.sync.handle(Timestamp(self.now), done));
                }
            }
        }
    }

    fn complete(&mut self, i: usize) {
        let t = self.held.remove(i);
        let ev = self.perform(t);
        self.handle(ev);
    }
}

#[test]
fn every_round_ends_acknowledged() {
    let template = harness::template();
    let key = ReportKey::new("bao-ve-tre-em", "ba-xa", "2024-H1");
    let id = key.document_id();
    let conn = ConnId(1);
    let mut parked = 0;
    for seed in 1..=12u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut server = Node::new(SyncConfig::server(PeerId::new("server"), "s".into()), true);
        let mut phone = Node::new(
            SyncConfig::client(PeerId::new("phone"), Some("p".into())),
            false,
        );
        phone.handle(SyncEvent::connected(conn, Direction::Outgoing));
        server.handle(SyncEvent::connected(conn, Direction::Incoming));
        let (mut up, mut down) = (VecDeque::new(), VecDeque::new());
        let mut text = String::new();
        for round in 0..40 {
            let edits = 1 + rng.below(11);
            let mut made = 0;
            for _step in 0..100_000 {
                match rng.below(5) {
                    0 if made < edits => {
                        made += 1;
                        text.push_str(&format!("{round}-{made} "));
                        if phone.sync.doc_mut(&id).is_none() {
                            phone.sync.insert_doc(id, AutoCommit::new());
                        }
                        let doc = phone.sync.doc_mut(&id).unwrap();
                        let mut r = ReportDoc::open(doc, &key, &template, Timestamp(1000)).unwrap();
                        r.set_narrative("facilities_narrative", &text).unwrap();
                        r.commit();
                        phone.handle(SyncEvent::changed(id));
                    }
                    1 => {
                        if let Some(f) = up.pop_front() {
                            server.handle(SyncEvent::received(conn, f));
                        }
                    }
                    2 => {
                        if let Some(f) = down.pop_front() {
                            phone.handle(SyncEvent::received(conn, f));
                        }
                    }
                    3 => {
                        // Sometimes a minute passes: the server may park the document.
                        if rng.below(4) == 0 {
                            server.now += 60_000;
                            server.timeout();
                            parked += usize::from(server.sync.docs_in_memory() == 0);
                        }
                    }
                    _ => {
                        if !server.held.is_empty() {
                            let i = rng.below(server.held.len());
                            server.complete(i);
                        }
                    }
                }
                up.extend(phone.out.drain(..));
                down.extend(server.out.drain(..));
                if made == edits && up.is_empty() && down.is_empty() && server.held.is_empty() {
                    break;
                }
            }
            assert!(
                phone.sync.is_acked(&id, conn),
                "seed {seed} round {round}: the phone's edits were never acknowledged"
            );
        }
    }
    assert!(parked > 0, "the server parked the document at least once");
}
