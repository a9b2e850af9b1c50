//! The hand-written in-memory store that moka replaced, copied unchanged from
//! commit 0429ea0 (`crates/webhook-gate/src/store/memory.rs`) but for its imports,
//! its doc example and its tests: kept only to be measured against the moka store in
//! the same run.

use std::collections::VecDeque;
use std::collections::hash_map::{self, HashMap};
use std::future::{Future, ready};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use webhook_gate::DeliveryId;
use webhook_gate::store::{
    Claim, ClaimToken, DEFAULT_DONE_TTL, DEFAULT_LEASE, DeliveryKey, DeliveryStore, StoreError,
};

/// Default number of delivery ids remembered.
pub const DEFAULT_CAPACITY: usize = 100_000;

const SHARDS: usize = 16;

/// Dedupe inside one process: sharded and bounded. An in-flight claim expires after
/// the lease, a done id after the done TTL, both counted from the claim. Clones
/// share the same entries.
///
/// Both lifetimes are the same for every entry, so each shard keeps its claims in
/// one queue, oldest first, and drops expired entries from its front: O(1) per
/// operation, no background task; completing a claim marks its entry done in
/// place. When a shard is full its oldest claim is forgotten first; an id forgotten
/// early is processed again if the provider re-sends it, so size the capacity
/// above the number of deliveries you receive in one done TTL.
///
/// For several replicas behind a load balancer, use a shared store (Redis).
///
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    shards: Vec<Mutex<Shard>>,
    hasher: RandomState,
    lease: Duration,
    done_ttl: Duration,
    shard_capacity: usize,
}

/// A delivery id with its hash, computed once per operation (keyed SipHash): it
/// picks the shard and the bucket, and the queue keeps it for the eviction.
#[derive(Clone)]
struct Key {
    hash: u64,
    id: Arc<str>,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.id == other.id
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Passes a [`Key`]'s hash through.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is called (`Key::hash`); fold anything else in anyway.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

struct Shard {
    entries: HashMap<Key, Entry, BuildHasherDefault<KeyHasher>>,
    /// Every claim, oldest first: (claimed at, id, generation). Completing a claim
    /// turns its entry into a done marker in place, so one item per claim suffices.
    queue: VecDeque<(Instant, Key, u64)>,
    next_generation: u64,
    /// The front item was found unexpired: its generation and when it expires, so
    /// that the next writes need not look it up again.
    front_until: Option<(u64, Instant)>,
    /// Length of `queue` at which the items of released claims are dropped.
    compact_at: usize,
}

struct Entry {
    state: State,
    claimed_at: Instant,
    /// Which claim this entry is; a queue item of an older claim is stale.
    generation: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    InFlight(ClaimToken),
    Done,
}

impl Default for Shard {
    fn default() -> Self {
        Self {
            entries: HashMap::default(),
            queue: VecDeque::new(),
            next_generation: 0,
            front_until: None,
            compact_at: MIN_COMPACT,
        }
    }
}

/// The queue is compacted no more often than every this many claims.
const MIN_COMPACT: usize = 256;

/// The two lifetimes of an entry, counted from its claim.
#[derive(Clone, Copy)]
struct Lifetimes {
    lease: Duration,
    done_ttl: Duration,
}

impl Lifetimes {
    fn expires(self, entry: &Entry) -> Instant {
        entry.claimed_at
            + match entry.state {
                State::InFlight(_) => self.lease,
                State::Done => self.done_ttl,
            }
    }
}

impl Shard {
    /// Drops expired entries from the front of the queue. Entries behind an
    /// unexpired front (an in-flight claim behind a done id) wait for it, or for
    /// eviction; look-ups check the expiry themselves.
    fn expire(&mut self, now: Instant, lifetimes: Lifetimes) {
        let shortest = lifetimes.lease.min(lifetimes.done_ttl);
        while let Some((claimed_at, key, generation)) = self.queue.front() {
            if *claimed_at + shortest > now {
                break;
            }
            if let Some((blocked, until)) = self.front_until
                && blocked == *generation
                && until > now
            {
                break;
            }
            match self.entries.get(key) {
                Some(entry) if entry.generation == *generation => {
                    let expires = lifetimes.expires(entry);
                    if expires > now {
                        self.front_until = Some((*generation, expires));
                        break;
                    }
                    let (_, key, _) = self.queue.pop_front().expect("front exists");
                    self.entries.remove(&key);
                }
                // Released, or claimed again since: a stale item.
                _ => {
                    self.queue.pop_front();
                }
            }
        }
    }

    /// Keeps the shard within `capacity`, forgetting the oldest claims first.
    fn bound(&mut self, capacity: usize) {
        while self.entries.len() > capacity {
            let Some((_, key, generation)) = self.queue.pop_front() else {
                break;
            };
            if let hash_map::Entry::Occupied(entry) = self.entries.entry(key)
                && entry.get().generation == generation
            {
                entry.remove();
            }
        }
    }

