//! The request pipeline, written once for every adapter.
//!
//! A [`Receiver`] is one endpoint's configuration: a [`Verifier`], a
//! [`DeliveryStore`], the body limit and read timeout, the body budget, and how
//! refusals are answered. Its [`begin`](Receiver::begin) and
//! [`run`](Receiver::run) are the whole of request handling without an HTTP
//! framework: the header checks, the body read (digested chunk by chunk, within the
//! limit, the timeout and the budget), the signature comparison, the endpoint
//! challenge, the claim in the store, the handler call, and completing or releasing
//! the claim. Every refusal comes back as a [`Reply`], a framework-free response.
//!
//! # Writing an adapter
//!
//! An adapter moves bytes and maps replies; it decides nothing. For each request:
//!
//! 1. [`Receiver::begin`] with the request's head (method, path and query, and the
//!    headers, anything implementing [`HeaderSource`]) and its declared
//!    `Content-Length`: a refusal is answered at once, before any of the body is
//!    read.
//! 2. [`Receiver::run`] with the body as a stream of chunks, a function that sleeps
//!    (the read timer), a function that spawns (to release the claim of a request
//!    dropped mid-handler), the request itself as a context, and the handler: a
//!    closure that gets the context back with the verified [`DeliveryInfo`] and
//!    body, and returns its output with the HTTP status it answered (`None` when it
//!    failed without one).
//! 3. Map `Ok(output)` to the framework's response as is, and `Err((reply, left))`
//!    to a response built from the [`Reply`]; `left` ([`Unanswered`]) gives back
//!    the context when the handler did not run, or the handler's output when its
//!    answer was withdrawn (a store that commits the handler's effects could not
//!    commit them).
//!
//! ```
//! use std::convert::Infallible;
//! use std::time::Duration;
//!
//! use bytes::Bytes;
//! use webhook_gate::receive::{Receiver, ReleaseFuture};
//! use webhook_gate::verify::RequestHead;
//! use webhook_gate::{Preset, Signer, Verifier};
//!
//! fn spawn(release: ReleaseFuture) {
//!     // A real adapter hands it to its runtime (tokio::spawn).
//!     drop(release);
//! }
//!
//! # use futures_util::FutureExt as _;
//! # async {
//! let receiver = Receiver::new(Verifier::new(Preset::GitHub.scheme(), "secret")?);
//! let body = br#"{"zen":"Keep it logically awesome."}"#;
//! let headers = Signer::new(Preset::GitHub.scheme(), "secret")?.sign(body, &Default::default());
//!
//! let head = RequestHead::new("POST", "/webhooks/github", &headers);
//! let pending = receiver.begin(&head, Some(body.len() as u64)).expect("valid headers");
//! let chunks = futures_util::stream::iter([Ok::<_, Infallible>(Bytes::from_static(body))]);
//! let answered = receiver
//!     .run(pending, chunks, |_: Duration| std::future::pending::<()>(), spawn, (), |(), info, body| async move {
//!         assert_eq!(info.scheme(), "github");
//!         (body.len(), Some(200))
//!     })
//!     .await;
//! assert_eq!(answered.ok(), Some(body.len()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }.now_or_never().expect("nothing to wait for").unwrap();
//! ```
//!
//! # Metrics
//!
//! With the feature `metrics`, every receiver records through the
//! [`metrics`](https://docs.rs/metrics) facade (install any recorder: the examples
//! use `metrics-exporter-prometheus` and serve `GET /metrics`). Every series carries
//! `scheme` (the scheme's name) and `route` ([`Receiver::route`], by default the
//! scheme's name):
//!
//! - `webhook_gate_requests_total` (counter), by `outcome`: `processed`,
//!   `handler_failed` (the handler answered another status), `handler_error` (no
//!   response), `duplicate`, `in_flight`, `handshake`, `store_unavailable`, `busy`,
//!   or `rejected` with the refusal's kind in `reason` (`bad_signature`,
//!   `missing_signature`, `timestamp_too_old`, `body_too_large`, ...; empty for
//!   the others);
//! - `webhook_gate_verification_seconds` (histogram): from the first body byte
//!   awaited to the verdict on the signature (body arrival included);
//! - `webhook_gate_handler_seconds` (histogram), by `outcome` as above;
//! - `webhook_gate_store_errors_total` (counter), by `operation` (`complete`,
//!   `release`, `renew`): a store that failed after the claim (the claim then
//!   expires with its lease).
//!
//! No label holds a delivery id, a signature or a secret.

use std::borrow::Cow;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;

