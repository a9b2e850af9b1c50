//! One table of cases, run against the axum adapter and the actix-web adapter over
//! loopback HTTP. Adding a case tests both. Every expected status is written in the
//! table; none is computed by the code under test.

mod support;

use std::fmt::Write as _;
use std::net::SocketAddr;

use base64::Engine as _;

use support::{
    Answer, Key, NEXT_SECRET, RETIRED_SECRET, Request, Runs, SECRET, VERIFY_TOKEN, both_adapters,
    key, now, send, signer,
};
use webhook_gate::challenge::Challenge;
use webhook_gate::delivery::DeliveryIdSource;
use webhook_gate::scheme::{Algorithm, Part, SignatureFormat};
use webhook_gate::sign::SignOptions;
use webhook_gate::{Preset, Scheme, Signer};

const CHALLENGE: &str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P";

/// The value a handshake carries (to echo, to capture).
const HANDSHAKE_VALUE: &str = "c4a1f0e2-7b9d";

/// The value a handshake to capture carries to a route without a capture callback.
const UNCAPTURED_VALUE: &str = "5e0d2b7a-91c3";

/// What a case sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Send {
    Valid,
    TamperedBody,
    WrongSecret,
    MissingSignature,
    GarbageSignature,
    TruncatedSignature,
    EmptySignature,
    LongSignature,
    NonNumericTimestamp,
    TimestampAgo(i64),
    TimestampAhead(i64),
    Duplicate,
    RotationSecondMatches,
    SignedChallenge,
    UnsignedChallenge,
    Body2MiB,
    UppercaseHeaderNames,
    FailsOnceThenRetried,
    ConcurrentCopies(usize),
    /// The signature header sent this many times.
    RepeatedSignatureHeader(usize),
    /// A 64 KiB signature header.
    SignatureHeader64KiB,
    /// A signature header with this many signature entries.
    ManySignatureEntries(usize),
    /// Bytes that are not UTF-8 in the signature header.
    NonUtf8Signature,
    /// Bytes that are not UTF-8 in the timestamp.
    NonUtf8Timestamp,
    /// A correctly signed body that is not UTF-8.
    InvalidUtf8Body,
    /// A correctly signed JSON body nested this deep.
    DeeplyNestedJson(usize),
    /// A processed delivery captured and sent again with a new id header.
    ReplayUnderNewId,
    /// The preset's handshake, as its provider sends it.
    Handshake,
    /// The signed handshake, signed with a key the receiver does not know.
    HandshakeWrongKey,
    /// The unsigned handshake with another verify token.
    HandshakeWrongToken,
    /// The unsigned handshake with a value too long to echo.
    HandshakeTooLong,
    /// The preset's handshake (or signed challenge) sent twice.
    HandshakeTwice,
    /// The handshake that hands over a value, to a route without a capture callback.
    CaptureWithoutCallback,
    /// Two items, the second carrying a token the receiver does not know.
    OneItemWrongToken,
    /// A value the signature covers changed in the body (Mailgun's `token`).
    TamperedSignedValue,
    /// A processed delivery captured and sent again with a new id in its body,
    /// which the signature does not cover (Mailgun's `event-data.id`).
    ReplayUnderNewBodyId,
    /// A processed delivery's signature sent again with another body (a new id, an
    /// added field) of the same CRC-32, which is all the signature covers (PayPal).
    ReplayWithBodyOfSameChecksum,
}

/// Which presets a case applies to.
#[derive(Clone, Copy, Debug)]
enum Presets {
    All,
    /// Something is signed (all but token schemes).
    Signed,
    /// The signature covers the whole body, or a checksum of it (PayPal's CRC-32):
    /// all but token schemes and Mailgun.
    SignsBody,
    /// The signature covers values of the body, not all of it (Mailgun).
    SignsBodyValues,
    /// Signed tokens say who sent the body, not what it says (Microsoft Graph's
    /// validation tokens).
    BodyUnbound,
    /// A shared token proves the sender; nothing is signed.
    Token,
    /// A shared token in a header.
    TokenInHeader,
    /// A shared token in every item of the body (Microsoft Graph).
    TokenInBody,
    WithTimestamp,
    /// The timestamp is in a header or the signature header.
    TimestampInHead,
    /// A signed JSON echo challenge (Slack, Proposal Generator).
    WithJsonEcho,
    /// Another signed handshake (Discord, Twitch, Zoom).
    SignedHandshake,
    /// An unsigned handshake (Meta, Dropbox, X, Okta).
    UnsignedHandshake,
    /// An unsigned handshake guarded by a verify token (Meta).
    VerifyTokenHandshake,
    /// Any handshake or challenge.
    AnyHandshake,
    /// A handshake that hands over a value (Asana, Notion).
    CapturingHandshake,
    /// The body is parsed (the delivery id or the timestamp is in it).
    BodyParsed,
    /// The body is not parsed.
    BodyNotParsed,
    /// No JSON Pointer into the body.
    NoJsonPointer,
    /// The delivery id comes from a header the signature does not cover, and the
    /// scheme signs (a token fingerprints nothing).
    UnsignedIdHeader,
    /// The delivery id comes from a part of the body the signature does not cover.
    UnsignedIdInBody,
    /// The signature covers the body's CRC-32 (PayPal), and the id is in the body.
    SignsBodyChecksum,
    /// The signature (or token) is in a header (all but Microsoft Graph).
    SignatureInHeader,
    /// Deliveries carry an id and are deduplicated (all but Microsoft Graph).
    Deduplicated,
    /// The provider sends no delivery id (Microsoft Graph).
    NotDeduplicated,
}

