//! The in-process [`DeliveryStore`], on [`moka`]'s concurrent cache.

use std::future::{Future, ready};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use moka::policy::EvictionPolicy;
use moka::sync::Cache;

use crate::delivery::DeliveryId;
use crate::store::{
    Claim, ClaimToken, DEFAULT_DONE_TTL, DEFAULT_LEASE, DeliveryKey, DeliveryStore, StoreError,
};

/// Default number of delivery ids remembered.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Number of locks a claim of several keys takes its keys' locks from (see
/// [`MemoryStore`]'s `stripes`).
const STRIPES: usize = 64;

/// Dedupe inside one process, on a [`moka`] cache bounded to a number of ids. An
/// in-flight claim expires after the lease (counted from the claim), a done id after
/// the done TTL (counted from its completion). Clones share the same entries.
///
/// **At capacity** the least recently claimed or completed ids are forgotten first
/// (moka's LRU eviction; its default admission policy, `TinyLFU`, could refuse a
/// brand-new id when the cache is full, which for dedupe would let that id's
/// duplicate through). A new id is never refused. An id forgotten early is
/// processed again if the provider re-sends it, so size the capacity above the
/// number of deliveries you receive in one done TTL. moka applies evictions in
/// batches as writes come in, so the count can pass the capacity for a moment.
///
/// For several replicas behind a load balancer, use a shared store (Redis).
///
/// ```
/// use webhook_gate::{DeliveryId, DeliveryStore, MemoryStore};
/// use webhook_gate::store::{Claim, ClaimToken, DeliveryKey};
///
/// # block_on(async {
/// let store = MemoryStore::new();
/// let id = DeliveryKey::from(DeliveryId::new("evt_1"));
/// let Claim::Claimed(token) = store.claim(&id, &ClaimToken::random()).await.unwrap() else { unreachable!() };
/// assert_eq!(store.claim(&id, &ClaimToken::random()).await.unwrap(), Claim::InFlight);
/// store.complete(&id, &token).await.unwrap();
/// assert_eq!(store.claim(&id, &ClaimToken::random()).await.unwrap(), Claim::Done);
/// # });
/// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     let mut context = std::task::Context::from_waker(std::task::Waker::noop());
/// #     let mut future = std::pin::pin!(future);
/// #     loop {
/// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
/// #     }
/// # }
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    entries: Cache<Arc<str>, State>,
    /// Every operation holds the lock of each of its keys (the stripe its key hashes
    /// to), taken in ascending stripe order so that two operations never wait on
    /// each other's locks. Inside them a claim looks its keys up and inserts them:
    /// no other operation on those keys can run in between, so a claim is atomic
    /// (no check-then-insert race), and a claim of two keys (an id and a signature
    /// fingerprint) takes both or neither, and no one ever sees half of it. moka's
    /// own per-key atomic `entry().and_compute_with()` did the same for one key
    /// but not for two (it needed the same locks, and a rollback), and measured
    /// 10 to 30 % slower per delivery in `benches/stores.rs`.
    stripes: Box<[Mutex<()>]>,
    hasher: RandomState,
    lease: Duration,
    done_ttl: Duration,
}

/// What the store remembers of a delivery id.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    InFlight(ClaimToken),
    Done,
}

/// Per-entry expiry: the lease while a claim is in flight, the done TTL from its
/// completion on. Reads leave the expiry as it is.
struct Lifetimes {
    lease: Duration,
    done_ttl: Duration,
}

impl Lifetimes {
    fn of(&self, state: State) -> Duration {
        match state {
            State::InFlight(_) => self.lease,
            State::Done => self.done_ttl,
        }
    }
}

impl moka::Expiry<Arc<str>, State> for Lifetimes {
    fn expire_after_create(
        &self,
        _key: &Arc<str>,
        state: &State,
        _now: Instant,
    ) -> Option<Duration> {
        Some(self.of(*state))
    }

