//! The request model's parsers, through the public API: RFC 3339 timestamps
//! (Twitch), millisecond timestamps (HubSpot), `;`-separated signature headers
//! (Paddle), form fields (Twilio, the fuzzed body signed with the verifier's own
//! template) and a JSON field of the body (Linear's `webhookTimestamp`, same).
//! Invariants: no panic; a timestamp that passes is inside the scheme's window; a
//! body the signer signed verifies unless it is not the form or JSON the scheme reads.
//!
//! And the query string the handshakes read (Meta's `hub.*`, Dropbox's `challenge`,
//! X's `crc_token`, Microsoft Graph's `validationToken`), judged against
//! `form_urlencoded` (the decoder behind `url` and axum's `Query`): an answer echoes
//! a value that decoder reads under the parameter, answers Meta only with its mode
//! and verify token, and is fit to echo; a query that decoder's encoder wrote is
//! answered with exactly its value when that value is fit to echo, and refused as
//! malformed when not.
//!
//! `REQUEST_MODEL_PARSER` (`rfc3339`, `millis`, `separators`, `form`, `json`,
//! `query`) fuzzes one parser only, for a run per parser.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use webhook_gate::challenge::{ChallengeResponse, MAX_ECHO_LEN};
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::{FixedClock, RequestHead};
use webhook_gate::{Preset, Signer, Verifier, VerifyError};

const NOW: i64 = 1_700_000_000;
const URL: &str = "https://example.com/hook";

fn verifier(preset: Preset) -> Verifier {
    Verifier::builder(preset.scheme())
        .secret("secret")
        .clock(FixedClock(NOW))
        .public_url("https://example.com")
        .build()
        .expect("valid verifier")
}

/// The parser `REQUEST_MODEL_PARSER` names, as the arm it selects.
static ONLY: LazyLock<Option<u8>> = LazyLock::new(|| {
    let name = std::env::var("REQUEST_MODEL_PARSER").ok()?;
    let arm = ["rfc3339", "millis", "separators", "form", "json", "query"]
        .iter()
        .position(|parser| *parser == name)
        .unwrap_or_else(|| panic!("REQUEST_MODEL_PARSER={name}: not a parser"));
    Some(u8::try_from(arm).unwrap())
});

fuzz_target!(|input: (u8, &[u8])| {
    let (which, bytes) = input;
    let which = ONLY.unwrap_or(which);
    match which % 6 {
        // A timestamp header as sent: it passes only inside the window.
        0 | 1 => {
            let (preset, header, window) = if which % 6 == 0 {
                (Preset::Twitch, "Twitch-Eventsub-Message-Timestamp", 600)
            } else {
                (Preset::HubSpot, "X-HubSpot-Request-Timestamp", 300)
            };
            let signer = Signer::new(preset.scheme(), "secret").unwrap();
            let mut headers: Vec<(String, Vec<u8>)> = signer
                .sign(b"{}", &SignOptions::new().timestamp(NOW).id("m1").url(URL))
                .into_iter()
                .map(|(name, value)| (name, value.into_bytes()))
                .collect();
            for (name, value) in &mut headers {
                if name.eq_ignore_ascii_case(header) {
                    *value = bytes.to_vec();
                }
            }
            let head = RequestHead::new("POST", "/hook", &headers);
            if let Ok(pending) = verifier(preset).begin_request(&head) {
                let timestamp = pending.timestamp().expect("a timestamp was checked");
                assert!(NOW.abs_diff(timestamp) <= window, "{timestamp} passed");
            }
        }
        // A `ts=..;h1=..` header as sent.
        2 => {
            let headers = [("Paddle-Signature", bytes)];
            let head = RequestHead::new("POST", "/hook", &headers[..]);
            if let Ok(pending) = verifier(Preset::Paddle).begin_request(&head) {
                let timestamp = pending.timestamp().expect("a timestamp was checked");
                assert!(NOW.abs_diff(timestamp) <= 5, "{timestamp} passed");
            }
        }
        // A body signed by the signer: form fields, or a JSON timestamp.
        3 | 4 => {
            let preset = if which % 6 == 3 {
                Preset::Twilio
            } else {
                Preset::Linear
            };
            let signer = Signer::new(preset.scheme(), "secret").unwrap();
            let headers = signer.sign(bytes, &SignOptions::new().timestamp(NOW).url(URL));
            let head = RequestHead::new("POST", "/hook", &headers);
            match verifier(preset).verify_request(&head, bytes) {
                Ok(verified) => {
                    if let Some(timestamp) = verified.timestamp() {
                        assert!(NOW.abs_diff(timestamp) <= 60, "{timestamp} passed");
                    }
                }
                // A body that is not a form (a bad escape) or holds no timestamp in
                // the window is refused; nothing else may fail a signed body.
                Err(
                    VerifyError::MalformedBody { .. }
                    | VerifyError::MissingHeader { .. }
                    | VerifyError::MalformedTimestamp
                    | VerifyError::TimestampTooOld { .. }
                    | VerifyError::TimestampInFuture { .. },
                ) => {}
                Err(other) => panic!("a signed body refused: {other}"),
            }
        }
        _ => query(bytes),
    }
});

