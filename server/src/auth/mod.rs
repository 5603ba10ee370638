//! Accounts, sessions and who may do what: passwords (argon2id), session
//! tokens, login rate limiting, the org-unit and user directory, and the
//! access policy the sync engine enforces per document.

pub mod limiter;
pub mod password;
pub mod policy;
pub mod session;

use crate::db::Pool;
use shared::dataset::{User, UserRole};
use shared::{OrgTree, OrgUnit};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Org units and users, as the access rules need them.
#[derive(Debug, Clone)]
pub struct Directory {
    /// The org-unit tree.
    pub tree: OrgTree,
    /// Users in creation order.
    pub users: Vec<User>,
    /// Position in `users` by id: the sync policy looks a user up for every
    /// document message, and a province has thousands of users.
    by_id: HashMap<String, usize>,
}

impl Directory {
    /// Bundles a tree and its users.
    pub fn new(tree: OrgTree, users: Vec<User>) -> Directory {
        let by_id = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
        Directory { tree, users, by_id }
    }

    /// Reads units and users from the database.
    pub async fn load(pool: &Pool) -> Result<Directory, String> {
        let units: Vec<(String, String, String, Option<String>)> =
            sqlx::query_as("SELECT id, name, kind, parent FROM org_units ORDER BY pos")
                .fetch_all(pool)
                .await
                .map_err(|e| e.to_string())?;
        let tree = OrgTree::from_units(
            units
                .into_iter()
                .map(|(id, name, kind, parent)| OrgUnit {
                    id,
                    name,
                    kind,
                    parent,
                })
                .collect(),
        )
        .map_err(|e| e.to_string())?;
        let users: Vec<(String, String, String, String)> =
            sqlx::query_as("SELECT id, name, role, unit FROM users ORDER BY rowid")
                .fetch_all(pool)
                .await
                .map_err(|e| e.to_string())?;
        let users = users
            .into_iter()
            .map(|(id, name, role, unit)| {
                let role = parse_role(&role)
                    .ok_or_else(|| format!("user {id} has unknown role {role:?}"))?;
                Ok(User {
                    id,
                    name,
                    role,
                    unit,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Directory::new(tree, users))
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(*self.by_id.get(id)?)
    }
}

/// `officer`, `reviewer`, `viewer` or `admin`.
pub fn parse_role(s: &str) -> Option<UserRole> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_lowercase())).ok()
}

/// The directory as the running server sees it, refreshed from the database
/// (administration happens from the CLI, in another process).
#[derive(Clone)]
pub struct SharedDirectory(Arc<RwLock<Arc<Directory>>>);

impl SharedDirectory {
    /// Wraps a loaded directory.
    pub fn new(d: Directory) -> SharedDirectory {
        SharedDirectory(Arc::new(RwLock::new(Arc::new(d))))
    }

    /// The current snapshot.
    pub fn get(&self) -> Arc<Directory> {
        self.0
            .read()
            .map(|d| d.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Replaces the snapshot, if it changed: an unchanged directory keeps
    /// its `Arc`, so what is derived from it can be kept too.
    pub fn set(&self, d: Directory) {
        let mut g = self.0.write().unwrap_or_else(|p| p.into_inner());
        if g.tree.units() != d.tree.units() || g.users != d.users {
            *g = Arc::new(d);
        }
    }

    /// Reloads from the database every `every`, for as long as the server runs.
    pub fn keep_fresh(&self, pool: Pool, every: std::time::Duration) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut t = tokio::time::interval(every);
            t.tick().await;
            loop {
                t.tick().await;
                match Directory::load(&pool).await {
                    Ok(d) => me.set(d),
                    Err(e) => tracing::error!("cannot reload users and units: {e}"),
                }
            }
        });
    }
}
