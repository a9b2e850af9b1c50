//! The verifier: a scheme, its keys, a tolerance window and a clock.
//!
//! A [`Verifier`] checks a request in two steps, so that a refusal costs no body:
//! [`begin_request`](Verifier::begin_request) reads the request head (the signature
//! and timestamp headers, and the method and URL where the scheme signs them) and
//! refuses a missing, malformed or stale signature at once;
//! [`PendingVerification::update`] then digests the body chunk by chunk, and
//! [`finish`](PendingVerification::finish) compares in constant time. [`Verifier::verify`]
//! and [`Verifier::verify_request`] do all three for a body already in memory.
//!
//! ```
//! use webhook_gate::verify::{FixedClock, RequestHead};
//! use webhook_gate::{Preset, Signer, Verifier};
//!
//! // Square signs the URL it called: behind a proxy, say which one that was.
//! let body = br#"{"event_id":"evt_1","type":"payment.updated"}"#;
//! let signer = Signer::new(Preset::Square.scheme(), "signature-key")?;
//! let options = webhook_gate::sign::SignOptions::new().url("https://hooks.example.com/square");
//! let headers = signer.sign(body, &options);
//!
//! let verifier = Verifier::builder(Preset::Square.scheme())
//!     .secret("signature-key")
//!     .public_url("https://hooks.example.com")
//!     .build()?;
//! let head = RequestHead::new("POST", "/square", &headers);
//! let mut pending = verifier.begin_request(&head)?;
//! pending.update(body);
//! assert!(pending.finish().is_ok());
//! # let _ = FixedClock(0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::borrow::Cow;

use sha2::{Digest as _, Sha256};

use crate::challenge::{self, CaptureFn, Captured, Challenge, ChallengeResponse};
use crate::content::{self, BodyPart, HeadValues};
use crate::crypto::{Finished, Key, Running};
use crate::delivery::{self, Delivery, DeliveryId, HeaderId, checked_id};
use crate::error::{ConfigError, VerifyError};
use crate::headers::HeaderKey;
use crate::headers::{HeaderLookup, HeaderSource};
use crate::scheme::{Encoding, Scheme, SignatureFormat, SignedId};
use crate::secret::Secret;
use crate::signature::{self, SignatureBytes};
use crate::time;

/// The longest key id header value given to a [`KeyResolver`].
const MAX_KEY_ID_LEN: usize = 2048;

pub use crate::scheme::DEFAULT_TOLERANCE;

/// The request line and headers a verifier reads: the method, the path and query
/// as received (`/webhooks/twilio?a=1`), and the headers.
///
/// URL-bound schemes (Twilio, Square, HubSpot) sign the URL the provider called.
/// Behind TLS termination or a proxy the receiver does not see it: configure the
/// public base URL on the verifier ([`VerifierBuilder::public_url`]).
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a, H: ?Sized> {
    /// The method (`POST`).
    pub method: &'a str,
    /// The path and query, as received.
    pub target: &'a str,
    /// The headers.
    pub headers: &'a H,
}

impl<'a, H: HeaderSource + ?Sized> RequestHead<'a, H> {
    /// A request head.
    pub fn new(method: &'a str, target: &'a str, headers: &'a H) -> Self {
        Self {
            method,
            target,
            headers,
        }
    }
}

/// The source of "now", in unix seconds. Inject one in tests.
pub trait Clock: Send + Sync + 'static {
    /// The current time in unix seconds.
    fn now_unix(&self) -> i64;
}

/// Gives the key a token names, for schemes whose key the provider serves over the
/// network (Plaid's, by the JWT's `kid`, from `/webhook_verification_key/get`).
///
/// The core makes no request: the resolver answers from what the application
/// holds. It is asked on the request path when a request names a key id (a JWT's
/// `kid`, the scheme's [key id header](crate::scheme::SchemeBuilder::key_id_header))
/// that no configured key has; a certificate or SPKI key has no id, so with those
/// it is asked on every request. It must answer at once: keep the keys in
/// memory, and on a miss return `None` and fetch the key in the background. The
/// request is then refused (401) and the provider's retry (Plaid's: 30 s later)
/// finds the key. Requests name key ids at will: fetch a given id at most so often.
/// It returns key material in the forms a secret takes (a JWK's JSON, a base64 SPKI
/// key, a certificate); a key that does not parse, a JWK that has expired
/// (`expired_at` set) or whose `kid` is not the id asked for, counts as none. A key it gives is tried after the configured
/// ones: its [`Verified::secret_index`] is the number of configured keys.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::RwLock;
/// use webhook_gate::secret::Secret;
/// use webhook_gate::verify::KeyResolver;
///
/// /// Plaid's keys by id, filled by a task that calls `/webhook_verification_key/get`.
/// #[derive(Default)]
/// struct PlaidKeys(RwLock<HashMap<String, String>>);
///
/// impl KeyResolver for PlaidKeys {
///     fn resolve(&self, key_id: &str) -> Option<Secret> {
///         let keys = self.0.read().ok()?;
///         // On a miss, the task is told to fetch `key_id` (not shown).
///         keys.get(key_id).map(|jwk| Secret::from(jwk.as_str()))
///     }
/// }
/// ```
pub trait KeyResolver: Send + Sync + 'static {
    /// The key material of the key `key_id`, if the application holds it.
    fn resolve(&self, key_id: &str) -> Option<Secret>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
            })
    }
}

/// A clock that always says the same time.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0
    }
}

