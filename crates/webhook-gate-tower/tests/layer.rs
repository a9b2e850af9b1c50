//! The layer over real loopback HTTP: a served axum router and a real client.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use webhook_gate::receive::{Receiver, StoreFailure};
use webhook_gate::sign::{SignOptions, SignedHeaders};
use webhook_gate::store::{Claim, ClaimToken, DeliveryKey, StoreError};
use webhook_gate::{DeliveryId, DeliveryStore, MemoryStore, Scheme, Signer, Verifier};
use webhook_gate_tower::{VerifiedWebhook, Webhook, WebhookLayer};

const SECRET: &str = "layer-test-secret";

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

fn github_receiver() -> Receiver<MemoryStore> {
    Receiver::new(Verifier::new(Scheme::github(), SECRET).unwrap())
}

fn github_layer() -> WebhookLayer {
    WebhookLayer::from(github_receiver())
}

fn sign_github(body: &str, id: &str) -> SignedHeaders {
    Signer::new(Scheme::github(), SECRET)
        .unwrap()
        .sign(body.as_bytes(), &SignOptions::new().id(id))
}

async fn post_signed(
    address: SocketAddr,
    path: &str,
    headers: &SignedHeaders,
    body: &str,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("http://{address}{path}"))
        .body(body.to_owned());
    for (name, value) in headers.iter() {
        request = request.header(name, value);
    }
    request.send().await.unwrap()
}

/// A router whose handler counts its runs and answers with what `outcome` says.
fn counting_router(
    layer: WebhookLayer<impl DeliveryStore + Clone>,
    runs: Arc<AtomicUsize>,
    fail_first: usize,
) -> Router {
    Router::new()
        .route(
            "/hook",
            post(move |delivery: VerifiedWebhook, body: String| {
                let runs = Arc::clone(&runs);
                async move {
                    let run = runs.fetch_add(1, Ordering::SeqCst);
                    assert!(!body.is_empty());
                    if run < fail_first {
                        (StatusCode::INTERNAL_SERVER_ERROR, String::new())
                    } else {
                        (
                            StatusCode::OK,
                            delivery
                                .delivery_id()
                                .map(ToString::to_string)
                                .unwrap_or_default(),
                        )
                    }
                }
            }),
        )
        .route_layer(layer)
}

