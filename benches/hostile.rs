//! Hostile-load benchmark: 1 000 concurrent hostile connections against a receiver
//! (axum with `WebhookLayer`, then actix-web with `WebhookGate`), while one
//! client keeps sending valid deliveries. Reports the server's resident memory (idle,
//! peak under the attack, per hostile connection), what the hostile connections were
//! answered, and the valid deliveries answered meanwhile with their latency.
//!
//! The server is this same binary started again as a child process (so that its
//! memory is measured alone, from `/proc/<pid>/status`), on one worker thread. The
//! hostile connections are, in equal parts: a chunked body that stalls after its
//! first chunk, a `Content-Length` longer than the body sent, a body sent one byte
//! per second, and a loop of requests with a 64 KiB signature header.
//!
//! Run: `cargo bench --bench hostile` (`HOSTILE_CONNECTIONS`, default 1000, and
//! `HOSTILE_TIMEOUT`, the receivers' read timeout in seconds, default 10).

// The bench harness is a plain binary.
#![allow(missing_docs)]
// Counts and sizes are far below 2^52: converting them to f64 is exact.
#![allow(clippy::cast_precision_loss)]

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use webhook_gate::receive::Receiver;
use webhook_gate::sign::SignOptions;
use webhook_gate::{Scheme, Signer, Verifier};

const SECRET: &str = "hostile-bench-secret";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn read_timeout() -> Duration {
    Duration::from_secs(env_number("HOSTILE_TIMEOUT", 10))
}

fn verifier() -> Verifier {
    Verifier::new(Scheme::github(), SECRET).expect("valid verifier")
}

/// The child: one receiver on one worker thread, its address on standard output.
fn serve(framework: &str) {
    if framework == "axum" {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let layer = webhook_gate_tower::WebhookLayer::from(
                Receiver::new(verifier()).read_timeout(read_timeout()),
            );
            let router = axum::Router::new().route(
                "/webhooks/github",
                axum::routing::post(|_: axum::body::Bytes| async { "ok" }).route_layer(layer),
            );
            // The same accept backlog as the actix-web server's below.
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let listener = socket.listen(4096).unwrap();
            println!("{}", listener.local_addr().unwrap());
            axum::serve(listener, router).await.unwrap();
        });
    } else {
        actix_web::rt::System::new().block_on(async {
            let middleware = webhook_gate_actix::WebhookGate::from(
                Receiver::new(verifier()).read_timeout(read_timeout()),
            );
            let server = actix_web::HttpServer::new(move || {
                actix_web::App::new().service(
                    actix_web::web::resource("/webhooks/github")
                        .wrap(middleware.clone())
                        .route(
                            actix_web::web::post().to(|_: actix_web::web::Bytes| async { "ok" }),
                        ),
                )
            })
            .workers(1)
            .max_connections(100_000)
            .backlog(4096)
            .bind(("127.0.0.1", 0))
            .unwrap();
            println!("{}", server.addrs()[0]);
            server.run().await.unwrap();
        });
    }
}

