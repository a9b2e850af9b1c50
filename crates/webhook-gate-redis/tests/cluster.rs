//! The store on a real three-master Redis Cluster: the store contract (claims of an
//! id and a signature fingerprint span two slots there), and concurrent two-key
//! claims with one winner.

mod support;

use support::{RedisCluster, unique};
use webhook_gate::store::testing::{StoreSettings, run_contract};
use webhook_gate::store::{Claim, ClaimToken, DeliveryKey};
use webhook_gate::{DeliveryId, DeliveryStore};
use webhook_gate_redis::RedisStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_store_passes_the_store_contract() {
    let Some(cluster) = RedisCluster::start("a_cluster_store_passes_the_store_contract") else {
        return;
    };
    run_contract(|settings: StoreSettings| {
        RedisStore::builder(cluster.urls())
            .prefix(unique("contract:"))
            .lease(settings.lease)
            .done_ttl(settings.done_ttl)
            .build()
            .unwrap()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_two_key_claims_across_slots_have_one_winner() {
    let Some(cluster) = RedisCluster::start("racing_two_key_claims_across_slots") else {
        return;
    };
    let store = RedisStore::builder(cluster.urls())
        .prefix(unique("race:"))
        .build()
        .unwrap();
    for round in 0..20 {
        // One signed body: the provider's copy and replays under new ids, at once.
        let signature = DeliveryId::new(format!("sig:{round}"));
        let tasks: Vec<_> = (0..16)
            .map(|copy| {
                let store = store.clone();
                let key = DeliveryKey::with_signature(
                    DeliveryId::new(format!("evt_{round}_{}", copy % 4)),
                    signature.clone(),
                );
                tokio::spawn(async move { store.claim(&key, &ClaimToken::random()).await })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Claim::Claimed(_) => winners += 1,
                Claim::InFlight => {}
                Claim::Done => panic!("round {round}: nothing was completed"),
            }
        }
        assert_eq!(winners, 1, "round {round}");
    }
}
