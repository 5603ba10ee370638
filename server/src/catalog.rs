//! The reference data every request needs — org units, users, templates and
//! reporting rounds — read from the database and held in memory.
//!
//! All of it can change while the server runs (`baocao round open`,
//! `template add`, `org move` from the CLI, or the admin REST API, on this
//! replica or another one sharing the database). Every such change bumps a
//! version in `meta`; [`SharedCatalog::keep_fresh`] polls that one value and
//! reloads the catalog when it moved, so phones see a new round on their next
//! bootstrap and the sync policy judges with a new template version, without
//! a restart.

use crate::db::Pool;
use shared::dataset::{Round, User, UserRole};
use shared::{OrgTree, OrgUnit, Template};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};

/// Templates shipped in the binary, used when no templates folder is present.
const BUILT_IN_TEMPLATES: &[(&str, &str)] = &[(
    "bao-ve-tre-em.toml",
    include_str!("../../templates/bao-ve-tre-em.toml"),
)];

/// The key in `meta` every administrative change bumps.
pub const VERSION_KEY: &str = "catalog_version";

/// Org units, users, templates and rounds.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The org-unit tree as it is now (closed units included: they keep
    /// their reports).
    pub tree: OrgTree,
    /// Active users in creation order.
    pub users: Vec<User>,
    /// The current version of each template, by id.
    pub templates: BTreeMap<String, Template>,
    /// Earlier versions of those templates, as recorded
    /// ([`crate::template_versions`]), oldest first.
    pub older: BTreeMap<String, Vec<Template>>,
    /// Reporting rounds, open and closed, in the order they were opened.
    pub rounds: Vec<Round>,
    /// Per template and period, the units of its rounds as they were when
    /// the rounds were opened (see [`Catalog::tree_for`]).
    round_trees: HashMap<(String, String), OrgTree>,
    /// Position in `users` by id: the sync policy looks a user up for every
    /// document message, and a province has thousands of users.
    by_id: HashMap<String, usize>,
    /// The `meta` version this was read at.
    version: String,
}

/// Reads every `*.toml` template in `dir`, or the built-in ones if `dir` does
/// not exist. A template that does not parse stops the start with its reason.
pub fn load_templates(dir: &Path) -> Result<BTreeMap<String, Template>, String> {
    let mut sources: Vec<(String, String)> = Vec::new();
    if dir.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        entries.sort();
        for p in entries {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            sources.push((p.display().to_string(), text));
        }
    } else {
        tracing::info!(
            "no templates folder at {}; using the built-in templates",
            dir.display()
        );
        sources.extend(
            BUILT_IN_TEMPLATES
                .iter()
                .map(|(n, t)| (format!("built-in {n}"), t.to_string())),
        );
    }
    let mut out = BTreeMap::new();
    for (name, text) in sources {
        let t = Template::from_toml(&text).map_err(|e| format!("{name}: {e}"))?;
        if let Some(prev) = out.insert(t.id.clone(), t) {
            return Err(format!("{name}: template id {:?} defined twice", prev.id));
        }
    }
    Ok(out)
}

/// `officer`, `reviewer`, `viewer` or `admin`.
pub fn parse_role(s: &str) -> Option<UserRole> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_lowercase())).ok()
}

/// The version every administrative change moves on ([`bump`]).
pub async fn version(pool: &Pool) -> Result<String, String> {
    let v: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE key = $1")
        .bind(VERSION_KEY)
        .fetch_optional(pool)
        .await
        .map_err(|e| e.to_string())?;
    Ok(v.map(|(v,)| v).unwrap_or_default())
}

/// Moves the catalog version on, inside the transaction of a change, so
/// every server sharing the database reloads.
pub async fn bump(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    let v = format!("{}-{:016x}", crate::db::now_ms(), rand::random::<u64>());
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(VERSION_KEY)
    .bind(v)
    .execute(conn)
    .await?;
    Ok(())
}

impl Catalog {
    /// Bundles a tree and users (tests and the demo loader).
    pub fn new(tree: OrgTree, users: Vec<User>) -> Catalog {
        let mut c = Catalog {
            tree,
            users,
            ..Catalog::default()
        };
        c.index_users();
        c
    }

    fn index_users(&mut self) {
        self.by_id = self
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
    }

