//! The signed content, part by part: what comes before the body is fed when the
//! headers arrive, the body as it streams, what comes after it when the body is
//! complete.

use std::borrow::Cow;

use sha2::{Digest as _, Sha256};

use crate::error::VerifyError;
use crate::headers::{HeaderKey, HeaderLookup, HeaderSource};
use crate::scheme::{Encoding, ResolvedPart, Scheme};
use crate::signature;

/// Everything a template may take from the request head, read once.
pub(crate) struct HeadValues<'h> {
    pub(crate) method: Option<&'h str>,
    pub(crate) target: Option<&'h str>,
    pub(crate) url: Option<Cow<'h, str>>,
    pub(crate) timestamp: &'h [u8],
    pub(crate) id: &'h [u8],
}

/// How the body enters the signed content.
pub(crate) enum BodyPart {
    /// The template has no body part.
    None,
    /// The raw body, streamed into the signatures.
    Stream,
    /// The body's SHA-256 in hex, streamed into a hash.
    Sha256Hex(Sha256),
    /// Every form field sorted by name, from the kept body.
    SortedFormFields {
        /// The URL carries the body's digest instead (Twilio's JSON requests).
        bound_by_url: bool,
    },
    /// A JSON field of the kept body.
    JsonField(Cow<'static, str>),
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
        let bytes: Cow<'_, [u8]> = match part {
            ResolvedPart::Body => {
                body = BodyPart::Stream;
                continue;
            }
            ResolvedPart::BodySha256Hex => {
                body = BodyPart::Sha256Hex(Sha256::new());
                continue;
            }
            ResolvedPart::SortedFormFields => {
                body = BodyPart::SortedFormFields { bound_by_url };
                continue;
            }
            ResolvedPart::JsonField(field) => {
                body = BodyPart::JsonField(field.clone());
                continue;
            }
            ResolvedPart::Literal(bytes) => Cow::Borrowed(bytes),
            ResolvedPart::Header(name) => Cow::Borrowed(required_header(headers, name)?),
            ResolvedPart::Timestamp => Cow::Borrowed(head.timestamp),
            ResolvedPart::Id => Cow::Borrowed(head.id),
            ResolvedPart::Method => {
                Cow::Borrowed(head.method.ok_or_else(|| missing(":method"))?.as_bytes())
            }
            ResolvedPart::Url => Cow::Borrowed(
                head.url
                    .as_deref()
                    .ok_or_else(|| missing("Host"))?
                    .as_bytes(),
            ),
            ResolvedPart::PathAndQuery => {
                Cow::Borrowed(head.target.ok_or_else(|| missing(":path"))?.as_bytes())
            }
        };
        if matches!(body, BodyPart::None) {
            feed(&bytes);
        } else {
            suffix.extend_from_slice(&bytes);
        }
    }
    Ok(Split { body, suffix })
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
    Ok(match body {
        BodyPart::None | BodyPart::Stream | BodyPart::SortedFormFields { bound_by_url: true } => {
            Vec::new()
        }
        BodyPart::Sha256Hex(hash) => {
            signature::encode(&hash.finalize(), Encoding::Hex).into_bytes()
        }
        BodyPart::SortedFormFields {
            bound_by_url: false,
        } => sorted_form_fields(kept)?,
        BodyPart::JsonField(field) => json_text(kept, &field)?.into_bytes(),
    })
}

/// `name` + `value` of every `application/x-www-form-urlencoded` field, sorted by
/// name then value, each distinct pair once (as Twilio's SDKs compute it).
pub(crate) fn sorted_form_fields(body: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let mut fields: Vec<(Vec<u8>, Vec<u8>)> = body
        .split(|&byte| byte == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&byte| byte == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &b""[..]),
            };
            Ok((form_decode(name)?, form_decode(value)?))
        })
        .collect::<Result<_, VerifyError>>()?;
    fields.sort();
    fields.dedup();
    Ok(fields
        .into_iter()
        .flat_map(|(name, value)| name.into_iter().chain(value))
        .collect())
}

/// Percent-decoding with `+` as a space.
pub(crate) fn form_decode(text: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let malformed = || VerifyError::MalformedBody {
        reason: "a form field is not percent-encoded",
    };
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter();
    while let Some(&byte) = bytes.next() {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let high = bytes.next().and_then(|b| char::from(*b).to_digit(16));
                let low = bytes.next().and_then(|b| char::from(*b).to_digit(16));
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(malformed());
                };
                out.push(u8::try_from(high * 16 + low).map_err(|_| malformed())?);
            }
            _ => out.push(byte),
        }
    }
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

/// A top-level field of a JSON object as text: a string's value, a number as
/// written.
pub(crate) fn json_text(body: &[u8], field: &str) -> Result<String, VerifyError> {
    match crate::delivery::json_top_level(body, field)? {
        Some(serde_json::Value::String(text)) => Ok(text),
        Some(serde_json::Value::Number(number)) => Ok(number.to_string()),
        _ => Err(VerifyError::MalformedBody {
            reason: "a signed JSON field is missing",
        }),
    }
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
    fn json_text_reads_strings_and_numbers() {
        assert_eq!(
            json_text(br#"{"t":1700000000000}"#, "t").unwrap(),
            "1700000000000"
        );
        assert_eq!(json_text(br#"{"t":"x"}"#, "t").unwrap(), "x");
        assert!(json_text(br#"{"u":1}"#, "t").is_err());
    }
}
