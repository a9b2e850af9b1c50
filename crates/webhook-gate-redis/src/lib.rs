//! A Redis [`DeliveryStore`] for [`webhook_gate`]: the same claim / complete /
//! release semantics as the in-memory store, held across every replica of a
//! receiver, so that a provider's retry that lands on another replica is still
//! recognised.
//!
//! ```no_run
//! use webhook_gate::receive::Receiver;
//! use webhook_gate::{Preset, Verifier};
//! use webhook_gate_redis::RedisStore;
//! use webhook_gate_tower::WebhookLayer;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = RedisStore::builder("redis://127.0.0.1:6379/").prefix("billing:").build()?;
//! let verifier = Verifier::new(Preset::Stripe.scheme(), std::env::var("STRIPE_WEBHOOK_SECRET")?)?;
//! let layer = WebhookLayer::from(Receiver::new(verifier).store(store));
//! # let _ = layer;
//! # Ok(())
//! # }
//! ```
//!
//! # How it works
//!
//! Each delivery is one key, `<prefix><delivery id>`, where a receiver has put its
//! route's namespace in the delivery id (`<scheme>.<secrets fingerprint>:<id>` by
//! default), so routes sharing a prefix do not share ids:
//! - **claim**: `SET key <token> NX PX <lease> GET`, one round trip. The answer says
//!   it all: nothing (the claim is ours), `done` (processed before), or another
//!   token (in flight elsewhere). The token is 128 random-looking bits unique to
//!   this claim. A claim whose owner dies expires after the lease, so the
//!   provider's retry is processed.
//! - **complete**: a Lua script turns the key into `done` with the done TTL, only
//!   if it still holds our token: one round trip.
//! - **release**: a Lua compare-and-delete, only if the key still holds our token.
//!
//! Claim + complete are two round trips per delivery.
//!
//! Where the signature does not cover the delivery id (GitHub, Shopify, ...), a
//! delivery is claimed under two keys, the id and the signature's fingerprint
//! (`<prefix><namespace>:sig:<fingerprint>`), so that a capture resent under a new id is a
//! duplicate: the claim is then one Lua script over both keys (all or none), and
//! complete and release settle both, still one round trip each. Those two keys
//! hash to different slots, so such schemes need a single Redis server (or a
//! replicated primary), not Redis Cluster; schemes whose id is signed (Stripe,
//! Standard Webhooks, ...) touch one key per command.
//!
//! `SET ... NX GET` needs Redis 7.0 or newer (or a compatible server).
//!
//! # When Redis is unavailable
//!
//! Every command fails fast (connection and response timeouts, default 1 s) with a
//! [`StoreError`]. The adapters then fail closed by default: 503 with
//! `Retry-After`, the handler does not run, the provider retries and nothing is
//! lost. With [`StoreFailure::FailOpen`](webhook_gate::receive::StoreFailure) the handler
//! runs without dedupe instead. The connection manager reconnects by itself.
//!
//! `rediss://` URLs need the `tls` feature (rustls, with the application
//! installing a rustls crypto provider).

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::io::tcp::TcpSettings;
use redis::{IntoConnectionInfo as _, Script, Value};
use webhook_gate::store::{
    Claim, ClaimToken, DEFAULT_DONE_TTL, DEFAULT_LEASE, DeliveryKey, StoreError,
};
use webhook_gate::{DeliveryId, DeliveryStore};

/// The value of a key whose delivery is done.
const DONE: &str = "done";

/// Claims every key at once, or none: `done` if any key is done, another key's
/// value if any is in flight, nothing when the claim is ours. For deliveries with a
/// second key (an id the signature does not cover, and the signature's
/// fingerprint).
const CLAIM_ALL: &str = r"
local taken = false
for _, key in ipairs(KEYS) do
    local value = redis.call('GET', key)
    if value == ARGV[3] then
        return value
    end
    if value then
        taken = value
    end
end
if taken then
    return taken
end
for _, key in ipairs(KEYS) do
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
end
return false
";

/// Turns each key that still holds our claim into a done marker with the done TTL,
/// and each key whose lease lapsed that no other claim took since (the handler did
/// succeed: a retry must find it done).
const COMPLETE: &str = r"
local settled = 0
for _, key in ipairs(KEYS) do
    local value = redis.call('GET', key)
    if value == ARGV[1] or not value then
        redis.call('SET', key, ARGV[2], 'PX', ARGV[3])
        settled = settled + 1
    end
end
return settled
";

/// Extends the lease of every key, claiming again the lapsed ones, when each key is
/// ours or free; changes nothing otherwise. 1 when the claim is ours, else 0.
const RENEW: &str = r"
for _, key in ipairs(KEYS) do
    local value = redis.call('GET', key)
    if value and value ~= ARGV[1] then
        return 0
    end
end
for _, key in ipairs(KEYS) do
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
end
return 1
";

/// Deletes each key that still holds our claim.
const RELEASE: &str = r"
local released = 0
for _, key in ipairs(KEYS) do
    if redis.call('GET', key) == ARGV[1] then
        released = released + redis.call('DEL', key)
    end
end
return released
";

/// A [`DeliveryStore`] on Redis. Cheap to clone: clones share one multiplexed,
/// self-reconnecting connection.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    done_ttl_ms: u64,
    lease_ms: u64,
    claim_all: Script,
    complete: Script,
    release: Script,
    renew: Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: it is not kept, and not printed.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("done_ttl_ms", &self.done_ttl_ms)
            .field("lease_ms", &self.lease_ms)
            .finish_non_exhaustive()
    }
}

