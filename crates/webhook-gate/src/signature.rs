//! Parsing signature header values: bounded, allocation-free, never panicking.

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::error::VerifyError;
use crate::scheme::{Algorithm, Encoding, SignatureFormat};

/// An HMAC-SHA256 digest.
pub(crate) type Digest = [u8; 32];

/// The longest signature decoded: an ECDSA P-256 signature in DER (72 bytes).
pub(crate) const MAX_SIGNATURE_BYTES: usize = 72;

/// At most this many signatures of one header are considered; further ones are
/// ignored. Rotation needs two.
pub const MAX_SIGNATURES: usize = 4;

/// A signature header longer than this is refused as malformed.
pub const MAX_SIGNATURE_HEADER_LEN: usize = 4096;

/// One decoded signature, inline (zero-padded past its length, so that two of the
/// same length compare as whole arrays). For a token, the token's SHA-256.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignatureBytes {
    bytes: [u8; MAX_SIGNATURE_BYTES],
    len: u8,
}

impl std::fmt::Debug for SignatureBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A signature is not a secret, but it stays out of logs all the same.
        write!(f, "SignatureBytes({} bytes)", self.len)
    }
}

impl SignatureBytes {
    pub(crate) const EMPTY: Self = Self {
        bytes: [0; MAX_SIGNATURE_BYTES],
        len: 0,
    };

    // Inline: a caller's constant length (a digest's) makes the copy a few moves.
    #[inline]
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        let mut signature = Self::EMPTY;
        signature
            .bytes
            .get_mut(..bytes.len())?
            .copy_from_slice(bytes);
        signature.len = u8::try_from(bytes.len()).ok()?;
        Some(signature)
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The whole zero-padded array, for constant-time comparison.
    pub(crate) fn padded(&self) -> &[u8; MAX_SIGNATURE_BYTES] {
        &self.bytes
    }
}

/// The signatures (and, for key=value formats, the timestamp) of one header value.
#[derive(Debug)]
pub(crate) struct ParsedSignatures<'a> {
    pub(crate) timestamp: Option<&'a [u8]>,
    pub(crate) candidates: Candidates,
    /// A JWT's claims ([`SignatureFormat::Jwt`]).
    pub(crate) jwt: Option<crate::jwt::Claims<'a>>,
    /// A signature too long for a candidate (RSA's: 256 bytes and more).
    pub(crate) long: Option<Vec<u8>>,
}

/// Up to [`MAX_SIGNATURES`] decoded signatures.
#[derive(Debug)]
pub(crate) struct Candidates {
    signatures: [SignatureBytes; MAX_SIGNATURES],
    count: usize,
}

impl Candidates {
    fn push(&mut self, signature: SignatureBytes) {
        if self.count < MAX_SIGNATURES {
            self.signatures[self.count] = signature;
            self.count += 1;
        }
    }

    /// Decodes `bytes` into the next free place ([`decode_into`]): whether it was a
    /// signature (never when all places are taken).
    fn push_decoded(&mut self, bytes: &[u8], encoding: Encoding, length: Option<usize>) -> bool {
        let Some(place) = self.signatures.get_mut(self.count) else {
            return false;
        };
        let decoded = decode_into(bytes, encoding, length, place).is_some();
        self.count += usize::from(decoded);
        decoded
    }

    pub(crate) fn signatures(&self) -> &[SignatureBytes] {
        &self.signatures[..self.count]
    }
}