struct Case {
    name: &'static str,
    presets: Presets,
    send: Send,
    /// The status of each request the case sends, in order (the last one repeats
    /// for concurrent copies).
    statuses: &'static [u16],
    /// How many times the handler runs for the case's delivery.
    handler_runs: usize,
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { name: "valid", presets: Presets::All, send: Send::Valid, statuses: &[200], handler_runs: 1 },
    Case { name: "tampered body", presets: Presets::SignsBody, send: Send::TamperedBody, statuses: &[401], handler_runs: 0 },
    // Mailgun signs its timestamp and token, not the event: a changed event passes
    // (dedupe on the signature keeps a capture from being used twice).
    Case { name: "tampered event, its signature over other values", presets: Presets::SignsBodyValues, send: Send::TamperedBody, statuses: &[200], handler_runs: 1 },
    Case { name: "tampered signed value of the body", presets: Presets::SignsBodyValues, send: Send::TamperedSignedValue, statuses: &[401], handler_runs: 0 },
    // Graph's validation tokens vouch for the sender: a changed body passes (the
    // resource data's own dataSignature is the handler's to check).
    Case { name: "tampered body under validation tokens", presets: Presets::BodyUnbound, send: Send::TamperedBody, statuses: &[200], handler_runs: 1 },
    // A token proves who sent the request, not what it says: use HTTPS.
    Case { name: "tampered body under a token", presets: Presets::Token, send: Send::TamperedBody, statuses: &[200], handler_runs: 1 },
    Case { name: "wrong secret", presets: Presets::All, send: Send::WrongSecret, statuses: &[401], handler_runs: 0 },
    Case { name: "missing signature header", presets: Presets::All, send: Send::MissingSignature, statuses: &[401], handler_runs: 0 },
    Case { name: "garbage signature", presets: Presets::Signed, send: Send::GarbageSignature, statuses: &[400], handler_runs: 0 },
    Case { name: "truncated signature", presets: Presets::Signed, send: Send::TruncatedSignature, statuses: &[400], handler_runs: 0 },
    Case { name: "garbage token", presets: Presets::TokenInHeader, send: Send::GarbageSignature, statuses: &[401], handler_runs: 0 },
    Case { name: "truncated token", presets: Presets::TokenInHeader, send: Send::TruncatedSignature, statuses: &[401], handler_runs: 0 },
    Case { name: "empty signature", presets: Presets::SignatureInHeader, send: Send::EmptySignature, statuses: &[400], handler_runs: 0 },
    Case { name: "10 KiB signature", presets: Presets::SignatureInHeader, send: Send::LongSignature, statuses: &[400], handler_runs: 0 },
    Case { name: "non-numeric timestamp", presets: Presets::WithTimestamp, send: Send::NonNumericTimestamp, statuses: &[400], handler_runs: 0 },
    // Relative to each scheme's window: a minute beyond it, or four fifths into it.
    Case { name: "timestamp a minute too old", presets: Presets::WithTimestamp, send: Send::TimestampAgo(BEYOND), statuses: &[401], handler_runs: 0 },
    Case { name: "timestamp a minute too far ahead", presets: Presets::WithTimestamp, send: Send::TimestampAhead(BEYOND), statuses: &[401], handler_runs: 0 },
    Case { name: "timestamp inside the window", presets: Presets::WithTimestamp, send: Send::TimestampAgo(INSIDE), statuses: &[200], handler_runs: 1 },
    Case { name: "duplicate of a processed delivery", presets: Presets::Deduplicated, send: Send::Duplicate, statuses: &[200, 200], handler_runs: 1 },
    Case { name: "rotation: only the second signature or secret matches", presets: Presets::All, send: Send::RotationSecondMatches, statuses: &[200], handler_runs: 1 },
    Case { name: "signed challenge", presets: Presets::WithJsonEcho, send: Send::SignedChallenge, statuses: &[200], handler_runs: 0 },
    Case { name: "unsigned challenge", presets: Presets::WithJsonEcho, send: Send::UnsignedChallenge, statuses: &[401], handler_runs: 0 },
    Case { name: "signed handshake answered", presets: Presets::SignedHandshake, send: Send::Handshake, statuses: &[200], handler_runs: 0 },
    Case { name: "signed handshake with an unknown key", presets: Presets::SignedHandshake, send: Send::HandshakeWrongKey, statuses: &[401], handler_runs: 0 },
    Case { name: "unsigned handshake answered", presets: Presets::UnsignedHandshake, send: Send::Handshake, statuses: &[200], handler_runs: 0 },
    Case { name: "unsigned handshake with another verify token", presets: Presets::VerifyTokenHandshake, send: Send::HandshakeWrongToken, statuses: &[403], handler_runs: 0 },
    Case { name: "unsigned handshake too long to echo", presets: Presets::UnsignedHandshake, send: Send::HandshakeTooLong, statuses: &[400], handler_runs: 0 },
    // Never deduplicated: a provider repeats a handshake it did not see answered.
    Case { name: "handshake sent twice, answered twice", presets: Presets::AnyHandshake, send: Send::HandshakeTwice, statuses: &[200, 200], handler_runs: 0 },
    Case { name: "handshake to capture, no callback", presets: Presets::CapturingHandshake, send: Send::CaptureWithoutCallback, statuses: &[403], handler_runs: 0 },
    Case { name: "2 MiB body", presets: Presets::All, send: Send::Body2MiB, statuses: &[413], handler_runs: 0 },
    Case { name: "header names in upper case", presets: Presets::All, send: Send::UppercaseHeaderNames, statuses: &[200], handler_runs: 1 },
    Case { name: "handler fails once, the retry is processed", presets: Presets::All, send: Send::FailsOnceThenRetried, statuses: &[500, 200], handler_runs: 2 },
    Case { name: "64 concurrent copies", presets: Presets::Deduplicated, send: Send::ConcurrentCopies(64), statuses: &[200], handler_runs: 1 },
    // Without a delivery id a copy cannot be told from a new delivery.
    Case { name: "a second copy without a delivery id", presets: Presets::NotDeduplicated, send: Send::Duplicate, statuses: &[200, 200], handler_runs: 2 },
    Case { name: "one item of two with another token", presets: Presets::TokenInBody, send: Send::OneItemWrongToken, statuses: &[401], handler_runs: 0 },
    // Hostile requests.
    Case { name: "20 signature headers", presets: Presets::SignatureInHeader, send: Send::RepeatedSignatureHeader(20), statuses: &[400], handler_runs: 0 },
    // Beyond hyper's 100 and actix-web's 96 headers: the server refuses the head.
    Case { name: "100 signature headers", presets: Presets::SignatureInHeader, send: Send::RepeatedSignatureHeader(100), statuses: &[431], handler_runs: 0 },
    Case { name: "64 KiB signature header", presets: Presets::SignatureInHeader, send: Send::SignatureHeader64KiB, statuses: &[400], handler_runs: 0 },
    Case { name: "10 000 signature entries", presets: Presets::SignatureInHeader, send: Send::ManySignatureEntries(10_000), statuses: &[400], handler_runs: 0 },
    Case { name: "signature header not UTF-8", presets: Presets::SignatureInHeader, send: Send::NonUtf8Signature, statuses: &[400], handler_runs: 0 },
    Case { name: "timestamp not UTF-8", presets: Presets::TimestampInHead, send: Send::NonUtf8Timestamp, statuses: &[400], handler_runs: 0 },
    Case { name: "signed body not UTF-8, body parsed", presets: Presets::BodyParsed, send: Send::InvalidUtf8Body, statuses: &[400], handler_runs: 0 },
    Case { name: "signed body not UTF-8, body not parsed", presets: Presets::BodyNotParsed, send: Send::InvalidUtf8Body, statuses: &[200], handler_runs: 1 },
    // Valid JSON: top-level fields are read, the nesting skipped without recursion
    // (a JSON Pointer parses the whole body and refuses it).
    Case { name: "JSON nested 100 000 deep", presets: Presets::NoJsonPointer, send: Send::DeeplyNestedJson(100_000), statuses: &[200], handler_runs: 1 },
    // The signature's fingerprint is claimed with an id it does not cover.
    Case { name: "replayed under a fresh delivery id", presets: Presets::UnsignedIdHeader, send: Send::ReplayUnderNewId, statuses: &[200, 200], handler_runs: 1 },
    Case { name: "replayed under a fresh id in the body", presets: Presets::UnsignedIdInBody, send: Send::ReplayUnderNewBodyId, statuses: &[200, 200], handler_runs: 1 },
    // A forged body of the same CRC verifies; claimed with the signature, it is a
    // duplicate of the delivery first seen with it.
    Case { name: "signature replayed with a body of the same CRC-32", presets: Presets::SignsBodyChecksum, send: Send::ReplayWithBodyOfSameChecksum, statuses: &[200, 200], handler_runs: 1 },
];

