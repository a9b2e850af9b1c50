//! What every adapter does with a request, decided once: verification, the body
//! limit, challenges, dedupe, and the reply for every outcome. An adapter moves the
//! bytes, calls these steps in order and turns a [`Reply`] into its response type.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};

use crate::delivery::{ChallengeResponse, Delivery, DeliveryId};
use crate::error::{PROBLEM_CONTENT_TYPE, Problem, VerifyError};
use crate::headers::HeaderSource;
use crate::store::{Claim, ClaimToken, DeliveryStore, StoreError};
use crate::verifier::{PendingVerification, Verified, Verifier};

/// Default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: u64 = 1024 * 1024;

/// Default time the whole body may take to arrive: 30 s, the delivery timeout the
/// provider guides use.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Default `Retry-After` (seconds) when a copy of the delivery is in flight.
pub const DEFAULT_IN_FLIGHT_RETRY_AFTER: u32 = 5;

/// Default `Retry-After` (seconds) when the delivery store is unavailable.
pub const DEFAULT_STORE_RETRY_AFTER: u32 = 30;

/// The response header set on the 200 answer to an already processed delivery.
pub const DUPLICATE_HEADER: &str = "webhook-duplicate";

/// What to do when the delivery store cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreFailure {
    /// Answer 503 with `Retry-After` and do not run the handler: the provider
    /// retries, nothing is lost and nothing runs twice. The default.
    #[default]
    FailClosed,
    /// Run the handler without dedupe (a duplicate may be processed twice).
    FailOpen,
}

/// The receiving pipeline of one endpoint: a verifier, a delivery store, and the
/// limits. Both adapters run every request through it.
///
/// A `Receiver<()>` ([`without_dedupe`](Self::without_dedupe)) does not deduplicate.
#[derive(Clone)]
#[must_use]
pub struct Receiver<St> {
    verifier: Verifier,
    store: St,
    body_limit: u64,
    read_timeout: Duration,
    detailed_errors: bool,
    store_failure: StoreFailure,
    in_flight_retry_after: u32,
    store_retry_after: u32,
}

impl<St> fmt::Debug for Receiver<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("verifier", &self.verifier)
            .field("store", &std::any::type_name::<St>())
            .field("body_limit", &self.body_limit)
            .field("read_timeout", &self.read_timeout)
            .field("detailed_errors", &self.detailed_errors)
            .field("store_failure", &self.store_failure)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "memory-store")]
impl Receiver<crate::MemoryStore> {
    /// A receiver deduplicating in memory, with the defaults.
    pub fn new(verifier: Verifier) -> Self {
        Self::with_store(verifier, crate::MemoryStore::new())
    }
}

impl<St> Receiver<St> {
    /// A receiver deduplicating through `store`.
    pub fn with_store(verifier: Verifier, store: St) -> Self {
        Self {
            verifier,
            store,
            body_limit: DEFAULT_BODY_LIMIT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            detailed_errors: false,
            store_failure: StoreFailure::FailClosed,
            in_flight_retry_after: DEFAULT_IN_FLIGHT_RETRY_AFTER,
            store_retry_after: DEFAULT_STORE_RETRY_AFTER,
        }
    }

    /// Replaces the delivery store.
    pub fn store<Other>(self, store: Other) -> Receiver<Other> {
        Receiver {
            verifier: self.verifier,
            store,
            body_limit: self.body_limit,
            read_timeout: self.read_timeout,
            detailed_errors: self.detailed_errors,
            store_failure: self.store_failure,
            in_flight_retry_after: self.in_flight_retry_after,
            store_retry_after: self.store_retry_after,
        }
    }

    /// Turns dedupe off: every verified delivery reaches the handler.
    pub fn without_dedupe(self) -> Receiver<()> {
        self.store(())
    }

