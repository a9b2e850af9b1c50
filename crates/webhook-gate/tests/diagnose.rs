//! `diagnose_request` on schemes it tries by verification: HMAC-SHA1 and -SHA512,
//! Ed25519, a JWT, and URL-bound schemes behind a proxy. Each capture is made by the
//! signer with the mistake in it, and the diagnosis must name that mistake and no
//! other.

use base64::Engine as _;
use webhook_gate::diagnose::{Diagnosis, Finding, Mistake, diagnose_request};
use webhook_gate::sign::{SignOptions, SignedHeaders};
use webhook_gate::verify::RequestHead;
use webhook_gate::{Preset, Secret, Signer};

const NOW: i64 = 1_700_000_000;

fn diagnose(
    preset: Preset,
    secret: &str,
    headers: &SignedHeaders,
    target: &str,
    public_url: Option<&str>,
    body: &[u8],
) -> Diagnosis {
    diagnose_request(
        &preset.scheme(),
        &Secret::from(secret),
        &RequestHead::new("POST", target, headers),
        public_url,
        body,
        NOW,
        300,
    )
    .unwrap()
}

/// The mistakes that matched: exactly `expected`.
fn assert_explained(diagnosis: &Diagnosis, expected: &[Mistake]) {
    assert!(diagnosis.result.is_err(), "the capture verifies");
    let matched: Vec<&Mistake> = diagnosis.matched().collect();
    assert_eq!(
        matched,
        expected.iter().collect::<Vec<_>>(),
        "{:#?}",
        diagnosis.checks
    );
}

fn finding(diagnosis: &Diagnosis, mistake: &Mistake) -> Finding {
    diagnosis
        .checks
        .iter()
        .find(|check| check.mistake == *mistake)
        .map(|check| check.finding.clone())
        .unwrap()
}

fn ed25519_keys() -> (String, String) {
    let engine = base64::engine::general_purpose::STANDARD;
    let seed = [7u8; 32];
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    (engine.encode(seed), engine.encode(public.as_bytes()))
}

#[test]
fn an_ed25519_signature_over_another_serialization_and_a_stale_timestamp() {
    let (private, public) = ed25519_keys();
    let signer = Signer::new(Preset::Discord.scheme(), private.as_str()).unwrap();
    // Signed compact an hour ago; received pretty-printed.
    let headers = signer.sign(
        br#"{"type":2,"id":"1"}"#,
        &SignOptions::new().timestamp(NOW - 3600),
    );
    let received = b"{\n  \"type\": 2,\n  \"id\": \"1\"\n}";
    let diagnosis = diagnose(Preset::Discord, &public, &headers, "/", None, received);
    assert_explained(
        &diagnosis,
        &[Mistake::BodyReserialized(
            webhook_gate::diagnose::Reserialization::Compact,
        )],
    );
    assert_eq!(diagnosis.clock_skew, Some(3600));
    assert!(matches!(
        finding(&diagnosis, &Mistake::SecretWithoutPrefix),
        Finding::NotTried(_)
    ));
}

#[test]
fn an_hmac_sha1_signature_written_in_base64_or_without_its_prefix() {
    let body = br#"{"type":"notification_event"}"#;
    let signer = Signer::new(Preset::Intercom.scheme(), "client-secret").unwrap();
    let mut headers = signer.sign(body, &SignOptions::new());
    let signature = headers.get("X-Hub-Signature").unwrap().to_owned();
    let hex = signature.strip_prefix("sha1=").unwrap();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).unwrap())
        .collect();
    let base64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    headers.set("X-Hub-Signature", format!("sha1={base64}"));
    let diagnosis = diagnose(Preset::Intercom, "client-secret", &headers, "/", None, body);
    assert_explained(&diagnosis, &[Mistake::Base64InsteadOfHex]);

    headers.set("X-Hub-Signature", hex);
    let diagnosis = diagnose(Preset::Intercom, "client-secret", &headers, "/", None, body);
    assert_explained(
        &diagnosis,
        &[Mistake::PrefixMissing {
            expected: "sha1=".to_owned(),
        }],
    );
}

#[test]
fn an_hmac_sha512_key_without_its_whsec_prefix() {
    let body = br#"{"event":"charge.success"}"#;
    // The sender signed with the secret's text after `whsec_`.
    let signer = Signer::new(Preset::Paystack.scheme(), "sk_test_123").unwrap();
    let headers = signer.sign(body, &SignOptions::new());
    let diagnosis = diagnose(
        Preset::Paystack,
        "whsec_sk_test_123",
        &headers,
        "/",
        None,
        body,
    );
    assert_explained(&diagnosis, &[Mistake::SecretWithoutPrefix]);
}

