//! Signature schemes: where a provider puts the signature and timestamp, how they are
//! written, which bytes are signed, and how the secret becomes the key.

use std::borrow::Cow;
use std::time::Duration;

use crate::challenge::Challenge;
use crate::delivery::{DeliveryIdSource, DeliveryIdSourceResolved};
use crate::error::ConfigError;
use crate::headers::HeaderKey;
use crate::preset::Preset;
use crate::secret::SecretEncoding;

pub use crate::jwt::{GRAPH_PUBLISHER_APP_ID, MAX_GRAPH_TOKENS};

pub use crate::signature::{MAX_SIGNATURE_HEADER_LEN, MAX_SIGNATURES};

/// The algorithm that signs a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA1 (Twilio, Intercom): 20-byte signatures.
    HmacSha1,
    /// HMAC-SHA256, the common case: 32-byte signatures.
    HmacSha256,
    /// HMAC-SHA512 (Paystack): 64-byte signatures.
    HmacSha512,
    /// Ed25519 over the signed content (Discord), verified with the provider's public
    /// key (32 bytes, given as hex or base64). Needs the `ed25519` feature.
    Ed25519,
    /// ECDSA P-256 with SHA-256 over the signed content (SendGrid), DER signatures,
    /// verified with the provider's public key (base64 SPKI, as providers show it).
    /// Needs the `p256` feature.
    EcdsaP256Sha256,
    /// RSA PKCS#1 v1.5 with SHA-256 over the signed content (PayPal's
    /// `SHA256withRSA`), verified with the provider's public key: an X.509
    /// certificate (PEM, as PayPal serves it) or an SPKI key (PEM or base64). Needs
    /// the `rsa` feature.
    RsaPkcs1Sha256,
    /// A shared token that the request carries as it is (GitLab's `X-Gitlab-Token`,
    /// Okta's `Authorization`, HTTP Basic credentials), compared in constant time.
    /// Nothing is signed: a token proves who sent the request, not what it says.
    Token,
}

impl Algorithm {
    /// The length of an HMAC tag, or of an Ed25519 signature; `None` for DER
    /// signatures (variable) and tokens.
    pub(crate) fn signature_len(self) -> Option<usize> {
        match self {
            Self::HmacSha1 => Some(20),
            Self::HmacSha256 => Some(32),
            Self::HmacSha512 | Self::Ed25519 => Some(64),
            Self::EcdsaP256Sha256 | Self::RsaPkcs1Sha256 | Self::Token => None,
        }
    }

    /// Whether the algorithm keeps a secret on both sides (an HMAC or a token).
    pub fn is_symmetric(self) -> bool {
        !matches!(
            self,
            Self::Ed25519 | Self::EcdsaP256Sha256 | Self::RsaPkcs1Sha256
        )
    }
}

/// How a signature is written in the signature header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// Hexadecimal, either letter case.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// How the signature header's value is written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFormat {
    /// One signature after a fixed prefix, matched case-insensitively:
    /// `sha256=<hex>` (GitHub), `v0=<hex>` (Slack), or no prefix at all: bare hex,
    /// or base64 as Shopify writes it.
    Single {
        /// The text before the signature; may be empty.
        prefix: Cow<'static, str>,
        /// How the signature is written.
        encoding: Encoding,
    },
    /// `key=value` pairs holding the timestamp and one or more hex signatures, in
    /// any order, unknown keys ignored: `t=<unix>,v1=<hex>[,v1=<hex>…]` (Stripe,
    /// DataFlow), `ts=<unix>;h1=<hex>` (Paddle).
    KeyValue {
        /// The key of the timestamp (`t`).
        timestamp_key: Cow<'static, str>,
        /// The key of each signature (`v1`).
        signature_key: Cow<'static, str>,
        /// The byte between pairs (`,`, or `;` for Paddle).
        separator: u8,
    },
    /// Space-separated `<version>,<base64>` entries, unknown versions ignored:
    /// `v1,<base64> v1,<base64>` (Standard Webhooks).
    VersionedList {
        /// The version whose signatures are HMAC-SHA256 (`v1`).
        version: Cow<'static, str>,
    },
    /// The header's whole value is a shared token ([`Algorithm::Token`]), after an
    /// optional prefix (`Bearer `).
    Token {
        /// The text before the token; may be empty.
        prefix: Cow<'static, str>,
    },
    /// HTTP Basic credentials (`Authorization: Basic <base64 user:password>`),
    /// compared with the configured `user:password` ([`Algorithm::Token`]).
    BasicAuth,
    /// A token carried in the JSON body, not in a header ([`Algorithm::Token`]):
    /// every item of the top-level array `array` holds it in its string field
    /// `field` (Microsoft Graph's `{"value":[{"clientState": ...}, ...]}`), and
    /// every item must hold a configured one. The scheme has no signature header.
    BodyToken {
        /// The top-level array of items (`value`).
        array: Cow<'static, str>,
        /// The string field of each item that carries the token (`clientState`).
        field: Cow<'static, str>,
    },
    /// One signature carried in the JSON body, not in a header: the string at the
    /// JSON Pointer `pointer` (Mailgun's `/signature/signature`), in `encoding`.
    /// The scheme has no signature header; its signed content is made of other
    /// values of the body ([`Part::JsonPointer`]).
    BodyField {
        /// Where the signature is (RFC 6901: `/signature/signature`).
        pointer: Cow<'static, str>,
        /// How the signature is written.
        encoding: Encoding,
    },
    /// A JSON Web Token (compact JWS) signed with the scheme's public-key algorithm
    /// (Plaid's `Plaid-Verification`, ES256). Its header must name that algorithm
    /// and may name the key (`kid`, for a [`KeyResolver`](crate::verify::KeyResolver));
    /// its claims carry the timestamp (`iat`, unix seconds: use
    /// [`TimestampSource::SignatureHeader`]) and the body's SHA-256 in lowercase hex
    /// (`body_sha256_claim`), compared with the body's. The signed content is the
    /// token's own header and claims ([`SignedContent::JWS`]).
    Jwt {
        /// The claim that holds the body's SHA-256 (`request_body_sha256`).
        body_sha256_claim: Cow<'static, str>,
    },
    /// Microsoft Graph's `validationTokens` (rich notifications): an array of JSON
    /// Web Tokens in the body, one per app and tenant the items are for, RS256 under
    /// a key of the Microsoft identity platform. Each token must verify under a
    /// configured key (each is tried) or the key a
    /// [`KeyResolver`](crate::verify::KeyResolver) gives for its `kid`, name
    /// the receiving app in `aud` (the setting `app_id` until given), Microsoft
    /// Graph's change-notification publisher in `appid` (or `azp`), its tenant in
    /// `tid` and `iss` (`https://sts.windows.net/<tid>/`), and be within its `nbf`
    /// and `exp`; its `iat` is the timestamp ([`TimestampSource::SignatureHeader`]),
    /// and every item's `tenantId` must be one a token vouches for.
    ///
    /// The tokens say who sent the notification, not what it says: they do not bind
    /// the body, and one token serves many notifications during its lifetime. The
    /// resource data's own integrity is `encryptedContent.dataSignature`, checked
    /// when it is decrypted with the app's private key. Signed content:
    /// [`SignedContent::JWS`].
    GraphValidationTokens {
        /// The receiving app's id, which `aud` must name (`None`: the setting
        /// `app_id`, which the verifier must be given).
        app_id: Option<Cow<'static, str>>,
    },
}

