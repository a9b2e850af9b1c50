//! The signed content, part by part: what comes before the body is fed when the
//! headers arrive, the body as it streams, what comes after it when the body is
//! complete.

use std::borrow::Cow;

use sha2::{Digest as _, Sha256};

use crate::error::VerifyError;
use crate::headers::{HeaderKey, HeaderLookup, HeaderSource};
use crate::scheme::{BodyValue, Encoding, ResolvedPart, Scheme};
use crate::signature;

/// Everything a template may take from the request head, read once.
pub(crate) struct HeadValues<'h> {
    pub(crate) method: Option<&'h str>,
    pub(crate) target: Option<&'h str>,
    pub(crate) url: Option<Cow<'h, str>>,
    pub(crate) timestamp: &'h [u8],
    pub(crate) id: &'h [u8],
    /// A JWT's header and claims, as sent.
    pub(crate) signing_input: &'h [u8],
}

/// How the body enters the signed content.
pub(crate) enum BodyPart {
    /// The template has no body part.
    None,
    /// The raw body, streamed into the signatures.
    Stream,
    /// The body's SHA-256 in hex, streamed into a hash (boxed: the state would
    /// triple the size of every split the verifier moves).
    Sha256Hex(Box<Sha256>),
    /// The body's CRC-32 in decimal, streamed into a checksum.
    Crc32(crc32fast::Hasher),
    /// Every form field sorted by name, from the kept body.
    SortedFormFields {
        /// The URL carries the body's digest instead (Twilio's JSON requests).
        bound_by_url: bool,
    },
    /// Values of the kept JSON body, with the bytes of the template between and
    /// after them.
    Json(Vec<Deferred>),
}

/// A piece of the template after its first JSON value.
pub(crate) enum Deferred {
    /// Bytes known from the head (a literal, a header's value).
    Bytes(Vec<u8>),
    /// A value of the body.
    Value(BodyValue),
}

/// The template split around its body part: the bytes after the body, evaluated
/// from the head, are kept until the body is complete.
pub(crate) struct Split {
    pub(crate) body: BodyPart,
    pub(crate) suffix: Vec<u8>,
}

/// Feeds every part before the body part to `feed`; evaluates the rest.
pub(crate) fn start<H: HeaderSource + ?Sized>(
    scheme: &Scheme,
    head: &HeadValues<'_>,
    headers: &H,
    mut feed: impl FnMut(&[u8]),
    bound_by_url: bool,
) -> Result<Split, VerifyError> {
    let mut body = BodyPart::None;
    let mut suffix = Vec::new();
    for part in &scheme.parts {
        let Some(bytes) = head_bytes(part, head, headers)? else {
            match part {
                ResolvedPart::BodySha256Hex => body = BodyPart::Sha256Hex(Box::new(Sha256::new())),
                ResolvedPart::BodyCrc32 => body = BodyPart::Crc32(crc32fast::Hasher::new()),
                ResolvedPart::SortedFormFields => {
                    body = BodyPart::SortedFormFields { bound_by_url }
                }
                ResolvedPart::JsonField(field) => {
                    push_value(&mut body, BodyValue::Field(field.clone()));
                }
                ResolvedPart::JsonPointer(pointer) => {
                    push_value(&mut body, BodyValue::Pointer(pointer.clone()));
                }
                // The body itself: every other part is the head's.
                _ => body = BodyPart::Stream,
            }
            continue;
        };
        match &mut body {
            BodyPart::None => feed(bytes),
            BodyPart::Json(deferred) => deferred.push(Deferred::Bytes(bytes.to_vec())),
            _ => suffix.extend_from_slice(bytes),
        }
    }
    Ok(Split { body, suffix })
}

