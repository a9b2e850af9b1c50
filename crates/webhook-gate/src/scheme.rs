//! Signature schemes: where a provider puts the signature and timestamp, how they are
//! written, which bytes are signed, and how the secret becomes the key.

use std::borrow::Cow;

use crate::challenge::Challenge;
use crate::delivery::{DeliveryIdSource, DeliveryIdSourceResolved};
use crate::error::ConfigError;
use crate::headers::HeaderKey;
use crate::preset::Preset;
use crate::secret::SecretEncoding;

pub use crate::signature::{MAX_SIGNATURE_HEADER_LEN, MAX_SIGNATURES};

/// How a digest is written in the signature header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// Hexadecimal, either letter case (64 characters).
    Hex,
    /// Standard base64 with padding (44 characters).
    Base64,
}

/// How the signature header's value is written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFormat {
    /// One digest after a fixed prefix, matched case-insensitively: `sha256=<hex>`
    /// (GitHub), `v0=<hex>` (Slack), or no prefix at all: bare hex, or base64 as
    /// Shopify writes it.
    Single {
        /// The text before the digest; may be empty.
        prefix: Cow<'static, str>,
        /// How the digest is written.
        encoding: Encoding,
    },
    /// Comma-separated `key=value` pairs holding the timestamp and one or more hex
    /// signatures, in any order, unknown keys ignored: `t=<unix>,v1=<hex>[,v1=<hex>…]`
    /// (Stripe, DataFlow).
    KeyValue {
        /// The key of the timestamp (`t`).
        timestamp_key: Cow<'static, str>,
        /// The key of each signature (`v1`).
        signature_key: Cow<'static, str>,
    },
    /// Space-separated `<version>,<base64>` entries, unknown versions ignored:
    /// `v1,<base64> v1,<base64>` (Standard Webhooks).
    VersionedList {
        /// The version whose signatures are HMAC-SHA256 (`v1`).
        version: Cow<'static, str>,
    },
}

impl SignatureFormat {
    /// `sha256=<hex>`.
    pub fn sha256_hex() -> Self {
        Self::prefixed("sha256=", Encoding::Hex)
    }

    /// A digest after `prefix` (which may be empty) in `encoding`.
    pub fn prefixed(prefix: impl Into<Cow<'static, str>>, encoding: Encoding) -> Self {
        Self::Single {
            prefix: prefix.into(),
            encoding,
        }
    }

    /// `t=<unix>,v1=<hex>[,v1=<hex>…]`.
    pub fn timestamped_v1() -> Self {
        Self::KeyValue {
            timestamp_key: Cow::Borrowed("t"),
            signature_key: Cow::Borrowed("v1"),
        }
    }

    /// `v1,<base64>[ v1,<base64>…]`.
    pub fn standard_webhooks() -> Self {
        Self::VersionedList {
            version: Cow::Borrowed("v1"),
        }
    }
}

/// Which bytes the HMAC covers. `{ts}` is the timestamp exactly as sent, `{id}` the
/// message id header, `{body}` the raw body bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedContent {
    /// `{body}`.
    Body,
    /// `{ts}.{body}` (Stripe, DataFlow, DcisionAI).
    TimestampDotBody,
    /// `v0:{ts}:{body}` (Slack).
    SlackV0,
    /// `{id}.{ts}.{body}` (Standard Webhooks).
    IdDotTimestampDotBody,
}

impl SignedContent {
    /// Whether the timestamp is part of the signed bytes.
    pub fn signs_timestamp(self) -> bool {
        !matches!(self, Self::Body)
    }

    /// Whether the message id is part of the signed bytes.
    pub fn signs_id(self) -> bool {
        matches!(self, Self::IdDotTimestampDotBody)
    }

    /// Feeds `mac` what this content signs before the body.
    pub(crate) fn feed_prefix(self, mac: &mut impl hmac::Mac, timestamp: &[u8], id: &[u8]) {
        match self {
            Self::Body => {}
            Self::TimestampDotBody => {
                mac.update(timestamp);
                mac.update(b".");
            }
            Self::SlackV0 => {
                mac.update(b"v0:");
                mac.update(timestamp);
                mac.update(b":");
            }
            Self::IdDotTimestampDotBody => {
                mac.update(id);
                mac.update(b".");
                mac.update(timestamp);
                mac.update(b".");
            }
        }
    }
}

