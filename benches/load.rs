//! Load benchmark: the same trivial axum handler (it reads the whole body) served on
//! loopback with and without `WebhookLayer`, driven by the same HTTP client in the
//! same run, at 1 KiB and 64 KiB bodies.
//!
//! The server runs on one core (a current-thread runtime on its own thread), the
//! client on the other. Each configuration is measured in several interleaved rounds
//! and the median is reported, with the ratio to the baseline, the HMAC-bound limit
//! (`baseline time / (baseline time + HMAC time)`) and the cost per request beyond
//! the HMAC itself.
//!
//! Run: `cargo bench --bench load` (`LOAD_SECONDS` and `LOAD_ROUNDS` adjust it).

// The bench harness is a plain binary.
#![allow(missing_docs)]
// Request counts are far below 2^52: converting them to f64 is exact.
#![allow(clippy::cast_precision_loss)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use axum::serve::ListenerExt as _;
use std::io::Write as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use webhook_verify::{Scheme, SignOptions, Signer, Verifier};
use webhook_verify_tower::WebhookLayer;

const SECRET: &str = "load-bench-secret";
const CONNECTIONS: usize = 8;
const PIPELINE: usize = 8;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Variant {
    Baseline,
    Layer,
    LayerWithoutDedupe,
}

impl Variant {
    fn label(self) -> &'static str {
        match self {
            Self::Baseline => "axum, no middleware",
            Self::Layer => "WebhookLayer (dedupe in memory)",
            Self::LayerWithoutDedupe => "WebhookLayer without dedupe",
        }
    }
}

async fn handler(body: Bytes) -> StatusCode {
    if body.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

fn router(variant: Variant) -> Router {
    let route = Router::new().route("/hook", post(handler));
    let verifier = Verifier::new(Scheme::github(), SECRET).unwrap();
    match variant {
        Variant::Baseline => route,
        Variant::Layer => route.route_layer(WebhookLayer::new(verifier)),
        Variant::LayerWithoutDedupe => {
            route.route_layer(WebhookLayer::new(verifier).without_dedupe())
        }
    }
}

/// Starts the server on its own thread with a single-threaded runtime: one core.
fn start_server(variant: Variant) -> SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(listener, router(variant)).await.unwrap();
        });
    });
    receiver.recv().unwrap()
}

