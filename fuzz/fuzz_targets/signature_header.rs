//! Every signature header parser: an arbitrary value in each preset's signature
//! header (and in a custom base64 scheme's), with the other headers valid.
//! Invariant: no panic, and an arbitrary value never verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_gate::{Preset, Verifier};
use webhook_gate::verify::FixedClock;

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fuzz_target!(|input: (u8, &[u8])| {
    let (which, value) = input;
    let name = Preset::ALL[usize::from(which) % Preset::ALL.len()].name();
    let scheme = name.parse::<Preset>().unwrap().scheme();
    let verifier = Verifier::builder(scheme.clone())
        .secret(SECRET)
        .clock(FixedClock(NOW))
        .build()
        .expect("valid verifier");
    // A token in the body (Microsoft Graph) has no header: the value goes nowhere.
    let header = scheme.signature_header().unwrap_or("x-signature");
    let mut headers: Vec<(&str, &[u8])> = vec![(header, value)];
    if let Some(timestamp) = scheme.timestamp_header() {
        headers.push((timestamp, b"1700000000"));
    }
    if let Some(id) = scheme.id_header() {
        headers.push((id, b"msg_1"));
    }
    if let Ok(mut pending) = verifier.begin(&headers[..]) {
        pending.update(b"{\"id\":\"evt_1\"}");
        // A value the fuzzer made up is not the HMAC under a secret it never saw.
        assert!(
            pending.finish().is_err(),
            "{name}: an arbitrary signature verified"
        );
    }
});
