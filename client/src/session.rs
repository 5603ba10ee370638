//! The directory (org units, templates, users, rounds) and who uses the app,
//! both kept on the phone so the app starts without a network. The directory
//! is refreshed from the server at start and whenever the sync loop connects;
//! so is the session token, when it is due for renewal.
//!
//! Two kinds of server: with accounts (the default), the user logs in and the
//! login is kept on the phone ([`crate::auth`]); without (`serve --no-auth`,
//! for demos and benchmarks), the start screen lists the users to pick from.
//!
//! Nothing is asked of the server in anyone's name before someone uses the
//! app: on a phone with no login and no chosen user, the app only asks the
//! open `/api/health` which kind of server it is. With accounts it then
//! waits for the login — no directory fetch, no sync socket, so no refusal
//! in the console — and without, it fetches the users to choose from; sync
//! starts once a user is chosen.

use crate::api::{self, ApiError, Bootstrap};
use crate::auth::{self, Login};
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
    /// The user's id: the logged-in user's, or the one chosen on a server
    /// without accounts.
    pub user_id: RwSignal<Option<String>>,
    /// The login kept on this phone.
    pub login: RwSignal<Option<Login>>,
    /// Whether the server requires a login; `None` until known.
    pub accounts: RwSignal<Option<bool>>,
    /// Why the directory could not be fetched, while none is cached.
    pub load_error: RwSignal<Option<ApiError>>,
    /// The server's API version when it is not this app's
    /// ([`shared::API_VERSION`]); `Some(0)` for a server that does not say.
    pub server_api: RwSignal<Option<u32>>,
    sync: SyncLoop,
}

impl Session {
    /// Loads the cached directory and user, then refreshes the directory from
    /// the server now and after every reconnection.
    pub fn start(sync: SyncLoop) -> Session {
        let cached = local_store::get_json::<Bootstrap>(local_store::BOOTSTRAP)
            .and_then(|b| Directory::new(b).ok())
            .map(Arc::new);
        let login = auth::current();
        let user_id = match &login {
            Some(l) => Some(l.user.id.clone()),
            None => local_store::get_json::<String>(local_store::USER),
        };
        let session = Session {
            directory: RwSignal::new(cached),
            user_id: RwSignal::new(user_id),
            accounts: RwSignal::new(login.is_some().then_some(true)),
            login: RwSignal::new(login),
            load_error: RwSignal::new(None),
            server_api: RwSignal::new(None),
            sync,
        };
        if session.user_id.with_untracked(Option::is_some) {
            sync.logged_in();
            session.refresh();
        } else {
            session.probe();
        }
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

    /// The user, if known to the directory or the kept login (tracked).
    pub fn user(&self) -> Option<User> {
        let id = self.user_id.get()?;
        self.directory
            .with(|d| d.as_ref()?.user(&id).cloned())
            .or_else(|| {
                self.login.with(|l| {
                    l.as_ref()
                        .filter(|l| l.user.id == id)
                        .map(|l| l.user.clone())
                })
            })
    }

    /// Remembers the chosen user on the phone; sync starts.
    pub fn choose(&self, id: &str) {
        if let Err(e) = local_store::set_json(local_store::USER, &id) {
            web_sys::console::warn_1(&format!("cannot remember the user: {e}").into());
        }
        self.user_id.set(Some(id.to_string()));
        self.sync.logged_in();
    }

    /// Forgets the chosen user (back to the start screen) on a server
    /// without accounts.
    pub fn sign_out(&self) {
        local_store::remove(local_store::USER);
        self.user_id.set(None);
    }

    /// Logs in online and keeps the login; sync resumes with it at once.
    pub async fn log_in(self, user: &str, password: &str) -> Result<(), ApiError> {
        let login = api::login(user.trim(), password).await?;
        self.keep(login);
        self.sync.logged_in();
        self.refresh();
        Ok(())
    }

    /// Logs out: ends the session on the server when it can be reached, then
    /// removes this user's data from the phone and restarts the app. The
    /// caller has made sure nothing unsynced is lost, or warned the user.
    pub fn log_out(self) {
        let finish = std::rc::Rc::new(std::cell::Cell::new(false));
        let done = move |finish: std::rc::Rc<std::cell::Cell<bool>>| {
            if finish.replace(true) {
                return;
            }
            auth::forget();
            local_store::clear_user_data();
            if let Some(w) = web_sys::window() {
                let _ = w.location().replace("/");
            }
        };
        let waited = finish.clone();
        spawn_local(async move {
            // Offline, or the server is away: the token dies with the phone's copy.
            let _ = api::logout().await;
            done(waited);
        });
        // Do not keep the user waiting on a server that does not answer.
        gloo_timers::callback::Timeout::new(LOGOUT_WAIT_MS, move || done(finish)).forget();
    }

    /// Keeps a login (new or renewed) on the phone and in the signals.
    fn keep(self, login: Login) {
        if let Err(e) = auth::remember(login.clone()) {
            web_sys::console::warn_1(&format!("cannot keep the login: {e}").into());
        }
        self.user_id.set(Some(login.user.id.clone()));
        self.accounts.set(Some(true));
        self.login.set(Some(login));
    }

    /// Renews the session when it is due; a refusal means a login is needed.
    fn renew_if_due(self) {
        let due = self
            .login
            .with_untracked(|l| l.as_ref().is_some_and(|l| l.due_for_renewal(now_ms())));
        if !due {
            return;
        }
        spawn_local(async move {
            match api::renew().await {
                Ok(login) => self.keep(login),
                Err(e) if e.needs_login() => self.sync.require_login(),
                Err(_) => {}
            }
        });
    }

    /// First start (nobody has used the app on this phone): asks the open
    /// health endpoint whether the server has accounts. With accounts the
    /// login form shows and everything else waits for the login; without, the
    /// directory is fetched for its list of users. Offline, it asks again
    /// until the server answers.
    fn probe(self) {
        spawn_local(async move {
            match api::health().await {
                Ok(api::Health {
                    accounts: Some(true),
                }) => {
                    self.accounts.set(Some(true));
                    self.load_error.set(None);
                }
                // Without accounts, or a server too old to say: the directory
                // tells (a refusal means accounts).
                Ok(_) => self.refresh(),
                Err(e) => {
                    self.load_error.set(Some(e));
                    gloo_timers::callback::Timeout::new(PROBE_RETRY_MS, move || self.probe())
                        .forget();
                }
            }
        });
    }

    /// Loads the directory again now (after an administrator's change).
    pub fn reload(self) {
        self.refresh();
    }

    fn refresh(self) {
        let asked_with = auth::token();
        spawn_local(async move {
            match api::bootstrap().await {
                Err(e) if e.needs_login() => {
                    self.accounts.set(Some(true));
                    // No login yet, or the kept one expired or was revoked
                    // (unless a login happened while the answer was on its way).
                    if auth::token() == asked_with {
                        // The kept session expired or was revoked.
                        self.sync.require_login();
                    }
                }
                Ok((boot, version)) => {
                    let has_login = self.login.with_untracked(Option::is_some);
                    if self.accounts.get_untracked() != Some(has_login) {
                        self.accounts.set(Some(has_login));
                    }
                    self.renew_if_due();
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

/// How often a first start without a network asks the server again.
const PROBE_RETRY_MS: u32 = 5_000;

/// How long logout waits for the server before clearing the phone anyway.
const LOGOUT_WAIT_MS: u32 = 3_000;

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
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
