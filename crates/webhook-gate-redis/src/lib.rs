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
//! complete and release settle both, still one round trip each.
//!
//! # Redis Cluster
//!
//! Give several node URLs, comma-separated, or one with
//! [`RedisStoreBuilder::cluster`] (feature `cluster`, on by default): the store then
//! uses the `redis` crate's cluster client, which follows `MOVED` and `ASK`
//! redirects and refreshes its slot map. Keys are the same as on one server, with
//! no hash tag: the two keys of a delivery whose id the signature does not cover
//! live in different slots, by design (a replay under a fresh id must find the
//! signature's fingerprint under the same key whatever its id). On a cluster such a
//! claim takes the id with `SET NX`, then the fingerprint, and gives the id back
//! (token-checked) if the fingerprint is taken: all or none, one to three round
//! trips, one winner among racing copies (each key is taken with `SET NX`).
//! Complete, release and renew run their script once per key. While the node of a
//! key is down, its deliveries fail closed like any store error.
//!
//! ```no_run
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! # let _rt = ();
//! use webhook_gate_redis::RedisStore;
//!
//! let store = RedisStore::builder("redis://10.0.0.1:6379,redis://10.0.0.2:6379,redis://10.0.0.3:6379")
//!     .prefix("billing:")
//!     .build()?;
//! # let _ = store;
//! # Ok(())
//! # }
//! ```
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
#[cfg(feature = "cluster")]
use std::sync::Arc;
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
    connection: Connection,
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
            cluster: false,
            prefix: "webhook:".to_owned(),
            done_ttl: DEFAULT_DONE_TTL,
            lease: DEFAULT_LEASE,
            connection_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(1),
        }
    }

    /// `SET key <token> NX PX <lease> GET`: claims one key, answering what it held.
    fn set_claim(&self, id: &DeliveryId, token: ClaimToken) -> redis::Cmd {
        let mut command = redis::cmd("SET");
        command
            .arg(self.key(id))
            .arg(token.to_string())
            .arg("NX")
            .arg("PX")
            .arg(self.lease_ms)
            .arg("GET");
        command
    }

    /// Runs `script` over the keys of `delivery` with `arguments`: once over all of
    /// them on one server, once per key on a cluster, where the keys of one delivery
    /// live in different slots (each script is written to hold for one key as for
    /// several). The scripts' answers, one per run.
    async fn each_key(
        &self,
        script: &Script,
        delivery: &DeliveryKey,
        arguments: &[String],
    ) -> Result<Vec<i64>, StoreError> {
        let mut connection = self
            .connection
            .get()
            .await
            .map_err(|error| unavailable(&error))?;
        let groups: Vec<Vec<&DeliveryId>> = if self.connection.is_cluster() {
            delivery.keys().map(|id| vec![id]).collect()
        } else {
            vec![delivery.keys().collect()]
        };
        let mut answers = Vec::with_capacity(groups.len());
        for group in groups {
            let mut invocation = script.prepare_invoke();
            for id in group {
                invocation.key(self.key(id));
            }
            for argument in arguments {
                invocation.arg(argument);
            }
            answers.push(
                invocation
                    .invoke_async(&mut connection)
                    .await
                    .map_err(|error| unavailable(&error))?,
            );
        }
        Ok(answers)
    }

    /// A claim of an id and a signature fingerprint that live in different slots of
    /// a cluster: the id first, then the fingerprint, and the id given back if the
    /// fingerprint is taken, so that the claim holds both keys or none. One to
    /// three round trips instead of one script; two racing copies still have one
    /// winner (each key is claimed with `SET NX`).
    async fn claim_across_slots(
        &self,
        connection: &mut Live,
        id: &DeliveryId,
        signature: &DeliveryId,
        token: ClaimToken,
    ) -> Result<Claim, StoreError> {
        let by_id = claim_of(&query(&self.set_claim(id, token), connection).await?, token);
        if by_id != Claim::Claimed(token) {
            // Done if either key is done, as the one-server script answers.
            if by_id == Claim::InFlight {
                let mut get = redis::cmd("GET");
                get.arg(self.key(signature));
                if claim_of(&query(&get, connection).await?, token) == Claim::Done {
                    return Ok(Claim::Done);
                }
            }
            return Ok(by_id);
        }
        let by_signature = claim_of(
            &query(&self.set_claim(signature, token), connection).await?,
            token,
        );
        if by_signature == Claim::Claimed(token) {
            return Ok(by_signature);
        }
        let mut invocation = self.release.prepare_invoke();
        invocation.key(self.key(id)).arg(token.to_string());
        let _released: i64 = invocation
            .invoke_async(connection)
            .await
            .map_err(|error| unavailable(&error))?;
        Ok(by_signature)
    }

    fn key(&self, id: &DeliveryId) -> String {
        let mut key = String::with_capacity(self.prefix.len() + id.as_str().len());
        key.push_str(&self.prefix);
        key.push_str(id.as_str());
        key
    }
}