/// Verifies signed webhook requests of one [`Scheme`] against one or more secrets.
///
/// Cheap to clone (one `Arc`). Verification is streaming: [`begin`](Self::begin)
/// checks the headers (signature present and well-formed, timestamp inside the
/// window) before any of the body is read, [`PendingVerification::update`] takes the
/// body chunk by chunk, [`PendingVerification::finish`] compares in constant time.
///
/// ```
/// use webhook_gate::{Scheme, Verifier};
/// use webhook_gate::verify::FixedClock;
///
/// // GitHub's documented example.
/// let verifier = Verifier::builder(Scheme::github())
///     .secret("It's a Secret to Everybody")
///     .build()
///     .unwrap();
/// let headers = [(
///     "X-Hub-Signature-256",
///     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
/// )];
/// let mut pending = verifier.begin(&headers[..]).unwrap();
/// pending.update(b"Hello, ");
/// pending.update(b"World!");
/// let verified = pending.finish().unwrap();
/// assert_eq!(verified.secret_index(), 0);
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    scheme: Scheme,
    keys: Vec<Key>,
    /// Each key's id (a JWK's `kid`), to know when to ask the resolver.
    key_ids: Vec<Option<String>>,
    resolver: Option<Arc<dyn KeyResolver>>,
    /// The settings given, sorted: they tell routes of one provider apart in the
    /// delivery namespace (two PayPal webhooks).
    settings: Vec<(String, String)>,
    tolerance_seconds: i64,
    clock: Arc<dyn Clock>,
    public_url: Option<String>,
    trust_forwarded: bool,
    verify_token: Option<SignatureBytes>,
    capture: Option<CaptureFn>,
    /// The verifier of the provider's legacy scheme, for requests that carry only
    /// its signature header ([`VerifierBuilder::legacy_fallback`]).
    fallback: Option<Verifier>,
    /// Whether a whole request is verified by [`Verifier::verify_plain_hmac`].
    plain_hmac: bool,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.inner.scheme.name())
            .field(
                "secrets",
                &format_args!("[redacted; {}]", self.inner.keys.len()),
            )
            .field("tolerance_seconds", &self.inner.tolerance_seconds)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for `scheme` with one secret and the defaults.
    pub fn new(scheme: Scheme, secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        Self::builder(scheme).secret(secret).build()
    }

    /// Starts configuring a verifier for `scheme`.
    pub fn builder(scheme: Scheme) -> VerifierBuilder {
        VerifierBuilder {
            scheme,
            secrets: Vec::new(),
            tolerance: None,
            clock: Arc::new(SystemClock),
            public_url: None,
            trust_forwarded: false,
            verify_token: None,
            capture: None,
            fallback: None,
            resolver: None,
            settings: Vec::new(),
        }
    }

    /// The verifier of the legacy scheme a request is to be verified with instead:
    /// it lacks this scheme's signature header and carries the legacy one.
    fn fallback_for<H: HeaderSource + ?Sized>(&self, headers: &H) -> Option<&Verifier> {
        let fallback = self.inner.fallback.as_ref()?;
        let absent = |verifier: &Verifier| {
            verifier
                .inner
                .scheme
                .signature_header
                .as_ref()
                .is_none_or(|name| name.find_in(headers) == HeaderLookup::Absent)
        };
        (absent(self) && !absent(fallback)).then_some(fallback)
    }

    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.inner.scheme
    }

    /// 16 hex digits that tell this verifier's set of secrets from another's: the
    /// HMAC-SHA-256 of a fixed label under each secret's key, sorted (the order the
    /// secrets were added in does not matter), hashed together with SHA-256. It
    /// reveals no more about a secret than a signature does.
    pub(crate) fn secrets_fingerprint(&self) -> String {
        let mut tags: Vec<[u8; 32]> = self
            .inner
            .keys
            .iter()
            .map(|key| key.fingerprint(b"webhook-gate delivery namespace v1"))
            .collect();
        tags.sort_unstable();
        let mut hasher = Sha256::new();
        for tag in &tags {
            hasher.update(tag);
        }
        // Lengths first: no two lists of settings hash alike.
        for (name, value) in &self.inner.settings {
            hasher.update(b"setting");
            hasher.update((name.len() as u64).to_be_bytes());
            hasher.update(name.as_bytes());
            hasher.update((value.len() as u64).to_be_bytes());
            hasher.update(value.as_bytes());
        }
        if self.inner.resolver.is_some() {
            hasher.update(b"resolver");
        }
        let digest: [u8; 32] = hasher.finalize().into();
        signature::encode(&digest, crate::scheme::Encoding::Hex)[..16].to_owned()
    }

    /// The tolerance window in seconds.
    pub fn tolerance_seconds(&self) -> u64 {
        self.inner.tolerance_seconds.unsigned_abs()
    }

    /// Checks the headers and starts digesting the body, for schemes that sign
    /// neither the method nor the URL; [`begin_request`](Self::begin_request) for
    /// every scheme.
    ///
    /// Fails before any body byte is read when the signature header is missing,
    /// repeated or malformed, the timestamp is missing, malformed or outside the
    /// window, or a header the signed content needs is missing.
    pub fn begin<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
    ) -> Result<PendingVerification, VerifyError> {
        self.start(None, None, headers)
    }

    /// Checks the request head and starts digesting the body.
    pub fn begin_request<H: HeaderSource + ?Sized>(
        &self,
        head: &RequestHead<'_, H>,
    ) -> Result<PendingVerification, VerifyError> {
        self.start(Some(head.method), Some(head.target), head.headers)
    }

    fn start<H: HeaderSource + ?Sized>(
        &self,
        method: Option<&str>,
        target: Option<&str>,
        headers: &H,
    ) -> Result<PendingVerification, VerifyError> {
        if let Some(fallback) = self.fallback_for(headers) {
            // Fingerprinted by the current scheme's tag, as the same delivery with
            // its current header would be: stripping that header to fall back on
            // the legacy one makes no new delivery.
            let mut pending = fallback.start(method, target, headers)?;
            pending.state.current = Some(Box::new(Runnings::new(&self.inner.keys)));
            return Ok(pending);
        }
        let scheme = &self.inner.scheme;
        let body_digest = self.body_digest(target)?;
        let mut parsed = signature::ParsedSignatures::new();
        let (checked, runnings, split, resolved) =
            match self.head(method, target, headers, &mut parsed, body_digest.is_some()) {
                Err(VerifyError::MissingSignature { header })
                    if challenge::may_be_unsigned_body(
                        scheme.challenge.as_ref(),
                        method.unwrap_or_default(),
                    ) =>
                {
                    return Ok(self.awaiting_handshake(header));
                }
                other => other?,
            };
        let marked = challenge::marked(scheme, headers);
        // A JWT's claim binds the body as a digest in the URL does (Twilio's).
        let body_digest =
            body_digest.or_else(|| parsed.jwt.as_ref().map(|claims| claims.body_sha256));
        Ok(PendingVerification::new(Pending {
            long_signature: parsed.long,
            verifier: self.clone(),
            awaits_handshake: None,
            marked,
            runnings,
            candidates: parsed.candidates,
            timestamp: checked.timestamp,
            delivery_id: checked.delivery_id,
            body_len: 0,
            body: split.body,
            suffix: split.suffix,
            kept: scheme.keeps_body.then(Vec::new),
            body_digest: body_digest.map(|expected| (Sha256::new(), expected)),
            current: None,
            resolved,
        }))
    }

    /// The SHA-256 the URL says the body has (Twilio's `bodySHA256` on a JSON
    /// request), when the scheme reads one and the URL carries it.
    fn body_digest(&self, target: Option<&str>) -> Result<Option<SignatureBytes>, VerifyError> {
        let (Some(param), Some(target)) = (&self.inner.scheme.body_digest_param, target) else {
            return Ok(None);
        };
        content::query_param(target, param)
            .map(|hex| {
                signature::decode(&hex, Encoding::Hex, Some(32))
                    .ok_or(VerifyError::NoMatchingSignature)
            })
            .transpose()
    }

    /// The timestamp a scheme carries in the body (Linear's `webhookTimestamp`),
    /// checked against the window.
    fn body_timestamp(
        &self,
        json: &content::Json<'_>,
        value: &crate::scheme::BodyValue,
    ) -> Result<i64, VerifyError> {
        let text = json
            .find(value)?
            .ok_or_else(|| VerifyError::MissingHeader {
                header: Cow::Owned(value.name().to_owned()),
            })?;
        let seconds = time::parse(text.as_bytes(), self.inner.scheme.timestamp_format)
            .ok_or(VerifyError::MalformedTimestamp)?;
        self.check_window(seconds)?;
        Ok(seconds)
    }

    /// A POST without a signature whose body may be a handshake (Notion's): its
    /// body is kept, and it finishes as a missing signature unless the body is one.
    fn awaiting_handshake(&self, header: Cow<'static, str>) -> PendingVerification {
        PendingVerification::new(Pending {
            verifier: self.clone(),
            awaits_handshake: Some(header),
            marked: false,
            runnings: Runnings::new(&[]),
            candidates: signature::ParsedSignatures::new().candidates,
            timestamp: None,
            delivery_id: Err(VerifyError::HandshakeRefused),
            body_len: 0,
            body: BodyPart::None,
            suffix: Vec::new(),
            kept: Some(Vec::new()),
            body_digest: None,
            current: None,
            resolved: None,
            long_signature: None,
        })
    }

    /// What the request head gives, for both ways of verifying: the checked headers,
    /// one running signature per key fed what precedes the body, and the rest of the
    /// template.
    fn head<'h, H: HeaderSource + ?Sized>(
        &self,
        method: Option<&str>,
        target: Option<&str>,
        headers: &'h H,
        parsed: &mut signature::ParsedSignatures<'h>,
        bound_by_url: bool,
    ) -> Result<(Checked<'h>, Runnings, content::Split, Option<Key>), VerifyError> {
        let scheme = &self.inner.scheme;
        let checked = self.check(headers, parsed)?;
        let values = self.head_values(method, target, headers, &checked, parsed, true);
        let resolved = self.resolve_key(&checked, parsed);
        let mut runnings = Runnings::new(&self.inner.keys);
        if let Some(key) = &resolved {
            runnings.rest.push(key.start());
        }
        let split = content::start(
            scheme,
            &values,
            headers,
            |bytes| runnings.update(bytes),
            bound_by_url,
        )?;
        Ok((checked, runnings, split, resolved))
    }

    /// The key a token names when no configured key has its id: the resolver's
    /// answer, if it has one (a key it cannot make into one is no key).
    fn resolve_key(
        &self,
        checked: &Checked<'_>,
        parsed: &signature::ParsedSignatures<'_>,
    ) -> Option<Key> {
        let id = match &parsed.jwt {
            Some(claims) => claims.key_id.as_deref()?,
            None => checked.key_id?,
        };
        self.resolve_id(id)
    }

    /// The resolver's key for `id`, when no configured key has that id.
    fn resolve_id(&self, id: &str) -> Option<Key> {
        let resolver = self.inner.resolver.as_ref()?;
        if self
            .inner
            .key_ids
            .iter()
            .any(|known| known.as_deref() == Some(id))
        {
            return None;
        }
        let material = resolver.resolve(id)?;
        // A JWK given for another id is not the key asked for.
        if crate::crypto::key_id(&material).is_some_and(|kid| kid != id) {
            return None;
        }
        key_of(&self.inner.scheme, &material).ok()
    }

    /// The values of the request head the signed content may hold; the URL joined
    /// only when `joined_url` (the plain path feeds its pieces).
    fn head_values<'h, H: HeaderSource + ?Sized>(
        &self,
        method: Option<&'h str>,
        target: Option<&'h str>,
        headers: &'h H,
        checked: &Checked<'h>,
        parsed: &signature::ParsedSignatures<'h>,
        joined_url: bool,
    ) -> HeadValues<'h> {
        let url = if self.inner.scheme.shape.url && joined_url {
            target.and_then(|target| self.url(target, headers))
        } else {
            None
        };
        HeadValues {
            method,
            target,
            url,
            timestamp: checked.timestamp_text.unwrap_or_default(),
            id: checked.signed_id.unwrap_or_default(),
            signing_input: parsed
                .jwt
                .as_ref()
                .map_or(&[][..], |claims| claims.signing_input),
        }
    }

    /// The URL the provider called: the configured public base URL, else (when
    /// trusted) `X-Forwarded-Proto` and `X-Forwarded-Host`, else `https://` and the
    /// `Host` header; then the path and query as received.
    fn url<'h, H: HeaderSource + ?Sized>(
        &self,
        target: &'h str,
        headers: &'h H,
    ) -> Option<Cow<'h, str>> {
        // Concatenated, not formatted: `format!` costs more than the copies.
        self.url_pieces(target, headers)
            .map(|pieces| Cow::Owned(pieces.concat()))
    }

    /// [`url`](Self::url) in the pieces it is made of, to be fed as they are.
    fn url_pieces<'a, H: HeaderSource + ?Sized>(
        &'a self,
        target: &'a str,
        headers: &'a H,
    ) -> Option<[&'a str; 4]> {
        if let Some(base) = &self.inner.public_url {
            return Some([base, target, "", ""]);
        }
        let text = |name: &str| match headers.lookup(name) {
            HeaderLookup::Single(value) => std::str::from_utf8(value).ok(),
            _ => None,
        };
        let (scheme, host) = if self.inner.trust_forwarded {
            (
                text("x-forwarded-proto")
                    .and_then(|proto| proto.split(',').next())
                    .map_or("https", str::trim),
                text("x-forwarded-host").or_else(|| text("host"))?,
            )
        } else {
            ("https", text("host")?)
        };
        Some([scheme, "://", host, target])
    }

    /// Answers an unsigned endpoint handshake (Meta's and Dropbox's GET, X's CRC,
    /// Microsoft Graph's validation, Okta's verification) from the request head:
    /// `None` when the request is not one (verify it as a delivery). Signed
    /// handshakes are answered after verification ([`Verified::challenge`]).
    pub fn handshake<H: HeaderSource + ?Sized>(
        &self,
        head: &RequestHead<'_, H>,
    ) -> Option<Result<ChallengeResponse, VerifyError>> {
        let challenge = self.inner.scheme.challenge.as_ref()?;
        challenge::detect_unsigned(
            challenge,
            self.inner.scheme.name(),
            head.method,
            head.target,
            head.headers,
            self.inner.verify_token.as_ref(),
            self.inner.keys.first(),
            self.inner.capture.as_ref(),
        )
    }

    /// Answers a handshake carried in an unsigned body (Notion's
    /// `verification_token`, handed to the [capture
    /// callback](VerifierBuilder::on_capture)): `None` when `body` is not one. The
    /// adapters call it for a POST without a signature header, once its body is read
    /// ([`PendingVerification::awaits_handshake`]).
    pub fn handshake_body(&self, body: &[u8]) -> Option<Result<ChallengeResponse, VerifyError>> {
        let challenge = self.inner.scheme.challenge.as_ref()?;
        challenge::detect_unsigned_body(
            challenge,
            self.inner.scheme.name(),
            body,
            self.inner.capture.as_ref(),
        )
    }

    /// What [`begin`](Self::begin) checks: everything but the body. The signatures
    /// are parsed into `parsed`, which is fresh.
    #[allow(
        clippy::inline_always,
        reason = "on the fast path, the result was built in this frame and copied out"
    )]
    #[inline(always)]
    fn check<'h, H: HeaderSource + ?Sized>(
        &self,
        headers: &'h H,
        parsed: &mut signature::ParsedSignatures<'h>,
    ) -> Result<Checked<'h>, VerifyError> {
        let scheme = &self.inner.scheme;
        // A token carried in the body is read with the body.
        match &scheme.signature_header {
            None => {}
            Some(name) => match name.find_in(headers) {
                HeaderLookup::Absent if scheme.extra_signature_header.is_some() => {}
                HeaderLookup::Absent => {
                    return Err(VerifyError::MissingSignature {
                        header: name.display.clone(),
                    });
                }
                HeaderLookup::Repeated => {
                    return Err(VerifyError::RepeatedHeader {
                        header: name.display.clone(),
                    });
                }
                HeaderLookup::Single(value) => {
                    signature::parse_into(&scheme.format, scheme.algorithm, value, parsed)?;
                }
            },
        }
        if let Some(extra) = &scheme.extra_signature_header {
            match extra.find_in(headers) {
                // A malformed second header counts only when it is all there is.
                HeaderLookup::Single(value) => {
                    let mut more = signature::ParsedSignatures::new();
                    match signature::parse_into(&scheme.format, scheme.algorithm, value, &mut more)
                    {
                        Ok(()) => parsed.merge(&more),
                        Err(error) if parsed.candidates.signatures().is_empty() => {
                            return Err(error);
                        }
                        Err(_) => {}
                    }
                }
                HeaderLookup::Repeated => {
                    return Err(VerifyError::RepeatedHeader {
                        header: extra.display.clone(),
                    });
                }
                HeaderLookup::Absent if parsed.candidates.signatures().is_empty() => {
                    let first = scheme.signature_header.as_ref().unwrap_or(extra);
                    return Err(VerifyError::MissingSignature {
                        header: first.display.clone(),
                    });
                }
                HeaderLookup::Absent => {}
            }
        }

        let timestamp_text = if scheme.timestamp_in_signature {
            parsed.timestamp
        } else if let Some((name, required)) = &scheme.timestamp_header {
            single_header(headers, name, *required)?
        } else {
            None
        };
        let timestamp = match (&parsed.jwt, timestamp_text) {
            (Some(claims), _) if scheme.timestamp_in_signature => {
                self.check_window(claims.issued_at)?;
                Some(claims.issued_at)
            }
            (_, Some(text)) => {
                let Some(seconds) = time::parse(text, scheme.timestamp_format) else {
                    return Err(VerifyError::MalformedTimestamp);
                };
                self.check_window(seconds)?;
                Some(seconds)
            }
            _ => None,
        };

        let signed_id = match &scheme.id_header {
            Some(name) if scheme.shape.id != SignedId::No => {
                let value = single_header(headers, name, true)?.unwrap_or_default();
                Some(checked_id(value, name)?)
            }
            _ => None,
        };

        // Read now (the headers are gone by the time the body is digested), judged in
        // `Verified::delivery`: verification alone does not need the id.
        let signed = signed_id.filter(|_| scheme.shape.id == SignedId::DeliveryId);
        let delivery_id = delivery::header_id(scheme.delivery_id.as_ref(), signed, headers);

        // Only to ask a resolver: a value that is not short UTF-8 names no key.
        let key_id = match &scheme.key_id_header {
            Some(name) => match name.find_in(headers) {
                HeaderLookup::Single(value) if value.len() <= MAX_KEY_ID_LEN => {
                    std::str::from_utf8(value).ok()
                }
                _ => None,
            },
            None => None,
        };
        Ok(Checked {
            key_id,
            timestamp_text,
            timestamp,
            signed_id,
            delivery_id,
        })
    }

    /// Verifies a whole request at once: [`begin`](Self::begin), one
    /// [`update`](PendingVerification::update), [`finish`](PendingVerification::finish).
    pub fn verify<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
    ) -> Result<Verified, VerifyError> {
        self.verify_whole(None, None, headers, body)
    }

    /// [`verify`](Self::verify) with the request head, for every scheme.
    pub fn verify_request<H: HeaderSource + ?Sized>(
        &self,
        head: &RequestHead<'_, H>,
        body: &[u8],
    ) -> Result<Verified, VerifyError> {
        self.verify_whole(Some(head.method), Some(head.target), head.headers, body)
    }

    /// `begin` / `update` / `finish` without building and moving a pending
    /// verification, the body at hand: for every scheme whose key is configured
    /// and whose signature is in a header, or is a token in the body (a whole-body
    /// part and a timestamp in the body included). Signatures in the body, JWTs,
    /// RSA, resolved keys and a body digest in the URL take the streaming path, the
    /// body not copied; HMAC keys over the raw body and parts of the head, a path of
    /// their own ([`verify_plain_hmac`](Self::verify_plain_hmac)).
    // One call per request; kept out of line, its cost is read by name in profiles.
    #[inline(never)]
    fn verify_whole<H: HeaderSource + ?Sized>(
        &self,
        method: Option<&str>,
        target: Option<&str>,
        headers: &H,
        body: &[u8],
    ) -> Result<Verified, VerifyError> {
        if let Some(fallback) = self.fallback_for(headers) {
            // Fingerprinted by the current scheme's tag (see `start`).
            let mut verified = fallback.verify_whole(method, target, headers, body)?;
            if let Some(key) = self.inner.keys.get(verified.secret_index)
                && let Finished::Tag(tag) = key.finish_with(|feed| feed(body))
            {
                verified.digest = tag;
            }
            return Ok(verified);
        }
        if self.inner.plain_hmac {
            return self.verify_plain_hmac(method, target, headers, body);
        }
        let scheme = &self.inner.scheme;
        if self.streams_whole(target)? {
            let mut pending = self.start(method, target, headers)?;
            // The body is at hand: the pending verification keeps no copy of it.
            pending.state.kept = None;
            pending.update(body);
            return pending.finish_with_body(body);
        }
        // Each key's running signature lives in one frame, fed the head, the body
        // and the rest of the template in turn: a running state (an HMAC's is about
        // 200 bytes) moved between steps costs more than the steps.
        let mut parsed = signature::ParsedSignatures::new();
        let checked = self.check(headers, &mut parsed)?;
        // The body alone is signed (GitHub's scheme, Intercom's, most): no value of
        // the head to read, no template to walk.
        let body_alone = matches!(scheme.parts.as_slice(), [crate::scheme::ResolvedPart::Body]);
        let values = (!body_alone)
            .then(|| self.head_values(method, target, headers, &checked, &parsed, true));
        // What the streaming path judges with the head (a header the signed content
        // names) is judged before the body here too.
        if (matches!(scheme.format, SignatureFormat::BodyToken { .. })
            || scheme.timestamp_in_body.is_some())
            && let Some(values) = &values
        {
            content::start(scheme, values, headers, |_| {}, false)?;
        }
        // A timestamp in the body is judged before the signature, as one in a
        // header is.
        let timestamp = match &scheme.timestamp_in_body {
            Some(value) => Some(self.body_timestamp(&content::Json::new(body), value)?),
            None => checked.timestamp,
        };
        // A part made of the whole body (sorted form fields, JSON values) is the
        // same for every key: made once.
        let whole_part = std::cell::OnceCell::new();
        let feed_all = |feed: &mut dyn FnMut(&[u8])| -> Result<(), VerifyError> {
            let Some(values) = &values else {
                feed(body);
                return Ok(());
            };
            if scheme.shape.plain_body {
                return feed_plain(scheme, values, headers, body, feed);
            }
            let split = content::start(scheme, values, headers, &mut *feed, false)?;
            let digest;
            let tail: &[u8] = match split.body {
                BodyPart::Stream => {
                    feed(body);
                    &[]
                }
                BodyPart::Sha256Hex(mut hash) => {
                    hash.update(body);
                    digest = content::finish_body(BodyPart::Sha256Hex(hash), body)?;
                    &digest
                }
                BodyPart::Crc32(mut checksum) => {
                    checksum.update(body);
                    digest = content::finish_body(BodyPart::Crc32(checksum), body)?;
                    &digest
                }
                other => whole_part
                    .get_or_init(|| content::finish_body(other, body))
                    .as_ref()
                    .map_err(Clone::clone)?,
            };
            // An empty feed still costs a running signature a call and a copy.
            for rest in [tail, split.suffix.as_slice()] {
                if !rest.is_empty() {
                    feed(rest);
                }
            }
            Ok(())
        };
        let keys = &self.inner.keys;
        let (secret_index, matched) =
            if let SignatureFormat::BodyToken { array, field } = &scheme.format {
                // Tokens in the body (Microsoft Graph's) sign nothing to feed.
                match_body_tokens(keys, body, array, field)?
            } else {
                let mut failure = None;
                let finished = keys.iter().map(|key| {
                    key.finish_with(|feed| {
                        if let Err(error) = feed_all(feed) {
                            failure = Some(error);
                        }
                    })
                });
                let matched = first_match(keys, finished, parsed.candidates.signatures());
                if let Some(error) = failure {
                    return Err(error);
                }
                matched.ok_or(VerifyError::NoMatchingSignature)?
            };
        Ok(Verified {
            verifier: self.clone(),
            marked: challenge::marked(scheme, headers),
            timestamp,
            secret_index,
            digest: matched,
            delivery_id: checked.delivery_id,
        })
    }

    /// [`verify_whole`](Self::verify_whole) for the most common class of scheme
    /// (GitHub's, Stripe's, Twitch's, Standard Webhooks'): HMAC keys, signatures in
    /// headers, and a template of the raw body and parts of the head. The same
    /// checks in the same order, each key's HMAC fed directly.
    // Out of line as `verify_whole` is: profiles read its cost by name.
    #[inline(never)]
    fn verify_plain_hmac<H: HeaderSource + ?Sized>(
        &self,
        method: Option<&str>,
        target: Option<&str>,
        headers: &H,
        body: &[u8],
    ) -> Result<Verified, VerifyError> {
        let scheme = &self.inner.scheme;
        let mut parsed = signature::ParsedSignatures::new();
        let checked = self.check(headers, &mut parsed)?;
        let values = self.head_values(method, target, headers, &checked, &parsed, false);
        // Fed in its pieces: joining them costs an allocation.
        let url = match target {
            Some(target) if scheme.shape.url => self.url_pieces(target, headers),
            _ => None,
        };
        let plain = Plain {
            scheme,
            values: &values,
            url,
            headers,
            body,
        };
        let candidates = parsed.candidates.signatures();
        let mut matched = None;
        for (index, key) in self.inner.keys.iter().enumerate() {
            let tag = match key {
                Key::Sha1(mac) => plain.tag(mac)?,
                Key::Sha256(mac) => plain.tag(mac)?,
                Key::Sha512(mac) => plain.tag(&**mac)?,
                // The verifier is built with HMAC keys only; an empty tag matches
                // no candidate.
                _ => SignatureBytes::EMPTY,
            };
            let mut any = subtle::Choice::from(0);
            for candidate in candidates {
                any |= crate::crypto::equal(&tag, candidate);
            }
            if bool::from(any) && matched.is_none() {
                matched = Some((index, tag));
            }
        }
        let (secret_index, digest) = matched.ok_or(VerifyError::NoMatchingSignature)?;
        Ok(Verified {
            verifier: self.clone(),
            marked: challenge::marked(scheme, headers),
            timestamp: checked.timestamp,
            secret_index,
            digest,
            delivery_id: checked.delivery_id,
        })
    }

    /// Whether a request given whole takes the streaming path: a signature in the
    /// body, a JWT, RSA, a resolved key. A digest of the body in the URL (Twilio's
    /// on a JSON body) is rare enough to stream: the whole path carries no digest
    /// to check.
    fn streams_whole(&self, target: Option<&str>) -> Result<bool, VerifyError> {
        let scheme = &self.inner.scheme;
        Ok(matches!(
            scheme.format,
            SignatureFormat::BodyField { .. }
                | SignatureFormat::GraphValidationTokens { .. }
                | SignatureFormat::Jwt { .. }
        ) || self.inner.resolver.is_some()
            || scheme.algorithm == crate::scheme::Algorithm::RsaPkcs1Sha256
            || (scheme.body_digest_param.is_some() && self.body_digest(target)?.is_some()))
    }

    /// Verifies a whole request and classifies it (challenge or event, with its
    /// delivery id): what an adapter does, for users without one.
    pub fn verify_delivery<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
    ) -> Result<Delivery, VerifyError> {
        self.verify(headers, body)?.delivery(body)
    }

    /// Judges Microsoft Graph's validation tokens in `body`: each well formed, then
    /// each within its window, then each for this receiver and signed by a
    /// configured or resolved key; every item's tenant one a token is for. The index
    /// of the key that signed the first token, and that token's `iat`.
    fn verify_graph_tokens(&self, body: &[u8], app_id: &str) -> Result<(usize, i64), VerifyError> {
        use crate::jwt::GRAPH_CLOCK_SKEW;
        let tokens = crate::jwt::graph_tokens(body)?;
        let tenants = crate::jwt::graph_item_tenants(body)?;
        let parsed = tokens
            .iter()
            .map(|token| crate::jwt::parse_graph(token.as_bytes(), app_id))
            .collect::<Result<Vec<_>, _>>()?;
        let now = i128::from(self.inner.clock.now_unix());
        let skew = i128::from(GRAPH_CLOCK_SKEW);
        let saturate = |value: i128| u64::try_from(value).unwrap_or(u64::MAX);
        for (claims, _) in &parsed {
            self.check_window(claims.issued_at)?;
            if let Some(not_before) = claims.not_before
                && i128::from(not_before) - now > skew
            {
                return Err(VerifyError::TimestampInFuture {
                    ahead: saturate(i128::from(not_before) - now),
                    tolerance: GRAPH_CLOCK_SKEW.unsigned_abs(),
                });
            }
            if now - i128::from(claims.expires) > skew {
                return Err(VerifyError::TimestampTooOld {
                    age: saturate(now - i128::from(claims.expires)),
                    tolerance: GRAPH_CLOCK_SKEW.unsigned_abs(),
                });
            }
        }
        let mut first = None;
        // Each `kid` is resolved once, and a token sent twice verified once.
        let mut resolved: Vec<(&str, Option<Key>)> = Vec::new();
        let mut verified: Vec<&str> = Vec::new();
        for (token, (claims, signature)) in tokens.iter().zip(&parsed) {
            if !claims.for_receiver {
                return Err(VerifyError::NoMatchingSignature);
            }
            if verified.contains(&token.as_str()) {
                continue;
            }
            let key = match claims.key_id.as_deref() {
                None => None,
                Some(id) => {
                    if let Some((_, key)) = resolved.iter().find(|(own, _)| *own == id) {
                        key.clone()
                    } else {
                        let key = self.resolve_id(id);
                        resolved.push((id, key.clone()));
                        key
                    }
                }
            };
            let index = self
                .inner
                .keys
                .iter()
                .chain(key.as_ref())
                .position(|key| {
                    let mut running = key.start();
                    running.update(claims.signing_input);
                    running.finish().matches_long(key, signature)
                })
                .ok_or(VerifyError::NoMatchingSignature)?;
            verified.push(token);
            first.get_or_insert((index, claims.issued_at));
        }
        let vouched = |tenant: &String| parsed.iter().any(|(claims, _)| claims.tenant == *tenant);
        if !tenants.iter().all(vouched) {
            return Err(VerifyError::NoMatchingSignature);
        }
        first.ok_or(VerifyError::NoMatchingSignature)
    }

    fn check_window(&self, timestamp: i64) -> Result<(), VerifyError> {
        let now = self.inner.clock.now_unix();
        let tolerance = self.inner.tolerance_seconds.unsigned_abs();
        // Exact for any two `i64`s: their distance is below 2^64.
        let distance = now.abs_diff(timestamp);
        if distance <= tolerance {
            Ok(())
        } else if timestamp < now {
            Err(VerifyError::TimestampTooOld {
                age: distance,
                tolerance,
            })
        } else {
            Err(VerifyError::TimestampInFuture {
                ahead: distance,
                tolerance,
            })
        }
    }
}

