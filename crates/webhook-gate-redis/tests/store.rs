//! The store against a real Redis: the store contract, claim, complete, duplicate,
//! release, lease expiry, concurrent claims, and an unreachable server.

mod support;

use std::time::Duration;

use support::{RedisServer, unique};
use webhook_gate::store::testing::{StoreSettings, run_contract};
use webhook_gate::store::{Claim, ClaimToken, DeliveryKey};
use webhook_gate::{DeliveryId, DeliveryStore};
use webhook_gate_redis::RedisStore;

fn store(server: &RedisServer, prefix: &str) -> RedisStore {
    RedisStore::builder(server.url())
        .prefix(prefix)
        .lease(Duration::from_millis(300))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_passes_the_store_contract() {
    let Some(server) = RedisServer::start("redis_store_passes_the_store_contract") else {
        return;
    };
    run_contract(|settings: StoreSettings| {
        // A fresh prefix per store: every check starts empty. Redis has no bound
        // of its own here; the contract's capacity check holds all the same.
        RedisStore::builder(server.url())
            .prefix(unique("contract:"))
            .lease(settings.lease)
            .done_ttl(settings.done_ttl)
            .build()
            .unwrap()
    })
    .await;
}

#[tokio::test]
async fn a_signature_claimed_with_an_id_catches_a_replay_under_a_new_id() {
    let Some(server) = RedisServer::start("a_signature_claimed_with_an_id") else {
        return;
    };
    let store = store(&server, &unique("replay:"));
    let signed = |id: &str, signature: &str| {
        DeliveryKey::with_signature(DeliveryId::new(id), DeliveryId::new(signature))
    };
    let first = signed("a", "sig:1");
    let Claim::Claimed(token) = store.claim(&first, &ClaimToken::random()).await.unwrap() else {
        panic!("a fresh delivery is claimed");
    };
    // A capture resent under a new id while the first copy runs, then after it.
    assert_eq!(
        store
            .claim(&signed("b", "sig:1"), &ClaimToken::random())
            .await
            .unwrap(),
        Claim::InFlight
    );
    store.complete(&first, &token).await.unwrap();
    assert_eq!(
        store
            .claim(&signed("b", "sig:1"), &ClaimToken::random())
            .await
            .unwrap(),
        Claim::Done
    );
    // The provider's retry, signed anew, under the same id.
    assert_eq!(
        store
            .claim(&signed("a", "sig:2"), &ClaimToken::random())
            .await
            .unwrap(),
        Claim::Done
    );
    // A released claim frees both keys; a refused claim took neither.
    let other = signed("c", "sig:3");
    let Claim::Claimed(token) = store.claim(&other, &ClaimToken::random()).await.unwrap() else {
        panic!("a fresh delivery is claimed");
    };
    store.release(&other, &token).await.unwrap();
    for free in ["c", "sig:3", "b"] {
        let key = DeliveryKey::from(DeliveryId::new(free));
        assert!(
            matches!(
                store.claim(&key, &ClaimToken::random()).await.unwrap(),
                Claim::Claimed(_)
            ),
            "{free}"
        );
    }
}

#[tokio::test]
async fn claim_complete_duplicate_release() {
    let Some(server) = RedisServer::start("claim_complete_duplicate_release") else {
        return;
    };
    let store = store(&server, &unique("test:"));
    let id = DeliveryKey::from(DeliveryId::new("evt_1"));
    let Claim::Claimed(first) = store.claim(&id, &ClaimToken::random()).await.unwrap() else {
        panic!("a new id is claimed");
    };
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::InFlight
    );
    // Someone else's token changes nothing.
    store.release(&id, &ClaimToken::random()).await.unwrap();
    store.complete(&id, &ClaimToken::random()).await.unwrap();
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::InFlight
    );
    // Released: the retry is claimed.
    store.release(&id, &first).await.unwrap();
    let Claim::Claimed(second) = store.claim(&id, &ClaimToken::random()).await.unwrap() else {
        panic!("a released id is claimed again");
    };
    // The stale token cannot complete the new claim.
    store.complete(&id, &first).await.unwrap();
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::InFlight
    );
    store.complete(&id, &second).await.unwrap();
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::Done
    );
    // Done outlives the lease.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::Done
    );
}

#[tokio::test]
async fn lease_expires_and_a_late_owner_cannot_settle() {
    let Some(server) = RedisServer::start("lease_expires_and_a_late_owner_cannot_settle") else {
        return;
    };
    let store = store(&server, &unique("test:"));
    let id = DeliveryKey::from(DeliveryId::new("crashed"));
    let Claim::Claimed(crashed) = store.claim(&id, &ClaimToken::random()).await.unwrap() else {
        panic!("a new id is claimed");
    };
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::InFlight
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let Claim::Claimed(retry) = store.claim(&id, &ClaimToken::random()).await.unwrap() else {
        panic!("the lease expired: the retry is claimed");
    };
    store.release(&id, &crashed).await.unwrap();
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::InFlight
    );
    store.complete(&id, &retry).await.unwrap();
    assert_eq!(
        store.claim(&id, &ClaimToken::random()).await.unwrap(),
        Claim::Done
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_have_one_winner() {
    let Some(server) = RedisServer::start("concurrent_claims_have_one_winner") else {
        return;
    };
    let stores: Vec<RedisStore> = {
        let prefix = unique("test:");
        // Separate connections, as separate replicas would have.
        (0..4).map(|_| store(&server, &prefix)).collect()
    };
    let id = DeliveryKey::from(DeliveryId::new("contended"));
    let tasks: Vec<_> = (0..64)
        .map(|n| {
            let store = stores[n % stores.len()].clone();
            let id = id.clone();
            tokio::spawn(async move { store.claim(&id, &ClaimToken::random()).await.unwrap() })
        })
        .collect();
    let mut claimed = 0;
    for task in tasks {
        if matches!(task.await.unwrap(), Claim::Claimed(_)) {
            claimed += 1;
        }
    }
    assert_eq!(claimed, 1);
}

#[tokio::test]
async fn unreachable_server_is_a_store_error() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let store = RedisStore::builder(format!("redis://127.0.0.1:{port}/"))
        .connection_timeout(Duration::from_millis(200))
        .response_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = store
        .claim(
            &DeliveryKey::from(DeliveryId::new("x")),
            &ClaimToken::random(),
        )
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("delivery store unavailable: redis:"),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn invalid_configuration_fails_at_build() {
    assert!(RedisStore::builder("http://not-redis").build().is_err());
    assert!(
        RedisStore::builder("redis://127.0.0.1/")
            .lease(Duration::ZERO)
            .build()
            .is_err()
    );
}