/// The bytes of a part the request head gives; `None` for a part made from the
/// body.
#[inline]
pub(crate) fn head_bytes<'a, H: HeaderSource + ?Sized>(
    part: &'a ResolvedPart,
    head: &'a HeadValues<'_>,
    headers: &'a H,
) -> Result<Option<&'a [u8]>, VerifyError> {
    Ok(Some(match part {
        ResolvedPart::Body
        | ResolvedPart::BodySha256Hex
        | ResolvedPart::BodyCrc32
        | ResolvedPart::SortedFormFields
        | ResolvedPart::JsonField(_)
        | ResolvedPart::JsonPointer(_) => return Ok(None),
        // A verifier has put the configured value in its place; a signer without
        // it signs nothing there.
        ResolvedPart::Setting(_) => &[],
        ResolvedPart::Literal(bytes) => bytes,
        ResolvedPart::Header(name) => required_header(headers, name)?,
        ResolvedPart::Timestamp => head.timestamp,
        ResolvedPart::Id => head.id,
        ResolvedPart::JwsSigningInput => head.signing_input,
        ResolvedPart::Method => head.method.ok_or_else(|| missing(":method"))?.as_bytes(),
        ResolvedPart::Url => head.url.as_deref().ok_or_else(no_host)?.as_bytes(),
        ResolvedPart::PathAndQuery => head.target.ok_or_else(|| missing(":path"))?.as_bytes(),
    }))
}

/// A JSON value of the body joins the deferred part of the template.
fn push_value(body: &mut BodyPart, value: BodyValue) {
    match body {
        BodyPart::Json(deferred) => deferred.push(Deferred::Value(value)),
        _ => *body = BodyPart::Json(vec![Deferred::Value(value)]),
    }
}

/// A URL-bound template's error when the request says not which host it called.
pub(crate) fn no_host() -> VerifyError {
    missing("Host")
}

fn missing(header: &'static str) -> VerifyError {
    VerifyError::MissingHeader {
        header: Cow::Borrowed(header),
    }
}

fn required_header<'h, H: HeaderSource + ?Sized>(
    headers: &'h H,
    name: &HeaderKey,
) -> Result<&'h [u8], VerifyError> {
    match name.find_in(headers) {
        HeaderLookup::Single(value) => Ok(value),
        HeaderLookup::Absent => Err(VerifyError::MissingHeader {
            header: name.display.clone(),
        }),
        HeaderLookup::Repeated => Err(VerifyError::RepeatedHeader {
            header: name.display.clone(),
        }),
    }
}

