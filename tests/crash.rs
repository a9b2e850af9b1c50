//! The crash test: a provider simulator sends 2 000 deliveries to three receiver
//! processes sharing one Postgres, while receivers are killed with SIGKILL at
//! random points and restarted. With the exactly-once store every delivery must
//! end with exactly one effect row; the same run with the Redis store reports how
//! many effects were applied twice (a receiver killed after its handler's write and
//! before the store heard "done").
//!
//! The test binary is its own receiver: run with `CRASH_RECEIVER` set, it serves
//! one receiver process (see [`receiver`]). `CRASH_RUNS` repeats the exactly-once
//! run (default 1).

#[path = "../crates/webhook-gate-postgres/tests/support/mod.rs"]
mod postgres;
#[path = "../crates/webhook-gate-redis/tests/support/mod.rs"]
mod redis;

use std::collections::HashMap;
use std::hash::{BuildHasher as _, RandomState};
use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use webhook_gate::sign::SignOptions;
use webhook_gate::{Preset, Signer};

const DELIVERIES: usize = 2000;
const RECEIVERS: usize = 3;
/// Deliveries the simulator has in flight at once.
const CONCURRENCY: usize = 24;
const SECRET: &str = "whsec_Y3Jhc2gtdGVzdC1zZWNyZXQ=";
/// Sentimatrix's schedule (immediately, then 1 min, 5 min, 30 min, 2 h; failed after
/// the fifth attempt), scaled down 300 times.
const SCHEDULE: [Duration; 5] = [
    Duration::ZERO,
    Duration::from_millis(200),
    Duration::from_secs(1),
    Duration::from_secs(6),
    Duration::from_secs(24),
];
/// How long the simulator waits for an answer before it counts a timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// The Redis store's lease: a killed receiver's claim frees after it.
const REDIS_LEASE: Duration = Duration::from_secs(1);

/// A random number below `bound`.
fn random(bound: u64) -> u64 {
    RandomState::new().hash_one(Instant::now()) % bound.max(1)
}

fn main() {
    if std::env::var_os("CRASH_RECEIVER").is_some() {
        receiver::run();
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(crash_test());
}

async fn crash_test() {
    let Some(database) = postgres::PostgresServer::start("crash") else {
        return;
    };
    let runs: usize = std::env::var("CRASH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(1);
    for run in 1..=runs {
        let report = run_once(Mode::ExactlyOnce, database.url(), None).await;
        println!("crash test, exactly-once (Postgres), run {run}/{runs}: {report}");
        // A delivery the provider gave up on (five failed attempts while receivers
        // died) is lost only if it has no effect: `lost` counts those.
        assert_eq!(report.lost, 0, "exactly-once: deliveries lost: {report}");
        assert_eq!(
            report.doubled, 0,
            "exactly-once: effects applied twice: {report}"
        );
        assert!(
            report.interrupted_writes > 0,
            "no kill fell between a handler's write and its commit: the run proves nothing: {report}"
        );
    }
    let Some(redis) = redis::RedisServer::start("crash") else {
        return;
    };
    let report = run_once(Mode::Redis, database.url(), Some(redis.url())).await;
    println!("crash test, Redis store (at least once): {report}");
    assert_eq!(report.lost, 0, "redis: deliveries lost: {report}");
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    ExactlyOnce,
    Redis,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Self::ExactlyOnce => "exactly-once",
            Self::Redis => "redis",
        }
    }
}

struct Report {
    deliveries: usize,
    attempts: usize,
    kills: usize,
    /// Deliveries the provider gave up on after its fifth attempt.
    given_up: usize,
    /// Deliveries without an effect row.
    lost: usize,
    /// Deliveries with more than one effect row.
    doubled: usize,
    /// Handler writes that did not become an effect row (rolled back by a kill or a
    /// failure): each is a kill that fell after a write and before its commit.
    interrupted_writes: usize,
    elapsed: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} deliveries, {} attempts, {} receivers killed, {} handler writes rolled back, {} given up, {} lost, {} applied twice, {:.1} s",
            self.deliveries,
            self.attempts,
            self.kills,
            self.interrupted_writes,
            self.given_up,
            self.lost,
            self.doubled,
            self.elapsed.as_secs_f64()
        )
    }
}

/// The receiver processes: each on its port, killed and restarted by the test.
struct Receivers {
    mode: Mode,
    database: String,
    redis: Option<String>,
    prefix: String,
    table: String,
    ports: Vec<u16>,
    children: Mutex<Vec<Option<Child>>>,
    /// Handler writes seen, per delivery id (the receivers print each).
    writes: Arc<Mutex<HashMap<String, usize>>>,
}

