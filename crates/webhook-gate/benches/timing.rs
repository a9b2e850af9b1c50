//! Rejecting a wrong signature takes the same time wherever it differs from the right
//! one: in its first byte, in its last byte only, or everywhere. The comparison is
//! constant-time (`subtle`), so the three figures agree within noise.
//!
//! Run: `cargo bench -p webhook-gate --bench timing`

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::FixedClock;
use webhook_gate::{Scheme, Signer, Verifier};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_700_000_000;

/// `hex` with the digit at `index` changed.
fn flip(hex: &str, index: usize) -> String {
    let mut digits = hex.as_bytes().to_vec();
    digits[index] = if digits[index] == b'0' { b'1' } else { b'0' };
    String::from_utf8(digits).unwrap()
}

fn benches(c: &mut Criterion) {
    // An empty body makes the comparison the largest share of the time; 1 KiB is a
    // typical delivery.
    for (size, label) in [(0, "empty"), (1024, "1KiB")] {
        reject(c, &vec![b'x'; size], label);
    }
}

fn reject(c: &mut Criterion, body: &[u8], label: &str) {
    let scheme = Scheme::github();
    let signed = Signer::new(scheme.clone(), SECRET)
        .unwrap()
        .sign(body, &SignOptions::new().timestamp(NOW).id("1"));
    let right = signed
        .get("X-Hub-Signature-256")
        .unwrap()
        .strip_prefix("sha256=")
        .unwrap()
        .to_owned();
    let verifier = Verifier::builder(scheme)
        .secret(SECRET)
        .clock(FixedClock(NOW))
        .build()
        .unwrap();
    let everywhere: String = right
        .bytes()
        .map(|digit| if digit == b'0' { '1' } else { '0' })
        .collect();
    let cases = [
        ("differs_in_first_byte", flip(&right, 0)),
        ("differs_in_last_byte_only", flip(&right, right.len() - 1)),
        ("differs_everywhere", everywhere),
    ];
    let mut group = c.benchmark_group(format!("reject/{label}"));
    for (name, signature) in cases {
        let headers = [("X-Hub-Signature-256", format!("sha256={signature}"))];
        assert!(verifier.verify(&headers[..], body).is_err());
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(verifier.verify(black_box(&headers[..]), black_box(body))).is_err()
            });
        });
    }
    group.finish();
}

criterion_group!(timing, benches);
criterion_main!(timing);
