//! Exactly-once mode through both adapters, against a real Postgres: the handler's
//! effects commit with the delivery's row, or vanish with it.

#[path = "../crates/webhook-gate-postgres/tests/support/mod.rs"]
mod postgres;
mod support;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::{PostgresServer, unique};
use sqlx::PgPool;
use support::{github_delivery, send, try_send};
use webhook_gate::receive::Receiver;
use webhook_gate::{Preset, Verifier};
use webhook_gate_postgres::{ExactlyOnce, Inbox, PostgresStore};

const PATH: &str = "/webhooks/github";

/// Handler runs per delivery id, across both adapters.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<HashMap<String, usize>>>);

impl Runs {
    fn record(&self, id: &str) -> usize {
        let mut runs = self.0.lock().unwrap();
        let count = runs.entry(id.to_owned()).or_default();
        *count += 1;
        *count
    }

    fn of(&self, id: &str) -> usize {
        self.0.lock().unwrap().get(id).copied().unwrap_or(0)
    }
}

#[derive(serde::Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

/// Writes the delivery's effect in its transaction, then answers as the event's
/// type says: `ok`; `fail-once` (500 on the first run); `panic-once`; `slow`
/// (1 s); `commit-fails` (breaks a deferred constraint: the commit fails);
/// `swallowed-error` (a failed statement ignored, then 200);
/// `abandoned` (2 s, for a client that hangs up).
async fn handle(mut inbox: Inbox, body: &[u8], adapter: &str, runs: &Runs) -> u16 {
    let event: Event = serde_json::from_slice(body).unwrap();
    let run = runs.record(&event.id);
    sqlx::query("INSERT INTO effects (delivery, adapter) VALUES ($1, $2)")
        .bind(&event.id)
        .bind(adapter)
        .execute(&mut *inbox)
        .await
        .unwrap();
    match event.kind.as_str() {
        "fail-once" if run == 1 => 500,
        "panic-once" if run == 1 => panic!("the handler panics on its first run"),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(1)).await;
            200
        }
        "abandoned" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            200
        }
        // A failed write caught and ignored: the transaction is aborted all the same.
        "swallowed-error" => {
            let _ = sqlx::query("SELECT 1 / 0").execute(&mut *inbox).await;
            200
        }
        "commit-fails" => {
            sqlx::query("INSERT INTO deferred_unique (value) VALUES (1), (1)")
                .execute(&mut *inbox)
                .await
                .unwrap();
            200
        }
        _ => 200,
    }
}

fn receiver(store: ExactlyOnce) -> Receiver<ExactlyOnce> {
    Receiver::with_store(
        Verifier::new(Preset::GitHub.scheme(), support::SECRET).unwrap(),
        store,
    )
}

async fn start_axum(store: ExactlyOnce, runs: Runs) -> SocketAddr {
    use axum::routing::post;
    let handler = move |inbox: Inbox, body: axum::body::Bytes| {
        let runs = runs.clone();
        async move {
            axum::http::StatusCode::from_u16(handle(inbox, &body, "axum", &runs).await).unwrap()
        }
    };
    let router = axum::Router::new().route(
        PATH,
        post(handler).route_layer(webhook_gate_tower::WebhookLayer::from(receiver(store))),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

fn start_actix(store: ExactlyOnce, runs: Runs) -> SocketAddr {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let (sender, addresses) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let gate = webhook_gate_actix::WebhookGate::from(receiver(store));
            let server = HttpServer::new(move || {
                let runs = runs.clone();
                let handler = move |inbox: Inbox, body: web::Bytes| {
                    let runs = runs.clone();
                    async move {
                        let status = handle(inbox, &body, "actix", &runs).await;
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                            .finish()
                    }
                };
                App::new().service(
                    web::resource(PATH)
                        .wrap(gate.clone())
                        .route(web::post().to(handler)),
                )
            })
            .workers(2)
            .bind(("127.0.0.1", 0))
            .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        });
    });
    addresses.recv().unwrap()
}