/// `VmRSS` and `VmHWM` (peak) of `pid`, in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// A valid request's head (without `Content-Length` or `Transfer-Encoding`) and body.
fn delivery(id: &str) -> (String, Vec<u8>) {
    let body = format!(r#"{{"id":"{id}","type":"bench","data":{{"amount":4200}}}}"#).into_bytes();
    let headers = Signer::new(Scheme::github(), SECRET)
        .unwrap()
        .sign(&body, &SignOptions::new().timestamp(now()).id(id));
    let mut head =
        "POST /webhooks/github HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            .to_owned();
    for (name, value) in headers.iter() {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    (head, body)
}

/// Reads one response's status (the first line), or `None` when the connection closes
/// or `wait` passes first.
/// No status: the connection was closed (or reset) without an answer.
const CLOSED: u16 = 0;
/// No status: nothing came within the wait.
const TIMED_OUT: u16 = 1;
/// No status: the connection was refused.
const REFUSED: u16 = 2;

fn describe(status: u16) -> String {
    match status {
        CLOSED => "closed without an answer".to_owned(),
        TIMED_OUT => "no answer in time".to_owned(),
        REFUSED => "connection refused".to_owned(),
        status => status.to_string(),
    }
}

/// Reads one response's status (from its first line), or [`CLOSED`] or [`TIMED_OUT`].
async fn status<R: tokio::io::AsyncRead + Unpin>(stream: &mut R, wait: Duration) -> u16 {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    tokio::time::timeout(wait, async {
        loop {
            if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]);
                return head
                    .split(' ')
                    .nth(1)
                    .and_then(|code| code.parse().ok())
                    .unwrap_or(CLOSED);
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return CLOSED,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .unwrap_or(TIMED_OUT)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Hostile {
    ChunkedStall,
    LengthLonger,
    Trickle,
    HugeHeader,
}

/// One hostile connection (a loop of them for `HugeHeader`), until `until`; the
/// statuses it was answered with (0: closed without an answer).
async fn hostile(address: SocketAddr, kind: Hostile, index: usize, until: Instant) -> Vec<u16> {
    let (head, body) = delivery(&format!("hostile-{index}"));
    let mut answers = Vec::new();
    loop {
        let Ok(mut stream) = TcpStream::connect(address).await else {
            answers.push(REFUSED);
            return answers;
        };
        let wait = read_timeout() * 3;
        let answer = match kind {
            Hostile::ChunkedStall => {
                let request = format!("{head}Transfer-Encoding: chunked\r\n\r\n10\r\n");
                let _ = stream.write_all(request.as_bytes()).await;
                let _ = stream.write_all(&body[..16]).await;
                status(&mut stream, wait).await
            }
            Hostile::LengthLonger => {
                let request = format!("{head}Content-Length: {}\r\n\r\n", body.len() + 100);
                let _ = stream.write_all(request.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                status(&mut stream, wait).await
            }
            Hostile::Trickle => {
                let request = format!("{head}Content-Length: {}\r\n\r\n", body.len());
                let _ = stream.write_all(request.as_bytes()).await;
                let (mut reader, mut writer) = stream.into_split();
                let body = body.clone();
                let trickle = tokio::spawn(async move {
                    for byte in body {
                        if writer.write_all(&[byte]).await.is_err() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    writer
                });
                let answer = status(&mut reader, wait).await;
                trickle.abort();
                answer
            }
            Hostile::HugeHeader => {
                let request = format!(
                    "{head}X-Hub-Signature-256: sha256={}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    "0".repeat(64 * 1024),
                    body.len()
                );
                let _ = stream.write_all(request.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                status(&mut stream, wait).await
            }
        };
        answers.push(answer);
        if kind != Hostile::HugeHeader || Instant::now() >= until {
            return answers;
        }
    }
}

/// Valid deliveries, one at a time on fresh connections, until `until`: statuses and
/// latencies.
async fn valid_client(address: SocketAddr, until: Instant) -> Vec<(u16, Duration)> {
    let mut results = Vec::new();
    let mut index = 0;
    while Instant::now() < until {
        index += 1;
        let (head, body) = delivery(&format!("valid-{index}"));
        let request = [
            format!(
                "{head}Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes(),
            body,
        ]
        .concat();
        let started = Instant::now();
        let answer = match TcpStream::connect(address).await {
            Ok(mut stream) => {
                let _ = stream.write_all(&request).await;
                status(&mut stream, Duration::from_secs(10)).await
            }
            Err(_) => REFUSED,
        };
        results.push((answer, started.elapsed()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    results
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() - 1) as f64 * fraction).round();
    // The index is within the slice: a non-negative value below its length.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    sorted[index as usize]
}

fn attack(framework: &str, connections: usize) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("HOSTILE_SERVER", framework)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address: SocketAddr = line.trim().parse().expect("the server prints its address");
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(300));
    let (idle, _) = memory(pid);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let samples = Arc::new(Mutex::new(Vec::new()));
    let (hostile_answers, valid) = runtime.block_on(async {
        let attack_time = read_timeout() + Duration::from_secs(2);
        let until = Instant::now() + attack_time;
        let kinds = [
            Hostile::ChunkedStall,
            Hostile::LengthLonger,
            Hostile::Trickle,
            Hostile::HugeHeader,
        ];
        let tasks: Vec<_> = (0..connections)
            .map(|index| {
                let kind = kinds[index % kinds.len()];
                tokio::spawn(async move { (kind, hostile(address, kind, index, until).await) })
            })
            .collect();
        let sampler = {
            let samples = samples.clone();
            tokio::spawn(async move {
                loop {
                    samples.lock().unwrap().push(memory(pid).0);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        let valid = valid_client(address, until).await;
        let mut answers: BTreeMap<(Hostile, u16), usize> = BTreeMap::new();
        for task in tasks {
            let (kind, statuses) = task.await.unwrap();
            for status in statuses {
                *answers.entry((kind, status)).or_default() += 1;
            }
        }
        sampler.abort();
        (answers, valid)
    });
    let (after, peak) = memory(pid);
    let _ = child.kill();
    let _ = child.wait();

    let sampled_peak = samples.lock().unwrap().iter().copied().max().unwrap_or(0);
    println!(
        "{framework}: {connections} hostile connections, read timeout {} s",
        read_timeout().as_secs()
    );
    println!(
        "  server RSS: idle {:.1} MiB, peak {:.1} MiB (VmHWM; sampled {:.1} MiB), after {:.1} MiB; {:.1} KiB per hostile connection at the peak",
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        sampled_peak as f64 / 1024.0,
        after as f64 / 1024.0,
        peak.saturating_sub(idle) as f64 / connections as f64
    );
    for ((kind, status), count) in &hostile_answers {
        println!("  hostile {kind:?}: {count} x {}", describe(*status));
    }
    let mut latencies: Vec<Duration> = valid.iter().map(|(_, latency)| *latency).collect();
    latencies.sort();
    let ok = valid.iter().filter(|(status, _)| *status == 200).count();
    if latencies.is_empty() {
        println!("  valid deliveries meanwhile: none sent");
    } else {
        println!(
            "  valid deliveries meanwhile: {ok} of {} answered 200; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            valid.len(),
            percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
            latencies.last().unwrap().as_secs_f64() * 1000.0
        );
    }
}

fn main() {
    if let Ok(framework) = std::env::var("HOSTILE_SERVER") {
        serve(&framework);
        return;
    }
    // `cargo test --benches` runs benches once as tests: keep that quick.
    if std::env::args().any(|arg| arg == "--test") {
        return;
    }
    let connections = usize::try_from(env_number("HOSTILE_CONNECTIONS", 1000)).unwrap();
    for framework in ["axum", "actix"] {
        attack(framework, connections);
    }
}
