//! The in-memory delivery stores side by side, in one run: the hand-written store
//! that moka replaced (`old_store`, copied from commit 0429ea0), the moka
//! `MemoryStore`, and the moka store behind a `DynStore` (the trait object's cost).
//!
//! - claim + complete of fresh ids per delivery, with 1 and 2 threads, on a store
//!   bounded to (and filled with) 10 000 and 1 000 000 done ids, so that every
//!   claim also evicts the oldest id;
//! - memory per remembered id: the resident set of a child process before and
//!   after remembering 1 000 000 done ids (36-byte ids, as a UUID).
//!
//! Run: `cargo bench -p webhook-gate --bench stores` (`STORES_SECONDS`, default 2,
//! per measurement; `STORES_ONLY=old|moka|dyn` for one store's throughput alone).

// The bench harness is a plain binary.
#![allow(missing_docs)]
// Counts far below 2^52: converting them to f64 is exact.
#![allow(clippy::cast_precision_loss)]

#[allow(dead_code, clippy::pedantic)] // Kept as it was: only what is measured is used.
mod old_store;

use std::future::Future;
use std::process::Command;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use webhook_gate::store::{Claim, ClaimToken, DeliveryKey, DynStore};
use webhook_gate::{DeliveryId, DeliveryStore, MemoryStore};

const DONE_TTL: Duration = Duration::from_secs(72 * 3600);

fn block_on<F: Future>(future: F) -> F::Output {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

/// A 36-byte id, as GitHub's and Shopify's UUIDs are.
fn id(thread: usize, n: u64) -> DeliveryKey {
    DeliveryKey::new(DeliveryId::new(format!(
        "{thread:08x}-0000-4000-8000-{n:012x}"
    )))
}

fn deliver<St: DeliveryStore>(store: &St, key: &DeliveryKey) {
    let Claim::Claimed(token) = block_on(store.claim(key, &ClaimToken::random())).unwrap() else {
        panic!("fresh ids are claimed");
    };
    block_on(store.complete(key, &token)).unwrap();
}

#[derive(Clone, Copy)]
enum Kind {
    Old,
    Moka,
    Dyn,
}

impl Kind {
    const ALL: [Self; 3] = [Self::Old, Self::Moka, Self::Dyn];

    fn name(self) -> &'static str {
        match self {
            Self::Old => "old (hand-written, 0429ea0)",
            Self::Moka => "moka MemoryStore",
            Self::Dyn => "moka behind DynStore",
        }
    }

    fn arg(self) -> &'static str {
        match self {
            Self::Old => "old",
            Self::Moka => "moka",
            Self::Dyn => "dyn",
        }
    }
}

/// One delivery (claim + complete) to the store under test.
type Deliver<'a> = dyn Fn(&DeliveryKey) + Sync + 'a;

