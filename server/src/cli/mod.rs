//! Command-line interface: `baocao serve`, the one-shot report commands
//! (`report`) and the administration (`admin`, `rounds`). Nothing past this module
//! knows clap: `serve` turns its arguments into a [`Config`].

mod admin;
mod backup;
mod report;
mod rounds;

use crate::config::Config;
use crate::{catalog, db, demo, http, hub};
use admin::{ImportArgs, OrgCommand, UserCommand};
use clap::{Args, Parser, Subcommand};
use report::{CheckArgs, ExportArgs, FiguresArgs};
use rounds::{AuditArgs, RoundCommand, TemplateCommand};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

/// baocao: offline-first reporting for communes and districts.
#[derive(Debug, Parser)]
#[command(name = "baocao", version, about)]
pub struct Cli {
    /// Log lines as text (for a person) or JSON, one object per line (for a
    /// log collector); request ids are in both, tokens and passwords in neither.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "BAOCAO_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// How log lines are written (to stderr).
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event, with its span's fields (request id…).
    Json,
}

/// Starts logging to stderr in `format`; `RUST_LOG` chooses what is logged.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
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
    /// Org units: list, add, and reorganise (rename, move, close, merge).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users: list, add, change, deactivate, reset a password, end sessions.
    #[command(subcommand)]
    User(UserCommand),
    /// Reporting rounds: open, list, set a deadline, close, reopen.
    #[command(subcommand)]
    Round(RoundCommand),
    /// Templates: add (TOML or .xlsx), list, show, export.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// List the administrative actions taken, newest first.
    Audit(AuditArgs),
    /// Import org units and/or users from CSV files (UTF-8): every good row
    /// is stored, every bad row reported with its line number.
    Import(ImportArgs),
    /// Copy a deployment from SQLite to a new, empty PostgreSQL database and
    /// verify every document (stop the server first).
    Migrate(MigrateArgs),
    /// List every stored report that breaks its template, and why (exits
    /// non-zero when there is one). Changes nothing.
    Check(CheckArgs),
    /// Write a consistent copy of the SQLite database while the server
    /// serves (phones keep syncing), with every document's heads.
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty folder and verify every document.
    Restore(backup::RestoreArgs),
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
    /// Take backups into this folder while serving (SQLite only; see
    /// `baocao backup`), named `baocao-<UTC time>.db`.
    #[arg(long, value_name = "DIR", env = "BAOCAO_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Time between two scheduled backups (`24h`, `6h`, `30m`); the first is
    /// due this long after the newest one in --backup-dir.
    #[arg(long, value_name = "DURATION", env = "BAOCAO_BACKUP_EVERY", default_value = "24h", value_parser = humantime::parse_duration)]
    pub backup_every: std::time::Duration,
    /// Scheduled backups kept (the newest; older ones are deleted).
    #[arg(long, value_name = "N", env = "BAOCAO_BACKUP_KEEP", default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..))]
    pub backup_keep: u32,
    /// Serve Prometheus metrics at http://ADDR/metrics, a listener of their
    /// own (keep it off the public network: 127.0.0.1:9184, or a LAN
    /// address only the monitoring host reaches). Port 0 picks a free one.
    #[arg(long, value_name = "ADDR", env = "BAOCAO_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
}

impl ServeArgs {
    /// The configuration these arguments give.
    pub fn config(self) -> Config {
        Config {
            limits: hub::Limits {
                max_message_bytes: self.max_message_bytes,
                max_document_bytes: self.max_document_bytes,
                new_docs: shared::sync::RateLimit {
                    burst: self.new_docs_burst,
                    per_second: self.new_docs_per_second,
                },
            },
            data_dir: self.data_dir,
            database_url: self.database_url,
            host: self.host,
            port: self.port,
            static_dir: self.static_dir,
            templates: self.templates,
            demo: !self.no_demo,
            accounts: !self.no_auth,
            trusted_proxy: self.trusted_proxy,
            client_ip_header: self.client_ip_header,
            backup: self
                .backup_dir
                .map(|dir| crate::backup::schedule::Schedule {
                    dir,
                    every: self.backup_every,
                    keep: self.backup_keep as usize,
                }),
            metrics_listen: self.metrics_listen,
        }
    }
}

/// Where the database is, and the templates folder recorded into it.
#[derive(Debug, Args, Clone)]
pub struct DataDir {
    /// Folder holding the SQLite database.
    #[arg(long, env = "BAOCAO_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Database URL: `postgres://user@host/db` for PostgreSQL (several
    /// replicas may share it); without it, SQLite in the data folder.
    #[arg(long, env = "BAOCAO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Folder of report templates (*.toml), recorded only into a database
    /// that holds none yet (`serve` records it at every start).
    #[arg(long, env = "BAOCAO_TEMPLATES", default_value = "templates")]
    pub templates: PathBuf,
}

/// Opens the database, gives old rounds their units, and reads the
/// catalog — what `serve` and every one-shot command start with. `serve`
/// records the templates folder first (`demo` loads the demo on a first
/// start); a one-shot command reads the templates the database holds, and
/// records the folder only into a database that has none yet.
async fn open(
    data_dir: &std::path::Path,
    url: Option<&str>,
    templates: &std::path::Path,
    serving: Option<bool>,
) -> Result<(db::Pool, catalog::Catalog), String> {
    let pool = db::open(data_dir, url).await.map_err(|e| e.to_string())?;
    let none_yet = crate::template_versions::current(&pool).await?.0.is_empty();
    if serving.is_some() || none_yet {
        let folder = catalog::load_templates(templates)?;
        if serving == Some(true) {
            let loaded = demo::load_if_first_start(&pool, &folder)
                .await
                .map_err(|e| format!("loading the demo: {e}"))?;
            if loaded {
                tracing::info!("demo district loaded");
            }
        }
        crate::template_versions::record(&pool, &folder).await?;
    }
    crate::admin::rounds::snapshot_missing(&pool)
        .await
        .map_err(|e| e.to_string())?;
    let catalog = catalog::Catalog::load(&pool).await?;
    if catalog.templates.is_empty() {
        return Err(format!(
            "no templates: none in {} and none added (baocao template add FILE)",
            templates.display()
        ));
    }
    Ok((pool, catalog))
}

