//! [`WebhookGate`]: the configurable middleware (actix-web's `Transform`).

use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::Error;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use webhook_gate::receive::Receiver;
use webhook_gate::{DeliveryStore, MemoryStore, Verifier};

use crate::middleware::WebhookGateMiddleware;

/// Verifies, answers challenges and deduplicates webhook deliveries for the
/// resource or scope it wraps. See the [crate docs](crate).
///
/// [`new`](Self::new) takes a verifier and the defaults; every other setting is the
/// core's [`Receiver`], configured once and turned into the middleware with `From`.
///
/// Build it once, outside the `HttpServer::new` factory, and clone it into the
/// factory: clones share one delivery store and one body budget, while a
/// middleware built inside the factory gives every worker a store of its own, and
/// a duplicate that reaches another worker would be processed again.
///
/// ```
/// use std::time::Duration;
/// use webhook_gate::receive::Receiver;
/// use webhook_gate::{Preset, Verifier};
/// use webhook_gate_actix::WebhookGate;
///
/// let verifier = Verifier::new(Preset::Stripe.scheme(), "whsec_...")?;
/// let gate = WebhookGate::from(
///     Receiver::new(verifier)
///         .body_limit(256 * 1024)
///         .read_timeout(Duration::from_secs(10)),
/// );
/// # let _ = gate;
/// # Ok::<(), webhook_gate::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhookGate<St = MemoryStore> {
    receiver: Arc<Receiver<St>>,
}

impl WebhookGate<MemoryStore> {
    /// A middleware for `verifier` with [`Receiver::new`]'s defaults: dedupe in
    /// memory (done ids kept 72 h, in-flight leases of 60 s), a 1 MiB body limit, a
    /// 30 s read timeout, a 64 MiB body budget and generic error details.
    pub fn new(verifier: Verifier) -> Self {
        Self::from(Receiver::new(verifier))
    }
}

impl<St> From<Receiver<St>> for WebhookGate<St> {
    fn from(receiver: Receiver<St>) -> Self {
        Self {
            receiver: Arc::new(receiver),
        }
    }
}

impl<S, B, St> Transform<S, ServiceRequest> for WebhookGate<St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    St: DeliveryStore + Clone,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = WebhookGateMiddleware<S, St>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(WebhookGateMiddleware::new(
            Rc::new(service),
            Arc::clone(&self.receiver),
        )))
    }
}