use crate::challenge::ChallengeResponse;
use crate::delivery::{Delivery, DeliveryId};
use crate::error::{PROBLEM_CONTENT_TYPE, Problem, VerifyError};
use crate::headers::{HeaderLookup, HeaderSource};
use crate::meter;
use crate::store::{
    Claim, ClaimContext, ClaimToken, DeliveryKey, DeliveryStore, Namespace, StoreError,
};
use crate::verify::{PendingVerification, RequestHead, Verified, Verifier};

/// Default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: u64 = 1024 * 1024;

/// Default budget of body bytes held at once by one receiver (and its clones):
/// 64 MiB, 64 bodies at the default limit.
pub const DEFAULT_BODY_BUDGET: u64 = 64 * 1024 * 1024;

/// Default time the whole body may take to arrive: 30 s, the delivery timeout the
/// provider guides use.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Default `Retry-After` (seconds) when a copy of the delivery is in flight.
pub const DEFAULT_IN_FLIGHT_RETRY_AFTER: u32 = 5;

/// Default `Retry-After` (seconds) when the delivery store is unavailable, or the
/// body budget is spent.
pub const DEFAULT_STORE_RETRY_AFTER: u32 = 30;

/// The response header set on the 200 answer to an already processed delivery.
pub const DUPLICATE_HEADER: &str = "webhook-duplicate";

/// The part of a body buffer reserved ahead of the bytes, whatever the declared
/// `Content-Length`: memory follows what arrives, not what is promised.
const MAX_RESERVED_AHEAD: usize = 16 * 1024;

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

/// A budget of body bytes held at once, shared by every clone of the receivers it
/// is given to. A request whose declared `Content-Length` does not fit is refused
/// with 503 and `Retry-After` before its body is read; a body that outgrows what is
/// left while it streams is refused as soon as it does. Bytes are counted as they
/// arrive (a declared length reserves nothing) and given back when the request ends.
#[derive(Clone)]
pub struct BodyBudget {
    inner: Arc<BudgetInner>,
}

struct BudgetInner {
    limit: u64,
    used: AtomicU64,
}

impl fmt::Debug for BodyBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyBudget")
            .field("limit", &self.inner.limit)
            .field("used", &self.used())
            .finish()
    }
}

impl BodyBudget {
    /// A budget of `bytes`.
    pub fn new(bytes: u64) -> Self {
        Self {
            inner: Arc::new(BudgetInner {
                limit: bytes,
                used: AtomicU64::new(0),
            }),
        }
    }

    /// The budget in bytes.
    pub fn limit(&self) -> u64 {
        self.inner.limit
    }

    /// The body bytes held right now.
    pub fn used(&self) -> u64 {
        self.inner.used.load(Ordering::Relaxed)
    }

    /// Whether `bytes` more would fit now.
    fn has_room(&self, bytes: u64) -> bool {
        self.used().saturating_add(bytes) <= self.inner.limit
    }

    /// Takes `bytes`, unless that would pass the budget.
    fn take(&self, bytes: u64) -> bool {
        self.inner
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes)
                    .filter(|&total| total <= self.inner.limit)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: u64) {
        self.inner.used.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// The bytes one request holds of a [`BodyBudget`], given back on drop.
struct BudgetHold {
    budget: BodyBudget,
    bytes: u64,
}

impl BudgetHold {
    fn grow(&mut self, bytes: u64) -> bool {
        let taken = self.budget.take(bytes);
        if taken {
            self.bytes += bytes;
        }
        taken
    }
}

impl Drop for BudgetHold {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.budget.give_back(self.bytes);
        }
    }
}

/// The receiving pipeline of one endpoint: a verifier, a delivery store, and the
/// limits. Both adapters run every request through it; configure it here, once,
/// and hand it to either (`WebhookLayer::from(receiver)`,
/// `WebhookGate::from(receiver)`).
///
/// A `Receiver<()>` ([`without_dedupe`](Self::without_dedupe)) does not deduplicate.
///
/// ```
/// use std::time::Duration;
/// use webhook_gate::receive::{BodyBudget, Receiver, StoreFailure};
/// use webhook_gate::{MemoryStore, Preset, Verifier};
///
/// let verifier = Verifier::new(Preset::Stripe.scheme(), "whsec_...")?;
/// let receiver = Receiver::new(verifier)
///     .store(MemoryStore::builder().done_ttl(Duration::from_secs(7 * 24 * 3600)).build())
///     .body_limit(256 * 1024)
///     .read_timeout(Duration::from_secs(10))
///     .body_budget(BodyBudget::new(32 * 1024 * 1024))
///     .store_failure(StoreFailure::FailClosed)
///     .store_retry_after(10);
/// # let _ = receiver;
/// # Ok::<(), webhook_gate::ConfigError>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct Receiver<St> {
    verifier: Verifier,
    store: St,
    namespace: Namespace,
    body_limit: u64,
    read_timeout: Duration,
    body_budget: BodyBudget,
    detailed_errors: bool,
    store_failure: StoreFailure,
    in_flight_retry_after: u32,
    store_retry_after: u32,
    problem_type_base: Option<Arc<str>>,
    route: meter::Route,
}