/// Where the timestamp comes from (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampSource {
    /// A header of its own.
    Header {
        /// The header name.
        name: Cow<'static, str>,
        /// Whether a request without it is refused. A timestamp that is not signed
        /// (Sentimatrix's `X-Timestamp`) may be optional; it is then checked against
        /// the window only when present, and cannot stop a replay: dedupe must.
        required: bool,
    },
    /// The timestamp entry of a [`SignatureFormat::KeyValue`] signature header (`t=`).
    SignatureHeader,
}

/// A complete description of one provider's signature scheme.
///
/// Use a preset ([`Scheme::github`], [`Scheme::stripe`], [`Scheme::standard_webhooks`],
/// ...) or describe your own with [`Scheme::builder`].
///
/// ```
/// use webhook_gate::Scheme;
/// use webhook_gate::scheme::{Encoding, SignatureFormat, SignedContent, TimestampSource};
///
/// let scheme = Scheme::builder("acme")
///     .signature_header("X-Acme-Signature")
///     .format(SignatureFormat::prefixed("sha256=", Encoding::Hex))
///     .signed_content(SignedContent::TimestampDotBody)
///     .timestamp(TimestampSource::Header { name: "X-Acme-Timestamp".into(), required: true })
///     .build()
///     .unwrap();
/// assert_eq!(scheme.name(), "acme");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    pub(crate) name: Cow<'static, str>,
    pub(crate) signature_header: HeaderKey,
    pub(crate) format: SignatureFormat,
    pub(crate) signed_content: SignedContent,
    pub(crate) timestamp_header: Option<(HeaderKey, bool)>,
    pub(crate) timestamp_in_signature: bool,
    pub(crate) id_header: Option<HeaderKey>,
    pub(crate) secret_encoding: SecretEncoding,
    pub(crate) delivery_id: Option<DeliveryIdSourceResolved>,
    pub(crate) challenge: Option<Challenge>,
}

impl Scheme {
    /// Starts describing a custom scheme named `name`.
    pub fn builder(name: impl Into<Cow<'static, str>>) -> SchemeBuilder {
        SchemeBuilder::new(name)
    }

    /// [`Preset::Sentimatrix`].
    pub fn sentimatrix() -> Self {
        Preset::Sentimatrix.scheme()
    }

    /// [`Preset::SocialMediaPlatform`].
    pub fn social_media_platform() -> Self {
        Preset::SocialMediaPlatform.scheme()
    }

    /// [`Preset::DataFlow`].
    pub fn dataflow() -> Self {
        Preset::DataFlow.scheme()
    }

    /// [`Preset::ProposalGenerator`].
    pub fn proposal_generator() -> Self {
        Preset::ProposalGenerator.scheme()
    }

    /// [`Preset::DcisionAi`].
    pub fn dcisionai() -> Self {
        Preset::DcisionAi.scheme()
    }

    /// [`Preset::StandardWebhooks`].
    pub fn standard_webhooks() -> Self {
        Preset::StandardWebhooks.scheme()
    }

    /// [`Preset::GitHub`].
    pub fn github() -> Self {
        Preset::GitHub.scheme()
    }

    /// [`Preset::Stripe`].
    pub fn stripe() -> Self {
        Preset::Stripe.scheme()
    }

    /// [`Preset::Slack`].
    pub fn slack() -> Self {
        Preset::Slack.scheme()
    }

    /// [`Preset::Shopify`].
    pub fn shopify() -> Self {
        Preset::Shopify.scheme()
    }

    /// The scheme's name (a preset's is its [`Preset::name`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signature header, as the provider writes it.
    pub fn signature_header(&self) -> &str {
        &self.signature_header.display
    }

    /// The timestamp header, if the timestamp has one of its own.
    pub fn timestamp_header(&self) -> Option<&str> {
        self.timestamp_header
            .as_ref()
            .map(|(name, _)| &*name.display)
    }

    /// Whether the scheme carries a timestamp at all (a header or the signature's `t=`).
    pub fn has_timestamp(&self) -> bool {
        self.timestamp_in_signature || self.timestamp_header.is_some()
    }

