//! The in-process [`DeliveryStore`], on moka.

use std::future::{Future, ready};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::ops::compute::Op;
use moka::sync::Cache;

use crate::delivery::DeliveryId;
use crate::store::{Claim, ClaimToken, DEFAULT_DONE_TTL, DEFAULT_LEASE, DeliveryStore, StoreError};

/// Default number of delivery ids remembered.
pub const DEFAULT_CAPACITY: u64 = 100_000;

#[derive(Clone)]
enum Entry {
    InFlight { token: ClaimToken, expires: Instant },
    Done,
}

struct EntryExpiry {
    lease: Duration,
    done_ttl: Duration,
}

impl EntryExpiry {
    fn ttl(&self, entry: &Entry) -> Duration {
        match entry {
            Entry::InFlight { .. } => self.lease,
            Entry::Done => self.done_ttl,
        }
    }
}

impl Expiry<Arc<str>, Entry> for EntryExpiry {
    fn expire_after_create(
        &self,
        _key: &Arc<str>,
        value: &Entry,
        _now: Instant,
    ) -> Option<Duration> {
        Some(self.ttl(value))
    }

    fn expire_after_update(
        &self,
        _key: &Arc<str>,
        value: &Entry,
        _now: Instant,
        _current: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.ttl(value))
    }
}

/// Dedupe inside one process: bounded, with per-entry expiry (in-flight claims after
/// the lease, done ids after the done TTL). Clones share the same entries.
///
/// For several replicas behind a load balancer, use a shared store (Redis).
/// When the capacity is reached the least useful ids are evicted, and an evicted
/// done id would be processed again if the provider re-sent it: size the capacity
/// above the number of deliveries you receive in one done TTL.
///
/// ```
/// use webhook_verify::{Claim, DeliveryId, DeliveryStore, MemoryStore};
///
/// # futures_lite_block_on(async {
/// let store = MemoryStore::new();
/// let id = DeliveryId::new("evt_1");
/// let Claim::Claimed(token) = store.claim(&id).await.unwrap() else { unreachable!() };
/// assert_eq!(store.claim(&id).await.unwrap(), Claim::InFlight);
/// store.complete(&id, &token).await.unwrap();
/// assert_eq!(store.claim(&id).await.unwrap(), Claim::Done);
/// # });
/// # fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut context = std::task::Context::from_waker(&waker);
/// #     let mut future = std::pin::pin!(future);
/// #     loop {
/// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
/// #     }
/// # }
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    cache: Cache<Arc<str>, Entry>,
    lease: Duration,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.cache.entry_count())
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// A store with the defaults: done TTL 72 h, lease 60 s, 100 000 ids.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Configures a store.
    pub fn builder() -> MemoryStoreBuilder {
        MemoryStoreBuilder {
            done_ttl: DEFAULT_DONE_TTL,
            lease: DEFAULT_LEASE,
            capacity: DEFAULT_CAPACITY,
        }
    }

    fn claim_now(&self, id: &DeliveryId) -> Claim {
        let now = Instant::now();
        let mut outcome = Claim::InFlight;
        self.cache
            .entry(Arc::from(id.as_str()))
            .and_compute_with(|existing| match existing.map(moka::Entry::into_value) {
                Some(Entry::Done) => {
                    outcome = Claim::Done;
                    Op::Nop
                }
                Some(Entry::InFlight { expires, .. }) if expires > now => Op::Nop,
                _ => {
                    let token = ClaimToken::generate();
                    outcome = Claim::Claimed(token.clone());
                    Op::Put(Entry::InFlight {
                        token,
                        expires: now + self.lease,
                    })
                }
            });
        outcome
    }

    fn settle(&self, id: &DeliveryId, token: &ClaimToken, done: bool) {
        self.cache
            .entry(Arc::from(id.as_str()))
            .and_compute_with(|existing| match existing.map(moka::Entry::into_value) {
                Some(Entry::InFlight { token: owner, .. }) if owner == *token => {
                    if done {
                        Op::Put(Entry::Done)
                    } else {
                        Op::Remove
                    }
                }
                _ => Op::Nop,
            });
    }
}