impl ParsedSignatures<'_> {
    /// No signature, no timestamp: what the head of a request whose token is in
    /// its body gives.
    pub(crate) fn new() -> Self {
        Self {
            timestamp: None,
            candidates: Candidates {
                signatures: [SignatureBytes::EMPTY; MAX_SIGNATURES],
                count: 0,
            },
            jwt: None,
            long: None,
        }
    }

    fn push(&mut self, signature: SignatureBytes) {
        self.candidates.push(signature);
    }

    /// Adds the signatures of another header (up to [`MAX_SIGNATURES`] in all); a
    /// timestamp stays this header's.
    pub(crate) fn merge(&mut self, other: &ParsedSignatures<'_>) {
        for signature in other.candidates.signatures() {
            self.push(*signature);
        }
    }

    #[cfg(test)]
    pub(crate) fn digests(&self) -> Vec<Vec<u8>> {
        self.candidates
            .signatures()
            .iter()
            .map(|signature| signature.as_slice().to_vec())
            .collect()
    }
}

const fn malformed(reason: &'static str) -> VerifyError {
    VerifyError::MalformedSignature { reason }
}

/// The SHA-256 of a token, as the candidate a token scheme compares: fixed length,
/// so the comparison reveals nothing about the token's length.
pub(crate) fn token_digest(token: &[u8]) -> SignatureBytes {
    let digest: Digest = Sha256::digest(token).into();
    SignatureBytes::from_slice(&digest).unwrap_or(SignatureBytes::EMPTY)
}

/// The signature a body carries at `pointer` ([`SignatureFormat::BodyField`]):
/// missing when the body has no string there, malformed when it is not a signature
/// of the algorithm's length in `encoding`.
pub(crate) fn body_signature(
    json: &crate::content::Json<'_>,
    pointer: &str,
    encoding: Encoding,
    algorithm: Algorithm,
) -> Result<SignatureBytes, VerifyError> {
    let value = crate::scheme::BodyValue::Pointer(std::borrow::Cow::Owned(pointer.to_owned()));
    let text = json
        .find(&value)?
        .ok_or_else(|| VerifyError::MissingSignature {
            header: std::borrow::Cow::Owned(pointer.to_owned()),
        })?;
    decode(text.as_bytes(), encoding, algorithm.signature_len())
        .ok_or(malformed("not a signature of the expected length"))
}

/// The token digests a body carries in the field `field` of every item of its
/// top-level array `array` ([`SignatureFormat::BodyToken`]): missing when the array
/// is absent or empty, or an item lacks the field.
pub(crate) fn body_tokens(
    body: &[u8],
    array: &str,
    field: &str,
) -> Result<Vec<SignatureBytes>, VerifyError> {
    let missing = || VerifyError::MissingSignature {
        header: std::borrow::Cow::Owned(format!("{array}[*].{field}")),
    };
    let Some(items) = crate::delivery::json_item_strings(body, array, field)? else {
        return Err(missing());
    };
    if items.is_empty() {
        return Err(missing());
    }
    items
        .into_iter()
        .map(|token| {
            token
                .map(|token| token_digest(token.as_bytes()))
                .ok_or_else(missing)
        })
        .collect()
}

/// Parses `value` as `format` describes, each signature decoded as `algorithm`
/// writes it.
#[cfg(test)]
pub(crate) fn parse<'a>(
    format: &SignatureFormat,
    algorithm: Algorithm,
    value: &'a [u8],
) -> Result<ParsedSignatures<'a>, VerifyError> {
    let mut parsed = ParsedSignatures::new();
    parse_into(format, algorithm, value, &mut parsed)?;
    Ok(parsed)
}