impl Receivers {
    fn spawn(&self, index: usize) {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env("CRASH_RECEIVER", self.mode.name())
            .env("CRASH_PORT", self.ports[index].to_string())
            .env("CRASH_DATABASE_URL", &self.database)
            .env("CRASH_REDIS_URL", self.redis.as_deref().unwrap_or(""))
            .env("CRASH_PREFIX", &self.prefix)
            .env("CRASH_TABLE", &self.table)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let writes = Arc::clone(&self.writes);
        let (ready, is_ready) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line == "ready" {
                    let _ = ready.send(());
                } else if let Some(id) = line.strip_prefix("wrote ") {
                    *writes.lock().unwrap().entry(id.to_owned()).or_default() += 1;
                }
            }
        });
        is_ready
            .recv_timeout(Duration::from_secs(30))
            .expect("the receiver started");
        self.children.lock().unwrap()[index] = Some(child);
    }

    fn kill(&self, index: usize) {
        let child = self.children.lock().unwrap()[index].take();
        if let Some(mut child) = child {
            // SIGKILL: no destructor, no graceful shutdown.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn run_once(mode: Mode, database: &str, redis: Option<&str>) -> Report {
    let pool = sqlx::PgPool::connect(database).await.unwrap();
    webhook_gate_postgres::migrate(&pool).await.unwrap();
    let table = format!("crash_effects_{}", mode.name().replace('-', "_"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (delivery text NOT NULL, pid integer NOT NULL)"
    )))
    .execute(&pool)
    .await
    .unwrap();
    let receivers = Arc::new(Receivers {
        mode,
        database: database.to_owned(),
        redis: redis.map(str::to_owned),
        prefix: postgres::unique(mode.name()),
        table: table.clone(),
        ports: (0..RECEIVERS).map(|_| postgres::free_port()).collect(),
        children: Mutex::new((0..RECEIVERS).map(|_| None).collect()),
        writes: Arc::default(),
    });
    for index in 0..RECEIVERS {
        receivers.spawn(index);
    }
    let started = Instant::now();

    let settled = Arc::new(AtomicBool::new(false));
    let kills = Arc::new(AtomicUsize::new(0));
    let killer = start_killer(&receivers, &settled, &kills);
    let attempts = Arc::new(AtomicUsize::new(0));
    let given_up = simulate_provider(&receivers, &attempts).await;
    settled.store(true, Ordering::Relaxed);
    killer.join().unwrap();
    for index in 0..RECEIVERS {
        receivers.kill(index);
    }

    let counts: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT delivery, count(*) FROM {table} GROUP BY delivery"
    )))
    .fetch_all(&pool)
    .await
    .unwrap();
    let effects: usize = counts
        .iter()
        .map(|(_, count)| usize::try_from(*count).unwrap())
        .sum();
    let writes: usize = receivers.writes.lock().unwrap().values().sum();
    let doubled = counts.iter().filter(|(_, count)| *count > 1).count();
    assert!(
        counts.len() <= DELIVERIES,
        "effects of deliveries never sent"
    );
    let lost = DELIVERIES - counts.len();
    pool.close().await;
    Report {
        deliveries: DELIVERIES,
        attempts: attempts.load(Ordering::Relaxed),
        kills: kills.load(Ordering::Relaxed),
        given_up,
        lost,
        doubled,
        interrupted_writes: writes.saturating_sub(effects),
        elapsed: started.elapsed(),
    }
}

/// The killer: every 150 to 600 ms, until `settled`, one receiver dies and comes
/// back.
fn start_killer(
    receivers: &Arc<Receivers>,
    settled: &Arc<AtomicBool>,
    kills: &Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    let (receivers, settled, kills) = (
        Arc::clone(receivers),
        Arc::clone(settled),
        Arc::clone(kills),
    );
    std::thread::spawn(move || {
        while !settled.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(150 + random(450)));
            if settled.load(Ordering::Relaxed) {
                break;
            }
            let index = usize::try_from(random(RECEIVERS as u64)).unwrap();
            receivers.kill(index);
            kills.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(50 + random(200)));
            receivers.spawn(index);
        }
    })
}