/// The bytes of a whole-body part, once the body is complete.
pub(crate) fn finish_body(body: BodyPart, kept: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let pointers: Vec<String> = match &body {
        BodyPart::Json(deferred) => deferred
            .iter()
            .filter_map(|piece| match piece {
                Deferred::Value(BodyValue::Pointer(pointer)) => Some(pointer.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let json = Json::reading(kept, pointers.iter().map(String::as_str).collect());
    finish_body_with(body, &json)
}

/// [`finish_body`], the body's JSON values read through `json`.
pub(crate) fn finish_body_with(body: BodyPart, json: &Json<'_>) -> Result<Vec<u8>, VerifyError> {
    let kept = json.body;
    Ok(match body {
        BodyPart::None | BodyPart::Stream | BodyPart::SortedFormFields { bound_by_url: true } => {
            Vec::new()
        }
        BodyPart::Sha256Hex(hash) => {
            signature::encode(&(*hash).finalize(), Encoding::Hex).into_bytes()
        }
        BodyPart::Crc32(checksum) => checksum.finalize().to_string().into_bytes(),
        BodyPart::SortedFormFields {
            bound_by_url: false,
        } => sorted_form_fields(kept)?,
        BodyPart::Json(deferred) => {
            let mut bytes = Vec::new();
            for piece in deferred {
                match piece {
                    Deferred::Bytes(known) => bytes.extend_from_slice(&known),
                    Deferred::Value(value) => {
                        bytes.extend_from_slice(json.text(&value)?.as_bytes());
                    }
                }
            }
            bytes
        }
    })
}

/// A kept JSON body, its values read in passes that build nothing else: the
/// pointers it is made for together, in one pass at the first look-up of any.
pub(crate) struct Json<'b> {
    body: &'b [u8],
    pointers: Vec<&'b str>,
    found: std::cell::OnceCell<Result<Vec<Option<String>>, VerifyError>>,
}

impl<'b> Json<'b> {
    pub(crate) fn new(body: &'b [u8]) -> Self {
        Self::reading(body, Vec::new())
    }

    /// A body whose values at `pointers` are read together.
    pub(crate) fn reading(body: &'b [u8], pointers: Vec<&'b str>) -> Self {
        Self {
            body,
            pointers,
            found: std::cell::OnceCell::new(),
        }
    }

    /// The value as text (a string's value; a number as serde_json writes it:
    /// integers as sent, `1.50` as `1.5`).
    pub(crate) fn text(&self, value: &BodyValue) -> Result<String, VerifyError> {
        self.find(value)?.ok_or(VerifyError::MalformedBody {
            reason: "a signed JSON field is missing",
        })
    }

    /// The value as text; `None` when the body has no string or number there, an
    /// error when the body is not JSON.
    pub(crate) fn find(&self, value: &BodyValue) -> Result<Option<String>, VerifyError> {
        Ok(match value {
            BodyValue::Field(field) => {
                as_text(crate::delivery::json_top_level(self.body, field)?.as_ref())
            }
            BodyValue::Pointer(pointer) => {
                match self
                    .pointers
                    .iter()
                    .take(64)
                    .position(|known| known == pointer)
                {
                    Some(at) => self
                        .found
                        .get_or_init(|| {
                            crate::delivery::json_pointer_texts(self.body, &self.pointers)
                        })
                        .as_ref()
                        .map_err(Clone::clone)?[at]
                        .clone(),
                    None => crate::delivery::json_pointer_text(self.body, pointer)?,
                }
            }
        })
    }
}

fn as_text(value: Option<&serde_json::Value>) -> Option<String> {
    match value {
        Some(serde_json::Value::String(text)) => Some(text.clone()),
        Some(serde_json::Value::Number(number)) => Some(number.to_string()),
        _ => None,
    }
}

/// `name` + `value` of every `application/x-www-form-urlencoded` field, sorted by
/// name then value, each distinct pair once (as Twilio's SDKs compute it).
pub(crate) fn sorted_form_fields(body: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let mut fields: Vec<(Vec<u8>, Vec<u8>)> = split_bytes(body, b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match memchr::memchr(b'=', pair) {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &b""[..]),
            };
            Ok((form_decode(name)?, form_decode(value)?))
        })
        .collect::<Result<_, VerifyError>>()?;
    fields.sort();
    fields.dedup();
    let mut sorted = Vec::with_capacity(body.len());
    for (name, value) in &fields {
        sorted.extend_from_slice(name);
        sorted.extend_from_slice(value);
    }
    Ok(sorted)
}

/// The pieces of `text` between `separator`s, as `<[u8]>::split` gives them, the
/// separators found with `memchr` (`split` tests byte after byte).
pub(crate) fn split_bytes(text: &[u8], separator: u8) -> SplitBytes<'_> {
    SplitBytes {
        rest: Some(text),
        separator,
    }
}

/// [`split_bytes`]: what is left to split, and nothing else (a signature header is
/// split per request, and a chain of iterators' state cost more than the search).
pub(crate) struct SplitBytes<'a> {
    rest: Option<&'a [u8]>,
    separator: u8,
}

impl<'a> Iterator for SplitBytes<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        let Some(at) = memchr::memchr(self.separator, rest) else {
            self.rest = None;
            return Some(rest);
        };
        self.rest = Some(&rest[at + 1..]);
        Some(&rest[..at])
    }
}

/// Percent-decoding with `+` as a space.
pub(crate) fn form_decode(text: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let malformed = || VerifyError::MalformedBody {
        reason: "a form field is not percent-encoded",
    };
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    // The bytes up to the next `+` or `%` are copied as one run.
    while let Some(at) = memchr::memchr2(b'+', b'%', rest) {
        out.extend_from_slice(&rest[..at]);
        if rest[at] == b'+' {
            out.push(b' ');
            rest = &rest[at + 1..];
            continue;
        }
        let digit = |offset: usize| {
            rest.get(at + offset)
                .and_then(|&digit| char::from(digit).to_digit(16))
        };
        let (Some(high), Some(low)) = (digit(1), digit(2)) else {
            return Err(malformed());
        };
        out.push(u8::try_from(high * 16 + low).map_err(|_| malformed())?);
        rest = &rest[at + 3..];
    }
    out.extend_from_slice(rest);
    Ok(out)
}

