//! The layer's own cost per request, in process (no sockets): the same handler
//! service called directly and through `WebhookService`, with a 1 KiB body; the
//! in-memory dedupe held directly and behind a `DynStore`.
//!
//! Run: `cargo bench -p webhook-gate-tower --bench overhead`

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, Response};
use http_body_util::{BodyExt as _, Full};
use tower::{Service, ServiceExt as _, service_fn};
use webhook_gate::receive::Receiver;
use webhook_gate::sign::SignOptions;
use webhook_gate::store::DynStore;
use webhook_gate::{MemoryStore, Scheme, Signer, Verifier};
use webhook_gate_tower::WebhookLayer;

const SECRET: &str = "overhead-bench-secret";

async fn handler(request: Request<Full<Bytes>>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = request
        .into_body()
        .collect()
        .await
        .unwrap_or_default()
        .to_bytes();
    Ok(Response::new(Full::new(Bytes::from_static(
        if body.is_empty() { b"empty" } else { b"" },
    ))))
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = Bytes::from(vec![b'x'; 1024]);
    let signature = Signer::new(Scheme::github(), SECRET)
        .unwrap()
        .sign(&body, &SignOptions::new())
        .get("X-Hub-Signature-256")
        .unwrap()
        .to_owned();
    let ids = AtomicU64::new(0);
    let request = |body: &Bytes| {
        Request::post("/hook")
            .header("content-type", "application/json")
            .header("content-length", body.len())
            .header("x-hub-signature-256", signature.as_str())
            .header(
                "x-github-delivery",
                format!("bench-{}", ids.fetch_add(1, Ordering::Relaxed)),
            )
            .body(Full::new(body.clone()))
            .unwrap()
    };
    let verifier = Verifier::new(Scheme::github(), SECRET).unwrap();
    let mut group = c.benchmark_group("overhead/1KiB");
    group.bench_function("handler_alone", |b| {
        let mut service = service_fn(handler);
        b.iter(|| {
            runtime.block_on(async {
                black_box(service.ready().await.unwrap().call(request(&body)).await)
            })
        });
    });
    group.bench_function("layer_without_dedupe", |b| {
        let mut service = tower::Layer::layer(
            &WebhookLayer::from(Receiver::new(verifier.clone()).without_dedupe()),
            service_fn(handler),
        );
        b.iter(|| {
            runtime.block_on(async {
                black_box(service.ready().await.unwrap().call(request(&body)).await)
            })
        });
    });
    group.bench_function("layer_with_memory_dedupe", |b| {
        let mut service =
            tower::Layer::layer(&WebhookLayer::new(verifier.clone()), service_fn(handler));
        b.iter(|| {
            runtime.block_on(async {
                black_box(service.ready().await.unwrap().call(request(&body)).await)
            })
        });
    });
    group.bench_function("layer_with_memory_dedupe_behind_dyn_store", |b| {
        let receiver = Receiver::new(verifier.clone()).store(DynStore::new(MemoryStore::new()));
        let mut service = tower::Layer::layer(&WebhookLayer::from(receiver), service_fn(handler));
        b.iter(|| {
            runtime.block_on(async {
                black_box(service.ready().await.unwrap().call(request(&body)).await)
            })
        });
    });
    group.bench_function("verify_alone", |b| {
        let headers = request(&body);
        b.iter(|| black_box(verifier.verify(headers.headers(), &body).is_ok()));
    });
    group.finish();
}

criterion_group!(overhead, benches);
criterion_main!(overhead);
