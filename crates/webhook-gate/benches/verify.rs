//! `verify` per scheme at 1 KiB, 64 KiB and 1 MiB, next to a raw HMAC-SHA256 of the
//! same bytes and the `standardwebhooks` crate verifying the same request.
//!
//! Run: `cargo bench -p webhook-gate --bench verify`

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::{Clock as _, RequestHead, SystemClock};
use webhook_gate::{Preset, Scheme, Signer, Verifier};

mod common;

use common::{RAW_KEY, SECRET, body, signed_request};

const SIZES: [(usize, &str); 3] = [(1024, "1KiB"), (64 * 1024, "64KiB"), (1024 * 1024, "1MiB")];

fn benches(c: &mut Criterion) {
    for (size, label) in SIZES {
        let body = body(size);
        let mut group = c.benchmark_group(format!("verify/{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        if size >= 1024 * 1024 {
            group
                .sample_size(30)
                .measurement_time(Duration::from_secs(4));
        }

        group.bench_function("raw_hmac_sha256", |b| {
            b.iter(|| {
                let mut mac = Hmac::<Sha256>::new_from_slice(RAW_KEY).unwrap();
                mac.update(black_box(&body));
                black_box(mac.finalize().into_bytes())
            });
        });

        for name in Preset::ALL.iter().map(|preset| preset.name()) {
            let (headers, verifier, sent) =
                signed_request(&name.parse::<Preset>().unwrap().scheme(), &body);
            group.bench_with_input(BenchmarkId::new("webhook_gate", name), &sent, |b, body| {
                b.iter(|| {
                    black_box(
                        verifier
                            .verify_request(
                                black_box(&RequestHead::new("POST", "/hook", &headers)),
                                black_box(body),
                            )
                            .is_ok(),
                    )
                });
            });
        }

        // The same Standard Webhooks request, through an http::HeaderMap for both.
        let signer = Signer::new(Scheme::standard_webhooks(), SECRET).unwrap();
        let request_headers = signer.sign(
            &body,
            &SignOptions::new()
                .timestamp(SystemClock.now_unix())
                .id("msg_bench"),
        );
        let mut map = http::HeaderMap::new();
        for (name, value) in request_headers.iter() {
            map.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let ours = Verifier::new(Scheme::standard_webhooks(), SECRET).unwrap();
        let theirs = standardwebhooks::Webhook::new(SECRET).unwrap();
        assert!(ours.verify(&map, &body).is_ok());
        assert!(theirs.verify(&body, &map).is_ok());
        group.bench_function("standard_http_headermap/webhook_gate", |b| {
            b.iter(|| black_box(ours.verify(black_box(&map), black_box(&body)).is_ok()));
        });
        group.bench_function("standard_http_headermap/standardwebhooks_crate", |b| {
            b.iter(|| black_box(theirs.verify(black_box(&body), black_box(&map)).is_ok()));
        });
        group.finish();
    }
}

criterion_group!(verify, benches);
criterion_main!(verify);
