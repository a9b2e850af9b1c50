//! [`ExactlyOnce`]: the delivery's row and the handler's effects commit in one
//! transaction.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::{AssertSqlSafe, Postgres, Transaction};
use webhook_gate::store::{
    Claim, ClaimContext, ClaimToken, DeliveryKey, DeliveryStore, StoreError,
};

use crate::store::{ANY_DONE, PostgresStore, store_error, token_bytes};

/// How many of the delivery's keys (`$1`) the transaction still holds for token
/// `$2`: all of them unless the transaction lost its row. In a transaction that a
/// failed statement aborted, this statement fails too.
const STILL_HELD: &str = "
SELECT count(*) FROM webhook_gate_deliveries WHERE key = ANY($1) AND token = $2";

/// Default time a copy of a delivery waits for the row another copy holds: 2 s.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// SQLSTATE `lock_not_available`: the lock timeout ran out.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// A delivery's open transaction, shared by the store and the handler's
/// [`Inbox`](crate::Inbox).
pub(crate) type TransactionSlot = tokio::sync::Mutex<Option<Transaction<'static, Postgres>>>;

/// A [`DeliveryStore`] whose claim is a transaction the handler writes in: the
/// handler's effects and the delivery's done row commit together, or not at all.
///
/// Before committing, the store checks that the transaction still holds the
/// delivery's row: a statement of the handler that failed aborts the transaction,
/// and Postgres would answer the COMMIT with a rollback. Such a delivery is answered
/// 503, never the handler's 2xx: a handler that catches a failed write and answers
/// 200 anyway still has its delivery retried. (`lock_timeout` bounds the handler's
/// own lock waits in the transaction too.)
///
/// For each verified delivery the store begins a transaction and inserts the
/// delivery's row in it, marked done (its keys, locked until the transaction ends,
/// invisible to anyone else until it commits). The handler takes the transaction
/// with the [`Inbox`](crate::Inbox) extractor and writes its effects in it. On a
/// 2xx answer the store commits, row and effects together; on
/// any other status, an error, a panic or a dropped request it rolls back, and
/// the row goes with the effects, so the provider's retry is processed. If the
/// commit fails the delivery is answered 503 with `Retry-After` instead of the
/// handler's 2xx: nothing was recorded, and the retry runs the handler again,
/// once.
///
/// A copy that arrives while the first is in its transaction waits on the row for
/// at most the lock timeout ([`PostgresStoreBuilder::lock_timeout`]), then is
/// answered 409 with `Retry-After`; after the first copy committed, copies are
/// answered as duplicates (200 with `webhook-duplicate: true`).
///
/// No lease: a receiver that dies mid-handler drops its connection, and Postgres
/// rolls its transaction back, row and effects. An unreachable database or an
/// exhausted pool is answered 503 with `Retry-After` (the store never fails
/// open: the handler does not run outside the transaction).
///
/// Each delivery holds one pooled connection while its handler runs: size the
/// pool for the deliveries you process at once.
///
/// [`PostgresStoreBuilder::lock_timeout`]: crate::PostgresStoreBuilder::lock_timeout
#[derive(Clone)]
pub struct ExactlyOnce {
    store: PostgresStore,
    /// `BEGIN; SET LOCAL lock_timeout = <ms>`: one round trip.
    begin: Arc<str>,
    open: Arc<Mutex<HashMap<u128, Arc<TransactionSlot>>>>,
}

impl fmt::Debug for ExactlyOnce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExactlyOnce")
            .field("store", &self.store)
            .field("begin", &self.begin)
            .field("open", &self.open_transactions())
            .finish()
    }
}

impl ExactlyOnce {
    pub(crate) fn new(store: PostgresStore, lock_timeout: Duration) -> Self {
        Self {
            store,
            begin: Arc::from(format!(
                "BEGIN; SET LOCAL lock_timeout = {}",
                lock_timeout.as_millis()
            )),
            open: Arc::default(),
        }
    }

    /// The store underneath (the pool, [`purge_expired`](PostgresStore::purge_expired)).
    pub fn store(&self) -> &PostgresStore {
        &self.store
    }