/// The provider: sends every delivery to a receiver picked at random, and retries
/// it there or elsewhere on anything but 2xx (a refused connection, a timeout, a
/// 409 or a 503), on the schedule. Answers how many it gave up on.
async fn simulate_provider(receivers: &Arc<Receivers>, attempts: &Arc<AtomicUsize>) -> usize {
    let mode = receivers.mode;
    let client = reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .build()
        .unwrap();
    let signer = Arc::new(Signer::new(Preset::StandardWebhooks.scheme(), SECRET).unwrap());
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut deliveries = Vec::with_capacity(DELIVERIES);
    for n in 0..DELIVERIES {
        let id = format!("msg_{}_{n}", mode.name());
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let (client, signer, receivers, attempts) = (
            client.clone(),
            Arc::clone(&signer),
            Arc::clone(receivers),
            Arc::clone(attempts),
        );
        deliveries.push(tokio::spawn(async move {
            let _permit = permit;
            let body = format!(r#"{{"type":"payment.succeeded","data":{{"id":"{id}"}}}}"#);
            for delay in SCHEDULE {
                tokio::time::sleep(delay).await;
                attempts.fetch_add(1, Ordering::Relaxed);
                let port = receivers.ports[usize::try_from(random(RECEIVERS as u64)).unwrap()];
                let headers = signer.sign(
                    body.as_bytes(),
                    &SignOptions::new().id(&id).timestamp(now()),
                );
                let mut request = client
                    .post(format!("http://127.0.0.1:{port}/webhooks/standard"))
                    .header("content-type", "application/json")
                    .body(body.clone());
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                if let Ok(response) = request.send().await
                    && response.status().is_success()
                {
                    return true;
                }
            }
            false
        }));
    }
    let mut given_up = 0;
    for delivery in deliveries {
        if !delivery.await.unwrap() {
            given_up += 1;
        }
    }
    given_up
}

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// One receiver process: an axum server on `CRASH_PORT` whose handler writes the
/// delivery's effect row, prints `wrote <id>`, and pauses up to 40 ms before it
/// answers 200 (the window between the write and the commit that kills aim at).
mod receiver {
    use std::time::Duration;

    use axum::http::StatusCode;
    use axum::routing::post;
    use webhook_gate::receive::Receiver;
    use webhook_gate::{Preset, Verifier};
    use webhook_gate_postgres::{Inbox, PostgresStore};
    use webhook_gate_redis::RedisStore;
    use webhook_gate_tower::{VerifiedWebhook, WebhookLayer};

    use super::{REDIS_LEASE, SECRET, random};

    fn env(name: &str) -> String {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the crash test"))
    }

    fn wrote(webhook: &VerifiedWebhook) {
        // One line, flushed at its newline: seen by the test even if the process
        // dies a moment later.
        println!("wrote {}", webhook.delivery_id().unwrap().as_str());
    }

    pub fn run() {
        // Dies with the test: a receiver whose parent is gone (reparented) exits.
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(1);
                }
            }
        });
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(serve());
    }

    async fn serve() {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(20)
            .connect(&env("CRASH_DATABASE_URL"))
            .await
            .unwrap();
        let verifier = Verifier::new(Preset::StandardWebhooks.scheme(), SECRET).unwrap();
        let insert: &'static str = Box::leak(
            format!(
                "INSERT INTO {} (delivery, pid) VALUES ($1, $2)",
                env("CRASH_TABLE")
            )
            .into_boxed_str(),
        );
        let pid = i32::try_from(std::process::id()).unwrap();
        let pause = || tokio::time::sleep(Duration::from_millis(random(40)));
        let route = if env("CRASH_RECEIVER") == "exactly-once" {
            let store = PostgresStore::builder(pool)
                .prefix(env("CRASH_PREFIX"))
                .exactly_once()
                .unwrap();
            post(
                move |webhook: VerifiedWebhook, mut inbox: Inbox| async move {
                    let id = webhook.delivery_id().unwrap().as_str().to_owned();
                    let written = sqlx::query(insert)
                        .bind(id)
                        .bind(pid)
                        .execute(&mut *inbox)
                        .await;
                    if written.is_err() {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    wrote(&webhook);
                    pause().await;
                    StatusCode::OK
                },
            )
            .route_layer(WebhookLayer::from(Receiver::with_store(verifier, store)))
        } else {
            let store = RedisStore::builder(env("CRASH_REDIS_URL"))
                .prefix(env("CRASH_PREFIX"))
                .lease(REDIS_LEASE)
                .build()
                .unwrap();
            post(move |webhook: VerifiedWebhook| {
                let pool = pool.clone();
                async move {
                    let id = webhook.delivery_id().unwrap().as_str().to_owned();
                    let written = sqlx::query(insert).bind(id).bind(pid).execute(&pool).await;
                    if written.is_err() {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    wrote(&webhook);
                    pause().await;
                    StatusCode::OK
                }
            })
            .route_layer(WebhookLayer::from(Receiver::with_store(verifier, store)))
        };
        let router = axum::Router::new().route("/webhooks/standard", route);
        let listener =
            tokio::net::TcpListener::bind(("127.0.0.1", env("CRASH_PORT").parse::<u16>().unwrap()))
                .await
                .unwrap();
        println!("ready");
        axum::serve(listener, router).await.unwrap();
    }
}
