//! `verify` per scheme against the raw primitive of its algorithm (HMAC-SHA1,
//! -SHA256, -SHA512 of the same body; Ed25519 and ECDSA P-256 verification of the
//! same signed bytes) at 1 KiB, measured in
//! interleaved rounds: each round times a batch of every function in turn, so a
//! change in the machine's speed during the run moves all of them alike. Reports the
//! median batch of each and its ratio to the raw HMAC's median. The criterion
//! benchmark (`verify`) measures one function after the other, and the machine's
//! drift during a run moves its ratios by several hundredths.
//!
//! Run: `cargo bench -p webhook-gate --bench ratio` (`RATIO_ROUNDS`, default 300,
//! and `RATIO_KIB`, the body size in KiB, default 1, adjust it; `RATIO_ONLY=name`
//! keeps the baselines and the presets whose name holds `name`, `name$` those whose
//! name ends with it, `a,b$,c` those any of them keeps).

// A plain binary: its output is the report.
#![allow(missing_docs)]
// Nanosecond counts and batch sizes are far below 2^52: converting them to f64 is exact.
#![allow(clippy::cast_precision_loss)]

mod by_hand;
mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{RAW_KEY, SEED, body, signed_request};
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};
use webhook_gate::scheme::Algorithm;
use webhook_gate::verify::RequestHead;
use webhook_gate::{Preset, Scheme};

/// The baseline of each algorithm, by name.
fn baseline(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HmacSha1 => "raw_hmac_sha1",
        Algorithm::HmacSha512 => "raw_hmac_sha512",
        Algorithm::Ed25519 => "raw_ed25519_verify",
        Algorithm::EcdsaP256Sha256 => "raw_p256_verify",
        Algorithm::RsaPkcs1Sha256 => "raw_rsa_verify",
        _ => "raw_hmac_sha256",
    }
}