/// Parses `value` as `format` describes into `parsed` (fresh), each signature
/// decoded as `algorithm` writes it, in its place: nothing of a few hundred bytes
/// is returned by value.
#[allow(clippy::too_many_lines, reason = "one arm per format: read as a table")]
pub(crate) fn parse_into<'a>(
    format: &SignatureFormat,
    algorithm: Algorithm,
    value: &'a [u8],
    parsed: &mut ParsedSignatures<'a>,
) -> Result<(), VerifyError> {
    if value.len() > MAX_SIGNATURE_HEADER_LEN {
        return Err(malformed("too long"));
    }
    // ASCII only (a fast, vectorised check); any other byte a signature cannot hold
    // fails its decoding.
    if !value.is_ascii() {
        return Err(malformed("not ASCII"));
    }
    let text = value.trim_ascii();
    if text.is_empty() {
        return Err(malformed("empty"));
    }
    let length = algorithm.signature_len();
    match format {
        SignatureFormat::Single { prefix, encoding } if algorithm == Algorithm::RsaPkcs1Sha256 => {
            let signature =
                strip_prefix_ignore_case(text, prefix).ok_or(malformed("missing prefix"))?;
            parsed.long = Some(decode_long(signature, *encoding).ok_or(malformed(
                "not an RSA signature (64 to 1024 bytes) in the expected encoding",
            ))?);
        }
        SignatureFormat::Single { prefix, encoding } => {
            // `let ... else`: an error built only when it is one (the fast path).
            let Some(signature) = strip_prefix_ignore_case(text, prefix) else {
                return Err(malformed("missing prefix"));
            };
            if !parsed.candidates.push_decoded(signature, *encoding, length) {
                return Err(malformed(
                    "not a signature of the expected length in the expected encoding",
                ));
            }
        }
        SignatureFormat::KeyValue {
            timestamp_key,
            signature_key,
            separator,
        } => {
            let mut seen_signature_key = false;
            for item in crate::content::split_bytes(text, *separator) {
                let Some((key, item_value)) = split_once(item, b'=') else {
                    continue;
                };
                let (key, item_value) = (key.trim_ascii(), item_value.trim_ascii());
                if same_key(key, timestamp_key) {
                    if parsed.timestamp.is_some() {
                        return Err(malformed("timestamp given twice"));
                    }
                    parsed.timestamp = Some(item_value);
                } else if same_key(key, signature_key) {
                    seen_signature_key = true;
                    parsed
                        .candidates
                        .push_decoded(item_value, Encoding::Hex, length);
                }
            }
            if parsed.timestamp.is_none() {
                return Err(malformed("no timestamp entry"));
            }
            if parsed.candidates.count == 0 {
                return Err(malformed(if seen_signature_key {
                    "no signature entry is a hex signature of the expected length"
                } else {
                    "no signature entry"
                }));
            }
        }
        SignatureFormat::VersionedList { version } => {
            let mut seen_version = false;
            for entry in crate::content::split_bytes(text, b' ').filter(|entry| !entry.is_empty()) {
                let Some((entry_version, signature)) = split_once(entry, b',') else {
                    continue;
                };
                if same_key(entry_version, version) {
                    seen_version = true;
                    parsed
                        .candidates
                        .push_decoded(signature, Encoding::Base64, length);
                }
            }
            if parsed.candidates.count == 0 {
                return Err(malformed(if seen_version {
                    "no signature entry is a base64 signature of the expected length"
                } else {
                    "no signature of a supported version"
                }));
            }
        }
        SignatureFormat::Token { prefix } => {
            let Some(token) = strip_prefix_ignore_case(text, prefix) else {
                return Err(malformed("missing prefix"));
            };
            parsed.push(token_digest(token));
        }
        SignatureFormat::BodyToken { .. }
        | SignatureFormat::BodyField { .. }
        | SignatureFormat::GraphValidationTokens { .. } => {
            return Err(malformed("the signature is carried in the body"));
        }
        SignatureFormat::Jwt { body_sha256_claim } => {
            let (claims, signature) = crate::jwt::parse(text, algorithm, body_sha256_claim)?;
            parsed.push(signature);
            parsed.jwt = Some(claims);
        }
        // Credentials of another kind, or not base64, are wrong credentials (401,
        // as for a wrong password), never taken as the token itself: the empty
        // candidate matches no token's digest.
        SignatureFormat::BasicAuth => {
            let mut decoded = [0u8; MAX_SIGNATURE_HEADER_LEN];
            let credentials = strip_prefix_ignore_case(text, "Basic ").and_then(|credentials| {
                base64::engine::general_purpose::STANDARD
                    .decode_slice(credentials.trim_ascii(), &mut decoded)
                    .ok()
            });
            parsed.push(credentials.map_or(SignatureBytes::EMPTY, |written| {
                token_digest(&decoded[..written])
            }));
        }
    }
    Ok(())
}

