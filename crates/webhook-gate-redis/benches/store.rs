//! Claim + complete per second on a loopback Redis, with one task at a time and with
//! 32 concurrent tasks (their commands pipelined on one multiplexed connection), next
//! to the in-memory store in the same run.
//!
//! Starts a private `redis-server` (or uses `REDIS_URL`).
//! Run: `cargo bench -p webhook-gate-redis --bench store`

// The bench harness is a plain binary.
#![allow(missing_docs)]
// Counts far below 2^52: converting them to f64 is exact.
#![allow(clippy::cast_precision_loss)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use webhook_gate::store::{Claim, ClaimToken, DeliveryKey};
use webhook_gate::{DeliveryId, DeliveryStore, MemoryStore};
use webhook_gate_redis::RedisStore;

const SECONDS: f64 = 3.0;

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

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let Some(server) = support::RedisServer::start("store bench") else {
        return;
    };
    runtime.block_on(async {
        let ids = Arc::new(AtomicU64::new(0));
        let redis = RedisStore::builder(server.url())
            .prefix(format!("bench:{}:", ClaimToken::random()))
            .build()
            .unwrap();
        let memory = MemoryStore::new();
        println!("claim + complete, {SECONDS} s each, client runtime on one thread, redis-server on loopback");
        for tasks in [1, 32] {
            let redis_rate = deliveries_per_second(redis.clone(), tasks, &ids).await;
            let memory_rate = deliveries_per_second(memory.clone(), tasks, &ids).await;
            println!(
                "  {tasks:>2} task(s): Redis {redis_rate:>9.0} deliveries/s ({:.1} us each)   in memory {memory_rate:>10.0} deliveries/s ({:.2} us each)",
                1e6 / redis_rate,
                1e6 / memory_rate
            );
        }
    });
}
