//! What the `verify` and `ratio` benchmarks share: the bodies and the requests.

use webhook_gate::sign::{SignOptions, SignedHeaders};
use webhook_gate::verify::{Clock as _, SystemClock};
use webhook_gate::{Scheme, Signer, Verifier};

/// A Standard Webhooks secret (`whsec_` + base64); other schemes use its UTF-8 bytes.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The key of the raw HMAC-SHA256 baseline.
pub const RAW_KEY: &[u8] = b"raw-hmac-key-of-typical-length!!";

/// A JSON body of exactly `size` bytes.
pub fn body(size: usize) -> Vec<u8> {
    let mut body = br#"{"id":"evt_bench","type":"bench","data":""#.to_vec();
    while body.len() < size - 3 {
        body.push(b'a' + u8::try_from(body.len() % 26).unwrap());
    }
    body.extend_from_slice(br#""}"#);
    body.resize(size, b' ');
    body
}

/// The headers `scheme`'s provider sends for `body`, and a verifier that accepts them.
pub fn signed_request(scheme: &Scheme, body: &[u8]) -> (SignedHeaders, Verifier) {
    let signer = Signer::new(scheme.clone(), SECRET).unwrap();
    let headers = signer.sign(
        body,
        &SignOptions::new()
            .timestamp(SystemClock.now_unix())
            .id("msg_bench"),
    );
    let verifier = Verifier::new(scheme.clone(), SECRET).unwrap();
    assert!(verifier.verify(&headers, body).is_ok());
    (headers, verifier)
}
