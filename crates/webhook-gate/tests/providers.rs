//! Every provider vector in `tests/data/providers/` (generated or checked with the
//! provider's official SDK, or quoted from its documentation; `source` in each
//! vector, README.md beside them) judged by the provider's scheme.

use std::path::Path;

use base64::Engine as _;
use std::time::Duration;
use webhook_gate::verify::{FixedClock, RequestHead};

use webhook_gate::delivery::DeliveryIdSource;
use webhook_gate::scheme::{
    Algorithm, Encoding, Part, SignatureFormat, SignedContent, TimestampFormat, TimestampSource,
};
use webhook_gate::{Scheme, Verifier, VerifyError};

/// The vector files and the scheme each one is for.
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
];

fn outcome(result: &Result<webhook_gate::verify::Verified, VerifyError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(VerifyError::NoMatchingSignature) => "bad_signature",
        Err(VerifyError::MissingSignature { .. }) => "missing_signature",
        Err(
            VerifyError::MalformedSignature { .. }
            | VerifyError::MalformedTimestamp
            | VerifyError::MalformedHeader { .. },
        ) => "malformed",
        Err(VerifyError::TimestampTooOld { .. } | VerifyError::TimestampInFuture { .. }) => {
            "timestamp_out_of_window"
        }
        Err(_) => "other",
    }
}