#[inline]
fn single_header<'h, H: HeaderSource + ?Sized>(
    headers: &'h H,
    name: &HeaderKey,
    required: bool,
) -> Result<Option<&'h [u8]>, VerifyError> {
    match name.find_in(headers) {
        HeaderLookup::Single(value) => Ok(Some(value)),
        HeaderLookup::Absent if required => Err(VerifyError::MissingHeader {
            header: name.display.clone(),
        }),
        HeaderLookup::Absent => Ok(None),
        HeaderLookup::Repeated => Err(VerifyError::RepeatedHeader {
            header: name.display.clone(),
        }),
    }
}

/// Configures a [`Verifier`].
#[must_use]
pub struct VerifierBuilder {
    scheme: Scheme,
    secrets: Vec<Secret>,
    tolerance: Option<Duration>,
    clock: Arc<dyn Clock>,
    public_url: Option<String>,
    trust_forwarded: bool,
    verify_token: Option<SignatureBytes>,
    capture: Option<CaptureFn>,
    fallback: Option<Scheme>,
    resolver: Option<Arc<dyn KeyResolver>>,
    settings: Vec<(String, String)>,
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("scheme", &self.scheme.name())
            .field(
                "secrets",
                &format_args!("[redacted; {}]", self.secrets.len()),
            )
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

impl VerifierBuilder {
    /// Adds a secret. Add several while rotating: a request is accepted when any of
    /// its signatures matches any secret.
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Adds several secrets.
    pub fn secrets<I>(mut self, secrets: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Secret>,
    {
        self.secrets.extend(secrets.into_iter().map(Into::into));
        self
    }

    /// How far a timestamp may be from now, into the past and into the future,
    /// inclusive. Default the scheme's own window ([`Scheme::tolerance`]: 300 s
    /// unless the provider documents another); a wider window widens the time an
    /// intercepted request can be replayed in.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// Also accepts the provider's legacy signature, `legacy` (GitHub's and Meta's
    /// SHA-1 `X-Hub-Signature`: [`Preset::legacy_scheme`](crate::Preset::legacy_scheme)),
    /// under the same secrets, for a request that carries the legacy header and not
    /// this scheme's. Off unless asked for: a request with this scheme's header is
    /// judged by it alone, whatever else it carries. A delivery verified by the
    /// legacy signature is fingerprinted by this scheme's signature of it, so that a
    /// capture stripped of its current header is the same delivery to dedupe. Both
    /// schemes must sign the body alone ([`ConfigError::IncompleteScheme`]
    /// otherwise).
    pub fn legacy_fallback(mut self, legacy: Scheme) -> Self {
        self.fallback = Some(legacy);
        self
    }

    /// The URL the provider calls, up to the path (`https://api.example.com`), for
    /// schemes that sign the URL (Twilio, Square, HubSpot). Behind TLS termination
    /// or a proxy the receiver does not see it; without it the URL is `https://`, the
    /// `Host` header, and the path and query as received.
    pub fn public_url(mut self, base: impl Into<String>) -> Self {
        let base: String = base.into();
        self.public_url = Some(base.trim_end_matches('/').to_owned());
        self
    }

    /// The verify token an unsigned handshake must carry (Meta's `hub.verify_token`:
    /// the value you typed in the app dashboard). Kept only as its SHA-256 and
    /// compared in constant time; without it, such handshakes are refused (403).
    pub fn verify_token(mut self, token: impl Into<Secret>) -> Self {
        self.verify_token = Some(signature::token_digest(token.into().expose()));
        self
    }

    /// Whether `X-Forwarded-Proto` and `X-Forwarded-Host` say what URL the provider
    /// called (when no public URL is set). Default `false`: turn it on only behind
    /// a proxy that sets them and strips the client's.
    pub fn trust_forwarded_headers(mut self, trust: bool) -> Self {
        self.trust_forwarded = trust;
        self
    }

    /// Receives the value a capturing handshake hands over (Asana's `X-Hook-Secret`,
    /// Notion's `verification_token`: see [`Challenge::CaptureHeader`] and
    /// [`Challenge::CaptureJsonField`]). Without it such handshakes are refused
    /// (403). With it, the verifier may be built without a secret: deliveries are
    /// then refused until it is rebuilt with the captured one. The callback runs on
    /// the request's task: hand the value off (a channel, a store), do not block.
    /// Nothing is logged of the value.
    ///
    /// [`Challenge::CaptureHeader`]: crate::challenge::Challenge::CaptureHeader
    /// [`Challenge::CaptureJsonField`]: crate::challenge::Challenge::CaptureJsonField
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use webhook_gate::{Preset, Verifier};
    /// use webhook_gate::verify::RequestHead;
    ///
    /// let (captured, received) = mpsc::channel();
    /// let verifier = Verifier::builder(Preset::Asana.scheme())
    ///     .on_capture(move |value| {
    ///         let _ = captured.send(value.value().clone());
    ///     })
    ///     .build()?;
    /// let headers = [("X-Hook-Secret", "b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81")];
    /// let answer = verifier
    ///     .handshake(&RequestHead::new("POST", "/webhooks/asana", &headers[..]))
    ///     .expect("a handshake")?;
    /// assert_eq!(answer.headers()[1].1, headers[0].1);
    /// assert_eq!(received.recv()?.expose(), headers[0].1.as_bytes());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_capture(mut self, callback: impl Fn(Captured<'_>) + Send + Sync + 'static) -> Self {
        self.capture = Some(Arc::new(callback));
        self
    }

