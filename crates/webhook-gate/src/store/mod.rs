//! Deduplication: the claim / complete / release protocol every delivery store keeps.
//!
//! A receiver **claims** a delivery id before it runs the handler. Exactly one of
//! several concurrent copies gets the claim; the others learn that the delivery is
//! in flight, or already done. When the handler succeeds the claim is **completed**
//! (the id is remembered as done for the store's TTL); when it fails, panics or the
//! request is dropped the claim is **released**, so that the provider's retry is
//! processed. A claim whose owner died is freed when its lease runs out.
//!
//! # Writing a store
//!
//! Implement [`DeliveryStore`], then run the store contract against it: the
//! `testing` feature adds [`testing::run_contract`], one suite of checks every store
//! must pass (claims, in-flight and done duplicates, release, stale tokens, lease
//! and done TTL expiry, capacity, 64 concurrent claims, two-key claims,
//! namespaces). [`MemoryStore`] and `webhook_gate_redis::RedisStore` run it in
//! their tests; so should yours:
//!
//! ```toml
//! [dev-dependencies]
//! webhook-gate = { version = "0.1", features = ["testing"] }
//! ```
//!
//! A store keys by the strings [`DeliveryKey::keys`] gives: the receiver has already
//! put the route's [`Namespace`] in them, so a store needs no notion of routes.
//!
//! # Stores that commit the handler's effects
//!
//! A store can do more than remember: `webhook_gate_postgres::ExactlyOnce` claims a
//! delivery by opening a transaction, hands it to the handler
//! ([`DeliveryStore::claim_context`], read back with
//! [`DeliveryInfo::claim_context`](crate::receive::DeliveryInfo::claim_context)),
//! and commits the handler's writes with the delivery's done row in
//! [`complete`](DeliveryStore::complete). Such a store says so
//! ([`DeliveryStore::commits_effects`]): the receiver then answers 503 when the
//! completion fails (the effects are gone, the provider must retry), and never
//! runs the handler without the store.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest as _, Sha256};

use crate::delivery::DeliveryId;

mod dynamic;
#[cfg(feature = "memory-store")]
mod memory;
#[cfg(feature = "testing")]
pub mod testing;

pub use dynamic::{BoxStoreFuture, DynStore, ErasedStore};
#[cfg(feature = "memory-store")]
pub use memory::{DEFAULT_CAPACITY, MemoryStore, MemoryStoreBuilder};

/// Default time a done delivery id is remembered: 72 h, longer than the retry
/// schedule of every provider guide (the longest, DataFlow's, ends after 6 h).
pub const DEFAULT_DONE_TTL: Duration = Duration::from_secs(72 * 60 * 60);

/// What a store hands the handler of a delivery it claimed, through
/// [`DeliveryInfo::claim_context`](crate::receive::DeliveryInfo::claim_context): an
/// exactly-once store's open transaction, say. Stores that only deduplicate have
/// none.
pub type ClaimContext = Arc<dyn std::any::Any + Send + Sync>;

/// Default lease of an in-flight claim: after it, a claim whose owner crashed no
/// longer blocks the provider's retries.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request owns the delivery: run the handler, then complete or release.
    Claimed(ClaimToken),
    /// Another copy of the delivery is being processed right now.
    InFlight,
    /// The delivery was processed already.
    Done,
}

/// Proof of one claim: only the owner of a claim can complete or release it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken(u128);

impl ClaimToken {
    /// A token unique across processes and machines: this process's 128-bit
    /// origin (derived once with SHA-256 from the time, the process id and an
    /// address) plus a counter. Tokens prove ownership to a store, not to anyone
    /// else: they need to be unique, not secret.
    pub fn random() -> Self {
        static ORIGIN: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
        let origin = *ORIGIN.get_or_init(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos());
            let stack_marker = &raw const nanos as usize;
            let mut hasher = Sha256::new();
            hasher.update(nanos.to_le_bytes());
            hasher.update(std::process::id().to_le_bytes());
            hasher.update(stack_marker.to_le_bytes());
            let digest: [u8; 32] = hasher.finalize().into();
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            u128::from_le_bytes(bytes)
        });
        let count = NEXT_LOCAL.fetch_add(1, Ordering::Relaxed);
        Self(origin.wrapping_add(u128::from(count)))
    }

    /// A token unique inside this process (a counter): for in-process stores.
    pub fn local() -> Self {
        Self(u128::from(NEXT_LOCAL.fetch_add(1, Ordering::Relaxed)))
    }

    /// The token from its value, as read back from a store.
    pub const fn from_u128(value: u128) -> Self {
        Self(value)
    }

    /// The token's value.
    pub const fn as_u128(self) -> u128 {
        self.0
    }
}

static NEXT_LOCAL: AtomicU64 = AtomicU64::new(1);

impl fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimToken({:032x})", self.0)
    }
}

impl fmt::Display for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// The store could not answer (unreachable, timed out, ...).
///
/// Adapters fail closed by default: the delivery gets 503 with `Retry-After` and
/// the handler does not run, so the provider retries and nothing is lost.
#[derive(Debug, thiserror::Error)]
#[error("delivery store unavailable: {message}")]
pub struct StoreError {
    message: String,
}

