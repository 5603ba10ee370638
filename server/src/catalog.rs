//! The reference data every request needs: org units, templates, users and
//! reporting rounds, held in memory.

use crate::db::Pool;
use shared::dataset::{Round, User};
use shared::{OrgTree, Template};
use std::collections::BTreeMap;
use std::path::Path;

/// Templates shipped in the binary, used when no templates folder is present.
const BUILT_IN_TEMPLATES: &[(&str, &str)] = &[(
    "bao-ve-tre-em.toml",
    include_str!("../../templates/bao-ve-tre-em.toml"),
)];

/// Org units, templates, users and rounds.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The org-unit tree.
    pub tree: OrgTree,
    /// Templates by id.
    pub templates: BTreeMap<String, Template>,
    /// Earlier versions of those templates, as recorded
    /// ([`crate::template_versions`]), oldest first.
    pub older: BTreeMap<String, Vec<Template>>,
    /// Users.
    pub users: Vec<User>,
    /// Open reporting rounds.
    pub rounds: Vec<Round>,
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
    if out.is_empty() {
        return Err(format!("no templates found in {}", dir.display()));
    }
    Ok(out)
}

impl Catalog {
    /// The same templates and rounds with the directory's (fresher) org
    /// units and users.
    pub fn with_directory(&self, directory: &crate::auth::Directory) -> Catalog {
        Catalog {
            tree: directory.tree.clone(),
            templates: self.templates.clone(),
            older: self.older.clone(),
            users: directory.users.clone(),
            rounds: self.rounds.clone(),
        }
    }

    /// Reads org units, users, rounds and earlier template versions from
    /// the database.
    pub async fn load(
        pool: &Pool,
        templates: BTreeMap<String, Template>,
    ) -> Result<Catalog, String> {
        let directory = crate::auth::Directory::load(pool).await?;
        let tree = directory.tree;
        let users = directory.users;
        let rounds: Vec<(String, String, String, Option<String>)> =
            sqlx::query_as("SELECT template, period, unit, deadline FROM rounds ORDER BY rowid")
                .fetch_all(pool)
                .await
                .map_err(|e| e.to_string())?;
        let rounds = rounds
            .into_iter()
            .map(|(template, period, unit, deadline)| Round {
                template,
                period,
                unit,
                deadline: deadline.and_then(|d| d.parse().ok()),
            })
            .collect();
        let older = crate::template_versions::older(pool, &templates).await?;
        Ok(Catalog {
            tree,
            templates,
            older,
            users,
            rounds,
        })
    }
}
