//! Endpoint handshakes: the requests a provider sends to prove that an endpoint is
//! yours, which the receiver answers itself instead of handing them to the handler.
//!
//! A [`Scheme`](crate::Scheme) names its [`Challenge`]; the verifier recognises it
//! in a verified body ([`Verified::challenge`](crate::verify::Verified::challenge))
//! and the adapters answer with the [`ChallengeResponse`].
//!
//! ```
//! use webhook_gate::challenge::Challenge;
//! use webhook_gate::{Preset, Signer, Verifier};
//!
//! let scheme = Preset::Slack.scheme();
//! assert_eq!(scheme.challenge(), Some(&Challenge::slack_url_verification()));
//! let body = br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
//! let headers = Signer::new(scheme.clone(), "8f742231b10e8888abcd99yyyzzz85a5")?.sign(body, &Default::default());
//! let verified = Verifier::new(scheme, "8f742231b10e8888abcd99yyyzzz85a5")?.verify(&headers, body)?;
//! let answer = verified.challenge(body).expect("a url_verification challenge")?;
//! assert_eq!(answer.body(), r#"{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use serde::Deserialize;

use crate::content;
use crate::crypto::{Finished, Key};
use crate::error::VerifyError;
use crate::headers::{HeaderLookup, HeaderSource};
use crate::scheme::{Encoding, Scheme};
use crate::secret::Secret;
use crate::signature::{self, SignatureBytes};

/// Challenge bodies are small; larger bodies are never parsed as one.
pub const MAX_CHALLENGE_BODY: usize = 16 * 1024;

/// The longest value a handshake echoes back, in bytes.
pub const MAX_ECHO_LEN: usize = 1024;

/// An endpoint handshake: a request the provider sends to prove that the endpoint is
/// yours (or to hand it a secret), which the receiver answers itself, never
/// deduplicates and never passes to the handler.
///
/// Signed handshakes ([`JsonEcho`](Self::JsonEcho), [`DiscordPing`](Self::DiscordPing),
/// [`SignedHeaderEcho`](Self::SignedHeaderEcho), [`ZoomUrlValidation`](Self::ZoomUrlValidation))
/// are answered only once their signature verifies. Unsigned ones
/// ([`QueryEcho`](Self::QueryEcho), [`CrcToken`](Self::CrcToken),
/// [`HeaderEcho`](Self::HeaderEcho)) are answered from the request head, before any
/// signature check: only in the form the provider sends them, guarded by the
/// configured verify token where the provider sends one. Echoed values are at most
/// [`MAX_ECHO_LEN`] visible ASCII characters (and spaces), answered with
/// `X-Content-Type-Options: nosniff`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Challenge {
    /// A signed JSON body `{"type": <type_value>, "challenge": C, ...}`, answered with
    /// 200 and `{"challenge": C}` (Proposal Generator, Slack).
    JsonEcho {
        /// The value of `type` that marks the challenge.
        type_value: Cow<'static, str>,
    },
    /// Discord's signed PING, `{"type": 1}`, answered with `{"type":1}`.
    DiscordPing,
    /// A signed request whose header `header` is `value`, answered with the JSON
    /// body's `field` as `text/plain` (Twitch's `webhook_callback_verification`).
    SignedHeaderEcho {
        /// The header that marks the handshake.
        header: Cow<'static, str>,
        /// Its value.
        value: Cow<'static, str>,
        /// The body field to echo.
        field: Cow<'static, str>,
    },
    /// Zoom's signed `endpoint.url_validation`: `{"payload":{"plainToken":P}}`,
    /// answered with `{"plainToken":P,"encryptedToken":hex HMAC-SHA256(secret, P)}`.
    ZoomUrlValidation,
    /// An unsigned request whose query carries `challenge_param`, answered with its
    /// value as `text/plain`: Meta's GET (`hub.challenge`, with `hub.mode=subscribe`
    /// and `hub.verify_token`, refused with 403 unless the token is the verifier's
    /// [`verify_token`](crate::verify::VerifierBuilder::verify_token)), Dropbox's GET
    /// (`challenge`), Microsoft Graph's POST (`validationToken`).
    QueryEcho {
        /// The method the provider sends it with.
        method: Cow<'static, str>,
        /// The parameter to echo.
        challenge_param: Cow<'static, str>,
        /// The parameter carrying the verify token, if the provider sends one.
        token_param: Option<Cow<'static, str>>,
        /// A parameter that must have a value (`hub.mode=subscribe`).
        mode: Option<(Cow<'static, str>, Cow<'static, str>)>,
    },
    /// X's CRC: GET `?crc_token=T`, answered with
    /// `{"response_token":"sha256=<base64 HMAC-SHA256(secret, T)>"}`.
    CrcToken {
        /// The parameter (`crc_token`).
        param: Cow<'static, str>,
    },
    /// An unsigned request carrying the header `header`, answered with its value as
    /// JSON `{"<field>": value}` (Okta's GET with `X-Okta-Verification-Challenge`).
    HeaderEcho {
        /// The method the provider sends it with.
        method: Cow<'static, str>,
        /// The header.
        header: Cow<'static, str>,
        /// The field of the JSON answer (`verification`).
        field: Cow<'static, str>,
    },
    /// An unsigned POST carrying the header `header`, answered 200 with the same
    /// header and value, the value handed to the verifier's capture callback
    /// ([`VerifierBuilder::on_capture`](crate::verify::VerifierBuilder::on_capture)):
    /// Asana's `X-Hook-Secret`, which becomes the secret that signs the webhook's
    /// events. Refused (403) when no callback is set.
    CaptureHeader {
        /// The header (`X-Hook-Secret`).
        header: Cow<'static, str>,
    },
    /// An unsigned POST (no signature header) whose JSON body has the string field
    /// `field`, answered 200, the value handed to the verifier's capture callback:
    /// Notion's `verification_token`, which you paste back in Notion and which then
    /// signs the events. Refused (403) when no callback is set.
    CaptureJsonField {
        /// The field (`verification_token`).
        field: Cow<'static, str>,
    },
    /// An unsigned POST (no signature header) whose form body is exactly
    /// `<field>=<digits>` (at most 20), answered 200 with an empty body: `WooCommerce`'s
    /// ping when a webhook is saved (`webhook_id=N`), which must get a 200 or the
    /// webhook cannot be saved. Anything else after `<field>=` is a malformed
    /// handshake (400). Nothing of it is kept or handed on.
    FormPing {
        /// The form field (`webhook_id`).
        field: Cow<'static, str>,
    },
}

