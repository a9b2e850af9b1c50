//! [`WebhookMiddleware`] (the `Transform`) and [`WebhookMiddlewareService`].

use std::future::{Future as _, Ready, poll_fn, ready};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage as _, HttpResponse};
use futures_core::Stream;
use webhook_verify::{
    BodyBuffer, ClaimGuard, DeliveryStore, HeaderLookup, HeaderSource, MemoryStore, Outcome,
    PendingVerification, Receiver, ReleaseFuture, Reply, StoreFailure, Verifier,
};

use crate::extract::VerifiedWebhook;

/// Verifies, answers challenges and deduplicates webhook deliveries for the
/// resource or scope it wraps. See the [crate docs](crate).
///
/// Build it once, outside the `HttpServer::new` factory, and clone it into the
/// factory: clones share one delivery store, while a middleware built inside the
/// factory gives every worker a store of its own, and a duplicate that reaches
/// another worker would be processed again.
///
/// ```
/// use std::time::Duration;
/// use webhook_verify::{MemoryStore, Scheme, Verifier};
/// use webhook_verify_actix::WebhookMiddleware;
///
/// let verifier = Verifier::new(Scheme::stripe(), "whsec_...").unwrap();
/// let middleware = WebhookMiddleware::new(verifier)
///     .body_limit(256 * 1024)
///     .read_timeout(Duration::from_secs(10));
/// # let _ = middleware;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhookMiddleware<St = MemoryStore> {
    receiver: Arc<Receiver<St>>,
}

impl WebhookMiddleware<MemoryStore> {
    /// A middleware for `verifier` that deduplicates in memory (done ids kept 72 h,
    /// in-flight leases of 60 s), with a 1 MiB body limit, a 30 s read timeout and
    /// generic error details.
    pub fn new(verifier: Verifier) -> Self {
        Self::from_receiver(Receiver::new(verifier))
    }
}

impl<St> WebhookMiddleware<St> {
    /// A middleware running `receiver` (the framework-free pipeline of the core crate).
    pub fn from_receiver(receiver: Receiver<St>) -> Self {
        Self {
            receiver: Arc::new(receiver),
        }
    }

    fn map(self, change: impl FnOnce(Receiver<St>) -> Receiver<St>) -> Self
    where
        St: Clone,
    {
        let receiver = Arc::unwrap_or_clone(self.receiver);
        Self::from_receiver(change(receiver))
    }

    /// Deduplicates through `store` instead (a shared store for several replicas).
    pub fn store<Other>(self, store: Other) -> WebhookMiddleware<Other>
    where
        St: Clone,
    {
        WebhookMiddleware::from_receiver(Arc::unwrap_or_clone(self.receiver).store(store))
    }

    /// Turns dedupe off: every verified delivery reaches the handler.
    pub fn without_dedupe(self) -> WebhookMiddleware<()>
    where
        St: Clone,
    {
        self.store(())
    }

    /// The largest body accepted. Default 1 MiB; larger bodies get 413, refused on
    /// `Content-Length` before the body is read, or as soon as the body passes it.
    pub fn body_limit(self, bytes: u64) -> Self
    where
        St: Clone,
    {
        self.map(|receiver| receiver.body_limit(bytes))
    }

    /// How long the whole body may take to arrive. Default 30 s; then 408.
    pub fn read_timeout(self, timeout: Duration) -> Self
    where
        St: Clone,
    {
        self.map(|receiver| receiver.read_timeout(timeout))
    }

    /// Whether refusals name their precise reason in the problem `detail`. Default
    /// `false` (generic detail, no oracle for attackers; the reason is logged).
    pub fn detailed_errors(self, detailed: bool) -> Self
    where
        St: Clone,
    {
        self.map(|receiver| receiver.detailed_errors(detailed))
    }

    /// What happens when the store is unreachable. Default fail closed (503 with
    /// `Retry-After`, handler not run).
    pub fn store_failure(self, mode: StoreFailure) -> Self
    where
        St: Clone,
    {
        self.map(|receiver| receiver.store_failure(mode))
    }

    /// `Retry-After` of the 409 answered while a copy is in flight. Default 5 s.
    pub fn in_flight_retry_after(self, seconds: u32) -> Self
    where
        St: Clone,
    {
        self.map(|receiver| receiver.in_flight_retry_after(seconds))
    }
}

impl<S, B, St> Transform<S, ServiceRequest> for WebhookMiddleware<St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    St: DeliveryStore + Clone,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = WebhookMiddlewareService<S, St>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(WebhookMiddlewareService {
            service: Rc::new(service),
            receiver: Arc::clone(&self.receiver),
        }))
    }
}

/// The service built by [`WebhookMiddleware`].
#[derive(Debug)]
pub struct WebhookMiddlewareService<S, St> {
    service: Rc<S>,
    receiver: Arc<Receiver<St>>,
}

/// actix-web's header map, read in place.
struct ActixHeaders<'a>(&'a actix_web::http::header::HeaderMap);

