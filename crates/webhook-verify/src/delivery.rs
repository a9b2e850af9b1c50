//! What a verified request is: an endpoint challenge to answer, or an event to
//! process once, identified by its delivery id.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::error::VerifyError;
use crate::scheme::Challenge;

/// Challenge bodies are small; larger bodies are never parsed as one.
pub const MAX_CHALLENGE_BODY: usize = 16 * 1024;

/// A verified request, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// An endpoint challenge: answer with this response, do not process.
    Challenge(ChallengeResponse),
    /// An event to process.
    Event {
        /// The id to deduplicate by, when the scheme has a source for one.
        delivery_id: Option<DeliveryId>,
    },
}

/// The id that identifies one delivery across the provider's retries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryId(Arc<str>);

impl DeliveryId {
    /// Wraps an id.
    pub fn new(id: impl AsRef<str>) -> Self {
        Self(Arc::from(id.as_ref()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a shared string, cheap to clone (a store can key by it).
    pub fn as_shared(&self) -> &Arc<str> {
        &self.0
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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

fn id_from_value(value: &serde_json::Value) -> Option<String> {
    let id = match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Number(number) => number.to_string(),
        _ => return None,
    };
    (!id.is_empty() && id.len() <= crate::verifier::MAX_ID_LEN).then_some(id)
}

const fn missing_in_body() -> VerifyError {
    VerifyError::MissingDeliveryId {
        source_description: "delivery id field of the JSON body",
    }
}

/// Reads the top-level `field` of a JSON object without building the rest of it.
///
/// The whole body must be JSON: UTF-8 (checked first, in one fast pass: skipped
/// strings are not checked by the parser) and well-formed to its end. Nesting under
/// other fields is skipped without recursion, so its depth costs no stack.
pub(crate) fn json_field(body: &[u8], field: &str) -> Result<String, VerifyError> {
    let text = std::str::from_utf8(body).map_err(|_| VerifyError::MalformedBody {
        reason: "not UTF-8",
    })?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = FieldSeed { field }
        .deserialize(&mut deserializer)
        .and_then(|found| deserializer.end().map(|()| found))
        .map_err(|_| VerifyError::MalformedBody {
            reason: "not a JSON object",
        })?;
    found
        .as_ref()
        .and_then(id_from_value)
        .ok_or_else(missing_in_body)
}

/// Reads the value at a JSON Pointer.
pub(crate) fn json_pointer(body: &[u8], pointer: &str) -> Result<String, VerifyError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| VerifyError::MalformedBody { reason: "not JSON" })?;
    value
        .pointer(pointer)
        .and_then(id_from_value)
        .ok_or_else(missing_in_body)
}

struct FieldSeed<'f> {
    field: &'f str,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Option<serde_json::Value>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Option<serde_json::Value>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if found.is_none() && key == self.field {
                found = Some(map.next_value::<serde_json::Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_echo() {
        let response = detect_challenge(
            &Challenge::webhook_verify(),
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
                &Challenge::webhook_verify(),
                br#"{"type":"webhook.verify"}"#
            )
            .is_none()
        );
        assert!(
            detect_challenge(&Challenge::webhook_verify(), b"\"challenge\" not json").is_none()
        );
        assert!(
            detect_challenge(
                &Challenge::webhook_verify(),
                br#"{"type":"webhook.verify","challenge":{"nested":1}}"#
            )
            .is_none()
        );
    }

    #[test]
    fn top_level_field() {
        assert_eq!(
            json_field(br#"{"data":{"id":"inner"},"id":"evt_1"}"#, "id").unwrap(),
            "evt_1"
        );
        assert_eq!(json_field(br#"{"id":42}"#, "id").unwrap(), "42");
        assert!(matches!(
            json_field(br#"{"data":{"id":"inner"}}"#, "id"),
            Err(VerifyError::MissingDeliveryId { .. })
        ));
        assert!(matches!(
            json_field(br#"{"id":"x"} trailing"#, "id"),
            Err(VerifyError::MalformedBody { .. })
        ));
        assert!(matches!(
            json_field(b"[1]", "id"),
            Err(VerifyError::MalformedBody { .. })
        ));
        assert!(matches!(
            json_field(b"\xff", "id"),
            Err(VerifyError::MalformedBody { .. })
        ));
        // Invalid UTF-8 in a value the parser only skips.
        assert_eq!(
            json_field(b"{\"id\":\"evt_1\",\"note\":\"\xff\"}", "id"),
            Err(VerifyError::MalformedBody {
                reason: "not UTF-8"
            })
        );
        // Deep nesting is skipped without recursion, or refused where it is parsed.
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            json_field(deep.as_bytes(), "id"),
            Err(VerifyError::MissingDeliveryId { .. })
        ));
        let deep_id = format!("{{\"id\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            json_field(deep_id.as_bytes(), "id"),
            Err(VerifyError::MalformedBody { .. })
        ));
    }

    #[test]
    fn pointer() {
        assert_eq!(
            json_pointer(br#"{"event":{"id":"e1"}}"#, "/event/id").unwrap(),
            "e1"
        );
        assert!(json_pointer(br#"{"event":{}}"#, "/event/id").is_err());
    }
}