/// `TimestampAgo(BEYOND)`: a minute beyond the scheme's window.
const BEYOND: i64 = -1;
/// `TimestampAgo(INSIDE)`: four fifths into the scheme's window.
const INSIDE: i64 = -2;

/// The case's body: every field a preset takes its delivery id from (Coinbase's
/// `event.id` and Mailgun's `event-data.id` too), and Linear's
/// `webhookTimestamp` (milliseconds).
fn case_body(id: &str, unix: i64) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","event_id":"{id}","eventId":"{id}","notification_id":"{id}","type":"conformance.case","webhookTimestamp":{},"event":{{"id":"{id}"}},"event-data":{{"id":"{id}"}},"data":{{"id":"{id}","amount":4200,"note":"héllo"}}}}"#,
        unix * 1000
    )
    .into_bytes()
}

/// Whether the scheme's timestamp is in the body (Linear, Mailgun; the `iat` of
/// Microsoft Graph's validation tokens).
fn timestamp_in_body(scheme: &Scheme) -> bool {
    scheme.timestamp_field().is_some()
        || matches!(
            scheme.format(),
            SignatureFormat::GraphValidationTokens { .. }
        )
}

/// `body` with `text` at `at`: a JSON Pointer (`/signature/token`), or a top-level
/// field.
fn with_json_value(body: &[u8], at: &str, text: &str) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(body).unwrap();
    let slot = if at.starts_with('/') {
        value.pointer_mut(at).unwrap()
    } else {
        value.get_mut(at).unwrap()
    };
    *slot = serde_json::Value::from(text);
    serde_json::to_vec(&value).unwrap()
}

/// CRC-32 (IEEE 802.3, reflected), bit by bit: the test's own, not the crate's.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `body` with the top-level `field` set to `id` and a field `pad` of 64 letters,
/// each `A` or `B`, chosen so that the CRC-32 is `body`'s.
///
/// At a fixed length a CRC is affine: turning a set of `A`s into `B`s changes it by
/// the XOR of what each turn alone changes. Which set gives the wanted change is a
/// linear system over GF(2), solved by elimination.
fn with_same_crc32(body: &[u8], field: &str, id: &str) -> Vec<u8> {
    const PAD: usize = 64;
    let mut value: serde_json::Value = serde_json::from_slice(body).unwrap();
    value[field] = serde_json::Value::from(id);
    value["pad"] = serde_json::Value::from("A".repeat(PAD));
    let mut forged = serde_json::to_vec(&value).unwrap();
    let marker = format!("\"pad\":\"{}\"", "A".repeat(PAD));
    let start = forged
        .windows(marker.len())
        .position(|window| window == marker.as_bytes())
        .unwrap()
        + "\"pad\":\"".len();
    let base = crc32(&forged);
    // basis[bit]: a change whose highest set bit is `bit`, and the letters it turns.
    let mut basis: [Option<(u32, u64)>; 32] = [None; 32];
    for letter in 0..PAD {
        forged[start + letter] = b'B';
        let (mut change, mut turns) = (crc32(&forged) ^ base, 1u64 << letter);
        forged[start + letter] = b'A';
        for bit in (0..32).rev() {
            if change >> bit & 1 == 0 {
                continue;
            }
            if let Some((other, its_turns)) = basis[bit] {
                change ^= other;
                turns ^= its_turns;
            } else {
                basis[bit] = Some((change, turns));
                break;
            }
        }
    }
    let (mut wanted, mut turns) = (base ^ crc32(body), 0u64);
    for bit in (0..32).rev() {
        if wanted >> bit & 1 == 1 {
            let (change, its_turns) = basis[bit].expect("64 letters reach every CRC");
            wanted ^= change;
            turns ^= its_turns;
        }
    }
    for letter in 0..PAD {
        if turns >> letter & 1 == 1 {
            forged[start + letter] = b'B';
        }
    }
    assert_eq!(crc32(&forged), crc32(body));
    forged
}

/// Where the body carries the signature, for a signature in the body (Mailgun;
/// the first of Microsoft Graph's validation tokens).
fn signature_in_body(scheme: &Scheme) -> Option<&str> {
    match scheme.format() {
        SignatureFormat::BodyField { pointer, .. } => Some(pointer),
        SignatureFormat::GraphValidationTokens { .. } => Some("/validationTokens/0"),
        _ => None,
    }
}