/// A connection to one server, or to a cluster.
#[derive(Clone)]
enum Connection {
    /// One server (or a replicated primary): a self-reconnecting connection.
    Node(ConnectionManager),
    /// A cluster, connected on first use (and again after a failed attempt): the
    /// client follows the cluster's redirects and refreshes its slot map.
    #[cfg(feature = "cluster")]
    Cluster(Arc<ClusterHandle>),
}

#[cfg(feature = "cluster")]
struct ClusterHandle {
    client: redis::cluster::ClusterClient,
    connection: tokio::sync::OnceCell<redis::cluster_async::ClusterConnection>,
}

impl Connection {
    fn is_cluster(&self) -> bool {
        !matches!(self, Self::Node(_))
    }

    /// A handle to run commands on.
    #[cfg_attr(
        not(feature = "cluster"),
        allow(clippy::unused_async, reason = "a cluster connects on first use")
    )]
    async fn get(&self) -> redis::RedisResult<Live> {
        match self {
            Self::Node(manager) => Ok(Live::Node(manager.clone())),
            #[cfg(feature = "cluster")]
            Self::Cluster(handle) => handle
                .connection
                .get_or_try_init(|| handle.client.get_async_connection())
                .await
                .map(|connection| Live::Cluster(connection.clone())),
        }
    }
}

/// A connection ready for commands.
enum Live {
    Node(ConnectionManager),
    #[cfg(feature = "cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
}

impl redis::aio::ConnectionLike for Live {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> redis::RedisFuture<'a, Value> {
        match self {
            Self::Node(connection) => connection.req_packed_command(cmd),
            #[cfg(feature = "cluster")]
            Self::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Node(connection) => connection.req_packed_commands(pipeline, offset, count),
            #[cfg(feature = "cluster")]
            Self::Cluster(connection) => connection.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Node(connection) => connection.get_db(),
            #[cfg(feature = "cluster")]
            Self::Cluster(connection) => connection.get_db(),
        }
    }
}

/// What a claim's `SET ... GET` (or the claim script) answered.
fn claim_of(previous: &Value, token: ClaimToken) -> Claim {
    match previous {
        Value::Nil => Claim::Claimed(token),
        Value::BulkString(value) if value == DONE.as_bytes() => Claim::Done,
        Value::SimpleString(value) if value == DONE => Claim::Done,
        _ => Claim::InFlight,
    }
}

/// Runs one command, answering its reply.
async fn query(command: &redis::Cmd, connection: &mut Live) -> Result<Value, StoreError> {
    command
        .query_async::<Value>(connection)
        .await
        .map_err(|error| unavailable(&error))
}

fn unavailable(error: &redis::RedisError) -> StoreError {
    // RedisError's Display holds no credentials (the URL is not part of it).
    StoreError::new(format!("redis: {error}"))
}