impl StoreError {
    /// A store error with a message (which must not contain secrets or credentials).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// What a delivery is claimed under: its id and, when the signature does not cover
/// the id, the fingerprint of the verified signature as well.
///
/// An id that the signature does not cover (GitHub's `X-GitHub-Delivery`, Shopify's
/// `X-Shopify-Webhook-Id`, ...) could be changed by anyone who captured a delivery:
/// alone it would let the capture be replayed under a fresh id. Claimed together
/// with the signature's fingerprint, the replay finds the fingerprint taken and is
/// answered as a duplicate, while the provider's own retries (same id) behave as
/// before. A store claims every key of a `DeliveryKey` atomically: all or none.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryKey {
    id: DeliveryId,
    signature: Option<DeliveryId>,
}

impl DeliveryKey {
    /// A delivery claimed under `id` alone (the signature covers it).
    pub fn new(id: DeliveryId) -> Self {
        Self {
            id,
            signature: None,
        }
    }

    /// A delivery claimed under `id` and the fingerprint `signature` of its verified
    /// signature.
    pub fn with_signature(id: DeliveryId, signature: DeliveryId) -> Self {
        let signature = (signature != id).then_some(signature);
        Self { id, signature }
    }

    /// The delivery id.
    pub fn id(&self) -> &DeliveryId {
        &self.id
    }

    /// The signature fingerprint claimed with the id, if any.
    pub fn signature(&self) -> Option<&DeliveryId> {
        self.signature.as_ref()
    }

    /// Every key to claim: the id, then the signature fingerprint.
    pub fn keys(&self) -> impl Iterator<Item = &DeliveryId> {
        std::iter::once(&self.id).chain(self.signature.as_ref())
    }
}

impl DeliveryKey {
    /// The same delivery with each key put in `namespace` (`<namespace>:<key>`), so
    /// that it does not collide with the same ids in another namespace of a shared
    /// store.
    #[must_use]
    pub fn in_namespace(&self, namespace: &Namespace) -> Self {
        let put = |id: &DeliveryId| {
            let mut key = String::with_capacity(namespace.prefix.len() + id.as_str().len());
            key.push_str(&namespace.prefix);
            key.push_str(id.as_str());
            DeliveryId::new(key)
        };
        Self {
            id: put(&self.id),
            signature: self.signature.as_ref().map(put),
        }
    }
}

/// Where a route's delivery ids live in a store, so that routes sharing a store
/// cannot claim each other's ids: a sender who holds one provider's secret cannot
/// pre-claim, or answer as duplicates, another provider's deliveries.
///
/// A receiver's default namespace is its scheme's name and a fingerprint of its
/// verifier's secrets ([`Namespace::of_verifier`]); set one yourself with
/// `Receiver::namespace` to keep dedupe across a secret rotation (the fingerprint
/// changes with the secrets) or to share it between routes on purpose.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Namespace {
    /// The label with `%` and `:` escaped, then `:`: the first `:` of a key ends
    /// its namespace, so no namespace and id can spell another's.
    prefix: Arc<str>,
}

impl Namespace {
    /// A namespace named `label` (any text).
    pub fn new(label: impl AsRef<str>) -> Self {
        let label = label.as_ref();
        let mut prefix = String::with_capacity(label.len() + 1);
        for character in label.chars() {
            match character {
                '%' => prefix.push_str("%25"),
                ':' => prefix.push_str("%3A"),
                other => prefix.push(other),
            }
        }
        prefix.push(':');
        Self {
            prefix: Arc::from(prefix),
        }
    }

    /// The default namespace of a route verified by `verifier`: its scheme's name,
    /// a dot, and 16 hex digits fingerprinting its secrets (HMAC-SHA-256 of a fixed
    /// label under each secret's key, sorted, hashed together; no more revealing
    /// than any signature the route receives).
    pub fn of_verifier(verifier: &crate::Verifier) -> Self {
        Self::new(format!(
            "{}.{}",
            verifier.scheme().name(),
            verifier.secrets_fingerprint()
        ))
    }

    /// The namespace as keys start with it (escaped, ending with `:`).
    pub fn as_prefix(&self) -> &str {
        &self.prefix
    }
}

impl fmt::Debug for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Namespace").field(&&*self.prefix).finish()
    }
}

impl From<DeliveryId> for DeliveryKey {
    fn from(id: DeliveryId) -> Self {
        Self::new(id)
    }
}

