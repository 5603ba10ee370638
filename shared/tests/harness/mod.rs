//! A deterministic in-memory network of sync engines: peers with in-memory
//! storage, connections as message queues, virtual time. No sockets, no sleeps.

#![allow(dead_code, unreachable_pub)]

use shared::automerge;
use shared::sync::storage::{MemoryStore, StorageAction, StorageTask};
use shared::sync::{ConnId, Direction, SyncConfig, SyncEvent, SyncNotice, Synchronizer};
use shared::{DocumentId, PeerId, Timestamp};
use std::collections::VecDeque;

pub struct Peer {
    pub name: String,
    pub sync: Synchronizer,
    pub store: MemoryStore,
    pub notices: Vec<SyncNotice>,
    /// Storage tasks not yet performed (when `manual_storage` is set).
    pub held_tasks: Vec<StorageTask>,
    pub manual_storage: bool,
    /// A server replica writes to this peer's store (one shared database)
    /// and is told when another replica stored a document's changes.
    pub store_of: Option<usize>,
}

pub struct Link {
    pub a: usize,
    pub a_conn: ConnId,
    pub b: usize,
    pub b_conn: ConnId,
    pub up: bool,
}

#[derive(Default)]
pub struct Network {
    pub peers: Vec<Peer>,
    pub links: Vec<Link>,
    /// Frames in flight: (to peer, on conn, bytes).
    queue: VecDeque<(usize, ConnId, Vec<u8>)>,
    pub now: i64,
    next_conn: u64,
    /// Bytes of every frame routed so far.
    pub wire_bytes: usize,
}

impl Network {
    pub fn new() -> Network {
        Network {
            now: 1_700_000_000_000,
            ..Default::default()
        }
    }

    pub fn add_peer(&mut self, name: &str, config: SyncConfig) -> usize {
        self.peers.push(Peer {
            name: name.into(),
            sync: Synchronizer::new(config),
            store: MemoryStore::default(),
            notices: Vec::new(),
            held_tasks: Vec::new(),
            manual_storage: false,
            store_of: None,
        });
        self.peers.len() - 1
    }

    pub fn add_server(&mut self, name: &str) -> usize {
        self.add_peer(
            name,
            SyncConfig::server(PeerId::new(name), format!("{name}-storage")),
        )
    }

    pub fn add_client(&mut self, name: &str) -> usize {
        self.add_peer(
            name,
            SyncConfig::client(PeerId::new(name), Some(format!("{name}-st"))),
        )
    }

    /// A server replica over `first`'s store, as replicas share a database.
    pub fn add_replica(&mut self, name: &str, first: usize) -> usize {
        let r = self.add_server(name);
        self.peers[r].store_of = Some(first);
        r
    }

    /// Connects client `a` (dialling) to `b` (accepting); returns the link index.
    pub fn connect(&mut self, a: usize, b: usize) -> usize {
        self.next_conn += 1;
        let a_conn = ConnId(self.next_conn);
        self.next_conn += 1;
        let b_conn = ConnId(self.next_conn);
        self.links.push(Link {
            a,
            a_conn,
            b,
            b_conn,
            up: true,
        });
        self.event(b, SyncEvent::connected(b_conn, Direction::Incoming));
        self.event(a, SyncEvent::connected(a_conn, Direction::Outgoing));
        self.links.len() - 1
    }

    pub fn disconnect(&mut self, link: usize) {
        let (a, ac, b, bc) = {
            let l = &mut self.links[link];
            l.up = false;
            (l.a, l.a_conn, l.b, l.b_conn)
        };
        self.queue
            .retain(|(p, c, _)| !((*p == a && *c == ac) || (*p == b && *c == bc)));
        self.event(a, SyncEvent::disconnected(ac));
        self.event(b, SyncEvent::disconnected(bc));
    }