#[tokio::test]
async fn valid_delivery_reaches_the_handler_with_its_metadata() {
    let runs = Arc::new(AtomicUsize::new(0));
    let address = serve(counting_router(github_layer(), Arc::clone(&runs), 0)).await;
    let body = r#"{"action":"opened"}"#;
    let response = post_signed(address, "/hook", &sign_github(body, "delivery-1"), body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "delivery-1");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn problem_types_can_point_at_your_own_pages() {
    let runs = Arc::new(AtomicUsize::new(0));
    let layer =
        WebhookLayer::from(github_receiver().problem_type_base("https://example.com/problems/"));
    let address = serve(counting_router(layer, Arc::clone(&runs), 0)).await;
    let headers = sign_github(r#"{"action":"opened"}"#, "d-type");
    let tampered = post_signed(address, "/hook", &headers, r#"{"action":"closed"}"#).await;
    let problem: serde_json::Value = serde_json::from_str(&tampered.text().await.unwrap()).unwrap();
    assert_eq!(
        problem["type"],
        "https://example.com/problems/invalid-signature"
    );
}

#[tokio::test]
async fn refusals_are_problem_json_with_generic_detail() {
    let runs = Arc::new(AtomicUsize::new(0));
    let address = serve(counting_router(github_layer(), Arc::clone(&runs), 0)).await;
    let body = r#"{"action":"opened"}"#;
    let mut headers = sign_github(body, "d-401");
    let tampered = post_signed(address, "/hook", &headers, r#"{"action":"closed"}"#).await;
    assert_eq!(tampered.status(), 401);
    assert_eq!(
        tampered.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = serde_json::from_str(&tampered.text().await.unwrap()).unwrap();
    assert_eq!(problem["status"], 401);
    assert_eq!(problem["title"], "Webhook signature verification failed");
    assert_eq!(
        problem["detail"],
        "The request is not a valid signed webhook delivery."
    );
    // A type no host serves, so no one can take it over.
    assert_eq!(
        problem["type"],
        "tag:webhook-gate,2026:problem/invalid-signature"
    );

    headers.set("X-Hub-Signature-256", "sha256=nothex");
    let malformed = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(malformed.status(), 400);

    headers.remove("X-Hub-Signature-256");
    let missing = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(missing.status(), 401);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn processed_delivery_is_answered_as_duplicate() {
    let runs = Arc::new(AtomicUsize::new(0));
    let address = serve(counting_router(github_layer(), Arc::clone(&runs), 0)).await;
    let body = r#"{"n":1}"#;
    let headers = sign_github(body, "dup-1");
    let first = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("webhook-duplicate").is_none());
    let second = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["webhook-duplicate"], "true");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn handler_that_fails_once_is_processed_on_the_retry() {
    let runs = Arc::new(AtomicUsize::new(0));
    let address = serve(counting_router(github_layer(), Arc::clone(&runs), 1)).await;
    let body = r#"{"n":2}"#;
    let headers = sign_github(body, "retry-1");
    assert_eq!(
        post_signed(address, "/hook", &headers, body).await.status(),
        500
    );
    let retry = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(retry.status(), 200);
    assert!(retry.headers().get("webhook-duplicate").is_none());
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    // And now it is done.
    let third = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(third.headers()["webhook-duplicate"], "true");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn handler_that_panics_releases_its_claim() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&runs);
    let router = Router::new()
        .route(
            "/hook",
            post(move || {
                let counter = Arc::clone(&counter);
                async move {
                    assert!(
                        counter.fetch_add(1, Ordering::SeqCst) > 0,
                        "first run panics"
                    );
                    StatusCode::OK
                }
            }),
        )
        .route_layer(github_layer());
    let address = serve(router).await;
    let body = r#"{"n":3}"#;
    let headers = sign_github(body, "panic-1");
    let mut request = reqwest::Client::new()
        .post(format!("http://{address}/hook"))
        .body(body);
    for (name, value) in headers.iter() {
        request = request.header(name, value);
    }
    assert!(
        request.send().await.is_err(),
        "the connection dies with the panicking handler"
    );
    // The release is spawned when the future is dropped; give it a moment.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let retry = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(retry.status(), 200);
    assert!(retry.headers().get("webhook-duplicate").is_none());
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_copies_run_the_handler_once() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&runs);
    let router = Router::new()
        .route(
            "/hook",
            post(move || {
                let counter = Arc::clone(&counter);
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    StatusCode::OK
                }
            }),
        )
        .route_layer(github_layer());
    let address = serve(router).await;
    let body = r#"{"n":64}"#;
    let headers = sign_github(body, "concurrent-1");
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let headers = headers.clone();
            tokio::spawn(async move { post_signed(address, "/hook", &headers, body).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        let response = task.await.unwrap();
        let duplicate = response.headers().contains_key("webhook-duplicate");
        if response.status() == 409 {
            assert!(response.headers().contains_key("retry-after"));
        }
        statuses.push((response.status().as_u16(), duplicate));
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let processed = statuses
        .iter()
        .filter(|(status, duplicate)| *status == 200 && !duplicate)
        .count();
    assert_eq!(processed, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|(status, _)| *status == 200 || *status == 409),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn challenge_is_answered_by_the_layer() {
    let runs = Arc::new(AtomicUsize::new(0));
    let layer = WebhookLayer::new(Verifier::new(Scheme::slack(), SECRET).unwrap());
    let address = serve(counting_router(layer, Arc::clone(&runs), 0)).await;
    let body = r#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let headers = Signer::new(Scheme::slack(), SECRET)
        .unwrap()
        .sign(body.as_bytes(), &SignOptions::new());
    let response = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#
    );
    // Unsigned: refused.
    let unsigned = reqwest::Client::new()
        .post(format!("http://{address}/hook"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

async fn read_response_head(stream: &mut TcpStream) -> String {
    let mut buffer = vec![0u8; 4096];
    let mut read = 0;
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer[read..]))
            .await
            .expect("the server answers without waiting for the rest of the body")
            .unwrap();
        if n == 0 {
            break;
        }
        read += n;
        if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&buffer[..read]).into_owned()
}

fn raw_head(address: SocketAddr, headers: &SignedHeaders, framing: &str) -> String {
    let mut head = format!("POST /hook HTTP/1.1\r\nhost: {address}\r\n{framing}\r\n");
    for (name, value) in headers.iter() {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    head
}

#[tokio::test]
async fn oversized_content_length_is_refused_before_the_body_is_sent() {
    let runs = Arc::new(AtomicUsize::new(0));
    let address = serve(counting_router(github_layer(), Arc::clone(&runs), 0)).await;
    let headers = sign_github("irrelevant", "big-1");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = raw_head(
        address,
        &headers,
        &format!("content-length: {}", 2 * 1024 * 1024),
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Not one byte of the 2 MiB body is sent.
    let response = read_response_head(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn chunked_body_is_refused_once_it_passes_the_limit() {
    let runs = Arc::new(AtomicUsize::new(0));
    let address = serve(counting_router(github_layer(), Arc::clone(&runs), 0)).await;
    let headers = sign_github("irrelevant", "big-2");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(raw_head(address, &headers, "transfer-encoding: chunked").as_bytes())
        .await
        .unwrap();
    // 17 chunks of 64 KiB: 1 MiB + 64 KiB, then the stream stays open, unfinished,
    // as if 2 MiB were still coming.
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..17 {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(&chunk).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    let response = read_response_head(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn stalled_body_times_out_and_a_disconnect_mid_body_claims_nothing() {
    let runs = Arc::new(AtomicUsize::new(0));
    let layer = WebhookLayer::from(github_receiver().read_timeout(Duration::from_millis(300)));
    let address = serve(counting_router(layer, Arc::clone(&runs), 0)).await;
    let body = r#"{"action":"stalled"}"#;
    let headers = sign_github(body, "stall-1");

    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = raw_head(
        address,
        &headers,
        &format!("content-length: {}", body.len()),
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..5]).await.unwrap();
    let response = read_response_head(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");

    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..5]).await.unwrap();
    drop(stream);
    tokio::time::sleep(Duration::from_millis(50)).await;

    // Neither attempt left a claim behind: the complete delivery is processed.
    let response = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("webhook-duplicate").is_none());
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn crashed_claim_blocks_only_until_its_lease_expires() {
    let runs = Arc::new(AtomicUsize::new(0));
    let store = MemoryStore::builder()
        .lease(Duration::from_millis(300))
        .build();
    // Another replica claimed the delivery (in this route's namespace) and died.
    let receiver = github_receiver();
    let namespace = webhook_gate::store::Namespace::of_verifier(receiver.verifier());
    let Claim::Claimed(_) = store
        .claim(
            &DeliveryKey::from(DeliveryId::new("leased-1")).in_namespace(&namespace),
            &ClaimToken::random(),
        )
        .await
        .unwrap()
    else {
        panic!("fresh id must be claimable");
    };
    let address = serve(counting_router(
        WebhookLayer::from(receiver.store(store)),
        Arc::clone(&runs),
        0,
    ))
    .await;
    let body = r#"{"n":5}"#;
    let headers = sign_github(body, "leased-1");
    let blocked = post_signed(address, "/hook", &headers, body).await;
    assert_eq!(blocked.status(), 409);
    assert_eq!(blocked.headers()["retry-after"], "5");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        post_signed(address, "/hook", &headers, body).await.status(),
        200
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// A store whose backend is down.
#[derive(Clone)]
struct DownStore;

impl DeliveryStore for DownStore {
    async fn claim(
        &self,
        _delivery: &DeliveryKey,
        _token: &ClaimToken,
    ) -> Result<Claim, StoreError> {
        Err(StoreError::new("connection refused"))
    }

    async fn complete(
        &self,
        _delivery: &DeliveryKey,
        _token: &ClaimToken,
    ) -> Result<(), StoreError> {
        Err(StoreError::new("connection refused"))
    }

    async fn release(
        &self,
        _delivery: &DeliveryKey,
        _token: &ClaimToken,
    ) -> Result<(), StoreError> {
        Err(StoreError::new("connection refused"))
    }
}

#[tokio::test]
async fn unavailable_store_fails_closed_by_default_and_open_when_asked() {
    let runs = Arc::new(AtomicUsize::new(0));
    let closed = serve(counting_router(
        WebhookLayer::from(github_receiver().store(DownStore)),
        Arc::clone(&runs),
        0,
    ))
    .await;
    let body = r#"{"n":6}"#;
    let headers = sign_github(body, "down-1");
    let response = post_signed(closed, "/hook", &headers, body).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "30");
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    let open_layer = WebhookLayer::from(
        github_receiver()
            .store(DownStore)
            .store_failure(StoreFailure::FailOpen),
    );
    let open = serve(counting_router(open_layer, Arc::clone(&runs), 0)).await;
    assert_eq!(
        post_signed(open, "/hook", &headers, body).await.status(),
        200
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn json_extractor_and_rejections() {
    #[derive(serde::Deserialize)]
    struct Event {
        action: String,
    }
    let router = Router::new()
        .route(
            "/hook",
            post(|Webhook(event): Webhook<Event>| async move { event.action }),
        )
        .route_layer(github_layer())
        .route(
            "/unprotected",
            post(|Webhook(event): Webhook<Event>| async move { event.action }),
        );
    let address = serve(router).await;

    let body = r#"{"action":"opened"}"#;
    let response = post_signed(address, "/hook", &sign_github(body, "json-1"), body).await;
    assert_eq!(response.text().await.unwrap(), "opened");

    let not_json = "not json";
    let response = post_signed(address, "/hook", &sign_github(not_json, "json-2"), not_json).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );

    let response = post_signed(address, "/unprotected", &sign_github(body, "json-3"), body).await;
    assert_eq!(response.status(), 500);
}

#[tokio::test]
async fn without_dedupe_every_copy_runs() {
    let runs = Arc::new(AtomicUsize::new(0));
    let layer = WebhookLayer::from(github_receiver().without_dedupe());
    let router = Router::new()
        .route(
            "/hook",
            post({
                let runs = Arc::clone(&runs);
                move || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    StatusCode::OK
                }
            }),
        )
        .route_layer(layer);
    let address = serve(router).await;
    let body = r#"{"n":7}"#;
    let mut headers = sign_github(body, "nodedupe-1");
    for _ in 0..3 {
        assert_eq!(
            post_signed(address, "/hook", &headers, body).await.status(),
            200
        );
    }
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    // Without dedupe the delivery id is not needed.
    headers.remove("X-GitHub-Delivery");
    assert_eq!(
        post_signed(address, "/hook", &headers, body).await.status(),
        200
    );
    assert_eq!(runs.load(Ordering::SeqCst), 4);
    // With dedupe it is.
    let router = Router::new()
        .route("/hook", post(|| async { StatusCode::OK }))
        .route_layer(github_layer());
    let with_dedupe = serve(router).await;
    let response = post_signed(with_dedupe, "/hook", &headers, body).await;
    assert_eq!(response.status(), 400);
}
