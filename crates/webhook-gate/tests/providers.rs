//! Every provider vector in `tests/data/providers/` (generated or checked with the
//! provider's official SDK, or quoted from its documentation; `source` in each
//! vector, README.md beside them) and in `published/` (the providers' and their
//! official SDKs' own examples) judged by the provider's preset, handshakes answered
//! as the vector says.

use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use webhook_gate::challenge::ChallengeResponse;
use webhook_gate::verify::{FixedClock, RequestHead};
use webhook_gate::{Preset, Verifier, VerifyError};

/// The vector files and the preset each one is for.
const FILES: &[(&str, &str)] = &[
    ("twilio", "twilio"),
    ("square", "square"),
    ("hubspot", "hubspot"),
    ("paystack", "paystack"),
    ("intercom", "intercom"),
    #[cfg(feature = "ed25519")]
    ("discord", "discord"),
    #[cfg(feature = "p256")]
    ("sendgrid", "sendgrid"),
    ("gitlab", "gitlab"),
    ("zoom", "zoom"),
    ("x", "x"),
    ("meta", "meta"),
    ("twitch", "twitch"),
    ("dropbox", "dropbox"),
    ("okta", "okta"),
    ("linear", "linear"),
    ("paddle", "paddle"),
    ("msgraph", "msgraph"),
    ("asana", "asana"),
    ("notion", "notion"),
    ("bitbucket", "bitbucket"),
    ("jira", "jira"),
    ("sentry", "sentry"),
    ("vercel", "vercel"),
    ("typeform", "typeform"),
    ("calendly", "calendly"),
    ("mux", "mux"),
    ("lemonsqueezy", "lemonsqueezy"),
    ("razorpay", "razorpay"),
    ("coinbase", "coinbase"),
    ("zendesk", "zendesk"),
    ("woocommerce", "woocommerce"),
    ("postmark", "postmark"),
    ("box", "box"),
    ("mailgun", "mailgun"),
    #[cfg(feature = "p256")]
    ("plaid", "plaid"),
    #[cfg(feature = "rsa")]
    ("paypal", "paypal"),
    #[cfg(feature = "rsa")]
    ("msgraph-rich", "msgraph-rich"),
];

fn outcome<T>(result: &Result<T, VerifyError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(VerifyError::NoMatchingSignature | VerifyError::HandshakeRefused) => "bad_signature",
        Err(VerifyError::MissingSignature { .. }) => "missing_signature",
        Err(
            VerifyError::MalformedSignature { .. }
            | VerifyError::MalformedTimestamp
            | VerifyError::MalformedHeader { .. }
            | VerifyError::MalformedHandshake,
        ) => "malformed",
        Err(VerifyError::TimestampTooOld { .. } | VerifyError::TimestampInFuture { .. }) => {
            "timestamp_out_of_window"
        }
        Err(_) => "other",
    }
}

/// The base (`https://host`) and the path and query of a URL.
fn split_url(url: &str) -> (&str, &str) {
    let path_at = url
        .find("://")
        .and_then(|scheme_end| {
            url[scheme_end + 3..]
                .find('/')
                .map(|at| scheme_end + 3 + at)
        })
        .unwrap_or(url.len());
    (
        &url[..path_at],
        if path_at == url.len() {
            "/"
        } else {
            &url[path_at..]
        },
    )
}

