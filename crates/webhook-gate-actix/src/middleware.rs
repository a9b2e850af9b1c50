//! [`WebhookGateMiddleware`]: the service [`WebhookGate`](crate::WebhookGate) builds.

use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::{Error, HttpMessage as _, HttpResponse};
use webhook_gate::DeliveryStore;
use webhook_gate::headers::{HeaderLookup, HeaderSource};
use webhook_gate::receive::{Receiver, ReleaseFuture, Reply};
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
        Err(reply) => return Ok(refuse(request, reply)),
    };
    let payload = request.take_payload();
    let handled = receiver
        .run(
            pending,
            payload,
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
        Err((reply, request)) => Ok(refuse(request, reply)),
    }
}

/// Answers `reply` without calling the service.
fn refuse<B>(request: ServiceRequest, reply: Reply) -> ServiceResponse<EitherBody<B>> {
    request
        .into_response(into_response(reply))
        .map_into_right_body()
}

fn into_response(reply: Reply) -> HttpResponse {
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
    response.body(reply.body)
}

/// Runs the release of an abandoned claim on the current tokio runtime (actix-web
/// runs on one).
fn spawn_release(release: ReleaseFuture) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(release);
    }
}
