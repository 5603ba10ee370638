//! Administration: what a province's administrator does through baocao
//! itself, from the CLI or the admin REST API — org units (and the 2025
//! reform: rename, move, close, merge), users, reporting rounds and
//! templates.
//!
//! Every action is one transaction that checks, changes, records itself in
//! the audit trail ([`crate::audit`]) and moves the catalog version (so
//! every running server reloads it). An action refused changes nothing. The
//! CLI acts as [`Actor::Cli`], with every right; over REST the actor is an
//! `admin` user, limited to their own subtree ([`Actor::may_manage`]).

pub mod import;
pub mod rounds;
pub mod templates;
pub mod units;
pub mod users;

use crate::catalog::Catalog;
use crate::db::Pool;
use shared::dataset::{User, UserRole};

/// Who takes an administrative action.
#[derive(Clone, Debug)]
pub enum Actor {
    /// The command line, run on the server by the named OS user.
    Cli(String),
    /// A logged-in user (over REST).
    User(User),
}

impl Actor {
    /// The command line, as the current OS user.
    pub fn cli() -> Actor {
        Actor::Cli(std::env::var("USER").unwrap_or_else(|_| "root".into()))
    }

    /// How the audit trail names the actor.
    pub fn name(&self) -> String {
        match self {
            Actor::Cli(login) => format!("cli:{login}"),
            Actor::User(u) => u.id.clone(),
        }
    }

    /// The unit whose subtree the actor manages; none for the CLI (all).
    pub fn unit(&self) -> Option<&str> {
        match self {
            Actor::Cli(_) => None,
            Actor::User(u) => Some(&u.unit),
        }
    }

    /// Allowed to manage `unit` (and what is below it): the CLI always; a
    /// user when they are an admin of `unit` or a unit above it.
    pub fn may_manage(&self, catalog: &Catalog, unit: &str) -> Result<(), AdminError> {
        match self {
            Actor::Cli(_) => Ok(()),
            Actor::User(u)
                if u.role == UserRole::Admin && catalog.tree.is_within(unit, &u.unit) =>
            {
                Ok(())
            }
            Actor::User(u) => Err(AdminError::Forbidden(format!(
                "{} may not manage {unit}: only an admin of it or of a unit above it may",
                u.id
            ))),
        }
    }

    /// Allowed to change what every unit shares (templates): the CLI, or an
    /// admin of a root unit (the province).
    pub fn may_manage_all(&self, catalog: &Catalog) -> Result<(), AdminError> {
        match self {
            Actor::Cli(_) => Ok(()),
            Actor::User(u)
                if u.role == UserRole::Admin
                    && catalog
                        .tree
                        .get(&u.unit)
                        .is_some_and(|x| x.parent.is_none()) =>
            {
                Ok(())
            }
            Actor::User(u) => Err(AdminError::Forbidden(format!(
                "{} may not change templates: only an admin of the province may",
                u.id
            ))),
        }
    }
}

/// Why an administrative action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The request is wrong (a bad id, a period of the wrong kind, …).
    #[error("{0}")]
    Invalid(String),
    /// Something it names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// It exists already, or contradicts what exists.
    #[error("{0}")]
    Conflict(String),
    /// The actor may not do it.
    #[error("{0}")]
    Forbidden(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(String),
}

impl From<sqlx::Error> for AdminError {
    fn from(e: sqlx::Error) -> AdminError {
        AdminError::Db(e.to_string())
    }
}

/// Results of administrative actions.
pub type Result<T, E = AdminError> = std::result::Result<T, E>;

/// Records the action, moves the catalog version and commits.
async fn finish(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    actor: &Actor,
    r: Change<'_>,
) -> Result<()> {
    let (action, target) = (r.action, r.target.to_string());
    audit(&mut tx, actor, r).await?;
    crate::catalog::bump(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(actor = %actor.name(), action, target, "administration");
    Ok(())
}

/// Records the action inside a transaction that goes on (an import records
/// one action per row).
async fn audit(conn: &mut sqlx::AnyConnection, actor: &Actor, r: Change<'_>) -> Result<()> {
    crate::audit::record(
        conn,
        crate::audit::Record {
            actor: &actor.name(),
            action: r.action,
            target: r.target,
            scope: r.scope,
            before: r.before,
            after: r.after,
        },
    )
    .await?;
    Ok(())
}

/// What an action changed, for the audit trail.
struct Change<'a> {
    action: &'a str,
    target: &'a str,
    scope: Option<&'a str>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

/// Checks an id given for a new unit or user.
fn check_id(what: &str, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "{what} id {id:?} must be 1–64 lowercase letters, digits, '-' or '_'"
        )))
    }
}

/// Opens a transaction.
async fn begin(pool: &Pool) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    Ok(pool.begin().await?)
}
