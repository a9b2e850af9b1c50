//! Dedupe across replicas: an axum receiver and an actix-web receiver share one real
//! Redis, as two replicas behind a load balancer would.

#[path = "../crates/webhook-gate-redis/tests/support/mod.rs"]
mod redis_server;
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use redis_server::RedisServer;
use support::{Answer, Request, Runs, send, start_actix, start_axum};
use webhook_gate::store::ClaimToken;
use webhook_gate_redis::RedisStore;

/// Both receivers, deduplicating through the Redis at `url`.
async fn replicas(url: &str, runs: &Runs) -> (SocketAddr, SocketAddr) {
    // One namespace per test run and preset, shared by both replicas.
    let namespace = ClaimToken::random().to_string();
    let store_for = {
        let (url, namespace) = (url.to_owned(), namespace.clone());
        move |preset: &str| {
            RedisStore::builder(url.as_str())
                .prefix(format!("test:{namespace}:{preset}:"))
                .connection_timeout(Duration::from_millis(300))
                .response_timeout(Duration::from_millis(300))
                .build()
                .unwrap()
        }
    };
    let axum = start_axum(runs.clone(), store_for.clone()).await;
    let actix = start_actix(runs.clone(), store_for);
    (axum, actix)
}

fn delivery(id: &str) -> Request {
    support::github_delivery(id, "replica.test")
}

async fn post(address: SocketAddr, request: &Request) -> Answer {
    send(address, "/webhooks/github", request).await
}

fn is_duplicate(answer: &Answer) -> bool {
    answer.status == 200 && answer.header("webhook-duplicate") == Some("true")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_delivery_sent_to_both_replicas_at_once_runs_once() {
    let Some(server) = RedisServer::start("one_delivery_sent_to_both_replicas_at_once_runs_once")
    else {
        return;
    };
    let runs = Runs::default();
    let (axum, actix) = replicas(server.url(), &runs).await;
    for round in 0..5 {
        let id = format!("slow-concurrent-{round}");
        let request = delivery(&id);
        let (first, second) = tokio::join!(post(axum, &request), post(actix, &request));
        let statuses = [first.status, second.status];
        assert_eq!(runs.of(&id), 1, "round {round}: {statuses:?}");
        let processed = [&first, &second]
            .iter()
            .filter(|answer| answer.status == 200 && !is_duplicate(answer))
            .count();
        assert_eq!(processed, 1, "round {round}: {statuses:?}");
        for answer in [&first, &second] {
            assert!(
                answer.status == 200
                    || (answer.status == 409 && answer.header("retry-after").is_some()),
                "round {round}: {statuses:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_deliveries_over_both_replicas_run_once_each() {
    let Some(server) =
        RedisServer::start("two_hundred_deliveries_over_both_replicas_run_once_each")
    else {
        return;
    };
    let runs = Runs::default();
    let (axum, actix) = replicas(server.url(), &runs).await;
    let ids: Vec<String> = (0..200).map(|n| format!("spread-{n}")).collect();
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let request = delivery(id);
            let target = if n % 2 == 0 { axum } else { actix };
            tokio::spawn(async move { post(target, &request).await.status })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    // The provider retries every delivery on the other replica: all duplicates.
    for (n, id) in ids.iter().enumerate() {
        let target = if n % 2 == 0 { actix } else { axum };
        let answer = post(target, &delivery(id)).await;
        assert!(is_duplicate(&answer), "{id}: {}", answer.status);
    }
    for id in &ids {
        assert_eq!(runs.of(id), 1, "{id}");
    }
}

/// Sends `request` as a provider would: again after each 503, up to 50 times.
async fn deliver_with_retries(address: SocketAddr, request: &Request) -> Answer {
    for _ in 0..50 {
        let answer = post(address, request).await;
        if answer.status != 503 {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("still 503 after 50 retries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_fails_closed_and_retries_are_processed_when_it_is_back() {
    let test = "redis_down_fails_closed_and_retries_are_processed_when_it_is_back";
    let Some(mut server) = RedisServer::start_private(test) else {
        return;
    };
    let runs = Runs::default();
    let (axum, actix) = replicas(server.url(), &runs).await;

    let before = delivery("before-outage");
    assert_eq!(post(axum, &before).await.status, 200);

    server.stop();
    let during = delivery("during-outage");
    for target in [axum, actix] {
        for request in [&during, &before] {
            let answer = post(target, request).await;
            assert_eq!(answer.status, 503, "{}", answer.body);
            assert_eq!(
                answer.header("content-type"),
                Some("application/problem+json")
            );
            assert_eq!(answer.header("retry-after"), Some("30"));
        }
    }
    assert_eq!(
        runs.of("during-outage"),
        0,
        "nothing runs while Redis is down"
    );

    server.restart();
    // The provider's retries, on either replica.
    let answer = deliver_with_retries(actix, &during).await;
    assert_eq!(answer.status, 200);
    assert!(!is_duplicate(&answer));
    assert!(is_duplicate(&deliver_with_retries(axum, &during).await));
    assert!(is_duplicate(&deliver_with_retries(actix, &before).await));
    assert_eq!(runs.of("during-outage"), 1, "processed once, not lost");
    assert_eq!(runs.of("before-outage"), 1, "not run twice");
}