const VERIFY_TOKEN: &str = "verify-token";

/// The presets that answer a handshake read from the query: the preset, the method
/// it comes with, the parameter it echoes.
const QUERY_HANDSHAKES: [(Preset, &str, &str); 4] = [
    (Preset::Meta, "GET", "hub.challenge"),
    (Preset::Dropbox, "GET", "challenge"),
    (Preset::X, "GET", "crc_token"),
    (Preset::MicrosoftGraph, "POST", "validationToken"),
];

fn handshake_verifier(preset: Preset) -> Verifier {
    Verifier::builder(preset.scheme())
        .secret("secret")
        .verify_token(VERIFY_TOKEN)
        .clock(FixedClock(NOW))
        .build()
        .expect("valid verifier")
}

/// What the preset answers to `value` echoed: the value, or X's HMAC of it.
fn expected_body(preset: Preset, value: &str) -> serde_json::Value {
    if preset == Preset::X {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(value.as_bytes());
        let tag = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        serde_json::json!({ "response_token": format!("sha256={tag}") })
    } else {
        serde_json::Value::String(value.to_owned())
    }
}

fn body_of(preset: Preset, answer: &ChallengeResponse) -> serde_json::Value {
    assert_eq!(answer.status(), 200);
    if preset == Preset::X {
        serde_json::from_str(answer.body()).expect("X's answer is JSON")
    } else {
        serde_json::Value::String(answer.body().to_owned())
    }
}

fn fit_to_echo(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_ECHO_LEN
        && value
            .bytes()
            .all(|byte| byte == b' ' || byte.is_ascii_graphic())
}

fn query(bytes: &[u8]) {
    let Some((&mode, rest)) = bytes.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        // Any query: whatever is answered, the decoder read it so.
        let query = String::from_utf8_lossy(rest);
        let target = format!("/hook?{query}");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        let has = |name: &str, value: &str| pairs.iter().any(|(n, v)| n == name && v == value);
        for (preset, method, param) in QUERY_HANDSHAKES {
            let head = RequestHead::new(method, &target, &[] as &[(&str, &str)]);
            match handshake_verifier(preset).handshake(&head) {
                None
                | Some(Err(VerifyError::MalformedHandshake | VerifyError::HandshakeRefused)) => {}
                Some(Err(other)) => panic!("{preset:?}: {other}"),
                Some(Ok(answer)) => {
                    let body = body_of(preset, &answer);
                    let echoed = pairs
                        .iter()
                        .filter(|(name, _)| name == param)
                        .find(|(_, value)| expected_body(preset, value) == body)
                        .unwrap_or_else(|| panic!("{preset:?} answered {body} to {target:?}"));
                    assert!(fit_to_echo(&echoed.1), "{preset:?} echoed {:?}", echoed.1);
                    if preset == Preset::Meta {
                        assert!(
                            has("hub.mode", "subscribe") && has("hub.verify_token", VERIFY_TOKEN)
                        );
                    }
                }
            }
        }
    } else {
        // A query the encoder wrote: its value is answered exactly, or refused.
        let value = String::from_utf8_lossy(rest);
        for (preset, method, param) in QUERY_HANDSHAKES {
            for token in [VERIFY_TOKEN, "another-token"] {
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("a", "1")
                    .append_pair("hub.mode", "subscribe")
                    .append_pair("hub.verify_token", token)
                    .append_pair(param, &value)
                    .finish();
                let target = format!("/hook?{query}");
                let head = RequestHead::new(method, &target, &[] as &[(&str, &str)]);
                let answer = handshake_verifier(preset).handshake(&head);
                if preset == Preset::Meta && token != VERIFY_TOKEN {
                    assert_eq!(answer, Some(Err(VerifyError::HandshakeRefused)));
                } else if fit_to_echo(&value) {
                    let answer = answer.expect("a handshake").expect("answered");
                    assert_eq!(body_of(preset, &answer), expected_body(preset, &value));
                } else {
                    assert_eq!(
                        answer,
                        Some(Err(VerifyError::MalformedHandshake)),
                        "{target:?}"
                    );
                }
            }
        }
    }
}