fn strip_prefix_ignore_case<'a>(text: &'a [u8], prefix: &str) -> Option<&'a [u8]> {
    // Most schemes have none (and comparing nothing is not free).
    if prefix.is_empty() {
        return Some(text);
    }
    let (head, rest) = text.split_at_checked(prefix.len())?;
    // Senders write the prefix as configured: one `memcmp`, before byte by byte.
    (head == prefix.as_bytes() || head.eq_ignore_ascii_case(prefix.as_bytes())).then_some(rest)
}

/// Whether `key` is `expected`: byte by byte, as keys and versions are a few
/// bytes (a call of `memcmp` costs more than comparing them).
#[inline]
fn same_key(key: &[u8], expected: &str) -> bool {
    key.len() == expected.len() && key.iter().zip(expected.as_bytes()).all(|(a, b)| a == b)
}

/// `text` before and after the first `separator`. The pieces of a signature header
/// are short, and the separator comes after a key or a version of a few bytes:
/// searched byte by byte (`memchr`'s set-up costs more).
fn split_once(text: &[u8], separator: u8) -> Option<(&[u8], &[u8])> {
    let at = text.iter().position(|&byte| byte == separator)?;
    Some((&text[..at], &text[at + 1..]))
}

/// Decodes a signature written in `encoding`: exactly `length` bytes when given, else
/// 8 to [`MAX_SIGNATURE_BYTES`] (a DER signature).
pub(crate) fn decode(
    bytes: &[u8],
    encoding: Encoding,
    length: Option<usize>,
) -> Option<SignatureBytes> {
    let mut signature = SignatureBytes::EMPTY;
    decode_into(bytes, encoding, length, &mut signature)?;
    Some(signature)
}

/// [`decode`] into `out`, which is left zero-padded past the signature when it is
/// one (and in any state when it is not).
fn decode_into(
    bytes: &[u8],
    encoding: Encoding,
    length: Option<usize>,
    out: &mut SignatureBytes,
) -> Option<()> {
    let (min, max) = length.map_or((8, MAX_SIGNATURE_BYTES), |length| (length, length));
    let written = match encoding {
        // The digests of HMACs (SHA-1, SHA-256, SHA-512) on fixed-size paths.
        Encoding::Hex if bytes.len() == 64 && min == 32 => {
            out.bytes[..32].copy_from_slice(&decode_hex_fixed::<64, 32>(bytes.try_into().ok()?)?);
            32
        }
        Encoding::Hex if bytes.len() == 40 && min == 20 => {
            out.bytes[..20].copy_from_slice(&decode_hex_fixed::<40, 20>(bytes.try_into().ok()?)?);
            20
        }
        Encoding::Hex if bytes.len() == 128 && min == 64 => {
            out.bytes[..64].copy_from_slice(&decode_hex_fixed::<128, 64>(bytes.try_into().ok()?)?);
            64
        }
        Encoding::Hex => decode_hex(bytes, &mut out.bytes)?,
        // A SHA-256 digest in base64, the most common signature after hex.
        Encoding::Base64 if bytes.len() == 44 && min == 32 => {
            out.bytes[..32].copy_from_slice(&decode_base64_digest(bytes.try_into().ok()?)?);
            32
        }
        Encoding::Base64 => {
            if bytes.len() > MAX_SIGNATURE_BYTES.div_ceil(3) * 4 {
                return None;
            }
            // Room for the decoder's estimate, which may exceed the decoded length.
            let mut buffer = [0u8; MAX_SIGNATURE_BYTES + 3];
            let written = base64::engine::general_purpose::STANDARD
                .decode_slice(bytes, &mut buffer)
                .ok()?;
            out.bytes
                .get_mut(..written)?
                .copy_from_slice(&buffer[..written]);
            written
        }
    };
    if written < min || written > max {
        return None;
    }
    out.bytes[written..].fill(0);
    out.len = u8::try_from(written).ok()?;
    Some(())
}

