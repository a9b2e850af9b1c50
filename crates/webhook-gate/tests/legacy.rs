//! GitHub's and Meta's legacy SHA-1 `X-Hub-Signature`: refused unless the verifier
//! asks for it, then judged only where the current header is absent. The expected
//! signatures are HMAC-SHA1 hex digests computed with Python's `hmac` module
//! (`hmac.new(secret, body, hashlib.sha1).hexdigest()`), as GitHub's documentation
//! describes `X-Hub-Signature`, over GitHub's documented example secret and payload.

use webhook_gate::{Preset, Verifier, VerifyError};

const SECRET: &str = "It's a Secret to Everybody";
const BODY: &[u8] = b"Hello, World!";
/// Python: `hmac.new(b"It's a Secret to Everybody", b"Hello, World!", hashlib.sha1).hexdigest()`.
const SHA1: &str = "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59";
/// GitHub's documented SHA-256 signature of the same payload.
const SHA256: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

fn verifier(preset: Preset, secret: &str, legacy: bool) -> Verifier {
    let mut builder = Verifier::builder(preset.scheme()).secret(secret);
    if legacy {
        builder = builder.legacy_fallback(preset.legacy_scheme().unwrap());
    }
    builder.build().unwrap()
}

#[test]
fn the_legacy_header_is_refused_unless_asked_for() {
    let headers = [("X-Hub-Signature", SHA1), ("X-GitHub-Delivery", "d-1")];
    assert!(matches!(
        verifier(Preset::GitHub, SECRET, false).verify(&headers[..], BODY),
        Err(VerifyError::MissingSignature { .. })
    ));
    let verified = verifier(Preset::GitHub, SECRET, true)
        .verify(&headers[..], BODY)
        .unwrap();
    assert_eq!(verified.scheme().name(), "github");
    assert_eq!(
        verifier(Preset::GitHub, SECRET, true)
            .verify(&headers[..], b"Hello, World?")
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    assert_eq!(
        verifier(Preset::GitHub, "another secret", true)
            .verify(&headers[..], BODY)
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

#[test]
fn the_current_header_alone_judges_a_request_that_has_it() {
    let verifier = verifier(Preset::GitHub, SECRET, true);
    // Both, as GitHub sends them: verified by SHA-256.
    let both = [("X-Hub-Signature-256", SHA256), ("X-Hub-Signature", SHA1)];
    assert!(verifier.verify(&both[..], BODY).is_ok());
    // A wrong SHA-256 is not rescued by a right SHA-1.
    let wrong = "sha256=0000000000000000000000000000000000000000000000000000000000000000";
    let downgraded = [("X-Hub-Signature-256", wrong), ("X-Hub-Signature", SHA1)];
    assert_eq!(
        verifier.verify(&downgraded[..], BODY).unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

/// A capture stripped of its current header, to fall back on the legacy one, is the
/// same delivery to dedupe: its fingerprint is the current scheme's tag.
#[test]
fn a_delivery_verified_by_the_legacy_header_keeps_its_fingerprint() {
    let verifier = verifier(Preset::GitHub, SECRET, true);
    let both = [("X-Hub-Signature-256", SHA256), ("X-Hub-Signature", SHA1)];
    let stripped = [("X-Hub-Signature", SHA1)];
    let current = verifier.verify(&both[..], BODY).unwrap().fingerprint_id();
    assert_eq!(
        verifier
            .verify(&stripped[..], BODY)
            .unwrap()
            .fingerprint_id(),
        current
    );
    let mut pending = verifier.begin(&stripped[..]).unwrap();
    pending.update(BODY);
    assert_eq!(pending.finish().unwrap().fingerprint_id(), current);
    // Only schemes that sign the body alone have a legacy fallback.
    assert!(
        Verifier::builder(Preset::Stripe.scheme())
            .secret("whsec_x")
            .legacy_fallback(Preset::GitHub.legacy_scheme().unwrap())
            .build()
            .is_err()
    );
}

#[test]
fn the_legacy_header_streams_too() {
    let verifier = verifier(Preset::GitHub, SECRET, true);
    let headers = [("X-Hub-Signature", SHA1)];
    let mut pending = verifier.begin(&headers[..]).unwrap();
    pending.update(b"Hello, ");
    pending.update(b"World!");
    assert!(pending.finish().is_ok());
    let mut pending = verifier.begin(&headers[..]).unwrap();
    pending.update(b"Hello, World?");
    assert_eq!(
        pending.finish().unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

#[test]
fn meta_has_the_same_legacy_header_and_other_presets_none() {
    // Python: hmac.new(b"meta-app-secret", b'{"object":"page","entry":[]}', hashlib.sha1).hexdigest()
    let body = br#"{"object":"page","entry":[]}"#;
    let headers = [(
        "X-Hub-Signature",
        "sha1=74bc2bbf5ab6f195d514af1b80ddf3a7c883208e",
    )];
    assert!(
        verifier(Preset::Meta, "meta-app-secret", true)
            .verify(&headers[..], body)
            .is_ok()
    );
    assert!(
        verifier(Preset::Meta, "meta-app-secret", false)
            .verify(&headers[..], body)
            .is_err()
    );
    for preset in Preset::ALL {
        let has_legacy = matches!(preset, Preset::GitHub | Preset::Meta);
        assert_eq!(preset.legacy_scheme().is_some(), has_legacy, "{preset}");
    }
}