    /// The largest body accepted, in bytes. Default 1 MiB. A `Content-Length` above
    /// it is refused with 413 before the body is read; a body that grows past it
    /// while streaming is refused as soon as it does.
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long the whole body may take to arrive. Default 30 s; a stalled or
    /// trickling body is answered with 408.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Whether problem bodies name the precise reason of a refusal. Default
    /// `false`: the client gets a generic `detail`, so the endpoint is no oracle for
    /// an attacker; the precise reason is logged. Turn on only for development.
    pub fn detailed_errors(mut self, detailed: bool) -> Self {
        self.detailed_errors = detailed;
        self
    }

    /// What happens when the store is unavailable. Default
    /// [`StoreFailure::FailClosed`].
    pub fn store_failure(mut self, mode: StoreFailure) -> Self {
        self.store_failure = mode;
        self
    }

    /// `Retry-After` seconds of the 409 answered while a copy of the delivery is in
    /// flight. Default 5.
    pub fn in_flight_retry_after(mut self, seconds: u32) -> Self {
        self.in_flight_retry_after = seconds;
        self
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The configured body limit in bytes.
    pub fn limit(&self) -> u64 {
        self.body_limit
    }

    /// The configured read timeout.
    pub fn timeout(&self) -> Duration {
        self.read_timeout
    }

    /// The span an adapter runs one request in: `webhook`, with the scheme, and the
    /// `delivery_id` and `outcome` fields that the steps below record.
    pub fn span(&self) -> tracing::Span {
        tracing::info_span!(
            "webhook",
            scheme = self.verifier.scheme().name(),
            delivery_id = tracing::field::Empty,
            outcome = tracing::field::Empty,
        )
    }

    /// Step 1, before the body: checks the headers and the declared length.
    pub fn begin<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        content_length: Option<u64>,
    ) -> Result<PendingVerification, Outcome> {
        if content_length.is_some_and(|length| length > self.body_limit) {
            return Err(Outcome::Rejected(self.too_large()));
        }
        self.verifier.begin(headers).map_err(Outcome::Rejected)
    }

    /// Step 2, for every chunk: digests it, or refuses once the body passes the limit.
    pub fn update(&self, pending: &mut PendingVerification, chunk: &[u8]) -> Result<(), Outcome> {
        if pending.body_len() + chunk.len() as u64 > self.body_limit {
            return Err(Outcome::Rejected(self.too_large()));
        }
        pending.update(chunk);
        Ok(())
    }

    fn too_large(&self) -> VerifyError {
        VerifyError::BodyTooLarge {
            limit: self.body_limit,
        }
    }

    /// The outcome for a body that could not be read.
    pub fn body_error(&self, reason: impl fmt::Display) -> Outcome {
        Outcome::Rejected(VerifyError::BodyRead {
            reason: reason.to_string(),
        })
    }

    /// The outcome for a body that did not arrive within the read timeout.
    pub fn body_timeout(&self) -> Outcome {
        Outcome::Rejected(VerifyError::BodyTimeout {
            seconds: self.read_timeout.as_secs(),
        })
    }

    /// The reply for an outcome.
    pub fn reply(&self, outcome: &Outcome) -> Reply {
        match outcome {
            Outcome::Rejected(error) => Reply::problem(&error.problem(self.detailed_errors)),
            Outcome::Challenge(response) => Reply {
                status: ChallengeResponse::STATUS,
                content_type: Some(ChallengeResponse::CONTENT_TYPE),
                headers: Vec::new(),
                body: response.body().to_owned(),
            },
            Outcome::Duplicate => Reply {
                status: 200,
                content_type: None,
                headers: vec![(DUPLICATE_HEADER, "true".to_owned())],
                body: String::new(),
            },
            Outcome::InFlight => {
                Reply::problem(&Problem::delivery_in_flight(self.in_flight_retry_after))
            }
            Outcome::StoreUnavailable(_) => {
                Reply::problem(&Problem::store_unavailable(self.store_retry_after))
            }
        }
    }
}