impl DeliveryStore for MemoryStore {
    fn claim(&self, id: &DeliveryId) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        ready(Ok(self.claim_now(id)))
    }

    fn complete(
        &self,
        id: &DeliveryId,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.settle(id, token, true);
        ready(Ok(()))
    }

    fn release(
        &self,
        id: &DeliveryId,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.settle(id, token, false);
        ready(Ok(()))
    }
}

/// Configures a [`MemoryStore`].
#[derive(Debug, Clone)]
#[must_use]
pub struct MemoryStoreBuilder {
    done_ttl: Duration,
    lease: Duration,
    capacity: u64,
}

impl MemoryStoreBuilder {
    /// How long a done id is remembered. Default 72 h; keep it longer than the
    /// provider's retry schedule, or a late retry is processed again.
    pub fn done_ttl(mut self, ttl: Duration) -> Self {
        self.done_ttl = ttl;
        self
    }

    /// How long an in-flight claim blocks other copies when its owner never settles
    /// it (a crash). Default 60 s; keep it above your handler's longest run.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How many ids are kept at most. Default 100 000.
    pub fn capacity(mut self, capacity: u64) -> Self {
        self.capacity = capacity;
        self
    }

    /// Builds the store.
    pub fn build(self) -> MemoryStore {
        let cache = Cache::builder()
            .max_capacity(self.capacity)
            .expire_after(EntryExpiry {
                lease: self.lease,
                done_ttl: self.done_ttl,
            })
            .build();
        MemoryStore {
            cache,
            lease: self.lease,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(future: F) -> F::Output {
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
    }

    #[test]
    fn claim_complete_release() {
        let store = MemoryStore::new();
        let id = DeliveryId::new("a");
        let Claim::Claimed(first) = block_on(store.claim(&id)).unwrap() else {
            panic!("first claim must succeed")
        };
        assert_eq!(block_on(store.claim(&id)).unwrap(), Claim::InFlight);
        // A token that does not own the claim changes nothing.
        block_on(store.release(&id, &ClaimToken::generate())).unwrap();
        assert_eq!(block_on(store.claim(&id)).unwrap(), Claim::InFlight);
        block_on(store.release(&id, &first)).unwrap();
        let Claim::Claimed(second) = block_on(store.claim(&id)).unwrap() else {
            panic!("released claim must be claimable")
        };
        // The stale token cannot complete the new claim.
        block_on(store.complete(&id, &first)).unwrap();
        assert_eq!(block_on(store.claim(&id)).unwrap(), Claim::InFlight);
        block_on(store.complete(&id, &second)).unwrap();
        assert_eq!(block_on(store.claim(&id)).unwrap(), Claim::Done);
    }

    #[test]
    fn lease_expires() {
        let store = MemoryStore::builder()
            .lease(Duration::from_millis(50))
            .build();
        let id = DeliveryId::new("crashed");
        assert!(matches!(
            block_on(store.claim(&id)).unwrap(),
            Claim::Claimed(_)
        ));
        assert_eq!(block_on(store.claim(&id)).unwrap(), Claim::InFlight);
        std::thread::sleep(Duration::from_millis(80));
        assert!(matches!(
            block_on(store.claim(&id)).unwrap(),
            Claim::Claimed(_)
        ));
    }

    #[test]
    fn concurrent_claims_have_one_winner() {
        let store = MemoryStore::new();
        let id = DeliveryId::new("contended");
        let winners: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|_| {
                    scope.spawn(|| matches!(block_on(store.claim(&id)).unwrap(), Claim::Claimed(_)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| usize::from(h.join().unwrap()))
                .sum()
        });
        assert_eq!(winners, 1);
    }

    #[test]
    fn tokens_are_unique() {
        let tokens: std::collections::HashSet<_> =
            (0..1000).map(|_| ClaimToken::generate()).collect();
        assert_eq!(tokens.len(), 1000);
    }
}