    /// The header whose value is signed as `{id}`, if any.
    pub fn id_header(&self) -> Option<&str> {
        self.id_header.as_ref().map(|name| &*name.display)
    }

    /// How the signature header is written.
    pub fn format(&self) -> &SignatureFormat {
        &self.format
    }

    /// Which bytes are signed.
    pub fn signed_content(&self) -> SignedContent {
        self.signed_content
    }

    /// How the secret becomes the key.
    pub fn secret_encoding(&self) -> SecretEncoding {
        self.secret_encoding
    }

    /// The challenge the scheme answers, if any.
    pub fn challenge(&self) -> Option<&Challenge> {
        self.challenge.as_ref()
    }

    /// Where the delivery id comes from, if deliveries are deduplicated.
    pub fn delivery_id(&self) -> Option<DeliveryIdSource> {
        self.delivery_id.as_ref().map(|source| match source {
            DeliveryIdSourceResolved::Header(name) => {
                DeliveryIdSource::Header(name.display.clone())
            }
            DeliveryIdSourceResolved::JsonField(field) => {
                DeliveryIdSource::JsonField(field.clone())
            }
            DeliveryIdSourceResolved::JsonPointer(pointer) => {
                DeliveryIdSource::JsonPointer(pointer.clone())
            }
            DeliveryIdSourceResolved::SignatureFingerprint => {
                DeliveryIdSource::SignatureFingerprint
            }
        })
    }

    /// Whether the signature covers the delivery id: an id read from the signed body
    /// or from a signed header, or the signature's own fingerprint. Where it does
    /// not (GitHub, Shopify, Sentimatrix), a receiver dedupes on the signature's
    /// fingerprint as well, so that a capture resent under a new id is a duplicate.
    pub fn signs_delivery_id(&self) -> bool {
        match &self.delivery_id {
            None
            | Some(
                DeliveryIdSourceResolved::JsonField(_)
                | DeliveryIdSourceResolved::JsonPointer(_)
                | DeliveryIdSourceResolved::SignatureFingerprint,
            ) => true,
            Some(DeliveryIdSourceResolved::Header(name)) => {
                self.signed_content.signs_id()
                    && self
                        .id_header
                        .as_ref()
                        .is_some_and(|signed| signed.lookup == name.lookup)
            }
        }
    }

    /// The delivery header a provider sends with the id, when the id comes from a
    /// header (the [`Signer`](crate::Signer) writes it).
    pub fn delivery_id_header(&self) -> Option<&str> {
        match &self.delivery_id {
            Some(DeliveryIdSourceResolved::Header(name)) => Some(&name.display),
            _ => None,
        }
    }
}

/// Describes a custom [`Scheme`]. Defaults: `sha256=<hex>` over the body, no
/// timestamp, the secret's raw bytes as key, no delivery id, no challenge.
#[derive(Debug, Clone)]
#[must_use]
pub struct SchemeBuilder {
    name: Cow<'static, str>,
    signature_header: Option<Cow<'static, str>>,
    format: SignatureFormat,
    signed_content: SignedContent,
    timestamp: Option<TimestampSource>,
    id_header: Option<Cow<'static, str>>,
    secret_encoding: SecretEncoding,
    delivery_id: Option<DeliveryIdSource>,
    challenge: Option<Challenge>,
}