/// A value a provider hands over in a handshake ([`Challenge::CaptureHeader`],
/// [`Challenge::CaptureJsonField`]), given to the verifier's capture callback. Its
/// `Debug` output shows the scheme only.
///
/// Anyone who can reach the endpoint can send such a handshake: accept a value only
/// while you are setting the webhook up (Asana sends it during the API call that
/// creates the webhook; Notion when you create the subscription), and keep it as the
/// secret of that route.
pub struct Captured<'a> {
    scheme: &'a str,
    value: Secret,
}

impl Captured<'_> {
    /// The scheme of the route that received it.
    pub fn scheme(&self) -> &str {
        self.scheme
    }

    /// The value (Asana's hook secret, Notion's verification token).
    pub fn value(&self) -> &Secret {
        &self.value
    }
}

impl std::fmt::Debug for Captured<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Captured")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

/// The callback that receives captured values.
pub(crate) type CaptureFn = std::sync::Arc<dyn Fn(Captured<'_>) + Send + Sync>;

impl Challenge {
    /// The Proposal Generator's `{"type":"webhook.verify","challenge":C}`.
    pub fn proposal_generator() -> Self {
        Self::JsonEcho {
            type_value: Cow::Borrowed("webhook.verify"),
        }
    }

    /// Slack's `{"type":"url_verification","challenge":C}`.
    pub fn slack_url_verification() -> Self {
        Self::JsonEcho {
            type_value: Cow::Borrowed("url_verification"),
        }
    }

    /// Whether the handshake hands a value to the capture callback.
    pub fn captures(&self) -> bool {
        matches!(
            self,
            Self::CaptureHeader { .. } | Self::CaptureJsonField { .. }
        )
    }

    /// Whether the handshake is answered only once its signature verifies.
    pub fn is_signed(&self) -> bool {
        matches!(
            self,
            Self::JsonEcho { .. }
                | Self::DiscordPing
                | Self::SignedHeaderEcho { .. }
                | Self::ZoomUrlValidation
        )
    }
}

/// The answer to a handshake: status, content type, headers and body.
///
/// Its `Debug` output shows header names only: Asana's echoed `X-Hook-Secret` is the
/// webhook's signing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ChallengeResponse {
    status: u16,
    content_type: &'static str,
    headers: Vec<(Cow<'static, str>, String)>,
    body: String,
}

impl fmt::Debug for ChallengeResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_ref()).collect();
        f.debug_struct("ChallengeResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("headers", &names)
            .field("body", &self.body)
            .finish()
    }
}

