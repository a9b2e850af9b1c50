//! `PostgresStore` and `ExactlyOnce` against a real Postgres.

mod support;

use std::time::{Duration, Instant};

use sqlx::Row as _;
use support::{PostgresServer, unique};
use webhook_gate::DeliveryId;
use webhook_gate::store::testing::{StoreSettings, run_contract};
use webhook_gate::store::{Claim, ClaimToken, DeliveryKey, DeliveryStore};
use webhook_gate_postgres::{ExactlyOnce, MIGRATIONS, PostgresStore, migrate};

fn key(id: &str) -> DeliveryKey {
    DeliveryKey::new(DeliveryId::new(id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_keeps_the_contract() {
    let Some(server) = PostgresServer::start("the_store_keeps_the_contract") else {
        return;
    };
    let pool = server.pool().await;
    run_contract(|settings: StoreSettings| {
        PostgresStore::builder(pool.clone())
            .prefix(unique("contract"))
            .lease(settings.lease)
            .done_ttl(settings.done_ttl)
            .build()
            .unwrap()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_once_even_from_replicas_starting_together() {
    let Some(server) = PostgresServer::start_private("migrations_apply_once") else {
        return;
    };
    let pool = sqlx::PgPool::connect(server.url()).await.unwrap();
    let replicas: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { migrate(&pool).await.unwrap() })
        })
        .collect();
    let mut applied = 0;
    for replica in replicas {
        applied += replica.await.unwrap();
    }
    assert_eq!(
        applied,
        MIGRATIONS.len(),
        "each migration applied by one replica"
    );
    assert_eq!(migrate(&pool).await.unwrap(), 0, "nothing left to apply");
    let versions: Vec<i32> =
        sqlx::query_scalar("SELECT version FROM webhook_gate_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .unwrap();
    let expected: Vec<i32> = MIGRATIONS
        .iter()
        .map(|migration| migration.version)
        .collect();
    assert_eq!(versions, expected);
    // The table and its expiry index exist.
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE tablename = 'webhook_gate_deliveries' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        indexes,
        [
            "webhook_gate_deliveries_expires_at",
            "webhook_gate_deliveries_pkey"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_rows_are_purged_in_bounded_batches_through_the_index() {
    let Some(server) = PostgresServer::start_private("expired_rows_are_purged") else {
        return;
    };
    let pool = server.pool().await;
    let store = PostgresStore::builder(pool.clone())
        .lease(Duration::from_millis(50))
        .done_ttl(Duration::from_millis(50))
        .build()
        .unwrap();
    for n in 0..300 {
        let id = key(&format!("evt_{n}"));
        let Claim::Claimed(token) = store.claim(&id, &ClaimToken::random()).await.unwrap() else {
            panic!("fresh id");
        };
        if n % 2 == 0 {
            store.complete(&id, &token).await.unwrap();
        }
    }
    let live = key("evt_live");
    let long = PostgresStore::builder(pool.clone()).build().unwrap();
    long.claim(&live, &ClaimToken::random()).await.unwrap();
    // Expired for more than a lease: done TTL and lease both 50 ms.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(store.purge_expired(100).await.unwrap(), 100, "one batch");
    assert_eq!(store.purge_expired(1000).await.unwrap(), 200, "the rest");
    assert_eq!(store.purge_expired(1000).await.unwrap(), 0);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_gate_deliveries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 1, "the live claim stays");
    // The purge finds its rows through the expiry index, not by reading the table.
    sqlx::query("SET enable_seqscan = off")
        .execute(&pool)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query(
        "EXPLAIN DELETE FROM webhook_gate_deliveries WHERE key IN (
             SELECT key FROM webhook_gate_deliveries WHERE expires_at < now()
             ORDER BY expires_at LIMIT 100 FOR UPDATE SKIP LOCKED)",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get(0))
    .collect();
    assert!(
        plan.iter()
            .any(|line| line.contains("webhook_gate_deliveries_expires_at")),
        "{plan:#?}"
    );
}

/// An exactly-once store on `pool` under `prefix` (each call: another replica).
fn exactly_once(pool: &sqlx::PgPool, prefix: &str, lock_timeout: Duration) -> ExactlyOnce {
    PostgresStore::builder(pool.clone())
        .prefix(prefix)
        .lock_timeout(lock_timeout)
        .exactly_once()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exactly_once_claim_holds_the_row_until_its_transaction_ends() {
    let Some(server) = PostgresServer::start("an_exactly_once_claim_holds_the_row") else {
        return;
    };
    let pool = server.pool().await;
    let prefix = unique("exactly-once");
    let store = exactly_once(&pool, &prefix, Duration::from_millis(300));
    assert!(store.commits_effects());
    assert_eq!(store.lease(), None, "the transaction is the lease");
    let id = DeliveryKey::with_signature(DeliveryId::new("evt_1"), DeliveryId::new("sig:1"));
    let Claim::Claimed(token) = store.claim(&id, &ClaimToken::random()).await.unwrap() else {
        panic!("fresh id");
    };
    assert!(store.claim_context(&id, &token).is_some());
    assert_eq!(store.open_transactions(), 1);

    // A copy waits on the row for the lock timeout, then is in flight; so is a
    // replay under a fresh id (the signature's key is held).
    let started = Instant::now();
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::InFlight
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let replay = DeliveryKey::with_signature(DeliveryId::new("evt_2"), DeliveryId::new("sig:1"));
    assert_eq!(
        store.claim(&replay, &ClaimToken::random()).await.unwrap(),
        Claim::InFlight
    );

    // A copy waiting when the first commits is answered as a duplicate.
    let copy = {
        let replica = exactly_once(&pool, &prefix, Duration::from_secs(5));
        let id = id.clone();
        tokio::spawn(async move { replica.claim(&id, &ClaimToken::random()).await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    store.complete(&id, &token).await.unwrap();
    assert_eq!(copy.await.unwrap(), Claim::Done);
    assert_eq!(store.open_transactions(), 0);
    assert_eq!(
        store.claim(&replay, &ClaimToken::random()).await.unwrap(),
        Claim::Done
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_exactly_once_claim_leaves_nothing() {
    let Some(server) = PostgresServer::start("a_released_exactly_once_claim_leaves_nothing") else {
        return;
    };
    let pool = server.pool().await;
    let store = exactly_once(&pool, &unique("released"), Duration::from_millis(300));
    let id = key("evt_failed");
    let Claim::Claimed(token) = store.claim(&id, &ClaimToken::random()).await.unwrap() else {
        panic!("fresh id");
    };
    store.release(&id, &token).await.unwrap();
    assert_eq!(store.open_transactions(), 0);
    let Claim::Claimed(retry) = store.claim(&id, &ClaimToken::random()).await.unwrap() else {
        panic!("the retry is processed");
    };
    // A stale token settles nothing.
    store.complete(&id, &token).await.unwrap();
    assert_eq!(store.open_transactions(), 1);
    store.complete(&id, &retry).await.unwrap();
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::Done
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_a_store_error() {
    let port = support::free_port();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy(&format!(
            "postgres://postgres:hunter2@127.0.0.1:{port}/postgres"
        ))
        .unwrap();
    let plain = PostgresStore::builder(pool.clone()).build().unwrap();
    let error = plain
        .claim(&key("evt_1"), &ClaimToken::random())
        .await
        .unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
    // Postgres takes a lock timeout of at most i32::MAX ms.
    assert!(
        PostgresStore::builder(pool.clone())
            .lock_timeout(Duration::from_hours(30 * 24))
            .exactly_once()
            .is_err()
    );
    let store = PostgresStore::builder(pool).exactly_once().unwrap();
    let error = store
        .claim(&key("evt_1"), &ClaimToken::random())
        .await
        .unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
    assert!(!format!("{store:?}").contains("hunter2"));
    assert_eq!(store.open_transactions(), 0);
}
