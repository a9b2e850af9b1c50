//! What a verified request is: an endpoint challenge to answer, or an event to
//! process once, identified by its delivery id.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

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
    /// A top-level string or number field of the JSON body (`id`), 1 to
    /// [`MAX_ID_LEN`] bytes. The body is parsed only when this source is configured;
    /// the other fields are skipped without being built, their nesting without
    /// recursion.
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
    body_id(id)
}

/// An id read from the body: 1 to [`MAX_ID_LEN`] bytes.
fn body_id(id: String) -> Option<String> {
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
    json_top_level_seed(body, field, PhantomData)
}

/// The string `field` of every item of the top-level array `array`, read as
/// [`json_field`] reads a field, no other value built: `None` when the body has no
/// such array; for each item, `None` when it is not an object or its `field` is not
/// a string (given twice in an item, the last, as serde_json's `Value` keeps).
pub(crate) fn json_item_strings(
    body: &[u8],
    array: &str,
    field: &str,
) -> Result<Option<Vec<Option<String>>>, VerifyError> {
    Ok(json_top_level_seed(body, array, ItemStrings { field })?.flatten())
}

/// The top-level `field` of a JSON object, its value read by `seed`.
fn json_top_level_seed<S, T>(body: &[u8], field: &str, seed: S) -> Result<Option<T>, VerifyError>
where
    S: for<'de> DeserializeSeed<'de, Value = T>,
{
    read_whole(body, FieldSeed { field, value: seed }, "not a JSON object")
}

/// The whole body read by `seed`: UTF-8 (checked first, in one fast pass: skipped
/// strings are not checked by the parser), then JSON to its end (`reason` if not).
fn read_whole<S, T>(body: &[u8], seed: S, reason: &'static str) -> Result<T, VerifyError>
where
    S: for<'de> DeserializeSeed<'de, Value = T>,
{
    let text = std::str::from_utf8(body).map_err(|_| VerifyError::MalformedBody {
        reason: "not UTF-8",
    })?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    seed.deserialize(&mut deserializer)
        .and_then(|found| deserializer.end().map(|()| found))
        .map_err(|_| VerifyError::MalformedBody { reason })
}

/// Reads the delivery id at a JSON Pointer: 1 to [`MAX_ID_LEN`] bytes, as a
/// field's.
pub(crate) fn json_pointer(body: &[u8], pointer: &str) -> Result<String, VerifyError> {
    json_pointer_text(body, pointer)?
        .and_then(body_id)
        .ok_or_else(missing_in_body)
}

/// The string or number (as serde_json writes it) at `pointer` (RFC 6901), where
/// serde_json's `Value::pointer` finds it (in the last of a key given twice), read
/// in one pass that builds nothing else: `None` when nothing is there or another
/// kind of value is. The whole body must be JSON, as for [`json_field`]; what is
/// skipped is read as serde_json skips a value, which does not pair surrogate
/// escapes, bound numbers or limit nesting (its `Value` does).
pub(crate) fn json_pointer_text(body: &[u8], pointer: &str) -> Result<Option<String>, VerifyError> {
    Ok(json_pointer_texts(body, &[pointer])?.pop().flatten())
}

/// [`json_pointer_text`] for each of the first 64 of `pointers` (the others find
/// nothing), in one pass.
pub(crate) fn json_pointer_texts(
    body: &[u8],
    pointers: &[&str],
) -> Result<Vec<Option<String>>, VerifyError> {
    // A pointer is empty (the whole body) or starts with `/`; another names nothing.
    let paths: Vec<Option<Vec<Token<'_>>>> = pointers
        .iter()
        .map(|pointer| match pointer.strip_prefix('/') {
            _ if pointer.is_empty() => Some(Vec::new()),
            Some(rest) => Some(rest.split('/').map(Token::new).collect()),
            None => None,
        })
        .collect();
    let active = paths
        .iter()
        .take(64)
        .enumerate()
        .filter(|(_, path)| path.is_some())
        .fold(0u64, |mask, (index, _)| mask | 1 << index);
    let mut found = vec![None; pointers.len()];
    let seed = Pointers {
        paths: &paths,
        active,
        depth: 0,
        found: &mut found,
    };
    read_whole(body, seed, "not JSON")?;
    Ok(found)
}

/// One reference token of a pointer, unescaped, and the array index it names.
struct Token<'p> {
    key: Cow<'p, str>,
    index: Option<usize>,
}

