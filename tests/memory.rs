//! Memory follows the bytes that arrive, not the bytes promised, and bodies in
//! flight stay within a budget: against both adapters.

mod support;

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::{Answer, Request, Runs, SECRET, now, send};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use webhook_gate::receive::BodyBudget;
use webhook_gate::sign::SignOptions;
use webhook_gate::{MemoryStore, Preset, Signer};

/// The address space the example receivers run in (KiB): 1 000 bodies that each
/// reserved their declared 1 MiB would need more.
const ADDRESS_SPACE_KIB: u32 = 700_000;

fn delivery(id: &str) -> Request {
    let body = format!(r#"{{"id":"{id}","type":"memory.case"}}"#).into_bytes();
    let signer = Signer::new(Preset::GitHub.scheme(), SECRET).unwrap();
    Request::signed(
        signer.sign(&body, &SignOptions::new().timestamp(now()).id(id)),
        body,
    )
}

/// The head of a signed GitHub delivery declaring `length` body bytes.
fn head(address: SocketAddr, id: &str, length: usize) -> Vec<u8> {
    let request = delivery(id);
    let mut head = format!(
        "POST /webhooks/github HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n"
    );
    for (name, value) in &request.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// An example receiver, run as its own process under an address-space limit.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_example(name: &str) -> (Example, SocketAddr) {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples")
        .join(name);
    assert!(path.exists(), "{} is built with the tests", path.display());
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\""))
        .arg(&path)
        .env("PORT", "0")
        .env("WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the example prints its address")
            .unwrap();
        if let Some(address) = line.strip_prefix("listening on http://") {
            break address.parse().unwrap();
        }
    };
    (Example(child), address)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_length_reserves_nothing() {
    const CONNECTIONS: usize = 1_000;
    for name in ["axum_receiver", "actix_receiver"] {
        let (mut example, address) = start_example(name);
        let mut held = Vec::with_capacity(CONNECTIONS);
        for index in 0..CONNECTIONS {
            // 1 MiB declared, 300 bytes sent in two chunks, then nothing.
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream
                .write_all(&head(address, &format!("{name}-promise-{index}"), 1 << 20))
                .await
                .unwrap();
            stream.write_all(&[b'x'; 150]).await.unwrap();
            held.push(stream);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        for stream in &mut held {
            stream.write_all(&[b'y'; 150]).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        for index in 0..10 {
            let answer = send(
                address,
                "/webhooks/github",
                &delivery(&format!("{name}-valid-{index}")),
            )
            .await;
            assert_eq!(answer.status, 200, "{name}: {}", answer.body);
        }
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", example.0.id())).unwrap_or_default();
        for line in status.lines().filter(|line| line.starts_with("Vm")) {
            eprintln!("{name}: {line}");
        }
        assert!(
            example.0.try_wait().unwrap().is_none(),
            "{name} died under a {ADDRESS_SPACE_KIB} KiB address space with {CONNECTIONS} promised bodies open"
        );
        drop(held);
    }
}

/// Opens a connection that declares 1 MiB, sends `sent` bytes of it and stalls;
/// the answer, when one comes.
async fn stalled(address: SocketAddr, id: String, sent: usize) -> Option<Answer> {
    let parts = vec![head(address, &id, 1 << 20), vec![b'z'; sent]];
    support::exchange(address, parts, Duration::ZERO, support::READ_TIMEOUT * 4).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_in_flight_stay_within_the_budget() {
    const BUDGET: u64 = 4 << 20;
    const SENT: usize = 900 * 1024;
    const STALLED: usize = 10;
    let axum_budget = BodyBudget::new(BUDGET);
    let actix_budget = BodyBudget::new(BUDGET);
    let runs = Runs::default();
    let adapters = [
        (
            "axum",
            support::start_axum_with_budget(
                runs.clone(),
                |_| MemoryStore::new(),
                axum_budget.clone(),
            )
            .await,
            axum_budget,
        ),
        (
            "actix",
            support::start_actix_with_budget(
                runs.clone(),
                |_| MemoryStore::new(),
                actix_budget.clone(),
            ),
            actix_budget,
        ),
    ];
    for (adapter, address, budget) in adapters {
        let tasks: Vec<_> = (0..STALLED)
            .map(|index| tokio::spawn(stalled(address, format!("{adapter}-budget-{index}"), SENT)))
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let used = budget.used();
        assert!(
            used <= BUDGET,
            "{adapter}: {used} bytes held, budget {BUDGET}"
        );
        assert!(used >= 3 * SENT as u64, "{adapter}: only {used} bytes held");
        let mut busy = 0;
        let mut timed_out = 0;
        for task in tasks {
            let answer = task
                .await
                .unwrap()
                .expect("every stalled body gets an answer");
            match answer.status {
                503 => {
                    assert!(answer.header("retry-after").is_some(), "{adapter}");
                    busy += 1;
                }
                408 => timed_out += 1,
                other => panic!("{adapter}: {other} {}", answer.body),
            }
        }
        // At most four 900 KiB bodies fit in 4 MiB; the others were turned away.
        assert!(timed_out <= 4, "{adapter}: {timed_out} bodies held");
        assert_eq!(busy + timed_out, STALLED, "{adapter}");
        assert_eq!(budget.used(), 0, "{adapter}: bytes not given back");
        let answer = send(
            address,
            "/webhooks/github",
            &delivery(&format!("{adapter}-after")),
        )
        .await;
        assert_eq!(answer.status, 200, "{adapter}: {}", answer.body);
    }
}