/// A signature of 64 to 1 024 bytes (RSA-512 to RSA-8192), for the algorithms
/// whose signatures do not fit a candidate.
fn decode_long(text: &[u8], encoding: Encoding) -> Option<Vec<u8>> {
    let bytes = match encoding {
        Encoding::Base64 => base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?,
        Encoding::Hex if text.len().is_multiple_of(2) => text
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
            .collect::<Option<Vec<u8>>>()?,
        Encoding::Hex => return None,
    };
    (64..=1024).contains(&bytes.len()).then_some(bytes)
}

/// Decodes a 32-byte digest (HMAC-SHA256), for the diagnosis.
#[cfg(feature = "diagnose")]
pub(crate) fn decode_digest(bytes: &[u8], encoding: Encoding) -> Option<Digest> {
    decode(bytes, encoding, Some(32))?
        .as_slice()
        .try_into()
        .ok()
}

/// Decodes hex digits (either letter case) into `out`; the number of bytes, or
/// `None` for an odd count, a non-hex digit or too many. Each digit is computed
/// without a table or a branch, in two passes the compiler vectorises.
fn decode_hex(digits: &[u8], out: &mut [u8]) -> Option<usize> {
    const MAX_DIGITS: usize = MAX_SIGNATURE_BYTES * 2;
    if !digits.len().is_multiple_of(2) || digits.len() > MAX_DIGITS || digits.len() / 2 > out.len()
    {
        return None;
    }
    let mut values = [0u8; MAX_DIGITS];
    let mut invalid = 0u8;
    for (value, &digit) in values.iter_mut().zip(digits) {
        let decimal = digit.wrapping_sub(b'0');
        let letter = (digit | 0x20).wrapping_sub(b'a');
        let (is_decimal, is_letter) = (decimal < 10, letter < 6);
        invalid |= u8::from(!(is_decimal | is_letter));
        *value = if is_decimal {
            decimal
        } else {
            letter.wrapping_add(10)
        };
    }
    if invalid != 0 {
        return None;
    }
    let (pairs, _) = values[..digits.len()].as_chunks::<2>();
    for (byte, pair) in out.iter_mut().zip(pairs) {
        *byte = (pair[0] << 4) | (pair[1] & 0x0f);
    }
    Some(digits.len() / 2)
}

/// A SHA-256 digest in padded standard base64 (43 characters and `=`), decoded as
/// `base64`'s `STANDARD` engine decodes it: canonical, so the two bits past the
/// digest are zero. The engine's general path costs more than the HMAC's last
/// blocks; this is a table and ten quads.
fn decode_base64_digest(text: &[u8; 44]) -> Option<[u8; 32]> {
    /// Each character's six bits; anything else has its high bits set.
    #[allow(clippy::cast_possible_truncation, reason = "the values are below 64")]
    const VALUES: [u8; 256] = {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut table = [0xff; 256];
        let mut value = 0;
        while value < 64 {
            table[alphabet[value] as usize] = value as u8;
            value += 1;
        }
        table
    };
    let sextet = |character: u8| VALUES[usize::from(character)];
    let (quads, _) = text[..40].as_chunks::<4>();
    let mut digest = [0u8; 32];
    let (triples, last) = digest.as_chunks_mut::<3>();
    let mut invalid = 0;
    for (quad, triple) in quads.iter().zip(triples) {
        let [a, b, c, d] = quad.map(sextet);
        invalid |= a | b | c | d;
        let word = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6) | u32::from(d);
        let [_, bytes @ ..] = word.to_be_bytes();
        *triple = bytes;
    }
    let [a, b, c] = [text[40], text[41], text[42]].map(sextet);
    invalid |= a | b | c;
    let word = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6);
    let [_, high, low, _] = word.to_be_bytes();
    last.copy_from_slice(&[high, low]);
    (invalid & 0xc0 == 0 && c.trailing_zeros() >= 2 && text[43] == b'=').then_some(digest)
}

