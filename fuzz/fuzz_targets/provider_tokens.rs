//! The parsers of Mailgun's, Plaid's and PayPal's schemes, through the public API:
//! a JSON body carrying its signature over two of its values (Mailgun), a JWT in a
//! header (Plaid: base64url JSON header and claims, ES256), a long base64 RSA
//! signature over a CRC-32 of the body (PayPal).
//! Invariants: no panic; Mailgun verifies only a body whose `signature.signature`
//! is the HMAC-SHA256 of its timestamp and token, computed here with the `hmac`
//! crate; Plaid verifies only a token whose header and claims are those of the one
//! token Plaid signed (or its twin signature), with that body; PayPal verifies only
//! the signature the test key made, for the body it was made for.
//!
//! Microsoft Graph rich notifications: a JSON body carrying RS256 JWTs; only bodies
//! whose every token is one the test key signed here, and whose every item's tenant
//! is a token's, verify.
//!
//! `PROVIDER_TOKENS_PARSER` (`mailgun`, `plaid`, `paypal`, `msgraph-rich`) fuzzes one
//! only.
#![no_main]

use std::sync::LazyLock;

use hmac::Mac as _;
use libfuzzer_sys::fuzz_target;
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::FixedClock;
use webhook_gate::{Preset, Signer, Verifier};

const MAILGUN_KEY: &str = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
const MAILGUN_NOW: i64 = 1_403_645_220;

/// Plaid's token, key and body (Stack Overflow question 62117400).
const PLAID_TOKEN: &str = "eyJhbGciOiJFUzI1NiIsImtpZCI6IjZjNTUxNmUxLTkyZGMtNDc5ZS1hOGZmLTVhNTE5OTJlMDAwMSIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE1OTA4ODcwMDEsInJlcXVlc3RfYm9keV9zaGEyNTYiOiJiNjNhMDdiNTQ3YjAwZjk5MjU0N2Y2YmJjOGQ5YWNjNjFhOGNjZWUxMzhiYzgyZjQ0YTZiYWEwOTY4M2E1ZDBmIn0.OOKvIihgqCj7Qrb2bmz7T3t7uK-0JyjiEqL2s1kWeJBM4MMmjaHKK8GmU_z91QolBWMzvPgs718EElY-rE3cwQ";
const PLAID_JWK: &str = r#"{"alg":"ES256","created_at":1560466143,"crv":"P-256","expired_at":null,"kid":"6c5516e1-92dc-479e-a8ff-5a51992e0001","kty":"EC","use":"sig","x":"35lvC8uz2QrWpQJ3TUH8t9o9DURMp7ydU518RKDl20k","y":"I8BuXB2bvxelzJAd7OKhd-ZwjCst05Fx47Mb_0ugros"}"#;
const PLAID_BODY: &str = "{\n  \"error\": null,\n  \"item_id\": \"yxQbxDjnD8hr69pKbQpbcKeVn3GL9QuyA7NV3\",\n  \"new_transactions\": 390,\n  \"webhook_code\": \"HISTORICAL_UPDATE\",\n  \"webhook_type\": \"TRANSACTIONS\"\n}";

const PAYPAL_CERTIFICATE: &str =
    include_str!("../../crates/webhook-gate/tests/data/providers/paypal/test_cert.pem");
const PAYPAL_KEY: &str =
    include_str!("../../crates/webhook-gate/tests/data/providers/paypal/test_key.pem");
const PAYPAL_NOW: i64 = 1_700_000_000;

static MAILGUN: LazyLock<Verifier> = LazyLock::new(|| {
    Verifier::builder(Preset::Mailgun.scheme())
        .secret(MAILGUN_KEY)
        .clock(FixedClock(MAILGUN_NOW))
        .build()
        .expect("valid verifier")
});

static PLAID: LazyLock<Verifier> = LazyLock::new(|| {
    Verifier::builder(Preset::Plaid.scheme())
        .secret(PLAID_JWK)
        .clock(FixedClock(1_590_887_001))
        .build()
        .expect("valid verifier")
});

fn paypal_options() -> SignOptions {
    SignOptions::new()
        .timestamp(PAYPAL_NOW)
        .id("69cd13f0-d67a-11e5-baa3-778b53f4ae55")
}

/// The verifier, the signer, and the signer's headers but the signature.
static PAYPAL: LazyLock<(Verifier, Signer, Vec<(String, Vec<u8>)>)> = LazyLock::new(|| {
    let verifier = Verifier::builder(Preset::PayPal.scheme())
        .secret(PAYPAL_CERTIFICATE)
        .setting("webhook_id", "1JE4291016473214C")
        .clock(FixedClock(PAYPAL_NOW))
        .build()
        .expect("valid verifier");
    let signer = Signer::new(Preset::PayPal.scheme(), PAYPAL_KEY)
        .expect("valid key")
        .setting("webhook_id", "1JE4291016473214C");
    let head = signer
        .sign(b"", &paypal_options())
        .into_iter()
        .filter(|(name, _)| name != "PAYPAL-TRANSMISSION-SIG")
        .map(|(name, value)| (name, value.into_bytes()))
        .collect();
    (verifier, signer, head)
});

const GRAPH_APP: &str = "8e460676-ae3f-4b1e-8790-ee0fb5d6148f";
const GRAPH_TENANTS: [&str; 2] = [
    "84bd8158-6d4d-4958-8b9f-9d6445542f95",
    "bbbbcccc-1111-dddd-2222-eeee3333ffff",
];

