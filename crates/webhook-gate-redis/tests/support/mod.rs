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
    /// Whether the server is a node of a cluster.
    cluster: bool,
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
                cluster: false,
            });
        }
        let port = free_port();
        let mut server = Self {
            child: None,
            port,
            url: format!("redis://127.0.0.1:{port}/"),
            persistent: false,
            cluster: false,
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
            cluster: false,
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
        let cluster: &[&str] = if self.cluster {
            &[
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "1000",
                "--cluster-require-full-coverage",
                "no",
            ]
        } else {
            &[]
        };
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(persistence)
            .args(cluster)
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

/// A three-master Redis Cluster on free loopback ports (persistent nodes, so that a
/// stopped node restarts with its keys and its place in the cluster), or the one at
/// `REDIS_CLUSTER_URLS` (comma-separated); `None` (test skipped) when neither can
/// be had.
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
    urls: String,
}

impl RedisCluster {
    pub fn start(test: &str) -> Option<Self> {
        if let Ok(urls) = std::env::var("REDIS_CLUSTER_URLS") {
            return Some(Self {
                nodes: Vec::new(),
                urls,
            });
        }
        let mut nodes = Vec::new();
        for _ in 0..3 {
            let port = free_port();
            let mut node = RedisServer {
                child: None,
                port,
                url: format!("redis://127.0.0.1:{port}/"),
                persistent: true,
                cluster: true,
            };
            if let Err(why) = node.spawn() {
                skip(test, &why);
                return None;
            }
            nodes.push(node);
        }
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !matches!(created, Ok(status) if status.success()) {
            skip(
                test,
                "redis-cli --cluster create failed (or redis-cli is missing)",
            );
            return None;
        }
        let cluster = Self {
            urls: nodes
                .iter()
                .map(|node| node.url.clone())
                .collect::<Vec<_>>()
                .join(","),
            nodes,
        };
        cluster.wait_until_ok();
        Some(cluster)
    }

    /// Waits until every node says the cluster is ok (all slots served).
    fn wait_until_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self
                .nodes
                .iter()
                .all(|node| node.cluster_info().contains("cluster_state:ok"))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the cluster did not become ok within 30 s");
    }

    /// The nodes' URLs, comma-separated, as `RedisStore::builder` takes them.
    pub fn urls(&self) -> &str {
        &self.urls
    }

    /// Whether this is a private cluster (whose nodes can be stopped).
    pub fn is_private(&self) -> bool {
        !self.nodes.is_empty()
    }

    /// The node serving `key`'s slot.
    pub fn node_of(&self, key: &str) -> usize {
        let slot = self.nodes[0].cli(&["CLUSTER", "KEYSLOT", key]);
        let slot: u16 = slot.trim().parse().expect("a slot number");
        let shards = self.nodes[0].cli(&["CLUSTER", "SLOTS"]);
        // `redis-cli` prints CLUSTER SLOTS as lines: start, end, ip, port, id, ...
        let lines: Vec<&str> = shards.lines().map(str::trim).collect();
        let mut at = 0;
        while at + 3 < lines.len() {
            let (Ok(start), Ok(end)) = (lines[at].parse::<u16>(), lines[at + 1].parse::<u16>())
            else {
                at += 1;
                continue;
            };
            let port: u16 = lines[at + 3].parse().unwrap_or(0);
            if (start..=end).contains(&slot) {
                return self
                    .nodes
                    .iter()
                    .position(|node| node.port == port)
                    .expect("a node of this cluster");
            }
            at += 4;
        }
        panic!("no node serves slot {slot}:\n{shards}");
    }

    /// Stops node `index` (as a crash would).
    pub fn stop(&mut self, index: usize) {
        self.nodes[index].stop();
    }

    /// Starts node `index` again, with its keys and its place in the cluster, and
    /// waits until the cluster is ok.
    pub fn restart(&mut self, index: usize) {
        self.nodes[index].restart();
        self.wait_until_ok();
    }
}

impl RedisServer {
    /// `redis-cli` against this server, its output.
    fn cli(&self, arguments: &[&str]) -> String {
        Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(arguments)
            .output()
            .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
            .unwrap_or_default()
    }

    fn cluster_info(&self) -> String {
        self.cli(&["CLUSTER", "INFO"])
    }
}

/// `prefix` and a fresh token: a key prefix no other store of the run uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}:", webhook_gate::store::ClaimToken::random())
}
