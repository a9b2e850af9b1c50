//! The verifier: a scheme, its keys, a tolerance window and a clock.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

use crate::challenge::{self, ChallengeResponse};
use crate::delivery::{self, Delivery, DeliveryId, HeaderId, checked_id};
use crate::error::{ConfigError, VerifyError};
use crate::headers::HeaderKey;
use crate::headers::{HeaderLookup, HeaderSource};
use crate::scheme::Scheme;
use crate::secret::Secret;
use crate::signature::{self, Digest};

type HmacSha256 = Hmac<Sha256>;

/// The default tolerance window: 300 s into the past and the future.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The source of "now", in unix seconds. Inject one in tests.
pub trait Clock: Send + Sync + 'static {
    /// The current time in unix seconds.
    fn now_unix(&self) -> i64;
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
    keys: Vec<HmacSha256>,
    tolerance_seconds: i64,
    clock: Arc<dyn Clock>,
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
            tolerance: DEFAULT_TOLERANCE,
            clock: Arc::new(SystemClock),
        }
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
            .map(|key| {
                let mut mac = key.clone();
                mac.update(b"webhook-gate delivery namespace v1");
                mac.finalize().into_bytes().into()
            })
            .collect();
        tags.sort_unstable();
        let mut hasher = Sha256::new();
        for tag in &tags {
            hasher.update(tag);
        }
        let digest: [u8; 32] = hasher.finalize().into();
        signature::encode(&digest, crate::scheme::Encoding::Hex)[..16].to_owned()
    }

    /// The tolerance window in seconds.
    pub fn tolerance_seconds(&self) -> u64 {
        self.inner.tolerance_seconds.unsigned_abs()
    }

    /// Checks the headers and starts digesting the body.
    ///
    /// Fails before any body byte is read when the signature header is missing,
    /// repeated or malformed, the timestamp is missing, malformed or outside the
    /// window, or a header the signed content needs is missing.
    pub fn begin<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
    ) -> Result<PendingVerification, VerifyError> {
        let checked = self.check(headers)?;
        let mut macs = Macs::default();
        for key in &self.inner.keys {
            macs.push(self.start(key, &checked));
        }
        Ok(PendingVerification {
            verifier: self.clone(),
            macs,
            candidates: checked.candidates,
            timestamp: checked.timestamp,
            delivery_id: checked.delivery_id,
            body_len: 0,
        })
    }

    /// What [`begin`](Self::begin) checks: everything but the body.
    fn check<'h, H: HeaderSource + ?Sized>(
        &self,
        headers: &'h H,
    ) -> Result<Checked<'h>, VerifyError> {
        let scheme = &self.inner.scheme;
        let signature_value = match headers.lookup_key(&scheme.signature_header) {
            HeaderLookup::Absent => {
                return Err(VerifyError::MissingSignature {
                    header: scheme.signature_header.display.clone(),
                });
            }
            HeaderLookup::Repeated => {
                return Err(VerifyError::RepeatedHeader {
                    header: scheme.signature_header.display.clone(),
                });
            }
            HeaderLookup::Single(value) => value,
        };
        let parsed = signature::parse(&scheme.format, signature_value)?;

        let timestamp_text = if scheme.timestamp_in_signature {
            parsed.timestamp
        } else if let Some((name, required)) = &scheme.timestamp_header {
            single_header(headers, name, *required)?
        } else {
            None
        };
        let timestamp = match timestamp_text {
            Some(text) => {
                let seconds =
                    signature::parse_unix_seconds(text).ok_or(VerifyError::MalformedTimestamp)?;
                self.check_window(seconds)?;
                Some(seconds)
            }
            None => None,
        };

        let signed_id = match &scheme.id_header {
            Some(name) if scheme.signed_content.signs_id() => {
                let value = single_header(headers, name, true)?.unwrap_or_default();
                Some(checked_id(value, name)?)
            }
            _ => None,
        };

        // Read now (the headers are gone by the time the body is digested), judged in
        // `Verified::delivery`: verification alone does not need the id.
        let signed = scheme.id_header.as_ref().zip(signed_id);
        let delivery_id = delivery::header_id(scheme.delivery_id.as_ref(), signed, headers);

        Ok(Checked {
            candidates: parsed.candidates,
            timestamp_text,
            timestamp,
            signed_id,
            delivery_id,
        })
    }

    /// A running HMAC under `key` that has digested what the scheme signs before the
    /// body.
    fn start(&self, key: &HmacSha256, checked: &Checked<'_>) -> HmacSha256 {
        let mut mac = key.clone();
        self.inner.scheme.signed_content.feed_prefix(
            &mut mac,
            checked.timestamp_text.unwrap_or_default(),
            checked.signed_id.unwrap_or_default(),
        );
        mac
    }

    /// Verifies a whole request at once: [`begin`](Self::begin), one
    /// [`update`](PendingVerification::update), [`finish`](PendingVerification::finish).
    pub fn verify<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
    ) -> Result<Verified, VerifyError> {
        // `begin` / `update` / `finish` without moving a pending verification around.
        let checked = self.check(headers)?;
        let digests = self.inner.keys.iter().map(|key| {
            let mut mac = self.start(key, &checked);
            mac.update(body);
            mac.finalize().into_bytes().into()
        });
        let (secret_index, digest) = first_match(digests, checked.candidates.digests())
            .ok_or(VerifyError::NoMatchingSignature)?;
        Ok(Verified {
            verifier: self.clone(),
            timestamp: checked.timestamp,
            secret_index,
            digest,
            delivery_id: checked.delivery_id,
        })
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

    fn check_window(&self, timestamp: i64) -> Result<(), VerifyError> {
        let now = self.inner.clock.now_unix();
        let tolerance = self.inner.tolerance_seconds;
        let difference = i128::from(now) - i128::from(timestamp);
        let saturate = |value: i128| u64::try_from(value).unwrap_or(u64::MAX);
        if difference > i128::from(tolerance) {
            Err(VerifyError::TimestampTooOld {
                age: saturate(difference),
                tolerance: tolerance.unsigned_abs(),
            })
        } else if -difference > i128::from(tolerance) {
            Err(VerifyError::TimestampInFuture {
                ahead: saturate(-difference),
                tolerance: tolerance.unsigned_abs(),
            })
        } else {
            Ok(())
        }
    }
}

