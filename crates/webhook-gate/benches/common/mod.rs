//! What the `verify` and `ratio` benchmarks share: the bodies and the requests.

use webhook_gate::scheme::{Algorithm, Scheme, SignatureFormat};
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::{Clock as _, FixedClock, RequestHead, SystemClock};
use webhook_gate::{Signer, Verifier};

/// A Standard Webhooks secret (`whsec_` + base64); other HMAC and token schemes use
/// its UTF-8 bytes.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The key of the raw HMAC baselines.
pub const RAW_KEY: &[u8] = b"raw-hmac-key-of-typical-length!!";

/// The seed (Ed25519) or scalar (P-256) of the public-key schemes' key pair.
pub const SEED: [u8; 32] = [7; 32];

/// The RSA key pair of the RSA schemes (PayPal, Microsoft Graph rich notifications):
/// the tests' certificate and private key.
pub const RSA_CERTIFICATE: &str = include_str!("../../tests/data/providers/paypal/test_cert.pem");
pub const RSA_PRIVATE_KEY: &str = include_str!("../../tests/data/providers/paypal/test_key.pem");

/// The value of every setting a scheme needs (PayPal's webhook ID, Graph's app id).
pub const SETTING: &str = "bench-setting";

/// The URL every URL-bound scheme is signed for.
pub const URL: &str = "https://example.com/hook";

/// "Now" for every benchmark request and verifier: runs last minutes, and some
/// windows are seconds wide (Paddle's 5 s).
pub fn now() -> i64 {
    static NOW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *NOW.get_or_init(|| SystemClock.now_unix())
}

/// A JSON body of exactly `size` bytes, with every field a preset reads (the ids,
/// Linear's `webhookTimestamp`).
pub fn body(size: usize) -> Vec<u8> {
    let mut body = format!(
        r#"{{"id":"evt_bench","event_id":"evt_bench","eventId":"evt_bench","notification_id":"ntf_bench","webhookTimestamp":{},"type":"bench","data":""#,
        now() * 1000
    )
    .into_bytes();
    while body.len() < size - 3 {
        body.push(b'a' + u8::try_from(body.len() % 26).unwrap());
    }
    body.extend_from_slice(br#""}"#);
    body.resize(size, b' ');
    body
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// What a scheme's verifier is given and what its signer signs with.
pub fn keys(scheme: &Scheme) -> (String, String) {
    match scheme.algorithm() {
        Algorithm::Ed25519 => {
            let signing = ed25519_dalek::SigningKey::from_bytes(&SEED);
            (hex(signing.verifying_key().as_bytes()), hex(&SEED))
        }
        Algorithm::EcdsaP256Sha256 => {
            use base64::Engine as _;
            const SPKI_PREFIX: &[u8] = &[
                0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
            ];
            let signing = p256::ecdsa::SigningKey::from_slice(&SEED).unwrap();
            let point = signing.verifying_key().to_encoded_point(false);
            let der = [SPKI_PREFIX, point.as_bytes()].concat();
            (
                base64::engine::general_purpose::STANDARD.encode(der),
                hex(&SEED),
            )
        }
        Algorithm::RsaPkcs1Sha256 => (RSA_CERTIFICATE.to_owned(), RSA_PRIVATE_KEY.to_owned()),
        _ => (SECRET.to_owned(), SECRET.to_owned()),
    }
}

/// The headers `scheme`'s provider sends for `body` (to [`URL`]), a verifier that
/// accepts them, and the body as sent: `body` itself, for a token in the body
/// (Microsoft Graph) `body` as the one item of `value`, carrying the token (for rich
/// notifications, with its tenant, and the validation token beside), for a
/// signature in the body (Mailgun) `body` carrying it.
pub fn signed_request(scheme: &Scheme, body: &[u8]) -> (Vec<(String, String)>, Verifier, Vec<u8>) {
    let (verifying, signing) = keys(scheme);
    let mut signer = Signer::new(scheme.clone(), signing).unwrap();
    let mut verifier = Verifier::builder(scheme.clone());
    for name in scheme.settings() {
        signer = signer.setting(name, SETTING);
        verifier = verifier.setting(name, SETTING);
    }
    let options = SignOptions::new().timestamp(now()).id("msg_bench").url(URL);
    let body = match scheme.format() {
        SignatureFormat::BodyToken { .. } => {
            signer.sign_body(&[&b"{\"value\":["[..], body, b"]}"].concat(), &options)
        }
        SignatureFormat::GraphValidationTokens { .. } => {
            let item = br#"{"tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95","#;
            signer.sign_body(
                &[&b"{\"value\":["[..], item, &body[1..], b"]}"].concat(),
                &options,
            )
        }
        _ => signer.sign_body(body, &options),
    };
    let headers: Vec<(String, String)> = signer.sign(&body, &options).into_iter().collect();
    let verifier = verifier
        .secret(verifying)
        .public_url("https://example.com")
        .clock(FixedClock(now()))
        .build()
        .unwrap();
    assert!(
        verifier
            .verify_request(&RequestHead::new("POST", "/hook", &headers), &body)
            .is_ok(),
        "{}",
        scheme.name()
    );
    (headers, verifier, body)
}