/// Builds the requests a case sends to one preset, all about one delivery `id`.
#[allow(clippy::too_many_lines)] // One arm per kind of request: read as a table.
fn requests(preset: &str, send: Send, id: &str, address: SocketAddr) -> Vec<Request> {
    let preset_name = preset;
    let preset: Preset = preset.parse().unwrap();
    let scheme = preset.scheme();
    let signer = signer(preset, Key::Current);
    let body = case_body(id, now());
    // The URL the receiver sees: `https://`, the `Host` header, the path.
    let url = format!("https://{address}/webhooks/{preset_name}");
    let options = SignOptions::new().timestamp(now()).id(id).url(&url);
    let valid = signed(&signer, &body, &options);
    // A token in the body (Microsoft Graph) has no header: those cases do not apply.
    let signature_header = scheme.signature_header().unwrap_or("-").to_owned();
    let in_body = signature_in_body(&scheme);
    let signature_value = match in_body {
        Some(pointer) => serde_json::from_slice::<serde_json::Value>(&valid.body)
            .unwrap()
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .unwrap()
            .to_owned(),
        None => valid
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&signature_header))
            .map(|(_, value)| value.clone())
            .unwrap_or_default(),
    };
    // In its header, or in the body (Mailgun's), not signed again.
    let with_signature = |value: String| {
        let mut request = valid.clone();
        match in_body {
            Some(pointer) => request.body = with_json_value(&request.body, pointer, &value),
            None => request.set(&signature_header, value),
        }
        request
    };
    let window = i64::try_from(scheme.tolerance().as_secs()).unwrap();
    let offset = |seconds: i64| match seconds {
        BEYOND => window + 60,
        INSIDE => window * 4 / 5,
        seconds => seconds,
    };
    let at = |timestamp: i64| {
        let body = case_body(id, timestamp);
        let options = SignOptions::new().timestamp(timestamp).id(id).url(&url);
        signed(&signer, &body, &options)
    };
    match send {
        Send::Valid => vec![valid],
        Send::TamperedBody => {
            let mut request = valid;
            // The event's amount only: a bare "4200" can also be in a signature or
            // a timestamp carried in the body (Mailgun's), which would not be
            // tampering with the event.
            request.body = String::from_utf8(request.body)
                .unwrap()
                .replace(r#""amount":4200"#, r#""amount":4201"#)
                .into_bytes();
            vec![request]
        }
        Send::WrongSecret => vec![signed(
            &support::signer(preset, Key::Retired),
            &body,
            &options,
        )],
        Send::MissingSignature => {
            let mut request = valid;
            request.body = carried(&scheme, &body);
            request
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case(&signature_header));
            vec![request]
        }
        Send::GarbageSignature => vec![with_signature("garbage!".to_owned())],
        Send::TruncatedSignature => vec![with_signature(
            signature_value[..signature_value.len() - 2].to_owned(),
        )],
        Send::EmptySignature => vec![with_signature(String::new())],
        Send::LongSignature => vec![with_signature(format!(
            "{signature_value}{}",
            "a".repeat(10 * 1024)
        ))],
        Send::NonNumericTimestamp => {
            let mut request = valid;
            // In the body it is judged before the signature, as in a header.
            if let Some(field) = scheme.timestamp_field() {
                request.body = with_json_value(&request.body, field, "soon");
            } else if let Some(header) = scheme.timestamp_header() {
                request.set(header, "not-a-timestamp".to_owned());
            } else if scheme.format().is_jwt() {
                // The token's `iat` claim: a string.
                let (header, rest) = signature_value.split_once('.').unwrap();
                let (claims, signature) = rest.split_once('.').unwrap();
                let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
                let mut claims: serde_json::Value =
                    serde_json::from_slice(&engine.decode(claims).unwrap()).unwrap();
                claims["iat"] = serde_json::Value::from("soon");
                let claims = engine.encode(claims.to_string());
                let token = format!("{header}.{claims}.{signature}");
                match in_body {
                    Some(pointer) => {
                        request.body = with_json_value(&request.body, pointer, &token);
                    }
                    None => request.set(&signature_header, token),
                }
            } else {
                let SignatureFormat::KeyValue { timestamp_key, .. } = scheme.format() else {
                    unreachable!("a timestamp in the signature header is a key=value format")
                };
                let value = signature_value.replacen(
                    &format!("{timestamp_key}={}", now()),
                    &format!("{timestamp_key}=abc"),
                    1,
                );
                request.set(&signature_header, value);
            }
            vec![request]
        }
        Send::TimestampAgo(seconds) => vec![at(now() - offset(seconds))],
        Send::TimestampAhead(seconds) => vec![at(now() + offset(seconds))],
        Send::Duplicate | Send::FailsOnceThenRetried => vec![valid.clone(), valid],
        Send::ReplayUnderNewId => {
            let mut replay = valid.clone();
            let id_header = scheme.delivery_id_header().unwrap();
            replay.set(id_header, format!("{id}-replayed"));
            vec![valid, replay]
        }
        Send::ReplayUnderNewBodyId => {
            let Some(DeliveryIdSource::JsonPointer(pointer)) = scheme.delivery_id() else {
                unreachable!("the case is for an id at a JSON Pointer")
            };
            let mut replay = valid.clone();
            replay.body = with_json_value(&replay.body, &pointer, &format!("{id}-replayed"));
            vec![valid, replay]
        }
        Send::ReplayWithBodyOfSameChecksum => {
            let Some(DeliveryIdSource::JsonField(field)) = scheme.delivery_id() else {
                unreachable!("the case is for an id in a top-level field")
            };
            let mut replay = valid.clone();
            replay.body = with_same_crc32(&valid.body, &field, &format!("{id}-replayed"));
            assert_ne!(replay.body, valid.body);
            vec![valid, replay]
        }
        Send::TamperedSignedValue => {
            let signed_value = scheme
                .signed_content()
                .as_parts()
                .iter()
                .find_map(|part| match part {
                    Part::JsonPointer(pointer) if Some(&**pointer) != scheme.timestamp_field() => {
                        Some(pointer.to_string())
                    }
                    _ => None,
                })
                .unwrap();
            let mut request = valid;
            request.body = with_json_value(&request.body, &signed_value, "tampered");
            vec![request]
        }
        Send::RotationSecondMatches => vec![rotation(preset, &body, &options)],
        Send::SignedChallenge | Send::UnsignedChallenge => {
            vec![challenge(&signer, preset_name, send, &options, id)]
        }
        Send::Handshake
        | Send::HandshakeWrongKey
        | Send::HandshakeWrongToken
        | Send::HandshakeTooLong
        | Send::CaptureWithoutCallback => vec![handshake(preset, send, &options).0],
        Send::HandshakeTwice => {
            let request = if matches!(scheme.challenge(), Some(Challenge::JsonEcho { .. })) {
                challenge(&signer, preset_name, Send::SignedChallenge, &options, id)
            } else {
                handshake(preset, Send::Handshake, &options).0
            };
            vec![request.clone(), request]
        }
        Send::Body2MiB => vec![body_2mib(&signer, &body, &options)],
        Send::OneItemWrongToken => {
            let item = |which| {
                let one =
                    support::signer(preset, which).sign_body(&carried(&scheme, &body), &options);
                let text = String::from_utf8(one).unwrap();
                text["{\"value\":[".len()..text.len() - 2].to_owned()
            };
            let body = format!(
                r#"{{"value":[{},{}]}}"#,
                item(Key::Current),
                item(Key::Retired)
            );
            vec![Request::signed(
                signer.sign(body.as_bytes(), &options),
                body.into_bytes(),
            )]
        }
        Send::UppercaseHeaderNames => {
            let mut request = valid;
            for (name, _) in &mut request.headers {
                *name = name.to_ascii_uppercase();
            }
            vec![request]
        }
        Send::ConcurrentCopies(copies) => vec![valid; copies],
        Send::RepeatedSignatureHeader(copies) => {
            let mut request = valid;
            for _ in 1..copies {
                request
                    .headers
                    .push((signature_header.clone(), signature_value.clone()));
            }
            vec![request]
        }
        Send::SignatureHeader64KiB => vec![with_signature(format!(
            "{signature_value}{}",
            "0".repeat(64 * 1024)
        ))],
        Send::ManySignatureEntries(entries) => {
            let entry = match scheme.format() {
                SignatureFormat::VersionedList { .. } => " v1,AAAA",
                _ => ",v1=0",
            };
            vec![with_signature(format!(
                "{signature_value}{}",
                entry.repeat(entries)
            ))]
        }
        Send::NonUtf8Signature => {
            let mut request = valid;
            let mut value = signature_value.into_bytes();
            value[2] = 0xff;
            request.set_raw(&signature_header, value);
            vec![request]
        }
        Send::NonUtf8Timestamp => vec![non_utf8_timestamp(&scheme, valid, signature_value)],
        Send::InvalidUtf8Body => {
            let mut body = format!(r#"{{"id":"{id}","note":""#).into_bytes();
            body.extend_from_slice(&[0xff, 0xfe, 0x80]);
            body.extend_from_slice(b"\"}");
            vec![signed(&signer, &body, &options)]
        }
        Send::DeeplyNestedJson(depth) => {
            let mut body = format!(
                r#"{{"id":"{id}","event_id":"{id}","eventId":"{id}","notification_id":"{id}","webhookTimestamp":{},"nested":"#,
                now() * 1000
            )
            .into_bytes();
            body.resize(body.len() + depth, b'[');
            body.resize(body.len() + depth, b']');
            body.push(b'}');
            vec![signed(&signer, &body, &options)]
        }
    }
}