impl DataDir {
    /// Opens the database and reads the catalog.
    async fn open(&self) -> Result<(db::Pool, catalog::Catalog), String> {
        open(
            &self.data_dir,
            self.database_url.as_deref(),
            &self.templates,
            None,
        )
        .await
    }
}

/// Entry point of the binary.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let result = match cli.command {
        Command::Serve(args) => serve(args.config()).await,
        Command::Figures(args) => report::figures(args).await,
        Command::Export(args) => report::export(args).await,
        Command::Check(args) => report::check(args).await,
        Command::Org(c) => admin::org(c).await,
        Command::User(c) => admin::user(c).await,
        Command::Round(c) => rounds::round(c).await,
        Command::Template(c) => rounds::template(c).await,
        Command::Audit(args) => rounds::audit(args).await,
        Command::Import(args) => admin::import(args).await,
        Command::Migrate(args) => crate::migrate::run(&args.from, &args.to).await,
        Command::Backup(args) => backup::backup(args).await,
        Command::Restore(args) => backup::restore(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// How long a stop waits for the sync hub's writes under way, and for
/// HTTP requests under way, before stopping anyway.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

async fn serve(config: Config) -> Result<(), String> {
    // Before anything records: the hub takes its handles at start.
    let metrics = match config.metrics_listen {
        Some(addr) => {
            let handle = crate::metrics::install()?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("--metrics-listen: cannot listen on {addr}: {e}"))?;
            Some((listener, handle))
        }
        None => None,
    };
    let (pool, catalog) = open(
        &config.data_dir,
        config.database_url.as_deref(),
        &config.templates,
        Some(config.demo),
    )
    .await?;
    let repaired = crate::store::repair_projection(&pool)
        .await
        .map_err(|e| e.to_string())?;
    if repaired > 0 {
        tracing::info!("projected {repaired} reports stored before the last stop");
    }
    let storage_id = db::storage_id(&pool).await.map_err(|e| e.to_string())?;
    if let Some(schedule) = &config.backup {
        if db::Backend::of(&pool) != db::Backend::Sqlite {
            return Err(format!(
                "--backup-dir: {}",
                crate::backup::BackupError::Postgres
            ));
        }
        crate::backup::schedule::spawn(pool.clone(), schedule.clone());
    }
    let shared = catalog::SharedCatalog::new(catalog.clone());
    shared.keep_fresh(pool.clone(), std::time::Duration::from_secs(2));
    let policy = if !config.accounts {
        tracing::warn!("serving WITHOUT accounts (--no-auth): anyone may read and write anything");
        None
    } else {
        let (actors, owners) = crate::store::load_bindings(&pool)
            .await
            .map_err(|e| e.to_string())?;
        Some(crate::auth::policy::ServerPolicy::new(
            shared.clone(),
            actors,
            owners,
        ))
    };
    let hub = hub::Hub::start(pool.clone(), storage_id, config.limits, policy);
    let addr = SocketAddr::new(config.host, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    if !config.static_dir.join("index.html").exists() {
        tracing::warn!(
            "no built client in {} (run scripts/build-client.sh); the API and sync still work",
            config.static_dir.display()
        );
    }
    // Dropped on SIGTERM / Ctrl-C: every part waiting on it stops.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move { while rx.changed().await.is_ok() {} }
    };
    let metrics_addr = match metrics {
        Some((listener, handle)) => {
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            tokio::spawn(crate::metrics::serve(listener, handle, stopped()));
            Some(addr)
        }
        None => None,
    };
    print_banner(&catalog, local, metrics_addr, config.accounts);
    tokio::spawn(async move {
        shutdown_signal().await;
        drop(stop_tx);
    });
    let state = http::AppState::new(shared, pool.clone(), hub.clone(), config);
    // On the signal: no new connections; HTTP requests under way finish
    // while the hub commits its writes and closes the sync connections with
    // "going away" (phones reconnect to the next start by themselves).
    let http = async {
        let grace = {
            let stopped = stopped();
            async move {
                stopped.await;
                tokio::time::sleep(STOP_GRACE).await;
            }
        };
        tokio::select! {
            served = http::serve(listener, state, stopped()) => served.map_err(|e| e.to_string()),
            _ = grace => {
                tracing::warn!("HTTP requests still under way after {STOP_GRACE:?}; stopping anyway");
                Ok(())
            }
        }
    };
    let sync = async {
        stopped().await;
        hub.shutdown(STOP_GRACE).await;
    };
    let (served, ()) = tokio::join!(http, sync);
    served?;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

fn print_banner(
    catalog: &catalog::Catalog,
    addr: SocketAddr,
    metrics: Option<SocketAddr>,
    accounts: bool,
) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "baocao {}", env!("CARGO_PKG_VERSION"));
    if let Some(m) = metrics {
        let _ = writeln!(out, "metrics on http://{m}/metrics");
    }
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