impl<'p> Token<'p> {
    fn new(token: &'p str) -> Self {
        let key = if token.contains('~') {
            Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(token)
        };
        // An index as `Value::pointer` reads one: digits, no sign, no leading zero.
        let index = (!key.starts_with('+') && (key == "0" || !key.starts_with('0')))
            .then(|| key.parse().ok())
            .flatten();
        Self { key, index }
    }
}

/// The pointers in `active` (a bit per index of `paths`) whose first `depth` tokens
/// led to the value at hand: what they name is written in `found`.
struct Pointers<'a, 'p> {
    paths: &'a [Option<Vec<Token<'p>>>],
    active: u64,
    depth: usize,
    found: &'a mut [Option<String>],
}

impl Pointers<'_, '_> {
    /// The active pointers whose token at this depth passes `test`.
    fn next(&self, test: impl Fn(&Token<'_>) -> bool) -> u64 {
        let mut mask = 0;
        for (index, path) in self.paths.iter().enumerate().take(64) {
            if self.active & 1 << index != 0
                && let Some(token) = path.as_ref().and_then(|path| path.get(self.depth))
                && test(token)
            {
                mask |= 1 << index;
            }
        }
        mask
    }

    /// Writes `text` for the active pointers that end here.
    fn text(self, text: impl Fn() -> Option<String>) {
        for (index, path) in self.paths.iter().enumerate().take(64) {
            if self.active & 1 << index != 0
                && path.as_ref().is_some_and(|path| path.len() == self.depth)
            {
                self.found[index] = text();
            }
        }
    }

    /// The pointers of `mask`, one level down; what they named before is forgotten
    /// (the last of a key given twice is the one `Value` keeps).
    fn descend(&mut self, mask: u64) -> Pointers<'_, '_> {
        for (index, found) in self.found.iter_mut().enumerate().take(64) {
            if mask & 1 << index != 0 {
                *found = None;
            }
        }
        Pointers {
            paths: self.paths,
            active: mask,
            depth: self.depth + 1,
            found: self.found,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Pointers<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Pointers<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<(), E> {
        self.text(|| Some(number.to_string()));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<(), E> {
        self.text(|| Some(number.to_string()));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<(), E> {
        self.text(|| serde_json::Number::from_f64(number).map(|number| number.to_string()));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<(), E> {
        self.text(|| Some(text.to_owned()));
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let seeking = self.next(|_| true);
        if seeking == 0 {
            return skip_map(map);
        }
        while let Some(mask) = map.next_key_seed(KeyMask {
            pointers: &self,
            seeking,
        })? {
            if mask == 0 {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(self.descend(mask))?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        if self.next(|_| true) == 0 {
            return skip_seq(seq);
        }
        let mut at = 0;
        loop {
            let mask = self.next(|token| token.index == Some(at));
            let more = if mask == 0 {
                seq.next_element::<IgnoredAny>()?.is_some()
            } else {
                seq.next_element_seed(self.descend(mask))?.is_some()
            };
            if !more {
                return Ok(());
            }
            at += 1;
        }
    }
}

/// The pointers of `seeking` whose next token is a key: compared where the parser
/// has it.
struct KeyMask<'a, 'b, 'p> {
    pointers: &'a Pointers<'b, 'p>,
    seeking: u64,
}

impl<'de> DeserializeSeed<'de> for KeyMask<'_, '_, '_> {
    type Value = u64;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyMask<'_, '_, '_> {
    type Value = u64;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<u64, E> {
        Ok(self.pointers.next(|token| token.key == key) & self.seeking)
    }
}

struct FieldSeed<'f, S> {
    field: &'f str,
    value: S,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for FieldSeed<'_, S> {
    type Value = Option<S::Value>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for FieldSeed<'_, S> {
    type Value = Option<S::Value>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seed = Some(self.value);
        let mut found = None;
        while let Some(is_field) = map.next_key_seed(KeyIs(self.field))? {
            if is_field {
                // Given twice, the field means one thing here and maybe another to
                // the handler's parser (serde_json's `Value` keeps the last): refused.
                let Some(seed) = seed.take() else {
                    return Err(de::Error::custom("a field given twice"));
                };
                found = Some(map.next_value_seed(seed)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// The visits of a value that is not of the shape sought: `None` (what it nests
/// skipped). `not_the_shape!(str, seq, map)` adds strings, arrays and objects to
/// the scalars.
macro_rules! not_the_shape {
    (@str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
    };
    (@seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            skip_seq(seq).map(|()| None)
        }
    };
    (@map) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            skip_map(map).map(|()| None)
        }
    };
    ($($kind:ident),*) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        $(not_the_shape!(@$kind);)*
    };
}

/// Skips the rest of an array.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Skips the rest of an object.
fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// An array's items, each item's string `field` ([`json_item_strings`]).
struct ItemStrings<'f> {
    field: &'f str,
}

impl<'de> DeserializeSeed<'de> for ItemStrings<'_> {
    type Value = Option<Vec<Option<String>>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemStrings<'_> {
    type Value = Option<Vec<Option<String>>>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an array")
    }

    not_the_shape!(str, map);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ItemString { field: self.field })? {
            items.push(item);
        }
        Ok(Some(items))
    }
}

