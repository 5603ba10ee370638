//! Command-line interface: `baocao serve` and friends.

use crate::{auth, catalog, db, demo, http, hub};
use clap::{Args, Parser, Subcommand};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// baocao: offline-first reporting for communes and districts.
#[derive(Debug, Parser)]
#[command(name = "baocao", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (creates the database and loads the demo on first start).
    Serve(ServeArgs),
    /// Print a consolidating unit's figures for a template and period as JSON.
    Figures(FiguresArgs),
    /// Write the consolidated report (docx, html, txt, json) or the round's
    /// data (xlsx, csv) to a file.
    Export(ExportArgs),
    /// List or add org units.
    #[command(subcommand)]
    Org(OrgCommand),
    /// List, add users, reset a password, end sessions.
    #[command(subcommand)]
    User(UserCommand),
    /// Import org units and/or users from CSV files (UTF-8): every good row
    /// is stored, every bad row reported with its line number.
    Import(ImportArgs),
    /// Copy a deployment from SQLite to a new, empty PostgreSQL database and
    /// verify every document (stop the server first).
    Migrate(MigrateArgs),
    /// List every stored report that breaks its template, and why (exits
    /// non-zero when there is one). Changes nothing.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    db: DataDir,
    /// Folder of report templates.
    #[arg(long, env = "BAOCAO_TEMPLATES", default_value = "templates")]
    templates: PathBuf,
}

#[derive(Debug, Args)]
struct MigrateArgs {
    /// The SQLite database: its data folder or a sqlite:// URL.
    #[arg(long)]
    from: String,
    /// The PostgreSQL database, e.g. postgres://baocao@localhost/baocao.
    #[arg(long)]
    to: String,
}

/// Where the database is.
#[derive(Debug, Args)]
struct DataDir {
    /// Folder holding the SQLite database.
    #[arg(long, env = "BAOCAO_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Database URL: `postgres://user@host/db` for PostgreSQL (several
    /// replicas may share it); without it, SQLite in the data folder.
    #[arg(long, env = "BAOCAO_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Print the org units as a tree.
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
}

/// A password from the command line or, better, from standard input.
#[derive(Debug, Args)]
struct PasswordArgs {
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
enum UserCommand {
    /// Print the users.
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
struct ImportArgs {
    #[command(flatten)]
    db: DataDir,
    /// CSV with the header id,name,kind,parent (parents before children).
    #[arg(long)]
    org_units: Option<PathBuf>,
    /// CSV with the header id,name,role,unit,password.
    #[arg(long)]
    users: Option<PathBuf>,
}

/// Settings of `baocao serve`.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Folder holding the SQLite database (created if absent).
    #[arg(long, env = "BAOCAO_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Database URL: `postgres://user@host/db` for PostgreSQL (several
    /// replicas may share it); without it, SQLite in the data folder.
    #[arg(long, env = "BAOCAO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "BAOCAO_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "BAOCAO_PORT", default_value_t = 8080)]
    pub port: u16,
    /// The built web client (scripts/build-client.sh writes it).
    #[arg(long, env = "BAOCAO_STATIC_DIR", default_value = "client/dist")]
    pub static_dir: PathBuf,
    /// Folder of report templates (*.toml); the built-in ones are used if it is missing.
    #[arg(long, env = "BAOCAO_TEMPLATES", default_value = "templates")]
    pub templates: PathBuf,
    /// Do not load the demo district on first start.
    #[arg(long)]
    pub no_demo: bool,
    /// Serve without accounts: every connection may read and write every
    /// document, as the automerge-repo reference servers do. For benchmarks
    /// against them and for tests of the sync engine itself; never in production.
    #[arg(long)]
    pub no_auth: bool,
    /// Largest WebSocket message accepted, in bytes.
    #[arg(long, env = "BAOCAO_MAX_MESSAGE_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_message_bytes: usize,
    /// Largest stored document, in bytes; changes beyond it are refused.
    #[arg(long, env = "BAOCAO_MAX_DOCUMENT_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_document_bytes: usize,
    /// New documents one connection may open at once...
    #[arg(long, env = "BAOCAO_NEW_DOCS_BURST", default_value_t = 1000)]
    pub new_docs_burst: u32,
    /// ...and per second after that (more wait; too many waiting close it).
    #[arg(long, env = "BAOCAO_NEW_DOCS_PER_SECOND", default_value_t = 100.0)]
    pub new_docs_per_second: f64,
    /// A reverse proxy (IP address or CIDR block, e.g. 10.0.0.0/8; repeat
    /// for several) whose --client-ip-header is believed for the client's
    /// address, which login throttling counts by. Without it headers are
    /// ignored and the TCP peer is the client (a client could forge them).
    #[arg(
        long,
        value_name = "ADDR",
        env = "BAOCAO_TRUSTED_PROXY",
        value_delimiter = ','
    )]
    pub trusted_proxy: Vec<crate::http::client_addr::IpNet>,
    /// The header a trusted proxy puts the client's address in. With
    /// X-Forwarded-For the right-most address that is not itself a trusted
    /// proxy is taken; another header (X-Real-IP…) holds one address.
    #[arg(
        long,
        value_name = "NAME",
        env = "BAOCAO_CLIENT_IP_HEADER",
        default_value = "X-Forwarded-For"
    )]
    pub client_ip_header: axum::http::HeaderName,
}

