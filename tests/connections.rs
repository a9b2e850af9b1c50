//! A refusal whose body was not read closes the connection: a client that declared
//! a body it never sends, or a chunked body the receiver refused at its headers,
//! does not keep a connection (and a server file descriptor) once answered. A
//! refusal after the whole body, and an accepted delivery, keep the connection for
//! the next request. Both adapters, over raw sockets.

mod support;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use support::{READ_TIMEOUT, SECRET, both_adapters, now, parse_answer, read_until_closed};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use webhook_gate::sign::SignOptions;
use webhook_gate::{Scheme, Signer};

/// How long after its answer a refused connection may stay open.
const CLOSE_WITHIN: Duration = Duration::from_secs(3);

/// Writes `head` (and `body`), keeps the writing side open, and reads until the
/// server closes the connection or `wait` passes: the answer and whether it closed.
async fn answer_and_close(
    address: SocketAddr,
    head: String,
    body: &[u8],
    wait: Duration,
) -> (u16, bool) {
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    let _ = writer.write_all(body).await;
    let (raw, closed) = read_until_closed(&mut reader, wait).await;
    drop(writer);
    let status = if raw.is_empty() {
        0
    } else {
        parse_answer(&raw).status
    };
    (status, closed)
}

fn signed_head(address: SocketAddr, body: &[u8], extra: &str) -> String {
    let headers = Signer::new(Scheme::github(), SECRET).unwrap().sign(
        body,
        &SignOptions::new()
            .timestamp(now())
            .id(format!("conn-{}", now())),
    );
    let mut head = format!("POST /webhooks/github HTTP/1.1\r\nHost: {address}\r\n{extra}");
    for (name, value) in headers.iter() {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    head
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_before_the_body_close_the_connection() {
    let mut failures = Vec::new();
    for (adapter, address, _) in both_adapters().await {
        // 413: a declared body over the limit, never sent.
        let head = format!(
            "POST /webhooks/github HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nX-Hub-Signature-256: sha256={}\r\nX-GitHub-Delivery: big\r\n\r\n",
            2 * 1024 * 1024,
            "0".repeat(64)
        );
        let (status, closed) = answer_and_close(address, head, b"", CLOSE_WITHIN).await;
        if (status, closed) != (413, true) {
            failures.push(format!(
                "{adapter}: declared 2 MiB: {status}, closed {closed}"
            ));
        }
        // 401 at the headers: a chunked body with no signature, its chunks never sent.
        let head = format!(
            "POST /webhooks/github HTTP/1.1\r\nHost: {address}\r\nTransfer-Encoding: chunked\r\nX-GitHub-Delivery: unsigned\r\n\r\n"
        );
        let (status, closed) = answer_and_close(address, head, b"", CLOSE_WITHIN).await;
        if (status, closed) != (401, true) {
            failures.push(format!(
                "{adapter}: unsigned chunked: {status}, closed {closed}"
            ));
        }
        // 408: a signed body that stalls.
        let body = br#"{"id":"stalled","note":"the rest never comes"}"#;
        let head = signed_head(
            address,
            body,
            &format!("Content-Length: {}\r\n", body.len()),
        );
        let (status, closed) =
            answer_and_close(address, head, &body[..10], READ_TIMEOUT + CLOSE_WITHIN).await;
        if (status, closed) != (408, true) {
            failures.push(format!(
                "{adapter}: stalled body: {status}, closed {closed}"
            ));
        }
        // 408 on a chunked body that stalls after its first chunk.
        let head = signed_head(address, body, "Transfer-Encoding: chunked\r\n");
        let (status, closed) = answer_and_close(
            address,
            head,
            b"9\r\n{\"id\":\"st\r\n",
            READ_TIMEOUT + CLOSE_WITHIN,
        )
        .await;
        if (status, closed) != (408, true) {
            failures.push(format!(
                "{adapter}: stalled chunked body: {status}, closed {closed}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_after_the_whole_body_keep_the_connection() {
    let mut failures = Vec::new();
    for (adapter, address, _) in both_adapters().await {
        // A refusal after the whole body (a wrong signature), then a valid delivery,
        // on one connection.
        let body = format!(r#"{{"id":"{adapter}-kept-{}"}}"#, now()).into_bytes();
        let head = signed_head(
            address,
            &body,
            &format!("Content-Length: {}\r\n", body.len()),
        );
        let right = head
            .lines()
            .find_map(|line| line.strip_prefix("X-Hub-Signature-256: "))
            .unwrap()
            .to_owned();
        let other = Signer::new(Scheme::github(), "another secret")
            .unwrap()
            .sign(&body, &SignOptions::new())
            .get("X-Hub-Signature-256")
            .unwrap()
            .to_owned();
        let wrong = head.replace(&right, &other);
        let good = signed_head(
            address,
            &body,
            &format!("Content-Length: {}\r\n", body.len()),
        );
        let stream = TcpStream::connect(address).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        writer.write_all(wrong.as_bytes()).await.unwrap();
        writer.write_all(&body).await.unwrap();
        writer.write_all(good.as_bytes()).await.unwrap();
        writer.write_all(&body).await.unwrap();
        let (raw, closed) = read_until_closed(&mut reader, Duration::from_secs(2)).await;
        let text = String::from_utf8_lossy(&raw);
        // Each answer's status line (a problem body ends without a newline).
        let statuses: Vec<&str> = text
            .match_indices("HTTP/1.1 ")
            .map(|(at, _)| &text[at + 9..at + 12])
            .collect();
        if statuses != ["401", "200"] || closed {
            failures.push(format!("{adapter}: {statuses:?}, closed {closed}"));
        }
        drop(writer);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[path = "../examples/axum_receiver.rs"]
#[allow(dead_code, reason = "the example's main is not called")]
mod axum_receiver;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_example_drops_a_client_that_sends_its_headers_slowly() {
    let app = axum_receiver::app(SECRET, None, false, None, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(axum_receiver::serve(listener, app));
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // Half a request line, then nothing.
    writer
        .write_all(b"POST /webhooks/github HTTP/1.1\r\nHo")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let (_, closed) = read_until_closed(
        &mut reader,
        axum_receiver::HEADER_READ_TIMEOUT + Duration::from_secs(3),
    )
    .await;
    assert!(
        closed,
        "the connection is still open after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() + Duration::from_secs(1) >= axum_receiver::HEADER_READ_TIMEOUT);
    drop(writer);
}

/// A request that asks `Expect: 100-continue`, declares 1 MiB and carries no
/// signature: the answers, in order, whether the connection was closed, and how
/// many body bytes the client wrote before it was.
async fn expect_continue(address: SocketAddr) -> (Vec<u16>, bool, usize) {
    let head = format!(
        "POST /webhooks/github HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nExpect: 100-continue\r\nX-GitHub-Delivery: expecting\r\n\r\n",
        1024 * 1024
    );
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    // As a client does: wait for the 100 (or the final answer) before the body.
    let mut first = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(3), async {
        use tokio::io::AsyncReadExt as _;
        reader.read(&mut first).await.unwrap_or(0)
    })
    .await
    .unwrap_or(0);
    first.truncate(read);
    let mut written = 0;
    if first.starts_with(b"HTTP/1.1 100") {
        let chunk = vec![b'x'; 16 * 1024];
        while written < 1024 * 1024 {
            match tokio::time::timeout(Duration::from_secs(1), writer.write_all(&chunk)).await {
                Ok(Ok(())) => written += chunk.len(),
                _ => break,
            }
        }
    }
    let (rest, closed) = read_until_closed(&mut reader, CLOSE_WITHIN).await;
    let text = String::from_utf8_lossy(&[first, rest].concat()).into_owned();
    let statuses = text
        .match_indices("HTTP/1.1 ")
        .filter_map(|(at, _)| text[at + 9..at + 12].parse().ok())
        .collect();
    (statuses, closed, written)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expect_continue_is_refused_before_the_body_where_the_server_allows() {
    let [(_, axum, _), (_, actix, _)] = both_adapters().await;
    // hyper sends the 100 only when the body is first read: the layer refuses first.
    let (statuses, closed, written) = expect_continue(axum).await;
    assert_eq!((statuses, closed, written), (vec![401], true, 0));
    // actix-web writes the 100 before any middleware runs (its expect handler is
    // not configurable through HttpServer): the refusal follows it, and the
    // connection closes without the body being read.
    let (statuses, closed, written) = expect_continue(actix).await;
    assert_eq!((statuses, closed), (vec![100, 401], true));
    println!("actix-web: the client wrote {written} body bytes after the 100 before the close");
}
