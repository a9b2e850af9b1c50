//! A store chosen at run time: [`DynStore`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::store::{Claim, ClaimContext, ClaimToken, DeliveryKey, DeliveryStore, StoreError};

/// A boxed future of an [`ErasedStore`] operation.
pub type BoxStoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// [`DeliveryStore`] in a form that can live behind `dyn`: its futures boxed (the
/// methods are named apart, so that both traits can be in scope). Every
/// `DeliveryStore` is one; use it through [`DynStore`].
pub trait ErasedStore: Send + Sync + 'static {
    /// [`DeliveryStore::claim`], boxed.
    fn boxed_claim<'a>(
        &'a self,
        delivery: &'a DeliveryKey,
        token: &'a ClaimToken,
    ) -> BoxStoreFuture<'a, Claim>;

    /// [`DeliveryStore::complete`], boxed.
    fn boxed_complete<'a>(
        &'a self,
        delivery: &'a DeliveryKey,
        token: &'a ClaimToken,
    ) -> BoxStoreFuture<'a, ()>;

    /// [`DeliveryStore::release`], boxed.
    fn boxed_release<'a>(
        &'a self,
        delivery: &'a DeliveryKey,
        token: &'a ClaimToken,
    ) -> BoxStoreFuture<'a, ()>;

    /// [`DeliveryStore::renew`], boxed.
    fn boxed_renew<'a>(
        &'a self,
        delivery: &'a DeliveryKey,
        token: &'a ClaimToken,
    ) -> BoxStoreFuture<'a, bool>;

    /// [`DeliveryStore::claim_context`].
    fn erased_claim_context(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> Option<ClaimContext>;
}

impl<St: DeliveryStore> ErasedStore for St {
    fn boxed_claim<'a>(
        &'a self,
        delivery: &'a DeliveryKey,
        token: &'a ClaimToken,
    ) -> BoxStoreFuture<'a, Claim> {
        Box::pin(DeliveryStore::claim(self, delivery, token))
    }

    fn boxed_complete<'a>(
        &'a self,
        delivery: &'a DeliveryKey,
        token: &'a ClaimToken,
    ) -> BoxStoreFuture<'a, ()> {
        Box::pin(DeliveryStore::complete(self, delivery, token))
    }

    fn boxed_release<'a>(
        &'a self,
        delivery: &'a DeliveryKey,
        token: &'a ClaimToken,
    ) -> BoxStoreFuture<'a, ()> {
        Box::pin(DeliveryStore::release(self, delivery, token))
    }

    fn boxed_renew<'a>(
        &'a self,
        delivery: &'a DeliveryKey,
        token: &'a ClaimToken,
    ) -> BoxStoreFuture<'a, bool> {
        Box::pin(DeliveryStore::renew(self, delivery, token))
    }

    fn erased_claim_context(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> Option<ClaimContext> {
        DeliveryStore::claim_context(self, delivery, token)
    }
}

/// Some [`DeliveryStore`], chosen at run time: one type for a receiver whether it
/// deduplicates in memory or in Redis, so that a program needs no enum and no
/// duplicated arms to choose. Cheap to clone (an `Arc`); each operation boxes its
/// future (one allocation per claim, complete or release).
///
/// ```
/// use webhook_gate::receive::Receiver;
/// use webhook_gate::store::DynStore;
/// use webhook_gate::{MemoryStore, Preset, Verifier};
///
/// # struct RedisStore;
/// # impl RedisStore { fn connect(_: &str) -> MemoryStore { MemoryStore::new() } }
/// let store = match std::env::var("REDIS_URL") {
///     Ok(url) => DynStore::new(RedisStore::connect(&url)),
///     Err(_) => DynStore::new(MemoryStore::new()),
/// };
/// let receiver = Receiver::new(Verifier::new(Preset::GitHub.scheme(), "secret")?).store(store);
/// # let _ = receiver;
/// # Ok::<(), webhook_gate::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct DynStore {
    store: Arc<dyn ErasedStore>,
    deduplicates: bool,
    commits_effects: bool,
    lease: Option<std::time::Duration>,
    name: &'static str,
}

impl DynStore {
    /// Wraps `store`.
    pub fn new<St: DeliveryStore>(store: St) -> Self {
        Self {
            deduplicates: store.deduplicates(),
            commits_effects: store.commits_effects(),
            lease: store.lease(),
            store: Arc::new(store),
            name: std::any::type_name::<St>(),
        }
    }
}

impl fmt::Debug for DynStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The type only: a store's own Debug is its business, and this one need not
        // require it.
        f.debug_tuple("DynStore").field(&self.name).finish()
    }
}

impl DeliveryStore for DynStore {
    fn deduplicates(&self) -> bool {
        self.deduplicates
    }

    async fn claim(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<Claim, StoreError> {
        self.store.boxed_claim(delivery, token).await
    }

    async fn complete(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        self.store.boxed_complete(delivery, token).await
    }

    async fn release(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        self.store.boxed_release(delivery, token).await
    }

    fn lease(&self) -> Option<std::time::Duration> {
        self.lease
    }

    async fn renew(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<bool, StoreError> {
        self.store.boxed_renew(delivery, token).await
    }

    fn commits_effects(&self) -> bool {
        self.commits_effects
    }

    fn claim_context(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Option<ClaimContext> {
        self.store.erased_claim_context(delivery, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DeliveryId;

    fn block_on<F: Future>(future: F) -> F::Output {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        let mut future = std::pin::pin!(future);
        loop {
            if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
    }

    #[cfg(feature = "memory-store")]
    #[test]
    fn a_dyn_store_is_the_store_it_wraps() {
        let memory = crate::MemoryStore::new();
        let store = DynStore::new(memory.clone());
        let id = DeliveryKey::new(DeliveryId::new("evt_1"));
        let Claim::Claimed(token) = block_on(store.claim(&id, &ClaimToken::random())).unwrap()
        else {
            panic!("a fresh id is claimed");
        };
        // Seen through the wrapped store: one set of entries.
        assert_eq!(
            block_on(memory.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::InFlight
        );
        block_on(store.complete(&id, &token)).unwrap();
        assert_eq!(
            block_on(memory.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::Done
        );
        assert!(store.deduplicates());
        assert!(format!("{store:?}").contains("MemoryStore"));
    }

    #[test]
    fn no_store_stays_no_store() {
        assert!(!DynStore::new(()).deduplicates());
    }
}
