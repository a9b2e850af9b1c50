//! Microsoft Graph rich notifications: the body's `validationTokens` (RS256 JWTs)
//! under a pinned JWK or certificate, or a key a `KeyResolver` gives by `kid`; the
//! app id as a setting; the signer's tokens. Tokens made elsewhere (Node's
//! `jsonwebtoken`, hand-crafted claims) are in `data/providers/msgraph-rich.json`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use webhook_gate::secret::Secret;
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::{FixedClock, KeyResolver};
use webhook_gate::{ConfigError, Preset, Signer, Verifier, VerifyError};

/// The RSA test key pair (also PayPal's test certificate).
const PRIVATE_KEY: &str = include_str!("data/providers/paypal/test_key.pem");
const CERTIFICATE: &str = include_str!("data/providers/paypal/test_cert.pem");
/// The public key as a JWK, written out with Python `cryptography` from
/// `test_public_key.pem`.
const JWK: &str = r#"{"kty": "RSA", "use": "sig", "kid": "test-key-1", "n": "qkqUAraZktn5rsj5tveLf4Wd9srUUKrIUDf--yuovRX8QxfgmUUQIGtNlC_-nUV1fjrSFi103gEYsp-136AxQovCKP1vBqp4Xk-sA9zWOMG79W6lmHay3ovpCtYc73v0X664dopqKruWIo5IwMAciM0jn4H_IS6Rq1HgOkUWg98ueD_QhENPZerL_YoycwRaR_X9q8UaqLb_8zbS90ei3sGwHY9IGUqfjpGrskULSOtAXf4tzWge48l6KGoCcBA1LHF9Zf-sFz96rnskiHZi3_av4PiShTqxg3tzSP43yqXfB4RGLlw5V8iL8SB-VYzoiZqLaFAuK0PfvGTDZpeW7Q", "e": "AQAB"}"#;
/// The app id of Microsoft's documentation example.
const APP_ID: &str = "8e460676-ae3f-4b1e-8790-ee0fb5d6148f";
const NOW: i64 = 1_700_000_000;