    /// An active user by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(*self.by_id.get(id)?)
    }

    /// The tree a round's figures, lists and exports use: the units of the
    /// template's rounds for that period as they were when those rounds
    /// were opened, when `unit` is one of them; otherwise the tree as it is.
    /// So a district abolished in 2025 still consolidates its communes'
    /// 2024 reports, and a 2025 round takes in the new units.
    pub fn tree_for(&self, template: &str, period: &str, unit: &str) -> &OrgTree {
        self.round_trees
            .get(&(template.to_string(), period.to_string()))
            .filter(|t| t.get(unit).is_some())
            .unwrap_or(&self.tree)
    }

    /// Whether the report of `unit` for this template and period lies in a
    /// closed round (its reports are locked, as approval locks them).
    pub fn round_closed(&self, template: &str, period: &str, unit: &str) -> bool {
        let tree = self.tree_for(template, period, unit);
        self.rounds.iter().any(|r| {
            r.closed
                && r.template == template
                && r.period == period
                && tree.is_within(unit, &r.unit)
        })
    }

    /// Reads everything from the database.
    pub async fn load(pool: &Pool) -> Result<Catalog, String> {
        let err = |e: sqlx::Error| e.to_string();
        let version = version(pool).await?;
        let units: Vec<(String, String, String, Option<String>, i64)> =
            sqlx::query_as("SELECT id, name, kind, parent, closed FROM org_units ORDER BY pos")
                .fetch_all(pool)
                .await
                .map_err(err)?;
        let tree = OrgTree::from_units(
            units
                .into_iter()
                .map(|(id, name, kind, parent, closed)| OrgUnit {
                    id,
                    name,
                    kind,
                    parent,
                    closed: closed != 0,
                })
                .collect(),
        )
        .map_err(|e| e.to_string())?;
        let users: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT id, name, role, unit FROM users WHERE active <> 0 ORDER BY rowid",
        )
        .fetch_all(pool)
        .await
        .map_err(err)?;
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
        let rounds: Vec<(String, String, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT template, period, unit, deadline, closed FROM rounds ORDER BY rowid",
        )
        .fetch_all(pool)
        .await
        .map_err(err)?;
        let rounds = rounds
            .into_iter()
            .map(|(template, period, unit, deadline, closed)| Round {
                template,
                period,
                unit,
                deadline: deadline.and_then(|d| d.parse().ok()),
                closed: closed != 0,
            })
            .collect();
        let (templates, older) = crate::template_versions::current(pool).await?;
        let mut c = Catalog {
            tree,
            users,
            templates,
            older,
            rounds,
            round_trees: round_trees(pool).await?,
            by_id: HashMap::new(),
            version,
        };
        c.index_users();
        Ok(c)
    }
}

/// The snapshots of every round, one tree per template and period (the
/// union of its rounds' snapshots; a unit in two of them is taken once).
async fn round_trees(pool: &Pool) -> Result<HashMap<(String, String), OrgTree>, String> {
    type Row = (String, String, String, String, String, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT template, period, unit, name, kind, parent FROM round_units \
         ORDER BY template, period, round_unit, pos",
    )
    .fetch_all(pool)
    .await
    .map_err(|e| e.to_string())?;
    let mut lists: BTreeMap<(String, String), Vec<OrgUnit>> = BTreeMap::new();
    for (template, period, id, name, kind, parent) in rows {
        let list = lists.entry((template, period)).or_default();
        if !list.iter().any(|u| u.id == id) {
            list.push(OrgUnit {
                id,
                name,
                kind,
                parent,
                closed: false,
            });
        }
    }
    let mut out = HashMap::new();
    for (key, units) in lists {
        match OrgTree::from_units(units) {
            Ok(t) => {
                out.insert(key, t);
            }
            Err(e) => tracing::error!(
                template = %key.0, period = %key.1,
                "the units of a round do not form a tree ({e}); using the current tree"
            ),
        }
    }
    Ok(out)
}

/// The catalog as the running server sees it, reloaded when an
/// administrative change moved the version (here or on another replica).
#[derive(Clone)]
pub struct SharedCatalog(Arc<RwLock<Arc<Catalog>>>);

impl SharedCatalog {
    /// Wraps a loaded catalog.
    pub fn new(c: Catalog) -> SharedCatalog {
        SharedCatalog(Arc::new(RwLock::new(Arc::new(c))))
    }

    /// The current snapshot.
    pub fn get(&self) -> Arc<Catalog> {
        self.0
            .read()
            .map(|d| d.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Replaces the snapshot.
    pub fn set(&self, c: Catalog) {
        let mut g = self.0.write().unwrap_or_else(|p| p.into_inner());
        *g = Arc::new(c);
    }

    /// Reloads now if the version moved (an action of this process calls it
    /// so that its own answer already sees the change).
    pub async fn refresh(&self, pool: &Pool) -> Result<(), String> {
        if version(pool).await? != self.get().version {
            self.set(Catalog::load(pool).await?);
        }
        Ok(())
    }

    /// Reloads unconditionally (a login of a user added by another process
    /// before any version existed).
    pub async fn reload(&self, pool: &Pool) -> Result<Arc<Catalog>, String> {
        self.set(Catalog::load(pool).await?);
        Ok(self.get())
    }

    /// Polls the version every `every`, for as long as the server runs.
    pub fn keep_fresh(&self, pool: Pool, every: std::time::Duration) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut t = tokio::time::interval(every);
            t.tick().await;
            loop {
                t.tick().await;
                if let Err(e) = me.refresh(&pool).await {
                    tracing::error!("cannot reload the catalog: {e}");
                }
            }
        });
    }
}
