//! The one loop that carries out what the engine asks for, shared by every
//! adapter: the server's hub, the browser's sync loop and the native test
//! client. The adapter supplies small traits — a [`Transport`] that queues
//! frames and closes connections, a [`Storage`] that performs or starts
//! storage tasks — and an [`Adapter`] that hears what the access policy
//! learnt and what happened. The driver keeps no clock and no timers: the
//! adapter passes the time in, and waits until [`Driver::poll_timeout`]
//! before calling [`Driver::handle_timeout`].
//!
//! Order, for each event and everything it causes:
//! 1. what the policy learnt goes to the adapter first, so it is stored
//!    before (or with) the writes it attributes;
//! 2. storage tasks are submitted; a result that is ready at once (a phone's
//!    synchronous local storage, memory) is fed back after this round;
//! 3. frames are queued on their connections, in order; a connection that
//!    cannot take one is told to the engine as disconnected;
//! 4. connections the engine names are closed after their frames;
//! 5. notices go to the adapter, which may look into the engine.
//!
//! The rounds repeat until nothing more is fed back, so an adapter sees the
//! whole consequence of an event when [`Driver::handle`] returns.

use super::storage::{MemoryStore, StorageResult, StorageTask};
use super::{Binding, ConnId, SyncEvent, SyncNotice, SyncResults, Synchronizer};
use crate::time::Timestamp;
use std::collections::VecDeque;

/// A connection cannot take more frames (it is gone, or too slow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gone;

/// How a close went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// The connection is gone now: the driver tells the engine.
    Now,
    /// It closes after its queued frames; the adapter reports the
    /// disconnection with [`SyncEvent::disconnected`] when it happens.
    Later,
}

/// Where frames go.
pub trait Transport {
    /// Queues a frame for `conn`, without waiting. A frame for a connection
    /// the adapter no longer has is dropped quietly (`Ok`): the engine
    /// learns of the loss through the disconnection.
    fn send(&mut self, conn: ConnId, frame: Vec<u8>) -> Result<(), Gone>;

    /// Closes `conn` after the frames queued before.
    fn close(&mut self, conn: ConnId) -> Closed;
}

/// Where storage tasks go.
pub trait Storage {
    /// Performs `task` at once (`Some`: the driver feeds the result back), or
    /// starts it (`None`: the adapter feeds the result back later with
    /// [`SyncEvent::storage_done`]).
    fn submit(&mut self, task: StorageTask) -> Option<StorageResult>;
}

impl Storage for MemoryStore {
    fn submit(&mut self, task: StorageTask) -> Option<StorageResult> {
        Some(self.perform(task))
    }
}

/// Everything a driver needs from its environment.
pub trait Adapter: Transport + Storage {
    /// The access policy learnt a binding from an accepted change. Store it
    /// before the storage tasks of the same round complete.
    fn learnt(&mut self, binding: Binding) {
        let _ = binding;
    }

    /// Something happened; `engine` is there to look at the document or
    /// connection it names.
    fn notice(&mut self, notice: SyncNotice, engine: &mut Synchronizer) {
        let _ = (notice, engine);
    }
}

/// The engine and the loop around it. See the module docs.
#[derive(Debug)]
pub struct Driver {
    engine: Synchronizer,
}

impl Driver {
    /// Drives `engine`.
    pub fn new(engine: Synchronizer) -> Driver {
        Driver { engine }
    }

    /// The engine, to read.
    pub fn engine(&self) -> &Synchronizer {
        &self.engine
    }

    /// The engine, to edit documents (follow an edit with
    /// [`SyncEvent::changed`] through [`Driver::handle`]).
    pub fn engine_mut(&mut self) -> &mut Synchronizer {
        &mut self.engine
    }

    /// Feeds `event` at `now` and carries out everything it causes.
    pub fn handle(&mut self, now: Timestamp, event: SyncEvent, io: &mut impl Adapter) {
        let first = self.engine.handle(now, event);
        self.carry_out(now, first, io);
    }

    /// Does what is due by `now` (see [`Synchronizer::poll_timeout`]).
    pub fn handle_timeout(&mut self, now: Timestamp, io: &mut impl Adapter) {
        let first = self.engine.handle_timeout(now);
        self.carry_out(now, first, io);
    }