    /// The clock that says what "now" is. Default the system clock.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The value of a setting the scheme signs ([`Part::Setting`](crate::scheme::Part::Setting):
    /// PayPal's `webhook_id`, the ID its dashboard shows for the webhook). Not a
    /// secret; a scheme with a setting does not build without it.
    pub fn setting(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.settings.retain(|(existing, _)| *existing != name);
        self.settings.push((name, value.into()));
        self
    }

    /// Where the keys a token names come from, beyond the configured ones (see
    /// [`KeyResolver`]). With a resolver, no configured key is needed.
    pub fn key_resolver(mut self, resolver: impl KeyResolver) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// Derives the keys and builds the verifier.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        let capturing = self.capture.is_some()
            && self
                .scheme
                .challenge
                .as_ref()
                .is_some_and(Challenge::captures);
        if self.secrets.is_empty() && !capturing && self.resolver.is_none() {
            return Err(ConfigError::NoSecret);
        }
        let mut scheme = self.scheme;
        crate::scheme::apply_settings(&mut scheme, &self.settings)?;
        let mut settings = self.settings;
        settings.sort_unstable();
        let tolerance = self.tolerance.unwrap_or(scheme.tolerance);
        let tolerance_seconds =
            i64::try_from(tolerance.as_secs()).map_err(|_| ConfigError::ToleranceTooLarge)?;
        let keys = self
            .secrets
            .iter()
            .map(|secret| key_of(&scheme, secret))
            .collect::<Result<Vec<_>, ConfigError>>()?;
        let key_ids = self.secrets.iter().map(crate::crypto::key_id).collect();
        let fallback = match self.fallback {
            None => None,
            Some(legacy) => {
                let body_alone = |scheme: &Scheme| {
                    matches!(scheme.parts.as_slice(), [crate::scheme::ResolvedPart::Body])
                        && scheme.algorithm.is_symmetric()
                };
                if !body_alone(&scheme) || !body_alone(&legacy) {
                    return Err(ConfigError::IncompleteScheme {
                        scheme: legacy.name().to_owned(),
                        reason: "a legacy fallback and the scheme it backs must both sign the body alone",
                    });
                }
                let mut builder = Verifier::builder(legacy).secrets(self.secrets.iter().cloned());
                builder.clock = Arc::clone(&self.clock);
                builder.public_url.clone_from(&self.public_url);
                builder.trust_forwarded = self.trust_forwarded;
                Some(builder.build()?)
            }
        };
        let plain_hmac = fallback.is_none()
            && self.resolver.is_none()
            && keys
                .iter()
                .all(|key| matches!(key, Key::Sha1(_) | Key::Sha256(_) | Key::Sha512(_)))
            && matches!(
                scheme.format,
                SignatureFormat::Single { .. }
                    | SignatureFormat::KeyValue { .. }
                    | SignatureFormat::VersionedList { .. }
            )
            && scheme.timestamp_in_body.is_none()
            && scheme.body_digest_param.is_none()
            && (scheme.shape.plain_body
                || matches!(scheme.parts.as_slice(), [crate::scheme::ResolvedPart::Body]));
        Ok(Verifier {
            inner: Arc::new(Inner {
                scheme,
                keys,
                key_ids,
                resolver: self.resolver,
                settings,
                tolerance_seconds,
                clock: self.clock,
                public_url: self.public_url,
                trust_forwarded: self.trust_forwarded,
                verify_token: self.verify_token,
                capture: self.capture,
                plain_hmac,
                fallback,
            }),
        })
    }
}