    fn expire_after_update(
        &self,
        _key: &Arc<str>,
        state: &State,
        _now: Instant,
        _until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.of(*state))
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.inner.entries.entry_count())
            .field("capacity", &self.inner.entries.policy().max_capacity())
            .field("lease", &self.inner.lease)
            .field("done_ttl", &self.inner.done_ttl)
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

    /// How many ids (in flight or done) are remembered now. Runs the cache's pending
    /// maintenance first (eviction, expiry); meant for tests and metrics, not for
    /// every request. An expired id is never answered as remembered, but may be
    /// counted here until the cache's expiry timer, which ticks about once a
    /// second, drops it.
    pub fn len(&self) -> usize {
        self.inner.entries.run_pending_tasks();
        usize::try_from(self.inner.entries.entry_count()).unwrap_or(usize::MAX)
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Locks the stripes of `delivery`'s keys, in ascending order.
    fn lock(&self, delivery: &DeliveryKey) -> [Option<MutexGuard<'_, ()>>; 2] {
        let stripe = |id: &DeliveryId| {
            usize::try_from(self.inner.hasher.hash_one(id.as_str())).unwrap_or(0) % STRIPES
        };
        let first = stripe(delivery.id());
        let second = delivery
            .signature()
            .map(stripe)
            .filter(|&other| other != first);
        let lock = |index: usize| {
            Some(
                self.inner.stripes[index]
                    .lock()
                    // The lock guards no data: a poisoned one is as good.
                    .unwrap_or_else(PoisonError::into_inner),
            )
        };
        match second {
            None => [lock(first), None],
            Some(second) if second < first => {
                let low = lock(second);
                [low, lock(first)]
            }
            Some(second) => {
                let low = lock(first);
                [low, lock(second)]
            }
        }
    }

    fn claim_now(&self, delivery: &DeliveryKey, token: ClaimToken) -> Claim {
        let _locked = self.lock(delivery);
        let entries = &self.inner.entries;
        // Every operation on these keys holds their stripes' locks: nothing can
        // change them between this look-up and the insert below.
        let mut taken = None;
        for id in delivery.keys() {
            match entries.get(id.as_str()) {
                Some(State::Done) => return Claim::Done,
                Some(State::InFlight(_)) => taken = Some(Claim::InFlight),
                None => {}
            }
        }
        if let Some(claim) = taken {
            return claim;
        }
        for id in delivery.keys() {
            entries.insert(Arc::clone(id.as_shared()), State::InFlight(token));
        }
        Claim::Claimed(token)
    }

    /// Completes (`done`) or releases each key `token` owns. A completion also
    /// records a key whose lease lapsed that no other claim took since: the
    /// handler did succeed, and a retry must find it done.
    fn settle(&self, delivery: &DeliveryKey, token: ClaimToken, done: bool) {
        let _locked = self.lock(delivery);
        let entries = &self.inner.entries;
        for id in delivery.keys() {
            match entries.get(id.as_str()) {
                Some(State::InFlight(owner)) if owner == token => {
                    if done {
                        entries.insert(Arc::clone(id.as_shared()), State::Done);
                    } else {
                        entries.invalidate(id.as_str());
                    }
                }
                None if done => entries.insert(Arc::clone(id.as_shared()), State::Done),
                _ => {}
            }
        }
    }

    /// Extends the lease of every key (an update restarts its expiry), claiming
    /// again the lapsed ones no one took, when each key is `token`'s or free; changes
    /// nothing otherwise, as a claim takes all its keys or none.
    fn renew_now(&self, delivery: &DeliveryKey, token: ClaimToken) -> bool {
        let _locked = self.lock(delivery);
        let entries = &self.inner.entries;
        let ours_or_free = delivery.keys().all(|id| match entries.get(id.as_str()) {
            Some(State::InFlight(owner)) => owner == token,
            Some(State::Done) => false,
            None => true,
        });
        if ours_or_free {
            for id in delivery.keys() {
                entries.insert(Arc::clone(id.as_shared()), State::InFlight(token));
            }
        }
        ours_or_free
    }
}

impl DeliveryStore for MemoryStore {
    fn claim(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        ready(Ok(self.claim_now(delivery, *token)))
    }

    fn complete(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.settle(delivery, *token, true);
        ready(Ok(()))
    }

    fn release(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.settle(delivery, *token, false);
        ready(Ok(()))
    }

    fn lease(&self) -> Option<Duration> {
        Some(self.inner.lease)
    }

    fn renew(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        ready(Ok(self.renew_now(delivery, *token)))
    }
}

/// Configures a [`MemoryStore`].
#[derive(Debug, Clone)]
#[must_use]
pub struct MemoryStoreBuilder {
    done_ttl: Duration,
    lease: Duration,
    capacity: usize,
}

impl MemoryStoreBuilder {
    /// How long a done id is remembered after its completion. Default 72 h; keep it
    /// longer than the provider's retry schedule, or a late retry is processed
    /// again.
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