    /// When [`Driver::handle_timeout`] should next be called; `None`: only
    /// after the next event.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.engine.poll_timeout()
    }

    fn carry_out(&mut self, now: Timestamp, first: SyncResults, io: &mut impl Adapter) {
        let mut feed_back = VecDeque::new();
        let mut next = Some(first);
        while let Some(results) = next
            .take()
            .or_else(|| feed_back.pop_front().map(|e| self.engine.handle(now, e)))
        {
            let SyncResults {
                outgoing,
                storage,
                close,
                notices,
                learnt,
            } = results;
            for binding in learnt {
                io.learnt(binding);
            }
            for task in storage {
                if let Some(done) = io.submit(task) {
                    feed_back.push_back(SyncEvent::storage_done(done));
                }
            }
            let mut lost = Vec::new();
            for (conn, frame) in outgoing {
                if lost.contains(&conn) {
                    continue;
                }
                if io.send(conn, frame) == Err(Gone) {
                    lost.push(conn);
                }
            }
            for conn in close {
                if !lost.contains(&conn) && io.close(conn) == Closed::Now {
                    lost.push(conn);
                }
            }
            for notice in notices {
                io.notice(notice, &mut self.engine);
            }
            feed_back.extend(lost.into_iter().map(SyncEvent::disconnected));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ids::{DocumentId, PeerId};
    use crate::sync::{Direction, SyncConfig};

    /// Two engines joined by queues, each driven by a [`Driver`] over memory.
    #[derive(Default)]
    struct Loopback {
        store: MemoryStore,
        sent: Vec<(ConnId, Vec<u8>)>,
        closed: Vec<ConnId>,
        refuse_sends: bool,
        notices: Vec<SyncNotice>,
    }

    impl Transport for Loopback {
        fn send(&mut self, conn: ConnId, frame: Vec<u8>) -> Result<(), Gone> {
            if self.refuse_sends {
                return Err(Gone);
            }
            self.sent.push((conn, frame));
            Ok(())
        }

        fn close(&mut self, conn: ConnId) -> Closed {
            self.closed.push(conn);
            Closed::Now
        }
    }

    impl Storage for Loopback {
        fn submit(&mut self, task: StorageTask) -> Option<StorageResult> {
            self.store.submit(task)
        }
    }

    impl Adapter for Loopback {
        fn notice(&mut self, notice: SyncNotice, _: &mut Synchronizer) {
            self.notices.push(notice);
        }
    }

    fn pump(a: &mut (Driver, Loopback), b: &mut (Driver, Loopback), conn: ConnId) {
        for _ in 0..100 {
            let to_b: Vec<_> = a.1.sent.drain(..).collect();
            let to_a: Vec<_> = b.1.sent.drain(..).collect();
            if to_a.is_empty() && to_b.is_empty() {
                return;
            }
            for (_, f) in to_b {
                b.0.handle(Timestamp(1), SyncEvent::received(conn, f), &mut b.1);
            }
            for (_, f) in to_a {
                a.0.handle(Timestamp(1), SyncEvent::received(conn, f), &mut a.1);
            }
        }
        panic!("the two engines never went quiet");
    }

    fn client(name: &str) -> (Driver, Loopback) {
        let config = SyncConfig::client(PeerId::new(name), Some(format!("{name}-store")));
        (Driver::new(Synchronizer::new(config)), Loopback::default())
    }

    #[test]
    fn a_document_reaches_the_other_side_and_is_stored_there() {
        let (mut a, mut b) = (client("a"), client("b"));
        let id = DocumentId::from_bytes([7; 16]);
        let mut doc = automerge::AutoCommit::new();
        automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "k", 1).unwrap();
        a.0.engine_mut().insert_doc(id, doc);
        a.0.handle(Timestamp(1), SyncEvent::changed(id), &mut a.1);
        let conn = ConnId(1);
        a.0.handle(
            Timestamp(1),
            SyncEvent::connected(conn, Direction::Outgoing),
            &mut a.1,
        );
        b.0.handle(
            Timestamp(1),
            SyncEvent::connected(conn, Direction::Incoming),
            &mut b.1,
        );
        pump(&mut a, &mut b, conn);
        let heads = a.0.engine_mut().doc_mut(&id).unwrap().get_heads();
        assert_eq!(b.0.engine_mut().doc_mut(&id).unwrap().get_heads(), heads);
        // Both stored it, through the driver's storage round.
        assert!(a.0.engine_mut().is_saved(&id));
        assert!(b.0.engine_mut().is_saved(&id));
        assert!(
            b.1.store
                .data
                .keys()
                .any(|k| k.document() == Some(id) && k.chunk_kind().is_some())
        );
        assert!(
            a.1.notices
                .contains(&SyncNotice::DocAcked { doc: id, conn })
        );
    }

    #[test]
    fn a_connection_that_cannot_take_a_frame_is_disconnected() {
        let mut a = client("a");
        a.1.refuse_sends = true;
        let conn = ConnId(3);
        a.0.handle(
            Timestamp(1),
            SyncEvent::connected(conn, Direction::Outgoing),
            &mut a.1,
        );
        // The join could not be sent: the engine was told, so it has no
        // connection left to wait on.
        assert!(a.0.engine().ready_peers().is_empty());
        a.1.refuse_sends = false;
        a.0.handle(
            Timestamp(2),
            SyncEvent::received(conn, vec![0xa0]),
            &mut a.1,
        );
        assert!(a.1.sent.is_empty(), "a forgotten connection gets nothing");
    }
}