impl SignatureFormat {
    /// `sha256=<hex>`.
    pub fn sha256_hex() -> Self {
        Self::prefixed("sha256=", Encoding::Hex)
    }

    /// A signature after `prefix` (which may be empty) in `encoding`.
    pub fn prefixed(prefix: impl Into<Cow<'static, str>>, encoding: Encoding) -> Self {
        Self::Single {
            prefix: prefix.into(),
            encoding,
        }
    }

    /// `t=<unix>,v1=<hex>[,v1=<hex>…]`.
    pub fn timestamped_v1() -> Self {
        Self::key_value("t", "v1", b',')
    }

    /// `<timestamp_key>=<ts><separator><signature_key>=<hex>...`.
    pub fn key_value(
        timestamp_key: impl Into<Cow<'static, str>>,
        signature_key: impl Into<Cow<'static, str>>,
        separator: u8,
    ) -> Self {
        Self::KeyValue {
            timestamp_key: timestamp_key.into(),
            signature_key: signature_key.into(),
            separator,
        }
    }

    /// `v1,<base64>[ v1,<base64>…]`.
    pub fn standard_webhooks() -> Self {
        Self::VersionedList {
            version: Cow::Borrowed("v1"),
        }
    }

    /// A bare shared token.
    pub fn token() -> Self {
        Self::Token {
            prefix: Cow::Borrowed(""),
        }
    }

    /// A token in the field `field` of every item of the body's array `array`.
    pub fn body_token(
        array: impl Into<Cow<'static, str>>,
        field: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::BodyToken {
            array: array.into(),
            field: field.into(),
        }
    }

    /// A signature at the JSON Pointer `pointer` of the body, in `encoding`.
    pub fn body_field(pointer: impl Into<Cow<'static, str>>, encoding: Encoding) -> Self {
        Self::BodyField {
            pointer: pointer.into(),
            encoding,
        }
    }

    /// A JSON Web Token binding the body through the claim `body_sha256_claim`.
    pub fn jwt(body_sha256_claim: impl Into<Cow<'static, str>>) -> Self {
        Self::Jwt {
            body_sha256_claim: body_sha256_claim.into(),
        }
    }

    /// Microsoft Graph's validation tokens, for the app the setting `app_id` names.
    pub fn graph_validation_tokens() -> Self {
        Self::GraphValidationTokens { app_id: None }
    }

    /// Where in the body the signature (or token) is, for messages:
    /// `value[*].clientState` for a token in the body, the pointer for a
    /// signature in the body; `None` for a format carried in a header.
    pub(crate) fn describe_in_body(&self) -> Option<String> {
        match self {
            Self::BodyToken { array, field } => Some(format!("{array}[*].{field}")),
            Self::BodyField { pointer, .. } => Some(pointer.to_string()),
            Self::GraphValidationTokens { .. } => Some(crate::jwt::GRAPH_TOKENS.to_owned()),
            _ => None,
        }
    }

    /// Whether the signature (or token) is carried in the body.
    pub(crate) fn in_body(&self) -> bool {
        matches!(
            self,
            Self::BodyToken { .. } | Self::BodyField { .. } | Self::GraphValidationTokens { .. }
        )
    }

    /// Whether the signature is a JSON Web Token (Plaid's header, Microsoft Graph's
    /// validation tokens), whose signed content is its own header and claims.
    pub fn is_jwt(&self) -> bool {
        matches!(self, Self::Jwt { .. } | Self::GraphValidationTokens { .. })
    }
}

