//! What the cross-adapter tests share: receivers for both adapters with a counting
//! handler, and a plain HTTP/1.1 client.

#![allow(dead_code)] // Each test file uses a part.

pub mod rsa_keys;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use webhook_gate::challenge::Challenge;
use webhook_gate::receive::{BodyBudget, DEFAULT_BODY_BUDGET, Receiver};
use webhook_gate::sign::SignedHeaders;
use webhook_gate::{DeliveryStore, Preset, Verifier};

/// Every receiver accepts both: the current secret and the one being rotated in.
pub const SECRET: &str = "whsec_Y29uZm9ybWFuY2UtY3VycmVudC1zZWNyZXQ=";
pub const NEXT_SECRET: &str = "whsec_Y29uZm9ybWFuY2UtbmV4dC1zZWNyZXQ=";
/// A secret the receivers do not know.
pub const RETIRED_SECRET: &str = "whsec_Y29uZm9ybWFuY2UtcmV0aXJlZC1zZWNyZXQ=";
/// The verify token of the receivers' unsigned handshakes (Meta's).
pub const VERIFY_TOKEN: &str = "conformance-verify-token";

/// Which of a preset's keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Current,
    Next,
    /// Unknown to the receivers.
    Retired,
}

/// The key material of `preset` for `key`: what a receiver is configured with (a
/// secret, a token, or a public key) and what a sender signs with (the same secret,
/// or the private key). Public-key pairs are derived from fixed seeds.
pub fn key(preset: Preset, key: Key) -> (String, String) {
    use sha2::Digest as _;
    let secret = match key {
        Key::Current => SECRET,
        Key::Next => NEXT_SECRET,
        Key::Retired => RETIRED_SECRET,
    };
    let seed: [u8; 32] = sha2::Sha256::digest(format!("{preset}-{key:?}")).into();
    let hex = |bytes: &[u8]| {
        bytes.iter().fold(String::new(), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
    };
    match preset.scheme().algorithm() {
        webhook_gate::scheme::Algorithm::Ed25519 => {
            let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
            (hex(signing.verifying_key().as_bytes()), hex(&seed))
        }
        webhook_gate::scheme::Algorithm::EcdsaP256Sha256 => {
            use base64::Engine as _;
            // SubjectPublicKeyInfo of a P-256 key: the fixed algorithm header, then
            // the uncompressed point.
            const SPKI_PREFIX: &[u8] = &[
                0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
            ];
            let signing = p256::ecdsa::SigningKey::from_slice(&seed).unwrap();
            let point = signing.verifying_key().to_encoded_point(false);
            let der = [SPKI_PREFIX, point.as_bytes()].concat();
            (
                base64::engine::general_purpose::STANDARD.encode(der),
                hex(&seed),
            )
        }
        webhook_gate::scheme::Algorithm::RsaPkcs1Sha256 => {
            let (public, private) = match key {
                Key::Current => (rsa_keys::RSA_CURRENT_PUBLIC, rsa_keys::RSA_CURRENT_PRIVATE),
                Key::Next => (rsa_keys::RSA_NEXT_PUBLIC, rsa_keys::RSA_NEXT_PRIVATE),
                Key::Retired => (rsa_keys::RSA_RETIRED_PUBLIC, rsa_keys::RSA_RETIRED_PRIVATE),
            };
            (public.to_owned(), private.to_owned())
        }
        _ => (secret.to_owned(), secret.to_owned()),
    }
}

/// The value of every setting a scheme signs (PayPal's `webhook_id`).
pub const SETTING: &str = "4JH86294D6297924G";

/// A signer of `preset` with `key`.
pub fn signer(preset: Preset, which: Key) -> webhook_gate::Signer {
    let scheme = preset.scheme();
    let settings: Vec<String> = scheme.settings().map(str::to_owned).collect();
    let mut signer = webhook_gate::Signer::new(scheme, key(preset, which).1).unwrap();
    for name in &settings {
        signer = signer.setting(name, SETTING);
    }
    signer
}

/// How long the handler of a `lingering` delivery takes.
pub const LINGERING: Duration = Duration::from_secs(3);

/// Handler runs per body `id`, shared by every route of one server.
#[derive(Clone, Default)]
pub struct Runs(Arc<Mutex<HashMap<String, usize>>>);

impl Runs {
    /// Counts a run of the body and says how the handler answers: 500 on the first
    /// run of a `fail-once` delivery, 200 otherwise, after a pause: 300 ms for
    /// `slow` deliveries, [`LINGERING`] for `lingering` ones (longer than a short
    /// lease).
    pub fn record(&self, body: &[u8]) -> (u16, Duration) {
        let id = body_id(body);
        let mut runs = self.0.lock().unwrap();
        let count = runs.entry(id.clone()).or_insert(0);
        *count += 1;
        let status = if id.contains("fail-once") && *count == 1 {
            500
        } else {
            200
        };
        let pause = if id.contains("lingering") {
            LINGERING
        } else if id.contains("slow") {
            Duration::from_millis(300)
        } else {
            Duration::ZERO
        };
        (status, pause)
    }

    pub fn of(&self, id: &str) -> usize {
        self.0.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    /// Every run so far, whatever the body.
    pub fn total(&self) -> usize {
        self.0.lock().unwrap().values().sum()
    }
}

/// The body's `"id":"..."`, found as bytes, so that bodies that are not valid JSON
/// (invalid UTF-8, nesting beyond serde's limit) are counted too.
fn body_id(body: &[u8]) -> String {
    const KEY: &[u8] = br#""id":""#;
    body.windows(KEY.len())
        .position(|window| window == KEY)
        .and_then(|at| {
            let rest = &body[at + KEY.len()..];
            let end = rest.iter().position(|&b| b == b'"')?;
            String::from_utf8(rest[..end].to_vec()).ok()
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// The body read timeout of every test receiver: short, so that stalled bodies are
/// answered within the tests.
pub const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// The values capturing handshakes handed over (Asana, Notion): scheme and value.
pub static CAPTURED: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// The preset's verifier, without a capture callback.
fn verifier_builder(preset: &str) -> webhook_gate::verify::VerifierBuilder {
    let preset: Preset = preset.parse().unwrap();
    let scheme = preset.scheme();
    let mut builder = Verifier::builder(scheme.clone());
    for name in scheme.settings() {
        builder = builder.setting(name, SETTING);
    }
    builder
        .secrets([key(preset, Key::Current).0, key(preset, Key::Next).0])
        .verify_token(VERIFY_TOKEN)
}

/// The routes of a preset: `/webhooks/<preset>` with [`verifier`], and for a preset
/// whose handshake hands over a value (Asana, Notion) also
/// `/webhooks/<preset>/uncaptured`, whose verifier has no capture callback.
fn routes(preset: &str) -> Vec<(String, Verifier)> {
    let mut routes = vec![(format!("/webhooks/{preset}"), verifier(preset))];
    let scheme = preset.parse::<Preset>().unwrap().scheme();
    if scheme.challenge().is_some_and(Challenge::captures) {
        routes.push((
            format!("/webhooks/{preset}/uncaptured"),
            verifier_builder(preset).build().unwrap(),
        ));
    }
    routes
}

pub fn verifier(preset: &str) -> Verifier {
    verifier_builder(preset)
        .on_capture(|captured| {
            let value = String::from_utf8(captured.value().expose().to_vec()).unwrap();
            CAPTURED
                .lock()
                .unwrap()
                .push((captured.scheme().to_owned(), value));
        })
        .build()
        .unwrap()
}

/// An axum receiver with a route per preset, each deduplicating through the store
/// `store_for(preset)` returns.
pub async fn start_axum<St: DeliveryStore + Clone>(
    runs: Runs,
    store_for: impl Fn(&str) -> St,
) -> SocketAddr {
    start_axum_with_budget(runs, store_for, BodyBudget::new(DEFAULT_BODY_BUDGET)).await
}

/// [`start_axum`], every route holding its bodies within one `budget`.
pub async fn start_axum_with_budget<St: DeliveryStore + Clone>(
    runs: Runs,
    store_for: impl Fn(&str) -> St,
    budget: BodyBudget,
) -> SocketAddr {
    use axum::routing::post;
    let mut router = axum::Router::new();
    for preset in Preset::ALL.iter().map(|preset| preset.name()) {
        let runs = runs.clone();
        let handler = move |body: axum::body::Bytes| {
            let runs = runs.clone();
            async move {
                let (status, pause) = runs.record(&body);
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        };
        for (path, verifier) in routes(preset) {
            router = router.route(
                &path,
                post(handler.clone()).get(handler.clone()).route_layer(
                    webhook_gate_tower::WebhookLayer::from(
                        Receiver::new(verifier)
                            .read_timeout(READ_TIMEOUT)
                            .body_budget(budget.clone())
                            .store(store_for(preset)),
                    ),
                ),
            );
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

/// An actix-web receiver (two workers) with a route per preset, each deduplicating
/// through the store `store_for(preset)` returns (called on the server's runtime).
pub fn start_actix<St: DeliveryStore + Clone>(
    runs: Runs,
    store_for: impl Fn(&str) -> St + Send + 'static,
) -> SocketAddr {
    start_actix_with_budget(runs, store_for, BodyBudget::new(DEFAULT_BODY_BUDGET))
}

/// [`start_actix`], every route holding its bodies within one `budget`.
pub fn start_actix_with_budget<St: DeliveryStore + Clone>(
    runs: Runs,
    store_for: impl Fn(&str) -> St + Send + 'static,
    budget: BodyBudget,
) -> SocketAddr {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let middlewares: Vec<_> = Preset::ALL
                .iter()
                .map(|preset| preset.name())
                .flat_map(|preset| {
                    routes(preset).into_iter().map(|(path, verifier)| {
                        let receiver = Receiver::new(verifier)
                            .read_timeout(READ_TIMEOUT)
                            .body_budget(budget.clone())
                            .store(store_for(preset));
                        (path, webhook_gate_actix::WebhookGate::from(receiver))
                    })
                })
                .collect();
            let server = HttpServer::new(move || {
                let mut app = App::new();
                for (path, middleware) in &middlewares {
                    let runs = runs.clone();
                    let handler = move |body: web::Bytes| {
                        let runs = runs.clone();
                        async move {
                            let (status, pause) = runs.record(&body);
                            if !pause.is_zero() {
                                tokio::time::sleep(pause).await;
                            }
                            HttpResponse::build(
                                actix_web::http::StatusCode::from_u16(status).unwrap(),
                            )
                            .finish()
                        }
                    };
                    app = app.service(
                        web::resource(path.as_str())
                            .wrap(middleware.clone())
                            .route(web::post().to(handler.clone()))
                            .route(web::get().to(handler)),
                    );
                }
                app
            })
            .workers(2)
            .bind(("127.0.0.1", 0))
            .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        });
    });
    receiver.recv().unwrap()
}

/// An axum and an actix-web receiver, each deduplicating in memory, with their
/// handler runs.
pub async fn both_adapters() -> [(&'static str, SocketAddr, Runs); 2] {
    let axum_runs = Runs::default();
    let actix_runs = Runs::default();
    [
        (
            "axum",
            start_axum(axum_runs.clone(), |_| webhook_gate::MemoryStore::new()).await,
            axum_runs,
        ),
        (
            "actix",
            start_actix(actix_runs.clone(), |_| webhook_gate::MemoryStore::new()),
            actix_runs,
        ),
    ]
}

pub fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// One request: headers and body.
#[derive(Clone)]
pub struct Request {
    /// `POST` unless said otherwise.
    pub method: &'static str,
    /// Appended to the path (`?a=1`).
    pub query: String,
    pub headers: Vec<(String, String)>,
    /// Headers whose values are not text (sent after `headers`).
    pub raw_headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn signed(headers: SignedHeaders, body: Vec<u8>) -> Self {
        Self {
            method: "POST",
            query: String::new(),
            headers: headers.into_iter().collect(),
            raw_headers: Vec::new(),
            body,
        }
    }

    /// A request without a signature: `method`, the query, and `headers`.
    pub fn plain(method: &'static str, query: &str, headers: Vec<(String, String)>) -> Self {
        Self {
            method,
            query: query.to_owned(),
            headers,
            raw_headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn set(&mut self, name: &str, value: String) {
        self.headers
            .retain(|(key, _)| !key.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value));
    }

    /// Replaces the header `name` with a value that is not text.
    pub fn set_raw(&mut self, name: &str, value: Vec<u8>) {
        self.headers
            .retain(|(key, _)| !key.eq_ignore_ascii_case(name));
        self.raw_headers.push((name.to_owned(), value));
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Sends `request` over a fresh connection with a plain HTTP/1.1 writer, so that
/// header names go out exactly as written and an early answer to a large body is
/// read even when the server stops reading the body.
pub async fn send(address: SocketAddr, path: &str, request: &Request) -> Answer {
    try_send(address, path, request)
        .await
        .expect("the server closed the connection without an answer")
}

/// [`send`], `None` when the server closes the connection without an answer (its
/// handler panicked).
pub async fn try_send(address: SocketAddr, path: &str, request: &Request) -> Option<Answer> {
    let mut head = format!(
        "{} {path}{} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        request.method,
        request.query,
        request.body.len()
    );
    for (name, value) in &request.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let mut head = head.into_bytes();
    for (name, value) in &request.raw_headers {
        head.extend_from_slice(format!("{name}: ").as_bytes());
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(&head).await.unwrap();
    // The server may answer and close before it has read a refused body.
    let _ = stream.write_all(&request.body).await;
    let (raw, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(closed, "no answer within 10 s");
    (!raw.is_empty()).then(|| parse_answer(&raw))
}

/// What the server sends until it closes the connection or `wait` passes, and
/// whether it closed it.
pub async fn read_until_closed(
    reader: &mut (impl tokio::io::AsyncRead + Unpin),
    wait: Duration,
) -> (Vec<u8>, bool) {
    let mut raw = Vec::new();
    let closed = tokio::time::timeout(wait, async {
        let mut buffer = [0u8; 8192];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .is_ok();
    (raw, closed)
}

/// Writes `parts` over a fresh connection, pausing `pause` after each (without
/// closing it), while reading what the server sends until it closes the connection
/// or `wait` passes. The answer, or `None` when the server sent nothing.
pub async fn exchange(
    address: SocketAddr,
    parts: Vec<Vec<u8>>,
    pause: Duration,
    wait: Duration,
) -> Option<Answer> {
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        for part in parts {
            if writer.write_all(&part).await.is_err() {
                return;
            }
            tokio::time::sleep(pause).await;
        }
        // Hold the connection open, as a stalled client does.
        tokio::time::sleep(Duration::from_hours(1)).await;
        drop(writer);
    });
    let (raw, _) = read_until_closed(&mut reader, wait).await;
    writing.abort();
    (!raw.is_empty()).then(|| parse_answer(&raw))
}

pub fn parse_answer(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A GitHub delivery `id` (its `X-GitHub-Delivery`, and the body's `id`) of event
/// `kind`, signed now with [`SECRET`].
pub fn github_delivery(id: &str, kind: &str) -> Request {
    let body = format!(r#"{{"id":"{id}","type":"{kind}"}}"#).into_bytes();
    let headers = webhook_gate::Signer::new(webhook_gate::Scheme::github(), SECRET)
        .unwrap()
        .sign(
            &body,
            &webhook_gate::sign::SignOptions::new()
                .timestamp(now())
                .id(id),
        );
    Request::signed(headers, body)
}
