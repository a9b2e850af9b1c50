//! Verifiers of single schemes written by hand, as a receiver without this crate
//! would write them after the provider's SDK, with the field's crates (`serde`
//! derive, `form_urlencoded`, `hex`, `base64`, `hmac`, `subtle`, `time`).
//!
//! - For a scheme that parses the body (Twilio, Linear, Microsoft Graph, Mailgun)
//!   they are the bound of that parse, which a raw primitive does not include. Each
//!   makes its HMAC key per call, as the raw baselines do.
//! - For the schemes of several headers nearest 1.15x of their raw primitive
//!   (Twitch, Paddle) and for GitHub, the simplest, they are the bound of the
//!   headers' work: the signature found and decoded, the timestamp read and judged,
//!   the tag compared in constant time. Each keys its HMAC once and clones it per
//!   call, as the verifier does, so that the two differ only in that work.

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
/// above; checked to accept the request and refuse it tampered.
pub fn verifier(preset: Preset, headers: &[(String, String)], body: &[u8]) -> Option<Check> {
    let keyed = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    Some(match preset {
        Preset::Twilio => bound(preset, twilio, headers, body),
        Preset::Linear => bound(preset, linear, headers, body),
        Preset::MicrosoftGraph => bound(preset, graph, headers, body),
        Preset::Mailgun => bound(preset, mailgun, headers, body),
        Preset::GitHub => bound(preset, move |h, b| github(&keyed, h, b), headers, body),
        Preset::Twitch => bound(preset, move |h, b| twitch(&keyed, h, b), headers, body),
        Preset::Paddle => bound(preset, move |h, b| paddle(&keyed, h, b), headers, body),
        _ => return None,
    })
}

fn bound(
    preset: Preset,
    check: impl Fn(&Headers, &[u8]) -> bool + 'static,
    headers: &[(String, String)],
    body: &[u8],
) -> Check {
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
    Box::new(move || check(std::hint::black_box(&headers), std::hint::black_box(&body)))
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

/// `value` without `prefix`, hex-decoded to a SHA-256 tag.
fn hex_tag(value: &str, prefix: &str) -> Option<[u8; 32]> {
    let mut tag = [0u8; 32];
    hex::decode_to_slice(value.strip_prefix(prefix)?, &mut tag).ok()?;
    Some(tag)
}

/// GitHub's: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the body.
fn github(keyed: &Hmac<Sha256>, headers: &Headers, body: &[u8]) -> bool {
    let Some(tag) = header(headers, "x-hub-signature-256").and_then(|v| hex_tag(v, "sha256="))
    else {
        return false;
    };
    let mut mac = keyed.clone();
    mac.update(body);
    mac.verify_slice(&tag).is_ok()
}

/// Twitch's: HMAC-SHA256 of the message id, the timestamp (RFC 3339, within 10
/// minutes) and the body, as `sha256=<hex>`.
fn twitch(keyed: &Hmac<Sha256>, headers: &Headers, body: &[u8]) -> bool {
    use time::format_description::well_known::Rfc3339;
    let (Some(id), Some(timestamp), Some(tag)) = (
        header(headers, "twitch-eventsub-message-id"),
        header(headers, "twitch-eventsub-message-timestamp"),
        header(headers, "twitch-eventsub-message-signature").and_then(|v| hex_tag(v, "sha256=")),
    ) else {
        return false;
    };
    let Ok(sent) = time::OffsetDateTime::parse(timestamp, &Rfc3339) else {
        return false;
    };
    if (now() - sent.unix_timestamp()).abs() > 600 {
        return false;
    }
    let mut mac = keyed.clone();
    mac.update(id.as_bytes());
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.verify_slice(&tag).is_ok()
}

/// Paddle's SDKs': `Paddle-Signature: ts=<unix>;h1=<hex>`, HMAC-SHA256 of
/// `{ts}:{body}`, `ts` within 5 seconds; any `h1` may match.
fn paddle(keyed: &Hmac<Sha256>, headers: &Headers, body: &[u8]) -> bool {
    let Some(value) = header(headers, "paddle-signature") else {
        return false;
    };
    let items = || value.split(';').filter_map(|item| item.split_once('='));
    let Some((ts, Ok(sent))) = items()
        .find(|(key, _)| *key == "ts")
        .map(|(_, text)| (text, text.parse::<i64>()))
    else {
        return false;
    };
    if (now() - sent).abs() > 5 {
        return false;
    }
    let mut mac = keyed.clone();
    mac.update(ts.as_bytes());
    mac.update(b":");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    items()
        .filter(|(key, _)| *key == "h1")
        .filter_map(|(_, tag)| hex_tag(tag, ""))
        .any(|tag| bool::from(tag.ct_eq(&expected[..])))
}
