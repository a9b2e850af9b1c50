//! A private `redis-server` for tests: started on a free loopback port (or the
//! server at `REDIS_URL`), stopped when dropped.
//!
//! Without `redis-server` and without `REDIS_URL` the tests that need Redis say
//! that they were skipped; with `WEBHOOK_GATE_REQUIRE_REDIS=1` (set by CI) they
//! fail instead.

#![allow(dead_code)] // Each test file uses a part.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Redis server for one test.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    url: String,
    /// Whether every write is fsynced to an append-only file, so that a restart
    /// keeps every key.
    persistent: bool,
}

fn required() -> bool {
    std::env::var("WEBHOOK_GATE_REQUIRE_REDIS").is_ok_and(|value| value == "1")
}

fn skip(test: &str, why: &str) -> Option<RedisServer> {
    assert!(
        !required(),
        "{test}: Redis is required (WEBHOOK_GATE_REQUIRE_REDIS=1) but {why}"
    );
    eprintln!("SKIPPED {test}: {why}; set REDIS_URL or install redis-server");
    None
}

impl RedisServer {
    /// The server at `REDIS_URL`, or a private one without persistence; `None`
    /// (test skipped) when neither can be had.
    pub fn start(test: &str) -> Option<Self> {
        if let Ok(url) = std::env::var("REDIS_URL") {
            return Some(Self {
                child: None,
                port: 0,
                url,
                persistent: false,
            });
        }
        let port = free_port();
        let mut server = Self {
            child: None,
            port,
            url: format!("redis://127.0.0.1:{port}/"),
            persistent: false,
        };
        match server.spawn() {
            Ok(()) => Some(server),
            Err(why) => skip(test, &why),
        }
    }

    /// Always a private server, which the test may stop and restart with its data
    /// (every write is fsynced to an append-only file, as in a production setup
    /// that must not lose done markers).
    pub fn start_private(test: &str) -> Option<Self> {
        let port = free_port();
        let mut server = Self {
            child: None,
            port,
            url: format!("redis://127.0.0.1:{port}/"),
            persistent: true,
        };
        match server.spawn() {
            Ok(()) => Some(server),
            Err(why) => skip(test, &why),
        }
    }

    /// Where a private server keeps its append-only file, so that a restart
    /// (after [`stop`](Self::stop)) keeps every key, as a production Redis with
    /// persistence would.
    fn dir(&self) -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "webhook-gate-redis-{}-{}",
            std::process::id(),
            self.port
        ))
    }

    fn spawn(&mut self) -> Result<(), String> {
        let dir = self.dir();
        std::fs::create_dir_all(&dir).map_err(|error| format!("no data directory ({error})"))?;
        let persistence: &[&str] = if self.persistent {
            &["--appendonly", "yes", "--appendfsync", "always"]
        } else {
            &["--appendonly", "no"]
        };
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(persistence)
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("redis-server could not be started ({error})"))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if ping(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("redis-server did not answer PING within 10 s".to_owned())
    }

    /// The URL to connect to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops a private server (as a crash would).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a stopped private server again on the same port, with its data.
    pub fn restart(&mut self) {
        self.spawn().expect("redis-server restarts");
    }

    /// Whether this is a private server (which can be stopped).
    pub fn is_private(&self) -> bool {
        self.port != 0
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        if self.is_private() {
            let _ = std::fs::remove_dir_all(self.dir());
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}