fn body(tenants: &[&str]) -> Vec<u8> {
    let items: Vec<serde_json::Value> = tenants
        .iter()
        .map(|tenant| {
            serde_json::json!({
                "subscriptionId": "76619225-ff6b-4489-96ca-4ef547e78b22",
                "changeType": "created",
                "resource": "teams('t')/channels('c')/messages('1')",
                "tenantId": tenant,
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "value": items })).unwrap()
}

fn signed(tenants: &[&str], issued: i64) -> Vec<u8> {
    Signer::new(Preset::MicrosoftGraphRich.scheme(), PRIVATE_KEY)
        .unwrap()
        .setting("app_id", APP_ID)
        .sign_body(&body(tenants), &SignOptions::new().timestamp(issued))
}

fn verifier(key: &str) -> Verifier {
    Verifier::builder(Preset::MicrosoftGraphRich.scheme())
        .secret(key)
        .setting("app_id", APP_ID)
        .clock(FixedClock(NOW))
        .build()
        .unwrap()
}

const NO_HEADERS: &[(&str, &str)] = &[];

#[test]
fn the_app_id_is_a_setting_the_verifier_needs() {
    assert_eq!(
        Preset::MicrosoftGraphRich
            .scheme()
            .settings()
            .collect::<Vec<_>>(),
        ["app_id"]
    );
    let built = Verifier::builder(Preset::MicrosoftGraphRich.scheme())
        .secret(JWK)
        .build()
        .map(|_| ());
    assert_eq!(built, Err(ConfigError::MissingSetting("app_id".to_owned())));
    // An empty value (an unset variable) is none.
    let empty = Verifier::builder(Preset::MicrosoftGraphRich.scheme())
        .secret(JWK)
        .setting("app_id", "")
        .build()
        .map(|_| ());
    assert_eq!(empty, Err(ConfigError::MissingSetting("app_id".to_owned())));
    // A validation token serves many notifications: it cannot identify one.
    let fingerprinted = Preset::MicrosoftGraphRich
        .builder()
        .delivery_id(webhook_gate::delivery::DeliveryIdSource::SignatureFingerprint)
        .build();
    assert!(matches!(
        fingerprinted,
        Err(ConfigError::IncompleteScheme { .. })
    ));
    let by_field = Preset::MicrosoftGraphRich
        .builder()
        .delivery_id(webhook_gate::delivery::DeliveryIdSource::JsonPointer(
            "/value/0/resourceData/id".into(),
        ))
        .build()
        .unwrap();
    assert!(!by_field.dedupes_on_signature());
}

#[test]
fn tokens_that_are_not_an_array_of_strings_are_malformed() {
    let verifier = verifier(JWK);
    for body in [
        r#"{"value":[],"validationTokens":"eyJ.x.y"}"#,
        r#"{"value":[],"validationTokens":null}"#,
        r#"{"value":[],"validationTokens":[1]}"#,
    ] {
        assert!(
            matches!(
                verifier.verify(NO_HEADERS, body.as_bytes()).unwrap_err(),
                VerifyError::MalformedSignature { .. }
            ),
            "{body}"
        );
    }
    assert!(matches!(
        verifier
            .verify(NO_HEADERS, br#"{"value":[],"validationTokens":[]}"#)
            .unwrap_err(),
        VerifyError::MissingSignature { .. }
    ));
    let many = serde_json::json!({
        "value": [],
        "validationTokens": vec!["a.b.c"; webhook_gate::scheme::MAX_GRAPH_TOKENS + 1],
    });
    assert!(matches!(
        verifier
            .verify(NO_HEADERS, &serde_json::to_vec(&many).unwrap())
            .unwrap_err(),
        VerifyError::MalformedSignature { .. }
    ));
}

/// A resolver that files the right key under the wrong `kid`.
struct Misfiled;

impl KeyResolver for Misfiled {
    fn resolve(&self, _key_id: &str) -> Option<Secret> {
        Some(Secret::from(JWK))
    }
}

#[test]
fn a_resolved_jwk_of_another_kid_is_no_key() {
    let verifier = Verifier::builder(Preset::MicrosoftGraphRich.scheme())
        .key_resolver(Misfiled)
        .setting("app_id", APP_ID)
        .clock(FixedClock(NOW))
        .build()
        .unwrap();
    // The signer's tokens name the key's thumbprint, not `test-key-1`.
    assert_eq!(
        verifier
            .verify(
                NO_HEADERS,
                &signed(&["84bd8158-6d4d-4958-8b9f-9d6445542f95"], NOW)
            )
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

#[test]
fn signed_tokens_verify_under_the_jwk_or_the_certificate() {
    let tenant = "84bd8158-6d4d-4958-8b9f-9d6445542f95";
    let body = signed(&[tenant], NOW - 60);
    for key in [JWK, CERTIFICATE] {
        let verified = verifier(key).verify(NO_HEADERS, &body).unwrap();
        assert_eq!(verified.timestamp(), Some(NOW - 60));
    }
    // The claims the signer wrote, read here without the crate.
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let token = value["validationTokens"][0].as_str().unwrap();
    let claims = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], APP_ID);
    assert_eq!(claims["appid"], "0bf30f3b-4a52-48df-9a82-234910c4a086");
    assert_eq!(claims["iss"], format!("https://sts.windows.net/{tenant}/"));
    assert_eq!(claims["tid"], tenant);
}

#[test]
fn the_body_is_not_bound_but_every_tenant_must_be_vouched_for() {
    let (one, two) = (
        "84bd8158-6d4d-4958-8b9f-9d6445542f95",
        "bbbbcccc-1111-dddd-2222-eeee3333ffff",
    );
    let body = signed(&[one, two], NOW);
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(value["validationTokens"].as_array().unwrap().len(), 2);
    let verifier = verifier(JWK);
    assert!(verifier.verify(NO_HEADERS, &body).is_ok());
    // Another resource under the same tokens: the tokens do not cover it.
    let other = String::from_utf8(body.clone())
        .unwrap()
        .replace("messages('1')", "messages('2')");
    assert!(verifier.verify(NO_HEADERS, other.as_bytes()).is_ok());
    // An item for a tenant no token is for.
    let mut foreign = value.clone();
    foreign["value"][1]["tenantId"] = "cccccccc-2222-eeee-3333-ffff4444aaaa".into();
    assert_eq!(
        verifier
            .verify(NO_HEADERS, &serde_json::to_vec(&foreign).unwrap())
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    // An item without a tenant.
    let mut anonymous = value;
    anonymous["value"][0]
        .as_object_mut()
        .unwrap()
        .remove("tenantId");
    assert!(matches!(
        verifier
            .verify(NO_HEADERS, &serde_json::to_vec(&anonymous).unwrap())
            .unwrap_err(),
        VerifyError::MalformedBody { .. }
    ));
}

#[test]
fn tokens_for_another_app_or_out_of_their_time_are_refused() {
    let body = signed(&["84bd8158-6d4d-4958-8b9f-9d6445542f95"], NOW);
    let other_app = Verifier::builder(Preset::MicrosoftGraphRich.scheme())
        .secret(JWK)
        .setting("app_id", "00000000-0000-0000-0000-000000000001")
        .clock(FixedClock(NOW))
        .build()
        .unwrap();
    assert_eq!(
        other_app.verify(NO_HEADERS, &body).unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    // The signer's tokens live for the scheme's window (24 h): a day and 301 s
    // later they are past `exp` and its 300 s of skew, and `iat` is out.
    let later = |seconds| {
        Verifier::builder(Preset::MicrosoftGraphRich.scheme())
            .secret(JWK)
            .setting("app_id", APP_ID)
            .clock(FixedClock(NOW + seconds))
            .build()
            .unwrap()
            .verify(NO_HEADERS, &body)
    };
    assert!(later(24 * 3600).is_ok());
    assert!(matches!(
        later(24 * 3600 + 301).unwrap_err(),
        VerifyError::TimestampTooOld { .. }
    ));
    // Past `exp` with `iat` still in a wider window: `exp` refuses it.
    let wider = Verifier::builder(Preset::MicrosoftGraphRich.scheme())
        .secret(JWK)
        .setting("app_id", APP_ID)
        .tolerance(std::time::Duration::from_secs(3 * 24 * 3600))
        .clock(FixedClock(NOW + 24 * 3600 + 301))
        .build()
        .unwrap();
    assert_eq!(
        wider.verify(NO_HEADERS, &body).unwrap_err(),
        VerifyError::TimestampTooOld {
            age: 301,
            tolerance: 300
        }
    );
    // Not yet valid: `nbf` 301 s ahead of the clock.
    assert!(matches!(
        later(-301).unwrap_err(),
        VerifyError::TimestampInFuture { .. }
    ));
    // Under another key.
    let attacker = include_str!("data/providers/paypal/attacker_key.pem");
    let forged = Signer::new(Preset::MicrosoftGraphRich.scheme(), attacker)
        .unwrap()
        .setting("app_id", APP_ID)
        .sign_body(&body_of_one(), &SignOptions::new().timestamp(NOW));
    assert_eq!(
        verifier(JWK).verify(NO_HEADERS, &forged).unwrap_err(),
        VerifyError::NoMatchingSignature
    );
}

fn body_of_one() -> Vec<u8> {
    body(&["84bd8158-6d4d-4958-8b9f-9d6445542f95"])
}

/// The identity platform's keys by `kid`, counting the lookups.
struct Keys {
    asked: Arc<AtomicUsize>,
}

impl KeyResolver for Keys {
    fn resolve(&self, key_id: &str) -> Option<Secret> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        // The signer names its key by its RFC 7638 thumbprint.
        (key_id == thumbprint()).then(|| Secret::from(JWK.replace("test-key-1", key_id)))
    }
}

/// The RFC 7638 thumbprint of the test key, from its JWK members.
fn thumbprint() -> String {
    use sha2::Digest as _;
    let jwk: serde_json::Value = serde_json::from_str(JWK).unwrap();
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        jwk["e"].as_str().unwrap(),
        jwk["n"].as_str().unwrap()
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical))
}

#[test]
fn a_resolver_gives_the_key_each_token_names() {
    let asked = Arc::new(AtomicUsize::new(0));
    let verifier = Verifier::builder(Preset::MicrosoftGraphRich.scheme())
        .key_resolver(Keys {
            asked: Arc::clone(&asked),
        })
        .setting("app_id", APP_ID)
        .clock(FixedClock(NOW))
        .build()
        .unwrap();
    let body = signed(
        &[
            "84bd8158-6d4d-4958-8b9f-9d6445542f95",
            "bbbbcccc-1111-dddd-2222-eeee3333ffff",
        ],
        NOW,
    );
    let verified = verifier.verify(NO_HEADERS, &body).unwrap();
    assert_eq!(verified.secret_index(), 0);
    // Both tokens name the same key: asked once.
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    // Streamed byte by byte, the same.
    let mut pending = verifier.begin(NO_HEADERS).unwrap();
    for byte in &body {
        pending.update(std::slice::from_ref(byte));
    }
    assert!(pending.finish().is_ok());
}
