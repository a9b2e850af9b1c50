//! `verify` per scheme against a raw HMAC-SHA256 of the same 1 KiB body, measured in
//! interleaved rounds: each round times a batch of every function in turn, so a
//! change in the machine's speed during the run moves all of them alike. Reports the
//! median batch of each and its ratio to the raw HMAC's median. The criterion
//! benchmark (`verify`) measures one function after the other, and the machine's
//! drift during a run moves its ratios by several hundredths.
//!
//! Run: `cargo bench -p webhook-gate --bench ratio` (`RATIO_ROUNDS`, default 300,
//! and `RATIO_KIB`, the body size in KiB, default 1, adjust it).

// A plain binary: its output is the report.
#![allow(missing_docs)]
// Nanosecond counts and batch sizes are far below 2^52: converting them to f64 is exact.
#![allow(clippy::cast_precision_loss)]

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{RAW_KEY, body, signed_request};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_gate::{Preset, Scheme};

/// Bytes verified per batch: 2 048 calls at 1 KiB, 2 at 1 MiB.
const BATCH_BYTES: usize = 2 * 1024 * 1024;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rounds = env("RATIO_ROUNDS", 300).max(1);
    let size = env("RATIO_KIB", 1).max(1) * 1024;
    let body = body(size);
    let batch = u32::try_from((BATCH_BYTES / size).max(1)).unwrap_or(1);

    let mut functions: Vec<(String, Box<dyn Fn() -> bool>)> = Vec::new();
    let raw_body = body.clone();
    functions.push((
        "raw_hmac_sha256".to_owned(),
        Box::new(move || {
            let mut mac = Hmac::<Sha256>::new_from_slice(RAW_KEY).unwrap();
            mac.update(black_box(&raw_body));
            black_box(mac.finalize().into_bytes())[0] == 0
        }),
    ));
    for name in Preset::ALL.iter().map(|preset| preset.name()) {
        let (headers, verifier) = signed_request(&name.parse::<Preset>().unwrap().scheme(), &body);
        let body = body.clone();
        functions.push((
            format!("webhook_gate/{name}"),
            Box::new(move || {
                verifier
                    .verify(black_box(&headers), black_box(&body))
                    .is_ok()
            }),
        ));
    }

    // Standard Webhooks again, read from an `http::HeaderMap` as the tower adapter does.
    let (headers, verifier) = signed_request(&Scheme::standard_webhooks(), &body);
    let mut map = http::HeaderMap::new();
    for (name, value) in headers.iter() {
        map.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    let map_body = body.clone();
    functions.push((
        "standard_http_headermap".to_owned(),
        Box::new(move || {
            verifier
                .verify(black_box(&map), black_box(&map_body))
                .is_ok()
        }),
    ));

    let mut batches = vec![Vec::with_capacity(rounds); functions.len()];
    for _ in 0..rounds {
        for ((_, function), times) in functions.iter().zip(&mut batches) {
            let start = Instant::now();
            for _ in 0..batch {
                black_box(function());
            }
            times.push(start.elapsed().as_nanos() as f64 / f64::from(batch));
        }
    }
    let medians: Vec<f64> = batches
        .iter_mut()
        .map(|times| {
            times.sort_by(f64::total_cmp);
            times[times.len() / 2]
        })
        .collect();
    println!(
        "verify, {} KiB body, {rounds} interleaved rounds of {batch} calls each, median per call",
        size / 1024
    );
    for ((name, _), median) in functions.iter().zip(&medians) {
        println!("  {name:32} {median:9.1} ns  {:.3}x", median / medians[0]);
    }
}
