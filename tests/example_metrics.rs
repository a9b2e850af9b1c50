//! `examples/axum_receiver.rs` serves `GET /metrics` in the Prometheus text format:
//! a processed delivery, its duplicate and a forged one show up in it.

#[path = "../examples/axum_receiver.rs"]
#[allow(dead_code, reason = "the example's main is not called")]
mod axum_receiver;
mod support;

use support::{Request, now, send};
use webhook_gate::sign::SignOptions;
use webhook_gate::{Preset, Signer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_serves_prometheus_metrics() {
    let app =
        axum_receiver::app(axum_receiver::DEVELOPMENT_SECRET, None, false, None, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(axum_receiver::serve(listener, app));

    let body = br#"{"zen":"Metrics count."}"#.to_vec();
    let headers = Signer::new(Preset::GitHub.scheme(), axum_receiver::DEVELOPMENT_SECRET)
        .unwrap()
        .sign(
            &body,
            &SignOptions::new().timestamp(now()).id("metrics-example-1"),
        );
    let valid = Request::signed(headers, body);
    assert_eq!(send(address, "/webhooks/github", &valid).await.status, 200);
    assert_eq!(send(address, "/webhooks/github", &valid).await.status, 200);
    let mut forged = valid.clone();
    forged.body = br#"{"zen":"Metrics lie."}"#.to_vec();
    assert_eq!(send(address, "/webhooks/github", &forged).await.status, 401);

    let answer = send(address, "/metrics", &Request::plain("GET", "", Vec::new())).await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let line = |outcome: &str, reason: &str| {
        answer
            .body
            .lines()
            .find(|line| {
                line.starts_with("webhook_gate_requests_total{")
                    && line.contains("scheme=\"github\"")
                    && line.contains(&format!("outcome=\"{outcome}\""))
                    && line.contains(&format!("reason=\"{reason}\""))
            })
            .map(|line| line.rsplit(' ').next().unwrap().to_owned())
    };
    assert_eq!(
        line("processed", ""),
        Some("1".to_owned()),
        "{}",
        answer.body
    );
    assert_eq!(line("duplicate", ""), Some("1".to_owned()));
    assert_eq!(line("rejected", "bad_signature"), Some("1".to_owned()));
    assert!(
        answer.body.contains("webhook_gate_handler_seconds"),
        "{}",
        answer.body
    );
}