/// [`decode_hex`] of exactly `DIGITS` digits into `BYTES` (half as many) bytes, on
/// arrays of known size that the compiler vectorises whole.
fn decode_hex_fixed<const DIGITS: usize, const BYTES: usize>(
    digits: &[u8; DIGITS],
) -> Option<[u8; BYTES]> {
    const { assert!(DIGITS == 2 * BYTES) };
    let mut values = [0u8; DIGITS];
    let mut invalid = 0u8;
    for (value, &digit) in values.iter_mut().zip(digits) {
        let decimal = digit.wrapping_sub(b'0');
        let letter = (digit | 0x20).wrapping_sub(b'a');
        let (is_decimal, is_letter) = (decimal < 10, letter < 6);
        invalid |= u8::from(!(is_decimal | is_letter));
        *value = if is_decimal {
            decimal
        } else {
            letter.wrapping_add(10)
        };
    }
    if invalid != 0 {
        return None;
    }
    let mut digest = [0u8; BYTES];
    let (pairs, _) = values.as_chunks::<2>();
    for (byte, pair) in digest.iter_mut().zip(pairs) {
        *byte = (pair[0] << 4) | (pair[1] & 0x0f);
    }
    Some(digest)
}

/// Writes `digest` in `encoding`.
pub(crate) fn encode(digest: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Hex => {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            let mut out = String::with_capacity(64);
            for byte in digest {
                out.push(char::from(DIGITS[usize::from(byte >> 4)]));
                out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
            }
            out
        }
        Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(digest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_tokens_of_every_item() {
        let tokens = |body: &[u8]| body_tokens(body, "value", "clientState");
        let digests =
            tokens(br#"{"value":[{"clientState":"a"},{"x":1,"clientState":"b"}]}"#).unwrap();
        assert_eq!(digests, vec![token_digest(b"a"), token_digest(b"b")]);
        for missing in [
            &br#"{"value":[]}"#[..],
            br#"{"other":[{"clientState":"a"}]}"#,
            br#"{"value":{"clientState":"a"}}"#,
            br#"{"value":[{"clientState":"a"},{"state":"b"}]}"#,
            br#"{"value":[{"clientState":7}]}"#,
            br#"{"value":["a"]}"#,
        ] {
            assert!(
                matches!(tokens(missing), Err(VerifyError::MissingSignature { .. })),
                "{}",
                String::from_utf8_lossy(missing)
            );
        }
        for malformed in [
            &b"not json"[..],
            br#"[{"clientState":"a"}]"#,
            br#"{"value":[{"clientState":"a"}],"value":[{"x":1}]}"#,
        ] {
            assert!(
                matches!(tokens(malformed), Err(VerifyError::MalformedBody { .. })),
                "{}",
                String::from_utf8_lossy(malformed)
            );
        }
    }

    /// An HMAC-SHA256 scheme's parse.
    fn parse<'a>(
        format: &SignatureFormat,
        value: &'a [u8],
    ) -> Result<ParsedSignatures<'a>, VerifyError> {
        super::parse(format, Algorithm::HmacSha256, value)
    }

    /// A 32-byte digest's decoding.
    fn decode(bytes: &[u8], encoding: Encoding) -> Option<Digest> {
        super::decode(bytes, encoding, Some(32))
            .map(|signature| signature.as_slice().try_into().expect("32 bytes, as asked"))
    }

    const HEX: &str = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn single_prefixed_hex() {
        let value = format!("sha256={HEX}");
        let parsed = parse(&SignatureFormat::sha256_hex(), value.as_bytes()).unwrap();
        assert_eq!(parsed.digests().len(), 1);
        assert_eq!(parsed.digests()[0][..2], [0x75, 0x71]);
        let upper = format!("SHA256={}", HEX.to_uppercase());
        assert!(parse(&SignatureFormat::sha256_hex(), upper.as_bytes()).is_ok());
    }

    #[test]
    fn single_rejections() {
        let format = SignatureFormat::sha256_hex();
        for bad in [
            HEX.to_owned(),
            format!("sha256={}", &HEX[..63]),
            format!("sha256={HEX}0"),
            format!("sha256=zz{}", &HEX[2..]),
            String::new(),
            "   ".to_owned(),
            "sha256=".to_owned(),
            format!("sha256={}", "a".repeat(10_000)),
        ] {
            assert!(
                matches!(
                    parse(&format, bad.as_bytes()),
                    Err(VerifyError::MalformedSignature { .. })
                ),
                "{bad:.40}"
            );
        }
        assert!(parse(&format, b"sha256=\xff\xfe").is_err());
        // "é" in the prefix position must not split a character.
        assert!(parse(&format, "shé256=ab".as_bytes()).is_err());
    }

    #[test]
    fn key_value_is_order_free_and_ignores_unknown_keys() {
        let value = format!("v0=abc, v1={HEX},t=1741946408,x=y,v1=nothex,v1={HEX}");
        let parsed = parse(&SignatureFormat::timestamped_v1(), value.as_bytes()).unwrap();
        assert_eq!(parsed.timestamp, Some(&b"1741946408"[..]));
        assert_eq!(parsed.digests().len(), 2);
    }

    /// The base64 digest path against the `base64` crate: a thousand digests, then
    /// every byte at every place of one encoding (`=` inside, characters outside
    /// the alphabet, bits past the digest, the padding missing).
    #[test]
    fn base64_digests_decode_as_the_base64_crate_does() {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let reference = |text: &[u8]| {
            let mut out = [0u8; 48];
            engine
                .decode_slice(text, &mut out)
                .ok()
                .filter(|&written| written == 32)
                .map(|_| out[..32].to_vec())
        };
        let ours = |text: &[u8]| {
            super::decode(text, Encoding::Base64, Some(32)).map(|s| s.as_slice().to_vec())
        };
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..1000 {
            let digest: Vec<u8> = (0..32)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            let text = engine.encode(&digest);
            assert_eq!(ours(text.as_bytes()), Some(digest));
        }
        let valid = engine.encode([0x5a; 32]).into_bytes();
        for at in 0..valid.len() {
            for byte in 0..=255u8 {
                let mut text = valid.clone();
                text[at] = byte;
                assert_eq!(ours(&text), reference(&text), "{at} {byte}");
            }
        }
    }

    /// A signature decoded into the place a longer, refused one was decoded into
    /// (33 bytes where SHA-256 has 32) is zero past its end, as every candidate
    /// must be for the whole-array comparison.
    #[test]
    fn a_refused_entry_leaves_nothing_in_the_next() {
        let value = format!("t=1,v1={HEX}ff,v1={HEX}");
        let parsed = parse(&SignatureFormat::timestamped_v1(), value.as_bytes()).unwrap();
        let bytes: Vec<u8> = (0..HEX.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&HEX[at..at + 2], 16).unwrap())
            .collect();
        let expected = SignatureBytes::from_slice(&bytes).unwrap();
        assert_eq!(parsed.candidates.signatures(), [expected]);
        assert_eq!(
            parsed.candidates.signatures()[0].padded(),
            expected.padded()
        );
    }

    #[test]
    fn key_value_rejections() {
        let format = SignatureFormat::timestamped_v1();
        for bad in [
            format!("v1={HEX}"),
            "t=1".to_owned(),
            "t=1,v1=abc".to_owned(),
            format!("t=1,t=2,v1={HEX}"),
            "garbage".to_owned(),
        ] {
            assert!(parse(&format, bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_value_bounds_signature_count() {
        let mut value = "t=1".to_owned();
        for _ in 0..70 {
            value.push_str(",v1=");
            value.push_str(HEX);
        }
        let parsed = parse(&SignatureFormat::timestamped_v1(), value.as_bytes());
        // 70 entries exceed the header length bound.
        assert!(matches!(
            parsed,
            Err(VerifyError::MalformedSignature { reason: "too long" })
        ));
        let mut value = "t=1".to_owned();
        for _ in 0..20 {
            value.push_str(",v1=");
            value.push_str(HEX);
        }
        let parsed = parse(&SignatureFormat::timestamped_v1(), value.as_bytes()).unwrap();
        assert_eq!(parsed.digests().len(), MAX_SIGNATURES);
    }

    #[test]
    fn versioned_list() {
        let format = SignatureFormat::standard_webhooks();
        let value = "v1a,xyz v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=  v1,bad";
        let parsed = parse(&format, value.as_bytes()).unwrap();
        assert_eq!(parsed.digests().len(), 1);
        assert_eq!(parsed.digests()[0][0], 0x83);
        assert!(parse(&format, b"v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=").is_err());
        assert!(parse(&format, b"v1,short").is_err());
    }

    #[test]
    fn hex_accepts_exactly_the_hex_digits() {
        let expected = |byte: u8| match byte {
            b'0'..=b'9' => Some(byte - b'0'),
            b'a'..=b'f' => Some(byte - b'a' + 10),
            b'A'..=b'F' => Some(byte - b'A' + 10),
            _ => None,
        };
        for position in [0, 1, 31, 62, 63] {
            for byte in 0..=255u8 {
                let mut text = *b"0000000000000000000000000000000000000000000000000000000000000000";
                text[position] = byte;
                let decoded = decode(&text, Encoding::Hex);
                match expected(byte) {
                    None => assert_eq!(decoded, None, "{byte:#04x} at {position}"),
                    Some(value) => {
                        let digest = decoded.unwrap();
                        let shift = if position % 2 == 0 { 4 } else { 0 };
                        assert_eq!(digest[position / 2], value << shift, "{byte:#04x}");
                        assert_eq!(
                            digest.iter().filter(|b| **b != 0).count(),
                            usize::from(value != 0)
                        );
                    }
                }
            }
        }
        assert_eq!(decode(&[b'0'; 63], Encoding::Hex), None);
        assert_eq!(decode(&[b'0'; 65], Encoding::Hex), None);
    }

    #[test]
    fn base64_digest_needs_32_bytes() {
        assert!(
            decode(
                b"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                Encoding::Base64
            )
            .is_some()
        );
        assert!(
            decode(
                b"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1O==",
                Encoding::Base64
            )
            .is_none()
        );
        assert!(
            decode(
                b"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
                Encoding::Base64
            )
            .is_none()
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            crate::time::parse_digits(b"1614265330"),
            Some(1_614_265_330)
        );
        assert_eq!(
            crate::time::parse_digits(b"999999999999999999"),
            Some(999_999_999_999_999_999)
        );
        for bad in [
            "",
            "-1",
            "+1",
            " 1",
            "1.5",
            "abc",
            "2025-03-14T10:33:33Z",
            "1234567890123456789",
        ] {
            assert_eq!(crate::time::parse_digits(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn encode_round_trips() {
        let digest = decode(HEX.as_bytes(), Encoding::Hex).unwrap();
        assert_eq!(encode(&digest, Encoding::Hex), HEX);
        let b64 = encode(&digest, Encoding::Base64);
        assert_eq!(decode(b64.as_bytes(), Encoding::Base64), Some(digest));
    }
}