    /// Sends raw bytes to `peer` as if they came over `link`.
    pub fn inject(&mut self, link: usize, to_b: bool, bytes: Vec<u8>) {
        let l = &self.links[link];
        let (p, c) = if to_b {
            (l.b, l.b_conn)
        } else {
            (l.a, l.a_conn)
        };
        self.queue.push_back((p, c, bytes));
    }

    pub fn conn_of(&self, link: usize, peer: usize) -> ConnId {
        let l = &self.links[link];
        if l.a == peer { l.a_conn } else { l.b_conn }
    }

    fn route(&self, from: usize, conn: ConnId) -> Option<(usize, ConnId)> {
        self.links.iter().find_map(|l| {
            if !l.up {
                None
            } else if l.a == from && l.a_conn == conn {
                Some((l.b, l.b_conn))
            } else if l.b == from && l.b_conn == conn {
                Some((l.a, l.a_conn))
            } else {
                None
            }
        })
    }

    pub fn event(&mut self, peer: usize, ev: SyncEvent) {
        self.now += 1;
        let now = Timestamp(self.now);
        let res = self.peers[peer].sync.handle(now, ev);
        self.carry_out(peer, res);
    }

    /// Lets the engine of `peer` do what is due at the network's time
    /// (its `poll_timeout` / `handle_timeout`); true if anything was due.
    pub fn timeout(&mut self, peer: usize) -> bool {
        let now = Timestamp(self.now);
        let due = self.peers[peer]
            .sync
            .poll_timeout()
            .is_some_and(|at| at <= now);
        if due {
            let res = self.peers[peer].sync.handle_timeout(now);
            self.carry_out(peer, res);
        }
        due
    }

    fn carry_out(&mut self, peer: usize, res: shared::sync::SyncResults) {
        self.peers[peer].notices.extend(res.notices);
        for (conn, bytes) in res.outgoing {
            if let Some((to, to_conn)) = self.route(peer, conn) {
                if std::env::var("VT_DEBUG").is_ok() {
                    let m = shared::protocol::wire::WireMessage::decode(&bytes);
                    eprintln!(
                        "{} -> {} ({conn:?}): {:?}",
                        self.peers[peer].name,
                        self.peers[to].name,
                        m.map(|m| format!("{m:?}").chars().take(160).collect::<String>())
                    );
                }
                self.wire_bytes += bytes.len();
                self.queue.push_back((to, to_conn, bytes));
            }
        }
        for conn in res.close {
            if let Some(i) = self.links.iter().position(|l| {
                l.up && ((l.a == peer && l.a_conn == conn) || (l.b == peer && l.b_conn == conn))
            }) {
                // Deliver what is already queued on the closing side, then close.
                self.run_until_quiescent();
                self.disconnect(i);
            }
        }
        for task in res.storage {
            if self.peers[peer].manual_storage {
                self.peers[peer].held_tasks.push(task);
            } else {
                self.perform(peer, task);
            }
        }
    }

    pub fn perform(&mut self, peer: usize, task: StorageTask) {
        let owner = self.peers[peer].store_of.unwrap_or(peer);
        let stored = match &task.action {
            StorageAction::Put { key, .. } if key.chunk_kind().is_some() => key.document(),
            _ => None,
        };
        let result = self.peers[owner].store.perform(task);
        self.event(peer, SyncEvent::storage_done(result));
        // What PostgreSQL's NOTIFY does between real replicas.
        if let Some(doc) = stored {
            let others: Vec<usize> = (0..self.peers.len())
                .filter(|&p| p != peer && self.peers[p].store_of.unwrap_or(p) == owner)
                .filter(|&p| p == owner || self.peers[p].store_of.is_some())
                .collect();
            for p in others {
                self.event(p, SyncEvent::stored_elsewhere(doc));
            }
        }
    }

    /// Performs every held storage task of `peer`.
    pub fn release_storage(&mut self, peer: usize) {
        let tasks = std::mem::take(&mut self.peers[peer].held_tasks);
        for t in tasks {
            self.perform(peer, t);
        }
    }