struct Setup {
    _server: PostgresServer,
    pool: PgPool,
    runs: Runs,
    /// Each adapter's name, address and store.
    adapters: Vec<(&'static str, SocketAddr, ExactlyOnce)>,
}

async fn setup(test: &str, lock_timeout: Duration) -> Option<Setup> {
    let server = PostgresServer::start(test)?;
    let pool = server.pool().await;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS effects (delivery text NOT NULL, adapter text NOT NULL);
         CREATE TABLE IF NOT EXISTS deferred_unique (
             value integer,
             CONSTRAINT deferred_unique_value UNIQUE (value) DEFERRABLE INITIALLY DEFERRED
         );",
    )
    .execute(&pool)
    .await
    .unwrap();
    let runs = Runs::default();
    let store = || {
        PostgresStore::builder(pool.clone())
            .prefix(unique(test))
            .lock_timeout(lock_timeout)
            .exactly_once()
            .unwrap()
    };
    let (axum_store, actix_store) = (store(), store());
    let adapters = vec![
        (
            "axum",
            start_axum(axum_store.clone(), runs.clone()).await,
            axum_store,
        ),
        (
            "actix",
            start_actix(actix_store.clone(), runs.clone()),
            actix_store,
        ),
    ];
    Some(Setup {
        _server: server,
        pool,
        runs,
        adapters,
    })
}