impl ChallengeResponse {
    fn json(body: String) -> Self {
        Self {
            status: 200,
            content_type: "application/json",
            headers: vec![(
                Cow::Borrowed("x-content-type-options"),
                "nosniff".to_owned(),
            )],
            body,
        }
    }

    fn text(body: String) -> Self {
        Self {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            headers: vec![(
                Cow::Borrowed("x-content-type-options"),
                "nosniff".to_owned(),
            )],
            body,
        }
    }

    /// An empty 200, with `header` set to `value`.
    fn with_header(header: Cow<'static, str>, value: String) -> Self {
        let mut response = Self::text(String::new());
        response.headers.push((header, value));
        response
    }

    /// The HTTP status (200).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The content type of [`body`](Self::body).
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// Further response headers (`X-Content-Type-Options: nosniff`; Asana's
    /// `X-Hook-Secret`).
    pub fn headers(&self) -> &[(Cow<'static, str>, String)] {
        &self.headers
    }

    /// The response body.
    pub fn body(&self) -> &str {
        &self.body
    }
}

#[derive(Deserialize)]
struct ChallengeProbe<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    challenge: Option<serde_json::Value>,
}

/// A value fit to echo: 1 to [`MAX_ECHO_LEN`] bytes of visible ASCII or spaces.
fn echoable(value: &[u8]) -> Result<String, VerifyError> {
    let fit = !value.is_empty()
        && value.len() <= MAX_ECHO_LEN
        && value.iter().all(|&b| b == b' ' || b.is_ascii_graphic());
    if !fit {
        return Err(VerifyError::MalformedHandshake);
    }
    Ok(String::from_utf8_lossy(value).into_owned())
}

/// The HMAC-SHA256 of `message` under the scheme's first key, if it is one.
fn hmac(key: Option<&Key>, message: &[u8]) -> Option<SignatureBytes> {
    let mut running = key?.start();
    running.update(message);
    match running.finish() {
        Finished::Tag(tag) => Some(tag),
        _ => None,
    }
}

