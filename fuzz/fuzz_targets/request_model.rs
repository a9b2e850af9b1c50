//! The request model's parsers, through the public API: RFC 3339 timestamps
//! (Twitch), millisecond timestamps (HubSpot), `;`-separated signature headers
//! (Paddle), form fields (Twilio, the fuzzed body signed with the verifier's own
//! template) and a JSON field of the body (Linear's `webhookTimestamp`, same).
//! Invariants: no panic; a timestamp that passes is inside the scheme's window; a
//! body the signer signed verifies unless it is not the form or JSON the scheme reads.
//!
//! `REQUEST_MODEL_PARSER` (`rfc3339`, `millis`, `separators`, `form`, `json`) fuzzes
//! one parser only, for a run per parser.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
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
    let arm = ["rfc3339", "millis", "separators", "form", "json"]
        .iter()
        .position(|parser| *parser == name)
        .unwrap_or_else(|| panic!("REQUEST_MODEL_PARSER={name}: not a parser"));
    Some(u8::try_from(arm).unwrap())
});

fuzz_target!(|input: (u8, &[u8])| {
    let (which, bytes) = input;
    let which = ONLY.unwrap_or(which);
    match which % 5 {
        // A timestamp header as sent: it passes only inside the window.
        0 | 1 => {
            let (preset, header, window) = if which % 5 == 0 {
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
        _ => {
            let preset = if which % 5 == 3 {
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
    }
});
