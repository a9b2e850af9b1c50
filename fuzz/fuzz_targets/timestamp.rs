//! Timestamp parsing, from a header (DcisionAI, Slack, Standard Webhooks,
//! Sentimatrix) and from the `t=` entry of a signature header (Stripe, DataFlow).
//! Invariant: no panic, and a timestamp that passes is inside the window.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_gate::{Scheme, Verifier};
use webhook_gate::verify::FixedClock;

const NOW: i64 = 1_700_000_000;
const HEX: &str = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

fuzz_target!(|input: (bool, &[u8])| {
    let (in_signature, text) = input;
    let (scheme, headers): (Scheme, Vec<(&str, Vec<u8>)>) = if in_signature {
        let mut value = b"t=".to_vec();
        value.extend_from_slice(text);
        value.extend_from_slice(format!(",v1={HEX}").as_bytes());
        (Scheme::stripe(), vec![("Stripe-Signature", value)])
    } else {
        (
            Scheme::dcisionai(),
            vec![
                ("X-DcisionAI-Signature", HEX.as_bytes().to_vec()),
                ("X-DcisionAI-Timestamp", text.to_vec()),
            ],
        )
    };
    let verifier = Verifier::builder(scheme)
        .secret("secret")
        .clock(FixedClock(NOW))
        .build()
        .expect("valid verifier");
    if let Ok(pending) = verifier.begin(&headers[..]) {
        let timestamp = pending.timestamp().expect("a timestamp was checked");
        assert!(
            NOW.abs_diff(timestamp) <= 300,
            "{timestamp} passed the window"
        );
    }
});