impl ServeArgs {
    /// The sync limits these settings ask for.
    pub fn limits(&self) -> hub::Limits {
        hub::Limits {
            max_message_bytes: self.max_message_bytes,
            max_document_bytes: self.max_document_bytes,
            new_docs: shared::sync::RateLimit {
                burst: self.new_docs_burst,
                per_second: self.new_docs_per_second,
            },
        }
    }
}

#[derive(Debug, Args)]
struct FiguresArgs {
    /// Folder holding the SQLite database.
    #[arg(long, env = "BAOCAO_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Database URL: `postgres://user@host/db` for PostgreSQL (several
    /// replicas may share it); without it, SQLite in the data folder.
    #[arg(long, env = "BAOCAO_DATABASE_URL")]
    database_url: Option<String>,
    /// Folder of report templates.
    #[arg(long, env = "BAOCAO_TEMPLATES", default_value = "templates")]
    templates: PathBuf,
    /// Template id.
    #[arg(long)]
    template: String,
    /// Period id, e.g. 2024-H1.
    #[arg(long)]
    period: String,
    /// Consolidating org unit id, e.g. the district.
    #[arg(long)]
    unit: String,
}

#[derive(Debug, Args)]
struct ExportArgs {
    #[command(flatten)]
    round: FiguresArgs,
    /// docx, xlsx, csv, html, txt or json.
    #[arg(long)]
    format: String,
    /// File to write.
    #[arg(long)]
    out: PathBuf,
}

