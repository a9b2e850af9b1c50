//! The streaming verifier: arbitrary headers, and a body signed for real, fed in
//! arbitrary chunks. Invariants: no panic; a correctly signed body verifies however
//! it is chunked; arbitrary headers give the same answer chunked or whole.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use webhook_gate::{Preset, Signer, Verifier};
use webhook_gate::sign::SignOptions;
use webhook_gate::scheme::{Algorithm, Part, SignatureFormat};
use webhook_gate::verify::{FixedClock, RequestHead};

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    preset: u8,
    headers: Vec<(&'a str, &'a [u8])>,
    body: &'a [u8],
    cuts: Vec<u16>,
    skew: i16,
}

fn chunks<'b>(body: &'b [u8], cuts: &[u16]) -> Vec<&'b [u8]> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&cut| usize::from(cut) % (body.len() + 1))
        .collect();
    points.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for point in points {
        pieces.push(&body[start..point]);
        start = point;
    }
    pieces.push(&body[start..]);
    pieces
}

/// The presets that sign any bytes under a text secret: the HMAC schemes over the
/// raw body whose timestamp is not inside a JSON body (the others are covered by
/// `request_model` and the vectors).
fn presets() -> Vec<Preset> {
    Preset::ALL
        .iter()
        .copied()
        .filter(|preset| {
            let scheme = preset.scheme();
            matches!(
                scheme.algorithm(),
                Algorithm::HmacSha1 | Algorithm::HmacSha256 | Algorithm::HmacSha512
            ) && scheme.signed_content().as_parts().contains(&Part::Body)
                && !(scheme.has_timestamp()
                    && scheme.timestamp_header().is_none()
                    && !matches!(scheme.format(), SignatureFormat::KeyValue { .. }))
        })
        .collect()
}

fuzz_target!(|input: Input<'_>| {
    let presets = presets();
    let scheme = presets[usize::from(input.preset) % presets.len()].scheme();
    let window = i64::try_from(scheme.tolerance().as_secs()).unwrap();
    let verifier = Verifier::builder(scheme.clone())
        .secret(SECRET)
        .clock(FixedClock(NOW))
        .public_url("https://example.com")
        .build()
        .expect("valid verifier");

    // Arbitrary headers: chunked and whole agree.
    let head = RequestHead::new("POST", "/hook", &input.headers[..]);
    let whole = verifier.verify_request(&head, input.body);
    let chunked = verifier.begin_request(&head).and_then(|mut pending| {
        for piece in chunks(input.body, &input.cuts) {
            pending.update(piece);
        }
        pending.finish()
    });
    assert_eq!(whole.is_ok(), chunked.is_ok());
    if let (Err(a), Err(b)) = (&whole, &chunked) {
        assert_eq!(a, b);
    }

    // A real signature, inside the window: verifies in any chunking.
    let signer = Signer::new(scheme, SECRET).expect("valid signer");
    let timestamp = NOW + i64::from(input.skew) % (window + 1);
    let signed = signer.sign(
        input.body,
        &SignOptions::new()
            .timestamp(timestamp)
            .id("msg_1")
            .url("https://example.com/hook"),
    );
    let head = RequestHead::new("POST", "/hook", &signed);
    let mut pending = verifier.begin_request(&head).expect("signed headers pass");
    for piece in chunks(input.body, &input.cuts) {
        pending.update(piece);
    }
    assert_eq!(pending.body_len(), input.body.len() as u64);
    pending.finish().expect("a signed body verifies");
});