impl<St: DeliveryStore + Clone> Receiver<St> {
    /// Step 3, with the whole body: compares the signatures, answers a challenge,
    /// and claims the delivery (recording its id in the current span's
    /// `delivery_id` field). On `Ok` run the handler, then settle the claim.
    ///
    /// The signatures are compared when this is called; the returned future only
    /// claims, so it holds neither `pending` nor `body`.
    pub fn admit<'r>(
        &'r self,
        pending: PendingVerification,
        body: &[u8],
    ) -> impl Future<Output = Result<Admitted<St>, Outcome>> + Send + use<'r, St> {
        let classified = classify(pending, body, self.store.deduplicates());
        async move {
            let (verified, delivery_id) = classified?;
            let Some(id) = delivery_id else {
                return Ok(Admitted::new(&verified, None, None));
            };
            // The adapters' `webhook` span has this field: duplicates and in-flight
            // copies are logged with their id too.
            tracing::Span::current().record("delivery_id", id.as_str());
            match self.store.claim(&id).await {
                Ok(Claim::Claimed(token)) => {
                    let claim = ClaimedDelivery {
                        store: self.store.clone(),
                        id: id.clone(),
                        token,
                    };
                    Ok(Admitted::new(&verified, Some(id), Some(claim)))
                }
                Ok(Claim::Done) => Err(Outcome::Duplicate),
                Ok(Claim::InFlight) => Err(Outcome::InFlight),
                Err(error) => match self.store_failure {
                    StoreFailure::FailClosed => Err(Outcome::StoreUnavailable(error)),
                    StoreFailure::FailOpen => {
                        tracing::warn!(%error, "delivery store unavailable; processing without dedupe (fail open)");
                        Ok(Admitted::new(&verified, Some(id), None).unguarded(error))
                    }
                },
            }
        }
    }
}

/// Compares the signatures, answers a challenge, and (only when the delivery will be
/// deduplicated) finds the delivery id: without dedupe, a body without an id is fine.
fn classify(
    pending: PendingVerification,
    body: &[u8],
    needs_id: bool,
) -> Result<(Verified, Option<DeliveryId>), Outcome> {
    let verified = pending.finish().map_err(Outcome::Rejected)?;
    if !needs_id {
        return match verified.challenge(body) {
            Some(response) => Err(Outcome::Challenge(response)),
            None => Ok((verified, None)),
        };
    }
    match verified.delivery(body).map_err(Outcome::Rejected)? {
        Delivery::Challenge(response) => Err(Outcome::Challenge(response)),
        Delivery::Event { delivery_id } => Ok((verified, delivery_id)),
    }
}

/// A request that ends without reaching the handler, and why.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Refused: not authentic, malformed, too large, too slow.
    Rejected(VerifyError),
    /// A verified endpoint challenge, answered.
    Challenge(ChallengeResponse),
    /// Processed before: answered 200 with [`DUPLICATE_HEADER`].
    Duplicate,
    /// Another copy is being processed: answered 409 with `Retry-After`. A 409 is
    /// not a success, so the provider retries, and by then the first copy has
    /// settled: the retry is answered 200 if it succeeded, processed if it failed.
    InFlight,
    /// The store could not be reached (fail closed): answered 503 with
    /// `Retry-After`.
    StoreUnavailable(StoreError),
}

impl Outcome {
    /// Logs the outcome with `tracing` (refusals at `debug` with their precise
    /// reason, an unavailable store at `warn`) and records its name in the current
    /// span's `outcome` field. Never logs a secret or a signature.
    pub fn log(&self) {
        tracing::Span::current().record("outcome", self.name());
        match self {
            Self::Rejected(error) => tracing::debug!(reason = %error, "webhook refused"),
            Self::StoreUnavailable(error) => {
                tracing::warn!(%error, "delivery store unavailable; answered 503");
            }
            Self::Challenge(_) | Self::Duplicate | Self::InFlight => {}
        }
    }

    /// A short name for logs and metrics: the error kind, or `challenge`,
    /// `duplicate`, `in_flight`, `store_unavailable`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Rejected(error) => error.kind(),
            Self::Challenge(_) => "challenge",
            Self::Duplicate => "duplicate",
            Self::InFlight => "in_flight",
            Self::StoreUnavailable(_) => "store_unavailable",
        }
    }
}