impl DeliveryStore for RedisStore {
    async fn claim(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<Claim, StoreError> {
        let token = *token;
        let mut connection = self
            .connection
            .get()
            .await
            .map_err(|error| unavailable(&error))?;
        if let Some(signature) = delivery
            .signature()
            .filter(|_| self.connection.is_cluster())
        {
            return self
                .claim_across_slots(&mut connection, delivery.id(), signature, token)
                .await;
        }
        let previous: Value = if delivery.signature().is_none() {
            self.set_claim(delivery.id(), token)
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
        Ok(claim_of(&previous, token))
    }

    async fn complete(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        let arguments = [
            token.to_string(),
            DONE.to_owned(),
            self.done_ttl_ms.to_string(),
        ];
        let _settled = self.each_key(&self.complete, delivery, &arguments).await?;
        Ok(())
    }

    async fn release(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        let _released = self
            .each_key(&self.release, delivery, &[token.to_string()])
            .await?;
        Ok(())
    }

    fn lease(&self) -> Option<Duration> {
        Some(Duration::from_millis(self.lease_ms))
    }

    async fn renew(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<bool, StoreError> {
        let arguments = [token.to_string(), self.lease_ms.to_string()];
        let owned = self.each_key(&self.renew, delivery, &arguments).await?;
        Ok(owned.iter().all(|&owned| owned == 1))
    }
}

/// Configures a [`RedisStore`].
#[derive(Clone)]
#[must_use]
pub struct RedisStoreBuilder {
    url: String,
    cluster: bool,
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

    /// Whether the URL names a node of a Redis Cluster (several URLs, separated by
    /// commas, always do): the store then connects with the cluster client, which
    /// follows the cluster's redirects. Default `false`.
    #[cfg(feature = "cluster")]
    pub fn cluster(mut self, cluster: bool) -> Self {
        self.cluster = cluster;
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
        let infos = self
            .url
            .split(',')
            .map(|url| {
                url.trim()
                    .into_connection_info()
                    .map(|info| info.set_tcp_settings(TcpSettings::default().set_nodelay(true)))
                    .map_err(|error| RedisStoreError::InvalidUrl(error.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let connection = if self.cluster || infos.len() > 1 {
            self.cluster_connection(infos)?
        } else {
            let info = infos
                .into_iter()
                .next()
                .ok_or_else(|| RedisStoreError::InvalidUrl("no URL".to_owned()))?;
            let client = redis::Client::open(info)
                .map_err(|error| RedisStoreError::InvalidUrl(error.to_string()))?;
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(self.connection_timeout))
                .set_response_timeout(Some(self.response_timeout))
                .set_number_of_retries(1)
                .set_max_delay(Duration::from_secs(1));
            Connection::Node(
                ConnectionManager::new_lazy_with_config(client, config)
                    .map_err(|error| RedisStoreError::InvalidUrl(error.to_string()))?,
            )
        };
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

    /// The cluster client, connecting on first use.
    #[cfg(feature = "cluster")]
    fn cluster_connection(
        &self,
        nodes: Vec<redis::ConnectionInfo>,
    ) -> Result<Connection, RedisStoreError> {
        let client = redis::cluster::ClusterClientBuilder::new(nodes)
            .connection_timeout(self.connection_timeout)
            .response_timeout(self.response_timeout)
            .retries(1)
            .build()
            .map_err(|error| RedisStoreError::InvalidUrl(error.to_string()))?;
        Ok(Connection::Cluster(Arc::new(ClusterHandle {
            client,
            connection: tokio::sync::OnceCell::new(),
        })))
    }

    #[cfg(not(feature = "cluster"))]
    #[allow(clippy::unused_self, reason = "the same signature as with the feature")]
    fn cluster_connection(
        &self,
        _nodes: Vec<redis::ConnectionInfo>,
    ) -> Result<Connection, RedisStoreError> {
        Err(RedisStoreError::InvalidUrl(
            "several URLs name a cluster: build with the `cluster` feature".to_owned(),
        ))
    }
}
