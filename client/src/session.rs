//! The directory (org units, templates, users, rounds) and the chosen user,
//! both kept on the phone so the app starts without a network. The directory
//! is refreshed from the server at start and whenever the sync loop connects.

use crate::api::{self, ApiError, Bootstrap};
use crate::directory::Directory;
use crate::ids::random_hex;
use crate::local_store;
use crate::sync_loop::SyncLoop;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use shared::PeerId;
use shared::dataset::User;
use std::sync::Arc;

/// The server's API version when this app cannot rely on it: another
/// version than [`shared::API_VERSION`], or `Some(0)` for a server that does
/// not announce one (older than the header).
pub fn api_mismatch(server: Option<u32>) -> Option<u32> {
    let server = server.unwrap_or(0);
    (server != shared::API_VERSION).then_some(server)
}

/// App-wide session state; `Copy`, provided as context by the app root.
#[derive(Clone, Copy)]
pub struct Session {
    /// The directory, once known (cached or fetched).
    pub directory: RwSignal<Option<Arc<Directory>>>,
    /// The chosen user's id.
    pub user_id: RwSignal<Option<String>>,
    /// Why the directory could not be fetched, while none is cached.
    pub load_error: RwSignal<Option<ApiError>>,
    /// The server's API version when it is not this app's
    /// ([`shared::API_VERSION`]); `Some(0)` for a server that does not say.
    pub server_api: RwSignal<Option<u32>>,
}

impl Session {
    /// Loads the cached directory and user, then refreshes the directory from
    /// the server now and after every reconnection.
    pub fn start(sync: SyncLoop) -> Session {
        let cached = local_store::get_json::<Bootstrap>(local_store::BOOTSTRAP)
            .and_then(|b| Directory::new(b).ok())
            .map(Arc::new);
        let session = Session {
            directory: RwSignal::new(cached),
            user_id: RwSignal::new(local_store::get_json::<String>(local_store::USER)),
            load_error: RwSignal::new(None),
            server_api: RwSignal::new(None),
        };
        session.refresh();
        let connections = Memo::new(move |_| sync.snapshot().with(|s| s.connections));
        Effect::new(move |previous: Option<u64>| {
            let now = connections.get();
            if previous.is_some_and(|p| p != now) {
                session.refresh();
            }
            now
        });
        session
    }

    /// The chosen user, if it exists in the directory (tracked).
    pub fn user(&self) -> Option<User> {
        let id = self.user_id.get()?;
        self.directory.with(|d| d.as_ref()?.user(&id).cloned())
    }

    /// Remembers the chosen user on the phone.
    pub fn choose(&self, id: &str) {
        if let Err(e) = local_store::set_json(local_store::USER, &id) {
            web_sys::console::warn_1(&format!("cannot remember the user: {e}").into());
        }
        self.user_id.set(Some(id.to_string()));
    }

    /// Forgets the chosen user (back to the start screen).
    pub fn sign_out(&self) {
        local_store::remove(local_store::USER);
        self.user_id.set(None);
    }

    fn refresh(self) {
        spawn_local(async move {
            match api::bootstrap().await {
                Ok((boot, version)) => {
                    let mismatch = api_mismatch(version);
                    if self.server_api.get_untracked() != mismatch {
                        self.server_api.set(mismatch);
                    }
                    let same = self
                        .directory
                        .with_untracked(|d| d.as_ref().is_some_and(|d| d.boot == boot));
                    if same {
                        self.load_error.set(None);
                        return;
                    }
                    match Directory::new(boot.clone()) {
                        Ok(directory) => {
                            if let Err(e) = local_store::set_json(local_store::BOOTSTRAP, &boot) {
                                web_sys::console::warn_1(
                                    &format!("cannot cache the directory: {e}").into(),
                                );
                            }
                            self.directory.set(Some(Arc::new(directory)));
                            self.load_error.set(None);
                        }
                        Err(e) => self.load_error.set(Some(ApiError::Decode(e.to_string()))),
                    }
                }
                Err(e) => self.load_error.set(Some(e)),
            }
        });
    }
}

/// This browser's identity in the sync protocol, made once and kept.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Identity {
    peer_id: String,
    storage_id: String,
}

/// The peer id (`browser-<random>`) and storage id of this browser.
pub fn peer_identity() -> (PeerId, String) {
    let identity = local_store::get_json::<Identity>(local_store::PEER).unwrap_or_else(|| {
        let made = Identity {
            peer_id: format!("browser-{}", random_hex(8)),
            storage_id: format!("browser-storage-{}", random_hex(8)),
        };
        if let Err(e) = local_store::set_json(local_store::PEER, &made) {
            web_sys::console::warn_1(&format!("cannot store the peer id: {e}").into());
        }
        made
    });
    (PeerId::new(identity.peer_id), identity.storage_id)
}

#[cfg(test)]
mod tests {
    use super::api_mismatch;

    #[test]
    fn only_the_same_api_version_is_silent() {
        let ours = shared::API_VERSION;
        assert_eq!(api_mismatch(Some(ours)), None);
        assert_eq!(api_mismatch(Some(ours + 1)), Some(ours + 1));
        assert_eq!(api_mismatch(Some(ours - 1)), Some(ours - 1));
        assert_eq!(api_mismatch(None), Some(0));
    }
}
