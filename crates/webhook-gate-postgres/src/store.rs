//! [`PostgresStore`]: claim / complete / release in one table, shared by every
//! replica that reaches the database.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{PgExecutor, PgPool, Row as _};
use webhook_gate::store::{
    Claim, ClaimToken, DEFAULT_DONE_TTL, DEFAULT_LEASE, DeliveryKey, DeliveryStore, StoreError,
};

use crate::exactly_once::ExactlyOnce;

/// Claims every key (`$1`, sorted) for token `$2` for `$3` seconds, all or none,
/// in flight (or, `$4`, already done: an exactly-once claim, whose row only
/// becomes visible when its transaction commits): nothing is inserted when any key
/// is held (in flight or done, not expired), and an expired row is taken over. Answers how many keys it claimed
/// (all of them, or fewer when a concurrent claim took one between the check and
/// the insert) and whether a held key is done.
const CLAIM: &str = "
WITH held AS (
    SELECT done FROM webhook_gate_deliveries
    WHERE key = ANY($1) AND expires_at > now()
), claimed AS (
    INSERT INTO webhook_gate_deliveries AS d (key, token, done, expires_at)
    SELECT key, $2, $4, now() + $3 * interval '1 second'
    FROM unnest($1::text[]) AS key
    WHERE NOT EXISTS (SELECT 1 FROM held)
    ORDER BY key
    ON CONFLICT (key) DO UPDATE
        SET token = excluded.token, done = excluded.done, expires_at = excluded.expires_at
        WHERE d.expires_at <= now()
    RETURNING 1
)
SELECT (SELECT count(*) FROM claimed) AS claimed,
       coalesce((SELECT bool_or(done) FROM held), false) AS done";

/// Gives back what a partial claim took (the rows of token `$2`), and answers
/// whether any key (`$1`) is done, as of this statement.
const UNDO_PARTIAL: &str = "
WITH released AS (
    DELETE FROM webhook_gate_deliveries WHERE key = ANY($1) AND token = $2 AND NOT done
)
SELECT coalesce(bool_or(done), false) FROM webhook_gate_deliveries
WHERE key = ANY($1) AND expires_at > now()";

/// Whether any key (`$1`) is done.
pub(crate) const ANY_DONE: &str = "
SELECT coalesce(bool_or(done), false) FROM webhook_gate_deliveries
WHERE key = ANY($1) AND expires_at > now()";

/// Marks done, for `$3` seconds from now, the in-flight keys (`$1`) that token `$2`
/// owns, lease lapsed or not.
const COMPLETE: &str = "
UPDATE webhook_gate_deliveries
SET done = true, expires_at = clock_timestamp() + $3 * interval '1 second'
WHERE key = ANY($1) AND token = $2 AND NOT done";

/// Frees the in-flight keys (`$1`) that token `$2` owns.
const RELEASE: &str = "
DELETE FROM webhook_gate_deliveries WHERE key = ANY($1) AND token = $2 AND NOT done";

/// Extends by `$3` seconds the lease of each key (`$1`) that token `$2` owns in
/// flight, and claims again each one no row holds any more; answers how many keys
/// the token then holds.
const RENEW: &str = "
WITH renewed AS (
    INSERT INTO webhook_gate_deliveries AS d (key, token, done, expires_at)
    SELECT key, $2, false, now() + $3 * interval '1 second'
    FROM unnest($1::text[]) AS key
    ORDER BY key
    ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
        WHERE d.token = excluded.token AND NOT d.done
    RETURNING 1
)
SELECT count(*) FROM renewed";

/// Deletes at most `$2` rows that expired more than `$1` seconds ago, oldest first,
/// through the `expires_at` index, skipping rows another transaction holds.
const PURGE: &str = "
DELETE FROM webhook_gate_deliveries WHERE key IN (
    SELECT key FROM webhook_gate_deliveries
    WHERE expires_at < now() - $1 * interval '1 second'
    ORDER BY expires_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)";

/// A purge runs after every this many claims of a store (and its clones).
const PURGE_EVERY: u64 = 1024;
/// The most rows one automatic purge deletes: more than the claims between two
/// purges can insert (two keys each), so the table does not grow past the live ids.
const PURGE_BATCH: i64 = 4096;

