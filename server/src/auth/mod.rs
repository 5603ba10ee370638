//! Accounts, sessions and who may do what: passwords (argon2id), session
//! tokens, login rate limiting, the org-unit and user directory, and the
//! access policy the sync engine enforces per document.

pub mod limiter;
pub mod password;
pub mod policy;
pub mod session;

pub use crate::catalog::parse_role;
