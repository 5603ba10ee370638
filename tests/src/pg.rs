//! A throwaway PostgreSQL for the tests: one cluster per test process,
//! `initdb` into a temporary folder and `pg_ctl` on a free loopback port,
//! and one fresh database per data folder. With `BAOCAO_TEST_DB=postgres`
//! every [`crate::TestServer`] (and every admin command the tests run) uses
//! it instead of SQLite, so the same suite checks both storages.
//!
//! The cluster outlives no test run: a watchdog shell stops it and deletes
//! its folder as soon as the test process is gone, even when it panicked or
//! was killed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Whether this run stores on PostgreSQL (`BAOCAO_TEST_DB=postgres`).
pub fn enabled() -> bool {
    std::env::var("BAOCAO_TEST_DB").is_ok_and(|v| v == "postgres")
}

/// A running PostgreSQL cluster.
pub struct Cluster {
    bin: PathBuf,
    port: u16,
    dir: PathBuf,
    next_db: Mutex<u32>,
}

/// The folder with `initdb` and `pg_ctl` (and usually `psql`): Debian's
/// `/usr/lib/postgresql/<version>/bin` (newest first), else `$PATH`'s.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(b) = versions.pop() {
        return b;
    }
    let out = Command::new("sh")
        .args(["-c", "dirname \"$(command -v initdb)\""])
        .output()
        .expect("sh");
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        dir.join("initdb").exists(),
        "PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)"
    );
    dir
}

/// PostgreSQL refuses to run as root: then its commands run as `postgres`.
fn as_server_user(program: &Path) -> Command {
    if as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut cmd: Command, what: &str) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Cluster {
    /// Creates and starts a cluster. `durable: false` turns fsync off: the
    /// tests kill baocao processes, never PostgreSQL, so its flushes only
    /// cost time there; benchmarks keep PostgreSQL's durable defaults.
    pub fn start(durable: bool) -> Cluster {
        let bin = bin_dir();
        let dir = std::env::temp_dir().join(format!(
            "baocao-pg-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(dir.join("socket")).expect("cluster folder");
        if as_root() {
            let mut c = Command::new("chown");
            c.args(["-R", "postgres:"]).arg(&dir);
            run(c, "chown the cluster folder to postgres");
        }
        let data = dir.join("data");
        run(
            {
                let mut c = as_server_user(&bin.join("initdb"));
                c.arg("-D")
                    .arg(&data)
                    .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
                    .arg("--locale=C");
                c
            },
            "initdb",
        );
        // The watchdog: stops the cluster and removes it once we are gone.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
                 {stop} -D '{data}' stop -m immediate; rm -rf '{dir}'",
                pid = std::process::id(),
                stop = if as_root() {
                    format!("runuser -u postgres -- '{}'", bin.join("pg_ctl").display())
                } else {
                    format!("'{}'", bin.join("pg_ctl").display())
                },
                data = data.display(),
                dir = dir.display(),
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut opts = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300",
                dir.join("socket").display()
            );
            if !durable {
                opts.push_str(" -c fsync=off -c full_page_writes=off -c synchronous_commit=off");
            }
            let out = as_server_user(&bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("log"))
                .args(["-w", "-t", "60", "-o"])
                .arg(opts)
                .arg("start")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .expect("pg_ctl");
            if out.status.success() {
                return Cluster {
                    bin,
                    port,
                    dir,
                    next_db: Mutex::new(0),
                };
            }
            // Most likely someone took the port in between: another one.
            last = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        }
        panic!("PostgreSQL did not start: {last}");
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a fresh, empty database and returns its URL.
    pub fn create_database(&self) -> String {
        let name = {
            let mut n = self.next_db.lock().expect("counter");
            *n += 1;
            format!("t_{n}")
        };
        self.sql(&format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs one SQL statement as the superuser on the `postgres` database.
    pub fn sql(&self, statement: &str) {
        let psql = self.bin.join("psql");
        let mut c = Command::new(if psql.exists() {
            psql
        } else {
            PathBuf::from("psql")
        });
        c.args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v"])
            .arg("ON_ERROR_STOP=1")
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(statement);
        run(c, statement);
    }

    /// One of the cluster's own tools (`pg_dump`, `pg_restore`…), from its
    /// release's folder when it is there, else from `$PATH`.
    pub fn tool(&self, name: &str) -> PathBuf {
        let path = self.bin.join(name);
        if path.exists() {
            path
        } else {
            PathBuf::from(name)
        }
    }

    /// The cluster's folder (its log is `log` there).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The cluster of this test process, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let t = Instant::now();
        let c = Cluster::start(false);
        eprintln!("PostgreSQL test cluster up in {:?}", t.elapsed());
        c
    })
}

/// The database of a data folder: created the first time the folder is
/// seen, so a server and the admin commands run on its folder share it.
pub fn url_for(data_dir: &Path) -> String {
    static DBS: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    let mut dbs = DBS.get_or_init(Default::default).lock().expect("databases");
    dbs.entry(data_dir.to_path_buf())
        .or_insert_with(|| cluster().create_database())
        .clone()
}

/// The environment a `baocao` command on `data_dir` needs: the database URL
/// when the tests run on PostgreSQL, nothing on SQLite.
pub fn database_env(data_dir: &Path) -> Vec<(&'static str, String)> {
    if enabled() {
        vec![("BAOCAO_DATABASE_URL", url_for(data_dir))]
    } else {
        Vec::new()
    }
}
