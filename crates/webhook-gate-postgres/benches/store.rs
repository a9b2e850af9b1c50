//! Postgres stores: claim + complete per second (1 and 32 concurrent tasks), and the
//! cost per request in place, through the tower layer, of dedupe in Postgres and of
//! exactly-once mode, against dedupe in memory, in interleaved rounds.
//!
//! Starts a private Postgres (or uses `DATABASE_URL`).
//! Run: `cargo bench -p webhook-gate-postgres --bench store`

// The bench harness is a plain binary.
#![allow(missing_docs)]
// Counts far below 2^52: converting them to f64 is exact.
#![allow(clippy::cast_precision_loss)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use tower::{Layer as _, Service, ServiceExt as _};
use webhook_gate::receive::Receiver;
use webhook_gate::sign::SignOptions;
use webhook_gate::store::{Claim, ClaimToken, DeliveryKey};
use webhook_gate::{DeliveryId, DeliveryStore, MemoryStore, Preset, Signer, Verifier};
use webhook_gate_postgres::{Inbox, PostgresStore};
use webhook_gate_tower::{VerifiedWebhook, WebhookLayer};

const SECONDS: f64 = 3.0;
const ROUND: Duration = Duration::from_secs(1);
const ROUNDS: usize = 3;
const SECRET: &str = "whsec_YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldA==";