/// The value of the query parameter `name` in `target` (the path and query),
/// percent-decoded; `None` when absent or not decodable.
pub(crate) fn query_param(target: &str, name: &str) -> Option<Vec<u8>> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (form_decode(key.as_bytes()).ok()? == name.as_bytes())
            .then(|| form_decode(value.as_bytes()).ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_sort_by_name_then_value() {
        // Twilio's documented example: sorted, concatenated name and value.
        let body = b"To=%2B18005551212&CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B14158675309";
        assert_eq!(
            sorted_form_fields(body).unwrap(),
            b"CallSidCA1234567890ABCDECaller+12349013030Digits1234From+14158675309To+18005551212"
        );
        assert_eq!(sorted_form_fields(b"b=2&a=1&a=0&a=1").unwrap(), b"a0a1b2");
        assert!(sorted_form_fields(b"a=%zz").is_err());
        for truncated in [&b"a=%"[..], b"a=%4", b"a=b%", b"a=%4+"] {
            assert!(sorted_form_fields(truncated).is_err());
        }
    }

    #[test]
    fn split_bytes_is_split() {
        for text in [&b""[..], b",", b",,", b"a", b"a,b", b",a,,b,", b"v1,x v1,y"] {
            for separator in [b',', b' '] {
                assert_eq!(
                    split_bytes(text, separator).collect::<Vec<_>>(),
                    text.split(|&byte| byte == separator).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn form_decoding_of_runs_and_escapes() {
        assert_eq!(form_decode(b"").unwrap(), b"");
        assert_eq!(form_decode(b"plain").unwrap(), b"plain");
        assert_eq!(form_decode(b"+a++b+").unwrap(), b" a  b ");
        assert_eq!(form_decode(b"%2B%2b1%20%41b").unwrap(), b"++1 Ab");
        assert_eq!(form_decode(b"%E2%9C%93x").unwrap(), "\u{2713}x".as_bytes());
        assert_eq!(form_decode(b"%25%2B+").unwrap(), b"%+ ");
        assert!(form_decode(b"%g0").is_err());
        assert!(form_decode(b"ab%0").is_err());
    }

    #[test]
    fn query_params_decode() {
        assert_eq!(
            query_param("/hook?a=1&hub.challenge=x%20y&b", "hub.challenge").as_deref(),
            Some(&b"x y"[..])
        );
        assert_eq!(query_param("/hook?b", "b").as_deref(), Some(&b""[..]));
        assert_eq!(query_param("/hook", "a"), None);
    }

    #[test]
    fn json_values_read_strings_and_numbers() {
        let field = |name: &'static str| BodyValue::Field(Cow::Borrowed(name));
        let pointer = |at: &'static str| BodyValue::Pointer(Cow::Borrowed(at));
        let body = br#"{"t":1700000000000,"s":{"t":"x","n":[1]}}"#;
        let json = Json::new(body);
        assert_eq!(json.text(&field("t")).unwrap(), "1700000000000");
        assert_eq!(json.text(&pointer("/s/t")).unwrap(), "x");
        assert_eq!(json.text(&pointer("/t")).unwrap(), "1700000000000");
        // Absent, or neither a string nor a number: missing.
        assert_eq!(json.find(&field("u")).unwrap(), None);
        assert_eq!(json.find(&pointer("/s/n")).unwrap(), None);
        assert_eq!(json.find(&pointer("/s/u")).unwrap(), None);
        assert!(json.text(&pointer("/s/n")).is_err());
        // Not JSON: an error, not a missing value.
        assert!(Json::new(b"{\"t\":").find(&pointer("/t")).is_err());
        assert!(Json::new(b"{\"t\":").find(&field("t")).is_err());
    }
}
