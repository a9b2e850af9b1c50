//! A private Postgres for tests: `initdb` into a temporary directory and `pg_ctl`
//! on a free loopback port (or the server at `DATABASE_URL`), stopped when dropped.
//!
//! Without `initdb` and without `DATABASE_URL` the tests that need Postgres say
//! that they were skipped; with `WEBHOOK_GATE_REQUIRE_POSTGRES=1` (set by CI) they
//! fail instead.

#![allow(dead_code)] // Each test file uses a part.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// A Postgres server for one test.
pub struct PostgresServer {
    /// The data directory of a private server (`None`: the server at `DATABASE_URL`).
    data: Option<PathBuf>,
    bin: PathBuf,
    url: String,
    /// Whether the server's programs run as the `postgres` user (the tests run as
    /// root, which `initdb` refuses).
    as_postgres: bool,
}

fn required() -> bool {
    std::env::var("WEBHOOK_GATE_REQUIRE_POSTGRES").is_ok_and(|value| value == "1")
}

fn skip(test: &str, why: &str) -> Option<PostgresServer> {
    assert!(
        !required(),
        "{test}: Postgres is required (WEBHOOK_GATE_REQUIRE_POSTGRES=1) but {why}"
    );
    eprintln!("SKIPPED {test}: {why}; set DATABASE_URL or install postgresql");
    None
}

/// The directory of `initdb` and `pg_ctl`: on the `PATH`, or Debian's
/// `/usr/lib/postgresql/<version>/bin` (newest first).
fn find_bin() -> Option<PathBuf> {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

/// A port free on the loopback interface right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A key prefix no other test uses, so that tests sharing a database (the one
/// at `DATABASE_URL`) see only their own rows.
pub fn unique(label: &str) -> String {
    format!(
        "test:{label}:{}:{}:",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl PostgresServer {
    /// The server at `DATABASE_URL`, or a private one; `None` (test skipped) when
    /// neither can be had.
    pub fn start(test: &str) -> Option<Self> {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return Some(Self {
                data: None,
                bin: PathBuf::new(),
                url,
                as_postgres: false,
            });
        }
        Self::start_private(test)
    }

    /// Always a private server.
    pub fn start_private(test: &str) -> Option<Self> {
        let Some(bin) = find_bin() else {
            return skip(test, "initdb was not found");
        };
        let as_postgres = is_root();
        if as_postgres
            && !Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success())
        {
            return skip(
                test,
                "the tests run as root and there is no postgres user to run initdb as",
            );
        }
        let data = std::env::temp_dir().join(format!(
            "webhook-gate-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).unwrap();
        let port = free_port();
        let server = Self {
            data: Some(data.clone()),
            bin,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            as_postgres,
        };
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(&data));
        }
        let cluster = data.join("cluster");
        let cluster_arg = cluster.to_str().unwrap().to_owned();
        server.run_tool(
            "initdb",
            &["-D", &cluster_arg, "-A", "trust", "-U", "postgres", "-N"],
        );
        let options = format!(
            "-F -p {port} -c listen_addresses=127.0.0.1 -k {} -c max_connections=200",
            data.display()
        );
        let log = data.join("log");
        server.run_tool(
            "pg_ctl",
            &[
                "-D",
                &cluster_arg,
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        Some(server)
    }

    /// `tool` of the server's programs, run as the `postgres` user when the tests
    /// run as root.
    fn tool(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        }
    }

    fn run_tool(&self, tool: &str, arguments: &[&str]) {
        run(self.tool(tool).args(arguments));
    }

    /// The URL of the server's `postgres` database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A pool on the server, with the schema migrated.
    pub async fn pool(&self) -> sqlx::PgPool {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(32)
            .connect(&self.url)
            .await
            .unwrap();
        webhook_gate_postgres::migrate(&pool).await.unwrap();
        pool
    }

    /// The data directory of a private server.
    pub fn data(&self) -> Option<&Path> {
        self.data.as_deref()
    }
}

fn run(command: &mut Command) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("{command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        if let Some(data) = &self.data {
            let cluster = data.join("cluster");
            let _ = self
                .tool("pg_ctl")
                .args([
                    "-D",
                    cluster.to_str().unwrap(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = std::fs::remove_dir_all(data);
        }
    }
}
