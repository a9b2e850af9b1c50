//! The store contract: one suite of checks that every [`DeliveryStore`] must pass
//! (feature `testing`).
//!
//! [`run_contract`] takes a factory that builds a fresh, empty store with the given
//! [`StoreSettings`], and panics with the name of the first check that fails. It
//! needs no particular async runtime (it waits on its own timer threads), but a
//! store that needs one, as Redis does, is run inside it:
//!
//! ```
//! use webhook_gate::MemoryStore;
//! use webhook_gate::store::testing::{StoreSettings, run_contract};
//!
//! # block_on(
//! run_contract(|settings: StoreSettings| {
//!     MemoryStore::builder()
//!         .lease(settings.lease)
//!         .done_ttl(settings.done_ttl)
//!         .capacity(settings.capacity)
//!         .build()
//! })
//! # );
//! # fn block_on<F: std::future::Future>(future: F) -> F::Output {
//! #     struct Unpark(std::thread::Thread);
//! #     impl std::task::Wake for Unpark { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
//! #     let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
//! #     let mut context = std::task::Context::from_waker(&waker);
//! #     let mut future = std::pin::pin!(future);
//! #     loop {
//! #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
//! #         std::thread::park();
//! #     }
//! # }
//! ```
//!
//! The checks take about three seconds, most of it waiting for leases and done
//! TTLs to run out.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::delivery::DeliveryId;
use crate::store::{Claim, ClaimToken, DeliveryKey, DeliveryStore, Namespace};

/// What a store built for one check must honour, as far as it supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreSettings {
    /// The lease of an in-flight claim.
    pub lease: Duration,
    /// How long a done delivery is remembered.
    pub done_ttl: Duration,
    /// The most ids to remember, for a store that is bounded; a store that
    /// remembers more (Redis) passes too: the contract only asks that a bound
    /// forgets the oldest ids, never a new one.
    pub capacity: usize,
}

impl Default for StoreSettings {
    /// A 10 s lease, a 1 h done TTL, 10 000 ids: nothing expires or is evicted
    /// during a check unless it asks for it.
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(10),
            done_ttl: Duration::from_secs(3600),
            capacity: 10_000,
        }
    }
}

/// The lease of the lease-expiry check.
const SHORT_LEASE: Duration = Duration::from_millis(250);
/// The done TTL of the done-TTL check.
const SHORT_DONE_TTL: Duration = Duration::from_millis(250);
/// Long enough past a short lease or done TTL for any store's clock.
const PAST_SHORT: Duration = Duration::from_millis(450);
/// The capacity of the capacity check.
const SMALL_CAPACITY: usize = 64;

/// Runs every check of the contract against stores from `factory`, which must
/// return a fresh, empty store each time (a new key prefix, a new database).
/// Panics naming the check that failed.
pub async fn run_contract<St, F>(mut factory: F)
where
    St: DeliveryStore,
    F: FnMut(StoreSettings) -> St,
{
    let defaults = StoreSettings::default();
    claim_duplicate_complete(&factory(defaults)).await;
    release_then_claim_again(&factory(defaults)).await;
    stale_tokens_are_refused(&factory(defaults)).await;
    concurrent_claims_have_one_winner(&factory(defaults)).await;
    two_key_claims(&factory(defaults)).await;
    namespaces_do_not_collide(&factory(defaults)).await;
    lease_expiry(&factory(StoreSettings {
        lease: SHORT_LEASE,
        ..defaults
    }))
    .await;
    late_completion(&factory(StoreSettings {
        lease: SHORT_LEASE,
        ..defaults
    }))
    .await;
    renewal(&factory(StoreSettings {
        lease: SHORT_LEASE,
        ..defaults
    }))
    .await;
    done_ttl_expiry(&factory(StoreSettings {
        done_ttl: SHORT_DONE_TTL,
        ..defaults
    }))
    .await;
    capacity(&factory(StoreSettings {
        capacity: SMALL_CAPACITY,
        ..defaults
    }))
    .await;
}

fn key(id: &str) -> DeliveryKey {
    DeliveryKey::new(DeliveryId::new(id))
}