/// Deliveries (claim + complete) per second with `tasks` concurrent tasks.
async fn deliveries_per_second<St: DeliveryStore + Clone>(
    store: St,
    tasks: usize,
    ids: &Arc<AtomicU64>,
) -> f64 {
    let deadline = Instant::now() + Duration::from_secs_f64(SECONDS);
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (store, ids) = (store.clone(), Arc::clone(ids));
            tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let id = DeliveryKey::from(DeliveryId::new(format!(
                        "bench-{}",
                        ids.fetch_add(1, Ordering::Relaxed)
                    )));
                    let Claim::Claimed(token) =
                        store.claim(&id, &ClaimToken::random()).await.unwrap()
                    else {
                        panic!("fresh ids are claimed");
                    };
                    store.complete(&id, &token).await.unwrap();
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

type Request = http::Request<Full<Bytes>>;
type Response = http::Response<Full<Bytes>>;

/// A signed Standard Webhooks delivery with a fresh id, 1 KiB of body.
fn delivery(signer: &Signer, ids: &AtomicU64) -> Request {
    let id = format!("msg_{}", ids.fetch_add(1, Ordering::Relaxed));
    let body = format!(r#"{{"id":"{id}","pad":"{}"}}"#, "x".repeat(1000));
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let headers = signer.sign(body.as_bytes(), &SignOptions::new().id(&id).timestamp(now));
    let mut request = http::Request::post("/webhooks/standard");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.body(Full::new(Bytes::from(body))).unwrap()
}

/// One way to receive: a name and the service (layer and handler) to call.
struct Variant {
    name: &'static str,
    service: tower::util::BoxCloneSyncService<Request, Response, Infallible>,
}

fn variants(pool: &sqlx::PgPool, prefix: &str) -> Vec<Variant> {
    let verifier = || Verifier::new(Preset::StandardWebhooks.scheme(), SECRET).unwrap();
    let ok = || http::Response::new(Full::new(Bytes::new()));
    let empty = tower::service_fn(move |_: Request| async move { Ok::<_, Infallible>(ok()) });
    let layered = |store| {
        tower::util::BoxCloneSyncService::new(
            WebhookLayer::from(Receiver::with_store(verifier(), store)).layer(empty),
        )
    };
    let plain = PostgresStore::builder(pool.clone())
        .prefix(format!("{prefix}plain:"))
        .build()
        .unwrap();
    let exactly_once = PostgresStore::builder(pool.clone())
        .prefix(format!("{prefix}exactly-once:"))
        .exactly_once()
        .unwrap();
    // Handlers that write one row: through the pool (at least once), or in the
    // delivery's transaction (exactly once).
    let writing_pool = pool.clone();
    let pool_write = tower::service_fn(move |request: Request| {
        let pool = writing_pool.clone();
        async move {
            let id = request
                .extensions()
                .get::<VerifiedWebhook>()
                .unwrap()
                .delivery_id()
                .unwrap()
                .as_str()
                .to_owned();
            sqlx::query("INSERT INTO bench_effects (delivery) VALUES ($1)")
                .bind(id)
                .execute(&pool)
                .await
                .unwrap();
            Ok::<_, Infallible>(ok())
        }
    });
    let inbox_write = tower::service_fn(move |request: Request| async move {
        let verified = request.extensions().get::<VerifiedWebhook>().unwrap();
        let id = verified.delivery_id().unwrap().as_str().to_owned();
        let mut inbox = Inbox::from_delivery(verified).unwrap();
        sqlx::query("INSERT INTO bench_effects (delivery) VALUES ($1)")
            .bind(id)
            .execute(&mut *inbox)
            .await
            .unwrap();
        Ok::<_, Infallible>(ok())
    });
    vec![
        Variant {
            name: "dedupe in memory, empty handler",
            service: layered(webhook_gate::store::DynStore::new(MemoryStore::new())),
        },
        Variant {
            name: "PostgresStore, empty handler",
            service: layered(webhook_gate::store::DynStore::new(plain.clone())),
        },
        Variant {
            name: "ExactlyOnce, empty handler",
            service: layered(webhook_gate::store::DynStore::new(exactly_once.clone())),
        },
        Variant {
            name: "PostgresStore, handler writes a row (pool)",
            service: tower::util::BoxCloneSyncService::new(
                WebhookLayer::from(Receiver::with_store(verifier(), plain)).layer(pool_write),
            ),
        },
        Variant {
            name: "ExactlyOnce, handler writes a row (Inbox)",
            service: tower::util::BoxCloneSyncService::new(
                WebhookLayer::from(Receiver::with_store(verifier(), exactly_once))
                    .layer(inbox_write),
            ),
        },
    ]
}

/// Requests per second through `service` for one round, with `tasks` concurrent.
async fn requests_per_second(
    service: &tower::util::BoxCloneSyncService<Request, Response, Infallible>,
    tasks: usize,
    signer: &Arc<Signer>,
    ids: &Arc<AtomicU64>,
) -> f64 {
    let deadline = Instant::now() + ROUND;
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (mut service, signer, ids) = (service.clone(), Arc::clone(signer), Arc::clone(ids));
            tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let response = service
                        .ready()
                        .await
                        .unwrap()
                        .call(delivery(&signer, &ids))
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let Some(server) = support::PostgresServer::start("store bench") else {
        return;
    };
    runtime.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(40)
            .connect(server.url())
            .await
            .unwrap();
        webhook_gate_postgres::migrate(&pool).await.unwrap();
        sqlx::query("CREATE TABLE IF NOT EXISTS bench_effects (delivery text NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        let prefix = support::unique("bench");
        let ids = Arc::new(AtomicU64::new(0));
        println!(
            "claim + complete, {SECONDS} s each, client runtime on one thread, Postgres on loopback (fsync off when private)"
        );
        for tasks in [1, 32] {
            let plain = PostgresStore::builder(pool.clone())
                .prefix(format!("{prefix}store:"))
                .build()
                .unwrap();
            let exactly_once = PostgresStore::builder(pool.clone())
                .prefix(format!("{prefix}store-exactly-once:"))
                .exactly_once()
                .unwrap();
            let plain_rate = deliveries_per_second(plain, tasks, &ids).await;
            let exactly_rate = deliveries_per_second(exactly_once, tasks, &ids).await;
            let memory_rate = deliveries_per_second(MemoryStore::new(), tasks, &ids).await;
            println!(
                "{tasks:>2} tasks: PostgresStore {plain_rate:>9.0}/s ({:.1} µs each) | ExactlyOnce {exactly_rate:>9.0}/s ({:.1} µs each) | in memory {memory_rate:>10.0}/s",
                1e6 / plain_rate,
                1e6 / exactly_rate,
            );
        }

        println!(
            "\nthrough the tower layer, 1 KiB Standard Webhooks deliveries, fresh ids, {ROUNDS} interleaved rounds of {ROUND:?}; medians"
        );
        let signer = Arc::new(Signer::new(Preset::StandardWebhooks.scheme(), SECRET).unwrap());
        let variants = variants(&pool, &prefix);
        for tasks in [1, 32] {
            let mut rates: Vec<Vec<f64>> = variants.iter().map(|_| Vec::new()).collect();
            for _ in 0..ROUNDS {
                for (variant, rates) in variants.iter().zip(rates.iter_mut()) {
                    rates.push(requests_per_second(&variant.service, tasks, &signer, &ids).await);
                }
            }
            for (variant, rates) in variants.iter().zip(rates.iter_mut()) {
                let rate = median(rates);
                println!(
                    "{tasks:>2} tasks: {:<45} {rate:>9.0} requests/s  {:>8.1} µs/request",
                    variant.name,
                    1e6 / rate
                );
            }
        }
    });
}