/// A [`DeliveryStore`] on Postgres. Cheap to clone: clones share the pool.
///
/// Every operation is one statement, one round trip: a claim is an
/// `INSERT ... ON CONFLICT` that takes all the delivery's keys or none, complete
/// and release are token-checked, and time is the database's clock, the same for
/// every replica. Expired rows are deleted in bounded batches through the
/// `expires_at` index (after every 1 024 claims, off the request's path, or by
/// [`purge_expired`](Self::purge_expired)), never by a scan per request.
#[derive(Clone)]
pub struct PostgresStore {
    pub(crate) pool: PgPool,
    prefix: Arc<str>,
    pub(crate) done_ttl: f64,
    lease: Duration,
    claims: Arc<AtomicU64>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool's options hold the password: not printed.
        f.debug_struct("PostgresStore")
            .field("prefix", &self.prefix)
            .field("done_ttl", &Duration::from_secs_f64(self.done_ttl))
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

/// The store could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresStoreError {
    /// A duration is zero, or too large (100 years; the lock timeout 24 days, the
    /// most Postgres takes).
    #[error("the {0} must be at least 1 ms and at most 100 years (the lock timeout 24 days)")]
    InvalidDuration(&'static str),
}

impl PostgresStore {
    /// Starts configuring a store on `pool` (whose database has the schema:
    /// [`migrate`](crate::migrate)).
    pub fn builder(pool: PgPool) -> PostgresStoreBuilder {
        PostgresStoreBuilder {
            pool,
            prefix: String::new(),
            done_ttl: DEFAULT_DONE_TTL,
            lease: DEFAULT_LEASE,
            lock_timeout: crate::exactly_once::DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Deletes at most `limit` rows that expired more than a lease ago (a late
    /// completion still finds its lapsed claim for one more lease), oldest first;
    /// answers how many it deleted. Bounded and index-driven: safe to call often,
    /// from many replicas at once.
    pub async fn purge_expired(&self, limit: u32) -> Result<u64, sqlx::Error> {
        let deleted = sqlx::query(PURGE)
            .bind(self.lease.as_secs_f64())
            .bind(i64::from(limit))
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected())
    }

    /// The delivery's keys as stored: the prefix, then each key, sorted so that
    /// concurrent claims lock rows in one order.
    pub(crate) fn keys(&self, delivery: &DeliveryKey) -> Vec<String> {
        let mut keys: Vec<String> = delivery
            .keys()
            .map(|key| {
                let mut stored = String::with_capacity(self.prefix.len() + key.as_str().len());
                stored.push_str(&self.prefix);
                stored.push_str(key.as_str());
                stored
            })
            .collect();
        keys.sort_unstable();
        keys
    }

    /// Runs the claim statement on `executor` for `seconds`, inserting the rows
    /// `done` or in flight: how many keys it took, and whether a held key is done.
    pub(crate) async fn claim_on<'e>(
        &self,
        executor: impl PgExecutor<'e>,
        keys: &[String],
        token: &ClaimToken,
        seconds: f64,
        done: bool,
    ) -> Result<(usize, bool), sqlx::Error> {
        let row = sqlx::query(CLAIM)
            .bind(keys)
            .bind(token_bytes(token))
            .bind(seconds)
            .bind(done)
            .fetch_one(executor)
            .await?;
        let claimed: i64 = row.try_get(0)?;
        Ok((usize::try_from(claimed).unwrap_or(0), row.try_get(1)?))
    }

    /// After every [`PURGE_EVERY`] claims, a bounded purge on the current tokio
    /// runtime.
    pub(crate) fn count_claim(&self) {
        if self.claims.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY != PURGE_EVERY - 1 {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.clone();
        runtime.spawn(async move {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            if let Err(error) = store.purge_expired(PURGE_BATCH as u32).await {
                tracing::warn!(%error, "could not purge expired delivery ids");
            }
        });
    }
}

/// The token as stored: 16 bytes.
pub(crate) fn token_bytes(token: &ClaimToken) -> [u8; 16] {
    token.as_u128().to_be_bytes()
}

/// A store error that says what failed, never the connection's options.
pub(crate) fn store_error(operation: &str, error: &sqlx::Error) -> StoreError {
    StoreError::new(format!("postgres {operation}: {error}"))
}

impl DeliveryStore for PostgresStore {
    async fn claim(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<Claim, StoreError> {
        self.count_claim();
        let keys = self.keys(delivery);
        let (claimed, done) = self
            .claim_on(&self.pool, &keys, token, self.lease.as_secs_f64(), false)
            .await
            .map_err(|error| store_error("claim", &error))?;
        if claimed == keys.len() {
            return Ok(Claim::Claimed(*token));
        }
        if done {
            return Ok(Claim::Done);
        }
        // A concurrent claim took a key between the check and the insert: give
        // back any key this one took, and look again.
        let done: bool = sqlx::query_scalar(UNDO_PARTIAL)
            .bind(&keys)
            .bind(token_bytes(token))
            .fetch_one(&self.pool)
            .await
            .map_err(|error| store_error("claim", &error))?;
        Ok(if done { Claim::Done } else { Claim::InFlight })
    }

    async fn complete(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        sqlx::query(COMPLETE)
            .bind(self.keys(delivery))
            .bind(token_bytes(token))
            .bind(self.done_ttl)
            .execute(&self.pool)
            .await
            .map_err(|error| store_error("complete", &error))?;
        Ok(())
    }

    async fn release(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        sqlx::query(RELEASE)
            .bind(self.keys(delivery))
            .bind(token_bytes(token))
            .execute(&self.pool)
            .await
            .map_err(|error| store_error("release", &error))?;
        Ok(())
    }

    fn lease(&self) -> Option<Duration> {
        Some(self.lease)
    }

    async fn renew(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<bool, StoreError> {
        let keys = self.keys(delivery);
        let held: i64 = sqlx::query_scalar(RENEW)
            .bind(&keys)
            .bind(token_bytes(token))
            .bind(self.lease.as_secs_f64())
            .fetch_one(&self.pool)
            .await
            .map_err(|error| store_error("renew", &error))?;
        Ok(usize::try_from(held).is_ok_and(|held| held == keys.len()))
    }
}

/// Configures a [`PostgresStore`], or an [`ExactlyOnce`] store.
#[derive(Debug)]
#[must_use]
pub struct PostgresStoreBuilder {
    pool: PgPool,
    prefix: String,
    done_ttl: Duration,
    lease: Duration,
    lock_timeout: Duration,
}

/// Longest duration accepted: 100 years.
const LONGEST: Duration = Duration::from_hours(100 * 365 * 24);

fn checked(duration: Duration, name: &'static str) -> Result<Duration, PostgresStoreError> {
    if duration < Duration::from_millis(1) || duration > LONGEST {
        return Err(PostgresStoreError::InvalidDuration(name));
    }
    Ok(duration)
}

impl PostgresStoreBuilder {
    /// Put before every key: several applications can share one table. Default
    /// none (a receiver already puts its route's namespace in each id).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a done delivery id is remembered. Default 72 h.
    pub fn done_ttl(mut self, ttl: Duration) -> Self {
        self.done_ttl = ttl;
        self
    }

    /// The lease of an in-flight claim ([`PostgresStore`] only: an exactly-once
    /// claim lives as long as its transaction). Default 60 s; the receiver renews
    /// it while a slow handler runs.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a copy of a delivery waits for the row another copy holds before it
    /// is answered 409 with `Retry-After` ([`ExactlyOnce`] only). Default 2 s.
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The store.
    pub fn build(self) -> Result<PostgresStore, PostgresStoreError> {
        Ok(PostgresStore {
            pool: self.pool,
            prefix: Arc::from(self.prefix),
            done_ttl: checked(self.done_ttl, "done TTL")?.as_secs_f64(),
            lease: checked(self.lease, "lease")?,
            claims: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The exactly-once store: the handler writes in the delivery's own
    /// transaction ([`Inbox`](crate::Inbox)).
    pub fn exactly_once(self) -> Result<ExactlyOnce, PostgresStoreError> {
        let lock_timeout = checked(self.lock_timeout, "lock timeout")?;
        // Postgres takes at most i32::MAX milliseconds.
        if lock_timeout.as_millis() > u128::from(i32::MAX.unsigned_abs()) {
            return Err(PostgresStoreError::InvalidDuration("lock timeout"));
        }
        Ok(ExactlyOnce::new(self.build()?, lock_timeout))
    }
}
