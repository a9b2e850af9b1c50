//! [`WebhookLayer`]: the configuration, applied to a service.

use std::sync::Arc;
use std::time::Duration;

use tower_layer::Layer;
use webhook_verify::{MemoryStore, Receiver, StoreFailure, Verifier};

use crate::service::WebhookService;

/// Verifies, answers challenges and deduplicates webhook deliveries for the
/// service it wraps. See the [crate docs](crate) for what happens to a request.
///
/// ```
/// use std::time::Duration;
/// use webhook_verify::{MemoryStore, Scheme, Verifier};
/// use webhook_verify_tower::WebhookLayer;
///
/// let verifier = Verifier::new(Scheme::stripe(), "whsec_...").unwrap();
/// let store = MemoryStore::builder().done_ttl(Duration::from_secs(7 * 24 * 3600)).build();
/// let layer = WebhookLayer::new(verifier)
///     .store(store)
///     .body_limit(256 * 1024)
///     .read_timeout(Duration::from_secs(10));
/// # let _ = layer;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhookLayer<St = MemoryStore> {
    receiver: Receiver<St>,
}

impl WebhookLayer<MemoryStore> {
    /// A layer for `verifier` that deduplicates in memory (done ids kept 72 h,
    /// in-flight leases of 60 s), with a 1 MiB body limit, a 30 s read timeout and
    /// generic error details.
    pub fn new(verifier: Verifier) -> Self {
        Self {
            receiver: Receiver::new(verifier),
        }
    }
}

impl<St> WebhookLayer<St> {
    /// A layer running `receiver` (the framework-free pipeline from the core crate).
    pub fn from_receiver(receiver: Receiver<St>) -> Self {
        Self { receiver }
    }

    /// Deduplicates through `store` instead (a shared store for several replicas).
    pub fn store<Other>(self, store: Other) -> WebhookLayer<Other> {
        WebhookLayer {
            receiver: self.receiver.store(store),
        }
    }

    /// Turns dedupe off: every verified delivery reaches the inner service.
    pub fn without_dedupe(self) -> WebhookLayer<()> {
        self.store(())
    }

    /// The largest body accepted. Default 1 MiB; larger bodies get 413, refused on
    /// `Content-Length` before the body is read, or as soon as the body passes it.
    pub fn body_limit(self, bytes: u64) -> Self {
        Self {
            receiver: self.receiver.body_limit(bytes),
        }
    }

    /// How long the whole body may take to arrive. Default 30 s; then 408.
    pub fn read_timeout(self, timeout: Duration) -> Self {
        Self {
            receiver: self.receiver.read_timeout(timeout),
        }
    }

    /// Whether refusals name their precise reason in the problem `detail`. Default
    /// `false` (generic detail, no oracle for attackers; the reason is logged).
    pub fn detailed_errors(self, detailed: bool) -> Self {
        Self {
            receiver: self.receiver.detailed_errors(detailed),
        }
    }

    /// What happens when the store is unreachable. Default fail closed (503 with
    /// `Retry-After`, handler not run).
    pub fn store_failure(self, mode: StoreFailure) -> Self {
        Self {
            receiver: self.receiver.store_failure(mode),
        }
    }

    /// `Retry-After` of the 409 answered while a copy is in flight. Default 5 s.
    pub fn in_flight_retry_after(self, seconds: u32) -> Self {
        Self {
            receiver: self.receiver.in_flight_retry_after(seconds),
        }
    }
}

impl<S, St: Clone> Layer<S> for WebhookLayer<St> {
    type Service = WebhookService<S, St>;

    fn layer(&self, inner: S) -> Self::Service {
        WebhookService::new(inner, Arc::new(self.receiver.clone()))
    }
}