/// The key a configured secret (or public key, or token) makes for `scheme`.
pub(crate) fn key_of(scheme: &Scheme, secret: &Secret) -> Result<Key, ConfigError> {
    let material = if scheme.algorithm.is_symmetric() {
        scheme.secret_encoding.key(secret)?
    } else {
        secret.clone()
    };
    Key::new(scheme.algorithm, &material)
}

/// What the headers of a request gave: everything verification needs but the body.
/// The signatures themselves are parsed into the caller's
/// [`ParsedSignatures`](signature::ParsedSignatures), in place: they are a few
/// hundred bytes, which moving from step to step costs more than parsing them.
struct Checked<'h> {
    /// The key id header's value (PayPal's certificate URL).
    key_id: Option<&'h str>,
    timestamp_text: Option<&'h [u8]>,
    timestamp: Option<i64>,
    signed_id: Option<&'h [u8]>,
    delivery_id: Result<HeaderId, VerifyError>,
}

/// Feeds a template of the raw body and parts of the head
/// ([`PartsShape::plain_body`](crate::scheme::PartsShape)) in turn, the body in its
/// place.
fn feed_plain<H: HeaderSource + ?Sized>(
    scheme: &Scheme,
    values: &HeadValues<'_>,
    headers: &H,
    body: &[u8],
    feed: &mut dyn FnMut(&[u8]),
) -> Result<(), VerifyError> {
    for part in &scheme.parts {
        let bytes = content::head_bytes(part, values, headers)?.unwrap_or(body);
        // An empty feed still costs a running signature a call and a copy.
        if !bytes.is_empty() {
            feed(bytes);
        }
    }
    Ok(())
}

