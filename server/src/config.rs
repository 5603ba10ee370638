//! The server's settings as the running parts see them, apart from how they
//! were given (command line, environment, a test harness): the CLI builds
//! one from its arguments ([`crate::cli`]), and nothing past it knows clap.

use std::net::IpAddr;
use std::path::PathBuf;

/// Settings of a running server.
#[derive(Clone, Debug)]
pub struct Config {
    /// Folder holding the SQLite database (created if absent).
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; none: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one).
    pub port: u16,
    /// The built web client.
    pub static_dir: PathBuf,
    /// Folder of report templates recorded at start (the built-in ones if
    /// it is missing); more are added at run time with `template add`.
    pub templates: PathBuf,
    /// Load the demo district on first start.
    pub demo: bool,
    /// Accounts on: every connection belongs to a logged-in user.
    pub accounts: bool,
    /// Sync limits.
    pub limits: crate::hub::Limits,
    /// Reverse proxies whose client-address header is believed.
    pub trusted_proxy: Vec<crate::http::client_addr::IpNet>,
    /// The header such a proxy puts the client's address in.
    pub client_ip_header: axum::http::HeaderName,
    /// Scheduled backups, if any.
    pub backup: Option<crate::backup::schedule::Schedule>,
    /// Where Prometheus metrics are served (their own listener), if at all.
    pub metrics_listen: Option<std::net::SocketAddr>,
}