    /// How many ids are kept at most (at least one). Default 100 000; past it the
    /// least recently claimed or completed ids are forgotten first.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Builds the store.
    pub fn build(self) -> MemoryStore {
        let entries = Cache::builder()
            .max_capacity(u64::try_from(self.capacity.max(1)).unwrap_or(u64::MAX))
            .eviction_policy(EvictionPolicy::lru())
            .expire_after(Lifetimes {
                lease: self.lease,
                done_ttl: self.done_ttl,
            })
            .build();
        MemoryStore {
            inner: Arc::new(Inner {
                entries,
                stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
                hasher: RandomState::new(),
                lease: self.lease,
                done_ttl: self.done_ttl,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: impl AsRef<str>) -> DeliveryKey {
        DeliveryKey::new(DeliveryId::new(id))
    }

    fn signed(id: &str, signature: &str) -> DeliveryKey {
        DeliveryKey::with_signature(DeliveryId::new(id), DeliveryId::new(signature))
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        let mut future = std::pin::pin!(future);
        loop {
            if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
    }

    fn claimed(store: &MemoryStore, id: &DeliveryKey) -> ClaimToken {
        match block_on(store.claim(id, &ClaimToken::random())).unwrap() {
            Claim::Claimed(token) => token,
            other => panic!("expected a claim, got {other:?}"),
        }
    }

    #[test]
    fn a_signature_claimed_with_an_id_catches_a_replay_under_a_new_id() {
        let store = MemoryStore::new();
        let first = signed("a", "sig:1");
        let token = claimed(&store, &first);
        // A capture resent under a new id while the first copy runs, then after it.
        assert_eq!(
            block_on(store.claim(&signed("b", "sig:1"), &ClaimToken::random())).unwrap(),
            Claim::InFlight
        );
        block_on(store.complete(&first, &token)).unwrap();
        assert_eq!(
            block_on(store.claim(&signed("b", "sig:1"), &ClaimToken::random())).unwrap(),
            Claim::Done
        );
        // The provider's retry, signed anew, under the same id.
        assert_eq!(
            block_on(store.claim(&signed("a", "sig:2"), &ClaimToken::random())).unwrap(),
            Claim::Done
        );
        // A released claim frees both keys; a refused claim took neither.
        let other = signed("c", "sig:3");
        let token = claimed(&store, &other);
        block_on(store.release(&other, &token)).unwrap();
        claimed(&store, &key("c"));
        claimed(&store, &key("sig:3"));
        claimed(&store, &key("b"));
    }

    #[test]
    fn a_refused_two_key_claim_is_done_if_either_key_is_done() {
        let store = MemoryStore::new();
        let token = claimed(&store, &key("sig:9"));
        block_on(store.complete(&key("sig:9"), &token)).unwrap();
        claimed(&store, &key("x"));
        // The first key is in flight, the second done: done wins.
        assert_eq!(
            block_on(store.claim(&signed("x", "sig:9"), &ClaimToken::random())).unwrap(),
            Claim::Done
        );
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn claim_complete_release() {
        let store = MemoryStore::new();
        let id = key("a");
        let first = claimed(&store, &id);
        assert_eq!(
            block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::InFlight
        );
        // A token that does not own the claim changes nothing.
        block_on(store.release(&id, &ClaimToken::local())).unwrap();
        assert_eq!(
            block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::InFlight
        );
        block_on(store.release(&id, &first)).unwrap();
        let second = claimed(&store, &id);
        // The stale token cannot complete the new claim.
        block_on(store.complete(&id, &first)).unwrap();
        assert_eq!(
            block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::InFlight
        );
        block_on(store.complete(&id, &second)).unwrap();
        assert_eq!(
            block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::Done
        );
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn lease_expires() {
        let store = MemoryStore::builder()
            .lease(Duration::from_millis(50))
            .build();
        let id = key("crashed");
        let stale = claimed(&store, &id);
        assert_eq!(
            block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::InFlight
        );
        std::thread::sleep(Duration::from_millis(80));
        let fresh = claimed(&store, &id);
        // The crashed owner's late release does not free the new claim.
        block_on(store.release(&id, &stale)).unwrap();
        assert_eq!(
            block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::InFlight
        );
        block_on(store.complete(&id, &fresh)).unwrap();
        assert_eq!(
            block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::Done
        );
    }

    #[test]
    fn a_crashed_claim_behind_a_done_id_still_expires() {
        let store = MemoryStore::builder()
            .lease(Duration::from_millis(50))
            .build();
        let done = key("done-first");
        let token = claimed(&store, &done);
        block_on(store.complete(&done, &token)).unwrap();
        let crashed = key("crashed-second");
        claimed(&store, &crashed);
        assert_eq!(
            block_on(store.claim(&crashed, &ClaimToken::random())).unwrap(),
            Claim::InFlight
        );
        std::thread::sleep(Duration::from_millis(80));
        assert!(matches!(
            block_on(store.claim(&crashed, &ClaimToken::random())).unwrap(),
            Claim::Claimed(_)
        ));
        assert_eq!(
            block_on(store.claim(&done, &ClaimToken::random())).unwrap(),
            Claim::Done
        );
    }

    #[test]
    fn done_ids_expire_after_the_ttl_counted_from_completion() {
        let store = MemoryStore::builder()
            .done_ttl(Duration::from_millis(100))
            .build();
        let id = key("old");
        let token = claimed(&store, &id);
        // Completed late: the TTL starts now, not at the claim.
        std::thread::sleep(Duration::from_millis(60));
        block_on(store.complete(&id, &token)).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
            Claim::Done
        );
        std::thread::sleep(Duration::from_millis(80));
        claimed(&store, &id);
    }

    #[test]
    fn capacity_is_bounded_and_forgets_the_oldest_first() {
        let store = MemoryStore::builder().capacity(64).build();
        for n in 0..10_000 {
            let id = key(format!("id-{n}"));
            let token = claimed(&store, &id);
            block_on(store.complete(&id, &token)).unwrap();
        }
        assert!(store.len() <= 64, "{}", store.len());
        // The newest are still remembered; the oldest is forgotten.
        for n in 9_968..10_000 {
            assert_eq!(
                block_on(store.claim(&key(format!("id-{n}")), &ClaimToken::random())).unwrap(),
                Claim::Done,
                "id-{n}"
            );
        }
        claimed(&store, &key("id-0"));
    }

    #[test]
    fn a_new_id_is_never_refused_at_capacity() {
        // With moka's default admission (`TinyLFU`), a full cache of ids that were
        // each claimed and completed refuses most new ids: their copies would be
        // processed again. LRU admits every new id.
        let store = MemoryStore::builder().capacity(100).build();
        for n in 0..100 {
            let id = key(format!("old-{n}"));
            let token = claimed(&store, &id);
            block_on(store.complete(&id, &token)).unwrap();
            assert_eq!(
                block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
                Claim::Done
            );
        }
        for n in 0..1_000 {
            let id = key(format!("new-{n}"));
            let token = claimed(&store, &id);
            block_on(store.complete(&id, &token)).unwrap();
            store.inner.entries.run_pending_tasks();
            assert_eq!(
                block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
                Claim::Done,
                "new-{n}"
            );
        }
    }

    #[test]
    fn expired_entries_are_dropped() {
        let store = MemoryStore::builder()
            .lease(Duration::from_millis(20))
            .done_ttl(Duration::from_millis(20))
            .build();
        for n in 0..1_000 {
            let id = key(format!("x-{n}"));
            let token = claimed(&store, &id);
            if n % 2 == 0 {
                block_on(store.complete(&id, &token)).unwrap();
            }
        }
        std::thread::sleep(Duration::from_millis(40));
        // Expired at once for claims...
        for n in (0..1_000).step_by(7) {
            claimed(&store, &key(format!("x-{n}")));
        }
        for n in 0..1_024 {
            claimed(&store, &key(format!("y-{n}")));
        }
        // ... and dropped by the cache's maintenance within its timer's tick
        // (about a second), the new claims having expired as well by then.
        std::thread::sleep(Duration::from_millis(1_500));
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn released_claims_are_forgotten() {
        let store = MemoryStore::new();
        for n in 0..100_000 {
            let id = key(format!("settled-{n}"));
            let token = claimed(&store, &id);
            if n % 2 == 0 {
                block_on(store.complete(&id, &token)).unwrap();
            } else {
                block_on(store.release(&id, &token)).unwrap();
            }
        }
        assert_eq!(store.len(), 50_000);
    }

    #[test]
    fn concurrent_claims_have_one_winner() {
        let store = MemoryStore::new();
        let id = key("contended");
        let winners: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|_| {
                    scope.spawn(|| {
                        matches!(
                            block_on(store.claim(&id, &ClaimToken::random())).unwrap(),
                            Claim::Claimed(_)
                        )
                    })
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
    fn concurrent_two_key_claims_are_all_or_none() {
        // Sixteen threads each claim one delivery per round: fresh ids, half of
        // them with the signature "a" then "b", half "b" then "a" (as two replays
        // of one capture would share a fingerprint). One claim wins per round, and
        // the losers leave nothing behind.
        let store = MemoryStore::new();
        for round in 0..200 {
            let winners: usize = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..16)
                    .map(|thread| {
                        let store = &store;
                        scope.spawn(move || {
                            let (first, second) = if thread % 2 == 0 {
                                (format!("{round}-a"), format!("{round}-b"))
                            } else {
                                (format!("{round}-b"), format!("{round}-a"))
                            };
                            let mine = signed(&first, &second);
                            matches!(
                                block_on(store.claim(&mine, &ClaimToken::random())).unwrap(),
                                Claim::Claimed(_)
                            )
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| usize::from(h.join().unwrap()))
                    .sum()
            });
            assert_eq!(winners, 1, "round {round}");
        }
        assert_eq!(store.len(), 400);
    }

    #[test]
    fn tokens_are_unique() {
        let local: std::collections::HashSet<_> = (0..1000).map(|_| ClaimToken::local()).collect();
        let random: std::collections::HashSet<_> =
            (0..1000).map(|_| ClaimToken::random()).collect();
        assert_eq!(local.len() + random.len(), 2000);
    }
}
