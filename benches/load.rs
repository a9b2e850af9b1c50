//! Load benchmark: the same trivial handler (it reads the whole body) served on
//! loopback by axum with and without `WebhookLayer`, and by actix-web with and
//! without `WebhookGate`, driven by the same HTTP client in the same run, at
//! 1 KiB and 64 KiB bodies. A fourth server per framework computes the HMAC in the
//! handler: the bound no verifier can beat, measured in the same conditions.
//!
//! The server runs on one core (a current-thread runtime on its own thread), the
//! client on the other. Each configuration is measured in several interleaved rounds
//! and the median is reported, with the ratio to the baseline, the HMAC-bound limit
//! (`baseline time / (baseline time + HMAC time)`) and the cost per request beyond
//! the HMAC itself.
//!
//! Two more configurations per framework price the dedupe: the middleware on the
//! hand-written in-memory store that moka replaced (`old_store`, kept in the core's
//! benches), and the middleware deduplicating on one key (the signature's
//! fingerprint) instead of GitHub's two (the unsigned `X-GitHub-Delivery` id and
//! the fingerprint).
//!
//! Run: `cargo bench --bench load` (`LOAD_SECONDS` and `LOAD_ROUNDS` adjust it;
//! `LOAD_METRICS=1` records into a Prometheus recorder; `--no-default-features`
//! builds the receivers without the `metrics` feature).

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
use webhook_gate::receive::Receiver;
use webhook_gate::sign::SignOptions;
use webhook_gate::{Scheme, Signer, Verifier};
use webhook_gate_tower::WebhookLayer;

