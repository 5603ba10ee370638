//! The server's adapter of the shared sync engine: one task owns the
//! engine's [`Driver`] and every connection talks to it through a channel.
//!
//! The hub turns each input into an engine event and hands the driver its
//! [`HubIo`]: frames go to the connections' writer queues, storage tasks to
//! the database (reads concurrently, writes to the one group-committing
//! writer; their completions come back as events), notices to the log and
//! the metrics (a saved report refreshes its row in the `documents`
//! projection). On PostgreSQL a listener task also feeds in the documents
//! other replicas stored ([`SyncEvent::stored_elsewhere`]).

use crate::auth::policy::{Learnt, ServerPolicy};
use crate::db::Pool;
use shared::dataset::User;
use shared::sync::storage::{StorageAction, StorageResult, StorageTask};
use shared::sync::{
    Adapter, Closed, ConnId, Direction, Driver, Gone, Storage, SyncConfig, SyncEvent, SyncNotice,
    Synchronizer, Transport,
};
use shared::{PeerId, Timestamp};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Frames queued for one connection before it is considered too slow and closed.
const OUTBOUND_QUEUE: usize = 4096;

/// What the hub sends a connection's writer.
#[derive(Debug)]
pub enum Outbound {
    /// A binary frame.
    Frame(Vec<u8>),
    /// Close the connection (after the frames before it).
    Close,
    /// The server is stopping: close with 1001 "going away" (after the
    /// frames before it, the last acknowledgements); the peer reconnects.
    GoingAway,
}

enum HubMsg {
    Connect(ConnId, mpsc::Sender<Outbound>),
    /// A frame, holding its share of the inbound budget until handled.
    Frame(ConnId, Vec<u8>, tokio::sync::OwnedSemaphorePermit),
    Disconnect(ConnId),
    Storage(StorageResult),
    /// Another replica stored changes of this document.
    StoredElsewhere(shared::DocumentId),
    /// Announcements may have been missed (the listener reconnected): every
    /// document in memory is read again.
    RefreshAll,
    /// Stop: take no more frames, finish the writes under way, then close
    /// every connection with "going away"; the connections' senders come
    /// back so the caller can wait for their writers to flush.
    Shutdown(oneshot::Sender<Vec<mpsc::Sender<Outbound>>>),
}

/// What one peer may send.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest frame.
    pub max_message_bytes: usize,
    /// Largest stored document.
    pub max_document_bytes: usize,
    /// New documents per connection.
    pub new_docs: shared::sync::RateLimit,
}

/// Bytes of received frames waiting for the hub, all connections together,
/// at most (two of the largest frames, at least 16 MB). A reader that would pass it
/// waits, and stops reading its socket meanwhile: a client pushing frames
/// faster than the hub takes them is slowed down by TCP instead of growing
/// the server's memory.
fn inbound_budget(max_message_bytes: usize) -> usize {
    max_message_bytes.saturating_mul(2).max(16 << 20)
}

/// A handle to the hub task.
#[derive(Clone)]
pub struct Hub {
    tx: mpsc::UnboundedSender<HubMsg>,
    /// Permits are bytes of frames queued for the hub ([`inbound_budget`]).
    inbound: Arc<tokio::sync::Semaphore>,
    inbound_budget: usize,
    next_conn: Arc<AtomicU64>,
    peer_id: PeerId,
    policy: Option<ServerPolicy>,
}

