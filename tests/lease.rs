//! A handler slower than the store's lease keeps its claim: the receiver renews it
//! while the handler runs, so the provider's retry meanwhile is answered 409 (in
//! flight), and once the first copy succeeds the retry is a duplicate. The handler
//! runs once. Both adapters, in memory and in a real Redis, with a 1 s lease and a
//! 3 s handler.

#[path = "../crates/webhook-gate-redis/tests/support/mod.rs"]
mod redis_server;
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use redis_server::RedisServer;
use support::{LINGERING, Request, Runs, send, start_actix, start_axum};
use webhook_gate::MemoryStore;
use webhook_gate::store::{ClaimToken, DeliveryStore};
use webhook_gate_redis::RedisStore;

const LEASE: Duration = Duration::from_secs(1);

fn delivery(id: &str) -> Request {
    support::github_delivery(id, "lease.test")
}

/// Sends a lingering delivery to `address`, its retry twice the lease later (while
/// the handler still runs), and the retry again once the first copy is answered.
async fn slow_handler_runs_once(label: &str, address: SocketAddr, runs: &Runs) -> Vec<String> {
    assert!(LINGERING > LEASE * 2);
    let id = format!("{label}-lingering");
    let request = delivery(&id);
    let first = {
        let request = request.clone();
        tokio::spawn(async move { send(address, "/webhooks/github", &request).await })
    };
    tokio::time::sleep(LEASE * 2).await;
    let during = send(address, "/webhooks/github", &request).await;
    let first = first.await.unwrap();
    let after = send(address, "/webhooks/github", &request).await;
    let mut failures = Vec::new();
    if first.status != 200 {
        failures.push(format!("{label}: the first copy answered {}", first.status));
    }
    if during.status != 409 || during.header("retry-after").is_none() {
        failures.push(format!(
            "{label}: the retry while the handler ran answered {} (expected 409 with Retry-After)",
            during.status
        ));
    }
    if after.status != 200 || after.header("webhook-duplicate") != Some("true") {
        failures.push(format!(
            "{label}: the retry after the first copy answered {} (expected a duplicate)",
            after.status
        ));
    }
    if runs.of(&id) != 1 {
        failures.push(format!("{label}: the handler ran {} times", runs.of(&id)));
    }
    failures
}

async fn both_adapters<St: DeliveryStore + Clone>(
    store: &str,
    store_for: impl Fn(&str) -> St + Clone + Send + 'static,
) -> Vec<String> {
    let runs = Runs::default();
    let axum = start_axum(runs.clone(), store_for.clone()).await;
    let actix = start_actix(runs.clone(), store_for);
    let (axum_label, actix_label) = (format!("axum-{store}"), format!("actix-{store}"));
    let (axum, actix) = tokio::join!(
        slow_handler_runs_once(&axum_label, axum, &runs),
        slow_handler_runs_once(&actix_label, actix, &runs),
    );
    [axum, actix].concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_slower_than_the_lease_runs_once_in_memory() {
    let failures = Box::pin(both_adapters("memory", |_| {
        MemoryStore::builder().lease(LEASE).build()
    }))
    .await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_slower_than_the_lease_runs_once_in_redis() {
    let Some(server) = RedisServer::start("a_handler_slower_than_the_lease_runs_once_in_redis")
    else {
        return;
    };
    let url = server.url().to_owned();
    let namespace = ClaimToken::random().to_string();
    let failures = Box::pin(both_adapters("redis", move |preset: &str| {
        RedisStore::builder(url.as_str())
            .prefix(format!("test:{namespace}:{preset}:"))
            .lease(LEASE)
            .build()
            .unwrap()
    }))
    .await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
