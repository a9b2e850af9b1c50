//! A claim whose answer the store failed to give (a timeout after the command
//! landed) is released off the request's path: the request gets its 503, and the
//! provider's retry, once the store answers again, is processed instead of held off
//! as in flight for a whole lease. Both adapters.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::{Request, Runs, send, start_actix, start_axum};
use webhook_gate::store::{Claim, ClaimToken, DeliveryKey, StoreError};
use webhook_gate::{DeliveryStore, MemoryStore};

/// A memory store whose claims land but, while `losing`, answer with an error, as a
/// store whose reply timed out does.
#[derive(Clone)]
struct LosingAnswers {
    store: MemoryStore,
    losing: Arc<AtomicBool>,
}

impl DeliveryStore for LosingAnswers {
    async fn claim(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<Claim, StoreError> {
        let claim = self.store.claim(delivery, token).await?;
        if self.losing.load(Ordering::SeqCst) {
            return Err(StoreError::new("response timed out"));
        }
        Ok(claim)
    }

    async fn complete(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        self.store.complete(delivery, token).await
    }

    async fn release(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<(), StoreError> {
        self.store.release(delivery, token).await
    }

    fn lease(&self) -> Option<Duration> {
        self.store.lease()
    }

    async fn renew(&self, delivery: &DeliveryKey, token: &ClaimToken) -> Result<bool, StoreError> {
        self.store.renew(delivery, token).await
    }
}

fn delivery(id: &str) -> Request {
    support::github_delivery(id, "fault.test")
}

async fn retry_after_a_lost_answer(
    label: &str,
    address: SocketAddr,
    losing: &AtomicBool,
    runs: &Runs,
) -> Vec<String> {
    let id = format!("{label}-lost-answer");
    let request = delivery(&id);
    losing.store(true, Ordering::SeqCst);
    let refused = send(address, "/webhooks/github", &request).await;
    losing.store(false, Ordering::SeqCst);
    // The release runs beside the 503; give it a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let retried = send(address, "/webhooks/github", &request).await;
    let mut failures = Vec::new();
    if refused.status != 503 || refused.header("retry-after").is_none() {
        failures.push(format!(
            "{label}: the lost answer got {} (expected 503 with Retry-After)",
            refused.status
        ));
    }
    if retried.status != 200 || retried.header("webhook-duplicate").is_some() {
        failures.push(format!(
            "{label}: the retry got {} (expected to be processed)",
            retried.status
        ));
    }
    if runs.of(&id) != 1 {
        failures.push(format!("{label}: the handler ran {} times", runs.of(&id)));
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_whose_answer_was_lost_is_released() {
    let mut failures = Vec::new();
    for adapter in ["axum", "actix"] {
        let runs = Runs::default();
        let losing = Arc::new(AtomicBool::new(false));
        let store_for = {
            let losing = Arc::clone(&losing);
            move |_: &str| LosingAnswers {
                store: MemoryStore::new(),
                losing: Arc::clone(&losing),
            }
        };
        let address = if adapter == "axum" {
            start_axum(runs.clone(), store_for).await
        } else {
            start_actix(runs.clone(), store_for)
        };
        failures.extend(retry_after_a_lost_answer(adapter, address, &losing, &runs).await);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
