//! The login kept on the phone: the session token the server gave at the last
//! online login, with its expiry and the user it belongs to. It outlives
//! reloads and weeks offline; every REST call and the sync socket carry it.
//! The server alone decides whether it is still good (a 401 means "log in
//! again"); the phone never throws away data because of it.

use crate::local_store;
use serde::{Deserialize, Serialize};
use shared::dataset::User;
use std::cell::RefCell;

/// Renew a session once it has less than this left (sessions last 30 days),
/// so a phone online every few weeks never lets it lapse.
pub const RENEW_BELOW_MS: i64 = 25 * 24 * 3600 * 1000;

/// What `POST /api/login` and `/api/session/renew` answer, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Login {
    /// The bearer token.
    pub token: String,
    /// When the server will stop accepting it (ms since the epoch).
    pub expires_at: i64,
    /// Whose it is.
    pub user: User,
}

impl Login {
    /// True when the session should be renewed at the next chance.
    pub fn due_for_renewal(&self, now: i64) -> bool {
        self.expires_at - now < RENEW_BELOW_MS
    }
}

thread_local! {
    /// The stored login, read once from `localStorage`.
    static CURRENT: RefCell<Option<Login>> = RefCell::new(local_store::get_json(local_store::LOGIN));
}

/// The login on this phone, if any.
pub fn current() -> Option<Login> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The session token on this phone, if any.
pub fn token() -> Option<String> {
    CURRENT.with(|c| c.borrow().as_ref().map(|l| l.token.clone()))
}

/// Keeps a new login (or a renewed one). The token is used at once even if
/// the browser refuses to store it; the error says it will not survive a reload.
pub fn remember(login: Login) -> Result<(), String> {
    let stored = local_store::set_json(local_store::LOGIN, &login);
    CURRENT.with(|c| *c.borrow_mut() = Some(login));
    stored
}

/// Forgets the login (logout).
pub fn forget() {
    local_store::remove(local_store::LOGIN);
    CURRENT.with(|c| *c.borrow_mut() = None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::dataset::UserRole;

    #[test]
    fn renewal_is_due_in_the_last_25_days() {
        let day = 24 * 3600 * 1000;
        let login = Login {
            token: "t".into(),
            expires_at: 30 * day,
            user: User {
                id: "u".into(),
                name: "U".into(),
                role: UserRole::Officer,
                unit: "x".into(),
            },
        };
        assert!(!login.due_for_renewal(0));
        assert!(!login.due_for_renewal(4 * day));
        assert!(login.due_for_renewal(6 * day));
        assert!(login.due_for_renewal(31 * day));
    }
}
