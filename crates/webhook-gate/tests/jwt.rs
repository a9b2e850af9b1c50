//! JSON Web Token signatures (Plaid's): keys pinned as JWKs or given by a
//! `KeyResolver` by the token's `kid`, expired keys refused, the body bound by its
//! claim, and a token that verifies twice identified as one delivery even when its
//! ECDSA signature is re-encoded as its twin.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use webhook_gate::delivery::Delivery;
use webhook_gate::secret::Secret;
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::{FixedClock, KeyResolver};
use webhook_gate::{ConfigError, Preset, Signer, Verifier, VerifyError};

/// The token Plaid sent a customer, and the JWK Plaid served for its kid (Stack
/// Overflow question 62117400); the body's bytes rebuilt as Plaid writes them.
const REAL_TOKEN: &str = "eyJhbGciOiJFUzI1NiIsImtpZCI6IjZjNTUxNmUxLTkyZGMtNDc5ZS1hOGZmLTVhNTE5OTJlMDAwMSIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE1OTA4ODcwMDEsInJlcXVlc3RfYm9keV9zaGEyNTYiOiJiNjNhMDdiNTQ3YjAwZjk5MjU0N2Y2YmJjOGQ5YWNjNjFhOGNjZWUxMzhiYzgyZjQ0YTZiYWEwOTY4M2E1ZDBmIn0.OOKvIihgqCj7Qrb2bmz7T3t7uK-0JyjiEqL2s1kWeJBM4MMmjaHKK8GmU_z91QolBWMzvPgs718EElY-rE3cwQ";
const REAL_KID: &str = "6c5516e1-92dc-479e-a8ff-5a51992e0001";
const REAL_JWK: &str = r#"{"alg":"ES256","created_at":1560466143,"crv":"P-256","expired_at":null,"kid":"6c5516e1-92dc-479e-a8ff-5a51992e0001","kty":"EC","use":"sig","x":"35lvC8uz2QrWpQJ3TUH8t9o9DURMp7ydU518RKDl20k","y":"I8BuXB2bvxelzJAd7OKhd-ZwjCst05Fx47Mb_0ugros"}"#;
const REAL_BODY: &str = "{\n  \"error\": null,\n  \"item_id\": \"yxQbxDjnD8hr69pKbQpbcKeVn3GL9QuyA7NV3\",\n  \"new_transactions\": 390,\n  \"webhook_code\": \"HISTORICAL_UPDATE\",\n  \"webhook_type\": \"TRANSACTIONS\"\n}";
const REAL_NOW: i64 = 1_590_887_001 + 10;

/// Plaid's keys as an application holds them, counting the lookups.
#[derive(Default)]
struct Keys {
    known: Vec<(&'static str, &'static str)>,
    asked: Arc<AtomicUsize>,
}

impl KeyResolver for Keys {
    fn resolve(&self, key_id: &str) -> Option<Secret> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.known
            .iter()
            .find(|(id, _)| *id == key_id)
            .map(|(_, jwk)| Secret::from(*jwk))
    }
}

