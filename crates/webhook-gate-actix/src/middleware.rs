//! [`WebhookGateMiddleware`]: the service [`WebhookGate`](crate::WebhookGate) builds.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, forward_ready};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage as _, HttpResponse};
use futures_core::Stream;
use webhook_gate::DeliveryStore;
use webhook_gate::headers::{HeaderLookup, HeaderSource};
use webhook_gate::receive::{Receiver, ReleaseFuture, Reply, Unanswered};
use webhook_gate::verify::RequestHead;

use crate::extract::VerifiedWebhook;

/// The service built by [`WebhookGate`](crate::WebhookGate).
#[derive(Debug)]
pub struct WebhookGateMiddleware<S, St> {
    service: Rc<S>,
    receiver: Arc<Receiver<St>>,
}

impl<S, St> WebhookGateMiddleware<S, St> {
    pub(crate) fn new(service: Rc<S>, receiver: Arc<Receiver<St>>) -> Self {
        Self { service, receiver }
    }
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

impl<S, B, St> Service<ServiceRequest> for WebhookGateMiddleware<S, St>
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

/// The response future of [`WebhookGateMiddleware`]: the request's pipeline,
/// boxed once where it is built, polled inside the request's `webhook` span.
pub struct WebhookFuture<R> {
    inner: Pin<Box<dyn Future<Output = Result<R, Error>>>>,
    span: tracing::Span,
}

impl<R> std::fmt::Debug for WebhookFuture<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookFuture").finish_non_exhaustive()
    }
}

impl<R> Future for WebhookFuture<R> {
    type Output = Result<R, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let _entered = this.span.enter();
        this.inner.as_mut().poll(cx)
    }
}

/// The request's pipeline: the core's [`Receiver`], with the payload as its chunks,
/// tokio's timer and spawner (actix-web runs on tokio), and the wrapped service as
/// the handler.
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
    let headers = ActixHeaders(request.headers());
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", actix_web::http::uri::PathAndQuery::as_str);
    let head = RequestHead::new(request.method().as_str(), target, &headers);
    let begun = receiver.begin(&head, content_length);
    let pending = match begun {
        Ok(pending) => pending,
        Err(reply) => {
            let payload = Shared(Rc::new(RefCell::new(request.take_payload())));
            return Ok(refuse(request, reply, payload));
        }
    };
    // Shared, so that a refusal can hold what is left of it (see `Refusal`).
    let payload = Shared(Rc::new(RefCell::new(request.take_payload())));
    let handled = receiver
        .run(
            pending,
            payload.clone(),
            tokio::time::sleep,
            spawn_release,
            request,
            |mut request, info, bytes| async move {
                request.extensions_mut().insert(VerifiedWebhook {
                    info,
                    body: bytes.clone(),
                });
                request.set_payload(actix_web::dev::Payload::from(bytes));
                let result = service.call(request).await;
                let status = result
                    .as_ref()
                    .ok()
                    .map(|response| response.status().as_u16());
                (result, status)
            },
        )
        .await;
    match handled {
        Ok(result) => result.map(ServiceResponse::map_into_left_body),
        Err((reply, Unanswered::Before(request))) => Ok(refuse(request, reply, payload)),
        // The handler's answer was withdrawn (its effects could not be committed).
        Err((reply, Unanswered::After(answered))) => {
            let request = ServiceRequest::from_request(answered?.into_parts().0);
            Ok(refuse(request, reply, payload))
        }
    }
}

/// The request's payload, shared between the body reader and a refusal.
#[derive(Clone)]
struct Shared(Rc<RefCell<Payload>>);

impl Stream for Shared {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut *self.0.borrow_mut()).poll_next(cx)
    }
}

/// A refusal's body, holding the request's unread payload until the body is
/// written. Dropped sooner, the payload would be drained by the dispatcher (a
/// chunked one with no timer), and a client that never sends the rest would keep
/// the connection; held, the connection closes once the refusal is written.
struct Refusal {
    body: Option<Bytes>,
    _payload: Shared,
}

impl MessageBody for Refusal {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.body.as_ref().map_or(0, |body| body.len() as u64))
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(self.body.take().map(Ok))
    }
}

/// Answers `reply` without calling the service; closes the connection when the
/// reply says so, holding the unread `payload` until the reply is written.
fn refuse<B>(
    request: ServiceRequest,
    reply: Reply,
    payload: Shared,
) -> ServiceResponse<EitherBody<B>> {
    let mut response = HttpResponse::build(
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    if let Some(content_type) = reply.content_type {
        response.insert_header((CONTENT_TYPE, HeaderValue::from_static(content_type)));
    }
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::try_from(value),
        ) {
            response.insert_header((name, value));
        }
    }
    let response = if reply.close {
        response.force_close().body(Refusal {
            body: Some(Bytes::from(reply.body)),
            _payload: payload,
        })
    } else {
        response.body(reply.body)
    };
    request.into_response(response).map_into_right_body()
}

/// Runs the release of an abandoned claim on the current tokio runtime (actix-web
/// runs on one).
fn spawn_release(release: ReleaseFuture) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(release);
    }
}