/// Bytes verified per batch: 2 048 calls at 1 KiB, 2 at 1 MiB.
const BATCH_BYTES: usize = 2 * 1024 * 1024;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[allow(
    clippy::too_many_lines,
    reason = "the baselines, then the rounds: read in order"
)]
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
    let raw_body = body.clone();
    functions.push((
        "raw_hmac_sha1".to_owned(),
        Box::new(move || {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(RAW_KEY).unwrap();
            mac.update(black_box(&raw_body));
            black_box(mac.finalize().into_bytes())[0] == 0
        }),
    ));
    let raw_body = body.clone();
    functions.push((
        "raw_hmac_sha512".to_owned(),
        Box::new(move || {
            let mut mac = Hmac::<Sha512>::new_from_slice(RAW_KEY).unwrap();
            mac.update(black_box(&raw_body));
            black_box(mac.finalize().into_bytes())[0] == 0
        }),
    ));
    // The public-key baselines verify the same bytes the presets sign: a timestamp
    // of ten digits, then the body.
    let message = [&b"1700000000"[..], &body].concat();
    let ed25519 = {
        use ed25519_dalek::Signer as _;
        let signing = ed25519_dalek::SigningKey::from_bytes(&SEED);
        (
            signing.verifying_key(),
            signing.sign(&message),
            message.clone(),
        )
    };
    functions.push((
        "raw_ed25519_verify".to_owned(),
        Box::new(move || {
            let (public, signature, message) = &ed25519;
            public
                .verify_strict(black_box(message), black_box(signature))
                .is_ok()
        }),
    ));
    let p256 = {
        use p256::ecdsa::signature::Signer as _;
        let signing = p256::ecdsa::SigningKey::from_slice(&SEED).unwrap();
        let signature: p256::ecdsa::Signature = signing.sign(&message);
        (*signing.verifying_key(), signature, message.clone())
    };
    functions.push((
        "raw_p256_verify".to_owned(),
        Box::new(move || {
            use p256::ecdsa::signature::Verifier as _;
            let (public, signature, message) = &p256;
            public
                .verify(black_box(message), black_box(signature))
                .is_ok()
        }),
    ));
    let rsa = {
        use rsa::pkcs8::DecodePrivateKey as _;
        use rsa::signature::Signer as _;
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(common::RSA_PRIVATE_KEY).unwrap();
        let public = private.to_public_key();
        let signing = rsa::pkcs1v15::SigningKey::<Sha256>::new(private);
        let signature = signing.sign(&message);
        (
            rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public),
            signature,
            message.clone(),
        )
    };
    functions.push((
        "raw_rsa_verify".to_owned(),
        Box::new(move || {
            use rsa::signature::Verifier as _;
            let (public, signature, message) = &rsa;
            public
                .verify(black_box(message), black_box(signature))
                .is_ok()
        }),
    ));
    let baselines = functions.len();
    // Per function after the baselines: its raw primitive, and where `by_hand` has
    // one, its verifier written by hand (the bound of a body's parse, or of the
    // headers' work).
    let mut against: Vec<(&str, Option<String>)> = Vec::new();
    for preset in Preset::ALL {
        let scheme = preset.scheme();
        let (headers, verifier, body) = signed_request(&scheme, &body);
        let by_hand = by_hand::verifier(*preset, &headers, &body);
        let bound = by_hand.as_ref().map(|_| format!("by_hand/{preset}"));
        against.push((baseline(scheme.algorithm()), bound.clone()));
        functions.push((
            format!("webhook_gate/{preset}"),
            Box::new(move || {
                verifier
                    .verify_request(
                        black_box(&RequestHead::new("POST", "/hook", &headers)),
                        black_box(&body),
                    )
                    .is_ok()
            }),
        ));
        if let (Some(by_hand), Some(bound)) = (by_hand, bound) {
            against.push((baseline(scheme.algorithm()), None));
            functions.push((bound, by_hand));
        }
    }

    // Standard Webhooks again, read from an `http::HeaderMap` as the tower adapter does.
    against.push(("raw_hmac_sha256", None));
    let (headers, verifier, _) = signed_request(&Scheme::standard_webhooks(), &body);
    let mut map = http::HeaderMap::new();
    for (name, value) in &headers {
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

    // `RATIO_ONLY=github` times the functions whose name holds it and their
    // baselines (to profile one).
    let mut baselines = baselines;
    if let Ok(only) = std::env::var("RATIO_ONLY") {
        let matches = |name: &str| {
            only.split(',').filter(|only| !only.is_empty()).any(|only| {
                match only.strip_suffix('$') {
                    Some(end) => name.ends_with(end),
                    None => name.contains(only),
                }
            })
        };
        let kept: Vec<bool> = functions
            .iter()
            .enumerate()
            .map(|(index, (name, _))| {
                if index < baselines {
                    functions[baselines..]
                        .iter()
                        .zip(&against)
                        .any(|((other, _), (base, _))| matches(other) && base == name)
                } else {
                    matches(name)
                }
            })
            .collect();
        let mut keep = kept[baselines..].iter();
        against.retain(|_| *keep.next().unwrap_or(&false));
        baselines = kept[..baselines].iter().filter(|&&kept| kept).count();
        let mut keep = kept.iter();
        functions.retain(|_| *keep.next().unwrap_or(&false));
    }
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
    let median_of = |name: &str| {
        functions
            .iter()
            .position(|(function, _)| function == name)
            .map_or(f64::NAN, |index| medians[index])
    };
    for ((name, _), median) in functions.iter().zip(&medians).take(baselines) {
        println!("  {name:32} {median:9.1} ns");
    }
    for (((name, _), median), (base, bound)) in
        functions.iter().zip(&medians).skip(baselines).zip(&against)
    {
        print!(
            "  {name:32} {median:9.1} ns  {:.3}x of {base}",
            median / median_of(base)
        );
        match bound {
            Some(bound) => println!(", {:.3}x of {bound}", median / median_of(bound)),
            None => println!(),
        }
    }
}