const SECRET: &str = "load-bench-secret";
const CONNECTIONS: usize = 8;
const PIPELINE: usize = 8;
/// Requests in flight per connection: `PIPELINE` for small bodies, one for large ones
/// (actix-web closes a connection that pipelines several 64 KiB bodies).
/// `LOAD_PIPELINE` overrides it.
fn pipeline(body_len: usize) -> usize {
    let default = if body_len > 16 * 1024 { 1 } else { PIPELINE };
    std::env::var("LOAD_PIPELINE")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Variant {
    Baseline,
    /// The baseline handler that also computes an HMAC-SHA256 of the body: the
    /// bound no verifier can beat, measured in the same conditions.
    BaselinePlusHmac,
    Layer,
    LayerWithoutDedupe,
    /// Deduplicating on the hand-written store that moka replaced.
    LayerOldStore,
    /// Deduplicating on the signature's fingerprint alone: one key, not two.
    LayerOneKey,
}

#[path = "../crates/webhook-gate/benches/old_store/mod.rs"]
#[allow(dead_code, reason = "the store as it was, whole")]
mod old_store;

/// GitHub's scheme deduplicating on the signature's fingerprint alone.
fn one_key_verifier() -> Verifier {
    let scheme = webhook_gate::Preset::GitHub
        .builder()
        .delivery_id(webhook_gate::delivery::DeliveryIdSource::SignatureFingerprint)
        .build()
        .unwrap();
    Verifier::new(scheme, SECRET).unwrap()
}

impl Variant {
    fn key(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::BaselinePlusHmac => "hmac",
            Self::Layer => "layer",
            Self::LayerWithoutDedupe => "nodedupe",
            Self::LayerOldStore => "oldstore",
            Self::LayerOneKey => "onekey",
        }
    }

    fn label(self, framework: Framework) -> &'static str {
        match (framework, self) {
            (Framework::Axum, Self::Baseline) => "axum, no middleware",
            (Framework::Axum, Self::BaselinePlusHmac) => "axum + HMAC in the handler (bound)",
            (Framework::Axum, Self::Layer) => "WebhookLayer (dedupe in memory)",
            (Framework::Axum, Self::LayerWithoutDedupe) => "WebhookLayer without dedupe",
            (Framework::Actix, Self::Baseline) => "actix-web, no middleware",
            (Framework::Actix, Self::BaselinePlusHmac) => "actix-web + HMAC in the handler (bound)",
            (Framework::Actix, Self::Layer) => "WebhookGate (dedupe in memory)",
            (Framework::Actix, Self::LayerWithoutDedupe) => "WebhookGate without dedupe",
            (Framework::Axum, Self::LayerOldStore) => "WebhookLayer, the store moka replaced",
            (Framework::Actix, Self::LayerOldStore) => "WebhookGate, the store moka replaced",
            (Framework::Axum, Self::LayerOneKey) => "WebhookLayer, one dedupe key",
            (Framework::Actix, Self::LayerOneKey) => "WebhookGate, one dedupe key",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Framework {
    Axum,
    Actix,
}

fn body_hmac_is_zero(body: &[u8]) -> bool {
    use hmac::{Hmac, Mac};
    static KEY: std::sync::LazyLock<Hmac<sha2::Sha256>> =
        std::sync::LazyLock::new(|| Hmac::new_from_slice(SECRET.as_bytes()).unwrap());
    let mut mac = KEY.clone();
    mac.update(body);
    std::hint::black_box(mac.finalize().into_bytes())[0] == 0
}

async fn handler(body: Bytes) -> StatusCode {
    if body.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

async fn hmac_handler(body: Bytes) -> StatusCode {
    if body_hmac_is_zero(&body) && body.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

fn router(variant: Variant) -> Router {
    if variant == Variant::BaselinePlusHmac {
        return Router::new().route("/hook", post(hmac_handler));
    }
    let route = Router::new().route("/hook", post(handler));
    let verifier = Verifier::new(Scheme::github(), SECRET).unwrap();
    match variant {
        Variant::Baseline | Variant::BaselinePlusHmac => route,
        Variant::Layer => route.route_layer(WebhookLayer::new(verifier)),
        Variant::LayerWithoutDedupe => {
            route.route_layer(WebhookLayer::from(Receiver::new(verifier).without_dedupe()))
        }
        Variant::LayerOldStore => route.route_layer(WebhookLayer::from(
            Receiver::new(verifier).store(old_store::MemoryStore::new()),
        )),
        Variant::LayerOneKey => route.route_layer(WebhookLayer::new(one_key_verifier())),
    }
}

/// The same handlers on actix-web: one worker, one core.
fn start_actix(variant: Variant) -> SocketAddr {
    use actix_web::{App, HttpResponse, HttpServer, web};
    use webhook_gate_actix::WebhookGate;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let verifier = Verifier::new(Scheme::github(), SECRET).unwrap();
            let with_dedupe = WebhookGate::new(verifier.clone());
            let without_dedupe =
                WebhookGate::from(Receiver::new(verifier.clone()).without_dedupe());
            let old_store =
                WebhookGate::from(Receiver::new(verifier).store(old_store::MemoryStore::new()));
            let one_key = WebhookGate::new(one_key_verifier());
            let server = HttpServer::new(move || {
                let handler = |body: web::Bytes| async move {
                    if body.is_empty() {
                        HttpResponse::BadRequest().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                };
                let hmac = |body: web::Bytes| async move {
                    if body_hmac_is_zero(&body) && body.is_empty() {
                        HttpResponse::BadRequest().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                };
                // The payload limit of web::Bytes is raised to the middleware's 1 MiB.
                let app = App::new().app_data(web::PayloadConfig::new(1024 * 1024));
                let resource = web::resource("/hook");
                match variant {
                    Variant::Baseline => app.service(resource.route(web::post().to(handler))),
                    Variant::BaselinePlusHmac => app.service(resource.route(web::post().to(hmac))),
                    Variant::Layer => app.service(
                        resource
                            .wrap(with_dedupe.clone())
                            .route(web::post().to(handler)),
                    ),
                    Variant::LayerWithoutDedupe => app.service(
                        resource
                            .wrap(without_dedupe.clone())
                            .route(web::post().to(handler)),
                    ),
                    Variant::LayerOldStore => app.service(
                        resource
                            .wrap(old_store.clone())
                            .route(web::post().to(handler)),
                    ),
                    Variant::LayerOneKey => app.service(
                        resource
                            .wrap(one_key.clone())
                            .route(web::post().to(handler)),
                    ),
                }
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        });
    });
    receiver.recv().unwrap()
}

/// Starts the server on its own thread with a single-threaded runtime: one core.
fn start_server(framework: Framework, variant: Variant) -> SocketAddr {
    if framework == Framework::Actix {
        return start_actix(variant);
    }
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

/// Sends requests on `CONNECTIONS` keep-alive connections, several at a time on
/// each (HTTP/1.1 pipelining, see [`pipeline`]), for `duration`; returns requests/s. The client only
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
    let depth = pipeline(body.len());
    runtime.block_on(async {
        let deadline = Instant::now() + duration;
        let mut tasks = Vec::new();
        for _ in 0..CONNECTIONS {
            let (body, signature, ids) = (body.clone(), signature.to_owned(), Arc::clone(ids));
            tasks.push(tokio::spawn(async move {
                let mut stream = TcpStream::connect(address).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let mut batch = Vec::with_capacity(depth * (body.len() + 256));
                let mut buffer = vec![0u8; 64 * 1024];
                let mut done = 0u64;
                while Instant::now() < deadline {
                    batch.clear();
                    for _ in 0..depth {
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
                    while answered < depth {
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
                    done += depth as u64;
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
    // LOAD_METRICS=1 records into a Prometheus recorder (with the root package's
    // `metrics` feature, the default; without it the receivers record nothing).
    if std::env::var("LOAD_METRICS").is_ok_and(|value| value == "1") {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        metrics::set_global_recorder(recorder).expect("no other recorder");
        println!("recording into a Prometheus recorder");
    }
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
        Variant::BaselinePlusHmac,
        Variant::Layer,
        Variant::LayerWithoutDedupe,
        Variant::LayerOldStore,
        Variant::LayerOneKey,
    ];
    // LOAD_ONLY=baseline|hmac|layer|nodedupe|oldstore|onekey measures one variant
    // only (for profiling).
    let only = std::env::var("LOAD_ONLY").ok();
    let variants: Vec<Variant> = variants
        .into_iter()
        .filter(|variant| only.as_deref().is_none_or(|only| variant.key() == only))
        .collect();
    // LOAD_FRAMEWORK=axum|actix measures one framework only.
    let framework = std::env::var("LOAD_FRAMEWORK").ok();
    let frameworks: Vec<Framework> = [Framework::Axum, Framework::Actix]
        .into_iter()
        .filter(|f| {
            framework
                .as_deref()
                .is_none_or(|name| format!("{f:?}").eq_ignore_ascii_case(name))
        })
        .collect();
    let servers: Vec<(Framework, Variant, SocketAddr)> = frameworks
        .iter()
        .flat_map(|&f| variants.iter().map(move |&v| (f, v, start_server(f, v))))
        .collect();
    let ids = Arc::new(AtomicU64::new(0));

    println!(
        "load: {CONNECTIONS} connections x {} pipelined requests (1 KiB) or 1 (64 KiB), \
         server on one core, {rounds} rounds of {seconds} s, median",
        pipeline(1024)
    );
    // LOAD_KIB=64 measures one size only (for profiling).
    let sizes: Vec<usize> = match std::env::var("LOAD_KIB")
        .ok()
        .and_then(|kib| kib.parse::<usize>().ok())
    {
        Some(kib) => vec![kib * 1024],
        None => vec![1024, 64 * 1024],
    };
    for size in sizes {
        let body = Bytes::from(vec![b'x'; size]);
        let signer = Signer::new(Scheme::github(), SECRET).unwrap();
        let signature = signer
            .sign(&body, &SignOptions::new())
            .get("X-Hub-Signature-256")
            .unwrap()
            .to_owned();
        // Warm up every server.
        for (_, _, address) in &servers {
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
            for (index, (_, _, address)) in servers.iter().enumerate() {
                results[index].push(drive(
                    *address,
                    &body,
                    &signature,
                    Duration::from_secs(seconds),
                    &ids,
                ));
            }
        }
        let medians: Vec<f64> = results.iter_mut().map(|r| median(r)).collect();
        let hmac = hmac_seconds(&body);
        for framework in &frameworks {
            let measured: Vec<(Variant, f64)> = servers
                .iter()
                .zip(&medians)
                .filter(|((f, _, _), _)| f == framework)
                .map(|((_, variant, _), rps)| (*variant, *rps))
                .collect();
            report(size, *framework, &measured, hmac);
        }
    }
}

/// Prints one framework's results at one body size: rates, ratios, and the costs
/// beyond the HMAC.
fn report(size: usize, framework: Framework, measured: &[(Variant, f64)], hmac: f64) {
    let rate = |wanted: Variant| {
        measured
            .iter()
            .find(|(variant, _)| *variant == wanted)
            .map_or(f64::NAN, |(_, rps)| *rps)
    };
    let baseline = rate(Variant::Baseline);
    let bound = rate(Variant::BaselinePlusHmac);
    let predicted_limit = (1.0 / baseline) / (1.0 / baseline + hmac);
    println!();
    println!(
        "{framework:?}, body {} KiB: HMAC-SHA256 alone {:.2} us (hot loop); limit predicted from it \
         {predicted_limit:.3}x, measured (HMAC in the handler) {:.3}x",
        size / 1024,
        hmac * 1e6,
        bound / baseline
    );
    for (variant, rps) in measured {
        let ratio = rps / baseline;
        let micros = 1e6 / rps;
        let over_baseline = micros - 1e6 / baseline;
        let over_bound = micros - 1e6 / bound;
        let label = variant.label(framework);
        match variant {
            Variant::Baseline => {
                println!("  {label:<40} {rps:>8.0} req/s  1.000x  {micros:>6.2} us/request");
            }
            Variant::BaselinePlusHmac => println!(
                "  {label:<40} {rps:>8.0} req/s  {ratio:.3}x  {micros:>6.2} us/request \
                 (+{over_baseline:.2} us: the in-situ HMAC)"
            ),
            Variant::Layer
            | Variant::LayerWithoutDedupe
            | Variant::LayerOldStore
            | Variant::LayerOneKey => println!(
                "  {label:<40} {rps:>8.0} req/s  {ratio:.3}x  {micros:>6.2} us/request (+{over_baseline:.2} us; \
                 {over_bound:+.2} us beyond the in-situ HMAC, {:+.2} us beyond the hot-loop HMAC; \
                 {:.3} of the measured bound)",
                over_baseline - hmac * 1e6,
                rps / bound
            ),
        }
    }
}