    /// Delivers frames until none are left (bounded).
    pub fn run_until_quiescent(&mut self) {
        for _ in 0..100_000 {
            let Some((to, conn, bytes)) = self.queue.pop_front() else {
                return;
            };
            self.event(to, SyncEvent::received(conn, bytes));
        }
        panic!("network did not quiesce");
    }

    /// Delivers at most `n` frames.
    pub fn deliver(&mut self, n: usize) {
        for _ in 0..n {
            let Some((to, conn, bytes)) = self.queue.pop_front() else {
                return;
            };
            self.event(to, SyncEvent::received(conn, bytes));
        }
    }

    /// Delivers the oldest frame of one connection direction with frames in
    /// flight — the `pick`-th of them (modulo their number). Each connection
    /// stays in order, as a WebSocket is; different connections interleave in
    /// any order. False when nothing is in flight.
    pub fn deliver_one_of(&mut self, pick: usize) -> bool {
        let mut dests: Vec<(usize, ConnId)> = Vec::new();
        for (to, conn, _) in &self.queue {
            if !dests.contains(&(*to, *conn)) {
                dests.push((*to, *conn));
            }
        }
        if dests.is_empty() {
            return false;
        }
        let dest = dests[pick % dests.len()];
        let i = self
            .queue
            .iter()
            .position(|(to, conn, _)| (*to, *conn) == dest)
            .expect("a frame for it");
        let (to, conn, bytes) = self.queue.remove(i).expect("in range");
        self.event(to, SyncEvent::received(conn, bytes));
        true
    }

    /// The frames in flight to `peer`, decoded, oldest first.
    pub fn queued_to(&self, peer: usize) -> Vec<shared::protocol::wire::WireMessage> {
        self.queue
            .iter()
            .filter(|(to, _, _)| *to == peer)
            .filter_map(|(_, _, b)| shared::protocol::wire::WireMessage::decode(b).ok())
            .collect()
    }

    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }

    pub fn heads(&mut self, peer: usize, doc: &DocumentId) -> Vec<automerge::ChangeHash> {
        self.peers[peer]
            .sync
            .doc_mut(doc)
            .map(|d| d.get_heads())
            .unwrap_or_default()
    }

    /// Whether a peer connected to `peer` holds every change of `doc` now.
    pub fn acked_now(&mut self, peer: usize, doc: &DocumentId) -> bool {
        let sync = &mut self.peers[peer].sync;
        let conns: Vec<ConnId> = sync.ready_peers().into_iter().map(|(c, _)| c).collect();
        conns.into_iter().any(|c| sync.is_acked(doc, c))
    }

    pub fn acked(&self, peer: usize, doc: &DocumentId) -> bool {
        self.peers[peer]
            .notices
            .iter()
            .any(|n| matches!(n, SyncNotice::DocAcked { doc: d, .. } if d == doc))
    }
}

pub fn template() -> shared::Template {
    shared::Template::from_toml(include_str!("../../../templates/bao-ve-tre-em.toml")).unwrap()
}

/// Edits a report on `peer` as one change (creating it if needed) and tells
/// the engine.
pub fn edit(
    net: &mut Network,
    peer: usize,
    key: &shared::ReportKey,
    f: impl FnOnce(&mut shared::ReportDoc<'_>),
) {
    let t = template();
    let id = key.document_id();
    if net.peers[peer].sync.doc_mut(&id).is_none() {
        net.peers[peer]
            .sync
            .insert_doc(id, automerge::AutoCommit::new());
    }
    let now = Timestamp(net.now);
    let doc = net.peers[peer].sync.doc_mut(&id).unwrap();
    let mut r = shared::ReportDoc::open(doc, key, &t, now).unwrap();
    f(&mut r);
    r.commit();
    net.event(peer, SyncEvent::changed(id));
}