impl<St> fmt::Debug for Receiver<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("verifier", &self.verifier)
            .field("store", &std::any::type_name::<St>())
            .field("namespace", &self.namespace)
            .field("body_limit", &self.body_limit)
            .field("read_timeout", &self.read_timeout)
            .field("body_budget", &self.body_budget)
            .field("detailed_errors", &self.detailed_errors)
            .field("store_failure", &self.store_failure)
            .field("in_flight_retry_after", &self.in_flight_retry_after)
            .field("store_retry_after", &self.store_retry_after)
            .field("route", &self.route.route)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "memory-store")]
impl Receiver<crate::store::MemoryStore> {
    /// A receiver deduplicating in memory (done ids kept 72 h, in-flight leases of
    /// 60 s), with a 1 MiB body limit, a 30 s read timeout, a 64 MiB body budget and
    /// generic error details.
    pub fn new(verifier: Verifier) -> Self {
        Self::with_store(verifier, crate::store::MemoryStore::new())
    }
}

impl<St> Receiver<St> {
    /// A receiver deduplicating through `store`, with the defaults of
    /// [`new`](Receiver::new).
    pub fn with_store(verifier: Verifier, store: St) -> Self {
        let name = verifier.scheme().name.clone();
        Self {
            namespace: Namespace::of_verifier(&verifier),
            route: meter::Route {
                scheme: name.clone(),
                route: name,
            },
            verifier,
            store,
            body_limit: DEFAULT_BODY_LIMIT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            body_budget: BodyBudget::new(DEFAULT_BODY_BUDGET),
            detailed_errors: false,
            store_failure: StoreFailure::FailClosed,
            in_flight_retry_after: DEFAULT_IN_FLIGHT_RETRY_AFTER,
            store_retry_after: DEFAULT_STORE_RETRY_AFTER,
            problem_type_base: None,
        }
    }

    /// Deduplicates through `store` instead (a shared store for several replicas).
    pub fn store<Other>(self, store: Other) -> Receiver<Other> {
        Receiver {
            verifier: self.verifier,
            store,
            route: self.route,
            namespace: self.namespace,
            body_limit: self.body_limit,
            read_timeout: self.read_timeout,
            body_budget: self.body_budget,
            detailed_errors: self.detailed_errors,
            store_failure: self.store_failure,
            in_flight_retry_after: self.in_flight_retry_after,
            store_retry_after: self.store_retry_after,
            problem_type_base: self.problem_type_base,
        }
    }

    /// The namespace of this route's delivery ids in the store. Default: the
    /// scheme's name and a fingerprint of the verifier's secrets
    /// ([`Namespace::of_verifier`]), so that routes sharing a store never claim
    /// each other's ids, even when a sender holds one route's secret.
    ///
    /// Name one yourself to keep dedupe across a secret rotation (the default
    /// changes with the secrets: ids completed before the change are not
    /// recognised after it), or to make two routes share their ids on purpose.
    /// Routes with different senders must not share a namespace.
    pub fn namespace(mut self, namespace: impl AsRef<str>) -> Self {
        self.namespace = Namespace::new(namespace);
        self
    }

