//! Dedupe across replicas on a real three-master Redis Cluster: an axum and an
//! actix-web receiver share it; one node is killed and restarted. While its slots
//! are down, the deliveries whose keys live there get 503 with `Retry-After` and do
//! not run; once it is back, their retries are processed; every delivery runs
//! exactly once, and a final replay of all of them is answered as duplicates.
//! GitHub deliveries: each is claimed under its id and its signature's fingerprint,
//! two keys in two slots.

#[path = "../crates/webhook-gate-redis/tests/support/mod.rs"]
mod redis_server;
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use redis_server::RedisCluster;
use support::{Request, Runs, send, start_actix, start_axum};
use webhook_gate::store::ClaimToken;
use webhook_gate_redis::RedisStore;

fn delivery(id: &str) -> Request {
    support::github_delivery(id, "cluster.test")
}

async fn post(address: SocketAddr, id: &str) -> (u16, bool, bool) {
    let answer = send(address, "/webhooks/github", &delivery(id)).await;
    (
        answer.status,
        answer.header("retry-after").is_some(),
        answer.header("webhook-duplicate") == Some("true"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_fails_its_deliveries_closed_until_it_is_back() {
    let Some(mut cluster) = RedisCluster::start("a_killed_node_fails_its_deliveries_closed") else {
        return;
    };
    assert!(
        cluster.is_private(),
        "this test stops a node: it needs a private cluster"
    );
    let runs = Runs::default();
    let namespace = ClaimToken::random().to_string();
    let store_for = {
        let (urls, namespace) = (cluster.urls().to_owned(), namespace.clone());
        move |preset: &str| {
            RedisStore::builder(urls.as_str())
                .prefix(format!("test:{namespace}:{preset}:"))
                .connection_timeout(Duration::from_millis(300))
                .response_timeout(Duration::from_millis(300))
                .build()
                .unwrap()
        }
    };
    let replicas = [
        start_axum(runs.clone(), store_for.clone()).await,
        start_actix(runs.clone(), store_for),
    ];
    let ids: Vec<String> = (0..40)
        .map(|n| format!("cluster-{namespace}-{n}"))
        .collect();
    let mut failures = Vec::new();

    // All nodes up: every delivery is processed.
    for (n, id) in ids[..20].iter().enumerate() {
        let (status, _, duplicate) = post(replicas[n % 2], id).await;
        if status != 200 || duplicate {
            failures.push(format!("{id} with every node up: {status}"));
        }
    }

    // One node down: its deliveries fail closed, the others are processed.
    cluster.stop(0);
    let mut refused = Vec::new();
    for (n, id) in ids[20..].iter().enumerate() {
        match post(replicas[n % 2], id).await {
            (200, _, false) => {}
            (503, true, _) => refused.push(id.clone()),
            other => failures.push(format!("{id} with a node down: {other:?}")),
        }
    }
    if refused.is_empty() {
        failures.push("no delivery touched the stopped node's slots".to_owned());
    }
    for id in &refused {
        if runs.of(id) != 0 {
            failures.push(format!("{id} ran while its slot was down"));
        }
    }

    // Back: the refused deliveries' retries are processed, on either replica.
    cluster.restart(0);
    for (n, id) in refused.iter().enumerate() {
        let mut answer = post(replicas[(n + 1) % 2], id).await;
        // The client may need a moment to reconnect to the restarted node.
        for _ in 0..20 {
            if answer.0 != 503 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            answer = post(replicas[(n + 1) % 2], id).await;
        }
        if answer != (200, false, false) {
            failures.push(format!("{id}'s retry once the node was back: {answer:?}"));
        }
    }

    // Every delivery ran once; a replay of all of them is a duplicate.
    for (n, id) in ids.iter().enumerate() {
        if runs.of(id) != 1 {
            failures.push(format!("{id} ran {} times", runs.of(id)));
        }
        let answer = post(replicas[n % 2], id).await;
        if answer != (200, false, true) {
            failures.push(format!("{id}'s replay: {answer:?}"));
        }
    }
    println!(
        "{} of 20 deliveries refused while node 0 was down, processed after",
        refused.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
