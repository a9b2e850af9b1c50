//! What the receivers record through the `metrics` facade (feature `metrics`): a
//! set of requests through both adapters, each of a known outcome, and the counters
//! and histograms they must move, read back from `metrics-util`'s debugging
//! recorder (this test's process has it as its global recorder).

mod support;

use std::collections::HashMap;

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use support::{Key, Request, SECRET, VERIFY_TOKEN, both_adapters, now, send, signer};
use webhook_gate::Preset;
use webhook_gate::sign::SignOptions;

/// Everything recorded so far, by name and labels (`label=value` pairs, sorted).
/// Histograms are drained by a snapshot: take one, once.
type Recorded = Vec<(String, String, DebugValue)>;

fn recorded(snapshotter: &Snapshotter) -> Recorded {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let mut labels: Vec<String> = key
                .key()
                .labels()
                .map(|label| format!("{}={}", label.key(), label.value()))
                .collect();
            labels.sort();
            (key.key().name().to_owned(), labels.join(","), value)
        })
        .collect()
}

/// The counters named `name`, by labels.
fn counters(recorded: &Recorded, name: &str) -> HashMap<String, u64> {
    named(recorded, name)
        .into_iter()
        .filter_map(|(labels, value)| match value {
            DebugValue::Counter(count) => Some((labels, *count)),
            _ => None,
        })
        .collect()
}

/// How many values each histogram named `name` holds, by labels.
fn histogram_counts(recorded: &Recorded, name: &str) -> HashMap<String, usize> {
    named(recorded, name)
        .into_iter()
        .filter_map(|(labels, value)| match value {
            DebugValue::Histogram(values) => Some((labels, values.len())),
            _ => None,
        })
        .collect()
}

fn named<'r>(recorded: &'r Recorded, name: &str) -> Vec<(String, &'r DebugValue)> {
    recorded
        .iter()
        .filter(|(recorded, _, _)| recorded == name)
        .map(|(_, labels, value)| (labels.clone(), value))
        .collect()
}

fn github(id: &str, body_note: &str) -> Request {
    let body = format!(r#"{{"id":"{id}","note":"{body_note}"}}"#).into_bytes();
    let headers = signer(Preset::GitHub, Key::Current)
        .sign(&body, &SignOptions::new().timestamp(now()).id(id));
    Request::signed(headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_and_histograms_follow_the_outcomes() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("this test's process has no other recorder");
    let _ = SECRET;

    for (adapter, address, _) in both_adapters().await {
        let post =
            |request: Request| async move { send(address, "/webhooks/github", &request).await };
        // Processed, then its copy a duplicate.
        let valid = github(&format!("{adapter}-metrics-1"), "a");
        assert_eq!(post(valid.clone()).await.status, 200);
        assert_eq!(post(valid.clone()).await.status, 200);
        // Tampered, and unsigned.
        let mut tampered = valid.clone();
        tampered.body = tampered
            .body
            .iter()
            .map(|&b| if b == b'a' { b'b' } else { b })
            .collect();
        assert_eq!(post(tampered).await.status, 401);
        let mut unsigned = valid;
        unsigned
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("X-Hub-Signature-256"));
        assert_eq!(post(unsigned).await.status, 401);
        // The handler fails once; the retry is processed.
        let failing = github(&format!("{adapter}-metrics-fail-once"), "f");
        assert_eq!(post(failing.clone()).await.status, 500);
        assert_eq!(post(failing).await.status, 200);
        // Meta's handshake, with the verify token and without.
        for (token, status) in [(VERIFY_TOKEN, 200), ("another", 403)] {
            let query = format!("?hub.mode=subscribe&hub.challenge=42&hub.verify_token={token}");
            let handshake = Request::plain("GET", &query, Vec::new());
            assert_eq!(
                send(address, "/webhooks/meta", &handshake).await.status,
                status
            );
        }
    }

    let recorded = recorded(&snapshotter);
    let requests = counters(&recorded, "webhook_gate_requests_total");
    let github = |outcome: &str, reason: &str| {
        format!("outcome={outcome},reason={reason},route=github,scheme=github")
    };
    let meta = |outcome: &str, reason: &str| {
        format!("outcome={outcome},reason={reason},route=meta,scheme=meta")
    };
    let expected: HashMap<String, u64> = [
        (github("processed", ""), 4),
        (github("duplicate", ""), 2),
        (github("rejected", "bad_signature"), 2),
        (github("rejected", "missing_signature"), 2),
        (github("handler_failed", ""), 2),
        (meta("handshake", ""), 2),
        (meta("rejected", "handshake_refused"), 2),
    ]
    .into_iter()
    .collect();
    assert_eq!(requests, expected);

    // One handler time per handler run, by its outcome; one verification time per
    // request whose body was read (all but the unsigned ones and the handshakes).
    let handler = histogram_counts(&recorded, "webhook_gate_handler_seconds");
    assert_eq!(
        handler.get("outcome=processed,route=github,scheme=github"),
        Some(&4)
    );
    assert_eq!(
        handler.get("outcome=handler_failed,route=github,scheme=github"),
        Some(&2)
    );
    let verification = histogram_counts(&recorded, "webhook_gate_verification_seconds");
    assert_eq!(verification.get("route=github,scheme=github"), Some(&10));
    assert_eq!(
        counters(&recorded, "webhook_gate_store_errors_total"),
        HashMap::new()
    );
}