impl Hub {
    /// Starts the hub task.
    pub fn start(
        pool: Pool,
        storage_id: String,
        limits: Limits,
        policy: Option<ServerPolicy>,
    ) -> Hub {
        let (tx, rx) = mpsc::unbounded_channel();
        let peer_id = PeerId::new(format!(
            "baocao-server-{}",
            &storage_id[..storage_id.len().min(8)]
        ));
        let mut config = SyncConfig::server(peer_id.clone(), storage_id);
        config.max_message_bytes = limits.max_message_bytes;
        config.max_document_bytes = limits.max_document_bytes;
        config.new_docs_rate = Some(limits.new_docs);
        // A new ephemeral session for every run, so peers never take this
        // run's messages for repeats of the last one's.
        let session: [u8; 16] = rand::random();
        config.session_id = session.iter().map(|b| format!("{b:02x}")).collect();
        let mut sync = Synchronizer::new(config);
        if let Some(p) = &policy {
            sync.set_policy(Box::new(p.clone()));
        }
        // On PostgreSQL other replicas may share the database: this one
        // announces what it stores and listens to what they store.
        let replica = (crate::db::Backend::of(&pool) == crate::db::Backend::Postgres).then(|| {
            let id: [u8; 8] = rand::random();
            let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
            spawn_listener(pool.clone(), id.clone(), tx.clone(), policy.clone());
            id
        });
        let task = HubTask {
            driver: Driver::new(sync),
            io: HubIo {
                conns: HashMap::new(),
                writer: spawn_writer(pool.clone(), tx.clone(), replica),
                pool,
                tx: tx.clone(),
                in_flight: 0,
                metrics: crate::metrics::SyncMetrics::new(),
            },
            policy: policy.clone(),
            shutdown: None,
        };
        tokio::spawn(task.run(rx));
        let inbound_budget = inbound_budget(limits.max_message_bytes);
        Hub {
            tx,
            inbound: Arc::new(tokio::sync::Semaphore::new(inbound_budget)),
            inbound_budget,
            next_conn: Arc::new(AtomicU64::new(1)),
            peer_id,
            policy,
        }
    }

    /// The peer id the server announces in the handshake.
    pub fn peer_id(&self) -> &PeerId {
        &self.peer_id
    }

    /// The access policy (with accounts), which knows whose actor ids are whose.
    pub fn policy(&self) -> Option<&ServerPolicy> {
        self.policy.as_ref()
    }

    /// Whether connections must belong to a logged-in user.
    pub fn requires_login(&self) -> bool {
        self.policy.is_some()
    }

    /// Registers a new connection of `user` (`None` only without accounts);
    /// frames for it arrive on the returned receiver.
    pub fn connect(&self, user: Option<User>) -> (ConnId, mpsc::Receiver<Outbound>) {
        let conn = ConnId(self.next_conn.fetch_add(1, Ordering::Relaxed));
        if let (Some(p), Some(u)) = (&self.policy, user) {
            p.connected(conn, u);
        }
        let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE);
        let _ = self.tx.send(HubMsg::Connect(conn, tx));
        (conn, rx)
    }

    /// A frame arrived on a connection: queued for the hub once the inbound
    /// budget has room for it (a frame larger than the whole budget waits
    /// for all of it). The caller reads its next frame after this returns.
    pub async fn frame(&self, conn: ConnId, bytes: Vec<u8>) {
        let share = bytes.len().clamp(1, self.inbound_budget);
        let Ok(permit) = self
            .inbound
            .clone()
            .acquire_many_owned(u32::try_from(share).unwrap_or(u32::MAX))
            .await
        else {
            return;
        };
        let _ = self.tx.send(HubMsg::Frame(conn, bytes, permit));
    }

    /// The connection is gone.
    pub fn disconnect(&self, conn: ConnId) {
        let _ = self.tx.send(HubMsg::Disconnect(conn));
    }

    /// Stops syncing gracefully: frames arriving from now on are dropped
    /// (never acknowledged, so their senders send them again after
    /// reconnecting), every write under way is committed and acknowledged,
    /// then every connection is closed with "going away". Gives up waiting
    /// for the writes after `grace` (they are then lost only if the process
    /// dies before they commit; nothing acknowledged is ever lost).
    pub async fn shutdown(&self, grace: std::time::Duration) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(HubMsg::Shutdown(tx)).is_err() {
            return;
        }
        let writers = match tokio::time::timeout(grace, rx).await {
            Ok(Ok(writers)) => writers,
            Ok(Err(_)) => return,
            Err(_) => {
                tracing::warn!("storage writes still under way after {grace:?}; stopping anyway");
                return;
            }
        };
        // Each writer drops its receiver once its close frame is out.
        let flushed = futures_util::future::join_all(writers.iter().map(|w| w.closed()));
        if tokio::time::timeout(std::time::Duration::from_secs(5), flushed)
            .await
            .is_err()
        {
            tracing::info!("some connections did not take their close frame within 5 s");
        }
        tracing::info!(
            connections = writers.len(),
            "sync stopped: connections closed, every write committed"
        );
    }
}