/// `valid` with a byte that is not UTF-8 at the end of its timestamp.
fn non_utf8_timestamp(scheme: &Scheme, mut valid: Request, signature_value: String) -> Request {
    if let Some(header) = scheme.timestamp_header() {
        let mut value = now().to_string().into_bytes();
        value.push(0xfe);
        valid.set_raw(header, value);
    } else if matches!(scheme.format(), SignatureFormat::Jwt { .. }) {
        // In the token's claims, after its header.
        let value = signature_value.into_bytes();
        let at = value.iter().position(|&b| b == b'.').unwrap() + 1;
        let mut bytes = value[..at].to_vec();
        bytes.push(0xfe);
        bytes.extend_from_slice(&value[at..]);
        valid.set_raw(scheme.signature_header().unwrap(), bytes);
    } else {
        // `t=<unix>,v1=...` or `ts=<unix>;h1=...`
        let value = signature_value.into_bytes();
        let at = value.iter().position(|&b| b == b',' || b == b';').unwrap();
        let mut bytes = value[..at].to_vec();
        bytes.push(0xfe);
        bytes.extend_from_slice(&value[at..]);
        valid.set_raw(scheme.signature_header().unwrap(), bytes);
    }
    valid
}

/// A request whose signature header holds two signatures where only the second
/// matches (formats with several), or one signature made with the second secret the
/// receiver accepts (single-signature formats).
fn rotation(preset: Preset, body: &[u8], options: &SignOptions) -> Request {
    let scheme = preset.scheme();
    let multiple = matches!(
        scheme.format(),
        SignatureFormat::KeyValue { .. } | SignatureFormat::VersionedList { .. }
    );
    let signer = if multiple {
        // The provider signs with a retired secret and the current one.
        Signer::with_secrets(
            scheme.clone(),
            [key(preset, Key::Retired).1, key(preset, Key::Current).1],
        )
        .unwrap()
    } else {
        signer(preset, Key::Next)
    };
    signed(&signer, body, options)
}

/// A handshake's answer body is `expected`: as JSON values when both are JSON,
/// else byte for byte.
fn same_body(ours: &str, expected: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(ours),
        serde_json::from_str::<serde_json::Value>(expected),
    ) {
        (Ok(ours), Ok(theirs)) => ours == theirs,
        _ => ours == expected,
    }
}

