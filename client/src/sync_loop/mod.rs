//! The background sync loop: the browser adapter around the shared sans-IO
//! engine (run by the shared [`Driver`], as on the server and in the native
//! test client) and [`Dialer`]. It runs by itself — at start, when the
//! browser says the network is back, shortly after local edits, and with
//! backoff while the server cannot be reached — so there is no sync button.
//!
//! Every input (a socket event, a timer, a browser event, a local edit) goes
//! through [`SyncLoop::run`], which does, in this order:
//! 1. hand the event to the driver with a [`BrowserIo`]: the driver feeds the
//!    engine, performs its storage tasks at once (`localStorage` is
//!    synchronous) and feeds each result back, sends its frames on the
//!    socket in order, and closes the connections it names, until the engine
//!    asks for nothing more;
//! 2. react to its notices (handshake done, storage refused, …) and forget
//!    the sockets it closed;
//! 3. record what the server has acknowledged, arm the one dial timer and the
//!    engine's timer, and publish a [`SyncSnapshot`] for the screens.
//!
//! Logins: the loop dials only once someone uses the app ([`SyncLoop::logged_in`]:
//! a login, a kept one, or a user chosen on a server without accounts); before,
//! edits would have no one's name and the server would refuse the socket.
//! The socket carries the phone's session token. When a connection
//! fails before its handshake, the loop asks the server (REST) whether the
//! token is still accepted; if not, it stops dialing and says that sync waits
//! for a login — local edits keep being stored — until [`SyncLoop::logged_in`].
//!
//! What "on the server" means: the engine reports a document acknowledged
//! when the server's advertised heads cover all of ours, and the server only
//! advertises heads it has stored. We persist those heads per document, so
//! after a reload — offline — a document whose heads still equal the
//! acknowledged ones is known to be on the server.

mod snapshot;

pub use snapshot::{DocStatus, Link, SyncSnapshot, SyncState};

use crate::local_store::{self, acked_key};
use crate::socket::{Socket, SocketEvent};
use crate::{api, auth};
use automerge::AutoCommit;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::report::ReportError;
use shared::sync::dialer::{DialState, Dialer};
use shared::sync::storage::{StorageResult, StorageTask};
use shared::sync::{
    Adapter, Closed, ConnId, Direction, Driver, Gone, Storage, SyncConfig, SyncEvent, SyncNotice,
    Synchronizer, Transport,
};
use shared::{DocumentId, PeerId, ReportDoc, ReportKey, ReportView, Template, Timestamp};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// First retry after a failed connection; doubles up to [`RETRY_MAX_MS`].
const RETRY_BASE_MS: i64 = 1_000;
/// Longest wait between attempts while the browser reports a network.
const RETRY_MAX_MS: i64 = 15_000;
/// Debounce between a local edit and the reconnection attempt it triggers.
const NUDGE_MS: u32 = 400;
/// A connection that has not completed the handshake by then is given up.
const CONNECT_TIMEOUT_MS: u32 = 20_000;
/// Connected, changes not acknowledged, nothing heard and nothing left to send
/// for this long: the link is dead without the browser noticing (a half-open
/// TCP connection on a mobile network); reconnect.
const STALL_MS: i64 = 30_000;

/// What the server acknowledged for a document, persisted per document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Acked {
    /// The document's heads (hex), sorted, when the server held all of it.
    heads: Vec<String>,
    /// When (ms since the epoch).
    at: i64,
}

/// Handle to the loop; `Copy`, so components and callbacks share it freely.
#[derive(Clone, Copy)]
pub struct SyncLoop {
    driver: StoredValue<Rc<RefCell<State>>, LocalStorage>,
    snapshot: RwSignal<SyncSnapshot>,
}

/// The loop's state. Only [`SyncLoop::run`] touches it.
struct State {
    /// The shared engine and its loop.
    driver: Driver,
    dialer: Dialer,
    login_required: bool,
    /// Nobody uses the app yet: no dialing (see the module docs).
    awaiting_session: bool,
    socket: Option<(ConnId, Socket)>,
    ready: Option<ConnId>,
    next_conn: u64,
    connections: u64,
    last_rx: i64,
    acks: BTreeMap<DocumentId, Acked>,
    revs: BTreeMap<DocumentId, u64>,
    storage_error: Option<String>,
    refused: BTreeMap<DocumentId, String>,
    armed_for: Option<i64>,
    dial_timer: Option<Timeout>,
    nudge_timer: Option<Timeout>,
    watch_timer: Option<Timeout>,
    /// The engine's next timer (`poll_timeout`): when, and the browser timer.
    engine_timer: Option<(i64, Timeout)>,
}