async fn effects(pool: &PgPool, id: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM effects WHERE delivery = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// An id unique to this run and adapter.
fn id(adapter: &str, name: &str) -> String {
    format!("{name}-{adapter}-{}", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_processed_delivery_commits_its_effect_once_and_its_retries_are_duplicates() {
    let Some(setup) = setup("exactly_once_processed", Duration::from_secs(2)).await else {
        return;
    };
    for (adapter, address, store) in &setup.adapters {
        let id = id(adapter, "evt-ok");
        let delivery = github_delivery(&id, "ok");
        assert_eq!(
            send(*address, PATH, &delivery).await.status,
            200,
            "{adapter}"
        );
        assert_eq!(effects(&setup.pool, &id).await, 1, "{adapter}");
        // The provider's retry, and a capture replayed under a fresh delivery id.
        let retry = send(*address, PATH, &delivery).await;
        assert_eq!(retry.status, 200, "{adapter}");
        assert_eq!(retry.header("webhook-duplicate"), Some("true"), "{adapter}");
        let mut replay = delivery.clone();
        replay.set("X-GitHub-Delivery", format!("{id}-replayed"));
        let replayed = send(*address, PATH, &replay).await;
        assert_eq!(
            replayed.header("webhook-duplicate"),
            Some("true"),
            "{adapter}"
        );
        assert_eq!(setup.runs.of(&id), 1, "{adapter}");
        assert_eq!(effects(&setup.pool, &id).await, 1, "{adapter}");
        assert_eq!(store.open_transactions(), 0, "{adapter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_or_panicking_handler_rolls_its_effect_back_and_the_retry_is_processed() {
    let Some(setup) = setup("exactly_once_failed", Duration::from_secs(2)).await else {
        return;
    };
    for (adapter, address, store) in &setup.adapters {
        let failed = id(adapter, "evt-fail-once");
        let delivery = github_delivery(&failed, "fail-once");
        assert_eq!(
            send(*address, PATH, &delivery).await.status,
            500,
            "{adapter}"
        );
        assert_eq!(
            effects(&setup.pool, &failed).await,
            0,
            "{adapter}: rolled back"
        );
        assert_eq!(
            send(*address, PATH, &delivery).await.status,
            200,
            "{adapter}"
        );
        assert_eq!(effects(&setup.pool, &failed).await, 1, "{adapter}");
        assert_eq!(setup.runs.of(&failed), 2, "{adapter}");

        let panicked = id(adapter, "evt-panic-once");
        let delivery = github_delivery(&panicked, "panic-once");
        let answer = try_send(*address, PATH, &delivery).await;
        assert!(
            answer.is_none_or(|answer| answer.status >= 500),
            "{adapter}"
        );
        // The rollback runs off the request's path: the retry may wait for it.
        let mut retried = send(*address, PATH, &delivery).await;
        for _ in 0..50 {
            if retried.status == 200 {
                break;
            }
            assert_eq!(
                retried.status, 409,
                "{adapter}: in flight until rolled back"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            retried = send(*address, PATH, &delivery).await;
        }
        assert_eq!(retried.status, 200, "{adapter}");
        assert_eq!(retried.header("webhook-duplicate"), None, "{adapter}");
        assert_eq!(effects(&setup.pool, &panicked).await, 1, "{adapter}");
        assert_eq!(setup.runs.of(&panicked), 2, "{adapter}");
        assert_eq!(store.open_transactions(), 0, "{adapter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_waits_for_the_lock_timeout_then_is_in_flight_and_after_the_commit_a_duplicate() {
    let Some(setup) = setup("exactly_once_concurrent", Duration::from_millis(200)).await else {
        return;
    };
    for (adapter, address, _) in &setup.adapters {
        let id = id(adapter, "evt-slow");
        let delivery = github_delivery(&id, "slow");
        let first = {
            let (address, delivery) = (*address, delivery.clone());
            tokio::spawn(async move { send(address, PATH, &delivery).await })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let copy = send(*address, PATH, &delivery).await;
        assert_eq!(copy.status, 409, "{adapter}");
        assert!(copy.header("retry-after").is_some(), "{adapter}");
        assert_eq!(first.await.unwrap().status, 200, "{adapter}");
        let after = send(*address, PATH, &delivery).await;
        assert_eq!(after.header("webhook-duplicate"), Some("true"), "{adapter}");
        assert_eq!(setup.runs.of(&id), 1, "{adapter}");
        assert_eq!(effects(&setup.pool, &id).await, 1, "{adapter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_answers_503_instead_of_the_handlers_2xx() {
    let Some(setup) = setup("exactly_once_commit_fails", Duration::from_secs(2)).await else {
        return;
    };
    for (adapter, address, store) in &setup.adapters {
        let id = id(adapter, "evt-commit-fails");
        let answer = send(*address, PATH, &github_delivery(&id, "commit-fails")).await;
        assert_eq!(answer.status, 503, "{adapter}: {}", answer.body);
        assert!(answer.header("retry-after").is_some(), "{adapter}");
        assert_eq!(effects(&setup.pool, &id).await, 0, "{adapter}");
        assert_eq!(setup.runs.of(&id), 1, "{adapter}");
        assert_eq!(store.open_transactions(), 0, "{adapter}");
    }
}

/// hyper drops the request of a client that hung up, handler and all: rolled
/// back. actix-web runs the handler to its end whatever the client does: the
/// delivery commits as usual, once.
/// Postgres answers COMMIT in an aborted transaction with a rollback: the layer
/// must not send the handler's 200 then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_swallows_a_failed_write_is_answered_503() {
    let Some(setup) = setup("exactly_once_swallowed", Duration::from_secs(2)).await else {
        return;
    };
    for (adapter, address, store) in &setup.adapters {
        let id = id(adapter, "evt-swallowed-error");
        let delivery = github_delivery(&id, "swallowed-error");
        let answer = send(*address, PATH, &delivery).await;
        assert_eq!(answer.status, 503, "{adapter}: {}", answer.body);
        assert_eq!(effects(&setup.pool, &id).await, 0, "{adapter}");
        assert_eq!(store.open_transactions(), 0, "{adapter}");
        // Not recorded as done: the retry runs the handler again.
        assert_eq!(
            send(*address, PATH, &delivery).await.status,
            503,
            "{adapter}"
        );
        assert_eq!(setup.runs.of(&id), 2, "{adapter}");
    }
}

/// A scheme without delivery ids (Postmark) cannot be claimed: an exactly-once
/// route refuses its deliveries rather than run the handler without a transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exactly_once_route_without_delivery_ids_does_not_run_the_handler() {
    use axum::routing::post;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://postgres@127.0.0.1:1/postgres")
        .unwrap();
    let store = PostgresStore::builder(pool).exactly_once().unwrap();
    let ran = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&ran);
    let router = axum::Router::new().route(
        "/webhooks/postmark",
        post(move || {
            *counted.lock().unwrap() += 1;
            async { "ran" }
        })
        .route_layer(webhook_gate_tower::WebhookLayer::from(
            Receiver::with_store(
                Verifier::new(Preset::Postmark.scheme(), "user:pass").unwrap(),
                store,
            ),
        )),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let mut request = support::Request::plain(
        "POST",
        "",
        vec![("Authorization".to_owned(), "Basic dXNlcjpwYXNz".to_owned())],
    );
    request.body = br#"{"RecordType":"Delivery","MessageID":"m-1"}"#.to_vec();
    let answer = send(address, "/webhooks/postmark", &request).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(*ran.lock().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_dropped_mid_handler_rolls_back() {
    let Some(setup) = setup("exactly_once_dropped", Duration::from_millis(200)).await else {
        return;
    };
    for (adapter, address, store) in &setup.adapters {
        let id = id(adapter, "evt-abandoned");
        let delivery = github_delivery(&id, "abandoned");
        let mut raw = format!(
            "POST {PATH} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            delivery.body.len()
        );
        for (name, value) in &delivery.headers {
            let _ = write!(raw, "{name}: {value}\r\n");
        }
        raw.push_str("\r\n");
        let mut parts = raw.into_bytes();
        parts.extend_from_slice(&delivery.body);
        // The client hangs up while the handler runs.
        let _ = support::exchange(
            *address,
            vec![parts],
            Duration::ZERO,
            Duration::from_millis(500),
        )
        .await;
        let mut open = store.open_transactions();
        for _ in 0..50 {
            if open == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            open = store.open_transactions();
        }
        assert_eq!(open, 0, "{adapter}: the transaction ended");
        assert_eq!(setup.runs.of(&id), 1, "{adapter}");
        let committed = i64::from(*adapter == "actix");
        assert_eq!(effects(&setup.pool, &id).await, committed, "{adapter}");
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'",
        )
        .fetch_one(&setup.pool)
        .await
        .unwrap();
        assert_eq!(held, 0, "{adapter}: no connection is left in a transaction");
    }
}

async fn unavailable_database(pool: PgPool, test: &str) {
    let runs = Runs::default();
    let store = PostgresStore::builder(pool)
        .prefix(unique(test))
        .exactly_once()
        .unwrap();
    let addresses = [
        ("axum", start_axum(store.clone(), runs.clone()).await),
        ("actix", start_actix(store, runs.clone())),
    ];
    for (adapter, address) in addresses {
        let id = id(adapter, "evt-unavailable");
        let answer = send(address, PATH, &github_delivery(&id, "ok")).await;
        assert_eq!(answer.status, 503, "{adapter}");
        assert!(answer.header("retry-after").is_some(), "{adapter}");
        assert_eq!(runs.of(&id), 0, "{adapter}: the handler did not run");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_answers_503_and_the_handler_does_not_run() {
    let port = postgres::free_port();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy(&format!("postgres://postgres@127.0.0.1:{port}/postgres"))
        .unwrap();
    unavailable_database(pool, "exactly_once_unreachable").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_answers_503_and_the_handler_does_not_run() {
    let Some(server) = PostgresServer::start("exactly_once_exhausted_pool") else {
        return;
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_millis(300))
        .connect(server.url())
        .await
        .unwrap();
    webhook_gate_postgres::migrate(&pool).await.unwrap();
    // The pool's one connection is busy elsewhere.
    let _held = pool.acquire().await.unwrap();
    unavailable_database(pool.clone(), "exactly_once_exhausted_pool").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_on_a_route_without_an_exactly_once_store_is_a_500() {
    use axum::routing::post;
    let router = axum::Router::new().route(
        PATH,
        post(|_inbox: Inbox| async { "unreachable" }).route_layer(
            webhook_gate_tower::WebhookLayer::from(Receiver::new(
                Verifier::new(Preset::GitHub.scheme(), support::SECRET).unwrap(),
            )),
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let answer = send(address, PATH, &github_delivery("evt-no-inbox", "ok")).await;
    assert_eq!(answer.status, 500);
    assert!(answer.body.contains("inbox-unavailable"), "{}", answer.body);
}
