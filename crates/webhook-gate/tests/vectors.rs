//! Every vector of the independent vector file: produced by the providers' own libraries
//! and Python's `hmac`, never by this crate.

use base64::Engine as _;
use serde_json::Value;
use webhook_gate::delivery::Delivery;
use webhook_gate::verify::FixedClock;
use webhook_gate::{Preset, Verifier, VerifyError};

fn vectors() -> Vec<Value> {
    let text = include_str!("data/schemes.json");
    let file: Value = serde_json::from_str(text).unwrap();
    assert_eq!(file["tolerance_seconds"], 300);
    file["vectors"].as_array().unwrap().clone()
}

fn outcome(error: &VerifyError) -> &'static str {
    match error {
        VerifyError::MissingSignature { .. } => "missing_signature",
        VerifyError::MalformedSignature { .. } | VerifyError::MalformedTimestamp => "malformed",
        VerifyError::NoMatchingSignature => "bad_signature",
        VerifyError::TimestampTooOld { .. } | VerifyError::TimestampInFuture { .. } => {
            "timestamp_out_of_window"
        }
        other => panic!("unexpected error kind {other:?}"),
    }
}

#[test]
fn every_vector_has_its_expected_outcome() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 45);
    let mut checked = 0;
    for vector in &vectors {
        let name = format!(
            "{}/{}",
            vector["scheme"].as_str().unwrap(),
            vector["name"].as_str().unwrap()
        );
        let scheme = vector["scheme"]
            .as_str()
            .unwrap()
            .parse::<Preset>()
            .unwrap()
            .scheme();
        let verifier = Verifier::builder(scheme)
            .secret(vector["secret"].as_str().unwrap())
            .clock(FixedClock(vector["now"].as_i64().unwrap()))
            .build()
            .unwrap();
        let headers: Vec<(String, String)> = vector["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
            .collect();
        let body = match (vector.get("body"), vector.get("body_base64")) {
            (Some(text), _) => text.as_str().unwrap().as_bytes().to_vec(),
            (None, Some(encoded)) => base64::engine::general_purpose::STANDARD
                .decode(encoded.as_str().unwrap())
                .unwrap(),
            (None, None) => panic!("{name}: no body"),
        };
        let expected = vector["expected"].as_str().unwrap();

        // Whole body at once.
        let result = verifier.verify(&headers, &body);
        let got = match &result {
            Ok(_) => "ok",
            Err(error) => outcome(error),
        };
        assert_eq!(got, expected, "{name}: {result:?}");

        // Byte by byte gives the same answer.
        let streamed = verifier.begin(&headers).and_then(|mut pending| {
            for byte in &body {
                pending.update(std::slice::from_ref(byte));
            }
            pending.finish()
        });
        assert_eq!(
            streamed.is_ok(),
            result.is_ok(),
            "{name}: streaming differs"
        );

        // Header names in other letter cases.
        let shouted: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.to_ascii_uppercase(), value.clone()))
            .collect();
        assert_eq!(
            verifier.verify(&shouted, &body).is_ok(),
            result.is_ok(),
            "{name}: case"
        );

        if let Some(challenge) = vector.get("challenge") {
            let verified = result.unwrap();
            let Delivery::Challenge(response) = verified.delivery(&body).unwrap() else {
                panic!("{name}: challenge not detected");
            };
            let answer: Value = serde_json::from_str(response.body()).unwrap();
            assert_eq!(&answer["challenge"], challenge, "{name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 45);
}

/// The window vectors sit exactly on the edge (Stripe's 300 s old, DcisionAI's 300 s
/// ahead); one second further is out.
#[test]
fn window_is_inclusive_both_ways() {
    for (scheme, clock_shift) in [("stripe", 1), ("dcisionai", -1)] {
        let vector = vectors()
            .into_iter()
            .find(|v| v["scheme"] == scheme && v["name"] == "ok_window_edge")
            .unwrap();
        let headers: Vec<(String, String)> = vector["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
            .collect();
        let body = vector["body"].as_str().unwrap().as_bytes();
        let now = vector["now"].as_i64().unwrap();
        let at = |now: i64| {
            Verifier::builder(scheme.parse::<Preset>().unwrap().scheme())
                .secret(vector["secret"].as_str().unwrap())
                .clock(FixedClock(now))
                .build()
                .unwrap()
                .verify(&headers, body)
        };
        assert!(at(now).is_ok(), "{scheme} on the edge");
        let error = at(now + clock_shift).unwrap_err();
        assert_eq!(error.status(), 401, "{scheme}");
        assert!(
            matches!(
                error,
                VerifyError::TimestampTooOld {
                    age: 301,
                    tolerance: 300
                } | VerifyError::TimestampInFuture {
                    ahead: 301,
                    tolerance: 300
                }
            ),
            "{scheme}: {error:?}"
        );
    }
}