impl SyncLoop {
    /// Starts the loop: opens every document stored on the phone and dials.
    /// Call once, under the app's root owner (it lives as long as the page).
    pub fn start(peer_id: PeerId, storage_id: String) -> SyncLoop {
        let driver = State {
            driver: Driver::new(Synchronizer::new(SyncConfig::client(
                peer_id,
                Some(storage_id),
            ))),
            dialer: Dialer::new(RETRY_BASE_MS, RETRY_MAX_MS),
            login_required: false,
            awaiting_session: true,
            socket: None,
            ready: None,
            next_conn: 1,
            connections: 0,
            last_rx: 0,
            acks: BTreeMap::new(),
            revs: BTreeMap::new(),
            storage_error: None,
            refused: BTreeMap::new(),
            armed_for: None,
            dial_timer: None,
            nudge_timer: None,
            watch_timer: None,
            engine_timer: None,
        };
        let this = SyncLoop {
            driver: StoredValue::new_local(Rc::new(RefCell::new(driver))),
            snapshot: RwSignal::new(SyncSnapshot::default()),
        };
        this.listen_to_browser();
        // Every document on the phone is loaded (to sync it), but after the
        // first screen is drawn: the screen's own report is opened first, so
        // a phone holding many reports starts as fast as one holding one.
        let stored = local_store::stored_documents();
        this.run(|d, _| {
            for id in &stored {
                if let Some(acked) = local_store::get_json::<Acked>(&acked_key(id)) {
                    d.acks.insert(*id, acked);
                }
            }
        });
        Timeout::new(0, move || {
            this.run(|d, me| {
                for id in stored {
                    if d.driver.engine_mut().doc_mut(&id).is_none() {
                        d.feed(me, SyncEvent::open(id));
                    }
                }
                d.drive(me);
            });
        })
        .forget();
        this
    }

    /// The current sync status (reactive).
    pub fn snapshot(&self) -> ReadSignal<SyncSnapshot> {
        self.snapshot.read_only()
    }

    /// Loads a document (from the phone, then the server) and keeps it synced.
    pub fn open(&self, doc: DocumentId) {
        self.run(|d, me| {
            if d.driver.engine_mut().doc_mut(&doc).is_none() {
                d.feed(me, SyncEvent::open(doc));
            }
        });
    }

    /// The report as this phone has it; `None` while the document is empty.
    pub fn view(&self, doc: &DocumentId) -> Option<ReportView> {
        let rc = self.driver.get_value();
        let mut d = rc.borrow_mut();
        let am = d.driver.engine_mut().doc_mut(doc)?;
        ReportView::read(am.document()).ok()
    }