struct HubTask {
    driver: Driver,
    io: HubIo,
    /// The access policy the engine enforces, when accounts are on.
    policy: Option<ServerPolicy>,
    /// Set once stopping: who waits for the last write.
    shutdown: Option<oneshot::Sender<Vec<mpsc::Sender<Outbound>>>>,
}

/// The hub's side of the [`Driver`]: connections' writers, the database.
struct HubIo {
    conns: HashMap<ConnId, mpsc::Sender<Outbound>>,
    writer: mpsc::UnboundedSender<WriteJob>,
    pool: Pool,
    tx: mpsc::UnboundedSender<HubMsg>,
    /// Storage tasks submitted and not yet answered.
    in_flight: usize,
    metrics: crate::metrics::SyncMetrics,
}

fn now() -> Timestamp {
    Timestamp(crate::db::now_ms())
}

impl HubTask {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<HubMsg>) {
        loop {
            // The engine's own timers (retries, rate limits, parking).
            let due = self.driver.poll_timeout().map(|at| {
                let wait = u64::try_from(at.0 - now().0).unwrap_or(0);
                tokio::time::Instant::now() + std::time::Duration::from_millis(wait)
            });
            let timer = async {
                match due {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let msg = tokio::select! {
                msg = rx.recv() => match msg {
                    Some(msg) => msg,
                    None => return,
                },
                () = timer => {
                    self.driver.handle_timeout(now(), &mut self.io);
                    continue;
                }
            };
            self.on_message(msg);
            let engine = self.driver.engine();
            self.io
                .metrics
                .sizes(self.io.conns.len(), engine.docs_in_memory());
            if self.io.in_flight == 0
                && let Some(done) = self.shutdown.take()
            {
                // The acknowledgements went out before this, in order.
                let writers: Vec<_> = self.io.conns.drain().map(|(_, out)| out).collect();
                for out in &writers {
                    let _ = out.try_send(Outbound::GoingAway);
                }
                let _ = done.send(writers);
                return;
            }
        }
    }

    fn on_message(&mut self, msg: HubMsg) {
        let stopping = self.shutdown.is_some();
        let event = match msg {
            HubMsg::Connect(_, out) if stopping => {
                let _ = out.try_send(Outbound::GoingAway);
                return;
            }
            // Not acknowledged, so the sender offers it again later.
            HubMsg::Frame(..) if stopping => return,
            HubMsg::Connect(conn, out) => {
                self.io.conns.insert(conn, out);
                SyncEvent::connected(conn, Direction::Incoming)
            }
            HubMsg::Frame(conn, bytes, permit) => {
                self.io.metrics.received(bytes.len());
                self.driver
                    .handle(now(), SyncEvent::received(conn, bytes), &mut self.io);
                drop(permit);
                return;
            }
            HubMsg::Disconnect(conn) => {
                self.io.conns.remove(&conn);
                if let Some(p) = &self.policy {
                    p.disconnected(conn);
                }
                self.driver
                    .handle(now(), SyncEvent::disconnected(conn), &mut self.io);
                tracing::debug!(
                    conn = conn.0,
                    connections = self.io.conns.len(),
                    docs_in_memory = self.driver.engine().docs_in_memory(),
                    "disconnected"
                );
                return;
            }
            HubMsg::Storage(result) => {
                self.io.in_flight -= 1;
                SyncEvent::storage_done(result)
            }
            HubMsg::StoredElsewhere(doc) => SyncEvent::stored_elsewhere(doc),
            HubMsg::RefreshAll => {
                for doc in self.driver.engine().loaded_docs() {
                    self.driver
                        .handle(now(), SyncEvent::stored_elsewhere(doc), &mut self.io);
                }
                return;
            }
            HubMsg::Shutdown(done) => {
                tracing::info!(
                    connections = self.io.conns.len(),
                    writes_under_way = self.io.in_flight,
                    "sync stopping: no more frames taken"
                );
                self.shutdown = Some(done);
                return;
            }
        };
        self.driver.handle(now(), event, &mut self.io);
    }
}

impl Transport for HubIo {
    fn send(&mut self, conn: ConnId, frame: Vec<u8>) -> Result<(), Gone> {
        let size = frame.len();
        self.queue(conn, Outbound::Frame(frame))?;
        self.metrics.sent(size);
        Ok(())
    }