/// The preset's handshake as `send` asks, and the answer's body when it is
/// answered (values computed here, with the `hmac` crate, where the answer is an
/// HMAC).
#[allow(
    clippy::too_many_lines,
    reason = "one arm per provider's handshake: read as a table"
)]
fn handshake(preset: Preset, send: Send, options: &SignOptions) -> (Request, Option<String>) {
    use hmac::Mac as _;
    let hmac = |message: &str| {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().to_vec()
    };
    let long = "x".repeat(2000);
    let signed = |body: String, extra: &[(&str, &str)]| {
        let key = if send == Send::HandshakeWrongKey {
            Key::Retired
        } else {
            Key::Current
        };
        let mut request = Request::signed(
            signer(preset, key).sign(body.as_bytes(), options),
            body.into_bytes(),
        );
        for (name, value) in extra {
            request.set(name, (*value).to_owned());
        }
        request
    };
    let value = match send {
        Send::HandshakeTooLong => long.as_str(),
        Send::CaptureWithoutCallback => UNCAPTURED_VALUE,
        _ => HANDSHAKE_VALUE,
    };
    match preset.name() {
        "discord" => (
            signed(r#"{"type":1,"id":"ping-1"}"#.to_owned(), &[]),
            Some(r#"{"type":1}"#.to_owned()),
        ),
        "twitch" => (
            signed(
                format!(r#"{{"challenge":"{value}","subscription":{{"type":"channel.follow"}}}}"#),
                &[(
                    "Twitch-Eventsub-Message-Type",
                    "webhook_callback_verification",
                )],
            ),
            Some(value.to_owned()),
        ),
        "zoom" => {
            let expected = hex(&hmac(value));
            (
                signed(
                    format!(
                        r#"{{"event":"endpoint.url_validation","payload":{{"plainToken":"{value}"}},"event_ts":1}}"#
                    ),
                    &[],
                ),
                Some(format!(
                    r#"{{"encryptedToken":"{expected}","plainToken":"{value}"}}"#
                )),
            )
        }
        "meta" => {
            let token = if send == Send::HandshakeWrongToken {
                "another-token"
            } else {
                VERIFY_TOKEN
            };
            let query =
                format!("?hub.mode=subscribe&hub.challenge={value}&hub.verify_token={token}");
            (
                Request::plain("GET", &query, Vec::new()),
                Some(value.to_owned()),
            )
        }
        "dropbox" => (
            Request::plain("GET", &format!("?challenge={value}"), Vec::new()),
            Some(value.to_owned()),
        ),
        "x" => {
            use base64::Engine as _;
            let expected = base64::engine::general_purpose::STANDARD.encode(hmac(value));
            (
                Request::plain("GET", &format!("?crc_token={value}"), Vec::new()),
                Some(format!(r#"{{"response_token":"sha256={expected}"}}"#)),
            )
        }
        "okta" => (
            Request::plain(
                "GET",
                "",
                vec![("X-Okta-Verification-Challenge".to_owned(), value.to_owned())],
            ),
            Some(format!(r#"{{"verification":"{value}"}}"#)),
        ),
        // Form-encoded in the query, answered decoded (basic and rich alike).
        "msgraph" | "msgraph-rich" => (
            Request::plain(
                "POST",
                &format!("?validationToken={}", value.replace(' ', "+")),
                Vec::new(),
            ),
            Some(value.to_owned()),
        ),
        // Echoed in the header; the body is empty.
        "asana" => (
            Request::plain(
                "POST",
                "",
                vec![("X-Hook-Secret".to_owned(), value.to_owned())],
            ),
            Some(String::new()),
        ),
        "notion" => {
            let mut request = Request::plain(
                "POST",
                "",
                vec![("Content-Type".to_owned(), "application/json".to_owned())],
            );
            request.body = format!(r#"{{"verification_token":"{value}"}}"#).into_bytes();
            (request, Some(String::new()))
        }
        // The ping carries the webhook's id, a number: the long value is no number.
        "woocommerce" => {
            let mut request = Request::plain(
                "POST",
                "",
                vec![(
                    "Content-Type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned(),
                )],
            );
            let number = if send == Send::HandshakeTooLong {
                long.as_str()
            } else {
                "1234"
            };
            request.body = format!("webhook_id={number}").into_bytes();
            (request, Some(String::new()))
        }
        other => panic!("{other} has no handshake case"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// The preset's endpoint challenge, signed or not.
fn challenge(
    signer: &Signer,
    preset: &str,
    send: Send,
    options: &SignOptions,
    id: &str,
) -> Request {
    let kind = if preset == "slack" {
        "url_verification"
    } else {
        "webhook.verify"
    };
    // The case's id, so that a handler run on a challenge would be counted.
    let body = format!(r#"{{"id":"{id}","type":"{kind}","challenge":"{CHALLENGE}"}}"#).into_bytes();
    let mut request = Request::signed(signer.sign(&body, options), body);
    if send == Send::UnsignedChallenge {
        let header = signer.scheme().signature_header().unwrap();
        request
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(header));
    }
    request
}

/// A correctly signed 2 MiB JSON body.
fn body_2mib(signer: &Signer, body: &[u8], options: &SignOptions) -> Request {
    let mut big = body[..body.len() - 1].to_vec();
    big.extend_from_slice(br#","padding":""#);
    big.resize(2 * 1024 * 1024 - 2, b'x');
    big.extend_from_slice(b"\"}");
    signed(signer, &big, options)
}

/// `body` signed as the provider sends it: in a `value` array carrying the token,
/// for a token in the body (Microsoft Graph); carrying the signature, for a
/// signature in the body (Mailgun).
fn signed(signer: &Signer, body: &[u8], options: &SignOptions) -> Request {
    let body = signer.sign_body(&carried(signer.scheme(), body), options);
    Request::signed(signer.sign(&body, options), body)
}

/// `body` as the one item of a `value` array, for a token in the body; for
/// Microsoft Graph's validation tokens, with the tenant they are for.
fn carried(scheme: &Scheme, body: &[u8]) -> Vec<u8> {
    match scheme.format() {
        SignatureFormat::BodyToken { .. } => [&b"{\"value\":["[..], body, b"]}"].concat(),
        SignatureFormat::GraphValidationTokens { .. } => {
            let tenant = br#"{"tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95","#;
            [&b"{\"value\":["[..], tenant, &body[1..], b"]}"].concat()
        }
        _ => body.to_vec(),
    }
}

fn applies(presets: Presets, preset: &str) -> bool {
    let scheme = preset.parse::<Preset>().unwrap().scheme();
    let token = scheme.algorithm() == Algorithm::Token;
    let challenge = scheme.challenge();
    match presets {
        Presets::All => true,
        Presets::Signed => !token,
        Presets::SignsBody => {
            scheme.signs_body()
                || scheme
                    .signed_content()
                    .as_parts()
                    .contains(&Part::BodyCrc32)
        }
        Presets::SignsBodyValues => {
            !token
                && !applies(Presets::SignsBody, preset)
                && scheme
                    .signed_content()
                    .as_parts()
                    .iter()
                    .any(|part| matches!(part, Part::JsonPointer(_)))
        }
        Presets::BodyUnbound => matches!(
            scheme.format(),
            SignatureFormat::GraphValidationTokens { .. }
        ),
        Presets::Token => token,
        Presets::WithTimestamp => scheme.has_timestamp(),
        Presets::TimestampInHead => scheme.has_timestamp() && !timestamp_in_body(&scheme),
        Presets::WithJsonEcho => matches!(challenge, Some(Challenge::JsonEcho { .. })),
        Presets::SignedHandshake => challenge.is_some_and(|challenge| {
            challenge.is_signed() && !matches!(challenge, Challenge::JsonEcho { .. })
        }),
        Presets::UnsignedHandshake => challenge.is_some_and(|challenge| !challenge.is_signed()),
        Presets::AnyHandshake => challenge.is_some(),
        Presets::CapturingHandshake => challenge.is_some_and(Challenge::captures),
        Presets::VerifyTokenHandshake => matches!(
            challenge,
            Some(Challenge::QueryEcho {
                token_param: Some(_),
                ..
            })
        ),
        Presets::BodyParsed => {
            timestamp_in_body(&scheme)
                || scheme.signature_header().is_none()
                || matches!(
                    scheme.delivery_id(),
                    Some(DeliveryIdSource::JsonField(_) | DeliveryIdSource::JsonPointer(_))
                )
        }
        Presets::BodyNotParsed => !applies(Presets::BodyParsed, preset),
        // A token in the body is read from the parsed items.
        Presets::NoJsonPointer => {
            !matches!(scheme.delivery_id(), Some(DeliveryIdSource::JsonPointer(_)))
                && scheme.signature_header().is_some()
        }
        Presets::UnsignedIdHeader => {
            scheme.delivery_id_header().is_some() && scheme.dedupes_on_signature()
        }
        Presets::UnsignedIdInBody => {
            matches!(scheme.delivery_id(), Some(DeliveryIdSource::JsonPointer(_)))
                && scheme.dedupes_on_signature()
        }
        Presets::SignsBodyChecksum => {
            scheme
                .signed_content()
                .as_parts()
                .contains(&Part::BodyCrc32)
                && matches!(scheme.delivery_id(), Some(DeliveryIdSource::JsonField(_)))
        }
        Presets::SignatureInHeader => scheme.signature_header().is_some(),
        Presets::TokenInHeader => token && scheme.signature_header().is_some(),
        Presets::TokenInBody => token && scheme.signature_header().is_none(),
        Presets::Deduplicated => scheme.delivery_id().is_some(),
        Presets::NotDeduplicated => scheme.delivery_id().is_none(),
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "send, then one check after the other"
)]
async fn run_case(
    adapter: &str,
    address: SocketAddr,
    runs: &Runs,
    case: &Case,
    preset: &str,
) -> Vec<String> {
    let mut failures = Vec::new();
    let marker = match case.send {
        Send::FailsOnceThenRetried => "fail-once",
        Send::ConcurrentCopies(_) => "slow",
        _ => "case",
    };
    let id = format!(
        "{adapter}-{preset}-{marker}-{}",
        case.name.replace(' ', "_")
    );
    let path = if case.send == Send::CaptureWithoutCallback {
        format!("/webhooks/{preset}/uncaptured")
    } else {
        format!("/webhooks/{preset}")
    };
    let requests = requests(preset, case.send, &id, address);
    let runs_before = runs.total();
    record_signatures(preset, &requests);
    let answers: Vec<Answer> = if let Send::ConcurrentCopies(_) = case.send {
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|request| {
                let path = path.clone();
                tokio::spawn(async move { send(address, &path, &request).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    } else {
        let mut answers = Vec::new();
        for request in &requests {
            answers.push(send(address, &path, request).await);
        }
        answers
    };
    for answer in &answers {
        expect_counted(preset, case.send, answer);
    }
    for (index, answer) in answers.iter().enumerate() {
        let expected = case.statuses[index.min(case.statuses.len() - 1)];
        let concurrent_ok = matches!(case.send, Send::ConcurrentCopies(_)) && answer.status == 409;
        if answer.status != expected && !concurrent_ok {
            failures.push(format!(
                "{adapter} {preset} '{}' request {index}: status {} (expected {expected}): {}",
                case.name, answer.status, answer.body
            ));
        }
        // 500 is the test handler's; 431 the HTTP server's, before any middleware.
        if answer.status >= 400
            && answer.status != 500
            && answer.status != 431
            && answer.header("content-type") != Some("application/problem+json")
        {
            failures.push(format!(
                "{adapter} {preset} '{}': {} is not problem+json",
                case.name, answer.status
            ));
        }
        if answer.status == 409 && answer.header("retry-after").is_none() {
            failures.push(format!(
                "{adapter} {preset} '{}': 409 without Retry-After",
                case.name
            ));
        }
    }
    match case.send {
        Send::Duplicate
        | Send::ReplayUnderNewId
        | Send::ReplayUnderNewBodyId
        | Send::ReplayWithBodyOfSameChecksum
            if case.handler_runs == 1 && answers[1].header("webhook-duplicate") != Some("true") =>
        {
            failures.push(format!("{adapter} {preset}: the duplicate is not marked"));
        }
        Send::Handshake => {
            let (_, expected) = handshake(preset.parse().unwrap(), case.send, &SignOptions::new());
            let expected = expected.unwrap();
            if !same_body(&answers[0].body, &expected)
                || answers[0].header("x-content-type-options") != Some("nosniff")
            {
                failures.push(format!(
                    "{adapter} {preset}: handshake answered with {} (expected {expected})",
                    answers[0].body
                ));
            }
            let captures = preset
                .parse::<Preset>()
                .unwrap()
                .scheme()
                .challenge()
                .is_some_and(Challenge::captures);
            let captured = support::CAPTURED
                .lock()
                .unwrap()
                .contains(&(preset.to_owned(), HANDSHAKE_VALUE.to_owned()));
            if captures != captured {
                failures.push(format!(
                    "{adapter} {preset}: handshake value captured: {captured}"
                ));
            }
            if preset == "asana" && answers[0].header("x-hook-secret") != Some(HANDSHAKE_VALUE) {
                failures.push(format!("{adapter} asana: X-Hook-Secret not echoed"));
            }
        }
        Send::HandshakeTwice => {
            // Alike but for the date.
            let head = |answer: &Answer| {
                let mut headers: Vec<_> = answer
                    .headers
                    .iter()
                    .filter(|(name, _)| !name.eq_ignore_ascii_case("date"))
                    .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
                    .collect();
                headers.sort();
                headers
            };
            let parsed: Preset = preset.parse().unwrap();
            let expected = if matches!(
                parsed.scheme().challenge(),
                Some(Challenge::JsonEcho { .. })
            ) {
                format!(r#"{{"challenge":"{CHALLENGE}"}}"#)
            } else {
                handshake(parsed, Send::Handshake, &SignOptions::new())
                    .1
                    .unwrap()
            };
            if !same_body(&answers[0].body, &expected) {
                failures.push(format!(
                    "{adapter} {preset}: handshake answered with {} (expected {expected})",
                    answers[0].body
                ));
            }
            let answered_alike = answers[0].body == answers[1].body
                && head(&answers[0]) == head(&answers[1])
                && answers[1].header("webhook-duplicate").is_none();
            if !answered_alike {
                failures.push(format!(
                    "{adapter} {preset}: the second handshake was answered otherwise: {:?} {} then {:?} {}",
                    head(&answers[0]),
                    answers[0].body,
                    head(&answers[1]),
                    answers[1].body
                ));
            }
        }
        Send::CaptureWithoutCallback => {
            // Refused without a trace of the value handed over.
            let echoed = answers[0].body.contains(UNCAPTURED_VALUE)
                || answers[0]
                    .headers
                    .iter()
                    .any(|(_, value)| value.contains(UNCAPTURED_VALUE));
            if echoed {
                failures.push(format!(
                    "{adapter} {preset}: the refusal echoes the value handed over"
                ));
            }
        }
        Send::SignedChallenge if answers[0].body != format!(r#"{{"challenge":"{CHALLENGE}"}}"#) => {
            failures.push(format!(
                "{adapter} {preset}: challenge answered with {}",
                answers[0].body
            ));
        }
        Send::ConcurrentCopies(_) => {
            let processed = answers
                .iter()
                .filter(|answer| {
                    answer.status == 200 && answer.header("webhook-duplicate").is_none()
                })
                .count();
            if processed != 1 {
                failures.push(format!(
                    "{adapter} {preset}: {processed} copies were processed"
                ));
            }
        }
        _ => {}
    }
    // A handshake's body carries no case id: no handler run at all while it was sent.
    let handshake = matches!(
        case.send,
        Send::SignedChallenge
            | Send::UnsignedChallenge
            | Send::Handshake
            | Send::HandshakeWrongKey
            | Send::HandshakeWrongToken
            | Send::HandshakeTooLong
            | Send::HandshakeTwice
            | Send::CaptureWithoutCallback
    );
    if handshake && runs.total() != runs_before {
        failures.push(format!(
            "{adapter} {preset} '{}': a handshake reached the handler",
            case.name
        ));
    }
    let ran = runs.of(&id);
    if ran != case.handler_runs {
        failures.push(format!(
            "{adapter} {preset} '{}': handler ran {ran} times (expected {})",
            case.name, case.handler_runs
        ));
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_table_against_both_adapters() {
    let logs = capture_all_tracing();
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("this test's process has no other recorder");
    let adapters = both_adapters().await;
    let mut failures = Vec::new();
    let mut executed = 0;
    for (adapter, address, runs) in &adapters {
        for case in CASES {
            for preset in Preset::ALL
                .iter()
                .map(|preset| preset.name())
                .filter(|preset| applies(case.presets, preset))
            {
                failures.extend(run_case(adapter, *address, runs, case, preset).await);
                executed += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // On two adapters, for the 47 presets: 7 cases for all; 7 for the 44 with the
    // signature in a header (all but Microsoft Graph's two and Mailgun), 2 for the 44
    // that dedupe and 1 for the 3 that cannot (Graph's two, Postmark); 1 for the
    // token in the body (Graph); 1 for the 41 that sign the whole body or its
    // checksum, 2 for the 43 that sign, 2 for the one that signs values of its body
    // (Mailgun) and 1 for the one whose tokens do not bind it (Graph rich); 1 for the
    // 4 token schemes (GitLab, Okta, Graph, Postmark) and 2 for the 3 with the token
    // in a header; 4 for the 18 with a timestamp and 1 for the 15 of them with it in
    // the head; 2 for the 2 JSON echo challenges; 2 for the 3 other signed handshakes
    // (Discord, Twitch, Zoom), 2 for the 9 unsigned ones (Meta, Dropbox, X, Okta,
    // Graph's two, Asana, Notion, WooCommerce) and 1 for Meta's verify token; 1 for
    // the 14 with a handshake or challenge (sent twice) and 1 for the 2 that capture
    // (Asana, Notion: no callback); 1 for the 20 that parse the body and 1 for the 27
    // that do not; 1 for the 42 without a JSON Pointer or a signature or token in the
    // body; 1 for the 6 with an unsigned id header (Sentimatrix, GitHub, Shopify,
    // Linear, Jira, Razorpay), 1 for the one with an unsigned id in the body
    // (Mailgun) and 1 for the one that signs the body's CRC-32 (PayPal).
    assert_eq!(
        executed,
        2 * (7 * 47
            + 7 * 44
            + 2 * 44
            + 3
            + 1
            + 41
            + 2 * 43
            + 2
            + 1
            + 4
            + 2 * 3
            + 4 * 18
            + 15
            + 2 * 2
            + 2 * 3
            + 2 * 9
            + 1
            + 14
            + 2
            + 20
            + 27
            + 42
            + 6
            + 1
            + 1)
    );
    assert_no_secret_in(&logs.text());
    assert_counted(&snapshotter);
}

/// The answers of the run by scheme and the outcome the receivers must have counted
/// for each (`webhook_gate_requests_total`), read from the answers alone.
static EXPECTED_COUNTS: std::sync::Mutex<Vec<((String, &'static str), u64)>> =
    std::sync::Mutex::new(Vec::new());

/// The outcome an answer stands for: what the receiver must have counted.
fn expect_counted(preset: &str, send: Send, answer: &Answer) {
    let outcome = match answer.status {
        // Refused by the HTTP server before the middleware ran: not counted.
        431 => return,
        200 if answer.header("webhook-duplicate") == Some("true") => "duplicate",
        200 if matches!(
            send,
            Send::Handshake | Send::SignedChallenge | Send::HandshakeTwice
        ) =>
        {
            "handshake"
        }
        200 => "processed",
        409 => "in_flight",
        500 => "handler_failed",
        _ => "rejected",
    };
    let mut counts = EXPECTED_COUNTS.lock().unwrap();
    let key = (preset.to_owned(), outcome);
    match counts.iter_mut().find(|(existing, _)| *existing == key) {
        Some((_, count)) => *count += 1,
        None => counts.push((key, 1)),
    }
}

/// Every answer of the table was counted under its scheme and outcome (refusals
/// summed over their reasons), and nothing else was.
fn assert_counted(snapshotter: &metrics_util::debugging::Snapshotter) {
    use metrics_util::debugging::DebugValue;
    let mut counted: std::collections::BTreeMap<(String, String), u64> =
        std::collections::BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        if key.key().name() != "webhook_gate_requests_total" {
            continue;
        }
        let label = |name: &str| {
            key.key()
                .labels()
                .find(|label| label.key() == name)
                .map(|label| label.value().to_owned())
                .unwrap_or_default()
        };
        if let DebugValue::Counter(count) = value {
            *counted
                .entry((label("scheme"), label("outcome")))
                .or_default() += count;
        }
    }
    let expected: std::collections::BTreeMap<(String, String), u64> = EXPECTED_COUNTS
        .lock()
        .unwrap()
        .iter()
        .map(|((scheme, outcome), count)| ((scheme.clone(), (*outcome).to_owned()), *count))
        .collect();
    assert_eq!(counted, expected, "counted by scheme and outcome");
}

/// Every signature value the run sent (those of 16 characters or more).
static SIGNATURES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn record_signatures(preset: &str, requests: &[Request]) {
    let Some(signature_header) = preset
        .parse::<Preset>()
        .unwrap()
        .scheme()
        .signature_header()
        .map(str::to_owned)
    else {
        return;
    };
    SIGNATURES.lock().unwrap().extend(
        requests
            .iter()
            .flat_map(|request| &request.headers)
            .filter(|(name, value)| {
                name.eq_ignore_ascii_case(&signature_header) && value.len() >= 16
            })
            .map(|(_, value)| value.clone()),
    );
}

/// What every span and event of the process wrote, at every level.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_all_tracing() -> Logs {
    let logs = Logs::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    logs
}

/// No secret, no key and no signature value in `logs`, which did record the run.
fn assert_no_secret_in(logs: &str) {
    // The capture worked: the spans name schemes, outcomes and delivery ids.
    for expected in [
        "scheme=\"stripe\"",
        "outcome=",
        "axum-github-case-valid",
        "actix-stripe-case-valid",
    ] {
        assert!(logs.contains(expected), "the logs lack {expected}");
    }
    let mut forbidden: Vec<String> = Vec::new();
    for secret in [SECRET, NEXT_SECRET, RETIRED_SECRET] {
        let encoded = secret.strip_prefix("whsec_").unwrap();
        let key = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        forbidden.push(secret.to_owned());
        forbidden.push(encoded.to_owned());
        forbidden.push(String::from_utf8_lossy(&key).into_owned());
        forbidden.push(key.iter().fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        }));
    }
    // What a handshake hands over (Asana's and Notion's secrets) or asks to echo.
    forbidden.push(HANDSHAKE_VALUE.to_owned());
    let signatures = SIGNATURES.lock().unwrap();
    assert!(
        signatures.len() > 500,
        "{} signatures recorded",
        signatures.len()
    );
    forbidden.extend(signatures.iter().cloned());
    for value in &forbidden {
        assert!(
            !logs.contains(value.as_str()),
            "the logs hold a secret or signature: {value}"
        );
    }
}