    /// Applies an edit to a report as one Automerge change, stores it on the
    /// phone before returning, and sends it when connected (or soon tries to
    /// connect). A refused edit leaves the document untouched.
    pub fn edit(
        &self,
        key: &ReportKey,
        template: &Template,
        f: impl FnOnce(&mut ReportDoc<'_>) -> Result<(), ReportError>,
    ) -> Result<(), ReportError> {
        let id = key.document_id();
        self.run(|d, me| {
            if d.driver.engine_mut().doc_mut(&id).is_none() {
                d.feed(me, SyncEvent::open(id));
            }
            if d.driver.engine_mut().doc_mut(&id).is_none() {
                // The phone's copy could not be read: start a fresh one; the
                // server's copy merges into it on sync.
                d.driver.engine_mut().insert_doc(id, AutoCommit::new());
            }
            let Some(doc) = d.driver.engine_mut().doc_mut(&id) else {
                return Err(ReportError::Malformed("the document is not loaded".into()));
            };
            let result = apply_edit(doc, key, template, f);
            if result.is_err() {
                doc.rollback();
            } else {
                *d.revs.entry(id).or_default() += 1;
            }
            // Even a refused edit may have written the report's identity
            // (a deterministic change): store whatever the document now holds.
            d.feed(me, SyncEvent::changed(id));
            if result.is_ok() {
                d.after_edit(me);
            }
            result
        })
    }

    /// Someone uses the app — a login succeeded, a kept one was found at
    /// start, or a user was chosen on a server without accounts: dial now
    /// with the token.
    pub fn logged_in(&self) {
        self.run(|d, me| {
            d.login_required = false;
            d.awaiting_session = false;
            d.dialer.retry_now(Timestamp(now()));
            d.drive(me);
        });
    }

    /// The server refuses the phone's session: stop dialing until a login
    /// (edits keep being stored).
    pub fn require_login(self) {
        self.run(|d, me| {
            d.login_required = true;
            if let Some(conn) = d.socket.as_ref().map(|(c, _)| *c) {
                d.lose(me, conn);
            }
        });
    }

    /// After a connection failed before its handshake: a browser WebSocket
    /// does not tell why, so ask the server whether it still accepts the
    /// session (a network error here says nothing: the server is away).
    fn check_login(self) {
        let asked_with = auth::token();
        leptos::task::spawn_local(async move {
            // A login while the answer was on its way makes the answer stale.
            if let Err(e) = api::session().await
                && e.needs_login()
                && auth::token() == asked_with
            {
                log("sync: the server needs a login");
                self.require_login();
            }
        });
    }

    /// Runs `f` on the loop's state, then records acks, arms the timer and
    /// publishes the snapshot (step 3 of the module docs). Never re-entered: the browser
    /// delivers socket and timer events from its event loop, not during `f`.
    fn run<R>(&self, f: impl FnOnce(&mut State, SyncLoop) -> R) -> R {
        let rc = self.driver.get_value();
        let (result, snapshot) = {
            let mut d = rc.borrow_mut();
            let result = f(&mut d, *self);
            d.record_acks();
            d.arm(*self);
            (result, d.snapshot())
        };
        if self.snapshot.with_untracked(|s| *s != snapshot) {
            self.snapshot.set(snapshot);
        }
        result
    }

    fn on_socket(self, conn: ConnId, event: SocketEvent) {
        self.run(|d, me| {
            if d.socket.as_ref().map(|(c, _)| *c) != Some(conn) {
                return;
            }
            match event {
                SocketEvent::Open => d.feed(me, SyncEvent::connected(conn, Direction::Outgoing)),
                SocketEvent::Frame(bytes) => {
                    d.last_rx = now();
                    d.feed(me, SyncEvent::received(conn, bytes));
                }
                SocketEvent::Closed => {
                    let handshake_done = d.ready == Some(conn);
                    d.lose(me, conn);
                    if !handshake_done {
                        me.check_login();
                    }
                }
            }
        });
    }

    /// The browser's hints: `online` and the page becoming visible again mean
    /// "try now"; `offline` means the current connection is dead even if the
    /// socket has not noticed yet.
    fn listen_to_browser(self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let retry = move || {
            self.run(|d, me| {
                d.dialer.retry_now(Timestamp(now()));
                d.drive(me);
            })
        };
        let on_online = Closure::<dyn FnMut()>::new(retry);
        let on_offline = Closure::<dyn FnMut()>::new(move || {
            self.run(|d, me| {
                if let Some(conn) = d.socket.as_ref().map(|(c, _)| *c) {
                    d.lose(me, conn);
                }
            })
        });
        let on_visible = Closure::<dyn FnMut()>::new(move || {
            let hidden = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|doc| doc.hidden());
            if !hidden {
                retry();
            }
        });
        let _ =
            window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        let _ =
            window.add_event_listener_with_callback("offline", on_offline.as_ref().unchecked_ref());
        if let Some(doc) = window.document() {
            let _ = doc.add_event_listener_with_callback(
                "visibilitychange",
                on_visible.as_ref().unchecked_ref(),
            );
        }
        // These listeners live as long as the page.
        on_online.forget();
        on_offline.forget();
        on_visible.forget();
    }
}