fn signed(id: &str, signature: &str) -> DeliveryKey {
    DeliveryKey::with_signature(DeliveryId::new(id), DeliveryId::new(signature))
}

async fn claim<St: DeliveryStore>(store: &St, delivery: &DeliveryKey, check: &str) -> Claim {
    store
        .claim(delivery, &ClaimToken::random())
        .await
        .unwrap_or_else(|error| panic!("contract, {check}: claim failed: {error}"))
}

async fn claimed<St: DeliveryStore>(store: &St, delivery: &DeliveryKey, check: &str) -> ClaimToken {
    match claim(store, delivery, check).await {
        Claim::Claimed(token) => token,
        other => panic!("contract, {check}: {delivery:?} should be claimed, got {other:?}"),
    }
}

async fn expect<St: DeliveryStore>(
    store: &St,
    delivery: &DeliveryKey,
    expected: &Claim,
    check: &str,
) {
    let answer = claim(store, delivery, check).await;
    assert_eq!(
        &answer, expected,
        "contract, {check}: claim of {delivery:?}"
    );
}

async fn complete<St: DeliveryStore>(
    store: &St,
    delivery: &DeliveryKey,
    token: &ClaimToken,
    check: &str,
) {
    store
        .complete(delivery, token)
        .await
        .unwrap_or_else(|error| panic!("contract, {check}: complete failed: {error}"));
}

async fn release<St: DeliveryStore>(
    store: &St,
    delivery: &DeliveryKey,
    token: &ClaimToken,
    check: &str,
) {
    store
        .release(delivery, token)
        .await
        .unwrap_or_else(|error| panic!("contract, {check}: release failed: {error}"));
}

/// A fresh id is claimed; a copy while it runs is in flight; once completed, a copy
/// is done.
async fn claim_duplicate_complete<St: DeliveryStore>(store: &St) {
    let check = "claim, duplicate in flight, done duplicate";
    let id = key("evt_1");
    let token = claimed(store, &id, check).await;
    expect(store, &id, &Claim::InFlight, check).await;
    complete(store, &id, &token, check).await;
    expect(store, &id, &Claim::Done, check).await;
    expect(store, &id, &Claim::Done, check).await;
    claimed(store, &key("evt_2"), check).await;
}

/// A released claim is claimed again (the provider's retry is processed).
async fn release_then_claim_again<St: DeliveryStore>(store: &St) {
    let check = "release then re-claim";
    let id = key("evt_failed");
    let token = claimed(store, &id, check).await;
    release(store, &id, &token, check).await;
    let again = claimed(store, &id, check).await;
    assert_ne!(
        token, again,
        "contract, {check}: a new claim has a new token"
    );
    expect(store, &id, &Claim::InFlight, check).await;
}

/// Only the token of the current claim settles it.
async fn stale_tokens_are_refused<St: DeliveryStore>(store: &St) {
    let check = "complete or release with a stale token is refused";
    let id = key("evt_stale");
    let first = claimed(store, &id, check).await;
    // Someone else's tokens change nothing.
    release(store, &id, &ClaimToken::random(), check).await;
    complete(store, &id, &ClaimToken::random(), check).await;
    expect(store, &id, &Claim::InFlight, check).await;
    release(store, &id, &first, check).await;
    let second = claimed(store, &id, check).await;
    // The first owner, late: neither completes nor frees the second claim.
    complete(store, &id, &first, check).await;
    expect(store, &id, &Claim::InFlight, check).await;
    release(store, &id, &first, check).await;
    expect(store, &id, &Claim::InFlight, check).await;
    complete(store, &id, &second, check).await;
    expect(store, &id, &Claim::Done, check).await;
    // A done id is not freed by a release, even its own owner's.
    release(store, &id, &second, check).await;
    expect(store, &id, &Claim::Done, check).await;
}

