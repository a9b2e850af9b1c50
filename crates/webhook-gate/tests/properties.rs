//! Property tests: sign-then-verify holds for every scheme; any flipped byte of the body,
//! the signature or the timestamp is rejected; arbitrary header values never panic.

use proptest::prelude::*;
use webhook_gate::scheme::{Algorithm, Part, SignatureFormat};
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::{FixedClock, RequestHead, Verified};
use webhook_gate::{Preset, Signer, Verifier, VerifyError};

const NOW: i64 = 1_750_000_000;
const URL: &str = "https://example.com/hook";

/// The presets whose secret is any text and that sign arbitrary bytes: the HMAC
/// schemes over the raw body whose timestamp is not inside a JSON body. (Public-key
/// and token schemes, Twilio's form fields and Linear are covered by the provider
/// vectors and the conformance table.)
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

fn verifier(name: &str, secret: &str) -> Verifier {
    Verifier::builder(name.parse::<Preset>().unwrap().scheme())
        .secret(secret)
        .clock(FixedClock(NOW))
        .public_url("https://example.com")
        .build()
        .unwrap()
}

/// Verifies as a receiver does, with the request head (some schemes sign the URL).
fn verify<H: webhook_gate::headers::HeaderSource + ?Sized>(
    verifier: &Verifier,
    headers: &H,
    body: &[u8],
) -> Result<Verified, VerifyError> {
    verifier.verify_request(&RequestHead::new("POST", "/hook", headers), body)
}

/// Standard Webhooks secrets are base64; the others are any text.
fn secret_for(name: &str, raw: &str) -> String {
    if name == "standard" {
        use base64::Engine as _;
        format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    } else {
        raw.to_owned()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify(
        scheme_index in 0..presets().len(),
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        raw_secret in "[ -~]{1,64}",
        skew in -300i64..=300,
        id in "[A-Za-z0-9_-]{1,40}",
    ) {
        let name = presets()[scheme_index].name();
        let secret = secret_for(name, &raw_secret);
        let signer = Signer::new(name.parse::<Preset>().unwrap().scheme(), secret.as_str()).unwrap();
        let window = i64::try_from(presets()[scheme_index].scheme().tolerance().as_secs()).unwrap();
        let skew = skew.clamp(-window, window);
        let headers = signer.sign(&body, &SignOptions::new().timestamp(NOW + skew).id(id).url(URL));
        prop_assert!(verify(&verifier(name, &secret), &headers, &body).is_ok());
    }

    #[test]
    fn flipped_body_byte_is_rejected(
        scheme_index in 0..presets().len(),
        body in proptest::collection::vec(any::<u8>(), 1..512),
        position in any::<proptest::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let name = presets()[scheme_index].name();
        let secret = secret_for(name, "property-secret");
        let signer = Signer::new(name.parse::<Preset>().unwrap().scheme(), secret.as_str()).unwrap();
        let headers = signer.sign(&body, &SignOptions::new().timestamp(NOW).id("msg_1").url(URL));
        let mut tampered = body.clone();
        let index = position.index(tampered.len());
        tampered[index] ^= flip;
        let error = verify(&verifier(name, &secret), &headers, &tampered).unwrap_err();
        prop_assert_eq!(error.status(), 401);
    }

    #[test]
    fn flipped_signature_or_timestamp_byte_is_rejected(
        scheme_index in 0..presets().len(),
        body in proptest::collection::vec(any::<u8>(), 0..256),
        position in any::<proptest::sample::Index>(),
        flip in 1u8..=127,
        which in 0..2usize,
    ) {
        let name = presets()[scheme_index].name();
        let scheme = name.parse::<Preset>().unwrap().scheme();
        let secret = secret_for(name, "property-secret");
        let signer = Signer::new(scheme.clone(), secret.as_str()).unwrap();
        let mut headers = signer.sign(&body, &SignOptions::new().timestamp(NOW).id("msg_1").url(URL));
        let header = match (which, scheme.timestamp_header()) {
            // An unsigned timestamp (Sentimatrix) may change inside the window.
            (1, Some(timestamp_header)) if scheme.signed_content().signs_timestamp() => {
                timestamp_header.to_owned()
            }
            _ => scheme.signature_header().unwrap().to_owned(),
        };
        let mut value = headers.get(&header).unwrap().as_bytes().to_vec();
        let index = position.index(value.len());
        value[index] ^= flip;
        let value = String::from_utf8_lossy(&value).into_owned();
        let original = headers.get(&header).unwrap().to_owned();
        // A flip that only changes the letter case of a hex digit or prefix keeps the
        // same meaning; every other flip must be refused.
        prop_assume!(!value.eq_ignore_ascii_case(&original) || scheme.format() == &webhook_gate::scheme::SignatureFormat::standard_webhooks());
        headers.set(&header, value);
        let result = verify(&verifier(name, &secret), &headers, &body);
        prop_assert!(result.is_err(), "{name}: {header} accepted after a flip");
    }

    #[test]
    fn arbitrary_header_values_never_panic(
        scheme_index in 0..presets().len(),
        signature in proptest::collection::vec(any::<u8>(), 0..600),
        timestamp in proptest::collection::vec(any::<u8>(), 0..40),
        text_signature in "[ -~]{0,300}",
    ) {
        let name = presets()[scheme_index].name();
        let scheme = name.parse::<Preset>().unwrap().scheme();
        let verifier = verifier(name, &secret_for(name, "property-secret"));
        let timestamp_header = scheme.timestamp_header().unwrap_or("x-timestamp").to_owned();
        let headers: Vec<(String, Vec<u8>)> = vec![
            (scheme.signature_header().unwrap().to_owned(), signature),
            (timestamp_header.clone(), timestamp.clone()),
            ("webhook-id".to_owned(), b"msg_1".to_vec()),
        ];
        let _ = verify(&verifier, &headers, b"{}");
        let headers: Vec<(String, Vec<u8>)> = vec![
            (scheme.signature_header().unwrap().to_owned(), text_signature.into_bytes()),
            (timestamp_header, timestamp),
        ];
        if let Ok(verified) = verify(&verifier, &headers, b"{}") {
            let _ = verified.delivery(b"{}");
        }
    }
}