/// A request's template of the raw body and parts of the head, for
/// [`Verifier::verify_plain_hmac`].
struct Plain<'a, H: ?Sized> {
    scheme: &'a Scheme,
    values: &'a HeadValues<'a>,
    /// The URL's pieces, when the template signs it and the request has one.
    url: Option<[&'a str; 4]>,
    headers: &'a H,
    body: &'a [u8],
}

impl<H: HeaderSource + ?Sized> Plain<'_, H> {
    /// An HMAC's tag over the template, its parts fed in turn.
    #[inline]
    fn tag<M: hmac::Mac + Clone>(&self, mac: &M) -> Result<SignatureBytes, VerifyError> {
        let mut mac = mac.clone();
        for part in &self.scheme.parts {
            if matches!(part, crate::scheme::ResolvedPart::Url) {
                let pieces = self.url.ok_or_else(content::no_host)?;
                for piece in pieces.iter().filter(|piece| !piece.is_empty()) {
                    mac.update(piece.as_bytes());
                }
            } else {
                let bytes = content::head_bytes(part, self.values, self.headers)?;
                // An empty feed still costs a running signature a call and a copy.
                if let bytes @ [_, ..] = bytes.unwrap_or(self.body) {
                    mac.update(bytes);
                }
            }
        }
        Ok(SignatureBytes::from_slice(&mac.finalize().into_bytes())
            .unwrap_or(SignatureBytes::EMPTY))
    }
}

/// The index of the first key that one of `candidates` matches, and what the
/// match is fingerprinted by. Every finished signature is compared with every
/// candidate, without an early exit.
#[allow(
    clippy::inline_always,
    reason = "on the fast path, the match was built in this frame and copied out"
)]
#[inline(always)]
fn first_match(
    keys: &[Key],
    finished: impl Iterator<Item = Finished>,
    candidates: &[SignatureBytes],
) -> Option<(usize, SignatureBytes)> {
    let mut matched = None;
    for (index, (finished, key)) in finished.zip(keys).enumerate() {
        let mut any = subtle::Choice::from(0);
        let mut source = SignatureBytes::EMPTY;
        for candidate in candidates {
            let hit = finished.matches(key, candidate);
            if bool::from(hit) && !bool::from(any) {
                source = finished.fingerprint_source(candidate);
            }
            any |= hit;
        }
        if bool::from(any) && matched.is_none() {
            matched = Some((index, source));
        }
    }
    matched
}

/// The key whose token every item of the body's `array` carries in `field`
/// ([`SignatureFormat::BodyToken`]), and the first item's token.
fn match_body_tokens(
    keys: &[Key],
    body: &[u8],
    array: &str,
    field: &str,
) -> Result<(usize, SignatureBytes), VerifyError> {
    // Every item carries a token, and each must be one of the keys.
    let mut first = None;
    for token in signature::body_tokens(body, array, field)? {
        let finished = keys.iter().map(|_| Finished::Token);
        let matched = first_match(keys, finished, std::slice::from_ref(&token))
            .ok_or(VerifyError::NoMatchingSignature)?;
        first.get_or_insert(matched);
    }
    first.ok_or(VerifyError::NoMatchingSignature)
}

/// One running signature per key; the first inline, as most verifiers have one key.
struct Runnings {
    first: Option<Running>,
    rest: Vec<Running>,
}

impl Runnings {
    fn new(keys: &[Key]) -> Self {
        let mut keys = keys.iter();
        Self {
            first: keys.next().map(Key::start),
            rest: keys.map(Key::start).collect(),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        for running in self.first.iter_mut().chain(self.rest.iter_mut()) {
            running.update(bytes);
        }
    }

    fn into_all(self) -> impl Iterator<Item = Running> {
        self.first.into_iter().chain(self.rest)
    }
}

/// A request whose headers passed; feed it the body, then [`finish`](Self::finish).
///
/// Its state (about a kilobyte: the running signatures, the candidates) lives on
/// the heap: a pending verification is moved from step to step, and into the
/// adapters' futures, as a pointer.
pub struct PendingVerification {
    state: Box<Pending>,
}

/// What a [`PendingVerification`] holds.
struct Pending {
    verifier: Verifier,
    /// The signature header a POST lacked whose body may be a handshake.
    awaits_handshake: Option<Cow<'static, str>>,
    /// The header that marks a signed header-echo handshake was present.
    marked: bool,
    runnings: Runnings,
    candidates: signature::Candidates,
    timestamp: Option<i64>,
    delivery_id: Result<HeaderId, VerifyError>,
    body_len: u64,
    body: BodyPart,
    suffix: Vec<u8>,
    /// The body, for schemes that need it whole.
    kept: Option<Vec<u8>>,
    /// The body's running SHA-256 and the digest the URL says it has.
    body_digest: Option<(Sha256, SignatureBytes)>,
    /// For a request verified by the legacy fallback: the current scheme's running
    /// signatures over the same body, whose tag fingerprints the delivery.
    current: Option<Box<Runnings>>,
    /// The key a [`KeyResolver`] gave for the token's key id, after the configured ones.
    resolved: Option<Key>,
    /// A signature too long for the candidates (RSA's).
    long_signature: Option<Vec<u8>>,
}

impl fmt::Debug for PendingVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingVerification")
            .field("scheme", &self.state.verifier.scheme().name())
            .field("timestamp", &self.state.timestamp)
            .field("body_len", &self.state.body_len)
            .finish_non_exhaustive()
    }
}

impl PendingVerification {
    fn new(state: Pending) -> Self {
        Self {
            state: Box::new(state),
        }
    }