/// Of 64 concurrent claims of one id, exactly one wins; the others are in flight.
async fn concurrent_claims_have_one_winner<St: DeliveryStore>(store: &St) {
    let check = "64 concurrent claims of one id";
    let id = key("evt_contended");
    let tokens: Vec<ClaimToken> = (0..64).map(|_| ClaimToken::random()).collect();
    let claims: Vec<_> = tokens.iter().map(|token| store.claim(&id, token)).collect();
    let answers = join_all(claims).await;
    let mut winners = 0;
    for answer in answers {
        match answer.unwrap_or_else(|error| panic!("contract, {check}: {error}")) {
            Claim::Claimed(_) => winners += 1,
            Claim::InFlight => {}
            Claim::Done => panic!("contract, {check}: nothing was completed, yet a claim is done"),
        }
    }
    assert_eq!(winners, 1, "contract, {check}: winners");
}

/// A delivery claimed under its id and its signature's fingerprint: a replay
/// under a new id is a duplicate; a release frees both keys; a refused claim takes
/// neither.
async fn two_key_claims<St: DeliveryStore>(store: &St) {
    let check = "two-key claims";
    let first = signed("a", "sig:1");
    let token = claimed(store, &first, check).await;
    // A capture resent under a new id while the first copy runs, then after it.
    expect(store, &signed("b", "sig:1"), &Claim::InFlight, check).await;
    complete(store, &first, &token, check).await;
    expect(store, &signed("b", "sig:1"), &Claim::Done, check).await;
    // The provider's retry, signed anew, under the same id.
    expect(store, &signed("a", "sig:2"), &Claim::Done, check).await;
    // A released claim frees both keys; the refused claims above took nothing.
    let other = signed("c", "sig:3");
    let token = claimed(store, &other, check).await;
    release(store, &other, &token, check).await;
    for free in ["c", "sig:3", "b", "sig:2"] {
        claimed(store, &key(free), check).await;
    }
    // The second key alone taken: the claim is refused and takes nothing.
    let token = claimed(store, &key("sig:4"), check).await;
    expect(store, &signed("d", "sig:4"), &Claim::InFlight, check).await;
    complete(store, &key("sig:4"), &token, check).await;
    expect(store, &signed("d", "sig:4"), &Claim::Done, check).await;
    claimed(store, &key("d"), check).await;
}

/// The same ids in two namespaces are two deliveries, however the namespaces and
/// ids are spelled.
async fn namespaces_do_not_collide<St: DeliveryStore>(store: &St) {
    let check = "namespaces do not collide";
    let (github, shopify) = (Namespace::new("github"), Namespace::new("shopify"));
    let delivery = signed("evt_1", "sig:1");
    let token = claimed(store, &delivery.in_namespace(&github), check).await;
    complete(store, &delivery.in_namespace(&github), &token, check).await;
    claimed(store, &delivery.in_namespace(&shopify), check).await;
    expect(store, &delivery.in_namespace(&github), &Claim::Done, check).await;
    // Namespace "a:b" with id "c" is not namespace "a" with id "b:c".
    claimed(store, &key("c").in_namespace(&Namespace::new("a:b")), check).await;
    claimed(store, &key("b:c").in_namespace(&Namespace::new("a")), check).await;
}

/// An in-flight claim whose owner never settles it is freed after the lease; the
/// late owner cannot settle the new claim; a done id outlives the lease.
async fn lease_expiry<St: DeliveryStore>(store: &St) {
    let check = "lease expiry lets a retry in";
    let crashed = key("evt_crashed");
    let stale = claimed(store, &crashed, check).await;
    let done = key("evt_done");
    let token = claimed(store, &done, check).await;
    complete(store, &done, &token, check).await;
    expect(store, &crashed, &Claim::InFlight, check).await;
    sleep(PAST_SHORT).await;
    let retry = claimed(store, &crashed, check).await;
    release(store, &crashed, &stale, check).await;
    complete(store, &crashed, &stale, check).await;
    expect(store, &crashed, &Claim::InFlight, check).await;
    complete(store, &crashed, &retry, check).await;
    expect(store, &crashed, &Claim::Done, check).await;
    expect(store, &done, &Claim::Done, check).await;
}

/// A completion whose lease lapsed, no other claim having taken the delivery since,
/// still records it as done: the handler succeeded, and a retry must not run it
/// again.
async fn late_completion<St: DeliveryStore>(store: &St) {
    let check = "a completion after the lease lapsed";
    let id = signed("evt_late", "sig_late");
    let token = claimed(store, &id, check).await;
    sleep(PAST_SHORT).await;
    complete(store, &id, &token, check).await;
    expect(store, &id, &Claim::Done, check).await;
    expect(store, &key("sig_late"), &Claim::Done, check).await;
}