/// The verifier, and the tokens the test key signed (for one tenant, then both):
/// RSA PKCS#1 v1.5 is deterministic, so no other token can verify.
static GRAPH: LazyLock<(Verifier, Vec<String>)> = LazyLock::new(|| {
    let verifier = Verifier::builder(Preset::MicrosoftGraphRich.scheme())
        .secret(PAYPAL_CERTIFICATE)
        .setting("app_id", GRAPH_APP)
        .clock(FixedClock(PAYPAL_NOW))
        .build()
        .expect("valid verifier");
    let signer = Signer::new(Preset::MicrosoftGraphRich.scheme(), PAYPAL_KEY)
        .expect("valid key")
        .setting("app_id", GRAPH_APP);
    let mut tokens = Vec::new();
    for tenants in [&GRAPH_TENANTS[..1], &GRAPH_TENANTS[..]] {
        let items: Vec<String> = tenants
            .iter()
            .map(|tenant| format!(r#"{{"changeType":"created","tenantId":"{tenant}"}}"#))
            .collect();
        let body = format!(r#"{{"value":[{}]}}"#, items.join(","));
        let signed = signer.sign_body(
            body.as_bytes(),
            &SignOptions::new().timestamp(PAYPAL_NOW - 60),
        );
        let signed: serde_json::Value = serde_json::from_slice(&signed).expect("JSON");
        for token in signed["validationTokens"].as_array().expect("tokens") {
            tokens.push(token.as_str().expect("a string").to_owned());
        }
    }
    (verifier, tokens)
});

static ONLY: LazyLock<Option<u8>> = LazyLock::new(|| {
    let name = std::env::var("PROVIDER_TOKENS_PARSER").ok()?;
    let arm = ["mailgun", "plaid", "paypal", "msgraph-rich"]
        .iter()
        .position(|parser| *parser == name)
        .unwrap_or_else(|| panic!("PROVIDER_TOKENS_PARSER={name}: not a parser"));
    Some(u8::try_from(arm).unwrap())
});

fuzz_target!(|input: (u8, &[u8])| {
    let (which, bytes) = input;
    let no_headers: [(&str, &str); 0] = [];
    match ONLY.unwrap_or(which) % 4 {
        // Mailgun: the whole body, signature included.
        0 => {
            if MAILGUN.verify(&no_headers[..], bytes).is_ok() {
                let body: serde_json::Value =
                    serde_json::from_slice(bytes).expect("a verified Mailgun body is JSON");
                let fields = &body["signature"];
                let text = |name: &str| match &fields[name] {
                    serde_json::Value::String(text) => text.clone(),
                    serde_json::Value::Number(number) => number.to_string(),
                    other => panic!("{name} verified as {other}"),
                };
                let mut mac =
                    hmac::Hmac::<sha2::Sha256>::new_from_slice(MAILGUN_KEY.as_bytes()).unwrap();
                mac.update(format!("{}{}", text("timestamp"), text("token")).as_bytes());
                let expected: String = mac
                    .finalize()
                    .into_bytes()
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect();
                let signature = fields["signature"].as_str().expect("a string signature");
                assert_eq!(signature.to_ascii_lowercase(), expected);
            }
        }
        // Plaid: the token header, with the body its claim binds.
        1 => {
            let headers = [("Plaid-Verification", bytes)];
            if PLAID.verify(&headers[..], PLAID_BODY.as_bytes()).is_ok() {
                let signed = &PLAID_TOKEN.as_bytes()[..PLAID_TOKEN.rfind('.').unwrap()];
                assert!(
                    bytes.starts_with(signed) && bytes.get(signed.len()) == Some(&b'.'),
                    "a token Plaid did not sign verified"
                );
            }
        }
        // Microsoft Graph: the whole body, tokens included.
        3 => {
            let (verifier, made) = &*GRAPH;
            if verifier.verify(&no_headers[..], bytes).is_ok() {
                let body: serde_json::Value =
                    serde_json::from_slice(bytes).expect("a verified Graph body is JSON");
                let tokens = body["validationTokens"].as_array().expect("tokens");
                assert!(!tokens.is_empty());
                let mut tenants = Vec::new();
                for token in tokens {
                    let token = token.as_str().expect("a string token");
                    let at = made
                        .iter()
                        .position(|own| own == token)
                        .expect("a token the test key did not sign verified");
                    // The first token is for the first tenant; the next two for both.
                    tenants.push(GRAPH_TENANTS[usize::from(at == 2)]);
                }
                for item in body["value"].as_array().expect("items") {
                    let tenant = item["tenantId"].as_str().expect("a tenant");
                    assert!(
                        tenants.contains(&tenant),
                        "an item of another tenant verified"
                    );
                }
            }
        }
        // PayPal: the signature header, and the body split off its end. The headers
        // are the signer's but for the signature; the signer's own (an RSA private
        // operation, slow) is made only for a signature that verified.
        _ => {
            let split = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            let (signature, body) = (&bytes[..split], bytes.get(split + 1..).unwrap_or(&[]));
            let (verifier, signer, head) = &*PAYPAL;
            let mut headers: Vec<(String, Vec<u8>)> = head.clone();
            headers.push(("PAYPAL-TRANSMISSION-SIG".to_owned(), signature.to_vec()));
            if verifier.verify(&headers, body).is_ok() {
                let made = signer.sign(body, &paypal_options());
                // PKCS#1 v1.5 signatures are unique: the one the key made.
                let decoded = |text: &[u8]| {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.decode(text.trim_ascii())
                };
                assert_eq!(
                    decoded(signature).expect("a verified signature is base64"),
                    decoded(
                        made.get("PAYPAL-TRANSMISSION-SIG")
                            .expect("a signature")
                            .as_bytes()
                    )
                    .unwrap()
                );
            }
        }
    }
});