    /// The route's name in metrics (the `route` label, feature `metrics`). Default
    /// the scheme's name; name routes apart when two share a scheme.
    pub fn route(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.route.route = name.into();
        self
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

    /// The budget of body bytes this receiver holds at once. Default 64 MiB, a
    /// budget of its own; give several receivers clones of one [`BodyBudget`] to
    /// bound them together. Past it, requests get 503 with `Retry-After` (the
    /// store's, [`store_retry_after`](Self::store_retry_after)).
    pub fn body_budget(mut self, budget: BodyBudget) -> Self {
        self.body_budget = budget;
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

    /// `Retry-After` seconds of the 503 answered when the store is unavailable or
    /// the body budget is spent. Default 30.
    pub fn store_retry_after(mut self, seconds: u32) -> Self {
        self.store_retry_after = seconds;
        self
    }

    /// Where your problem pages live: problem types become `base` followed by the
    /// kind (`https://example.com/problems/` gives
    /// `https://example.com/problems/invalid-signature`). Default: `tag:` URIs
    /// ([`PROBLEM_TYPE_PREFIX`](crate::error::PROBLEM_TYPE_PREFIX)) that point at no
    /// host.
    pub fn problem_type_base(mut self, base: impl Into<String>) -> Self {
        self.problem_type_base = Some(Arc::from(base.into()));
        self
    }

    fn problem_reply(&self, problem: Problem) -> Reply {
        match &self.problem_type_base {
            Some(base) => Reply::problem(&problem.with_type_base(base)),
            None => Reply::problem(&problem),
        }
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The span an adapter runs one request in: `webhook`, with the scheme, and the
    /// `delivery_id` and `outcome` fields that the pipeline records.
    pub fn span(&self) -> tracing::Span {
        tracing::info_span!(
            "webhook",
            scheme = self.verifier.scheme().name(),
            delivery_id = tracing::field::Empty,
            outcome = tracing::field::Empty,
        )
    }

    /// Step 1, before the body: checks the headers and the declared length (413
    /// above the body limit, 503 when it does not fit the body budget). A refusal
    /// is logged and comes back as the reply to send.
    pub fn begin<H: HeaderSource + ?Sized>(
        &self,
        head: &RequestHead<'_, H>,
        content_length: Option<u64>,
    ) -> Result<PendingVerification, Reply> {
        self.check_head(head, content_length).map_err(|outcome| {
            let mut reply = self.refuse(&outcome);
            // A body declared or chunked, and not read: the connection goes with it.
            reply.close = content_length.map_or_else(
                || head.headers.lookup("transfer-encoding") != HeaderLookup::Absent,
                |length| length > 0,
            );
            reply
        })
    }

    fn check_head<H: HeaderSource + ?Sized>(
        &self,
        head: &RequestHead<'_, H>,
        content_length: Option<u64>,
    ) -> Result<PendingVerification, Outcome> {
        if let Some(answer) = self.verifier.handshake(head) {
            return Err(answer.map_or_else(Outcome::Rejected, Outcome::Challenge));
        }
        if let Some(length) = content_length {
            if length > self.body_limit {
                return Err(Outcome::Rejected(self.too_large()));
            }
            if !self.body_budget.has_room(length) {
                return Err(Outcome::Busy);
            }
        }
        self.verifier.begin_request(head).map_err(Outcome::Rejected)
    }

    fn too_large(&self) -> VerifyError {
        VerifyError::BodyTooLarge {
            limit: self.body_limit,
        }
    }

    /// Logs and counts `outcome`, and gives the reply for it.
    fn refuse(&self, outcome: &Outcome) -> Reply {
        outcome.log();
        let (counted, reason) = match outcome {
            Outcome::Rejected(error) => ("rejected", error.kind()),
            Outcome::Challenge(_) => ("handshake", ""),
            other => (other.name(), ""),
        };
        meter::request(&self.route, counted, reason);
        self.reply(outcome)
    }

    /// The reply for an outcome.
    pub fn reply(&self, outcome: &Outcome) -> Reply {
        match outcome {
            Outcome::Rejected(error) => self.problem_reply(error.problem(self.detailed_errors)),
            Outcome::Challenge(response) => Reply {
                status: response.status(),
                content_type: Some(response.content_type()),
                headers: response.headers().to_vec(),
                body: response.body().to_owned(),
                close: false,
            },
            Outcome::Duplicate => Reply {
                status: 200,
                content_type: None,
                headers: vec![(Cow::Borrowed(DUPLICATE_HEADER), "true".to_owned())],
                body: String::new(),
                close: false,
            },
            Outcome::InFlight => {
                self.problem_reply(Problem::delivery_in_flight(self.in_flight_retry_after))
            }
            Outcome::StoreUnavailable(_) => {
                self.problem_reply(Problem::store_unavailable(self.store_retry_after))
            }
            Outcome::Busy => self.problem_reply(Problem::busy(self.store_retry_after)),
        }
    }

    /// Reads `body` to its end within the limit, the budget and the read timeout,
    /// digesting each chunk as it arrives.
    async fn read_body<B, E, Sl>(
        &self,
        pending: &mut PendingVerification,
        hold: &mut BudgetHold,
        body: B,
        sleep: impl FnOnce(Duration) -> Sl,
    ) -> Result<Bytes, Outcome>
    where
        B: Stream<Item = Result<Bytes, E>>,
        E: fmt::Display,
        Sl: Future<Output = ()>,
    {
        let reading = async {
            let mut body = pin!(body);
            let mut buffer = BodyBuffer::new();
            while let Some(chunk) = poll_fn(|cx| body.as_mut().poll_next(cx)).await {
                let chunk = chunk.map_err(|error| {
                    Outcome::Rejected(VerifyError::BodyRead {
                        reason: error.to_string(),
                    })
                })?;
                let length = chunk.len() as u64;
                if pending.body_len() + length > self.body_limit {
                    return Err(Outcome::Rejected(self.too_large()));
                }
                if !hold.grow(length) {
                    return Err(Outcome::Busy);
                }
                pending.update(&chunk);
                buffer.push(chunk);
            }
            Ok(buffer.finish())
        };
        // A small body is usually complete when the request arrives: read it without
        // arming a timer, and start the clock only if the body has to be waited for.
        // The timer is boxed: it is rarely needed, and inline it would grow every
        // request's future.
        let mut reading = pin!(reading);
        if let Poll::Ready(result) = poll_fn(|cx| Poll::Ready(reading.as_mut().poll(cx))).await {
            return result;
        }
        let mut timer = Box::pin(sleep(self.read_timeout));
        poll_fn(|cx| {
            if let Poll::Ready(result) = reading.as_mut().poll(cx) {
                return Poll::Ready(result);
            }
            timer.as_mut().poll(cx).map(|()| {
                Err(Outcome::Rejected(VerifyError::BodyTimeout {
                    seconds: self.read_timeout.as_secs(),
                }))
            })
        })
        .await
    }
}

impl<St: DeliveryStore + Clone> Receiver<St> {
    /// Step 2, with the body: reads it (see the [module docs](self)), compares the
    /// signatures, answers a challenge, claims the delivery, runs `handler`, and
    /// completes the claim when the handler answered 2xx or releases it otherwise.
    ///
    /// - `body`: the request body's chunks.
    /// - `sleep`: a timer (`tokio::time::sleep`), armed when the body has to be
    ///   waited for, and between renewals of the claim while the handler runs.
    /// - `spawn`: runs the release of a claim whose request was dropped while the
    ///   handler ran (`tokio::spawn`).
    /// - `context`: whatever the adapter needs back, to call the handler or to build
    ///   a refusal (the request, the inner service).
    /// - `handler`: gets the context, the [`DeliveryInfo`] and the verified body;
    ///   returns its output and the HTTP status it answered (`None`: it failed
    ///   without one).
    ///
    /// Returns the handler's output, or the reply to send instead (logged, with the
    /// outcome and the delivery id recorded in the current span) with what is left
    /// ([`Unanswered`]): the context when the handler did not run, or the handler's
    /// output when its answer must not be sent (a store that commits the handler's
    /// effects could not commit them).
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one thing an adapter brings"
    )]
    pub async fn run<B, E, Sl, C, H, Fut, Out>(
        &self,
        mut pending: PendingVerification,
        body: B,
        sleep: impl Fn(Duration) -> Sl,
        spawn: fn(ReleaseFuture),
        context: C,
        handler: H,
    ) -> Result<Out, (Reply, Unanswered<C, Out>)>
    where
        B: Stream<Item = Result<Bytes, E>>,
        E: fmt::Display,
        Sl: Future<Output = ()>,
        H: FnOnce(C, DeliveryInfo, Bytes) -> Fut,
        Fut: Future<Output = (Out, Option<u16>)>,
    {
        let mut hold = BudgetHold {
            budget: self.body_budget.clone(),
            bytes: 0,
        };
        let started = meter::Started::now();
        // `pending` and the body are scoped to the read: a local stays in the future
        // until its scope ends, even once moved.
        let (bytes, admitting) = {
            let bytes = match self.read_body(&mut pending, &mut hold, body, &sleep).await {
                Ok(bytes) => bytes,
                Err(outcome) => {
                    // Too large, too slow, over the budget, or broken: the rest of the
                    // body is not read, so the connection is not reused.
                    let mut reply = self.refuse(&outcome);
                    reply.close = true;
                    return Err((reply, Unanswered::Before(context)));
                }
            };
            let admitting = self.admit(pending, &bytes, spawn);
            // The signatures were compared when `admit` was called.
            meter::verification(&self.route, started.seconds());
            (bytes, admitting)
        };
        let admitted = match admitting.await {
            Ok(admitted) => admitted,
            Err(outcome) => return Err((self.refuse(&outcome), Unanswered::Before(context))),
        };
        let guard = ClaimGuard {
            claim: admitted.claim,
            spawn,
        };
        let handling = handler(context, admitted.info, bytes);
        let started = meter::Started::now();
        let (output, status) = match (&guard.claim, self.store.lease()) {
            (Some(claim), Some(lease)) => {
                claim
                    .renewing_while(lease, &sleep, &self.route, handling)
                    .await
            }
            _ => handling.await,
        };
        let outcome = handler_outcome(status);
        meter::handler(&self.route, outcome, started.seconds());
        let settled = guard.settle(status, &self.route).await;
        drop(hold);
        match settled {
            // The effects went with the failed commit: the provider must retry.
            Err(error) if self.store.commits_effects() && outcome == "processed" => {
                let outcome = Outcome::StoreUnavailable(error);
                Err((self.refuse(&outcome), Unanswered::After(output)))
            }
            _ => {
                meter::request(&self.route, outcome, "");
                Ok(output)
            }
        }
    }

    /// Compares the signatures, answers a challenge, and claims the delivery
    /// (recording its id in the current span's `delivery_id` field).
    ///
    /// The signatures are compared when this is called; the returned future only
    /// claims, so it holds neither `pending` nor `body`.
    fn admit<'r>(
        &'r self,
        pending: PendingVerification,
        body: &[u8],
        spawn: fn(ReleaseFuture),
    ) -> impl Future<Output = Result<Admitted<St>, Outcome>> + use<'r, St> {
        let classified = classify(pending, body, self.store.deduplicates());
        async move {
            let (verified, delivery_id) = classified?;
            let Some(id) = delivery_id else {
                // An exactly-once store has nothing to claim, so no transaction to
                // give the handler: a route set up so is refused, not run bare.
                if self.store.commits_effects() {
                    return Err(Outcome::StoreUnavailable(StoreError::new(
                        "the scheme gives no delivery id: a store that commits the handler's effects cannot claim the delivery",
                    )));
                }
                return Ok(Admitted::new(&verified, None, None));
            };
            // The adapters' `webhook` span has this field: duplicates and in-flight
            // copies are logged with their id too.
            tracing::Span::current().record("delivery_id", id.as_str());
            // An id the signature does not cover is claimed with the signature's
            // fingerprint: a capture replayed under a fresh id finds it taken. Both
            // live in the route's namespace: another route's sender cannot reach them.
            let key = if verified.scheme().dedupes_on_signature() {
                DeliveryKey::with_signature(id.clone(), verified.fingerprint_id())
            } else {
                DeliveryKey::new(id.clone())
            }
            .in_namespace(&self.namespace);
            // Chosen here, so that a claim whose answer is lost can be released.
            let token = ClaimToken::random();
            match self.store.claim(&key, &token).await {
                Ok(Claim::Claimed(token)) => {
                    let context = self.store.claim_context(&key, &token);
                    let claim = ClaimedDelivery {
                        store: self.store.clone(),
                        key,
                        token,
                    };
                    let mut admitted = Admitted::new(&verified, Some(id), Some(claim));
                    admitted.info.context = context;
                    Ok(admitted)
                }
                Ok(Claim::Done) => Err(Outcome::Duplicate),
                Ok(Claim::InFlight) => Err(Outcome::InFlight),
                Err(error) => {
                    // The store failed to answer (a timeout, a dropped connection),
                    // which does not mean it did not claim: release what this
                    // request may hold, off the request's path, so the provider's
                    // retry is not held off for a whole lease once the store is back.
                    let store = self.store.clone();
                    let orphan = key.clone();
                    spawn(Box::pin(async move {
                        let _ = store.release(&orphan, &token).await;
                    }));
                    // A store that commits the handler's effects has no handler to
                    // run without it.
                    match self.store_failure {
                        _ if self.store.commits_effects() => Err(Outcome::StoreUnavailable(error)),
                        StoreFailure::FailClosed => Err(Outcome::StoreUnavailable(error)),
                        StoreFailure::FailOpen => {
                            tracing::warn!(%error, "delivery store unavailable; processing without dedupe (fail open)");
                            Ok(Admitted::new(&verified, Some(id), None))
                        }
                    }
                }
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
    if pending.awaits_handshake() {
        return Err(match pending.verifier().handshake_body(body) {
            Some(Ok(response)) => Outcome::Challenge(response),
            Some(Err(error)) => Outcome::Rejected(error),
            None => Outcome::Rejected(
                pending
                    .finish()
                    .err()
                    .unwrap_or(VerifyError::HandshakeRefused),
            ),
        });
    }
    let verified = pending.finish().map_err(Outcome::Rejected)?;
    if !needs_id {
        return match verified.challenge(body) {
            Some(Ok(response)) => Err(Outcome::Challenge(response)),
            Some(Err(error)) => Err(Outcome::Rejected(error)),
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
    /// The body budget is spent: answered 503 with `Retry-After`, the body not
    /// read (or no further).
    Busy,
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
            Self::Busy => tracing::warn!("body budget spent; answered 503"),
            Self::Challenge(_) | Self::Duplicate | Self::InFlight => {}
        }
    }

    /// A short name for logs and metrics: the error kind, or `challenge`,
    /// `duplicate`, `in_flight`, `store_unavailable`, `busy`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Rejected(error) => error.kind(),
            Self::Challenge(_) => "challenge",
            Self::Duplicate => "duplicate",
            Self::InFlight => "in_flight",
            Self::StoreUnavailable(_) => "store_unavailable",
            Self::Busy => "busy",
        }
    }
}