fn single_header<'h, H: HeaderSource + ?Sized>(
    headers: &'h H,
    name: &HeaderKey,
    required: bool,
) -> Result<Option<&'h [u8]>, VerifyError> {
    match headers.lookup_key(name) {
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
    tolerance: Duration,
    clock: Arc<dyn Clock>,
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
    /// inclusive. Default 300 s, as every provider guide in this space recommends; a
    /// wider window widens the time an intercepted request can be replayed in.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The clock that says what "now" is. Default the system clock.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Derives the keys and builds the verifier.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if self.secrets.is_empty() {
            return Err(ConfigError::NoSecret);
        }
        let tolerance_seconds =
            i64::try_from(self.tolerance.as_secs()).map_err(|_| ConfigError::ToleranceTooLarge)?;
        let keys =
            self.secrets
                .iter()
                .map(|secret| {
                    let key = self.scheme.secret_encoding.key(secret)?;
                    Ok(HmacSha256::new_from_slice(key.expose())
                        .expect("HMAC takes keys of any length"))
                })
                .collect::<Result<Vec<_>, ConfigError>>()?;
        Ok(Verifier {
            inner: Arc::new(Inner {
                scheme: self.scheme,
                keys,
                tolerance_seconds,
                clock: self.clock,
            }),
        })
    }
}

/// What the headers of a request gave: everything verification needs but the body.
struct Checked<'h> {
    candidates: signature::Candidates,
    timestamp_text: Option<&'h [u8]>,
    timestamp: Option<i64>,
    signed_id: Option<&'h [u8]>,
    delivery_id: Result<HeaderId, VerifyError>,
}

/// The index and digest of the first key whose digest is one of `candidates`. Every
/// digest is compared with every candidate in constant time, without an early exit.
fn first_match(
    digests: impl Iterator<Item = Digest>,
    candidates: &[Digest],
) -> Option<(usize, Digest)> {
    let mut matched = None;
    for (index, expected) in digests.enumerate() {
        let mut any = subtle::Choice::from(0);
        for candidate in candidates {
            any |= digests_equal(&expected, candidate);
        }
        if bool::from(any) && matched.is_none() {
            matched = Some((index, expected));
        }
    }
    matched
}

/// Whether two digests are equal, in constant time: four 64-bit comparisons through
/// `subtle` (each branch-free behind its optimisation barrier) instead of 32 byte-wise
/// ones.
fn digests_equal(a: &Digest, b: &Digest) -> subtle::Choice {
    let (a_words, _) = a.as_chunks::<8>();
    let (b_words, _) = b.as_chunks::<8>();
    a_words
        .iter()
        .zip(b_words)
        .fold(subtle::Choice::from(1), |equal, (a, b)| {
            equal & u64::from_ne_bytes(*a).ct_eq(&u64::from_ne_bytes(*b))
        })
}