/// A framework-free HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`, when there is a body.
    pub content_type: Option<&'static str>,
    /// Further headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: String,
}

impl Reply {
    /// The reply carrying an RFC 9457 problem.
    pub fn problem(problem: &Problem) -> Self {
        let mut headers = Vec::new();
        if let Some(seconds) = problem.retry_after {
            headers.push(("retry-after", seconds.to_string()));
        }
        Self {
            status: problem.status,
            content_type: Some(PROBLEM_CONTENT_TYPE),
            headers,
            body: problem.to_json(),
        }
    }
}

/// What the handler learns about a verified delivery (both adapters' `VerifiedWebhook`
/// extractor dereferences to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryInfo {
    scheme: Cow<'static, str>,
    delivery_id: Option<DeliveryId>,
    timestamp: Option<i64>,
    secret_index: usize,
}

impl DeliveryInfo {
    /// The scheme's name (`github`, `stripe`, ...).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The delivery id, when the scheme has a source for one.
    pub fn delivery_id(&self) -> Option<&DeliveryId> {
        self.delivery_id.as_ref()
    }

    /// The verified timestamp (unix seconds), when the request carried one.
    pub fn timestamp(&self) -> Option<i64> {
        self.timestamp
    }

    /// Which configured secret matched (0 = the first added): watch it during a
    /// rotation to know when the old secret can go.
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }
}

/// Collects a body's chunks for the handler without copying a body that arrived
/// in one chunk; a body in several chunks is joined once.
#[derive(Debug, Default)]
pub struct BodyBuffer {
    first: Option<Bytes>,
    joined: Option<BytesMut>,
    capacity: usize,
}

impl BodyBuffer {
    /// A buffer expecting about `expected` bytes (the `Content-Length`, if any,
    /// never more than the body limit).
    pub fn new(expected: Option<u64>, limit: u64) -> Self {
        Self {
            first: None,
            joined: None,
            capacity: usize::try_from(expected.unwrap_or(0).min(limit)).unwrap_or(0),
        }
    }

    /// Appends a chunk (already digested by [`Receiver::update`]).
    pub fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        if let Some(joined) = self.joined.as_mut() {
            joined.extend_from_slice(&chunk);
        } else if let Some(previous) = self.first.take() {
            let mut joined =
                BytesMut::with_capacity(self.capacity.max(previous.len() + chunk.len()));
            joined.extend_from_slice(&previous);
            joined.extend_from_slice(&chunk);
            self.joined = Some(joined);
        } else {
            self.first = Some(chunk);
        }
    }

    /// The whole body.
    pub fn finish(self) -> Bytes {
        self.joined
            .map(BytesMut::freeze)
            .or(self.first)
            .unwrap_or_default()
    }
}

/// A verified, first-time delivery: run the handler, then settle the claim with
/// [`ClaimGuard::settle`] (or [`ClaimedDelivery::settle`] /
/// [`ClaimedDelivery::release`]).
#[derive(Debug)]
pub struct Admitted<St> {
    /// What the handler learns.
    pub info: DeliveryInfo,
    /// The claim to settle after the handler, when the delivery is deduplicated.
    pub claim: Option<ClaimedDelivery<St>>,
    /// Set when the store failed and [`StoreFailure::FailOpen`] let the delivery
    /// through without dedupe.
    pub store_error: Option<StoreError>,
}

impl<St> Admitted<St> {
    fn new(
        verified: &Verified,
        delivery_id: Option<DeliveryId>,
        claim: Option<ClaimedDelivery<St>>,
    ) -> Self {
        Self {
            info: DeliveryInfo {
                scheme: verified.scheme().name.clone(),
                delivery_id,
                timestamp: verified.timestamp(),
                secret_index: verified.secret_index(),
            },
            claim,
            store_error: None,
        }
    }

    fn unguarded(mut self, error: StoreError) -> Self {
        self.store_error = Some(error);
        self
    }
}