/// What [`Receiver::run`] gives back with a reply to send in place of the
/// handler's answer.
#[derive(Debug)]
pub enum Unanswered<C, Out> {
    /// Refused before the handler ran: the context, as it was given.
    Before(C),
    /// The handler ran, but its answer must not be sent: the store could not
    /// commit the handler's effects ([`DeliveryStore::commits_effects`]), so the
    /// delivery is answered 503 and the provider retries. The handler's output,
    /// to drop (or to build the reply from the request it holds).
    After(Out),
}

/// A framework-free HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`, when there is a body.
    pub content_type: Option<&'static str>,
    /// Further headers.
    pub headers: Vec<(Cow<'static, str>, String)>,
    /// The body.
    pub body: String,
    /// Whether to close the connection once the reply is written: the request's
    /// body was refused before it was read to its end (413, 408, a refusal at the
    /// headers of a request that carries a body), so the connection cannot be
    /// reused, and a client that never sends the rest must not keep it.
    pub close: bool,
}

impl Reply {
    /// The reply carrying an RFC 9457 problem.
    pub fn problem(problem: &Problem) -> Self {
        let mut headers = Vec::new();
        if let Some(seconds) = problem.retry_after {
            headers.push((Cow::Borrowed("retry-after"), seconds.to_string()));
        }
        Self {
            status: problem.status,
            content_type: Some(PROBLEM_CONTENT_TYPE),
            headers,
            body: problem.to_json(),
            close: false,
        }
    }
}

