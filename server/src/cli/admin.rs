//! The administration commands of units and people: `org`, `user` and
//! `import` (rounds, templates and the audit trail: [`super::rounds`]). Each calls [`crate::admin`] as [`Actor::cli`] and
//! prints what it did; a refusal exits non-zero with its reason.

use super::DataDir;
use crate::admin::{self, Actor};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(super) enum OrgCommand {
    /// Print the org units as a tree (closed ones marked).
    List(DataDir),
    /// Add an org unit.
    Add {
        #[command(flatten)]
        db: DataDir,
        /// Id, e.g. xa-ba-bich.
        #[arg(long)]
        id: String,
        /// Name, e.g. "Xã Ba Bích".
        #[arg(long)]
        name: String,
        /// Kind: province, district, commune, village…
        #[arg(long)]
        kind: String,
        /// Parent unit id (none for a root).
        #[arg(long)]
        parent: Option<String>,
    },
    /// Rename a unit (rounds opened before keep the old name).
    Rename {
        #[command(flatten)]
        db: DataDir,
        /// Unit id.
        #[arg(long)]
        id: String,
        /// New name.
        #[arg(long)]
        name: String,
    },
    /// Move a unit, with what is below it, under another parent.
    Move {
        #[command(flatten)]
        db: DataDir,
        /// Unit id.
        #[arg(long)]
        id: String,
        /// New parent unit id.
        #[arg(long)]
        parent: String,
    },
    /// Close a unit (no open unit below it, no active user): it keeps its
    /// reports and takes part in no new round.
    Close {
        #[command(flatten)]
        db: DataDir,
        /// Unit id.
        #[arg(long)]
        id: String,
    },
    /// Merge units into one (existing, or new with --name): their units and
    /// users move to it, and they close.
    Merge {
        #[command(flatten)]
        db: DataDir,
        /// The unit they merge into.
        #[arg(long)]
        into: String,
        /// Name of the unit they merge into, when it is new.
        #[arg(long)]
        name: Option<String>,
        /// The units merged.
        #[arg(required = true)]
        units: Vec<String>,
    },
}