/// The store could not be configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The URL is not a Redis URL this build can use.
    #[error("invalid Redis URL: {0}")]
    InvalidUrl(String),
    /// A duration is zero or does not fit in milliseconds.
    #[error("the {0} must be between 1 ms and u64::MAX ms")]
    InvalidDuration(&'static str),
}

impl RedisStore {
    /// Starts configuring a store for the server at `url` (`redis://host:port/db`,
    /// with `redis://:password@host/` or `redis://user:password@host/` for ACLs).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: "webhook:".to_owned(),
            done_ttl: DEFAULT_DONE_TTL,
            lease: DEFAULT_LEASE,
            connection_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(1),
        }
    }

    fn key(&self, id: &DeliveryId) -> String {
        let mut key = String::with_capacity(self.prefix.len() + id.as_str().len());
        key.push_str(&self.prefix);
        key.push_str(id.as_str());
        key
    }
}

fn unavailable(error: &redis::RedisError) -> StoreError {
    // RedisError's Display holds no credentials (the URL is not part of it).
    StoreError::new(format!("redis: {error}"))
}

impl DeliveryStore for RedisStore {
    async fn claim(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<Claim, StoreError> {
        let token = *token;
        let mut connection = self.connection.clone();
        let previous: Value = if delivery.signature().is_none() {
            redis::cmd("SET")
                .arg(self.key(delivery.id()))
                .arg(token.to_string())
                .arg("NX")
                .arg("PX")
                .arg(self.lease_ms)
                .arg("GET")
                .query_async(&mut connection)
                .await
        } else {
            let mut invocation = self.claim_all.prepare_invoke();
            for id in delivery.keys() {
                invocation.key(self.key(id));
            }
            invocation
                .arg(token.to_string())
                .arg(self.lease_ms)
                .arg(DONE)
                .invoke_async(&mut connection)
                .await
        }
        .map_err(|error| unavailable(&error))?;
        Ok(match previous {
            Value::Nil => Claim::Claimed(token),
            Value::BulkString(value) if value == DONE.as_bytes() => Claim::Done,
            Value::SimpleString(value) if value == DONE => Claim::Done,
            _ => Claim::InFlight,
        })
    }

    async fn complete(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        let mut invocation = self.complete.prepare_invoke();
        for id in delivery.keys() {
            invocation.key(self.key(id));
        }
        let _settled: i64 = invocation
            .arg(token.to_string())
            .arg(DONE)
            .arg(self.done_ttl_ms)
            .invoke_async(&mut connection)
            .await
            .map_err(|error| unavailable(&error))?;
        Ok(())
    }

    async fn release(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        let mut invocation = self.release.prepare_invoke();
        for id in delivery.keys() {
            invocation.key(self.key(id));
        }
        let _released: i64 = invocation
            .arg(token.to_string())
            .invoke_async(&mut connection)
            .await
            .map_err(|error| unavailable(&error))?;
        Ok(())
    }

    fn lease(&self) -> Option<Duration> {
        Some(Duration::from_millis(self.lease_ms))
    }

    async fn renew(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let mut invocation = self.renew.prepare_invoke();
        for id in delivery.keys() {
            invocation.key(self.key(id));
        }
        let owned: i64 = invocation
            .arg(token.to_string())
            .arg(self.lease_ms)
            .invoke_async(&mut connection)
            .await
            .map_err(|error| unavailable(&error))?;
        Ok(owned == 1)
    }
}

/// Configures a [`RedisStore`].
#[derive(Clone)]
#[must_use]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    done_ttl: Duration,
    lease: Duration,
    connection_timeout: Duration,
    response_timeout: Duration,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("prefix", &self.prefix)
            .field("done_ttl", &self.done_ttl)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    /// The prefix of every key. Default `webhook:`. Routes need not have one each
    /// (a receiver puts its route's namespace in every key); give one to each
    /// application sharing the Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a done delivery is remembered. Default 72 h, longer than the retry
    /// schedule of every provider guide.
    pub fn done_ttl(mut self, ttl: Duration) -> Self {
        self.done_ttl = ttl;
        self
    }

    /// How long a claim blocks other copies when its owner never settles it (a
    /// crash). Default 60 s; keep it above your handler's longest run.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long connecting may take before the command fails. Default 1 s.
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// How long a command may wait for its answer before it fails. Default 1 s.
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Builds the store. It connects lazily: a receiver starts even while Redis is
    /// down, and fails its deliveries closed until Redis is back.
    ///
    /// Must be called inside a tokio runtime.
    pub fn build(self) -> Result<RedisStore, RedisStoreError> {
        let millis = |duration: Duration, what| {
            u64::try_from(duration.as_millis())
                .ok()
                .filter(|&ms| ms > 0)
                .ok_or(RedisStoreError::InvalidDuration(what))
        };
        let done_ttl_ms = millis(self.done_ttl, "done TTL")?;
        let lease_ms = millis(self.lease, "lease")?;
        // Small request / answer round trips: no Nagle delay on them.
        let info = self
            .url
            .as_str()
            .into_connection_info()
            .map_err(|error| RedisStoreError::InvalidUrl(error.to_string()))?
            .set_tcp_settings(TcpSettings::default().set_nodelay(true));
        let client = redis::Client::open(info)
            .map_err(|error| RedisStoreError::InvalidUrl(error.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.connection_timeout))
            .set_response_timeout(Some(self.response_timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|error| RedisStoreError::InvalidUrl(error.to_string()))?;
        Ok(RedisStore {
            connection,
            prefix: self.prefix,
            done_ttl_ms,
            lease_ms,
            claim_all: Script::new(CLAIM_ALL),
            complete: Script::new(COMPLETE),
            release: Script::new(RELEASE),
            renew: Script::new(RENEW),
        })
    }
}