/// One running HMAC per key; the first inline, as most verifiers have one key.
#[derive(Default)]
struct Macs {
    first: Option<HmacSha256>,
    rest: Vec<HmacSha256>,
}

impl Macs {
    fn push(&mut self, mac: HmacSha256) {
        if self.first.is_none() {
            self.first = Some(mac);
        } else {
            self.rest.push(mac);
        }
    }

    fn for_each(&mut self, mut f: impl FnMut(&mut HmacSha256)) {
        self.first
            .iter_mut()
            .chain(self.rest.iter_mut())
            .for_each(&mut f);
    }

    fn into_all(self) -> impl Iterator<Item = HmacSha256> {
        self.first.into_iter().chain(self.rest)
    }
}

/// A request whose headers passed; feed it the body, then [`finish`](Self::finish).
pub struct PendingVerification {
    verifier: Verifier,
    macs: Macs,
    candidates: signature::Candidates,
    timestamp: Option<i64>,
    delivery_id: Result<HeaderId, VerifyError>,
    body_len: u64,
}

impl fmt::Debug for PendingVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingVerification")
            .field("scheme", &self.verifier.scheme().name())
            .field("timestamp", &self.timestamp)
            .field("body_len", &self.body_len)
            .finish_non_exhaustive()
    }
}

impl PendingVerification {
    /// Digests the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        self.body_len += chunk.len() as u64;
        self.macs.for_each(|mac| mac.update(chunk));
    }

    /// How many body bytes were digested so far.
    pub fn body_len(&self) -> u64 {
        self.body_len
    }

    /// The verified timestamp, already known from the headers.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }

    /// Compares every signature with every key, in constant time per comparison.
    pub fn finish(self) -> Result<Verified, VerifyError> {
        let digests = self
            .macs
            .into_all()
            .map(|mac| mac.finalize().into_bytes().into());
        let (secret_index, digest) = first_match(digests, self.candidates.digests())
            .ok_or(VerifyError::NoMatchingSignature)?;
        Ok(Verified {
            verifier: self.verifier,
            timestamp: self.timestamp,
            secret_index,
            digest,
            delivery_id: self.delivery_id,
        })
    }
}

/// A request whose signature matched.
#[derive(Clone)]
pub struct Verified {
    verifier: Verifier,
    timestamp: Option<i64>,
    secret_index: usize,
    digest: Digest,
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
    /// SHA-256, safe to log (it reveals nothing about the signature or key).
    pub fn fingerprint(&self) -> String {
        let fingerprint: Digest = Sha256::digest(self.digest).into();
        signature::encode(&fingerprint, crate::scheme::Encoding::Hex)[..32].to_owned()
    }

    /// The fingerprint as a delivery id, `sig:<fingerprint>`: the id of a scheme
    /// that dedupes by signature, and the second key of one whose id the signature
    /// does not cover.
    pub fn fingerprint_id(&self) -> DeliveryId {
        DeliveryId::new(format!("sig:{}", self.fingerprint()))
    }

    /// The response to send, when the verified body is the scheme's endpoint
    /// challenge.
    pub fn challenge(&self, body: &[u8]) -> Option<ChallengeResponse> {
        let challenge = self.verifier.scheme().challenge.as_ref()?;
        challenge::detect_challenge(challenge, body)
    }

    /// Classifies the verified body: an endpoint challenge to answer, or an event
    /// with its delivery id. Reads the body only if the scheme has a challenge or
    /// takes its delivery id from the body.
    pub fn delivery(&self, body: &[u8]) -> Result<Delivery, VerifyError> {
        let scheme = self.verifier.scheme();
        if let Some(response) = self.challenge(body) {
            return Ok(Delivery::Challenge(response));
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

    #[test]
    fn digests_equal_sees_a_difference_in_any_byte() {
        let digest: Digest = std::array::from_fn(|i| u8::try_from(i * 7).unwrap());
        assert!(bool::from(digests_equal(&digest, &digest)));
        for index in 0..32 {
            for flip in [0x01, 0x80] {
                let mut other = digest;
                other[index] ^= flip;
                assert!(!bool::from(digests_equal(&digest, &other)), "{index}");
            }
        }
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
        let (a, b, c) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        assert_eq!(first_match([a, b].into_iter(), &[c, b]), Some((1, b)));
        assert_eq!(first_match([b, b].into_iter(), &[b]), Some((0, b)));
        assert_eq!(first_match([a, b].into_iter(), &[c]), None);
        assert_eq!(first_match([a].into_iter(), &[]), None);
    }
}