/// What the handler learns about a verified delivery (both adapters' `VerifiedWebhook`
/// extractor dereferences to it).
#[derive(Clone)]
pub struct DeliveryInfo {
    scheme: Cow<'static, str>,
    delivery_id: Option<DeliveryId>,
    timestamp: Option<i64>,
    secret_index: usize,
    context: Option<ClaimContext>,
}

impl fmt::Debug for DeliveryInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryInfo")
            .field("scheme", &self.scheme)
            .field("delivery_id", &self.delivery_id)
            .field("timestamp", &self.timestamp)
            .field("secret_index", &self.secret_index)
            .field("claim_context", &self.context.is_some())
            .finish()
    }
}

/// Equal when they describe the same delivery, with the same claim context (the
/// same one, not an equal one).
impl PartialEq for DeliveryInfo {
    fn eq(&self, other: &Self) -> bool {
        self.scheme == other.scheme
            && self.delivery_id == other.delivery_id
            && self.timestamp == other.timestamp
            && self.secret_index == other.secret_index
            && match (&self.context, &other.context) {
                (None, None) => true,
                (Some(one), Some(other)) => Arc::ptr_eq(one, other),
                _ => false,
            }
    }
}

impl Eq for DeliveryInfo {}

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

    /// What the store that claimed the delivery hands its handler
    /// ([`DeliveryStore::claim_context`]), when it is a `T`: an exactly-once
    /// store's open transaction, which its extractor takes from here.
    pub fn claim_context<T: std::any::Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.context.clone()?.downcast::<T>().ok()
    }
}

