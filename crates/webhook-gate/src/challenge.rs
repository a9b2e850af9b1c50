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
//! let answer = verified.challenge(body).expect("a url_verification challenge");
//! assert_eq!(answer.body(), r#"{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use serde::Deserialize;

/// Challenge bodies are small; larger bodies are never parsed as one.
pub const MAX_CHALLENGE_BODY: usize = 16 * 1024;

/// An endpoint challenge (a handshake the provider sends to prove the endpoint is
/// yours) that the receiver answers instead of processing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Challenge {
    /// A signed JSON body `{"type": <type_value>, "challenge": C, ...}`, answered with
    /// 200 and `{"challenge": C}`.
    JsonEcho {
        /// The value of `type` that marks the challenge.
        type_value: Cow<'static, str>,
    },
}

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
}

/// The response a challenge must get: status 200 with this JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeResponse {
    body: String,
}

impl ChallengeResponse {
    /// The HTTP status to answer with.
    pub const STATUS: u16 = 200;
    /// The content type of [`body`](Self::body).
    pub const CONTENT_TYPE: &'static str = "application/json";

    /// The response body, `{"challenge": C}`.
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

/// Detects `challenge` in a verified body.
pub(crate) fn detect_challenge(challenge: &Challenge, body: &[u8]) -> Option<ChallengeResponse> {
    match challenge {
        Challenge::JsonEcho { type_value } => {
            if body.len() > MAX_CHALLENGE_BODY
                || memchr::memmem::find(body, b"\"challenge\"").is_none()
            {
                return None;
            }
            let probe: ChallengeProbe<'_> = serde_json::from_slice(body).ok()?;
            if probe.kind.as_deref() != Some(type_value) {
                return None;
            }
            let value = probe
                .challenge
                .filter(|value| value.is_string() || value.is_number())?;
            let body = serde_json::to_string(&serde_json::json!({ "challenge": value })).ok()?;
            Some(ChallengeResponse { body })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_echo() {
        let response = detect_challenge(
            &Challenge::proposal_generator(),
            br#"{"type":"webhook.verify","challenge":"c4a1"}"#,
        )
        .unwrap();
        assert_eq!(response.body(), r#"{"challenge":"c4a1"}"#);
        assert!(
            detect_challenge(
                &Challenge::slack_url_verification(),
                br#"{"type":"webhook.verify","challenge":"c4a1"}"#
            )
            .is_none()
        );
        assert!(
            detect_challenge(
                &Challenge::proposal_generator(),
                br#"{"type":"webhook.verify"}"#
            )
            .is_none()
        );
        assert!(
            detect_challenge(&Challenge::proposal_generator(), b"\"challenge\" not json").is_none()
        );
        assert!(
            detect_challenge(
                &Challenge::proposal_generator(),
                br#"{"type":"webhook.verify","challenge":{"nested":1}}"#
            )
            .is_none()
        );
    }
}