/// One piece of the signed content. Text parts are fed as the request carried
/// them, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// Fixed bytes (`.`, `v0:`).
    Literal(Cow<'static, [u8]>),
    /// A header's value, as sent (the request is refused without it).
    Header(Cow<'static, str>),
    /// The timestamp, exactly as sent.
    Timestamp,
    /// The id header's value ([`SchemeBuilder::id_header`]).
    Id,
    /// The request method (`POST`).
    Method,
    /// The full URL the provider called: the verifier's public base URL (or the
    /// request's `Host`) and the path and query as received.
    Url,
    /// The path and query as received (`/webhooks/x?a=1`).
    PathAndQuery,
    /// The raw body.
    Body,
    /// The body's SHA-256, in lowercase hex.
    BodySha256Hex,
    /// Every field of an `application/x-www-form-urlencoded` body as `name` followed
    /// by `value` (decoded), sorted by name (Twilio). Needs the whole body.
    SortedFormFields,
    /// A top-level field of the JSON body, as text. Needs the whole body.
    JsonField(Cow<'static, str>),
    /// The value at a JSON Pointer of the body (RFC 6901: `/signature/token`), as
    /// text: a string's value, or a number as serde_json writes it (integers as
    /// sent, `1.50` as `1.5`). Needs the whole body. A template may hold several,
    /// with literals between them (Mailgun signs `/signature/timestamp` then
    /// `/signature/token`), but not with the body itself.
    JsonPointer(Cow<'static, str>),
    /// The JSON Web Token's header and claims as sent (`<header>.<claims>`, what a
    /// JWS signs), for [`SignatureFormat::Jwt`]. Read with the head.
    JwsSigningInput,
    /// The body's CRC-32 (IEEE, as zlib computes it) in unsigned decimal (PayPal).
    /// A checksum, not a digest: anyone can write another body with the same CRC,
    /// so a scheme that signs only this does not sign the body
    /// ([`Scheme::signs_body`]).
    BodyCrc32,
    /// A value the receiver is given by the provider and configures, signed but not
    /// sent (PayPal's webhook ID): set with
    /// [`VerifierBuilder::setting`](crate::verify::VerifierBuilder::setting) and
    /// [`Signer::setting`](crate::Signer::setting) under this name.
    Setting(Cow<'static, str>),
}

impl Part {
    /// A literal, from a static string.
    pub const fn text(text: &'static str) -> Self {
        Self::Literal(Cow::Borrowed(text.as_bytes()))
    }
}

const BODY_PARTS: &[Part] = &[Part::Body];
const TIMESTAMP_DOT_BODY_PARTS: &[Part] = &[Part::Timestamp, Part::text("."), Part::Body];
const SLACK_V0_PARTS: &[Part] = &[
    Part::text("v0:"),
    Part::Timestamp,
    Part::text(":"),
    Part::Body,
];
const JWS_PARTS: &[Part] = &[Part::JwsSigningInput];
const ID_DOT_TIMESTAMP_DOT_BODY_PARTS: &[Part] = &[
    Part::Id,
    Part::text("."),
    Part::Timestamp,
    Part::text("."),
    Part::Body,
];

/// Which bytes are signed: a template of [`Part`]s fed one after the other.
///
/// Whatever comes before the body is fed before the body arrives and the body is
/// digested chunk by chunk; a part that needs the whole body (form fields, a JSON
/// field) makes the verifier keep the body, within the body limit.
///
/// ```
/// use webhook_gate::scheme::{Part, SignedContent};
///
/// // HubSpot v3: method, URL, body, timestamp.
/// let content = SignedContent::parts([Part::Method, Part::Url, Part::Body, Part::Timestamp]);
/// assert!(content.signs_timestamp());
/// assert_eq!(SignedContent::TIMESTAMP_DOT_BODY.to_string(), "{ts}.{body}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedContent {
    parts: Cow<'static, [Part]>,
}

impl SignedContent {
    /// `{body}`.
    pub const BODY: Self = Self::from_static(BODY_PARTS);
    /// `{timestamp}.{body}` (Stripe, DataFlow, DcisionAI).
    pub const TIMESTAMP_DOT_BODY: Self = Self::from_static(TIMESTAMP_DOT_BODY_PARTS);
    /// `v0:{timestamp}:{body}` (Slack, Zoom).
    pub const SLACK_V0: Self = Self::from_static(SLACK_V0_PARTS);
    /// `{id}.{timestamp}.{body}` (Standard Webhooks).
    pub const ID_DOT_TIMESTAMP_DOT_BODY: Self = Self::from_static(ID_DOT_TIMESTAMP_DOT_BODY_PARTS);
    /// What a JSON Web Token signs: its own header and claims
    /// ([`SignatureFormat::Jwt`]; the body is bound by a claim).
    pub const JWS: Self = Self::from_static(JWS_PARTS);

    /// A template from static parts.
    pub const fn from_static(parts: &'static [Part]) -> Self {
        Self {
            parts: Cow::Borrowed(parts),
        }
    }

    /// A template of `parts`.
    pub fn parts(parts: impl IntoIterator<Item = Part>) -> Self {
        Self {
            parts: Cow::Owned(parts.into_iter().collect()),
        }
    }

    /// The parts, in order.
    pub fn as_parts(&self) -> &[Part] {
        &self.parts
    }

    /// Whether the timestamp is part of the signed bytes.
    pub fn signs_timestamp(&self) -> bool {
        self.parts.contains(&Part::Timestamp)
    }

    /// Whether the id header is part of the signed bytes.
    pub fn signs_id(&self) -> bool {
        self.parts.contains(&Part::Id)
    }

    /// Whether the request's URL or path is part of the signed bytes.
    pub fn signs_url(&self) -> bool {
        self.parts
            .iter()
            .any(|part| matches!(part, Part::Url | Part::PathAndQuery))
    }
}

impl std::fmt::Display for SignedContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for part in self.parts.iter() {
            match part {
                Part::Literal(bytes) => f.write_str(&String::from_utf8_lossy(bytes))?,
                Part::Header(name) | Part::Setting(name) => write!(f, "{{{name}}}")?,
                Part::Timestamp => f.write_str("{ts}")?,
                Part::Id => f.write_str("{id}")?,
                Part::Method => f.write_str("{method}")?,
                Part::Url => f.write_str("{url}")?,
                Part::PathAndQuery => f.write_str("{path}")?,
                Part::Body => f.write_str("{body}")?,
                Part::BodySha256Hex => f.write_str("{sha256(body)}")?,
                Part::SortedFormFields => f.write_str("{sorted form fields}")?,
                Part::JsonField(field) => write!(f, "{{body.{field}}}")?,
                Part::JsonPointer(pointer) => write!(f, "{{body{pointer}}}")?,
                Part::JwsSigningInput => f.write_str("{jwt header}.{jwt claims}")?,
                Part::BodyCrc32 => f.write_str("{crc32(body)}")?,
            }
        }
        Ok(())
    }
}

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TimestampFormat {
    /// Unix seconds (`1700000000`).
    #[default]
    UnixSeconds,
    /// Unix milliseconds (`1700000000000`: HubSpot, Linear).
    UnixMillis,
    /// RFC 3339 (`2023-11-14T22:13:20.123456789Z`: Twitch, Box).
    Rfc3339,
}

/// Where the timestamp comes from.
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
    /// The timestamp entry of a [`SignatureFormat::KeyValue`] signature header (`t=`),
    /// or the `iat` claim of a [`SignatureFormat::Jwt`].
    SignatureHeader,
    /// A top-level field of the JSON body (Linear's `webhookTimestamp`): checked once
    /// the body is verified, so the verifier keeps the body.
    JsonField(Cow<'static, str>),
    /// The value at a JSON Pointer of the body (Mailgun's `/signature/timestamp`), a
    /// number or a string of digits: checked once the body is verified.
    JsonPointer(Cow<'static, str>),
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
///     .signed_content(SignedContent::TIMESTAMP_DOT_BODY)
///     .timestamp(TimestampSource::Header { name: "X-Acme-Timestamp".into(), required: true })
///     .build()
///     .unwrap();
/// assert_eq!(scheme.name(), "acme");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    pub(crate) name: Cow<'static, str>,
    pub(crate) algorithm: Algorithm,
    /// `None` for a token carried in the body.
    pub(crate) signature_header: Option<HeaderKey>,
    /// A second header of signatures in the same format (Box's secondary).
    pub(crate) extra_signature_header: Option<HeaderKey>,
    pub(crate) format: SignatureFormat,
    pub(crate) signed_content: SignedContent,
    /// The template with its header names prepared.
    pub(crate) parts: Vec<ResolvedPart>,
    /// What `parts` holds, read once.
    pub(crate) shape: PartsShape,
    /// Whether the verifier keeps the whole body (a part or the timestamp needs it).
    pub(crate) keeps_body: bool,
    pub(crate) timestamp_header: Option<(HeaderKey, bool)>,
    pub(crate) timestamp_in_signature: bool,
    pub(crate) timestamp_in_body: Option<BodyValue>,
    pub(crate) timestamp_format: TimestampFormat,
    pub(crate) tolerance: Duration,
    pub(crate) body_digest_param: Option<Cow<'static, str>>,
    pub(crate) id_header: Option<HeaderKey>,
    pub(crate) secret_encoding: SecretEncoding,
    pub(crate) delivery_id: Option<DeliveryIdSourceResolved>,
    pub(crate) challenge: Option<Challenge>,
    /// The header that marks a signed header-echo handshake (Twitch's message
    /// type), prepared for look-ups.
    pub(crate) challenge_marker: Option<HeaderKey>,
    /// The header that names the signing key, for a
    /// [`KeyResolver`](crate::verify::KeyResolver) (PayPal's `PAYPAL-CERT-URL`).
    pub(crate) key_id_header: Option<HeaderKey>,
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

    /// The algorithm that signs the request.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// How the timestamp is written.
    pub fn timestamp_format(&self) -> TimestampFormat {
        self.timestamp_format
    }

    /// How far a timestamp may be from now, both ways: the scheme's own window
    /// (300 s unless the provider documents another), which a verifier may override.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// The scheme's name (a preset's is its [`Preset::name`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signature header, as the provider writes it; `None` when the token is
    /// carried in the body ([`SignatureFormat::BodyToken`]).
    pub fn signature_header(&self) -> Option<&str> {
        self.signature_header.as_ref().map(|name| &*name.display)
    }

    /// Where the signature is, for people: the signature header's name, or
    /// `value[*].clientState` for a token carried in the body.
    pub fn signature_location(&self) -> Cow<'_, str> {
        match &self.signature_header {
            Some(name) => Cow::Borrowed(&name.display),
            None => Cow::Owned(self.format.describe_in_body().unwrap_or_default()),
        }
    }

    /// The header that names the signing key, for a key resolver (PayPal's
    /// `PAYPAL-CERT-URL`).
    pub fn key_id_header(&self) -> Option<&str> {
        self.key_id_header.as_ref().map(|name| &*name.display)
    }

    /// The scheme with `value` in the place of its setting `name` ([`Part::Setting`]:
    /// PayPal's `webhook_id`); unchanged when it has no such setting. Verifiers and
    /// signers take settings themselves
    /// ([`VerifierBuilder::setting`](crate::verify::VerifierBuilder::setting)).
    #[must_use]
    pub fn with_setting(mut self, name: &str, value: &str) -> Self {
        let literal = || Cow::Owned(value.as_bytes().to_vec());
        let parts: Vec<Part> = self
            .signed_content
            .as_parts()
            .iter()
            .map(|part| match part {
                Part::Setting(own) if own == name => Part::Literal(literal()),
                other => other.clone(),
            })
            .collect();
        self.signed_content = SignedContent::parts(parts);
        for part in &mut self.parts {
            if matches!(part, ResolvedPart::Setting(own) if own == name) {
                *part = ResolvedPart::Literal(literal());
            }
        }
        if let SignatureFormat::GraphValidationTokens {
            app_id: app_id @ None,
        } = &mut self.format
            && name == crate::jwt::GRAPH_APP_ID_SETTING
        {
            *app_id = Some(Cow::Owned(value.to_owned()));
        }
        self
    }

    /// The names of the values the receiver configures and the scheme still lacks
    /// ([`Part::Setting`]: PayPal's `webhook_id`; Microsoft Graph's `app_id`, which
    /// its validation tokens must name).
    pub fn settings(&self) -> impl Iterator<Item = &str> {
        let app_id = match &self.format {
            SignatureFormat::GraphValidationTokens { app_id: None } => {
                Some(crate::jwt::GRAPH_APP_ID_SETTING)
            }
            _ => None,
        };
        self.signed_content
            .as_parts()
            .iter()
            .filter_map(|part| match part {
                Part::Setting(name) => Some(&**name),
                _ => None,
            })
            .chain(app_id)
    }

    /// The timestamp header, if the timestamp has one of its own.
    pub fn timestamp_header(&self) -> Option<&str> {
        self.timestamp_header
            .as_ref()
            .map(|(name, _)| &*name.display)
    }

    /// Whether the scheme carries a timestamp at all (a header, the signature's
    /// `t=`, or a field of the body).
    pub fn has_timestamp(&self) -> bool {
        self.timestamp_in_signature
            || self.timestamp_header.is_some()
            || self.timestamp_in_body.is_some()
    }

    /// Every JSON Pointer into the body the scheme reads (its signature's, its
    /// timestamp's, its signed parts'): a verifier reads them in one pass.
    pub(crate) fn body_pointers(&self) -> Vec<&str> {
        let mut pointers = Vec::new();
        if let SignatureFormat::BodyField { pointer, .. } = &self.format {
            pointers.push(pointer.as_ref());
        }
        if let Some(BodyValue::Pointer(pointer)) = &self.timestamp_in_body {
            pointers.push(pointer.as_ref());
        }
        for part in &self.parts {
            if let ResolvedPart::JsonPointer(pointer) = part {
                pointers.push(pointer.as_ref());
            }
        }
        pointers
    }

    /// The query parameter that carries the body's SHA-256 (hex) in the URL the
    /// provider signs, for bodies it does not sign as form fields (Twilio's
    /// `bodySHA256`).
    pub fn body_digest_param(&self) -> Option<&str> {
        self.body_digest_param.as_deref()
    }

    /// The field of the JSON body that carries the timestamp, if it is there
    /// (Linear's `webhookTimestamp`).
    pub fn timestamp_field(&self) -> Option<&str> {
        self.timestamp_in_body.as_ref().map(BodyValue::name)
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
    pub fn signed_content(&self) -> &SignedContent {
        &self.signed_content
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
    /// not (GitHub, Shopify, Sentimatrix; Mailgun, whose signature covers two values
    /// of its body but not the event's id), a receiver dedupes on the signature's
    /// fingerprint as well, so that a capture resent under a new id is a duplicate.
    pub fn signs_delivery_id(&self) -> bool {
        match &self.delivery_id {
            None | Some(DeliveryIdSourceResolved::SignatureFingerprint) => true,
            Some(
                DeliveryIdSourceResolved::JsonField(_) | DeliveryIdSourceResolved::JsonPointer(_),
            ) => self.signs_body(),
            Some(DeliveryIdSourceResolved::Header(_)) => self.shape.id == SignedId::DeliveryId,
        }
    }

    /// Whether the signature covers the whole body: its bytes, their digest (in the
    /// URL, in a JWT's claim), or its form fields (not only some values of it, as
    /// Mailgun's does).
    pub fn signs_body(&self) -> bool {
        self.algorithm != Algorithm::Token
            && (self.parts.iter().any(ResolvedPart::binds_body)
                || self.body_digest_param.is_some()
                || matches!(self.format, SignatureFormat::Jwt { .. }))
    }

    /// Whether a receiver claims a delivery under the signature's fingerprint as
    /// well as its id: when the signature does not cover the id, and the scheme
    /// signs at all (a token is the same on every request, and so are Microsoft
    /// Graph's validation tokens for hours: they fingerprint nothing).
    pub fn dedupes_on_signature(&self) -> bool {
        !self.signs_delivery_id() && self.fingerprints_requests()
    }

    /// Whether what verifies a request differs from one request to the next, so
    /// that its fingerprint tells deliveries apart: not a token, not Microsoft
    /// Graph's validation tokens (one serves many notifications).
    fn fingerprints_requests(&self) -> bool {
        self.algorithm != Algorithm::Token
            && !matches!(self.format, SignatureFormat::GraphValidationTokens { .. })
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

/// One [`Part`], its header name prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResolvedPart {
    Literal(Cow<'static, [u8]>),
    Header(HeaderKey),
    Timestamp,
    Id,
    Method,
    Url,
    PathAndQuery,
    Body,
    BodySha256Hex,
    SortedFormFields,
    JsonField(Cow<'static, str>),
    JsonPointer(Cow<'static, str>),
    JwsSigningInput,
    BodyCrc32,
    /// Replaced by the configured value when a verifier or signer is built.
    Setting(Cow<'static, str>),
}

/// What a scheme's template holds, read once when the scheme is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PartsShape {
    /// The raw body, and otherwise only parts of the request head (GitHub's,
    /// Stripe's, Twitch's, most): the body is fed as it is, in its place.
    pub(crate) plain_body: bool,
    /// The URL or the path ([`SignedContent::signs_url`]).
    pub(crate) url: bool,
    /// The id ([`SignedContent::signs_id`]), and whether it is the delivery id.
    pub(crate) id: SignedId,
}

/// Whether a template signs the id, and whether that id is the delivery id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignedId {
    /// The template has no id.
    No,
    /// The id, from a header other than the delivery id's.
    Id,
    /// The id, from the delivery id's header (Standard Webhooks', Twitch's): the
    /// delivery id is the signed id, read once.
    DeliveryId,
}

impl ResolvedPart {
    /// Whether the part is made from the body (the others, from the request head).
    pub(crate) fn made_from_body(&self) -> bool {
        self.streams_body() || self.reads_json()
    }

    fn new(part: &Part) -> Result<Self, ConfigError> {
        Ok(match part {
            Part::Literal(bytes) => Self::Literal(bytes.clone()),
            Part::Header(name) => Self::Header(HeaderKey::new(name.clone())?),
            Part::Timestamp => Self::Timestamp,
            Part::Id => Self::Id,
            Part::Method => Self::Method,
            Part::Url => Self::Url,
            Part::PathAndQuery => Self::PathAndQuery,
            Part::Body => Self::Body,
            Part::BodySha256Hex => Self::BodySha256Hex,
            Part::SortedFormFields => Self::SortedFormFields,
            Part::JsonField(field) => Self::JsonField(field.clone()),
            Part::JsonPointer(pointer) => Self::JsonPointer(pointer.clone()),
            Part::JwsSigningInput => Self::JwsSigningInput,
            Part::BodyCrc32 => Self::BodyCrc32,
            Part::Setting(name) => Self::Setting(name.clone()),
        })
    }

    /// Whether the part is made from the whole body as it streams (or from its
    /// form fields): a template holds at most one.
    fn streams_body(&self) -> bool {
        self.binds_body() || matches!(self, Self::BodyCrc32)
    }

    /// Whether the part covers the whole body: its bytes, its digest or its fields.
    fn binds_body(&self) -> bool {
        matches!(
            self,
            Self::Body | Self::BodySha256Hex | Self::SortedFormFields
        )
    }

    /// Whether the part is a value of the JSON body.
    pub(crate) fn reads_json(&self) -> bool {
        matches!(self, Self::JsonField(_) | Self::JsonPointer(_))
    }
}

/// Puts each configured setting's value in the place of its part; a setting the
/// scheme signs and `settings` lacks is an error.
pub(crate) fn apply_settings(
    scheme: &mut Scheme,
    settings: &[(String, String)],
) -> Result<(), ConfigError> {
    for (name, value) in settings {
        // An empty value (an unset variable) is no value.
        if value.trim().is_empty() {
            return Err(ConfigError::MissingSetting(name.clone()));
        }
        *scheme = scheme.clone().with_setting(name, value);
    }
    match scheme.settings().next() {
        Some(missing) => Err(ConfigError::MissingSetting(missing.to_owned())),
        None => Ok(()),
    }
}

/// A value read from the JSON body: a top-level field, or the value at a JSON
/// Pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyValue {
    Field(Cow<'static, str>),
    Pointer(Cow<'static, str>),
}

impl BodyValue {
    /// The field's name, or the pointer.
    pub(crate) fn name(&self) -> &str {
        match self {
            Self::Field(name) | Self::Pointer(name) => name,
        }
    }
}

/// The default tolerance window: 300 s into the past and the future.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Describes a custom [`Scheme`]. Defaults: HMAC-SHA256, `sha256=<hex>` over the
/// body, no timestamp (a 300 s window once there is one), the secret's raw bytes as
/// key, no delivery id, no challenge.
#[derive(Debug, Clone)]
#[must_use]
pub struct SchemeBuilder {
    name: Cow<'static, str>,
    algorithm: Algorithm,
    signature_header: Option<Cow<'static, str>>,
    extra_signature_header: Option<Cow<'static, str>>,
    format: SignatureFormat,
    signed_content: SignedContent,
    timestamp: Option<TimestampSource>,
    timestamp_format: TimestampFormat,
    tolerance: Duration,
    body_digest_param: Option<Cow<'static, str>>,
    id_header: Option<Cow<'static, str>>,
    secret_encoding: SecretEncoding,
    delivery_id: Option<DeliveryIdSource>,
    challenge: Option<Challenge>,
    aliases: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    key_id_header: Option<Cow<'static, str>>,
}

impl SchemeBuilder {
    fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            algorithm: Algorithm::HmacSha256,
            signature_header: None,
            extra_signature_header: None,
            format: SignatureFormat::sha256_hex(),
            signed_content: SignedContent::BODY,
            timestamp: None,
            timestamp_format: TimestampFormat::UnixSeconds,
            tolerance: DEFAULT_TOLERANCE,
            body_digest_param: None,
            id_header: None,
            secret_encoding: SecretEncoding::Raw,
            delivery_id: None,
            aliases: Vec::new(),
            challenge: None,
            key_id_header: None,
        }
    }

    /// The signing algorithm. Default HMAC-SHA256.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
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
    /// checked against its window.
    pub fn timestamp(mut self, source: TimestampSource) -> Self {
        self.timestamp = Some(source);
        self
    }

    /// How the timestamp is written. Default unix seconds.
    pub fn timestamp_format(mut self, format: TimestampFormat) -> Self {
        self.timestamp_format = format;
        self
    }

    /// How far the timestamp may be from now, into the past and the future,
    /// inclusive. Default 300 s, as most providers recommend; use the provider's
    /// own (Paddle 5 s, Linear 60 s, Twitch 10 min). A wider window widens the time
    /// a captured request can be replayed in.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// A query parameter of the URL that carries the body's SHA-256 in hex, checked
    /// against the body when present (Twilio signs the URL of a JSON request, and
    /// the URL binds the body this way).
    pub fn body_digest_query_param(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.body_digest_param = Some(name.into());
        self
    }

    /// The header whose value is signed as [`Part::Id`].
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

    /// The header that names the key a request is signed with (PayPal's
    /// `PAYPAL-CERT-URL`): given to the verifier's
    /// [`KeyResolver`](crate::verify::KeyResolver) when no configured key has that
    /// id. A JWT names its key itself (`kid`).
    pub fn key_id_header(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.key_id_header = Some(name.into());
        self
    }

    /// A second header carrying signatures in the scheme's format, compared as well:
    /// the signatures of every signature header present count (Box sends
    /// `BOX-SIGNATURE-PRIMARY` and `BOX-SIGNATURE-SECONDARY`, one per signature key,
    /// so that either key verifies while the other is rotated). A request needs at
    /// least one of them. The signer writes the first header only.
    pub fn extra_signature_header(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.extra_signature_header = Some(name.into());
        self
    }

    /// Another name the provider sends the header `name` under: wherever the scheme
    /// reads `name` (signature, timestamp, id, a signed header, the delivery id) and
    /// the request lacks it, `alias` is read instead. Svix, Clerk and Resend send
    /// Standard Webhooks' `webhook-id`, `webhook-timestamp` and `webhook-signature`
    /// as `svix-id`, `svix-timestamp` and `svix-signature`. One alias per name; the
    /// signer writes `name`.
    pub fn header_alias(
        mut self,
        name: impl Into<Cow<'static, str>>,
        alias: impl Into<Cow<'static, str>>,
    ) -> Self {
        let name = name.into();
        self.aliases
            .retain(|(existing, _)| !existing.eq_ignore_ascii_case(&name));
        self.aliases.push((name, alias.into()));
        self
    }

    /// Checks the description and builds the scheme.
    #[allow(clippy::too_many_lines, reason = "one check after the other, in order")]
    pub fn build(self) -> Result<Scheme, ConfigError> {
        let incomplete = |reason| ConfigError::IncompleteScheme {
            scheme: self.name.to_string(),
            reason,
        };
        let in_body = self.format.in_body();
        let signature_header = match (self.signature_header.clone(), in_body) {
            (Some(name), false) => Some(HeaderKey::new(name)?),
            (None, true) => None,
            (None, false) => return Err(incomplete("no signature header")),
            (Some(_), true) => {
                return Err(incomplete(
                    "a signature or token carried in the body has no signature header",
                ));
            }
        };
        match self.algorithm {
            #[cfg(not(feature = "ed25519"))]
            Algorithm::Ed25519 => return Err(ConfigError::FeatureDisabled("ed25519")),
            #[cfg(not(feature = "p256"))]
            Algorithm::EcdsaP256Sha256 => return Err(ConfigError::FeatureDisabled("p256")),
            #[cfg(not(feature = "rsa"))]
            Algorithm::RsaPkcs1Sha256 => return Err(ConfigError::FeatureDisabled("rsa")),
            _ => {}
        }
        let token_format = matches!(
            self.format,
            SignatureFormat::Token { .. }
                | SignatureFormat::BasicAuth
                | SignatureFormat::BodyToken { .. }
        );
        if token_format != (self.algorithm == Algorithm::Token) {
            return Err(incomplete(
                "a token scheme needs a token format, and a token format a token scheme",
            ));
        }
        let jwt = self.format.is_jwt();
        let graph = matches!(self.format, SignatureFormat::GraphValidationTokens { .. });
        if !self.algorithm.is_symmetric()
            && !matches!(self.format, SignatureFormat::Single { .. })
            && !jwt
        {
            return Err(incomplete(
                "a public-key signature is a single value, or a JWT, in its header",
            ));
        }
        if matches!(self.format, SignatureFormat::Jwt { .. })
            && crate::jwt::jws_name(self.algorithm).is_none()
        {
            return Err(incomplete(
                "a JWT is signed with a public-key algorithm that has a JWS name (ES256)",
            ));
        }
        if graph && self.algorithm != Algorithm::RsaPkcs1Sha256 {
            return Err(incomplete(
                "Microsoft Graph's validation tokens are RS256: Algorithm::RsaPkcs1Sha256",
            ));
        }
        if jwt != (self.signed_content.as_parts() == [Part::JwsSigningInput]) {
            return Err(incomplete(
                "a JWT signs its header and claims (SignedContent::JWS), and only a JWT does",
            ));
        }
        if jwt && !matches!(self.timestamp, Some(TimestampSource::SignatureHeader)) {
            return Err(incomplete(
                "a JWT carries its time in the `iat` claim: use TimestampSource::SignatureHeader",
            ));
        }
        if jwt && self.body_digest_param.is_some() {
            return Err(incomplete(
                "a JWT binds the body by a claim, not by a digest in the query",
            ));
        }
        if self.extra_signature_header.is_some() && (jwt || !self.algorithm.is_symmetric()) {
            return Err(incomplete(
                "a second signature header carries HMAC signatures, not JWTs or public-key signatures",
            ));
        }
        let (timestamp_header, timestamp_in_signature, timestamp_in_body) = match self
            .timestamp
            .clone()
        {
            None => (None, false, None),
            Some(TimestampSource::Header { name, required }) => {
                (Some((HeaderKey::new(name)?, required)), false, None)
            }
            Some(TimestampSource::SignatureHeader) => {
                if !matches!(self.format, SignatureFormat::KeyValue { .. }) && !jwt {
                    return Err(incomplete(
                        "a timestamp in the signature header needs the key=value format or a JWT",
                    ));
                }
                (None, true, None)
            }
            Some(TimestampSource::JsonField(field)) => (None, false, Some(BodyValue::Field(field))),
            Some(TimestampSource::JsonPointer(pointer)) => {
                (None, false, Some(BodyValue::Pointer(pointer)))
            }
        };
        if self.signed_content.signs_timestamp() {
            let has_required =
                timestamp_in_signature || matches!(timestamp_header, Some((_, true)));
            if !has_required {
                return Err(incomplete(
                    "the signed content includes a timestamp from a required header or the signature",
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
        let parts = self
            .signed_content
            .as_parts()
            .iter()
            .map(ResolvedPart::new)
            .collect::<Result<Vec<_>, _>>()?;
        let streamed = parts.iter().filter(|part| part.streams_body()).count();
        let json = parts.iter().any(ResolvedPart::reads_json);
        if streamed > 1 || (streamed == 1 && json) {
            return Err(incomplete(
                "the signed content may hold one part made from the whole body, or values of the JSON body",
            ));
        }
        // RFC 6901: every pointer but the whole document's starts with `/`.
        let pointers = parts
            .iter()
            .filter_map(|part| match part {
                ResolvedPart::JsonPointer(pointer) => Some(pointer.as_ref()),
                _ => None,
            })
            .chain(match &timestamp_in_body {
                Some(BodyValue::Pointer(pointer)) => Some(pointer.as_ref()),
                _ => None,
            })
            .chain(match &self.format {
                SignatureFormat::BodyField { pointer, .. } => Some(pointer.as_ref()),
                _ => None,
            });
        for pointer in pointers {
            if !pointer.starts_with('/') {
                return Err(incomplete(
                    "a JSON Pointer starts with `/` (`/signature/token`)",
                ));
            }
        }
        if (self.algorithm == Algorithm::Token || graph)
            && matches!(
                self.delivery_id,
                Some(DeliveryIdSource::SignatureFingerprint)
            )
        {
            return Err(incomplete(
                "a token (or a validation token) serves many requests: it cannot identify a delivery",
            ));
        }
        if self.algorithm != Algorithm::Token && parts.is_empty() {
            return Err(incomplete("the signed content is empty"));
        }
        // Ed25519 signs the whole message, which its running signature keeps: the
        // verifier needs no copy of its own.
        let keeps_body = timestamp_in_body.is_some()
            || in_body
            || parts
                .iter()
                .any(|part| part.reads_json() || matches!(part, ResolvedPart::SortedFormFields));
        let extra_signature_header = match (self.extra_signature_header, &signature_header) {
            (Some(name), Some(_)) => Some(HeaderKey::new(name)?),
            (Some(_), None) => {
                return Err(incomplete("a second signature header needs a first"));
            }
            (None, _) => None,
        };
        let plain_body = parts.contains(&ResolvedPart::Body)
            && parts.iter().filter(|part| part.made_from_body()).count() == 1;
        let mut scheme = Scheme {
            name: self.name,
            algorithm: self.algorithm,
            signature_header,
            extra_signature_header,
            format: self.format,
            shape: PartsShape {
                plain_body,
                url: self.signed_content.signs_url(),
                // Whether it is the delivery id is known once the headers are (below).
                id: if self.signed_content.signs_id() {
                    SignedId::Id
                } else {
                    SignedId::No
                },
            },
            signed_content: self.signed_content,
            parts,
            keeps_body,
            timestamp_header,
            timestamp_in_signature,
            timestamp_in_body,
            timestamp_format: self.timestamp_format,
            tolerance: self.tolerance,
            body_digest_param: self.body_digest_param,
            id_header,
            secret_encoding: self.secret_encoding,
            delivery_id: self
                .delivery_id
                .map(DeliveryIdSourceResolved::new)
                .transpose()?,
            challenge_marker: match &self.challenge {
                Some(Challenge::SignedHeaderEcho { header, .. }) => {
                    Some(HeaderKey::new(header.clone())?)
                }
                _ => None,
            },
            challenge: self.challenge,
            key_id_header: self.key_id_header.map(HeaderKey::new).transpose()?,
        };
        for (name, alias) in self.aliases {
            let alias = HeaderKey::new(alias)?;
            let name = HeaderKey::new(name)?;
            let mut found = false;
            for key in scheme.header_keys_mut() {
                if key.lookup == name.lookup {
                    key.alias = Some(Box::new(alias.clone()));
                    found = true;
                }
            }
            if !found {
                return Err(ConfigError::IncompleteScheme {
                    scheme: scheme.name.to_string(),
                    reason: "a header alias names a header the scheme does not read",
                });
            }
        }
        if scheme.shape.id == SignedId::Id
            && matches!(
                (&scheme.id_header, &scheme.delivery_id),
                (Some(signed), Some(DeliveryIdSourceResolved::Header(delivery)))
                    if signed.lookup == delivery.lookup
            )
        {
            scheme.shape.id = SignedId::DeliveryId;
        }
        Ok(scheme)
    }
}

impl Scheme {
    /// Every header name the scheme reads, to give them their aliases.
    fn header_keys_mut(&mut self) -> impl Iterator<Item = &mut HeaderKey> {
        let parts = self.parts.iter_mut().filter_map(|part| match part {
            ResolvedPart::Header(key) => Some(key),
            _ => None,
        });
        let delivery = match &mut self.delivery_id {
            Some(DeliveryIdSourceResolved::Header(key)) => Some(key),
            _ => None,
        };
        self.signature_header
            .iter_mut()
            .chain(self.extra_signature_header.iter_mut())
            .chain(self.timestamp_header.iter_mut().map(|(key, _)| key))
            .chain(self.id_header.iter_mut())
            .chain(delivery)
            .chain(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookups_are_lowercase() {
        let scheme = Scheme::github();
        assert_eq!(scheme.signature_header(), Some("X-Hub-Signature-256"));
        assert_eq!(
            scheme.signature_header.as_ref().unwrap().lookup,
            "x-hub-signature-256"
        );
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
                .signed_content(SignedContent::TIMESTAMP_DOT_BODY)
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

    #[cfg(feature = "p256")]
    #[test]
    fn builder_refuses_jwts_configured_in_ways_they_cannot_verify() {
        let jwt = || {
            Scheme::builder("jwt")
                .algorithm(Algorithm::EcdsaP256Sha256)
                .signature_header("X-Jwt")
                .format(SignatureFormat::jwt("body_sha256"))
                .signed_content(SignedContent::JWS)
        };
        assert!(
            jwt()
                .timestamp(TimestampSource::SignatureHeader)
                .build()
                .is_ok()
        );
        let refusals = [
            ("no timestamp", jwt()),
            (
                "a timestamp header instead of iat",
                jwt().timestamp(TimestampSource::Header {
                    name: "X-Time".into(),
                    required: true,
                }),
            ),
            (
                "a body digest in the query",
                jwt()
                    .timestamp(TimestampSource::SignatureHeader)
                    .body_digest_query_param("digest"),
            ),
            (
                "a second signature header",
                jwt()
                    .timestamp(TimestampSource::SignatureHeader)
                    .extra_signature_header("X-Jwt-2"),
            ),
            (
                "a second header for a bare public-key signature",
                Scheme::builder("ecdsa")
                    .algorithm(Algorithm::EcdsaP256Sha256)
                    .signature_header("X-Sig")
                    .format(SignatureFormat::prefixed("", Encoding::Base64))
                    .extra_signature_header("X-Sig-2"),
            ),
        ];
        for (what, builder) in refusals {
            assert!(
                matches!(builder.build(), Err(ConfigError::IncompleteScheme { .. })),
                "{what} was accepted"
            );
        }
    }
}