/// Entry point of the binary.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Figures(args) => figures(args).await,
        Command::Export(args) => export(args).await,
        Command::Org(c) => org(c).await,
        Command::User(c) => user(c).await,
        Command::Import(args) => import(args).await,
        Command::Migrate(args) => crate::migrate::run(&args.from, &args.to).await,
        Command::Check(args) => check(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let pool = db::open(&args.data_dir, args.database_url.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    let templates = catalog::load_templates(&args.templates)?;
    if !args.no_demo {
        let loaded = demo::load_if_first_start(&pool, &templates)
            .await
            .map_err(|e| format!("loading the demo: {e}"))?;
        if loaded {
            tracing::info!("demo district loaded");
        }
    }
    crate::template_versions::record(&pool, &templates).await?;
    let catalog = catalog::Catalog::load(&pool, templates)
        .await
        .map_err(|e| e.to_string())?;
    let repaired = crate::store::repair_projection(&pool)
        .await
        .map_err(|e| e.to_string())?;
    if repaired > 0 {
        tracing::info!("projected {repaired} reports stored before the last stop");
    }
    let storage_id = db::storage_id(&pool).await.map_err(|e| e.to_string())?;
    let directory = auth::SharedDirectory::new(auth::Directory::new(
        catalog.tree.clone(),
        catalog.users.clone(),
    ));
    directory.keep_fresh(pool.clone(), std::time::Duration::from_secs(10));
    let policy = if args.no_auth {
        tracing::warn!("serving WITHOUT accounts (--no-auth): anyone may read and write anything");
        None
    } else {
        let (actors, owners) = crate::store::load_bindings(&pool)
            .await
            .map_err(|e| e.to_string())?;
        Some(auth::policy::ServerPolicy::new(
            directory.clone(),
            Arc::new(catalog.templates.clone()),
            Arc::new(catalog.older.clone()),
            actors,
            owners,
        ))
    };
    let hub = hub::Hub::start(pool.clone(), storage_id, args.limits(), policy);
    let addr = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    if !args.static_dir.join("index.html").exists() {
        tracing::warn!(
            "no built client in {} (run scripts/build-client.sh); the API and sync still work",
            args.static_dir.display()
        );
    }
    print_banner(&catalog, local, !args.no_auth);
    let state = http::AppState::new(catalog, pool.clone(), hub.clone(), args.clone(), directory);
    http::serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    hub.shutdown().await;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

fn print_banner(catalog: &catalog::Catalog, addr: SocketAddr, accounts: bool) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "baocao {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "listening on http://{addr}");
    if !catalog.users.is_empty() {
        let _ = if accounts {
            writeln!(
                out,
                "users (the demo ones have the password {:?}):",
                demo::DEMO_PASSWORD
            )
        } else {
            writeln!(
                out,
                "users (no accounts: --no-auth; choose one on the start screen):"
            )
        };
        for u in &catalog.users {
            let unit = catalog
                .tree
                .get(&u.unit)
                .map(|x| x.name.as_str())
                .unwrap_or("?");
            let _ = writeln!(
                out,
                "  {:<14} {:<9} {}",
                u.id,
                format!("{:?}", u.role).to_lowercase(),
                unit
            );
        }
    }
    let _ = out.flush();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// Opens the database and reads the catalog, for the one-shot commands.
async fn open_catalog(args: &FiguresArgs) -> Result<(crate::db::Pool, catalog::Catalog), String> {
    let pool = db::open(&args.data_dir, args.database_url.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    let templates = catalog::load_templates(&args.templates)?;
    let catalog = catalog::Catalog::load(&pool, templates)
        .await
        .map_err(|e| e.to_string())?;
    // Figures read the projection: bring it up to date, as `serve` does.
    crate::store::repair_projection(&pool)
        .await
        .map_err(|e| e.to_string())?;
    Ok((pool, catalog))
}

async fn export(args: ExportArgs) -> Result<(), String> {
    let format: crate::export::Format = args.format.parse()?;
    let (pool, catalog) = open_catalog(&args.round).await?;
    let r = &args.round;
    let data = crate::export::load(
        &pool,
        std::sync::Arc::new(catalog),
        &r.template,
        &r.period,
        &r.unit,
    )
    .await
    .map_err(|e| e.to_string())?;
    let bytes = data
        .export(format, crate::export::today_vn())
        .map_err(|e| e.to_string())?;
    std::fs::write(&args.out, bytes)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

async fn figures(args: FiguresArgs) -> Result<(), String> {
    let (pool, catalog) = open_catalog(&args).await?;
    let out = http::api::compute_figures(&pool, &catalog, &args.template, &args.period, &args.unit)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
    );
    Ok(())
}

async fn check(args: CheckArgs) -> Result<(), String> {
    let pool = open_db(&args.db).await?;
    let templates = catalog::load_templates(&args.templates)?;
    let catalog = catalog::Catalog::load(&pool, templates)
        .await
        .map_err(|e| e.to_string())?;
    let (total, found) = crate::check::run(&pool, &catalog, &mut std::io::stderr()).await?;
    for f in &found {
        println!("{} {}", f.report, f.doc);
        for p in &f.problems {
            println!("  {p}");
        }
    }
    match found.len() {
        0 => {
            eprintln!("{total} reports checked: every one fits its template");
            Ok(())
        }
        n => Err(format!("{n} of {total} reports break their template")),
    }
}

async fn open_db(d: &DataDir) -> Result<crate::db::Pool, String> {
    db::open(&d.data_dir, d.database_url.as_deref())
        .await
        .map_err(|e| e.to_string())
}

async fn org(c: OrgCommand) -> Result<(), String> {
    match c {
        OrgCommand::List(d) => {
            let dir = auth::Directory::load(&open_db(&d).await?).await?;
            fn walk(tree: &shared::OrgTree, u: &shared::OrgUnit, depth: usize) {
                println!("{}{}  {} ({})", "  ".repeat(depth), u.id, u.name, u.kind);
                for c in tree.children(&u.id) {
                    walk(tree, c, depth + 1);
                }
            }
            for r in dir.tree.roots() {
                walk(&dir.tree, r, 0);
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
            let unit = crate::admin::NewUnit {
                id,
                name,
                kind,
                parent,
            };
            crate::admin::add_unit(&open_db(&db).await?, &unit).await?;
            println!("added unit {}", unit.id);
            Ok(())
        }
    }
}

async fn user(c: UserCommand) -> Result<(), String> {
    match c {
        UserCommand::List(d) => {
            let dir = auth::Directory::load(&open_db(&d).await?).await?;
            for u in &dir.users {
                let role = serde_json::to_value(u.role).unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{}",
                    u.id,
                    role.as_str().unwrap_or("?"),
                    u.unit,
                    u.name
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
            let user = crate::admin::NewUser {
                id,
                name,
                role,
                unit,
                password: password.read()?,
            };
            crate::admin::add_user(&open_db(&db).await?, &user).await?;
            println!("added user {}", user.id);
            Ok(())
        }
        UserCommand::ResetPassword { db, id, password } => {
            crate::admin::reset_password(&open_db(&db).await?, &id, &password.read()?).await?;
            println!("password of {id} reset; their sessions ended");
            Ok(())
        }
        UserCommand::ExpireSessions { db, id } => {
            let n = auth::session::expire_user(&open_db(&db).await?, &id, db::now_ms())
                .await
                .map_err(|e| e.to_string())?;
            println!("{n} session(s) of {id} ended");
            Ok(())
        }
    }
}

async fn import(args: ImportArgs) -> Result<(), String> {
    if args.org_units.is_none() && args.users.is_none() {
        return Err("give --org-units FILE and/or --users FILE".into());
    }
    let pool = open_db(&args.db).await?;
    let mut bad = 0;
    for (path, is_units) in [(&args.org_units, true), (&args.users, false)] {
        let Some(path) = path else { continue };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        eprintln!("importing {} …", path.display());
        let report = if is_units {
            crate::admin::import_units(&pool, &text).await
        } else {
            crate::admin::import_users(&pool, &text).await
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
