//! What a verified request is: an endpoint challenge to answer, or an event to
//! process once, identified by its delivery id.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::challenge::ChallengeResponse;
use crate::error::{ConfigError, VerifyError};
use crate::headers::{HeaderKey, HeaderLookup, HeaderSource};

/// Longest delivery id or signed id header accepted, in bytes.
pub const MAX_ID_LEN: usize = 256;

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

/// Where the id a receiver deduplicates deliveries by comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryIdSource {
    /// A header (`X-GitHub-Delivery`, `webhook-id`, ...).
    Header(Cow<'static, str>),
    /// A top-level string or number field of the JSON body (`id`). The body is parsed
    /// only when this source is configured, with serde_json's nesting limit.
    JsonField(Cow<'static, str>),
    /// A JSON Pointer (RFC 6901) into the body, for ids below the top level
    /// (`/event/id`).
    JsonPointer(Cow<'static, str>),
    /// A fingerprint (SHA-256) of the verified signature, for providers that send no
    /// id. A provider that re-signs a retry with a new timestamp produces a new
    /// fingerprint, so this dedupes exact re-sends only.
    SignatureFingerprint,
}

/// A [`DeliveryIdSource`] with its header name resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeliveryIdSourceResolved {
    Header(HeaderKey),
    JsonField(Cow<'static, str>),
    JsonPointer(Cow<'static, str>),
    SignatureFingerprint,
}

impl DeliveryIdSourceResolved {
    pub(crate) fn new(source: DeliveryIdSource) -> Result<Self, ConfigError> {
        Ok(match source {
            DeliveryIdSource::Header(name) => Self::Header(HeaderKey::new(name)?),
            DeliveryIdSource::JsonField(field) => Self::JsonField(field),
            DeliveryIdSource::JsonPointer(pointer) => Self::JsonPointer(pointer),
            DeliveryIdSource::SignatureFingerprint => Self::SignatureFingerprint,
        })
    }
}

fn id_from_value(value: &serde_json::Value) -> Option<String> {
    let id = match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Number(number) => number.to_string(),
        _ => return None,
    };
    (!id.is_empty() && id.len() <= MAX_ID_LEN).then_some(id)
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
    json_top_level(body, field)?
        .as_ref()
        .and_then(id_from_value)
        .ok_or_else(missing_in_body)
}

/// The top-level `field` of a JSON object, parsed as [`json_field`] does.
pub(crate) fn json_top_level(
    body: &[u8],
    field: &str,
) -> Result<Option<serde_json::Value>, VerifyError> {
    let text = std::str::from_utf8(body).map_err(|_| VerifyError::MalformedBody {
        reason: "not UTF-8",
    })?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    FieldSeed { field }
        .deserialize(&mut deserializer)
        .and_then(|found| deserializer.end().map(|()| found))
        .map_err(|_| VerifyError::MalformedBody {
            reason: "not a JSON object",
        })
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
            if key == self.field {
                // Given twice, the field means one thing here and maybe another to
                // the handler's parser (serde_json's `Value` keeps the last): refused.
                if found.is_some() {
                    return Err(de::Error::custom("a field given twice"));
                }
                found = Some(map.next_value::<serde_json::Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// An id header value: 1 to [`MAX_ID_LEN`] visible ASCII characters.
pub(crate) fn checked_id<'v>(value: &'v [u8], name: &HeaderKey) -> Result<&'v [u8], VerifyError> {
    let malformed = |reason| VerifyError::MalformedHeader {
        header: name.display.clone(),
        reason,
    };
    if value.is_empty() {
        return Err(malformed("empty"));
    }
    if value.len() > MAX_ID_LEN {
        return Err(malformed("too long"));
    }
    if !value.iter().all(|b| (b'!'..=b'~').contains(b)) {
        return Err(malformed("not visible ASCII"));
    }
    Ok(value)
}

/// A delivery id read from a header: kept inline, without an allocation, until a
/// caller asks for it as a [`DeliveryId`] (most ids are UUIDs or similar, well
/// under [`HeaderId::INLINE`] bytes).
#[derive(Clone)]
pub(crate) enum HeaderId {
    Inline {
        len: u8,
        bytes: [u8; HeaderId::INLINE],
    },
    Shared(DeliveryId),
}

impl HeaderId {
    pub(crate) const INLINE: usize = 64;

    /// `id` passed [`checked_id`]: visible ASCII, so every conversion to text below
    /// borrows and loses nothing.
    pub(crate) fn new(id: &[u8]) -> Self {
        let mut bytes = [0u8; Self::INLINE];
        match (bytes.get_mut(..id.len()), u8::try_from(id.len())) {
            (Some(slot), Ok(len)) => {
                slot.copy_from_slice(id);
                Self::Inline { len, bytes }
            }
            _ => Self::Shared(DeliveryId::new(String::from_utf8_lossy(id))),
        }
    }

    pub(crate) fn to_delivery_id(&self) -> DeliveryId {
        match self {
            Self::Inline { len, bytes } => {
                DeliveryId::new(String::from_utf8_lossy(&bytes[..usize::from(*len)]))
            }
            Self::Shared(id) => id.clone(),
        }
    }
}

/// Reads the delivery id of a scheme whose id source is a header (the signed id
/// header is read once when it is also the delivery id, as in Standard Webhooks).
/// The result is judged only when the id is asked for.
pub(crate) fn header_id<H: HeaderSource + ?Sized>(
    source: Option<&DeliveryIdSourceResolved>,
    signed: Option<(&HeaderKey, &[u8])>,
    headers: &H,
) -> Result<HeaderId, VerifyError> {
    match source {
        Some(DeliveryIdSourceResolved::Header(name))
            if signed.is_some_and(|(id_header, _)| id_header.lookup == name.lookup) =>
        {
            Ok(HeaderId::new(signed.map(|(_, id)| id).unwrap_or_default()))
        }
        Some(DeliveryIdSourceResolved::Header(name)) => match name.find_in(headers) {
            HeaderLookup::Absent => Err(VerifyError::MissingDeliveryId {
                source_description: "delivery id header",
            }),
            HeaderLookup::Repeated => Err(VerifyError::RepeatedHeader {
                header: name.display.clone(),
            }),
            HeaderLookup::Single(value) => checked_id(value, name).map(HeaderId::new),
        },
        _ => Err(VerifyError::MissingDeliveryId {
            source_description: "no delivery id header configured",
        }),
    }
}

/// The delivery id of a verified request, from the scheme's source: the header read
/// with the headers, a field of the body, or the signature's fingerprint.
pub(crate) fn resolve(
    source: Option<&DeliveryIdSourceResolved>,
    from_header: &Result<HeaderId, VerifyError>,
    body: &[u8],
    fingerprint: impl FnOnce() -> DeliveryId,
) -> Result<Option<DeliveryId>, VerifyError> {
    Ok(match source {
        None => None,
        Some(DeliveryIdSourceResolved::Header(_)) => {
            Some(from_header.as_ref().map_err(Clone::clone)?.to_delivery_id())
        }
        Some(DeliveryIdSourceResolved::JsonField(field)) => {
            Some(DeliveryId::new(json_field(body, field)?))
        }
        Some(DeliveryIdSourceResolved::JsonPointer(pointer)) => {
            Some(DeliveryId::new(json_pointer(body, pointer)?))
        }
        Some(DeliveryIdSourceResolved::SignatureFingerprint) => Some(fingerprint()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Given twice, a field would be one thing here and the last one to
        // serde_json's `Value`: refused.
        assert!(matches!(
            json_field(br#"{"id":"evt_1","id":"evt_2"}"#, "id"),
            Err(VerifyError::MalformedBody { .. })
        ));
        assert_eq!(
            json_field(br#"{"id":"evt_1","data":{"id":"a","id":"b"}}"#, "id").unwrap(),
            "evt_1"
        );
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