fn headers(token: &str) -> [(&'static str, String); 1] {
    [("Plaid-Verification", token.to_owned())]
}

#[test]
fn plaids_token_verifies_under_its_pinned_jwk() {
    let verifier = Verifier::builder(Preset::Plaid.scheme())
        .secret(REAL_JWK)
        .clock(FixedClock(REAL_NOW))
        .build()
        .unwrap();
    let verified = verifier
        .verify(&headers(REAL_TOKEN)[..], REAL_BODY.as_bytes())
        .unwrap();
    assert_eq!(verified.timestamp(), Some(1_590_887_001));
    // The body is bound: four spaces instead of two are other bytes.
    assert_eq!(
        verifier
            .verify(
                &headers(REAL_TOKEN)[..],
                REAL_BODY.replace("\n  ", "\n    ").as_bytes()
            )
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

#[test]
fn a_resolver_gives_the_key_the_token_names() {
    let asked = Arc::new(AtomicUsize::new(0));
    let verifier = Verifier::builder(Preset::Plaid.scheme())
        .key_resolver(Keys {
            known: vec![("another-kid", REAL_JWK), (REAL_KID, REAL_JWK)],
            asked: Arc::clone(&asked),
        })
        .clock(FixedClock(REAL_NOW))
        .build()
        .unwrap();
    let verified = verifier
        .verify(&headers(REAL_TOKEN)[..], REAL_BODY.as_bytes())
        .unwrap();
    // After the (no) configured keys.
    assert_eq!(verified.secret_index(), 0);
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // A key id the application does not hold (yet): refused, the resolver asked.
    let unknown = Verifier::builder(Preset::Plaid.scheme())
        .key_resolver(Keys {
            known: vec![("another-kid", REAL_JWK)],
            asked: Arc::clone(&asked),
        })
        .clock(FixedClock(REAL_NOW))
        .build()
        .unwrap();
    assert_eq!(
        unknown
            .verify(&headers(REAL_TOKEN)[..], REAL_BODY.as_bytes())
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[test]
fn a_pinned_key_with_the_tokens_kid_spares_the_resolver() {
    let asked = Arc::new(AtomicUsize::new(0));
    let verifier = Verifier::builder(Preset::Plaid.scheme())
        .secret(REAL_JWK)
        .key_resolver(Keys {
            known: Vec::new(),
            asked: Arc::clone(&asked),
        })
        .clock(FixedClock(REAL_NOW))
        .build()
        .unwrap();
    assert!(
        verifier
            .verify(&headers(REAL_TOKEN)[..], REAL_BODY.as_bytes())
            .is_ok()
    );
    assert_eq!(asked.load(Ordering::SeqCst), 0);
}

#[test]
fn expired_and_foreign_keys_are_refused() {
    let expired = REAL_JWK.replace("\"expired_at\":null", "\"expired_at\":1590000000");
    let build = |jwk: &str| {
        Verifier::builder(Preset::Plaid.scheme())
            .secret(jwk.to_owned())
            .build()
            .map(|_| ())
    };
    assert_eq!(build(&expired), Err(ConfigError::InvalidPublicKey));
    assert_eq!(
        build(&REAL_JWK.replace("P-256", "P-384")),
        Err(ConfigError::InvalidPublicKey)
    );
    assert_eq!(
        build(&REAL_JWK.replace("\"alg\":\"ES256\"", "\"alg\":\"RS256\"")),
        Err(ConfigError::InvalidPublicKey)
    );
    // A resolver's expired key is no key.
    let verifier = Verifier::builder(Preset::Plaid.scheme())
        .key_resolver(Keys {
            known: vec![(REAL_KID, Box::leak(expired.into_boxed_str()))],
            asked: Arc::default(),
        })
        .clock(FixedClock(REAL_NOW))
        .build()
        .unwrap();
    assert_eq!(
        verifier
            .verify(&headers(REAL_TOKEN)[..], REAL_BODY.as_bytes())
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

#[test]
fn the_signer_makes_tokens_the_verifier_takes() {
    // A private JWK (`d`), whose `kid` the token names.
    let private = r#"{"kty":"EC","crv":"P-256","kid":"k-1","d":"nK-CC8qIcuDroMTdNrzxFb7_ZMGR0hR00khvXriS2t4","x":"3NFFmgFwVnfzwXqw6TlUUhTFJOta0e3r7g63kIizEqs","y":"plJ0ajASzjhyIs8S9LdAw8K8Y-nr1DrNI0xRFfa-Lt4"}"#;
    let public = r#"{"alg":"ES256","crv":"P-256","expired_at":null,"kid":"k-1","kty":"EC","use":"sig","x":"3NFFmgFwVnfzwXqw6TlUUhTFJOta0e3r7g63kIizEqs","y":"plJ0ajASzjhyIs8S9LdAw8K8Y-nr1DrNI0xRFfa-Lt4"}"#;
    let signer = Signer::new(Preset::Plaid.scheme(), private).unwrap();
    let body = b"{\n  \"webhook_type\": \"TRANSACTIONS\"\n}";
    let signed = signer.sign(body, &SignOptions::new().timestamp(1_700_000_000));
    let token = signed.get("Plaid-Verification").unwrap();
    let header = token.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    assert_eq!(header, br#"{"alg":"ES256","kid":"k-1","typ":"JWT"}"#);
    let verifier = Verifier::builder(Preset::Plaid.scheme())
        .secret(public)
        .clock(FixedClock(1_700_000_010))
        .build()
        .unwrap();
    assert!(verifier.verify(&signed, body).is_ok());
    assert_eq!(
        verifier.verify(&signed, b"{}").unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

/// `(r, n - s)`: the same ECDSA signature, written as its twin.
fn twin(token: &str) -> String {
    let (input, signature) = token.rsplit_once('.').unwrap();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let raw = engine.decode(signature).unwrap();
    let signature = p256::ecdsa::Signature::from_slice(&raw).unwrap();
    let (r, s) = signature.split_scalars();
    let twin = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
    assert_ne!(twin, signature);
    format!("{input}.{}", engine.encode(twin.to_bytes()))
}

#[test]
fn a_tokens_twin_signature_is_the_same_delivery() {
    let verifier = Verifier::builder(Preset::Plaid.scheme())
        .secret(REAL_JWK)
        .clock(FixedClock(REAL_NOW))
        .build()
        .unwrap();
    let id = |token: &str| match verifier
        .verify_delivery(&headers(token)[..], REAL_BODY.as_bytes())
        .unwrap()
    {
        Delivery::Event { delivery_id } => delivery_id.unwrap(),
        other => panic!("{other:?}"),
    };
    let twin = twin(REAL_TOKEN);
    assert_eq!(id(REAL_TOKEN), id(&twin));
}

#[test]
fn a_resolved_key_comes_after_the_pinned_ones() {
    // Pinned: a key that did not sign the token (and has another `kid`).
    let other = r#"{"alg":"ES256","crv":"P-256","expired_at":null,"kid":"k-1","kty":"EC","use":"sig","x":"3NFFmgFwVnfzwXqw6TlUUhTFJOta0e3r7g63kIizEqs","y":"plJ0ajASzjhyIs8S9LdAw8K8Y-nr1DrNI0xRFfa-Lt4"}"#;
    let asked = Arc::new(AtomicUsize::new(0));
    let verifier = Verifier::builder(Preset::Plaid.scheme())
        .secret(other)
        .key_resolver(Keys {
            known: vec![(REAL_KID, REAL_JWK)],
            asked: Arc::clone(&asked),
        })
        .clock(FixedClock(REAL_NOW))
        .build()
        .unwrap();
    let verified = verifier
        .verify(&headers(REAL_TOKEN)[..], REAL_BODY.as_bytes())
        .unwrap();
    assert_eq!(verified.secret_index(), 1);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

#[test]
fn a_resolver_answering_with_a_key_of_another_kid_gives_no_key() {
    // The right key, filed under the token's `kid` but naming another one.
    let misfiled = REAL_JWK.replace(REAL_KID, "another-kid");
    let misfiled: &'static str = Box::leak(misfiled.into_boxed_str());
    let verifier = Verifier::builder(Preset::Plaid.scheme())
        .key_resolver(Keys {
            known: vec![(REAL_KID, misfiled)],
            asked: Arc::default(),
        })
        .clock(FixedClock(REAL_NOW))
        .build()
        .unwrap();
    assert_eq!(
        verifier
            .verify(&headers(REAL_TOKEN)[..], REAL_BODY.as_bytes())
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

/// Ed25519 public keys by the `X-Key-Id` a request names.
struct Ed25519Keys(Vec<(&'static str, String)>);

impl KeyResolver for Ed25519Keys {
    fn resolve(&self, key_id: &str) -> Option<Secret> {
        self.0
            .iter()
            .find(|(id, _)| *id == key_id)
            .map(|(_, key)| Secret::from(key.as_str()))
    }
}

#[test]
fn a_resolver_serves_any_scheme_with_a_key_id_header() {
    use webhook_gate::scheme::{Algorithm, Encoding, Part, Scheme, SignatureFormat, SignedContent};
    let scheme = Scheme::builder("keyed-ed25519")
        .algorithm(Algorithm::Ed25519)
        .signature_header("X-Signature")
        .format(SignatureFormat::prefixed("", Encoding::Hex))
        .signed_content(SignedContent::parts([Part::Body]))
        .key_id_header("X-Key-Id")
        .build()
        .unwrap();
    let seed = [7u8; 32];
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    // Both in base64, one of the forms Ed25519 keys are given in.
    let engine = base64::engine::general_purpose::STANDARD;
    let public = engine.encode(public.as_bytes());
    let signer = Signer::new(scheme.clone(), engine.encode(seed).as_str()).unwrap();
    let body = br#"{"event":"created"}"#;
    let mut signed: Vec<(String, String)> = signer
        .sign(body, &SignOptions::new())
        .iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    signed.push(("X-Key-Id".to_owned(), "key-2".to_owned()));
    let verifier = Verifier::builder(scheme)
        .key_resolver(Ed25519Keys(vec![("key-2", public)]))
        .build()
        .unwrap();
    // Whole, and streamed: both ask the resolver.
    assert!(verifier.verify(&signed, body).is_ok());
    let mut pending = verifier.begin(&signed).unwrap();
    pending.update(body);
    assert!(pending.finish().is_ok());
    assert_eq!(
        verifier.verify(&signed, b"{}").unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    signed.last_mut().unwrap().1 = "key-3".to_owned();
    assert_eq!(
        verifier.verify(&signed, body).unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}
