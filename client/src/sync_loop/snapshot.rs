//! What the screens see of sync: the link, each loaded document's status,
//! and the snapshot the loop publishes after every input.

use shared::DocumentId;
use std::collections::BTreeMap;

/// The connection to the server, as the user should understand it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// The browser reports no network: nothing is attempted until it does.
    Offline,
    /// The server could not be reached; a retry is scheduled.
    Waiting,
    /// A connection attempt is under way.
    Connecting,
    /// Connected and the handshake is done.
    Connected,
}

/// Where a document's data is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncState {
    /// Only on this phone (stored here; the server does not have all of it).
    Local,
    /// Connected and being sent.
    Syncing,
    /// The server has stored every change this phone has.
    Server,
}

impl SyncState {
    /// The `data-state` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Local => "local",
            SyncState::Syncing => "syncing",
            SyncState::Server => "server",
        }
    }
}

/// One loaded document's status.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocStatus {
    /// Increases whenever the content changes (screens re-read the view).
    pub rev: u64,
    /// No change at all yet.
    pub empty: bool,
    /// The server holds exactly what this phone holds.
    pub on_server: bool,
    /// When the server last acknowledged it (ms since the epoch).
    pub acked_at: Option<i64>,
    /// The server refused this phone's changes, for this reason (a
    /// `shared::workflow::Refusal` code); they stay here and are offered
    /// again by themselves. Cleared when the server holds everything.
    pub refused: Option<String>,
}

/// What the screens show about sync; replaced after every input.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncSnapshot {
    /// The connection.
    pub link: Link,
    /// Completed handshakes since start: screens that need the network reload
    /// when it increases.
    pub connections: u64,
    /// Loaded documents.
    pub docs: BTreeMap<DocumentId, DocStatus>,
    /// The last write the browser refused, until every document is stored.
    pub storage_error: Option<String>,
    /// The server refused this phone's session: sync waits for a login.
    pub login_required: bool,
}

impl Default for SyncSnapshot {
    fn default() -> Self {
        SyncSnapshot {
            link: Link::Waiting,
            connections: 0,
            docs: BTreeMap::new(),
            storage_error: None,
            login_required: false,
        }
    }
}

impl SyncSnapshot {
    /// Where a document is.
    pub fn state_of(&self, doc: &DocumentId) -> SyncState {
        let connected = self.link == Link::Connected;
        match self.docs.get(doc) {
            Some(d) if d.on_server => SyncState::Server,
            // Nothing entered and the server is reachable: nothing to upload.
            Some(d) if d.empty && connected => SyncState::Server,
            _ if connected => SyncState::Syncing,
            _ => SyncState::Local,
        }
    }

    /// Documents with changes the server does not have yet.
    pub fn pending(&self) -> usize {
        self.docs
            .values()
            .filter(|d| !d.empty && !d.on_server)
            .count()
    }

    /// The latest acknowledgement among documents that are on the server.
    pub fn last_acked(&self) -> Option<i64> {
        self.docs
            .values()
            .filter(|d| d.on_server)
            .filter_map(|d| d.acked_at)
            .max()
    }

    /// A document's status.
    pub fn doc(&self, doc: &DocumentId) -> Option<&DocStatus> {
        self.docs.get(doc)
    }
}
