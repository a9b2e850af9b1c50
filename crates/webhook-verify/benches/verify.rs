//! `verify` per scheme at 1 KiB, 64 KiB and 1 MiB, next to a raw HMAC-SHA256 of the
//! same bytes and the `standardwebhooks` crate verifying the same request.
//!
//! Run: `cargo bench -p webhook-verify --bench verify`

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_verify::{PRESET_NAMES, Scheme, SignOptions, Signer, Verifier};

const SIZES: [(usize, &str); 3] = [(1024, "1KiB"), (64 * 1024, "64KiB"), (1024 * 1024, "1MiB")];
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn body(size: usize) -> Vec<u8> {
    let mut body = br#"{"id":"evt_bench","type":"bench","data":""#.to_vec();
    while body.len() < size - 3 {
        body.push(b'a' + u8::try_from(body.len() % 26).unwrap());
    }
    body.extend_from_slice(br#""}"#);
    body.resize(size, b' ');
    body
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

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

        let key = b"raw-hmac-key-of-typical-length!!";
        group.bench_function("raw_hmac_sha256", |b| {
            b.iter(|| {
                let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
                mac.update(black_box(&body));
                black_box(mac.finalize().into_bytes())
            });
        });

        for name in PRESET_NAMES {
            let scheme = Scheme::preset(name).unwrap();
            let signer = Signer::new(scheme.clone(), SECRET).unwrap();
            let headers = signer.sign(&body, &SignOptions::new().timestamp(now()).id("msg_bench"));
            let verifier = Verifier::new(scheme, SECRET).unwrap();
            assert!(verifier.verify(&headers, &body).is_ok());
            group.bench_with_input(
                BenchmarkId::new("webhook_verify", name),
                &body,
                |b, body| {
                    b.iter(|| {
                        black_box(
                            verifier
                                .verify(black_box(&headers), black_box(body))
                                .is_ok(),
                        )
                    });
                },
            );
        }

        // The same Standard Webhooks request, through an http::HeaderMap for both.
        let signer = Signer::new(Scheme::standard_webhooks(), SECRET).unwrap();
        let request_headers =
            signer.sign(&body, &SignOptions::new().timestamp(now()).id("msg_bench"));
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
        group.bench_function("standard_http_headermap/webhook_verify", |b| {
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
