//! PayPal's RSA scheme: the webhook ID as a setting, certificates pinned or given
//! by a `KeyResolver` for `PAYPAL-CERT-URL`, and the `Signer` against signatures
//! made by Python `cryptography` (`scripts/sdk-vectors/gen_paypal.py`).

use std::sync::{Arc, Mutex};

use webhook_gate::secret::Secret;
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::{FixedClock, KeyResolver};
use webhook_gate::{ConfigError, Preset, Signer, Verifier, VerifyError};

const CERTIFICATE: &str = include_str!("data/providers/paypal/test_cert.pem");
const PRIVATE_KEY: &str = include_str!("data/providers/paypal/test_key.pem");
const CERT_URL: &str =
    "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-test0001";

/// `capture_completed` in `tests/data/providers/paypal.json`.
fn vector() -> (Vec<(String, String)>, String) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("data/providers/paypal.json")).unwrap();
    let vector = vectors
        .as_array()
        .unwrap()
        .iter()
        .find(|vector| vector["name"] == "capture_completed")
        .unwrap();
    let headers = vector["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
        .collect();
    (headers, vector["body"].as_str().unwrap().to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    &headers.iter().find(|(own, _)| own == name).unwrap().1
}

#[test]
fn the_webhook_id_is_a_setting_the_verifier_needs() {
    assert_eq!(
        Preset::PayPal.scheme().settings().collect::<Vec<_>>(),
        ["webhook_id"]
    );
    let built = Verifier::builder(Preset::PayPal.scheme())
        .secret(CERTIFICATE)
        .build()
        .map(|_| ());
    assert_eq!(
        built,
        Err(ConfigError::MissingSetting("webhook_id".to_owned()))
    );
    let (headers, body) = vector();
    let verifier = |webhook_id: &str| {
        Verifier::builder(Preset::PayPal.scheme())
            .secret(CERTIFICATE)
            .setting("webhook_id", webhook_id)
            .clock(FixedClock(1_700_000_060))
            .build()
            .unwrap()
    };
    assert!(
        verifier("1JE4291016473214C")
            .verify(&headers, body.as_bytes())
            .is_ok()
    );
    assert_eq!(
        verifier("3RN13029J36659323")
            .verify(&headers, body.as_bytes())
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

#[test]
fn the_signer_makes_the_signature_cryptography_made() {
    let (headers, body) = vector();
    let signer = Signer::new(Preset::PayPal.scheme(), PRIVATE_KEY)
        .unwrap()
        .setting("webhook_id", "1JE4291016473214C");
    let signed = signer.sign(
        body.as_bytes(),
        &SignOptions::new()
            .timestamp(1_700_000_000)
            .id(header(&headers, "PAYPAL-TRANSMISSION-ID")),
    );
    assert_eq!(
        signed.get("PAYPAL-TRANSMISSION-TIME"),
        Some(header(&headers, "PAYPAL-TRANSMISSION-TIME"))
    );
    // RSA PKCS#1 v1.5 is deterministic: the same bytes.
    assert_eq!(
        signed.get("PAYPAL-TRANSMISSION-SIG"),
        Some(header(&headers, "PAYPAL-TRANSMISSION-SIG"))
    );
}

/// Certificates by URL, counting what was asked.
struct Certificates {
    asked: Arc<Mutex<Vec<String>>>,
}

impl KeyResolver for Certificates {
    fn resolve(&self, key_id: &str) -> Option<Secret> {
        self.asked.lock().unwrap().push(key_id.to_owned());
        (key_id == CERT_URL).then(|| Secret::from(CERTIFICATE))
    }
}

#[test]
fn a_resolver_gets_the_certificate_url() {
    let (headers, body) = vector();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let verifier = Verifier::builder(Preset::PayPal.scheme())
        .key_resolver(Certificates {
            asked: Arc::clone(&asked),
        })
        .setting("webhook_id", "1JE4291016473214C")
        .clock(FixedClock(1_700_000_060))
        .build()
        .unwrap();
    assert!(verifier.verify(&headers, body.as_bytes()).is_ok());
    assert_eq!(*asked.lock().unwrap(), [CERT_URL]);

    // Another URL: the resolver has no certificate for it.
    let mut elsewhere = headers.clone();
    for (name, value) in &mut elsewhere {
        if name == "PAYPAL-CERT-URL" {
            "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-unknown".clone_into(value);
        }
    }
    assert_eq!(
        verifier.verify(&elsewhere, body.as_bytes()).unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    // No header: nothing to ask for, no key.
    let without: Vec<_> = headers
        .iter()
        .filter(|(name, _)| name != "PAYPAL-CERT-URL")
        .cloned()
        .collect();
    assert_eq!(
        verifier.verify(&without, body.as_bytes()).unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    assert_eq!(asked.lock().unwrap().len(), 2);
}

#[test]
fn keys_come_as_certificates_or_spki_keys() {
    let (headers, body) = vector();
    // The SPKI of the test certificate's key (openssl pkey -pubout).
    let spki = include_str!("data/providers/paypal/test_public_key.pem");
    let verifier = Verifier::builder(Preset::PayPal.scheme())
        .secret(spki)
        .setting("webhook_id", "1JE4291016473214C")
        .clock(FixedClock(1_700_000_060))
        .build()
        .unwrap();
    assert!(verifier.verify(&headers, body.as_bytes()).is_ok());
    let refused = Verifier::builder(Preset::PayPal.scheme())
        .secret("not a certificate")
        .setting("webhook_id", "1JE4291016473214C")
        .build()
        .map(|_| ());
    assert_eq!(refused, Err(ConfigError::InvalidPublicKey));
}

#[test]
fn two_webhooks_have_two_delivery_namespaces() {
    use webhook_gate::store::Namespace;
    let namespace = |webhook_id: &str| {
        let verifier = Verifier::builder(Preset::PayPal.scheme())
            .secret(CERTIFICATE)
            .setting("webhook_id", webhook_id)
            .build()
            .unwrap();
        Namespace::of_verifier(&verifier).as_prefix().to_owned()
    };
    assert_eq!(
        namespace("1JE4291016473214C"),
        namespace("1JE4291016473214C")
    );
    assert_ne!(
        namespace("1JE4291016473214C"),
        namespace("3RN13029J36659323")
    );
    // The webhook ID is not written out in the namespace.
    assert!(!namespace("1JE4291016473214C").contains("1JE4291016473214C"));
}