    fn close(&mut self, conn: ConnId) -> Closed {
        match self.queue(conn, Outbound::Close) {
            // Its reader reports the disconnection once the writer closed it.
            Ok(()) => Closed::Later,
            Err(Gone) => Closed::Now,
        }
    }
}

impl HubIo {
    fn queue(&mut self, conn: ConnId, msg: Outbound) -> Result<(), Gone> {
        let Some(out) = self.conns.get(&conn) else {
            return Ok(());
        };
        if out.try_send(msg).is_err() {
            // Too slow or gone: the driver tells the engine, which forgets it.
            tracing::info!(conn = conn.0, "connection cannot keep up; closing");
            self.conns.remove(&conn);
            return Err(Gone);
        }
        Ok(())
    }
}

impl Storage for HubIo {
    fn submit(&mut self, task: StorageTask) -> Option<StorageResult> {
        self.in_flight += 1;
        if matches!(task.action, StorageAction::Load { .. }) {
            // Reads run side by side (WAL readers do not block).
            let pool = self.pool.clone();
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let result = crate::store::perform(&pool, task).await;
                let _ = tx.send(HubMsg::Storage(result));
            });
        } else {
            let _ = self.writer.send(WriteJob::Storage(task));
        }
        None
    }
}

impl Adapter for HubIo {
    fn learnt(&mut self, binding: Learnt) {
        // Queued before the writes it attributes (the driver's order).
        let _ = self.writer.send(WriteJob::Learnt(binding));
    }

    fn notice(&mut self, notice: SyncNotice, engine: &mut Synchronizer) {
        match notice {
            SyncNotice::DocSaved { doc } => self.refresh_projection(doc, engine),
            SyncNotice::ProtocolError { conn, message } => {
                tracing::info!(conn = conn.0, "closing connection: {message}");
            }
            SyncNotice::StorageFailed { doc, message } => {
                tracing::error!(?doc, "storage failed: {message}");
            }
            SyncNotice::ChangesRefused { doc, conn, reason } => {
                self.metrics.refused(&reason);
                tracing::info!(conn = conn.0, %doc, "changes refused: {reason}");
            }
            SyncNotice::DocChanged { .. } => self.metrics.accepted(),
            SyncNotice::CorruptChunk { key } => {
                tracing::error!("corrupt chunk skipped: {}", key.joined());
            }
            _ => {}
        }
    }
}

impl HubIo {
    /// A report was saved: refresh its projection row. Documents that are not
    /// reports, or whose identity does not match their id, are not projected.
    fn refresh_projection(&mut self, doc: shared::DocumentId, engine: &mut Synchronizer) {
        let Some(d) = engine.doc_mut(&doc) else {
            return;
        };
        if let Some(p) = crate::store::Projected::of(&doc, d.document()) {
            let _ = self.writer.send(WriteJob::Projection(doc, p));
        }
    }
}

/// Work for the writer task.
enum WriteJob {
    Storage(StorageTask),
    Projection(shared::DocumentId, crate::store::Projected),
    Learnt(Learnt),
}

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 512;

