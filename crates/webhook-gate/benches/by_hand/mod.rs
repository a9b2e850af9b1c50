//! Verifiers of single schemes written by hand, as a receiver without this crate
//! would write them after the provider's SDK, with the field's crates (`serde`
//! derive, `form_urlencoded`, `hex`, `base64`, `hmac`, `subtle`). For a scheme that
//! parses the body they are the bound of that parse, which a raw primitive does not
//! include. Each makes its HMAC key per call, as the raw baselines do.

use std::borrow::Cow;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use webhook_gate::Preset;

use crate::common::{SECRET, URL, now};

/// A by-hand verifier bound to its request.
pub type Check = Box<dyn Fn() -> bool>;

/// The headers the benchmarks send, as name / value pairs.
type Headers = [(String, String)];

/// The by-hand verifier of `preset`'s request (`headers`, `body`), for the presets
/// that parse the body; checked to accept the request and refuse it tampered.
pub fn verifier(preset: Preset, headers: &[(String, String)], body: &[u8]) -> Option<Check> {
    let check: fn(&Headers, &[u8]) -> bool = match preset {
        Preset::Twilio => twilio,
        Preset::Linear => linear,
        Preset::MicrosoftGraph => graph,
        Preset::Mailgun => mailgun,
        _ => return None,
    };
    assert!(check(headers, body), "{preset} by hand refuses its request");
    // A byte of what is signed changed: Graph's token (it signs nothing), Mailgun's
    // token (it signs no more of the body), the body of the others.
    let mut tampered = body.to_vec();
    let after = |text: &[u8]| memchr::memmem::find(body, text).unwrap() + text.len() + 2;
    let at = match preset {
        Preset::MicrosoftGraph => after(SECRET.as_bytes()),
        Preset::Mailgun => after(br#""token":""#),
        _ => body.len() / 2,
    };
    tampered[at] ^= 1;
    assert!(
        !check(headers, &tampered),
        "{preset} by hand accepts a tampered request"
    );
    let (headers, body) = (headers.to_vec(), body.to_vec());
    Some(Box::new(move || {
        check(std::hint::black_box(&headers), std::hint::black_box(&body))
    }))
}

fn header<'h>(headers: &'h Headers, name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(other, _)| other.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// Twilio's `RequestValidator`: HMAC-SHA1 of the URL, then of each distinct form
/// field, name and value, sorted.
fn twilio(headers: &Headers, body: &[u8]) -> bool {
    let Some(Ok(signature)) = header(headers, "x-twilio-signature")
        .map(|value| base64::engine::general_purpose::STANDARD.decode(value))
    else {
        return false;
    };
    let mut fields: Vec<(Cow<'_, str>, Cow<'_, str>)> = form_urlencoded::parse(body).collect();
    fields.sort_unstable();
    fields.dedup();
    let mut mac = Hmac::<Sha1>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(URL.as_bytes());
    for (name, value) in &fields {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac.verify_slice(&signature).is_ok()
}

#[derive(Deserialize)]
struct LinearPayload {
    #[serde(rename = "webhookTimestamp")]
    timestamp: i64,
}

/// Linear's: HMAC-SHA256 of the body, then `webhookTimestamp` (milliseconds)
/// within a minute.
fn linear(headers: &Headers, body: &[u8]) -> bool {
    let Some(Ok(signature)) = header(headers, "linear-signature").map(hex::decode) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    if mac.verify_slice(&signature).is_err() {
        return false;
    }
    serde_json::from_slice::<LinearPayload>(body)
        .is_ok_and(|payload| (now() * 1000 - payload.timestamp).abs() <= 60_000)
}

#[derive(Deserialize)]
struct Notifications {
    value: Vec<Notification>,
}

#[derive(Deserialize)]
struct Notification {
    #[serde(rename = "clientState")]
    client_state: String,
}

/// Microsoft Graph's: every notification's `clientState` is the one subscribed with.
fn graph(_: &Headers, body: &[u8]) -> bool {
    serde_json::from_slice::<Notifications>(body).is_ok_and(|notifications| {
        !notifications.value.is_empty()
            && notifications
                .value
                .iter()
                .all(|item| bool::from(item.client_state.as_bytes().ct_eq(SECRET.as_bytes())))
    })
}

#[derive(Deserialize)]
struct MailgunPayload {
    signature: MailgunSignature,
}

#[derive(Deserialize)]
struct MailgunSignature {
    timestamp: String,
    token: String,
    signature: String,
}

/// Mailgun's: HMAC-SHA256 of `signature.timestamp` and `signature.token`, the
/// timestamp within 15 minutes.
fn mailgun(_: &Headers, body: &[u8]) -> bool {
    let Ok(MailgunPayload { signature }) = serde_json::from_slice(body) else {
        return false;
    };
    let (Ok(expected), Ok(timestamp)) = (
        hex::decode(&signature.signature),
        signature.timestamp.parse::<i64>(),
    ) else {
        return false;
    };
    if (now() - timestamp).abs() > 900 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(signature.timestamp.as_bytes());
    mac.update(signature.token.as_bytes());
    mac.verify_slice(&expected).is_ok()
}