    /// How many deliveries hold a transaction right now.
    pub fn open_transactions(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn take(&self, token: &ClaimToken) -> Option<Arc<TransactionSlot>> {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&token.as_u128())
    }

    async fn claim_in_transaction(
        &self,
        delivery: &DeliveryKey,
        token: &ClaimToken,
    ) -> Result<Claim, sqlx::Error> {
        let keys = self.store.keys(delivery);
        let mut transaction = self
            .store
            .pool
            .begin_with(AssertSqlSafe(self.begin.to_string()))
            .await?;
        // The row goes in done, with the done TTL: no one sees it before the
        // transaction commits, with the handler's effects, and until then the
        // transaction is its lease. Completing is then the commit alone.
        match self
            .store
            .claim_on(&mut *transaction, &keys, token, self.store.done_ttl, true)
            .await
        {
            Ok((claimed, _)) if claimed == keys.len() => {
                self.open
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(
                        token.as_u128(),
                        Arc::new(tokio::sync::Mutex::new(Some(transaction))),
                    );
                return Ok(Claim::Claimed(*token));
            }
            Ok(_) => {}
            Err(sqlx::Error::Database(error))
                if error.code().as_deref() == Some(LOCK_NOT_AVAILABLE) =>
            {
                return Ok(Claim::InFlight);
            }
            Err(error) => return Err(error),
        }
        transaction.rollback().await?;
        // The transaction's snapshot may predate the copy that held the row: look
        // again, now that it has committed or rolled back.
        let done: bool = sqlx::query_scalar(ANY_DONE)
            .bind(&keys)
            .fetch_one(&self.store.pool)
            .await?;
        Ok(if done { Claim::Done } else { Claim::InFlight })
    }
}

impl DeliveryStore for ExactlyOnce {
    async fn claim(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<Claim, StoreError> {
        self.store.count_claim();
        self.claim_in_transaction(delivery, token)
            .await
            .map_err(|error| store_error("claim", &error))
    }

    async fn complete(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        let Some(slot) = self.take(token) else {
            return Ok(());
        };
        let Ok(mut held) = slot.try_lock() else {
            return Err(StoreError::new(
                "the delivery's transaction is still held by an Inbox that outlived its \
                 handler: not committed (rolled back when that Inbox is dropped)",
            ));
        };
        let Some(mut transaction) = held.take() else {
            return Ok(());
        };
        // Postgres answers COMMIT in a transaction that a failed statement aborted
        // with a rollback, not an error: ask first. A handler that swallowed a
        // failed write (or ended the transaction itself) must not get its 2xx.
        let keys = self.store.keys(delivery);
        let still_held: Result<i64, _> = sqlx::query_scalar(STILL_HELD)
            .bind(&keys)
            .bind(token_bytes(token))
            .fetch_one(&mut *transaction)
            .await;
        match still_held {
            Ok(count) if usize::try_from(count).is_ok_and(|count| count == keys.len()) => {}
            Ok(_) => {
                let _ = transaction.rollback().await;
                return Err(StoreError::new(
                    "the delivery's transaction lost its row (ended by the handler?): not committed",
                ));
            }
            Err(error) => {
                let _ = transaction.rollback().await;
                return Err(store_error(
                    "commit (a statement of the transaction failed)",
                    &error,
                ));
            }
        }
        transaction
            .commit()
            .await
            .map_err(|error| store_error("commit", &error))
    }

    async fn release(&self, _delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        let Some(slot) = self.take(token) else {
            return Ok(());
        };
        // Held by an Inbox that outlived its handler: rolled back when it is dropped.
        let Some(transaction) = slot.try_lock().ok().and_then(|mut held| held.take()) else {
            return Ok(());
        };
        transaction
            .rollback()
            .await
            .map_err(|error| store_error("rollback", &error))
    }

    fn commits_effects(&self) -> bool {
        true
    }

    fn claim_context(&self, _delivery: &DeliveryKey, token: &ClaimToken) -> Option<ClaimContext> {
        let slot = self
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&token.as_u128())
            .cloned()?;
        Some(slot)
    }
}