impl HeaderSource for ActixHeaders<'_> {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        let mut values = self.0.get_all(name);
        match (values.next(), values.next()) {
            (None, _) => HeaderLookup::Absent,
            (Some(value), None) => HeaderLookup::Single(value.as_bytes()),
            (Some(_), Some(_)) => HeaderLookup::Repeated,
        }
    }
}

impl<S, B, St> Service<ServiceRequest> for WebhookMiddlewareService<S, St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    St: DeliveryStore + Clone,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = WebhookFuture<Self::Response>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let receiver = Arc::clone(&self.receiver);
        let span = receiver.span();
        WebhookFuture {
            inner: Box::pin(handle(receiver, service, request)),
            span,
        }
    }
}

/// The response future of [`WebhookMiddlewareService`]: the request's pipeline,
/// boxed once where it is built, polled inside the request's `webhook` span.
pub struct WebhookFuture<R> {
    inner: Pin<Box<dyn std::future::Future<Output = Result<R, Error>>>>,
    span: tracing::Span,
}

impl<R> std::fmt::Debug for WebhookFuture<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookFuture").finish_non_exhaustive()
    }
}

impl<R> std::future::Future for WebhookFuture<R> {
    type Output = Result<R, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let _entered = this.span.enter();
        this.inner.as_mut().poll(cx)
    }
}

async fn handle<S, B, St>(
    receiver: Arc<Receiver<St>>,
    service: Rc<S>,
    mut request: ServiceRequest,
) -> Result<ServiceResponse<EitherBody<B>>, Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    St: DeliveryStore + Clone,
{
    let content_length = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    // Written flat, with `pending` scoped to the body read: a local stays in the
    // future until its scope ends, even once moved.
    let (bytes, admitting) = {
        let mut pending = match receiver.begin(&ActixHeaders(request.headers()), content_length) {
            Ok(pending) => pending,
            Err(outcome) => return Ok(refuse(&receiver, request, &outcome)),
        };
        let payload = request.take_payload();
        let bytes = match read_body(&receiver, &mut pending, payload, content_length).await {
            Ok(bytes) => bytes,
            Err(outcome) => return Ok(refuse(&receiver, request, &outcome)),
        };
        let admitting = receiver.admit(pending, &bytes);
        (bytes, admitting)
    };
    let admitted = match admitting.await {
        Ok(admitted) => admitted,
        Err(outcome) => return Ok(refuse(&receiver, request, &outcome)),
    };
    let guard = ClaimGuard::new(admitted.claim, spawn_release);
    request.extensions_mut().insert(VerifiedWebhook {
        info: admitted.info,
        body: bytes.clone(),
    });
    request.set_payload(Payload::from(bytes));

    let result = service.call(request).await;
    let status = result
        .as_ref()
        .ok()
        .map(|response| response.status().as_u16());
    guard.settle(status).await;
    result.map(ServiceResponse::map_into_left_body)
}

/// Logs `outcome` and answers it without calling the service.
fn refuse<St, B>(
    receiver: &Receiver<St>,
    request: ServiceRequest,
    outcome: &Outcome,
) -> ServiceResponse<EitherBody<B>> {
    outcome.log();
    let response = into_response(receiver.reply(outcome));
    request.into_response(response).map_into_right_body()
}

/// Reads the payload to its end within the receiver's limit and timeout.
async fn read_body<St>(
    receiver: &Receiver<St>,
    pending: &mut PendingVerification,
    mut payload: Payload,
    content_length: Option<u64>,
) -> Result<Bytes, Outcome> {
    let reading = async {
        let mut buffer = BodyBuffer::new(content_length, receiver.limit());
        while let Some(chunk) = poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await {
            let chunk = chunk.map_err(|error| receiver.body_error(error))?;
            receiver.update(pending, &chunk)?;
            buffer.push(chunk);
        }
        Ok(buffer.finish())
    };
    // A small body is usually complete when the request arrives: read it without
    // arming a timer, and start the clock only if the body has to be waited for. The
    // timer is boxed: it is rarely needed, and inline it would grow every request's
    // future.
    let mut reading = pin!(reading);
    match poll_fn(|cx| Poll::Ready(reading.as_mut().poll(cx))).await {
        Poll::Ready(result) => result,
        Poll::Pending => Box::pin(tokio::time::timeout(receiver.timeout(), reading))
            .await
            .unwrap_or_else(|_| Err(receiver.body_timeout())),
    }
}

fn into_response(reply: Reply) -> HttpResponse {
    let mut response = HttpResponse::build(
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    if let Some(content_type) = reply.content_type {
        response.insert_header((CONTENT_TYPE, HeaderValue::from_static(content_type)));
    }
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::try_from(value) {
            response.insert_header((HeaderName::from_static(name), value));
        }
    }
    response.body(reply.body)
}

/// Runs the release of an abandoned claim on the current tokio runtime (actix-web
/// runs on one).
fn spawn_release(release: ReleaseFuture) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(release);
    }
}