/// One edit as one Automerge change on `doc` (the caller rolls back on error).
pub(crate) fn apply_edit(
    doc: &mut AutoCommit,
    key: &ReportKey,
    template: &Template,
    f: impl FnOnce(&mut ReportDoc<'_>) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut report = ReportDoc::open(doc, key, template, Timestamp(now()))?;
    f(&mut report)?;
    report.commit();
    Ok(())
}

impl State {
    /// Steps 1 and 2 of the module docs for one event and everything it causes.
    fn feed(&mut self, me: SyncLoop, event: SyncEvent) {
        let mut io = BrowserIo::new(&self.socket);
        self.driver.handle(Timestamp(now()), event, &mut io);
        self.after_driver(me, io.finish());
    }

    /// The engine's timer fired: what is due (a write to retry).
    fn on_timeout(&mut self, me: SyncLoop) {
        self.engine_timer = None;
        let mut io = BrowserIo::new(&self.socket);
        self.driver.handle_timeout(Timestamp(now()), &mut io);
        self.after_driver(me, io.finish());
    }

    /// What the driver left for the loop: its notices, and the connections
    /// it closed or lost (the engine already knows); then the browser timer
    /// for the engine's next due time.
    fn after_driver(&mut self, me: SyncLoop, (notices, lost): (Vec<SyncNotice>, Vec<ConnId>)) {
        let now = now();
        for notice in notices {
            self.notice(notice, now);
        }
        for conn in lost {
            self.drop_connection(conn);
        }
        self.arm_engine_timer(me);
    }

    /// Sets the browser timer for the engine's next due time, unless one is
    /// set for that time or earlier already.
    fn arm_engine_timer(&mut self, me: SyncLoop) {
        let Some(at) = self.driver.poll_timeout() else {
            self.engine_timer = None;
            return;
        };
        if self
            .engine_timer
            .as_ref()
            .is_some_and(|(due, _)| *due <= at.0)
        {
            return;
        }
        let wait = u32::try_from((at.0 - now()).max(0)).unwrap_or(u32::MAX);
        let timer = Timeout::new(wait, move || me.run(|d, me| d.on_timeout(me)));
        self.engine_timer = Some((at.0, timer));
    }

    fn notice(&mut self, notice: SyncNotice, now: i64) {
        match notice {
            SyncNotice::PeerReady { conn, .. } => {
                if self.socket.as_ref().is_some_and(|(c, _)| *c == conn) {
                    self.ready = Some(conn);
                    self.dialer.connected();
                    self.connections += 1;
                    self.last_rx = now;
                    self.watch_timer = None;
                }
            }
            SyncNotice::DocLoaded { doc } | SyncNotice::DocChanged { doc } => {
                *self.revs.entry(doc).or_default() += 1;
            }
            SyncNotice::StorageFailed { doc, message } => {
                log(&format!(
                    "sync: storage refused a write for {doc:?}: {message}"
                ));
                // The engine writes it again after `retry_after_ms`
                // (its timer, armed after these results).
                self.storage_error = Some(message);
            }
            SyncNotice::ProtocolError { message, .. } => {
                log(&format!("sync: protocol error: {message}"));
            }
            SyncNotice::RefusedByPeer { doc, reason, .. } => {
                log(&format!(
                    "sync: the server refused changes to {doc}: {reason}"
                ));
                self.refused.insert(doc, reason);
            }
            SyncNotice::ChangesRefused { doc, reason, .. } => {
                // Only a peer with an access policy (the server) refuses.
                log(&format!("sync: changes to {doc} refused: {reason}"));
            }
            SyncNotice::RemoteError { message, .. } => {
                log(&format!("sync: the server reported: {message}"));
            }
            SyncNotice::CorruptChunk { key } => {
                log(&format!(
                    "sync: skipped unreadable stored chunk {}",
                    key.joined()
                ));
            }
            SyncNotice::DocSaved { .. }
            | SyncNotice::DocAcked { .. }
            | SyncNotice::DocUnavailable { .. } => {}
        }
    }

    /// Opens a connection if the dialer says it is time and the browser has a network.
    fn drive(&mut self, me: SyncLoop) {
        let now = now();
        if self.socket.is_some()
            || !self.may_dial()
            || !online()
            || !self.dialer.should_dial(Timestamp(now))
        {
            return;
        }
        let conn = ConnId(self.next_conn);
        self.next_conn += 1;
        self.dialer.connecting();
        let url = sync_url(auth::token().as_deref());
        match Socket::open(&url, move |event| me.on_socket(conn, event)) {
            Ok(socket) => {
                self.socket = Some((conn, socket));
                self.watch_timer = Some(Timeout::new(CONNECT_TIMEOUT_MS, move || {
                    me.run(|d, me| {
                        d.watch_timer = None;
                        if d.ready != Some(conn) {
                            d.lose(me, conn);
                        }
                    })
                }));
            }
            Err(e) => {
                log(&format!("sync: cannot open the sync socket: {e}"));
                self.dialer.disconnected(Timestamp(now));
            }
        }
    }

    /// Whether a session allows dialing (one began, and the server took it).
    fn may_dial(&self) -> bool {
        !self.awaiting_session && !self.login_required
    }

    /// A local edit happened: if not connected, try soon (debounced, so a burst
    /// of keystrokes makes one attempt); if connected, watch for a dead link.
    fn after_edit(&mut self, me: SyncLoop) {
        if self.ready.is_none() {
            self.nudge_timer = Some(Timeout::new(NUDGE_MS, move || {
                me.run(|d, me| {
                    d.nudge_timer = None;
                    d.dialer.retry_now(Timestamp(now()));
                    d.drive(me);
                })
            }));
        } else if self.watch_timer.is_none()
            && let Some(conn) = self.ready
        {
            self.watch_stall(me, conn);
        }
    }

    /// Checks again when the silence since the last frame would reach [`STALL_MS`].
    fn watch_stall(&mut self, me: SyncLoop, conn: ConnId) {
        let due = (STALL_MS - (now() - self.last_rx)).clamp(1_000, STALL_MS);
        self.watch_timer = Some(Timeout::new(due as u32, move || {
            me.run(|d, me| {
                d.watch_timer = None;
                if d.ready != Some(conn) || d.snapshot().pending() == 0 {
                    return;
                }
                let sending = d.socket.as_ref().is_some_and(|(_, s)| s.buffered() > 0);
                if sending || now() - d.last_rx < STALL_MS {
                    d.watch_stall(me, conn);
                } else {
                    log("sync: no answer from the server; reconnecting");
                    d.lose(me, conn);
                }
            })
        }));
    }

    /// The connection is gone: tell the engine and back off.
    fn lose(&mut self, me: SyncLoop, conn: ConnId) {
        if self.drop_connection(conn) {
            self.feed(me, SyncEvent::disconnected(conn));
        }
    }

    /// Forgets the socket if it is `conn`; true if it was.
    fn drop_connection(&mut self, conn: ConnId) -> bool {
        if self.socket.as_ref().map(|(c, _)| *c) != Some(conn) {
            return false;
        }
        self.socket = None;
        self.ready = None;
        self.watch_timer = None;
        self.dialer.disconnected(Timestamp(now()));
        true
    }

    /// Arms the one dial timer for the dialer's next deadline (none while
    /// offline: the `online` event calls back instead).
    fn arm(&mut self, me: SyncLoop) {
        let now = now();
        let want = if self.socket.is_none() && self.may_dial() && online() {
            self.dialer.next_deadline().map(|t| t.0.max(now))
        } else {
            None
        };
        if want == self.armed_for && (want.is_none() || self.dial_timer.is_some()) {
            return;
        }
        self.armed_for = want;
        self.dial_timer = want.map(|at| {
            let wait = u32::try_from(at - now).unwrap_or(u32::MAX);
            Timeout::new(wait, move || {
                me.run(|d, me| {
                    d.dial_timer = None;
                    d.armed_for = None;
                    d.drive(me);
                })
            })
        });
    }

    /// Records, and persists, the heads the server now holds of each document.
    fn record_acks(&mut self) {
        if let Some(conn) = self.ready {
            let now = now();
            for id in self.driver.engine_mut().loaded_docs() {
                let heads = match self.driver.engine_mut().doc_mut(&id) {
                    Some(doc) => heads_text(&doc.get_heads()),
                    None => continue,
                };
                if heads.is_empty() || self.acks.get(&id).is_some_and(|a| a.heads == heads) {
                    continue;
                }
                if self.driver.engine_mut().is_acked(&id, conn) {
                    let acked = Acked { heads, at: now };
                    // If the browser refuses, the ack still shows until reload.
                    if let Err(e) = local_store::set_json(&acked_key(&id), &acked) {
                        log(&format!("sync: cannot store the ack of {id}: {e}"));
                    }
                    self.acks.insert(id, acked);
                    self.refused.remove(&id);
                }
            }
        }
        if self.storage_error.is_some() {
            let ids = self.driver.engine_mut().loaded_docs();
            if ids.iter().all(|id| self.driver.engine_mut().is_saved(id)) {
                self.storage_error = None;
            }
        }
    }

    fn snapshot(&mut self) -> SyncSnapshot {
        let link = if !online() {
            Link::Offline
        } else if self.ready.is_some() {
            Link::Connected
        } else if self.dialer.state() == DialState::Connecting {
            Link::Connecting
        } else {
            Link::Waiting
        };
        let mut docs = BTreeMap::new();
        for id in self.driver.engine_mut().loaded_docs() {
            let Some(doc) = self.driver.engine_mut().doc_mut(&id) else {
                continue;
            };
            let heads = heads_text(&doc.get_heads());
            let acked = self.acks.get(&id);
            docs.insert(
                id,
                DocStatus {
                    rev: self.revs.get(&id).copied().unwrap_or(0),
                    empty: heads.is_empty(),
                    on_server: !heads.is_empty() && acked.is_some_and(|a| a.heads == heads),
                    acked_at: acked.map(|a| a.at),
                    refused: self.refused.get(&id).cloned(),
                },
            );
        }
        SyncSnapshot {
            link,
            connections: self.connections,
            docs,
            storage_error: self.storage_error.clone(),
            login_required: self.login_required,
        }
    }
}

/// The browser's side of the [`Driver`] for one event: the socket, the
/// phone's synchronous local storage, and what the loop handles after.
struct BrowserIo<'a> {
    socket: &'a Option<(ConnId, Socket)>,
    notices: Vec<SyncNotice>,
    /// Connections closed, or whose socket refused a frame.
    lost: Vec<ConnId>,
}