/// Starts the one task that writes to the database. Every write waiting when it
/// wakes goes into one transaction (group commit): a burst of N saves costs
/// one fsync, not N, and acknowledgements still wait for the commit.
fn spawn_writer(
    pool: Pool,
    hub: mpsc::UnboundedSender<HubMsg>,
    replica: Option<String>,
) -> mpsc::UnboundedSender<WriteJob> {
    let (tx, mut rx) = mpsc::unbounded_channel::<WriteJob>();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut tasks = Vec::new();
            let mut projections = Vec::new();
            let mut learnt = Vec::new();
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    WriteJob::Storage(t) => tasks.push(t),
                    WriteJob::Projection(id, p) => projections.push((id, p)),
                    WriteJob::Learnt(l) => learnt.push(l),
                }
                if tasks.len() + projections.len() + learnt.len() < MAX_BATCH {
                    next = rx.try_recv().ok();
                }
            }
            let writes = tasks.len() + projections.len() + learnt.len();
            let started = std::time::Instant::now();
            let results =
                crate::store::perform_writes(&pool, tasks, projections, learnt, replica.as_deref())
                    .await;
            let failed = results
                .iter()
                .filter(|r| matches!(r.outcome, shared::sync::storage::StorageOutcome::Failed(_)))
                .count();
            crate::metrics::storage_batch(writes, started.elapsed(), failed);
            for result in results {
                let _ = hub.send(HubMsg::Storage(result));
            }
        }
    });
    tx
}

/// Listens to what other replicas store (PostgreSQL LISTEN): documents on
/// [`crate::store::CHANNEL`] go to the hub, which reads and merges them and
/// syncs its clients; actor and owner bindings on [`crate::store::BINDINGS`]
/// go to the access policy. After a lost connection it reconnects, has every
/// document in memory read again and reloads the bindings, since
/// announcements made meanwhile are gone.
fn spawn_listener(
    pool: Pool,
    replica: String,
    hub: mpsc::UnboundedSender<HubMsg>,
    policy: Option<ServerPolicy>,
) {
    use sqlx::postgres::PgListener;
    let url = pool.connect_options().database_url.to_string();
    let caught_up = move |pool: Pool, policy: Option<ServerPolicy>| async move {
        if let Some(p) = policy {
            match crate::store::load_bindings(&pool).await {
                Ok((actors, owners)) => {
                    for (actor, user) in actors {
                        p.stored(Learnt::Actor { actor, user });
                    }
                    for (doc, user) in owners {
                        p.stored(Learnt::Owner { doc, user });
                    }
                }
                Err(e) => tracing::warn!("cannot reload the bindings: {e}"),
            }
        }
    };
    tokio::spawn(async move {
        while !hub.is_closed() {
            let mut listener = match PgListener::connect(&url).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!("cannot listen for other replicas: {e}");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(e) = listener
                .listen_all([crate::store::CHANNEL, crate::store::BINDINGS])
                .await
            {
                tracing::warn!("cannot listen for other replicas: {e}");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
            // Listening now: what was announced before (since the server
            // loaded its bindings, or while disconnected) is read again.
            caught_up(pool.clone(), policy.clone()).await;
            let _ = hub.send(HubMsg::RefreshAll);
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) if n.channel() == crate::store::BINDINGS => {
                        if let (Some(p), Some(l)) =
                            (&policy, crate::store::parse_binding(n.payload(), &replica))
                        {
                            p.stored(l);
                        }
                    }
                    Ok(Some(n)) => {
                        let Some((origin, doc)) = n.payload().split_once(' ') else {
                            continue;
                        };
                        if origin == replica {
                            continue;
                        }
                        if let Ok(doc) = doc.parse()
                            && hub.send(HubMsg::StoredElsewhere(doc)).is_err()
                        {
                            return;
                        }
                    }
                    // Reconnected by the next call: what was sent meanwhile is lost.
                    Ok(None) => {
                        caught_up(pool.clone(), policy.clone()).await;
                        if hub.send(HubMsg::RefreshAll).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::warn!("listening for other replicas: {e}");
                        break;
                    }
                }
            }
        }
    });
}
