//! Hostile connections, against both adapters over loopback: bodies that lie about
//! their length, stall or trickle, and valid deliveries answered while hundreds of
//! such connections are held open. Every expected status is written in the table.

mod support;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use support::{READ_TIMEOUT, Request, Runs, SECRET, both_adapters, exchange, now, send};
use webhook_gate::sign::SignOptions;
use webhook_gate::{Scheme, Signer};

/// How a case writes its request.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// `Content-Length` 10 bytes shorter than the body sent.
    LengthShorter,
    /// `Content-Length` 10 bytes longer than the body sent; nothing more follows.
    LengthLonger,
    /// `Transfer-Encoding: chunked`: one chunk, then nothing.
    ChunkedStall,
    /// The body one byte per second.
    Trickle,
}

struct Case {
    name: &'static str,
    shape: Shape,
    /// The status of the answer.
    status: u16,
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // The server reads `Content-Length` bytes: the signature does not cover them.
    Case { name: "Content-Length shorter than the body", shape: Shape::LengthShorter, status: 401 },
    // The missing bytes never come: the read timeout answers.
    Case { name: "Content-Length longer than the body", shape: Shape::LengthLonger, status: 408 },
    Case { name: "chunked body that stalls", shape: Shape::ChunkedStall, status: 408 },
    Case { name: "1 byte per second", shape: Shape::Trickle, status: 408 },
];

fn delivery(id: &str) -> Request {
    let body =
        format!(r#"{{"id":"{id}","type":"hostile.case","data":{{"amount":4200}}}}"#).into_bytes();
    let signer = Signer::new(Scheme::github(), SECRET).unwrap();
    Request::signed(
        signer.sign(&body, &SignOptions::new().timestamp(now()).id(id)),
        body,
    )
}

/// The bytes of `request` as `shape` writes them, in the parts written one at a time.
fn parts(address: SocketAddr, request: &Request, shape: Shape) -> Vec<Vec<u8>> {
    let length = match shape {
        Shape::LengthShorter => Some(request.body.len() - 10),
        Shape::LengthLonger => Some(request.body.len() + 10),
        Shape::Trickle => Some(request.body.len()),
        Shape::ChunkedStall => None,
    };
    let mut head = format!(
        "POST /webhooks/github HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\n"
    );
    match length {
        Some(length) => {
            let _ = write!(head, "Content-Length: {length}\r\n");
        }
        None => head.push_str("Transfer-Encoding: chunked\r\n"),
    }
    for (name, value) in &request.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    match shape {
        Shape::LengthShorter | Shape::LengthLonger => {
            vec![[head.as_bytes(), &request.body].concat()]
        }
        Shape::ChunkedStall => {
            let chunk = format!("{:x}\r\n", 16).into_bytes();
            vec![[head.as_bytes(), &chunk, &request.body[..16], b"\r\n"].concat()]
        }
        Shape::Trickle => std::iter::once(head.into_bytes())
            .chain(request.body.iter().map(|&byte| vec![byte]))
            .collect(),
    }
}

async fn run_case(adapter: &str, address: SocketAddr, runs: &Runs, case: &Case) -> Option<String> {
    let id = format!("{adapter}-hostile-{}", case.name.replace(' ', "_"));
    let pause = match case.shape {
        Shape::Trickle => Duration::from_secs(1),
        _ => Duration::ZERO,
    };
    let answer = exchange(
        address,
        parts(address, &delivery(&id), case.shape),
        pause,
        READ_TIMEOUT * 4,
    )
    .await;
    let failure = match answer {
        None => Some("no answer, the connection was closed".to_owned()),
        Some(answer) if answer.status != case.status => Some(format!(
            "status {} (expected {}): {}",
            answer.status, case.status, answer.body
        )),
        Some(answer) if answer.header("content-type") != Some("application/problem+json") => {
            Some(format!("{} is not problem+json", answer.status))
        }
        Some(_) if runs.of(&id) != 0 => Some("the handler ran".to_owned()),
        Some(_) => None,
    };
    failure.map(|failure| format!("{adapter} '{}': {failure}", case.name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_get_a_clear_answer_from_both_adapters() {
    let mut tasks = Vec::new();
    for (adapter, address, runs) in both_adapters().await {
        for case in CASES {
            let runs = runs.clone();
            tasks.push(tokio::spawn(async move {
                run_case(adapter, address, &runs, case).await
            }));
        }
    }
    let mut failures = Vec::new();
    for task in tasks {
        failures.extend(task.await.unwrap());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_deliveries_are_answered_while_stalled_connections_are_held() {
    const STALLED: usize = 200;
    for (adapter, address, runs) in both_adapters().await {
        let stalled: Vec<_> = (0..STALLED)
            .map(|index| {
                let request = delivery(&format!("{adapter}-stalled-{index}"));
                let parts = parts(address, &request, Shape::ChunkedStall);
                tokio::spawn(exchange(address, parts, Duration::ZERO, READ_TIMEOUT * 4))
            })
            .collect();
        // Give the stalled requests time to reach the middleware.
        tokio::time::sleep(Duration::from_millis(200)).await;
        for index in 0..10 {
            let id = format!("{adapter}-meanwhile-{index}");
            let answer = send(address, "/webhooks/github", &delivery(&id)).await;
            assert_eq!(answer.status, 200, "{adapter}: {}", answer.body);
            assert_eq!(runs.of(&id), 1, "{adapter}");
        }
        let still_held = stalled.iter().filter(|task| !task.is_finished()).count();
        assert!(
            still_held > STALLED / 2,
            "{adapter}: only {still_held} stalled connections were still open while the valid deliveries were answered"
        );
        for task in stalled {
            let answer = task
                .await
                .unwrap()
                .expect("the stalled request gets an answer");
            assert_eq!(answer.status, 408, "{adapter}");
        }
    }
}
