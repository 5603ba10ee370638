//! The commands of a province's reporting year: `round` (open, list,
//! deadline, close, reopen), `template` (add, list, show, export) and
//! `audit`.

use super::DataDir;
use crate::admin::rounds::RoundId;
use crate::admin::{self, Actor};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Which round.
#[derive(Debug, Args)]
pub(super) struct RoundArgs {
    #[command(flatten)]
    db: DataDir,
    /// Template id.
    #[arg(long)]
    template: String,
    /// Period id, e.g. 2025-H2 (of the template's kind).
    #[arg(long)]
    period: String,
    /// The consolidating unit whose reporting units take part.
    #[arg(long)]
    unit: String,
}

impl RoundArgs {
    fn id(&self) -> RoundId {
        RoundId {
            template: self.template.clone(),
            period: self.period.clone(),
            unit: self.unit.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum RoundCommand {
    /// Open a round: the units below --unit that fill the template in
    /// report it for the period; phones see it on their next sync.
    Open {
        #[command(flatten)]
        round: RoundArgs,
        /// Submission deadline, YYYY-MM-DD (default: the template's rule).
        #[arg(long)]
        deadline: Option<shared::Date>,
    },
    /// List the rounds: template, period, unit, deadline, open or closed.
    List(DataDir),
    /// Set a round's deadline (`none` clears it: the template's rule).
    SetDeadline {
        #[command(flatten)]
        round: RoundArgs,
        /// YYYY-MM-DD, or none.
        #[arg(long)]
        deadline: String,
    },
    /// Close a round: its reports are locked until it is reopened.
    Close(RoundArgs),
    /// Reopen a closed round.
    Reopen(RoundArgs),
}

#[derive(Debug, Subcommand)]
pub(super) enum TemplateCommand {
    /// Add a template, or a new version of one, from a .toml or .xlsx file.
    Add {
        #[command(flatten)]
        db: DataDir,
        /// The file.
        file: PathBuf,
    },
    /// List the templates: id, version, kind that fills it in, period, title.
    List(DataDir),
    /// Print a template as TOML.
    Show {
        #[command(flatten)]
        db: DataDir,
        /// Template id.
        id: String,
        /// An older version (default: the current one).
        #[arg(long)]
        version: Option<u32>,
    },
    /// Write a template to a .toml or .xlsx file.
    Export {
        #[command(flatten)]
        db: DataDir,
        /// Template id.
        id: String,
        /// The file (its extension names the format).
        #[arg(long)]
        to: PathBuf,
        /// An older version (default: the current one).
        #[arg(long)]
        version: Option<u32>,
    },
}

#[derive(Debug, Args)]
pub(super) struct AuditArgs {
    #[command(flatten)]
    db: DataDir,
    /// How many entries, newest first.
    #[arg(long, default_value_t = 100)]
    limit: i64,
}

fn err(e: admin::AdminError) -> String {
    e.to_string()
}

pub(super) async fn round(c: RoundCommand) -> Result<(), String> {
    let me = Actor::cli();
    match c {
        RoundCommand::Open { round, deadline } => {
            let (pool, cat) = round.db.open().await?;
            let r = admin::rounds::open(&pool, &cat, &me, &round.id(), deadline)
                .await
                .map_err(err)?;
            println!("opened the round {} {} at {}", r.template, r.period, r.unit);
            Ok(())
        }
        RoundCommand::List(d) => {
            let (_, cat) = d.open().await?;
            for r in &cat.rounds {
                let deadline = r.deadline.map_or_else(|| "-".into(), |d| d.to_iso());
                let state = if r.closed { "closed" } else { "open" };
                println!(
                    "{}\t{}\t{}\t{deadline}\t{state}",
                    r.template, r.period, r.unit
                );
            }
            Ok(())
        }
        RoundCommand::SetDeadline { round, deadline } => {
            let date = match deadline.as_str() {
                "none" | "" => None,
                d => Some(
                    d.parse::<shared::Date>()
                        .map_err(|e| format!("--deadline {d:?}: {e}"))?,
                ),
            };
            let (pool, cat) = round.db.open().await?;
            admin::rounds::set_deadline(&pool, &cat, &me, &round.id(), date)
                .await
                .map_err(err)?;
            println!("deadline set");
            Ok(())
        }
        RoundCommand::Close(round) => set_closed(round, true).await,
        RoundCommand::Reopen(round) => set_closed(round, false).await,
    }
}

async fn set_closed(round: RoundArgs, closed: bool) -> Result<(), String> {
    let (pool, cat) = round.db.open().await?;
    admin::rounds::set_closed(&pool, &cat, &Actor::cli(), &round.id(), closed)
        .await
        .map_err(err)?;
    println!(
        "{} the round {} {} at {}",
        if closed { "closed" } else { "reopened" },
        round.template,
        round.period,
        round.unit
    );
    Ok(())
}

pub(super) async fn template(c: TemplateCommand) -> Result<(), String> {
    use admin::templates as t;
    match c {
        TemplateCommand::Add { db, file } => {
            let bytes =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let parsed = t::parse(&file.display().to_string(), &bytes).map_err(err)?;
            let (pool, cat) = db.open().await?;
            let added = t::add(&pool, &cat, &Actor::cli(), &parsed)
                .await
                .map_err(err)?;
            match added.replaces {
                Some(old) => println!(
                    "template {} version {} replaces version {old}",
                    added.id, added.version
                ),
                None => println!("added template {} version {}", added.id, added.version),
            }
            Ok(())
        }
        TemplateCommand::List(d) => {
            let (_, cat) = d.open().await?;
            for l in t::list(&cat) {
                let period = serde_json::to_value(l.period).unwrap_or_default();
                println!(
                    "{}\tv{}\t{}\t{}\t{}",
                    l.id,
                    l.version,
                    l.filled_by,
                    period.as_str().unwrap_or("?"),
                    l.title
                );
            }
            Ok(())
        }
        TemplateCommand::Show { db, id, version } => {
            let (_, cat) = db.open().await?;
            let tpl = t::get(&cat, &id, version).map_err(err)?;
            let bytes = t::write(tpl, t::FileFormat::Toml).map_err(err)?;
            print!("{}", String::from_utf8_lossy(&bytes));
            Ok(())
        }
        TemplateCommand::Export {
            db,
            id,
            to,
            version,
        } => {
            let format = t::FileFormat::of(&to.display().to_string()).map_err(err)?;
            let (_, cat) = db.open().await?;
            let tpl = t::get(&cat, &id, version).map_err(err)?;
            let bytes = t::write(tpl, format).map_err(err)?;
            std::fs::write(&to, bytes)
                .map_err(|e| format!("cannot write {}: {e}", to.display()))?;
            println!("wrote {}", to.display());
            Ok(())
        }
    }
}

pub(super) async fn audit(args: AuditArgs) -> Result<(), String> {
    let (pool, _) = args.db.open().await?;
    for e in crate::audit::list(&pool, args.limit)
        .await
        .map_err(|e| e.to_string())?
    {
        let change = match (&e.before, &e.after) {
            (Some(b), Some(a)) => format!("{b} → {a}"),
            (None, Some(a)) => a.to_string(),
            (Some(b), None) => format!("{b} → (none)"),
            (None, None) => String::new(),
        };
        println!(
            "{}\t{}\t{}\t{}\t{change}",
            crate::db::format_ms(e.at),
            e.actor,
            e.action,
            e.target
        );
    }
    Ok(())
}