#[test]
fn a_jwt_over_the_body_with_a_newline_added() {
    let private = r#"{"kty":"EC","crv":"P-256","kid":"k-1","d":"nK-CC8qIcuDroMTdNrzxFb7_ZMGR0hR00khvXriS2t4","x":"3NFFmgFwVnfzwXqw6TlUUhTFJOta0e3r7g63kIizEqs","y":"plJ0ajASzjhyIs8S9LdAw8K8Y-nr1DrNI0xRFfa-Lt4"}"#;
    let public = r#"{"kty":"EC","crv":"P-256","kid":"k-1","x":"3NFFmgFwVnfzwXqw6TlUUhTFJOta0e3r7g63kIizEqs","y":"plJ0ajASzjhyIs8S9LdAw8K8Y-nr1DrNI0xRFfa-Lt4"}"#;
    let signer = Signer::new(Preset::Plaid.scheme(), private).unwrap();
    let body = b"{\"webhook_type\":\"TRANSACTIONS\"}\n";
    let headers = signer.sign(body, &SignOptions::new().timestamp(NOW));
    // An editor or a proxy took the trailing newline off.
    let received = &body[..body.len() - 1];
    let diagnosis = diagnose(Preset::Plaid, public, &headers, "/", None, received);
    assert_explained(&diagnosis, &[Mistake::TrailingNewlineAdded]);
}

#[test]
fn a_url_bound_signature_behind_a_proxy() {
    let body = b"CallSid=CA1&From=%2B14158675310";
    let signer = Signer::new(Preset::Twilio.scheme(), "12345").unwrap();
    // The URL Twilio called (and signed), the `Host` the receiver saw, and the
    // mistake: the route has no trailing slash; the port was written out; the public
    // URL given is not the host Twilio called, which the `Host` header says.
    let cases = [
        (
            "https://api.example.com/webhooks/twilio/",
            None,
            Mistake::UrlTrailingSlash,
        ),
        (
            "https://api.example.com:443/webhooks/twilio",
            None,
            Mistake::UrlDefaultPort,
        ),
        (
            "https://hooks.example.com/webhooks/twilio",
            Some("hooks.example.com"),
            Mistake::UrlHostHeader,
        ),
    ];
    for (called, host, mistake) in cases {
        let mut headers = signer.sign(body, &SignOptions::new().url(called));
        if let Some(host) = host {
            headers.set("Host", host);
        }
        let diagnosis = diagnose(
            Preset::Twilio,
            "12345",
            &headers,
            "/webhooks/twilio",
            Some("https://api.example.com"),
            body,
        );
        assert_explained(&diagnosis, &[mistake]);
    }
}

#[test]
fn a_valid_capture_matches_no_mistake() {
    let (private, public) = ed25519_keys();
    let signer = Signer::new(Preset::Discord.scheme(), private.as_str()).unwrap();
    let body = br#"{"type":1}"#;
    let headers = signer.sign(body, &SignOptions::new().timestamp(NOW));
    let diagnosis = diagnose(Preset::Discord, &public, &headers, "/", None, body);
    assert!(diagnosis.result.is_ok());
    assert_eq!(diagnosis.matched().count(), 0);
}

#[test]
fn a_signature_over_part_of_the_body_explains_nothing_when_only_the_window_fails() {
    // Mailgun signs a timestamp and token in the body: re-serialized, the body still
    // verifies, so no body mistake may be named for a capture that is only stale.
    let key = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
    let signer = Signer::new(Preset::Mailgun.scheme(), key).unwrap();
    let body = signer.sign_body(
        br#"{"event-data":{"id":"CCXMjJ7nQi2N3BPigGOdgQ","event":"delivered"}}"#,
        &SignOptions::new().timestamp(NOW - 3600),
    );
    let diagnosis = diagnose_request(
        &Preset::Mailgun.scheme(),
        &Secret::from(key),
        &RequestHead::new("POST", "/", &[("Content-Type", "application/json")][..]),
        None,
        &body,
        NOW,
        900,
    )
    .unwrap();
    assert!(matches!(
        diagnosis.result,
        Err(webhook_gate::VerifyError::TimestampTooOld { .. })
    ));
    assert_eq!(diagnosis.matched().count(), 0, "{:#?}", diagnosis.checks);
    assert!(matches!(
        finding(
            &diagnosis,
            &Mistake::BodyReserialized(webhook_gate::diagnose::Reserialization::Spaced)
        ),
        Finding::NotTried(_)
    ));
}