/// The providers' schemes, described with the public builder: the request model
/// expresses each of them. (They become presets with their receivers' handshakes.)
#[allow(
    clippy::too_many_lines,
    reason = "one arm per provider: read as a table"
)]
fn scheme(provider: &str) -> Scheme {
    match provider {
        "twilio" => Scheme::builder("twilio")
            .algorithm(Algorithm::HmacSha1)
            .signature_header("X-Twilio-Signature")
            .format(SignatureFormat::prefixed("", Encoding::Base64))
            .signed_content(SignedContent::parts([Part::Url, Part::SortedFormFields]))
            .body_digest_query_param("bodySHA256")
            .delivery_id(DeliveryIdSource::SignatureFingerprint)
            .build()
            .unwrap(),
        "square" => Scheme::builder("square")
            .signature_header("x-square-hmacsha256-signature")
            .format(SignatureFormat::prefixed("", Encoding::Base64))
            .signed_content(SignedContent::parts([Part::Url, Part::Body]))
            .delivery_id(DeliveryIdSource::JsonField("event_id".into()))
            .build()
            .unwrap(),
        "hubspot" => Scheme::builder("hubspot")
            .signature_header("X-HubSpot-Signature-v3")
            .format(SignatureFormat::prefixed("", Encoding::Base64))
            .signed_content(SignedContent::parts([
                Part::Method,
                Part::Url,
                Part::Body,
                Part::Timestamp,
            ]))
            .timestamp(TimestampSource::Header {
                name: "X-HubSpot-Request-Timestamp".into(),
                required: true,
            })
            .timestamp_format(TimestampFormat::UnixMillis)
            .delivery_id(DeliveryIdSource::SignatureFingerprint)
            .build()
            .unwrap(),
        "paystack" => Scheme::builder("paystack")
            .algorithm(Algorithm::HmacSha512)
            .signature_header("x-paystack-signature")
            .format(SignatureFormat::prefixed("", Encoding::Hex))
            .delivery_id(DeliveryIdSource::JsonPointer("/data/id".into()))
            .build()
            .unwrap(),
        "intercom" => Scheme::builder("intercom")
            .algorithm(Algorithm::HmacSha1)
            .signature_header("X-Hub-Signature")
            .format(SignatureFormat::prefixed("sha1=", Encoding::Hex))
            .delivery_id(DeliveryIdSource::JsonField("id".into()))
            .build()
            .unwrap(),
        #[cfg(feature = "ed25519")]
        "discord" => Scheme::builder("discord")
            .algorithm(Algorithm::Ed25519)
            .signature_header("X-Signature-Ed25519")
            .format(SignatureFormat::prefixed("", Encoding::Hex))
            .signed_content(SignedContent::parts([Part::Timestamp, Part::Body]))
            .timestamp(TimestampSource::Header {
                name: "X-Signature-Timestamp".into(),
                required: true,
            })
            .delivery_id(DeliveryIdSource::JsonField("id".into()))
            .build()
            .unwrap(),
        #[cfg(feature = "p256")]
        "sendgrid" => Scheme::builder("sendgrid")
            .algorithm(Algorithm::EcdsaP256Sha256)
            .signature_header("X-Twilio-Email-Event-Webhook-Signature")
            .format(SignatureFormat::prefixed("", Encoding::Base64))
            .signed_content(SignedContent::parts([
                Part::Header("X-Twilio-Email-Event-Webhook-Timestamp".into()),
                Part::Body,
            ]))
            .delivery_id(DeliveryIdSource::SignatureFingerprint)
            .build()
            .unwrap(),
        "gitlab" => Scheme::builder("gitlab")
            .algorithm(Algorithm::Token)
            .signature_header("X-Gitlab-Token")
            .format(SignatureFormat::token())
            .delivery_id(DeliveryIdSource::Header("Idempotency-Key".into()))
            .build()
            .unwrap(),
        "zoom" => Scheme::builder("zoom")
            .signature_header("x-zm-signature")
            .format(SignatureFormat::prefixed("v0=", Encoding::Hex))
            .signed_content(SignedContent::parts([
                Part::text("v0:"),
                Part::Header("x-zm-request-timestamp".into()),
                Part::text(":"),
                Part::Body,
            ]))
            .delivery_id(DeliveryIdSource::SignatureFingerprint)
            .build()
            .unwrap(),
        "x" => Scheme::builder("x")
            .signature_header("x-twitter-webhooks-signature")
            .format(SignatureFormat::prefixed("sha256=", Encoding::Base64))
            .delivery_id(DeliveryIdSource::SignatureFingerprint)
            .build()
            .unwrap(),
        "meta" => Scheme::builder("meta")
            .signature_header("X-Hub-Signature-256")
            .format(SignatureFormat::sha256_hex())
            .delivery_id(DeliveryIdSource::SignatureFingerprint)
            .build()
            .unwrap(),
        "twitch" => Scheme::builder("twitch")
            .signature_header("Twitch-Eventsub-Message-Signature")
            .format(SignatureFormat::sha256_hex())
            .signed_content(SignedContent::parts([
                Part::Id,
                Part::Timestamp,
                Part::Body,
            ]))
            .id_header("Twitch-Eventsub-Message-Id")
            .timestamp(TimestampSource::Header {
                name: "Twitch-Eventsub-Message-Timestamp".into(),
                required: true,
            })
            .timestamp_format(TimestampFormat::Rfc3339)
            .tolerance(Duration::from_secs(600))
            .delivery_id(DeliveryIdSource::Header(
                "Twitch-Eventsub-Message-Id".into(),
            ))
            .build()
            .unwrap(),
        "dropbox" => Scheme::builder("dropbox")
            .signature_header("X-Dropbox-Signature")
            .format(SignatureFormat::prefixed("", Encoding::Hex))
            .delivery_id(DeliveryIdSource::SignatureFingerprint)
            .build()
            .unwrap(),
        "okta" => Scheme::builder("okta")
            .algorithm(Algorithm::Token)
            .signature_header("Authorization")
            .format(SignatureFormat::token())
            .delivery_id(DeliveryIdSource::JsonField("eventId".into()))
            .build()
            .unwrap(),
        "linear" => Scheme::builder("linear")
            .signature_header("Linear-Signature")
            .format(SignatureFormat::prefixed("", Encoding::Hex))
            .timestamp(TimestampSource::JsonField("webhookTimestamp".into()))
            .timestamp_format(TimestampFormat::UnixMillis)
            .tolerance(Duration::from_secs(60))
            .delivery_id(DeliveryIdSource::Header("Linear-Delivery".into()))
            .build()
            .unwrap(),
        "paddle" => Scheme::builder("paddle")
            .signature_header("Paddle-Signature")
            .format(SignatureFormat::key_value("ts", "h1", b';'))
            .signed_content(SignedContent::parts([
                Part::Timestamp,
                Part::text(":"),
                Part::Body,
            ]))
            .timestamp(TimestampSource::SignatureHeader)
            .tolerance(Duration::from_secs(5))
            .delivery_id(DeliveryIdSource::JsonField("notification_id".into()))
            .build()
            .unwrap(),
        other => panic!("no scheme for {other}"),
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

#[test]
fn every_provider_vector_is_judged_as_its_source_says() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/providers");
    let mut failures = Vec::new();
    let (mut judged, mut handshakes) = (0, 0);
    for (file, preset) in FILES {
        let text = std::fs::read_to_string(directory.join(format!("{file}.json"))).unwrap();
        let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        let described = scheme(preset);
        for vector in vectors {
            let name = vector["name"].as_str().unwrap();
            let expected = vector["expected"].as_str().unwrap();
            let method = vector["method"].as_str().unwrap_or("POST");
            if expected == "handshake" || method == "GET" {
                // Endpoint handshakes (and the GETs that only a handshake answers)
                // are the receiver's to answer, not the verifier's; counted below.
                handshakes += 1;
                continue;
            }
            let mut builder = Verifier::builder(described.clone())
                .secret(vector["key"].as_str().unwrap())
                .clock(FixedClock(vector["now"].as_i64().unwrap()));
            let url = vector["url"]
                .as_str()
                .unwrap_or("https://hooks.example.com/webhooks");
            let (base, target) = split_url(url);
            builder = builder.public_url(base);
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
            let head = RequestHead::new(method, target, &headers);
            let result = verifier.verify_request(&head, &body);
            judged += 1;
            if outcome(&result) != expected {
                failures.push(format!(
                    "{file} {name}: expected {expected}, got {:?}",
                    result.map(|_| "ok")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 121 vectors in the files; Microsoft Graph's 5 wait for its preset, and the
    // handshakes for the handshake answers.
    let features =
        usize::from(cfg!(feature = "ed25519")) * 8 + usize::from(cfg!(feature = "p256")) * 10;
    assert_eq!(judged, 89 + features, "vectors judged");
    println!("{judged} vectors judged, {handshakes} handshakes left to the receiver");
}