    /// A released claim leaves a stale item in the queue. Once the queue is twice
    /// the entries it serves, stale items are dropped: amortized O(1) per claim.
    fn compact(&mut self) {
        if self.queue.len() < self.compact_at {
            return;
        }
        let entries = &self.entries;
        self.queue.retain(|(_, key, generation)| {
            entries
                .get(key)
                .is_some_and(|entry| entry.generation == *generation)
        });
        self.compact_at = (self.queue.len() * 2).max(MIN_COMPACT);
    }

    fn claim(&mut self, key: Key, token: ClaimToken, now: Instant) {
        self.next_generation += 1;
        let generation = self.next_generation;
        self.queue.push_back((now, key.clone(), generation));
        self.entries.insert(
            key,
            Entry {
                state: State::InFlight(token),
                claimed_at: now,
                generation,
            },
        );
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.len())
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

    /// How many ids (in flight or done) are remembered now, expired ones included
    /// until the next write to their shard.
    pub fn len(&self) -> usize {
        self.inner
            .shards
            .iter()
            .map(|shard| lock(shard).entries.len())
            .sum()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id's key and the index of its shard.
    fn key(&self, id: &DeliveryId) -> (Key, usize) {
        let hash = self.inner.hasher.hash_one(id.as_str());
        // Middle bits: the map takes its bucket from the low bits and its tag from the
        // top seven, which must stay as varied inside a shard as they are overall.
        let index = usize::try_from((hash >> 32) & 0xffff).unwrap_or(0) % SHARDS;
        let key = Key {
            hash,
            id: Arc::clone(id.as_shared()),
        };
        (key, index)
    }

    /// The keys of `delivery` with the shards they live in, locked in ascending
    /// order (so that two claims never wait on each other's locks), each key
    /// pointing at its shard's guard.
    fn lock_keys(&self, delivery: &DeliveryKey) -> (Vec<(Key, usize)>, Vec<MutexGuard<'_, Shard>>) {
        let mut keys: Vec<(Key, usize)> = delivery.keys().map(|id| self.key(id)).collect();
        let mut indexes: Vec<usize> = keys.iter().map(|(_, index)| *index).collect();
        indexes.sort_unstable();
        indexes.dedup();
        for (_, index) in &mut keys {
            *index = indexes.binary_search(index).unwrap_or(0);
        }
        let guards = indexes
            .iter()
            .map(|&index| lock(&self.inner.shards[index]))
            .collect();
        (keys, guards)
    }

    fn lifetimes(&self) -> Lifetimes {
        Lifetimes {
            lease: self.inner.lease,
            done_ttl: self.inner.done_ttl,
        }
    }

    fn claim_now(&self, delivery: &DeliveryKey, token: ClaimToken) -> Claim {
        let now = Instant::now();
        let lifetimes = self.lifetimes();
        let (keys, mut shards) = self.lock_keys(delivery);
        for shard in &mut shards {
            shard.expire(now, lifetimes);
        }
        let mut taken = None;
        for (key, shard) in &keys {
            if let Some(entry) = shards[*shard].entries.get(key)
                && lifetimes.expires(entry) > now
            {
                taken = match (taken, entry.state) {
                    (_, State::Done) | (Some(Claim::Done), _) => Some(Claim::Done),
                    _ => Some(Claim::InFlight),
                };
            }
        }
        if let Some(claim) = taken {
            return claim;
        }
        for (key, shard) in keys {
            shards[shard].claim(key, token, now);
        }
        for shard in &mut shards {
            shard.bound(self.inner.shard_capacity);
            shard.compact();
        }
        Claim::Claimed(token)
    }

    fn settle(&self, delivery: &DeliveryKey, token: ClaimToken, done: bool) {
        let (keys, mut shards) = self.lock_keys(delivery);
        for (key, shard) in keys {
            let shard = &mut shards[shard];
            let Some(entry) = shard.entries.get_mut(&key) else {
                continue;
            };
            if entry.state != State::InFlight(token) {
                continue;
            }
            if done {
                entry.state = State::Done;
            } else {
                shard.entries.remove(&key);
            }
        }
    }
}

/// A poisoned shard is still consistent (no operation panics half-way), so it is
/// used as it is.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// How many ids are kept at most (at least one per shard). Default 100 000.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Builds the store.
    pub fn build(self) -> MemoryStore {
        MemoryStore {
            inner: Arc::new(Inner {
                shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
                hasher: RandomState::new(),
                lease: self.lease,
                done_ttl: self.done_ttl,
                shard_capacity: self.capacity.div_ceil(SHARDS).max(1),
            }),
        }
    }
}
