//! [`WebhookLayer`]: a [`Receiver`], applied to a service.

use std::sync::Arc;

use tower_layer::Layer;
use webhook_gate::receive::Receiver;
use webhook_gate::{MemoryStore, Verifier};

use crate::service::WebhookService;

/// Verifies, answers challenges and deduplicates webhook deliveries for the
/// service it wraps. See the [crate docs](crate) for what happens to a request.
///
/// [`new`](Self::new) takes a verifier and the defaults; every other setting is the
/// core's [`Receiver`], configured once and turned into a layer with `From`:
///
/// ```
/// use std::time::Duration;
/// use webhook_gate::receive::Receiver;
/// use webhook_gate::{MemoryStore, Preset, Verifier};
/// use webhook_gate_tower::WebhookLayer;
///
/// let verifier = Verifier::new(Preset::Stripe.scheme(), "whsec_...")?;
/// let store = MemoryStore::builder().done_ttl(Duration::from_secs(7 * 24 * 3600)).build();
/// let layer = WebhookLayer::from(
///     Receiver::new(verifier)
///         .store(store)
///         .body_limit(256 * 1024)
///         .read_timeout(Duration::from_secs(10)),
/// );
/// # let _ = layer;
/// # Ok::<(), webhook_gate::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhookLayer<St = MemoryStore> {
    receiver: Arc<Receiver<St>>,
}

impl WebhookLayer<MemoryStore> {
    /// A layer for `verifier` with [`Receiver::new`]'s defaults: dedupe in memory
    /// (done ids kept 72 h, in-flight leases of 60 s), a 1 MiB body limit, a 30 s
    /// read timeout, a 64 MiB body budget and generic error details.
    pub fn new(verifier: Verifier) -> Self {
        Self::from(Receiver::new(verifier))
    }
}

impl<St> From<Receiver<St>> for WebhookLayer<St> {
    fn from(receiver: Receiver<St>) -> Self {
        Self {
            receiver: Arc::new(receiver),
        }
    }
}

impl<S, St> Layer<S> for WebhookLayer<St> {
    type Service = WebhookService<S, St>;

    fn layer(&self, inner: S) -> Self::Service {
        WebhookService::new(inner, Arc::clone(&self.receiver))
    }
}