/// Runs `f` with a store of `kind` bounded to `capacity` (the same indirect call
/// for every kind).
fn with_store(kind: Kind, capacity: usize, f: &mut dyn FnMut(&Deliver<'_>)) {
    match kind {
        Kind::Old => {
            let store = old_store::MemoryStore::builder()
                .capacity(capacity)
                .done_ttl(DONE_TTL)
                .build();
            f(&|key| deliver(&store, key));
        }
        Kind::Moka => {
            let store = MemoryStore::builder()
                .capacity(capacity)
                .done_ttl(DONE_TTL)
                .build();
            f(&|key| deliver(&store, key));
        }
        Kind::Dyn => {
            let store = DynStore::new(
                MemoryStore::builder()
                    .capacity(capacity)
                    .done_ttl(DONE_TTL)
                    .build(),
            );
            f(&|key| deliver(&store, key));
        }
    }
}

/// Deliveries per second (claim + complete) of fresh ids with `threads` threads,
/// on a store first filled with `ids` done ids.
fn throughput(kind: Kind, ids: usize, threads: usize, seconds: f64) -> f64 {
    let mut rate = 0.0;
    with_store(kind, ids, &mut |deliver| {
        for n in 0..ids as u64 {
            deliver(&id(usize::MAX >> 32, n));
        }
        let barrier = Barrier::new(threads);
        let counts: Vec<u64> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|thread| {
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        let deadline = Instant::now() + Duration::from_secs_f64(seconds);
                        let mut done = 0u64;
                        while Instant::now() < deadline {
                            for _ in 0..256 {
                                deliver(&id(thread, done));
                                done += 1;
                            }
                        }
                        done
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        rate = counts.iter().sum::<u64>() as f64 / seconds;
    });
    rate
}

/// Nanoseconds to make one id (the `format!` every measured delivery also pays).
fn id_cost() -> f64 {
    let started = Instant::now();
    let mut total = 0usize;
    for n in 0..1_000_000 {
        total += std::hint::black_box(id(0, n)).id().as_str().len();
    }
    assert!(total > 0);
    started.elapsed().as_nanos() as f64 / 1e6
}

/// Nanoseconds per claim + complete of one prepared key on `store`.
fn settle_cost<St: DeliveryStore>(store: &St, key: &DeliveryKey) -> f64 {
    const ROUNDS: u32 = 5_000_000;
    let started = Instant::now();
    for _ in 0..ROUNDS {
        let Claim::Claimed(token) =
            block_on(store.claim(std::hint::black_box(key), &ClaimToken::random())).unwrap()
        else {
            panic!("the store without dedupe claims everything");
        };
        block_on(store.complete(key, &token)).unwrap();
    }
    started.elapsed().as_nanos() as f64 / f64::from(ROUNDS)
}

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// In a child process: bytes of resident memory per remembered id at `ids` ids.
fn memory_child(kind: Kind, ids: usize) {
    // The ids are made ahead, and their strings kept alive, so that only the
    // store's own memory is counted.
    let keys: Vec<DeliveryKey> = (0..ids as u64).map(|n| id(1, n)).collect();
    let before = resident_bytes();
    with_store(kind, ids, &mut |deliver| {
        for key in &keys {
            deliver(key);
        }
        let after = resident_bytes();
        println!("{}", (after - before) as f64 / ids as f64);
    });
}

fn memory_per_id(kind: Kind, ids: usize) -> f64 {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--memory", kind.arg(), &ids.to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--memory") {
        let kind = Kind::ALL
            .into_iter()
            .find(|kind| kind.arg() == args[at + 1])
            .unwrap();
        memory_child(kind, args[at + 2].parse().unwrap());
        return;
    }
    let seconds: f64 = std::env::var("STORES_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2.0);
    // The trait object alone, on the store that does nothing (`()`): what boxing
    // the two futures of a delivery and calling through the vtable cost.
    let key = id(0, 0);
    let (direct, erased) = (
        settle_cost(&(), &key),
        settle_cost(&DynStore::new(()), &key),
    );
    println!(
        "claim + complete on `()`: {direct:.1} ns direct, {erased:.1} ns behind DynStore (+{:.1} ns)",
        erased - direct
    );
    println!(
        "making one 36-byte id: {:.0} ns (paid by every delivery below)",
        id_cost()
    );
    println!("claim + complete of fresh ids, {seconds} s each, store full of done ids");
    println!("| store | ids | threads | deliveries/s | ns per delivery (per thread) |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let only = std::env::var("STORES_ONLY").ok();
    for ids in [10_000, 1_000_000] {
        for threads in [1, 2] {
            for kind in Kind::ALL {
                if only.as_deref().is_some_and(|only| only != kind.arg()) {
                    continue;
                }
                let rate = throughput(kind, ids, threads, seconds);
                println!(
                    "| {} | {ids} | {threads} | {rate:.0} | {:.0} |",
                    kind.name(),
                    1e9 * threads as f64 / rate
                );
            }
        }
    }
    if only.is_some() {
        return;
    }
    println!(
        "memory per remembered id, 1 000 000 done ids, 36-byte ids (resident set of a child process)"
    );
    for kind in [Kind::Old, Kind::Moka] {
        println!(
            "| {} | {:.0} bytes |",
            kind.name(),
            memory_per_id(kind, 1_000_000)
        );
    }
}