/// Whether `answer` is the vector's `handshake_response` (JSON bodies compared as
/// values, content types by their media type).
fn answers(answer: &ChallengeResponse, expected: &serde_json::Value) -> bool {
    let media_type = |text: &str| text.split(';').next().unwrap_or_default().trim().to_owned();
    let body = expected["body"].as_str().unwrap();
    let same_body = match (
        serde_json::from_str::<serde_json::Value>(answer.body()),
        serde_json::from_str::<serde_json::Value>(body),
    ) {
        (Ok(ours), Ok(theirs)) if answer.content_type() == "application/json" => ours == theirs,
        _ => answer.body() == body,
    };
    // Headers the answer must carry (Asana's echoed `X-Hook-Secret`).
    let same_headers = expected
        .get("headers")
        .and_then(serde_json::Value::as_object)
        .is_none_or(|headers| {
            headers.iter().all(|(name, value)| {
                answer.headers().iter().any(|(ours, theirs)| {
                    ours.eq_ignore_ascii_case(name) && Some(theirs.as_str()) == value.as_str()
                })
            })
        });
    same_headers
        && u64::from(answer.status()) == expected["status"].as_u64().unwrap()
        && media_type(answer.content_type())
            == media_type(expected["content_type"].as_str().unwrap())
        && same_body
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one vector's set-up, request and verdict, in order"
)]
fn every_provider_vector_is_judged_as_its_source_says() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/providers");
    let mut failures = Vec::new();
    let (mut judged, mut handshakes) = (0, 0);
    let mut published_files = 0;
    for (file, preset) in FILES {
        let text = std::fs::read_to_string(directory.join(format!("{file}.json"))).unwrap();
        let mut vectors: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        // The providers' own published vectors, beside the generated ones (which the
        // generators rewrite).
        if let Ok(text) = std::fs::read_to_string(directory.join(format!("published/{file}.json")))
        {
            published_files += 1;
            vectors.extend(serde_json::from_str::<Vec<serde_json::Value>>(&text).unwrap());
        }
        let preset: Preset = preset.parse().unwrap();
        for vector in vectors {
            let name = vector["name"].as_str().unwrap();
            let expected = vector["expected"].as_str().unwrap();
            let url = vector["url"]
                .as_str()
                .unwrap_or("https://hooks.example.com/webhooks");
            let (base, target) = split_url(url);
            // Asana and Notion hand their secret over in the handshake.
            let captured = Arc::new(Mutex::new(Vec::new()));
            let keep = Arc::clone(&captured);
            let mut builder = Verifier::builder(preset.scheme())
                .secret(vector["key"].as_str().unwrap())
                .clock(FixedClock(vector["now"].as_i64().unwrap()))
                .public_url(base)
                .on_capture(move |value| keep.lock().unwrap().push(value.value().clone()));
            if let Some(token) = vector["verify_token"].as_str() {
                builder = builder.verify_token(token);
            }
            // Box: the app's second signature key.
            if let Some(second) = vector["second_key"].as_str() {
                builder = builder.secret(second);
            }
            // PayPal: the webhook ID.
            if let Some(settings) = vector["settings"].as_object() {
                for (name, value) in settings {
                    builder = builder.setting(name, value.as_str().unwrap());
                }
            }
            let verifier = builder.build().unwrap();
            let headers: Vec<(String, String)> = vector["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
                .collect();
            let body = match vector
                .get("body_base64")
                .and_then(serde_json::Value::as_str)
            {
                Some(encoded) => base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .unwrap(),
                None => vector["body"]
                    .as_str()
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec(),
            };
            let method = vector["method"].as_str().unwrap_or("POST");
            let head = RequestHead::new(method, target, &headers);
            // The whole request and the streamed one (the adapters' way, in chunks)
            // are judged alike, to the error.
            let whole = verifier.verify_request(&head, &body);
            let streamed = verifier.begin_request(&head).and_then(|mut pending| {
                for chunk in body.chunks(7) {
                    pending.update(chunk);
                }
                pending.finish()
            });
            if whole.as_ref().err() != streamed.as_ref().err() {
                failures.push(format!(
                    "{file} {name}: whole {:?}, streamed {:?}",
                    whole.as_ref().err(),
                    streamed.as_ref().err()
                ));
            }
            // What a receiver does: an unsigned handshake from the head, else verify,
            // then a signed handshake from the verified body.
            let (found, answer) = match verifier.handshake(&head) {
                Some(Ok(answer)) => ("handshake", Some(answer)),
                Some(Err(error)) => (outcome::<()>(&Err(error)), None),
                None => match verifier.verify_request(&head, &body) {
                    Ok(verified) => match verified.challenge(&body) {
                        Some(Ok(answer)) => ("handshake", Some(answer)),
                        Some(Err(error)) => (outcome::<()>(&Err(error)), None),
                        None => ("ok", None),
                    },
                    // A POST without a signature may carry a handshake in its body
                    // (Notion's).
                    Err(error @ VerifyError::MissingSignature { .. }) => {
                        match verifier.handshake_body(&body) {
                            Some(Ok(answer)) => ("handshake", Some(answer)),
                            Some(Err(error)) => (outcome::<()>(&Err(error)), None),
                            None => (outcome::<()>(&Err(error)), None),
                        }
                    }
                    Err(error) => (outcome::<()>(&Err(error)), None),
                },
            };
            let captures = preset
                .scheme()
                .challenge()
                .is_some_and(webhook_gate::challenge::Challenge::captures);
            if found == "handshake" && captures {
                // The value handed over is the key the vector's deliveries are signed
                // with.
                let captured = captured.lock().unwrap();
                if captured.len() != 1
                    || captured[0].expose() != vector["key"].as_str().unwrap().as_bytes()
                {
                    failures.push(format!(
                        "{file} {name}: the handed-over value was not captured"
                    ));
                }
            }
            if expected == "handshake" {
                handshakes += 1;
            } else {
                judged += 1;
            }
            if found != expected {
                failures.push(format!("{file} {name}: expected {expected}, got {found}"));
            } else if let Some(answer) = answer
                && !answers(&answer, &vector["handshake_response"])
            {
                failures.push(format!("{file} {name}: answered {answer:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 290 generated vectors, and 42 published ones in 9 files.
    assert_eq!(published_files, 9, "published vector files read");
    let features = usize::from(cfg!(feature = "ed25519")) * 9
        + usize::from(cfg!(feature = "p256")) * 23
        + usize::from(cfg!(feature = "rsa")) * (12 + 19);
    assert_eq!(judged + handshakes, 227 + 42 + features, "vectors judged");
    println!("{judged} vectors judged, {handshakes} handshakes answered");
}