/// A password from the command line or, better, from standard input.
#[derive(Debug, Args)]
pub(super) struct PasswordArgs {
    /// The password (visible in shell history: prefer --password-stdin).
    #[arg(long, conflicts_with = "password_stdin")]
    password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordArgs {
    fn read(&self) -> Result<String, String> {
        if let Some(p) = &self.password {
            return Ok(p.clone());
        }
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            return Ok(line.trim_end_matches(['\n', '\r']).to_string());
        }
        Err("give --password or --password-stdin".into())
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
    /// Print the users: id, role, unit, active, last login, name.
    List(DataDir),
    /// Add a user.
    Add {
        #[command(flatten)]
        db: DataDir,
        /// Login id.
        #[arg(long)]
        id: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// officer, reviewer, viewer or admin.
        #[arg(long)]
        role: String,
        /// Org unit id.
        #[arg(long)]
        unit: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Change a user's name, role or unit.
    Set {
        #[command(flatten)]
        db: DataDir,
        /// Login id.
        #[arg(long)]
        id: String,
        /// New display name.
        #[arg(long)]
        name: Option<String>,
        /// New role: officer, reviewer, viewer or admin.
        #[arg(long)]
        role: Option<String>,
        /// New org unit id.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Deactivate a user: they cannot log in, their sessions end.
    Deactivate {
        #[command(flatten)]
        db: DataDir,
        /// Login id.
        #[arg(long)]
        id: String,
    },
    /// Let a deactivated user log in again.
    Reactivate {
        #[command(flatten)]
        db: DataDir,
        /// Login id.
        #[arg(long)]
        id: String,
    },
    /// Set a new password (ends the user's sessions).
    ResetPassword {
        #[command(flatten)]
        db: DataDir,
        /// Login id.
        #[arg(long)]
        id: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// End every session of a user now: their phones keep their data and ask
    /// for a login before syncing again.
    ExpireSessions {
        #[command(flatten)]
        db: DataDir,
        /// Login id.
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Args)]
pub(super) struct ImportArgs {
    #[command(flatten)]
    db: DataDir,
    /// CSV with the header id,name,kind,parent (parents before children).
    #[arg(long)]
    org_units: Option<PathBuf>,
    /// CSV with the header id,name,role,unit,password.
    #[arg(long)]
    users: Option<PathBuf>,
}

fn err(e: admin::AdminError) -> String {
    e.to_string()
}

pub(super) async fn org(c: OrgCommand) -> Result<(), String> {
    let me = Actor::cli();
    match c {
        OrgCommand::List(d) => {
            let (_, cat) = d.open().await?;
            fn walk(tree: &shared::OrgTree, u: &shared::OrgUnit, depth: usize) {
                let closed = if u.closed { "  [closed]" } else { "" };
                println!(
                    "{}{}  {} ({}){closed}",
                    "  ".repeat(depth),
                    u.id,
                    u.name,
                    u.kind
                );
                for c in tree.children(&u.id) {
                    walk(tree, c, depth + 1);
                }
            }
            for r in cat.tree.roots() {
                walk(&cat.tree, r, 0);
            }
            Ok(())
        }
        OrgCommand::Add {
            db,
            id,
            name,
            kind,
            parent,
        } => {
            let (pool, cat) = db.open().await?;
            let unit = admin::units::NewUnit {
                id,
                name,
                kind,
                parent,
            };
            admin::units::add_unit(&pool, &cat, &me, &unit)
                .await
                .map_err(err)?;
            println!("added unit {}", unit.id);
            Ok(())
        }
        OrgCommand::Rename { db, id, name } => {
            let (pool, cat) = db.open().await?;
            admin::units::rename(&pool, &cat, &me, &id, &name)
                .await
                .map_err(err)?;
            println!("renamed {id} to {name}");
            Ok(())
        }
        OrgCommand::Move { db, id, parent } => {
            let (pool, cat) = db.open().await?;
            admin::units::move_unit(&pool, &cat, &me, &id, &parent)
                .await
                .map_err(err)?;
            println!("moved {id} under {parent}");
            Ok(())
        }
        OrgCommand::Close { db, id } => {
            let (pool, cat) = db.open().await?;
            admin::units::close(&pool, &cat, &me, &id)
                .await
                .map_err(err)?;
            println!("closed {id}");
            Ok(())
        }
        OrgCommand::Merge {
            db,
            into,
            name,
            units,
        } => {
            let (pool, cat) = db.open().await?;
            let m = admin::units::Merge { into, name, units };
            admin::units::merge(&pool, &cat, &me, &m)
                .await
                .map_err(err)?;
            println!("merged {} into {}", m.units.join(", "), m.into);
            Ok(())
        }
    }
}

pub(super) async fn user(c: UserCommand) -> Result<(), String> {
    let me = Actor::cli();
    match c {
        UserCommand::List(d) => {
            let (pool, _) = d.open().await?;
            for u in admin::users::list(&pool).await.map_err(err)? {
                let last = u
                    .last_login
                    .map(crate::db::format_ms)
                    .unwrap_or_else(|| "never".into());
                let active = if u.active { "active" } else { "inactive" };
                println!(
                    "{}\t{}\t{}\t{active}\t{last}\t{}",
                    u.id, u.role, u.unit, u.name
                );
            }
            Ok(())
        }
        UserCommand::Add {
            db,
            id,
            name,
            role,
            unit,
            password,
        } => {
            let (pool, cat) = db.open().await?;
            let user = admin::users::NewUser {
                id,
                name,
                role,
                unit,
                password: password.read()?,
            };
            admin::users::add_user(&pool, &cat, &me, &user)
                .await
                .map_err(err)?;
            println!("added user {}", user.id);
            Ok(())
        }
        UserCommand::Set {
            db,
            id,
            name,
            role,
            unit,
        } => {
            let (pool, cat) = db.open().await?;
            let change = admin::users::UserChange { name, role, unit };
            admin::users::change(&pool, &cat, &me, &id, &change)
                .await
                .map_err(err)?;
            println!("changed user {id}");
            Ok(())
        }
        UserCommand::Deactivate { db, id } => set_active(db, id, false).await,
        UserCommand::Reactivate { db, id } => set_active(db, id, true).await,
        UserCommand::ResetPassword { db, id, password } => {
            let (pool, cat) = db.open().await?;
            admin::users::reset_password(&pool, &cat, &me, &id, &password.read()?)
                .await
                .map_err(err)?;
            println!("password of {id} reset; their sessions ended");
            Ok(())
        }
        UserCommand::ExpireSessions { db, id } => {
            let (pool, _) = db.open().await?;
            let n = crate::auth::session::expire_user(&pool, &id, crate::db::now_ms())
                .await
                .map_err(|e| e.to_string())?;
            println!("{n} session(s) of {id} ended");
            Ok(())
        }
    }
}

async fn set_active(db: DataDir, id: String, active: bool) -> Result<(), String> {
    let (pool, cat) = db.open().await?;
    admin::users::set_active(&pool, &cat, &Actor::cli(), &id, active)
        .await
        .map_err(err)?;
    if active {
        println!("{id} may log in again");
    } else {
        println!("{id} deactivated; their sessions ended");
    }
    Ok(())
}

pub(super) async fn import(args: ImportArgs) -> Result<(), String> {
    if args.org_units.is_none() && args.users.is_none() {
        return Err("give --org-units FILE and/or --users FILE".into());
    }
    let (pool, _) = args.db.open().await?;
    let me = Actor::cli();
    let mut bad = 0;
    for (path, is_units) in [(&args.org_units, true), (&args.users, false)] {
        let Some(path) = path else { continue };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        eprintln!("importing {} …", path.display());
        // Fresh: the units file imported just before is in it.
        let cat = crate::catalog::Catalog::load(&pool).await?;
        let report = if is_units {
            admin::import::import_units(&pool, &cat, &me, &text).await
        } else {
            admin::import::import_users(&pool, &cat, &me, &text).await
        };
        for (line, why) in &report.errors {
            eprintln!("{}:{line}: {why}", path.display());
        }
        println!(
            "{}: {} imported, {} refused",
            path.display(),
            report.imported,
            report.errors.len()
        );
        bad += report.errors.len();
    }
    if bad > 0 {
        Err(format!("{bad} row(s) refused (the others were imported)"))
    } else {
        Ok(())
    }
}