    /// Digests the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        let state = &mut *self.state;
        state.body_len += chunk.len() as u64;
        if let Some(current) = &mut state.current {
            current.update(chunk);
        }
        match &mut state.body {
            BodyPart::Stream => state.runnings.update(chunk),
            BodyPart::Sha256Hex(hash) => hash.update(chunk),
            BodyPart::Crc32(checksum) => checksum.update(chunk),
            BodyPart::None | BodyPart::SortedFormFields { .. } | BodyPart::Json(_) => {}
        }
        if let Some(kept) = &mut state.kept {
            kept.extend_from_slice(chunk);
        }
        if let Some((hash, _)) = &mut state.body_digest {
            hash.update(chunk);
        }
    }

    /// Whether the request had no signature and its body may be a handshake
    /// (Notion's): answer it with [`Verifier::handshake_body`] once the body is
    /// read. [`finish`](Self::finish) refuses such a request as unsigned.
    pub fn awaits_handshake(&self) -> bool {
        self.state.awaits_handshake.is_some()
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.state.verifier
    }

    /// How many body bytes were digested so far.
    pub fn body_len(&self) -> u64 {
        self.state.body_len
    }

    /// The verified timestamp, already known from the headers.
    pub fn timestamp(&self) -> Option<i64> {
        self.state.timestamp
    }

    /// Compares every signature with every key (in constant time for HMACs and
    /// tokens); checks a timestamp carried in the body, and a body digest carried in
    /// the URL.
    pub fn finish(mut self) -> Result<Verified, VerifyError> {
        let kept = self.state.kept.take().unwrap_or_default();
        self.finish_with_body(&kept)
    }

    /// [`finish`](Self::finish), given the whole body (kept, or at hand).
    #[allow(
        clippy::too_many_lines,
        reason = "one check after the other, in the order a request is judged"
    )]
    fn finish_with_body(self, kept: &[u8]) -> Result<Verified, VerifyError> {
        let mut state = *self.state;
        if let Some(header) = state.awaits_handshake {
            return Err(VerifyError::MissingSignature { header });
        }
        let with_resolved: Vec<Key>;
        let keys = match state.resolved.take() {
            Some(resolved) => {
                with_resolved = state
                    .verifier
                    .inner
                    .keys
                    .iter()
                    .cloned()
                    .chain([resolved])
                    .collect();
                &with_resolved
            }
            None => &state.verifier.inner.keys,
        };
        let scheme = state.verifier.scheme();
        let json = content::Json::reading(kept, scheme.body_pointers());
        // Found first, as a signature header is, then the timestamp, then the
        // signed content: in the order a signed head is judged.
        let body_signature =
            match &scheme.format {
                SignatureFormat::BodyField { pointer, encoding } => Some(
                    signature::body_signature(&json, pointer, *encoding, scheme.algorithm)?,
                ),
                _ => None,
            };
        let mut timestamp = state.timestamp;
        if let Some(value) = &scheme.timestamp_in_body {
            timestamp = Some(state.verifier.body_timestamp(&json, value)?);
        }
        let graph = match &scheme.format {
            SignatureFormat::GraphValidationTokens { app_id } => {
                let (index, issued_at) = state
                    .verifier
                    .verify_graph_tokens(kept, app_id.as_deref().unwrap_or_default())?;
                timestamp = Some(issued_at);
                Some(index)
            }
            _ => None,
        };
        let body_bytes =
            content::finish_body_with(std::mem::replace(&mut state.body, BodyPart::None), &json)?;
        state.runnings.update(&body_bytes);
        state.runnings.update(&state.suffix);
        let (secret_index, mut matched) = match &scheme.format {
            // Tokens that do not bind the body: nothing of it to fingerprint.
            SignatureFormat::GraphValidationTokens { .. } => {
                (graph.unwrap_or_default(), SignatureBytes::EMPTY)
            }
            SignatureFormat::BodyToken { array, field } => {
                match_body_tokens(keys, kept, array, field)?
            }
            _ if state.long_signature.is_some() => {
                let signature = state.long_signature.as_deref().unwrap_or_default();
                let mut matched = None;
                for (index, (finished, key)) in state
                    .runnings
                    .into_all()
                    .map(Running::finish)
                    .zip(keys)
                    .enumerate()
                {
                    if matched.is_none() && finished.matches_long(key, signature) {
                        matched =
                            Some((index, finished.fingerprint_source(&SignatureBytes::EMPTY)));
                    }
                }
                matched.ok_or(VerifyError::NoMatchingSignature)?
            }
            _ if body_signature.is_some() => {
                let finished = state.runnings.into_all().map(Running::finish);
                first_match(keys, finished, body_signature.as_slice())
                    .ok_or(VerifyError::NoMatchingSignature)?
            }
            _ => {
                let finished = state.runnings.into_all().map(Running::finish);
                first_match(keys, finished, state.candidates.signatures())
                    .ok_or(VerifyError::NoMatchingSignature)?
            }
        };
        // Verified by the legacy fallback: fingerprinted by the current scheme's tag
        // under the secret that matched.
        if let Some(current) = state.current.take()
            && let Some(Finished::Tag(tag)) =
                current.into_all().nth(secret_index).map(Running::finish)
        {
            matched = tag;
        }
        if let Some((hash, expected)) = state.body_digest {
            let actual =
                SignatureBytes::from_slice(&hash.finalize()).unwrap_or(SignatureBytes::EMPTY);
            if !bool::from(crate::crypto::equal(&actual, &expected)) {
                return Err(VerifyError::NoMatchingSignature);
            }
        }
        Ok(Verified {
            verifier: state.verifier,
            marked: state.marked,
            timestamp,
            secret_index,
            digest: matched,
            delivery_id: state.delivery_id,
        })
    }
}

/// A request whose signature matched.
#[derive(Clone)]
pub struct Verified {
    verifier: Verifier,
    marked: bool,
    timestamp: Option<i64>,
    secret_index: usize,
    digest: SignatureBytes,
    delivery_id: Result<HeaderId, VerifyError>,
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("scheme", &self.scheme_name())
            .field("timestamp", &self.timestamp)
            .field("secret_index", &self.secret_index)
            .finish_non_exhaustive()
    }
}