impl<'a> BrowserIo<'a> {
    fn new(socket: &'a Option<(ConnId, Socket)>) -> BrowserIo<'a> {
        BrowserIo {
            socket,
            notices: Vec::new(),
            lost: Vec::new(),
        }
    }

    fn finish(self) -> (Vec<SyncNotice>, Vec<ConnId>) {
        (self.notices, self.lost)
    }
}

impl Transport for BrowserIo<'_> {
    fn send(&mut self, conn: ConnId, frame: Vec<u8>) -> Result<(), Gone> {
        let Some((c, socket)) = self.socket else {
            return Ok(());
        };
        if *c != conn {
            return Ok(());
        }
        socket.send(&frame).map_err(|e| {
            log(&format!("sync: send failed: {e}"));
            self.lost.push(conn);
            Gone
        })
    }

    fn close(&mut self, conn: ConnId) -> Closed {
        // The socket closes when the loop drops it, after its buffered frames.
        self.lost.push(conn);
        Closed::Now
    }
}

impl Storage for BrowserIo<'_> {
    fn submit(&mut self, task: StorageTask) -> Option<StorageResult> {
        // `localStorage` is synchronous: done before the next round.
        Some(local_store::perform(&task))
    }
}

impl Adapter for BrowserIo<'_> {
    fn notice(&mut self, notice: SyncNotice, _: &mut Synchronizer) {
        self.notices.push(notice);
    }
}

fn heads_text(heads: &[automerge::ChangeHash]) -> Vec<String> {
    let mut out: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    out.sort();
    out
}

/// `ws://host/sync` or `wss://host/sync`, same origin as the page, with the
/// session token as a query parameter (a browser WebSocket cannot set headers;
/// the server never logs queries).
fn sync_url(token: Option<&str>) -> String {
    let location = web_sys::window().map(|w| w.location());
    let protocol = location.as_ref().and_then(|l| l.protocol().ok());
    let host = location.and_then(|l| l.host().ok()).unwrap_or_default();
    let scheme = if protocol.as_deref() == Some("https:") {
        "wss:"
    } else {
        "ws:"
    };
    match token {
        Some(token) => format!(
            "{scheme}//{host}/sync?token={}",
            js_sys::encode_uri_component(token)
        ),
        None => format!("{scheme}//{host}/sync"),
    }
}

/// The browser's own idea of connectivity; `false` is reliable, `true` is a hope.
fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Milliseconds since the epoch, from the browser's clock.
pub fn now() -> i64 {
    js_sys::Date::now() as i64
}

fn log(message: &str) {
    web_sys::console::warn_1(&message.into());
}
