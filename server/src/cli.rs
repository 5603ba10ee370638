//! Command-line interface: `baocao serve` and friends.

use crate::{auth, catalog, db, demo, http, hub};
use clap::{Args, Parser, Subcommand};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

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
}

/// Settings of `baocao serve`.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Folder holding the SQLite database (created if absent).
    #[arg(long, env = "BAOCAO_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
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
    let pool = db::open(&args.data_dir).await.map_err(|e| e.to_string())?;
    let templates = catalog::load_templates(&args.templates)?;
    if !args.no_demo {
        let loaded = demo::load_if_first_start(&pool, &templates)
            .await
            .map_err(|e| format!("loading the demo: {e}"))?;
        if loaded {
            tracing::info!("demo district loaded");
        }
    }
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
    let directory = auth::SharedDirectory::new(auth::Directory {
        tree: catalog.tree.clone(),
        users: catalog.users.clone(),
    });
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
    print_banner(&catalog, local);
    let state = http::AppState::new(catalog, pool.clone(), hub.clone(), args.clone(), directory);
    http::serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    hub.shutdown().await;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

fn print_banner(catalog: &catalog::Catalog, addr: SocketAddr) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "baocao {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "listening on http://{addr}");
    if !catalog.users.is_empty() {
        let _ = writeln!(
            out,
            "demo users (choose one on the start screen; no password yet):"
        );
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
async fn open_catalog(args: &FiguresArgs) -> Result<(sqlx::SqlitePool, catalog::Catalog), String> {
    let pool = db::open(&args.data_dir).await.map_err(|e| e.to_string())?;
    let templates = catalog::load_templates(&args.templates)?;
    let catalog = catalog::Catalog::load(&pool, templates)
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