impl Verified {
    /// The scheme's name.
    pub fn scheme_name(&self) -> &str {
        self.verifier.scheme().name()
    }

    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        self.verifier.scheme()
    }

    /// The timestamp (unix seconds), when the request carried one.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }

    /// Which configured secret matched (0 for the first one added): watch it during a
    /// rotation to know when the old secret can go.
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }

    /// A fingerprint of the matched signature: hex of the first 16 bytes of its
    /// SHA-256, safe to log (it reveals nothing about the signature or key). It is
    /// the same for every request of a token scheme and of Microsoft Graph's
    /// validation tokens, which sign nothing of the request.
    pub fn fingerprint(&self) -> String {
        let fingerprint: [u8; 32] = Sha256::digest(self.digest.as_slice()).into();
        signature::encode(&fingerprint, Encoding::Hex)[..32].to_owned()
    }

    /// The fingerprint as a delivery id, `sig:<fingerprint>`: the id of a scheme
    /// that dedupes by signature, and the second key of one whose id the signature
    /// does not cover.
    pub fn fingerprint_id(&self) -> DeliveryId {
        DeliveryId::new(format!("sig:{}", self.fingerprint()))
    }

    /// The response to send, when the verified body is the scheme's endpoint
    /// challenge: `None` when it is none, an error when it is one that cannot be
    /// answered ([`VerifyError::MalformedHandshake`]: its value is missing or not fit
    /// to echo), which is refused and never handed to the handler either. An answer
    /// computed with a key (Zoom's `encryptedToken`) uses the key that verified the
    /// request, so it holds during a rotation; [`VerifyError::HandshakeRefused`]
    /// when that key is not a configured one (a resolver's).
    pub fn challenge(&self, body: &[u8]) -> Option<Result<ChallengeResponse, VerifyError>> {
        let challenge = self.verifier.scheme().challenge.as_ref()?;
        challenge::detect_signed(
            challenge,
            body,
            self.marked,
            self.verifier.inner.keys.get(self.secret_index),
        )
    }

    /// Classifies the verified body: an endpoint challenge to answer, or an event
    /// with its delivery id. Reads the body only if the scheme has a challenge or
    /// takes its delivery id from the body.
    pub fn delivery(&self, body: &[u8]) -> Result<Delivery, VerifyError> {
        let scheme = self.verifier.scheme();
        if let Some(answer) = self.challenge(body) {
            return answer.map(Delivery::Challenge);
        }
        let delivery_id =
            delivery::resolve(scheme.delivery_id.as_ref(), &self.delivery_id, body, || {
                self.fingerprint_id()
            })?;
        Ok(Delivery::Event { delivery_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::Algorithm;

    /// The window against the difference taken in `i128`: at its edges, and for
    /// timestamps and clocks at the ends of `i64`, whose distance needs all 64 bits.
    #[test]
    fn the_window_is_exact_at_its_edges_and_at_the_ends_of_i64() {
        for now in [0, 1_700_000_000, i64::MIN, i64::MAX] {
            for tolerance in [0_u64, 300, 600] {
                let verifier = Verifier::builder(crate::Preset::GitHub.scheme())
                    .secret("key")
                    .clock(FixedClock(now))
                    .tolerance(Duration::from_secs(tolerance))
                    .build()
                    .unwrap();
                let window = i64::try_from(tolerance).unwrap();
                let near = [-window - 1, -window, 0, window, window + 1];
                let timestamps = near
                    .iter()
                    .filter_map(|offset| now.checked_add(*offset))
                    .chain([i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX]);
                for timestamp in timestamps {
                    let difference = i128::from(now) - i128::from(timestamp);
                    let expected = if difference > i128::from(tolerance) {
                        Err(VerifyError::TimestampTooOld {
                            age: u64::try_from(difference).unwrap(),
                            tolerance,
                        })
                    } else if -difference > i128::from(tolerance) {
                        Err(VerifyError::TimestampInFuture {
                            ahead: u64::try_from(-difference).unwrap(),
                            tolerance,
                        })
                    } else {
                        Ok(())
                    };
                    assert_eq!(
                        verifier.check_window(timestamp),
                        expected,
                        "now {now}, timestamp {timestamp}, tolerance {tolerance}"
                    );
                }
            }
        }
    }

    /// A URL-bound scheme (Square's: HMAC-SHA256 of the URL and the body, base64)
    /// takes the URL from the configured base, else from `Host`, else (trusted
    /// only) from `X-Forwarded-Proto` and `X-Forwarded-Host`; the whole request and
    /// the streamed one judge it alike. The expected signatures are computed here
    /// with `hmac` and `base64`.
    #[test]
    fn a_url_bound_scheme_reads_the_url_alike_on_both_paths() {
        use base64::Engine as _;
        use hmac::Mac as _;
        let body = br#"{"event_id":"e1"}"#;
        let sign = |url: &str| {
            let mut mac = hmac::Hmac::<Sha256>::new_from_slice(b"square-key").unwrap();
            mac.update(url.as_bytes());
            mac.update(body);
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        };
        let verifier = |base: Option<&str>, trust: bool| {
            let mut builder = Verifier::builder(crate::Preset::Square.scheme())
                .secret("square-key")
                .trust_forwarded_headers(trust);
            if let Some(base) = base {
                builder = builder.public_url(base);
            }
            builder.build().unwrap()
        };
        let judge = |verifier: &Verifier, headers: &[(&str, String)]| {
            let head = RequestHead::new("POST", "/hooks/square?x=1", headers);
            let whole = verifier.verify_request(&head, body).map(|_| ());
            let streamed = verifier.begin_request(&head).and_then(|mut pending| {
                pending.update(body);
                pending.finish().map(|_| ())
            });
            assert_eq!(whole, streamed, "{headers:?}");
            whole
        };
        let signature = "x-square-hmacsha256-signature";
        let configured = sign("https://api.example.com/hooks/square?x=1");
        let by_host = sign("https://receiver.internal/hooks/square?x=1");
        let forwarded = sign("http://edge.example.com/hooks/square?x=1");
        let host = ("host", "receiver.internal".to_owned());
        let proto = ("x-forwarded-proto", "http, https".to_owned());
        let forwarded_host = ("x-forwarded-host", "edge.example.com".to_owned());

        let base = verifier(Some("https://api.example.com"), false);
        assert_eq!(
            judge(&base, &[(signature, configured), host.clone()]),
            Ok(())
        );
        assert_eq!(
            judge(&base, &[(signature, by_host.clone()), host.clone()]),
            Err(VerifyError::NoMatchingSignature)
        );
        let plain = verifier(None, false);
        assert_eq!(
            judge(&plain, &[(signature, by_host.clone()), host.clone()]),
            Ok(())
        );
        assert_eq!(
            judge(&plain, &[(signature, by_host.clone())]),
            Err(VerifyError::MissingHeader {
                header: "Host".into()
            })
        );
        let untrusted = [
            (signature, forwarded.clone()),
            host.clone(),
            proto.clone(),
            forwarded_host.clone(),
        ];
        assert_eq!(
            judge(&plain, &untrusted),
            Err(VerifyError::NoMatchingSignature)
        );
        let trusted = verifier(None, true);
        assert_eq!(judge(&trusted, &untrusted), Ok(()));
        // Without forwarded headers, a trusting verifier reads `Host`, over https.
        assert_eq!(judge(&trusted, &[(signature, by_host), host]), Ok(()));
    }

    #[test]
    fn a_header_part_is_judged_before_a_body_timestamp_on_both_paths() {
        use crate::scheme::{Encoding, Part, SignedContent, TimestampSource};
        let scheme = Scheme::builder("custom")
            .signature_header("X-Sig")
            .format(SignatureFormat::prefixed("", Encoding::Hex))
            .signed_content(SignedContent::parts([
                Part::Header("X-Part".into()),
                Part::Body,
            ]))
            .timestamp(TimestampSource::JsonField("ts".into()))
            .build()
            .unwrap();
        let verifier = Verifier::builder(scheme)
            .secret("key")
            .clock(FixedClock(1_000_000))
            .build()
            .unwrap();
        // The signed header is missing and the body's timestamp is stale.
        let headers = [("X-Sig", "00".repeat(32))];
        let body = br#"{"ts":1}"#;
        let head = RequestHead::new("POST", "/hook", &headers[..]);
        let missing = VerifyError::MissingHeader {
            header: "X-Part".into(),
        };
        assert_eq!(verifier.verify_request(&head, body).unwrap_err(), missing);
        assert_eq!(verifier.begin_request(&head).unwrap_err(), missing);
    }

    #[test]
    fn a_whole_body_part_serves_every_key() {
        // Twilio's sorted form fields under the second of two keys (a rotation):
        // the whole request and the streamed one both find it.
        let scheme = crate::Preset::Twilio.scheme();
        let options = crate::sign::SignOptions::new().url("https://example.com/hook?x=1");
        let body = b"To=%2B1555&Body=hi+there&Body=again";
        let headers: Vec<(String, String)> = crate::Signer::new(scheme.clone(), "second")
            .unwrap()
            .sign(body, &options)
            .into_iter()
            .collect();
        let verifier = Verifier::builder(scheme)
            .secret("first")
            .secret("second")
            .public_url("https://example.com")
            .build()
            .unwrap();
        let head = RequestHead::new("POST", "/hook?x=1", &headers);
        assert_eq!(
            verifier.verify_request(&head, body).unwrap().secret_index(),
            1
        );
        let mut pending = verifier.begin_request(&head).unwrap();
        pending.update(body);
        assert_eq!(pending.finish().unwrap().secret_index(), 1);
        let mut tampered = body.to_vec();
        tampered[4] = b'3';
        assert_eq!(
            verifier.verify_request(&head, &tampered).unwrap_err(),
            VerifyError::NoMatchingSignature
        );
    }

    #[test]
    fn signatures_compare_unequal_in_any_byte_and_length() {
        let bytes: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(7)).collect();
        let signature = SignatureBytes::from_slice(&bytes).unwrap();
        assert!(bool::from(crate::crypto::equal(&signature, &signature)));
        for index in 0..32 {
            for flip in [0x01, 0x80] {
                let mut other = bytes.clone();
                other[index] ^= flip;
                let other = SignatureBytes::from_slice(&other).unwrap();
                assert!(
                    !bool::from(crate::crypto::equal(&signature, &other)),
                    "{index}"
                );
            }
        }
        // A zero byte more is another signature.
        let longer = SignatureBytes::from_slice(&[bytes.as_slice(), &[0]].concat()).unwrap();
        assert!(!bool::from(crate::crypto::equal(&signature, &longer)));
    }

    #[test]
    fn header_ids_of_every_length_come_back_whole() {
        let scheme = Scheme::standard_webhooks();
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let signer = crate::Signer::new(scheme.clone(), secret).unwrap();
        let verifier = Verifier::builder(scheme)
            .secret(secret)
            .clock(FixedClock(1_700_000_000))
            .build()
            .unwrap();
        for len in [
            1,
            36,
            HeaderId::INLINE - 1,
            HeaderId::INLINE,
            HeaderId::INLINE + 1,
            delivery::MAX_ID_LEN,
        ] {
            let id: String = (0..len)
                .map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap()))
                .collect();
            let body = b"{}";
            let options = crate::sign::SignOptions::new()
                .timestamp(1_700_000_000)
                .id(id.as_str());
            let headers = signer.sign(body, &options);
            let delivery = verifier.verify_delivery(&headers, body).unwrap();
            let Delivery::Event {
                delivery_id: Some(found),
            } = delivery
            else {
                panic!("an event with an id, for {len} characters");
            };
            assert_eq!(found.as_str(), id);
            let mut pending = verifier.begin(&headers).unwrap();
            pending.update(body);
            let streamed = pending.finish().unwrap().delivery(body).unwrap();
            assert_eq!(
                streamed,
                Delivery::Event {
                    delivery_id: Some(found)
                }
            );
        }
    }

    #[test]
    fn first_match_names_the_first_matching_key() {
        let key = |byte: u8| Key::new(Algorithm::HmacSha256, &Secret::from_bytes([byte])).unwrap();
        let keys = [key(1), key(2)];
        let tag = |index: usize| {
            let Finished::Tag(tag) = keys[index].start().finish() else {
                unreachable!("an HMAC key finishes with a tag")
            };
            tag
        };
        let (a, b) = (tag(0), tag(1));
        let other = SignatureBytes::from_slice(&[9; 32]).unwrap();
        let finished = || keys.iter().map(|key| key.start().finish());
        assert_eq!(first_match(&keys, finished(), &[other, b]), Some((1, b)));
        assert_eq!(first_match(&keys, finished(), &[b, a]), Some((0, a)));
        assert_eq!(first_match(&keys, finished(), &[other]), None);
        assert_eq!(first_match(&keys, finished(), &[]), None);
    }
}