/// Collects a body's chunks without copying a body that arrived in one chunk; a
/// body in several chunks is joined as it arrives, its buffer growing with the bytes
/// (never reserved from a declared length).
#[derive(Debug, Default)]
struct BodyBuffer {
    first: Option<Bytes>,
    joined: Option<BytesMut>,
}

impl BodyBuffer {
    fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        if let Some(joined) = self.joined.as_mut() {
            joined.extend_from_slice(&chunk);
        } else if let Some(previous) = self.first.take() {
            let needed = previous.len() + chunk.len();
            let mut joined =
                BytesMut::with_capacity(needed.max(needed.min(MAX_RESERVED_AHEAD) * 2));
            joined.extend_from_slice(&previous);
            joined.extend_from_slice(&chunk);
            self.joined = Some(joined);
        } else {
            self.first = Some(chunk);
        }
    }

    fn finish(self) -> Bytes {
        self.joined
            .map(BytesMut::freeze)
            .or(self.first)
            .unwrap_or_default()
    }
}

/// A verified, first-time delivery, about to reach the handler.
struct Admitted<St> {
    info: DeliveryInfo,
    claim: Option<ClaimedDelivery<St>>,
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
                context: None,
            },
            claim,
        }
    }
}

/// A claim this request owns.
struct ClaimedDelivery<St> {
    store: St,
    key: DeliveryKey,
    token: ClaimToken,
}