/// Remembers which deliveries are in flight and which are done.
///
/// Implementations must make [`claim`](Self::claim) atomic: of any number of
/// concurrent claims sharing a key, at most one returns [`Claim::Claimed`] until that
/// claim is released or its lease expires. A claim of several keys
/// ([`DeliveryKey::keys`]) succeeds only when every key is free, and is then
/// [`Claim::Done`] if any key is done, [`Claim::InFlight`] if any is in flight.
pub trait DeliveryStore: Send + Sync + 'static {
    /// Whether this store deduplicates at all (`false` only for `()`, the store of
    /// a receiver without dedupe: it then needs no delivery id).
    fn deduplicates(&self) -> bool {
        true
    }

    /// Claims every key of `delivery` for processing under `token`, chosen by the
    /// caller (a fresh [`ClaimToken::random`]): [`Claim::Claimed`] carries it back.
    /// Knowing it beforehand, a caller whose claim timed out can release the claim
    /// that may have landed anyway.
    fn claim(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Marks a claimed delivery as done (each of its keys that `token` still owns).
    fn complete(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives up a claim (each key that `token` still owns), so that a retry is
    /// processed.
    fn release(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// How long an in-flight claim lives unless renewed, for a store that leases
    /// claims: while the handler runs, the receiver [renews](Self::renew) the claim
    /// every third of it. Default `None`: claims are never renewed.
    fn lease(&self) -> Option<std::time::Duration> {
        None
    }

    /// Whether [`complete`](Self::complete) commits the handler's effects with the
    /// delivery (an exactly-once store: the handler wrote in the store's
    /// transaction). Then a completion that fails means the effects are gone: the
    /// delivery is answered 503 with `Retry-After` instead of the handler's
    /// response, so that the provider retries, and the store never fails open.
    /// Default `false`: a failed completion is logged and the claim expires.
    fn commits_effects(&self) -> bool {
        false
    }

    /// What the handler of a claim this store just granted receives, in its
    /// [`DeliveryInfo`](crate::receive::DeliveryInfo). Default `None`.
    fn claim_context(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Option<ClaimContext> {
        let _ = (delivery, token);
        None
    }

    /// Keeps a claim alive while its handler runs: extends the lease of each key of
    /// `delivery` that `token` owns, and claims again each one whose lease lapsed
    /// that no other claim took since. `true` when `token` then owns every key;
    /// `false` when another claim (or a completion) took one. Default: `false`.
    fn renew(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let _ = (delivery, token);
        std::future::ready(Ok(false))
    }
}

impl<T: DeliveryStore> DeliveryStore for std::sync::Arc<T> {
    fn deduplicates(&self) -> bool {
        (**self).deduplicates()
    }

    fn claim(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        (**self).claim(delivery, token)
    }

    fn complete(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).complete(delivery, token)
    }

    fn release(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).release(delivery, token)
    }

    fn lease(&self) -> Option<std::time::Duration> {
        (**self).lease()
    }

    fn commits_effects(&self) -> bool {
        (**self).commits_effects()
    }

    fn claim_context(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Option<ClaimContext> {
        (**self).claim_context(delivery, token)
    }

    fn renew(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).renew(delivery, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(key: &DeliveryKey) -> Vec<&str> {
        key.keys().map(DeliveryId::as_str).collect()
    }

    #[test]
    fn a_namespace_prefixes_every_key() {
        let key = DeliveryKey::with_signature(DeliveryId::new("evt_1"), DeliveryId::new("sig:ab"))
            .in_namespace(&Namespace::new("github.0123"));
        assert_eq!(keys(&key), ["github.0123:evt_1", "github.0123:sig:ab"]);
    }

    #[test]
    fn a_verifier_namespace_is_its_scheme_and_its_secrets() {
        use crate::{Preset, Verifier};
        let verifier = |preset: Preset, secrets: &[&str]| {
            Verifier::builder(preset.scheme())
                .secrets(secrets.iter().copied())
                .build()
                .unwrap()
        };
        let namespace = |preset, secrets| Namespace::of_verifier(&verifier(preset, secrets));
        let github = namespace(Preset::GitHub, &["one"]);
        assert!(github.as_prefix().starts_with("github."), "{github:?}");
        // 16 hex digits and the separator.
        assert_eq!(github.as_prefix().len(), "github.".len() + 17);
        assert_eq!(github, namespace(Preset::GitHub, &["one"]));
        assert_ne!(github, namespace(Preset::GitHub, &["two"]));
        assert_ne!(github, namespace(Preset::GitHub, &["one", "two"]));
        assert_ne!(github, namespace(Preset::Shopify, &["one"]));
        // The order the secrets were added in does not matter.
        assert_eq!(
            namespace(Preset::GitHub, &["one", "two"]),
            namespace(Preset::GitHub, &["two", "one"])
        );
        // Nothing of the secret shows.
        assert!(!format!("{github:?}").contains("one"));
    }

    #[test]
    fn no_namespace_and_id_spell_another() {
        let left = DeliveryKey::new(DeliveryId::new("c")).in_namespace(&Namespace::new("a:b"));
        let right = DeliveryKey::new(DeliveryId::new("b:c")).in_namespace(&Namespace::new("a"));
        assert_eq!(keys(&left), ["a%3Ab:c"]);
        assert_eq!(keys(&right), ["a:b:c"]);
        let escaped = DeliveryKey::new(DeliveryId::new("c")).in_namespace(&Namespace::new("a%3Ab"));
        assert_eq!(keys(&escaped), ["a%253Ab:c"]);
    }
}
