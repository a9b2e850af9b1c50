//! [`WebhookService`]: the middleware itself.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use tower_service::Service;
use webhook_gate::DeliveryStore;
use webhook_gate::receive::{DeliveryInfo, Receiver, ReleaseFuture, Reply};
use webhook_gate::verify::RequestHead;

use crate::future::ResponseFuture;

/// The verification metadata of a delivery that reached the inner service, in its
/// request extensions (and an axum extractor, with the `axum` feature). It
/// dereferences to [`DeliveryInfo`]: `scheme()`, `delivery_id()`, `timestamp()`,
/// `secret_index()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedWebhook {
    pub(crate) info: DeliveryInfo,
    pub(crate) body: Bytes,
}

impl VerifiedWebhook {
    /// The verified body, exactly as received (the bytes the signature covers).
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

impl std::ops::Deref for VerifiedWebhook {
    type Target = DeliveryInfo;

    fn deref(&self) -> &DeliveryInfo {
        &self.info
    }
}

/// The service built by [`WebhookLayer`](crate::WebhookLayer).
///
/// The inner service receives the same request body type it is given, rebuilt
/// from the verified bytes, so that type must be constructible from `Bytes`
/// (axum's `Body`, `http_body_util::Full<Bytes>`, ...); under plain hyper, map
/// `Incoming` into such a body first.
pub struct WebhookService<S, St> {
    inner: S,
    receiver: Arc<Receiver<St>>,
}

impl<S, St> WebhookService<S, St> {
    pub(crate) fn new(inner: S, receiver: Arc<Receiver<St>>) -> Self {
        Self { inner, receiver }
    }
}

impl<S: Clone, St> Clone for WebhookService<S, St> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            receiver: Arc::clone(&self.receiver),
        }
    }
}

impl<S: fmt::Debug, St> fmt::Debug for WebhookService<S, St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookService")
            .field("inner", &self.inner)
            .field("receiver", &self.receiver)
            .finish()
    }
}

impl<S, St, ReqBody, ResBody> Service<Request<ReqBody>> for WebhookService<S, St>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    St: DeliveryStore + Clone,
    ReqBody: http_body::Body<Data = Bytes> + From<Bytes> + Send + 'static,
    ReqBody::Error: fmt::Display,
    ResBody: From<Bytes> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone that was driven to readiness serves this request.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let receiver = Arc::clone(&self.receiver);
        let span = receiver.span();
        let (parts, body) = request.into_parts();
        ResponseFuture {
            inner: Box::pin(handle(receiver, inner, parts, body)),
            span,
        }
    }
}

/// The request's pipeline: the core's [`Receiver`], with the body's data frames as
/// its chunks (trailers are not signed), tokio's timer and spawner, and the inner
/// service as the handler. Not an `async fn`: its arguments would be kept twice in
/// the future, as arguments and as locals.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would store its arguments twice"
)]
fn handle<S, St, ReqBody, ResBody>(
    receiver: Arc<Receiver<St>>,
    inner: S,
    parts: http::request::Parts,
    body: ReqBody,
) -> impl Future<Output = Result<Response<ResBody>, S::Error>>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    St: DeliveryStore + Clone,
    ReqBody: http_body::Body<Data = Bytes> + From<Bytes>,
    ReqBody::Error: fmt::Display,
    ResBody: From<Bytes>,
{
    async move {
        let content_length = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        let target = parts
            .uri
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str);
        let head = RequestHead::new(parts.method.as_str(), target, &parts.headers);
        let pending = match receiver.begin(&head, content_length) {
            Ok(pending) => pending,
            Err(reply) => return Ok(into_response(reply)),
        };
        let handled = receiver
            .run(
                pending,
                body.into_data_stream(),
                tokio::time::sleep,
                spawn_release,
                (parts, inner),
                |(mut parts, mut inner), info, bytes| async move {
                    parts.extensions.insert(VerifiedWebhook {
                        info,
                        body: bytes.clone(),
                    });
                    let result = inner
                        .call(Request::from_parts(parts, ReqBody::from(bytes)))
                        .await;
                    let status = result
                        .as_ref()
                        .ok()
                        .map(|response| response.status().as_u16());
                    (result, status)
                },
            )
            .await;
        handled.unwrap_or_else(|(reply, _)| Ok(into_response(reply)))
    }
}

fn into_response<ResBody: From<Bytes>>(reply: Reply) -> Response<ResBody> {
    let mut response = Response::new(ResBody::from(Bytes::from(reply.body)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Some(content_type) = reply.content_type {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::try_from(value),
        ) {
            headers.insert(name, value);
        }
    }
    if reply.close {
        // hyper closes an HTTP/1.1 connection after a response that says so (and
        // drops the header on HTTP/2, where it has no meaning).
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Runs the release of an abandoned claim on the current tokio runtime.
fn spawn_release(release: ReleaseFuture) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(release);
    }
}