impl<St: DeliveryStore> ClaimedDelivery<St> {
    /// Runs `handling`, renewing the claim every third of the `lease` meanwhile, as
    /// a lock's watchdog does: a handler slower than the lease keeps its claim, so
    /// the provider's retry is answered in flight instead of processed again. A
    /// renewal the store refuses (another claim took the delivery) or cannot make is
    /// logged; the handler runs on either way.
    async fn renewing_while<Sl, T>(
        &self,
        lease: Duration,
        sleep: &impl Fn(Duration) -> Sl,
        route: &meter::Route,
        handling: impl Future<Output = T>,
    ) -> T
    where
        Sl: Future<Output = ()>,
    {
        let every = (lease / 3).max(Duration::from_millis(10));
        let renewing = async {
            loop {
                sleep(every).await;
                match self.store.renew(&self.key, &self.token).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!("the delivery claim was taken while the handler ran");
                        return std::future::pending().await;
                    }
                    Err(error) => {
                        meter::store_error(route, "renew");
                        tracing::warn!(%error, "could not renew the delivery claim");
                    }
                }
            }
        };
        let mut handling = pin!(handling);
        let mut renewing = pin!(renewing);
        poll_fn(|cx| {
            if let Poll::Ready(output) = handling.as_mut().poll(cx) {
                return Poll::Ready(output);
            }
            let _: Poll<()> = renewing.as_mut().poll(cx);
            Poll::Pending
        })
        .await
    }
}

/// A boxed release, handed to the adapter's spawner when a request is dropped while
/// its handler runs.
pub type ReleaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Holds a claim while the handler runs, and settles it exactly once: by `settle`
/// with the handler's status, or, if it is dropped first (the handler panicked,
/// the request was dropped), by a release handed to `spawn`, so that the provider's
/// retry is processed. Without a way to spawn, the claim expires with its lease.
struct ClaimGuard<St: DeliveryStore> {
    claim: Option<ClaimedDelivery<St>>,
    spawn: fn(ReleaseFuture),
}

/// The name of a handler's outcome, for the span's `outcome` field: `processed`
/// (2xx), `handler_failed` (another status), `handler_error` (no response).
fn handler_outcome(status: Option<u16>) -> &'static str {
    match status {
        Some(status) if (200..300).contains(&status) => "processed",
        Some(_) => "handler_failed",
        None => "handler_error",
    }
}

impl<St: DeliveryStore> ClaimGuard<St> {
    /// Completes the claim on a 2xx `status`, releases it otherwise (`None`: the
    /// handler failed without a response), and records the handler's outcome in the
    /// current span. A store that fails here is logged and its error returned: a
    /// claim then expires with its lease (an exactly-once store's transaction is
    /// rolled back).
    async fn settle(mut self, status: Option<u16>, route: &meter::Route) -> Result<(), StoreError> {
        tracing::Span::current().record("outcome", handler_outcome(status));
        let Some(claim) = self.claim.take() else {
            return Ok(());
        };
        let (operation, settled) = match status {
            Some(status) if (200..300).contains(&status) => (
                "complete",
                claim.store.complete(&claim.key, &claim.token).await,
            ),
            _ => (
                "release",
                claim.store.release(&claim.key, &claim.token).await,
            ),
        };
        if let Err(error) = &settled {
            meter::store_error(route, operation);
            tracing::warn!(%error, operation, "could not settle the delivery claim");
        }
        settled
    }
}

impl<St: DeliveryStore> Drop for ClaimGuard<St> {
    fn drop(&mut self) {
        if let Some(claim) = self.claim.take() {
            (self.spawn)(Box::pin(async move {
                // Nothing to report to: a failed release expires with its lease.
                let _ = claim.store.release(&claim.key, &claim.token).await;
            }));
        }
    }
}

/// No store: nothing is deduplicated, and no delivery id is needed.
impl DeliveryStore for () {
    fn deduplicates(&self) -> bool {
        false
    }

    async fn claim(
        &self,
        _delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> Result<Claim, StoreError> {
        Ok(Claim::Claimed(*token))
    }

    async fn complete(
        &self,
        _delivery: &DeliveryKey,
        _token: &ClaimToken,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    async fn release(
        &self,
        _delivery: &DeliveryKey,
        _token: &ClaimToken,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}