/// Detects a signed `challenge` in a verified body (`marked`: the header that marks
/// a [`Challenge::SignedHeaderEcho`] was present with its value): `None` when the body
/// is no handshake, an error when it is one that cannot be answered (its value is
/// missing or not fit to echo: [`VerifyError::MalformedHandshake`]).
pub(crate) fn detect_signed(
    challenge: &Challenge,
    body: &[u8],
    marked: bool,
    key: Option<&Key>,
) -> Option<Result<ChallengeResponse, VerifyError>> {
    if body.len() > MAX_CHALLENGE_BODY {
        // Too large to parse: no handshake, unless the head already said it is one.
        return marked.then_some(Err(VerifyError::MalformedHandshake));
    }
    match challenge {
        Challenge::JsonEcho { type_value } => {
            // Only a body that names the type as the provider writes it (no escapes)
            // is parsed: events are not.
            memchr::memmem::find(body, type_value.as_bytes())?;
            let probe: ChallengeProbe<'_> = serde_json::from_slice(body).ok()?;
            if probe.kind.as_deref() != Some(type_value) {
                return None;
            }
            Some(echo_json_challenge(probe.challenge))
        }
        Challenge::DiscordPing => {
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            (value.get("type")? == 1)
                .then(|| Ok(ChallengeResponse::json(r#"{"type":1}"#.to_owned())))
        }
        Challenge::SignedHeaderEcho { field, .. } => {
            if !marked {
                return None;
            }
            let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
            let text = value
                .as_ref()
                .and_then(|value| value.get(field.as_ref())?.as_str());
            Some(
                text.ok_or(VerifyError::MalformedHandshake)
                    .and_then(|text| echoable(text.as_bytes()))
                    .map(ChallengeResponse::text),
            )
        }
        Challenge::ZoomUrlValidation => {
            memchr::memmem::find(body, b"endpoint.url_validation")?;
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            if value.get("event")? != "endpoint.url_validation" {
                return None;
            }
            Some((|| {
                let plain = value
                    .get("payload")
                    .and_then(|payload| payload.get("plainToken")?.as_str())
                    .ok_or(VerifyError::MalformedHandshake)?;
                echoable(plain.as_bytes())?;
                let tag = hmac(key, plain.as_bytes()).ok_or(VerifyError::HandshakeRefused)?;
                let encrypted = signature::encode(tag.as_slice(), Encoding::Hex);
                let body = serde_json::json!({ "plainToken": plain, "encryptedToken": encrypted });
                Ok(ChallengeResponse::json(body.to_string()))
            })())
        }
        Challenge::QueryEcho { .. }
        | Challenge::CrcToken { .. }
        | Challenge::HeaderEcho { .. }
        | Challenge::CaptureHeader { .. }
        | Challenge::CaptureJsonField { .. }
        | Challenge::FormPing { .. } => None,
    }
}

/// The answer to a JSON echo whose `type` marked it: `{"challenge": C}` for a string
/// fit to echo or a number, a malformed handshake for anything else.
fn echo_json_challenge(
    challenge: Option<serde_json::Value>,
) -> Result<ChallengeResponse, VerifyError> {
    let challenge = match challenge {
        Some(serde_json::Value::String(text)) => {
            serde_json::Value::String(echoable(text.as_bytes())?)
        }
        Some(number @ serde_json::Value::Number(_)) => {
            echoable(number.to_string().as_bytes())?;
            number
        }
        _ => return Err(VerifyError::MalformedHandshake),
    };
    let body = serde_json::json!({ "challenge": challenge }).to_string();
    Ok(ChallengeResponse::json(body))
}

/// Whether the request carries the header that marks a signed header echo.
pub(crate) fn marked<H: HeaderSource + ?Sized>(scheme: &Scheme, headers: &H) -> bool {
    match (&scheme.challenge, &scheme.challenge_marker) {
        (Some(Challenge::SignedHeaderEcho { value, .. }), Some(marker)) => {
            matches!(marker.find_in(headers), HeaderLookup::Single(found) if found == value.as_bytes())
        }
        _ => false,
    }
}

/// Answers an unsigned handshake from the request head, when the request is one:
/// `None` when it is not (it is then verified as a delivery). A verify token that
/// does not match is refused (403).
#[allow(
    clippy::too_many_arguments,
    reason = "the request head and what the verifier holds"
)]
pub(crate) fn detect_unsigned<H: HeaderSource + ?Sized>(
    challenge: &Challenge,
    scheme: &str,
    method: &str,
    target: &str,
    headers: &H,
    verify_token: Option<&SignatureBytes>,
    key: Option<&Key>,
    capture: Option<&CaptureFn>,
) -> Option<Result<ChallengeResponse, VerifyError>> {
    match challenge {
        Challenge::QueryEcho {
            method: expected,
            challenge_param,
            token_param,
            mode,
        } => {
            if !method.eq_ignore_ascii_case(expected) {
                return None;
            }
            let value = content::query_param(target, challenge_param)?;
            Some((|| {
                if let Some((param, required)) = mode
                    && content::query_param(target, param).as_deref() != Some(required.as_bytes())
                {
                    return Err(VerifyError::HandshakeRefused);
                }
                if let Some(param) = token_param {
                    let sent =
                        content::query_param(target, param).ok_or(VerifyError::HandshakeRefused)?;
                    let expected = verify_token.ok_or(VerifyError::HandshakeRefused)?;
                    let matches = crate::crypto::equal(&signature::token_digest(&sent), expected);
                    if !bool::from(matches) {
                        return Err(VerifyError::HandshakeRefused);
                    }
                }
                echoable(&value).map(ChallengeResponse::text)
            })())
        }
        Challenge::CrcToken { param } => {
            if !method.eq_ignore_ascii_case("GET") {
                return None;
            }
            let token = content::query_param(target, param)?;
            Some((|| {
                echoable(&token)?;
                let tag = hmac(key, &token).ok_or(VerifyError::HandshakeRefused)?;
                let encoded = base64::engine::general_purpose::STANDARD.encode(tag.as_slice());
                let body = serde_json::json!({ "response_token": format!("sha256={encoded}") });
                Ok(ChallengeResponse::json(body.to_string()))
            })())
        }
        Challenge::HeaderEcho {
            method: expected,
            header,
            field,
        } => {
            if !method.eq_ignore_ascii_case(expected) {
                return None;
            }
            let HeaderLookup::Single(value) = headers.lookup(&header.to_ascii_lowercase()) else {
                return None;
            };
            Some(echoable(value).map(|value| {
                let body = serde_json::json!({ field.as_ref(): value });
                ChallengeResponse::json(body.to_string())
            }))
        }
        Challenge::CaptureHeader { header } => {
            if !method.eq_ignore_ascii_case("POST") {
                return None;
            }
            let HeaderLookup::Single(value) = headers.lookup(&header.to_ascii_lowercase()) else {
                return None;
            };
            Some(
                capture_value(scheme, value, capture)
                    .map(|value| ChallengeResponse::with_header(header.clone(), value)),
            )
        }
        Challenge::JsonEcho { .. }
        | Challenge::DiscordPing
        | Challenge::SignedHeaderEcho { .. }
        | Challenge::ZoomUrlValidation
        | Challenge::CaptureJsonField { .. }
        | Challenge::FormPing { .. } => None,
    }
}

/// Hands a captured value to the callback: refused (403) without one, malformed
/// (400) when it is no value to keep.
fn capture_value(
    scheme: &str,
    value: &[u8],
    capture: Option<&CaptureFn>,
) -> Result<String, VerifyError> {
    let capture = capture.ok_or(VerifyError::HandshakeRefused)?;
    let value = echoable(value)?;
    capture(Captured {
        scheme,
        value: Secret::from(value.as_str()),
    });
    Ok(value)
}

/// Answers a handshake carried in an unsigned body ([`Challenge::CaptureJsonField`],
/// [`Challenge::FormPing`]):
/// `None` when the body is not one.
pub(crate) fn detect_unsigned_body(
    challenge: &Challenge,
    scheme: &str,
    body: &[u8],
    capture: Option<&CaptureFn>,
) -> Option<Result<ChallengeResponse, VerifyError>> {
    if body.len() > MAX_CHALLENGE_BODY {
        return None;
    }
    if let Challenge::FormPing { field } = challenge {
        // `<field>=` and anything but a number: a malformed ping (400).
        let number = body.strip_prefix(field.as_bytes())?.strip_prefix(b"=")?;
        let ping =
            !number.is_empty() && number.len() <= 20 && number.iter().all(u8::is_ascii_digit);
        return Some(if ping {
            Ok(ChallengeResponse::text(String::new()))
        } else {
            Err(VerifyError::MalformedHandshake)
        });
    }
    let Challenge::CaptureJsonField { field } = challenge else {
        return None;
    };
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = value.get(field.as_ref())?.as_str()?;
    Some(
        capture_value(scheme, text.as_bytes(), capture)
            .map(|_| ChallengeResponse::text(String::new())),
    )
}

/// Whether a request may be a handshake carried in its unsigned body: the scheme
/// has one, the request is a POST and has no signature header.
pub(crate) fn may_be_unsigned_body(challenge: Option<&Challenge>, method: &str) -> bool {
    matches!(
        challenge,
        Some(Challenge::CaptureJsonField { .. } | Challenge::FormPing { .. })
    ) && method.eq_ignore_ascii_case("POST")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_echo(
        challenge: &Challenge,
        body: &[u8],
    ) -> Option<Result<ChallengeResponse, VerifyError>> {
        detect_signed(challenge, body, false, None)
    }

    #[test]
    fn challenge_echo() {
        let response = detect_echo(
            &Challenge::proposal_generator(),
            br#"{"type":"webhook.verify","challenge":"c4a1"}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(response.body(), r#"{"challenge":"c4a1"}"#);
        assert!(
            detect_echo(
                &Challenge::slack_url_verification(),
                br#"{"type":"webhook.verify","challenge":"c4a1"}"#
            )
            .is_none()
        );
        assert_eq!(
            detect_echo(
                &Challenge::proposal_generator(),
                br#"{"type":"webhook.verify"}"#
            ),
            Some(Err(VerifyError::MalformedHandshake))
        );
        assert!(detect_echo(&Challenge::proposal_generator(), b"\"challenge\" not json").is_none());
        assert_eq!(
            detect_echo(
                &Challenge::proposal_generator(),
                br#"{"type":"webhook.verify","challenge":{"nested":1}}"#
            ),
            Some(Err(VerifyError::MalformedHandshake))
        );
    }

    /// A JSON echo's value is bounded like every echoed value: at most
    /// `MAX_ECHO_LEN` visible ASCII characters; a number is echoed as a number.
    #[test]
    fn a_json_echo_is_bounded() {
        let slack = Challenge::slack_url_verification();
        let body = |challenge: &str| {
            format!(r#"{{"token":"t","type":"url_verification","challenge":{challenge}}}"#)
        };
        let longest = "a".repeat(MAX_ECHO_LEN);
        let answer = detect_echo(&slack, body(&format!("\"{longest}\"")).as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(answer.body(), format!(r#"{{"challenge":"{longest}"}}"#));
        let number = detect_echo(&slack, body("12345").as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(number.body(), r#"{"challenge":12345}"#);
        for unfit in [
            format!("\"{longest}a\""),
            r#""""#.to_owned(),
            r#""<script>\n</script>""#.to_owned(),
            r#""caf\u00e9""#.to_owned(),
            "true".to_owned(),
            "null".to_owned(),
            "[1]".to_owned(),
        ] {
            assert_eq!(
                detect_echo(&slack, body(&unfit).as_bytes()),
                Some(Err(VerifyError::MalformedHandshake)),
                "{unfit}"
            );
        }
    }

    /// A body whose `type` marks a JSON echo is a handshake: without a value to echo
    /// (its key may be written with escapes) it is refused, never handed on as an
    /// event.
    #[test]
    fn a_json_echo_marked_by_its_type_needs_its_value() {
        let slack = Challenge::slack_url_verification();
        for body in [
            &br#"{"token":"t","type":"url_verification"}"#[..],
            br#"{"type":"url_verification","note":"challenge"}"#,
            br#"{"type":"url_verification","ch\u0061llenge":{"a":1}}"#,
        ] {
            assert_eq!(
                detect_echo(&slack, body),
                Some(Err(VerifyError::MalformedHandshake)),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let escaped = detect_echo(
            &slack,
            br#"{"type":"url_verification","ch\u0061llenge":"c4a1"}"#,
        );
        assert_eq!(escaped.unwrap().unwrap().body(), r#"{"challenge":"c4a1"}"#);
        // Events, even when they mention the words; the type is matched as Slack
        // writes it.
        for body in [
            &br#"{"type":"url\u005fverification","challenge":"c4a1"}"#[..],
            br#"{"type":"event_callback","challenge":"c4a1"}"#,
            br#"{"type":"event_callback","text":"url_verification \"quoted\""}"#,
            b"url_verification, not JSON",
        ] {
            assert_eq!(detect_echo(&slack, body), None);
        }
    }

    /// Once the head marks a signed header echo, the body must carry a value fit to
    /// echo: anything else is refused, never handed on as an event.
    #[test]
    fn a_marked_header_echo_without_a_value_is_malformed() {
        let twitch = crate::Preset::Twitch.scheme();
        let challenge = twitch.challenge().unwrap();
        let answer = detect_signed(
            challenge,
            br#"{"challenge":"pogchamp-kappa-360noscope-vohiyo"}"#,
            true,
            None,
        );
        assert_eq!(
            answer.unwrap().unwrap().body(),
            "pogchamp-kappa-360noscope-vohiyo"
        );
        let too_large = format!(
            r#"{{"challenge":"c","pad":"{}"}}"#,
            " ".repeat(MAX_CHALLENGE_BODY)
        );
        for body in [
            br#"{"subscription":{}}"#.as_slice(),
            br#"{"challenge":7}"#,
            br#"{"challenge":"a\u0000b"}"#,
            b"not json",
            too_large.as_bytes(),
        ] {
            assert_eq!(
                detect_signed(challenge, body, true, None),
                Some(Err(VerifyError::MalformedHandshake)),
                "{}",
                String::from_utf8_lossy(&body[..body.len().min(40)])
            );
        }
        // Unmarked, the same bodies are events.
        assert_eq!(
            detect_signed(challenge, br#"{"challenge":7}"#, false, None),
            None
        );
    }

    /// Okta's verification is a GET: the header on a POST is an event's, verified as
    /// one.
    #[test]
    fn a_header_echo_is_answered_only_with_its_method() {
        let okta = crate::Preset::Okta.scheme();
        let challenge = okta.challenge().unwrap();
        let headers = [(
            "X-Okta-Verification-Challenge",
            "0ZnLx5WWX6nFmb-SLnkE1Lx7Ie4g",
        )];
        let answer = |method| {
            detect_unsigned(
                challenge,
                "okta",
                method,
                "/hook",
                &headers[..],
                None,
                None,
                None,
            )
        };
        assert_eq!(
            answer("GET").unwrap().unwrap().body(),
            r#"{"verification":"0ZnLx5WWX6nFmb-SLnkE1Lx7Ie4g"}"#
        );
        assert_eq!(answer("POST"), None);
    }
}

#[cfg(test)]
mod capture_tests {
    use crate::verify::{RequestHead, Verifier};
    use crate::{ConfigError, Preset, VerifyError};

    const HOOK_SECRET: &str = "b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81";

    #[test]
    fn a_capture_without_a_callback_is_refused() {
        let headers = [("X-Hook-Secret", HOOK_SECRET)];
        let head = RequestHead::new("POST", "/hook", &headers[..]);
        let verifier = Verifier::new(Preset::Asana.scheme(), "configured").unwrap();
        assert_eq!(
            verifier.handshake(&head).unwrap().unwrap_err(),
            VerifyError::HandshakeRefused
        );
        let notion = Verifier::new(Preset::Notion.scheme(), "configured").unwrap();
        let body =
            br#"{"verification_token":"secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"}"#;
        assert_eq!(
            notion.handshake_body(body).unwrap().unwrap_err(),
            VerifyError::HandshakeRefused
        );
        // Only a POST is Asana's handshake.
        let get = RequestHead::new("GET", "/hook", &headers[..]);
        assert!(verifier.handshake(&get).is_none());
    }

    #[test]
    fn only_a_capturing_verifier_starts_without_a_secret() {
        let capturing = Verifier::builder(Preset::Asana.scheme())
            .on_capture(|_| {})
            .build()
            .unwrap();
        // Until it has the secret, every delivery is refused.
        let headers = [("X-Hook-Signature", "00".repeat(32))];
        let head = RequestHead::new("POST", "/hook", &headers[..]);
        assert_eq!(
            capturing.verify_request(&head, b"{}").unwrap_err(),
            VerifyError::NoMatchingSignature
        );
        assert!(matches!(
            Verifier::builder(Preset::Asana.scheme()).build(),
            Err(ConfigError::NoSecret)
        ));
        assert!(matches!(
            Verifier::builder(Preset::GitHub.scheme())
                .on_capture(|_| {})
                .build(),
            Err(ConfigError::NoSecret)
        ));
    }

    #[test]
    fn captured_values_stay_out_of_debug_output() {
        let captured = super::Captured {
            scheme: "asana",
            value: crate::Secret::from(HOOK_SECRET),
        };
        let debug = format!("{captured:?}");
        assert!(
            debug.contains("asana") && !debug.contains(HOOK_SECRET),
            "{debug}"
        );
        // Asana's answer echoes the secret in a header.
        let headers = [("X-Hook-Secret", HOOK_SECRET)];
        let head = RequestHead::new("POST", "/hook", &headers[..]);
        let answer = Verifier::builder(Preset::Asana.scheme())
            .on_capture(|_| {})
            .build()
            .unwrap()
            .handshake(&head)
            .unwrap()
            .unwrap();
        assert!(
            answer
                .headers()
                .iter()
                .any(|(_, value)| value == HOOK_SECRET)
        );
        let debug = format!("{answer:?}");
        assert!(
            debug.contains("X-Hook-Secret") && !debug.contains(HOOK_SECRET),
            "{debug}"
        );
    }
}