/// Sends requests on `CONNECTIONS` keep-alive connections, `PIPELINE` at a time on
/// each (HTTP/1.1 pipelining), for `duration`; returns requests/s. The client only
/// writes prepared bytes and counts response heads, so it costs far less per request
/// than the server it measures.
fn drive(
    address: SocketAddr,
    body: &Bytes,
    signature: &str,
    duration: Duration,
    ids: &Arc<AtomicU64>,
) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let deadline = Instant::now() + duration;
        let mut tasks = Vec::new();
        for _ in 0..CONNECTIONS {
            let (body, signature, ids) = (body.clone(), signature.to_owned(), Arc::clone(ids));
            tasks.push(tokio::spawn(async move {
                let mut stream = TcpStream::connect(address).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let mut batch = Vec::with_capacity(PIPELINE * (body.len() + 256));
                let mut buffer = vec![0u8; 64 * 1024];
                let mut done = 0u64;
                while Instant::now() < deadline {
                    batch.clear();
                    for _ in 0..PIPELINE {
                        let id = ids.fetch_add(1, Ordering::Relaxed);
                        write!(
                            batch,
                            "POST /hook HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n\
                             x-hub-signature-256: {signature}\r\nx-github-delivery: bench-{id}\r\n\
                             content-length: {}\r\n\r\n",
                            body.len()
                        )
                        .unwrap();
                        batch.extend_from_slice(&body);
                    }
                    stream.write_all(&batch).await.unwrap();
                    // Every answer is `200` with an empty body: count the heads.
                    let mut answered = 0;
                    let mut carry = 0usize;
                    while answered < PIPELINE {
                        let read = stream.read(&mut buffer[carry..]).await.unwrap();
                        assert!(read > 0, "server closed the connection");
                        let filled = carry + read;
                        let text = &buffer[..filled];
                        let mut start = 0;
                        while let Some(end) = find(&text[start..], b"\r\n\r\n") {
                            let head = &text[start..start + end];
                            assert!(head.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(head));
                            answered += 1;
                            start += end + 4;
                        }
                        buffer.copy_within(start..filled, 0);
                        carry = filled - start;
                    }
                    done += PIPELINE as u64;
                }
                done
            }));
        }
        let started = Instant::now();
        let mut total = 0;
        for task in tasks {
            total += task.await.unwrap();
        }
        total as f64 / started.elapsed().as_secs_f64()
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn hmac_seconds(body: &[u8]) -> f64 {
    use hmac::{Hmac, Mac};
    let iterations = if body.len() > 10_000 { 2_000 } else { 100_000 };
    let started = Instant::now();
    for _ in 0..iterations {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(std::hint::black_box(body));
        std::hint::black_box(mac.finalize());
    }
    started.elapsed().as_secs_f64() / f64::from(iterations)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let seconds: u64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let rounds: usize = std::env::var("LOAD_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let variants = [
        Variant::Baseline,
        Variant::Layer,
        Variant::LayerWithoutDedupe,
    ];
    let only_layer = std::env::var("LOAD_ONLY_LAYER").is_ok(); // for profiling the layer alone
    let variants: Vec<Variant> = variants
        .into_iter()
        .filter(|variant| !only_layer || *variant == Variant::Layer)
        .collect();
    let servers: Vec<(Variant, SocketAddr)> =
        variants.iter().map(|&v| (v, start_server(v))).collect();
    let ids = Arc::new(AtomicU64::new(0));

    println!(
        "load: {CONNECTIONS} connections x {PIPELINE} pipelined requests, server on one core, \
         {rounds} rounds of {seconds} s, median"
    );
    for size in [1024usize, 64 * 1024] {
        let body = Bytes::from(vec![b'x'; size]);
        let signer = Signer::new(Scheme::github(), SECRET).unwrap();
        let signature = signer
            .sign(&body, &SignOptions::new())
            .get("X-Hub-Signature-256")
            .unwrap()
            .to_owned();
        // Warm up every server.
        for (_, address) in &servers {
            drive(
                *address,
                &body,
                &signature,
                Duration::from_millis(500),
                &ids,
            );
        }
        let mut results: Vec<Vec<f64>> = vec![Vec::new(); servers.len()];
        for _ in 0..rounds {
            for (index, (_, address)) in servers.iter().enumerate() {
                results[index].push(drive(
                    *address,
                    &body,
                    &signature,
                    Duration::from_secs(seconds),
                    &ids,
                ));
            }
        }
        let hmac = hmac_seconds(&body);
        let medians: Vec<f64> = results.iter_mut().map(|r| median(r)).collect();
        let baseline = medians[0];
        let per_request_baseline = 1.0 / baseline;
        let limit = per_request_baseline / (per_request_baseline + hmac);
        println!();
        println!(
            "body {} KiB: HMAC-SHA256 {:.2} us, HMAC-bound limit {:.3}x",
            size / 1024,
            hmac * 1e6,
            limit
        );
        for ((variant, _), rps) in servers.iter().zip(&medians) {
            let ratio = rps / baseline;
            let extra = 1.0 / rps - per_request_baseline;
            if *variant == Variant::Baseline {
                println!(
                    "  {:<34} {:>9.0} req/s  1.000x  ({:.2} us/request)",
                    variant.label(),
                    rps,
                    1e6 / rps
                );
            } else {
                println!(
                    "  {:<34} {:>9.0} req/s  {:.3}x  (+{:.2} us/request, {:+.2} us beyond the HMAC; {:.3} of the limit)",
                    variant.label(),
                    rps,
                    ratio,
                    extra * 1e6,
                    (extra - hmac) * 1e6,
                    ratio / limit
                );
            }
        }
    }
}
