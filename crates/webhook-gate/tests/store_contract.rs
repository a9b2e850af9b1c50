//! `MemoryStore` passes the store contract every `DeliveryStore` must pass.

use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use webhook_gate::MemoryStore;
use webhook_gate::store::testing::{StoreSettings, run_contract};

/// Runs a future on this thread, parking while it waits.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::park();
    }
}

#[test]
fn memory_store_passes_the_store_contract() {
    block_on(run_contract(|settings: StoreSettings| {
        MemoryStore::builder()
            .lease(settings.lease)
            .done_ttl(settings.done_ttl)
            .capacity(settings.capacity)
            .build()
    }));
}

#[test]
fn a_memory_store_behind_a_dyn_store_passes_the_store_contract() {
    block_on(run_contract(|settings: StoreSettings| {
        webhook_gate::store::DynStore::new(
            MemoryStore::builder()
                .lease(settings.lease)
                .done_ttl(settings.done_ttl)
                .capacity(settings.capacity)
                .build(),
        )
    }));
}