/// A claim this request owns.
#[derive(Debug)]
pub struct ClaimedDelivery<St> {
    store: St,
    id: DeliveryId,
    token: ClaimToken,
}

impl<St: DeliveryStore> ClaimedDelivery<St> {
    /// The handler answered with `status`: complete the claim on 2xx, release it
    /// otherwise so that the provider's retry is processed.
    pub async fn settle(self, status: u16) -> Result<(), StoreError> {
        if (200..300).contains(&status) {
            self.store.complete(&self.id, &self.token).await
        } else {
            self.store.release(&self.id, &self.token).await
        }
    }

    /// Releases the claim: for a handler that failed, panicked, or a request that
    /// was dropped. Owns everything, so an adapter can spawn it from `Drop`.
    pub async fn release(self) -> Result<(), StoreError> {
        self.store.release(&self.id, &self.token).await
    }

    /// The delivery id.
    pub fn id(&self) -> &DeliveryId {
        &self.id
    }
}

/// A boxed release, handed to the adapter's spawner by [`ClaimGuard`].
pub type ReleaseFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Holds a claim while the handler runs, and settles it exactly once: by
/// [`settle`](Self::settle) with the handler's status, or, if the guard is dropped
/// first (the handler panicked, the request was dropped), by a release handed to
/// `spawn`, so that the provider's retry is processed. Without a way to spawn, the
/// claim expires with its lease.
pub struct ClaimGuard<St: DeliveryStore> {
    claim: Option<ClaimedDelivery<St>>,
    spawn: fn(ReleaseFuture),
}

impl<St: DeliveryStore> fmt::Debug for ClaimGuard<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimGuard")
            .field("claim", &self.claim.as_ref().map(ClaimedDelivery::id))
            .finish_non_exhaustive()
    }
}

/// The name of a handler's outcome, for the span's `outcome` field: `processed`
/// (2xx), `handler_failed` (another status), `handler_error` (no response).
pub fn handler_outcome(status: Option<u16>) -> &'static str {
    match status {
        Some(status) if (200..300).contains(&status) => "processed",
        Some(_) => "handler_failed",
        None => "handler_error",
    }
}

impl<St: DeliveryStore> ClaimGuard<St> {
    /// Guards `claim` (none: nothing to settle).
    pub fn new(claim: Option<ClaimedDelivery<St>>, spawn: fn(ReleaseFuture)) -> Self {
        Self { claim, spawn }
    }

    /// Completes the claim on a 2xx `status`, releases it otherwise (`None`: the
    /// handler failed without a response), and records the handler's outcome in the
    /// current span. A store that fails here is logged: the claim then expires with
    /// its lease.
    pub async fn settle(mut self, status: Option<u16>) {
        tracing::Span::current().record("outcome", handler_outcome(status));
        let Some(claim) = self.claim.take() else {
            return;
        };
        let settled = match status {
            Some(status) => claim.settle(status).await,
            None => claim.release().await,
        };
        if let Err(error) = settled {
            tracing::warn!(%error, "could not settle the delivery claim; it expires with its lease");
        }
    }
}

impl<St: DeliveryStore> Drop for ClaimGuard<St> {
    fn drop(&mut self) {
        if let Some(claim) = self.claim.take() {
            (self.spawn)(Box::pin(async move {
                // Nothing to report to: a failed release expires with its lease.
                let _ = claim.release().await;
            }));
        }
    }
}

/// No store: nothing is deduplicated, and no delivery id is needed.
impl DeliveryStore for () {
    fn deduplicates(&self) -> bool {
        false
    }

    async fn claim(&self, _id: &DeliveryId) -> Result<Claim, StoreError> {
        Ok(Claim::Claimed(ClaimToken::from_u128(0)))
    }

    async fn complete(&self, _id: &DeliveryId, _token: &ClaimToken) -> Result<(), StoreError> {
        Ok(())
    }

    async fn release(&self, _id: &DeliveryId, _token: &ClaimToken) -> Result<(), StoreError> {
        Ok(())
    }
}