impl SchemeBuilder {
    fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            signature_header: None,
            format: SignatureFormat::sha256_hex(),
            signed_content: SignedContent::Body,
            timestamp: None,
            id_header: None,
            secret_encoding: SecretEncoding::Raw,
            delivery_id: None,
            challenge: None,
        }
    }

    /// The header that carries the signature (required).
    pub fn signature_header(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.signature_header = Some(name.into());
        self
    }

    /// How the signature header's value is written. Default `sha256=<hex>`.
    pub fn format(mut self, format: SignatureFormat) -> Self {
        self.format = format;
        self
    }

    /// Which bytes are signed. Default the body alone.
    pub fn signed_content(mut self, content: SignedContent) -> Self {
        self.signed_content = content;
        self
    }

    /// Where the timestamp comes from. Default none. A scheme with a timestamp is
    /// checked against the verifier's tolerance window.
    pub fn timestamp(mut self, source: TimestampSource) -> Self {
        self.timestamp = Some(source);
        self
    }

    /// The header whose value is signed as `{id}` (for
    /// [`SignedContent::IdDotTimestampDotBody`]).
    pub fn id_header(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.id_header = Some(name.into());
        self
    }

    /// How the secret becomes the key. Default its raw bytes.
    pub fn secret_encoding(mut self, encoding: SecretEncoding) -> Self {
        self.secret_encoding = encoding;
        self
    }

    /// Where the delivery id for dedupe comes from. Default none: a receiver
    /// with a store then refuses the deliveries it cannot identify.
    pub fn delivery_id(mut self, source: DeliveryIdSource) -> Self {
        self.delivery_id = Some(source);
        self
    }

    /// No delivery id: for a receiver that does not deduplicate.
    pub fn no_delivery_id(mut self) -> Self {
        self.delivery_id = None;
        self
    }

    /// An endpoint challenge to answer. Default none.
    pub fn challenge(mut self, challenge: Challenge) -> Self {
        self.challenge = Some(challenge);
        self
    }

    /// Checks the description and builds the scheme.
    pub fn build(self) -> Result<Scheme, ConfigError> {
        let incomplete = |reason| ConfigError::IncompleteScheme {
            scheme: self.name.to_string(),
            reason,
        };
        let signature_header = HeaderKey::new(
            self.signature_header
                .clone()
                .ok_or_else(|| incomplete("no signature header"))?,
        )?;
        let (timestamp_header, timestamp_in_signature) = match self.timestamp.clone() {
            None => (None, false),
            Some(TimestampSource::Header { name, required }) => {
                (Some((HeaderKey::new(name)?, required)), false)
            }
            Some(TimestampSource::SignatureHeader) => {
                if !matches!(self.format, SignatureFormat::KeyValue { .. }) {
                    return Err(incomplete(
                        "a timestamp in the signature header needs the key=value format",
                    ));
                }
                (None, true)
            }
        };
        if self.signed_content.signs_timestamp() {
            let has_required =
                timestamp_in_signature || matches!(timestamp_header, Some((_, true)));
            if !has_required {
                return Err(incomplete(
                    "the signed content includes a required timestamp",
                ));
            }
        }
        if matches!(self.format, SignatureFormat::KeyValue { .. }) && !timestamp_in_signature {
            return Err(incomplete(
                "the key=value format carries the timestamp: use TimestampSource::SignatureHeader",
            ));
        }
        let id_header = self.id_header.clone().map(HeaderKey::new).transpose()?;
        if self.signed_content.signs_id() && id_header.is_none() {
            return Err(incomplete("the signed content includes an id header"));
        }
        Ok(Scheme {
            name: self.name,
            signature_header,
            format: self.format,
            signed_content: self.signed_content,
            timestamp_header,
            timestamp_in_signature,
            id_header,
            secret_encoding: self.secret_encoding,
            delivery_id: self
                .delivery_id
                .map(DeliveryIdSourceResolved::new)
                .transpose()?,
            challenge: self.challenge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookups_are_lowercase() {
        let scheme = Scheme::github();
        assert_eq!(scheme.signature_header(), "X-Hub-Signature-256");
        assert_eq!(scheme.signature_header.lookup, "x-hub-signature-256");
    }

    #[test]
    fn builder_refuses_incomplete_schemes() {
        assert!(matches!(
            Scheme::builder("x").build(),
            Err(ConfigError::IncompleteScheme { .. })
        ));
        assert!(matches!(
            Scheme::builder("x")
                .signature_header("X-Sig")
                .signed_content(SignedContent::TimestampDotBody)
                .build(),
            Err(ConfigError::IncompleteScheme { .. })
        ));
        assert!(matches!(
            Scheme::builder("x").signature_header("bad header").build(),
            Err(ConfigError::InvalidHeaderName(_))
        ));
        assert!(matches!(
            Scheme::builder("x")
                .signature_header("X-Sig")
                .timestamp(TimestampSource::SignatureHeader)
                .build(),
            Err(ConfigError::IncompleteScheme { .. })
        ));
    }
}