/// One item's string `field`: the last given, `None` when the item is not an object
/// or the field is not a string.
struct ItemString<'f> {
    field: &'f str,
}

impl<'de> DeserializeSeed<'de> for ItemString<'_> {
    type Value = Option<String>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemString<'_> {
    type Value = Option<String>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object")
    }

    not_the_shape!(str, seq);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(is_field) = map.next_key_seed(KeyIs(self.field))? {
            if is_field {
                found = map.next_value_seed(StringOrNone)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// A string value, or `None` for any other.
struct StringOrNone;

impl<'de> DeserializeSeed<'de> for StringOrNone {
    type Value = Option<String>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringOrNone {
    type Value = Option<String>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string")
    }

    not_the_shape!(seq, map);

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Some(text.to_owned()))
    }
}

/// Whether a key is the one sought: compared where the parser has it, no copy made.
struct KeyIs<'f>(&'f str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
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
    // Without an early exit, the check of every byte is vectorised.
    if !value
        .iter()
        .fold(true, |visible, &b| visible & (b'!'..=b'~').contains(&b))
    {
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

/// Reads the delivery id of a scheme whose id source is a header: `signed`, the
/// signed id when it is the delivery id (as in Standard Webhooks), is not read
/// twice. The result is judged only when the id is asked for.
pub(crate) fn header_id<H: HeaderSource + ?Sized>(
    source: Option<&DeliveryIdSourceResolved>,
    signed: Option<&[u8]>,
    headers: &H,
) -> Result<HeaderId, VerifyError> {
    match source {
        Some(DeliveryIdSourceResolved::Header(_)) if let Some(id) = signed => Ok(HeaderId::new(id)),
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
        // A key written with escapes is the key serde_json's `Value` reads.
        let escaped = br#"{"\u0069d":"evt_1","i\"d":"evt_2"}"#;
        let value: serde_json::Value = serde_json::from_slice(escaped).unwrap();
        assert_eq!(value["id"], "evt_1");
        assert_eq!(json_field(escaped, "id").unwrap(), "evt_1");
        assert_eq!(json_field(escaped, "i\"d").unwrap(), "evt_2");
        assert!(matches!(
            json_field(br#"{"id":"evt_1","\u0069d":"evt_2"}"#, "id"),
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
    fn item_strings_are_what_a_value_holds() {
        // What serde_json's `Value` reads at `value[*].clientState`.
        let from_value = |body: &[u8]| -> Option<Vec<Option<String>>> {
            let value: serde_json::Value = serde_json::from_slice(body).unwrap();
            let items = value.get("value")?.as_array()?;
            Some(
                items
                    .iter()
                    .map(|item| item.get("clientState")?.as_str().map(str::to_owned))
                    .collect(),
            )
        };
        for body in [
            &br#"{"value":[{"clientState":"a"},{"x":[1,{"clientState":"no"}],"clientState":"b"}]}"#[..],
            br#"{"value":[{"clientState":"a","clientState":"b"}]}"#,
            br#"{"value":[{"client\u0053tate":"esc\"aped"}]}"#,
            br#"{"value":[{"clientState":7},{"clientState":null},{"clientState":{"a":1}},{"clientState":["a"]}]}"#,
            br#"{"value":["a",1,null,true,[{"clientState":"a"}],{}]}"#,
            br#"{"value":[]}"#,
            br#"{"value":{"clientState":"a"}}"#,
            br#"{"value":"a"}"#,
            br#"{"value":null}"#,
            br#"{"other":[{"clientState":"a"}]}"#,
        ] {
            assert_eq!(
                json_item_strings(body, "value", "clientState").unwrap(),
                from_value(body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn pointer_texts_are_what_a_value_holds() {
        // What serde_json's `Value` holds at the pointer, as text.
        let from_value = |body: &[u8], pointer: &str| -> Option<String> {
            let value: serde_json::Value = serde_json::from_slice(body).unwrap();
            match value.pointer(pointer)? {
                serde_json::Value::String(text) => Some(text.clone()),
                serde_json::Value::Number(number) => Some(number.to_string()),
                _ => None,
            }
        };
        let bodies: [&[u8]; 6] = [
            br#"{"signature":{"timestamp":"1700000000","token":"t","signature":"ab"},"event-data":{"id":"e1"}}"#,
            br#"{"a":{"b":"first"},"a":{"c":"second"}}"#,
            br#"{"a/b":{"m~n":1.5},"list":[{"id":7},{"id":"x"},[true,null,-3]],"n":18446744073709551615}"#,
            br#"{"\u0061":{"b":"escaped key"},"e":1e3,"z":-0.0}"#,
            br#"["zero",{"one":1}]"#,
            br#""just a string""#,
        ];
        let pointers = [
            "",
            "/",
            "/signature/timestamp",
            "/signature/token",
            "/event-data/id",
            "/a/b",
            "/a/c",
            "/a~1b/m~0n",
            "/list/0/id",
            "/list/1/id",
            "/list/2/2",
            "/list/01/id",
            "/list/+1/id",
            "/list/9",
            "/n",
            "/a",
            "/e",
            "/z",
            "/0",
            "/1/one",
            "no-slash",
            "/signature/timestamp/more",
        ];
        for body in bodies {
            for pointer in pointers {
                assert_eq!(
                    json_pointer_text(body, pointer).unwrap(),
                    from_value(body, pointer),
                    "{} at {pointer:?}",
                    String::from_utf8_lossy(body)
                );
            }
        }
        // Every pointer at once, in one pass, finds what each finds alone.
        for body in bodies {
            let alone: Vec<Option<String>> = pointers
                .iter()
                .map(|pointer| json_pointer_text(body, pointer).unwrap())
                .collect();
            assert_eq!(json_pointer_texts(body, &pointers).unwrap(), alone);
        }
        for malformed in [&b"{\"a\":"[..], b"{\"a\":1} x", b"\xff"] {
            assert!(matches!(
                json_pointer_text(malformed, "/a"),
                Err(VerifyError::MalformedBody { .. })
            ));
        }
    }

    #[test]
    fn pointer() {
        assert_eq!(
            json_pointer(br#"{"event":{"id":"e1"}}"#, "/event/id").unwrap(),
            "e1"
        );
        assert!(json_pointer(br#"{"event":{}}"#, "/event/id").is_err());
        // An id is 1 to MAX_ID_LEN bytes, wherever it is.
        let id = |length: usize| format!(r#"{{"event":{{"id":"{}"}}}}"#, "i".repeat(length));
        assert!(json_pointer(id(MAX_ID_LEN).as_bytes(), "/event/id").is_ok());
        for length in [0, MAX_ID_LEN + 1] {
            assert!(matches!(
                json_pointer(id(length).as_bytes(), "/event/id"),
                Err(VerifyError::MissingDeliveryId { .. })
            ));
        }
    }
}