/// A store that leases claims renews them: a renewed claim outlives its lease, a
/// lapsed one no one took is claimed again, and a claim taken by another is not
/// renewed (nor changed).
async fn renewal<St: DeliveryStore>(store: &St) {
    let check = "renewal keeps a claim past its lease";
    let Some(lease) = store.lease() else {
        return;
    };
    assert_eq!(lease, SHORT_LEASE, "contract, {check}: the lease asked for");
    let id = signed("evt_slow", "sig_slow");
    let token = claimed(store, &id, check).await;
    for _ in 0..4 {
        sleep(SHORT_LEASE / 3).await;
        assert!(
            renew(store, &id, &token, check).await,
            "contract, {check}: renewed"
        );
    }
    // Four thirds of the lease since the claim: still ours.
    expect(store, &id, &Claim::InFlight, check).await;
    // Lapsed, and no one took it: ours again.
    sleep(PAST_SHORT).await;
    assert!(
        renew(store, &id, &token, check).await,
        "contract, {check}: a lapsed claim renewed"
    );
    expect(store, &key("evt_slow"), &Claim::InFlight, check).await;
    // Someone else's: not renewed, not changed.
    assert!(
        !renew(store, &id, &ClaimToken::random(), check).await,
        "contract, {check}: another token renewed the claim"
    );
    complete(store, &id, &token, check).await;
    expect(store, &id, &Claim::Done, check).await;
    assert!(
        !renew(store, &id, &token, check).await,
        "contract, {check}: a done delivery renewed"
    );
    expect(store, &id, &Claim::Done, check).await;
}

async fn renew<St: DeliveryStore>(
    store: &St,
    delivery: &DeliveryKey,
    token: &ClaimToken,
    check: &str,
) -> bool {
    store
        .renew(delivery, token)
        .await
        .unwrap_or_else(|error| panic!("contract, {check}: renew failed: {error}"))
}

/// A done id is forgotten after the done TTL.
async fn done_ttl_expiry<St: DeliveryStore>(store: &St) {
    let check = "done TTL expiry";
    let id = key("evt_old");
    let token = claimed(store, &id, check).await;
    complete(store, &id, &token, check).await;
    expect(store, &id, &Claim::Done, check).await;
    sleep(PAST_SHORT).await;
    claimed(store, &id, check).await;
}

/// At capacity a store never refuses a new id (each is remembered at once) and
/// keeps the newest ids.
async fn capacity<St: DeliveryStore>(store: &St) {
    let check = "capacity";
    let total = SMALL_CAPACITY * 10;
    for n in 0..total {
        let id = key(&format!("evt_{n}"));
        let token = claimed(store, &id, check).await;
        expect(store, &id, &Claim::InFlight, check).await;
        complete(store, &id, &token, check).await;
    }
    for n in total - SMALL_CAPACITY / 2..total {
        expect(store, &key(&format!("evt_{n}")), &Claim::Done, check).await;
    }
}

/// Polls every future until all are ready; the answers in order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut all = true;
        for (future, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => all = false,
                }
            }
        }
        if all { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    outputs
        .into_iter()
        .map(|output| output.expect("every future is ready"))
        .collect()
}

/// Waits `duration` on a timer thread of its own, so that any runtime (or none)
/// can run the contract.
async fn sleep(duration: Duration) {
    struct Timer {
        fired: bool,
        waker: Option<Waker>,
    }
    let timer = Arc::new(Mutex::new(Timer {
        fired: false,
        waker: None,
    }));
    let shared = Arc::clone(&timer);
    std::thread::spawn(move || {
        std::thread::sleep(duration);
        let mut timer = shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        timer.fired = true;
        if let Some(waker) = timer.waker.take() {
            waker.wake();
        }
    });
    poll_fn(|cx| {
        let mut timer = timer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if timer.fired {
            Poll::Ready(())
        } else {
            timer.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    })
    .await;
}
