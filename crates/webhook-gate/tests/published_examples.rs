//! The providers' own documented examples, written out as literals, and the `Signer`
//! reproducing them byte for byte.

use webhook_gate::sign::SignOptions;
use webhook_gate::verify::FixedClock;
use webhook_gate::{Scheme, Signer, Verifier, VerifyError};

const SLACK_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

#[test]
fn github_documented_example() {
    // docs.github.com, "Validating webhook deliveries": secret "It's a Secret to
    // Everybody", payload "Hello, World!".
    let signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let verifier = Verifier::new(Scheme::github(), "It's a Secret to Everybody").unwrap();
    let headers = [("X-Hub-Signature-256", signature)];
    assert!(verifier.verify(&headers[..], b"Hello, World!").is_ok());
    assert_eq!(
        verifier.verify(&headers[..], b"Hello, World?").unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    let signer = Signer::new(Scheme::github(), "It's a Secret to Everybody").unwrap();
    let signed = signer.sign(b"Hello, World!", &SignOptions::new());
    assert_eq!(signed.get("x-hub-signature-256"), Some(signature));
}

#[test]
fn standard_webhooks_specification_example() {
    let verifier = Verifier::builder(Scheme::standard_webhooks())
        .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .clock(FixedClock(1_614_265_330))
        .build()
        .unwrap();
    let headers = [
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("webhook-timestamp", "1614265330"),
        (
            "webhook-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
    ];
    let body = br#"{"test": 2432232314}"#;
    assert!(verifier.verify(&headers[..], body).is_ok());
    let signer = Signer::new(
        Scheme::standard_webhooks(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    .unwrap();
    let signed = signer.sign(
        body,
        &SignOptions::new()
            .timestamp(1_614_265_330)
            .id("msg_p5jXN8AQM9LWM0D4loKWxJek"),
    );
    assert_eq!(
        signed.get("webhook-signature"),
        Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    );
    assert_eq!(
        signed.get("webhook-id"),
        Some("msg_p5jXN8AQM9LWM0D4loKWxJek")
    );
    assert_eq!(signed.get("webhook-timestamp"), Some("1614265330"));
}

/// The same example as Svix documents it ("Verifying webhooks manually",
/// docs.svix.com): Svix, Clerk and Resend name the headers `svix-*`. The preset reads
/// them where the `webhook-*` ones are absent, and only there.
#[test]
fn standard_webhooks_example_under_svix_header_names() {
    let verifier = Verifier::builder(Scheme::standard_webhooks())
        .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .clock(FixedClock(1_614_265_330))
        .build()
        .unwrap();
    let body = br#"{"test": 2432232314}"#;
    let svix = [
        ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
        ("svix-timestamp", "1614265330"),
        (
            "svix-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
    ];
    let verified = verifier.verify(&svix[..], body).unwrap();
    assert_eq!(
        verified.delivery(body).unwrap(),
        webhook_gate::delivery::Delivery::Event {
            delivery_id: Some(webhook_gate::DeliveryId::new(
                "msg_p5jXN8AQM9LWM0D4loKWxJek"
            ))
        }
    );
    assert_eq!(
        verifier
            .verify(&svix[..], br#"{"test": 2432232315}"#)
            .unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    // Another id under the `webhook-*` name wins over the `svix-*` one: the
    // signature, made over the svix id, no longer matches.
    let mut both = svix.to_vec();
    both.push(("webhook-id", "msg_other"));
    assert_eq!(
        verifier.verify(&both[..], body).unwrap_err(),
        VerifyError::NoMatchingSignature
    );
    // An alias must name a header the scheme reads.
    assert!(
        webhook_gate::Preset::GitHub
            .builder()
            .header_alias("webhook-id", "svix-id")
            .build()
            .is_err()
    );
}

/// Box's SDK test vector (box/box-python-sdk-gen `test/webhooks.py`): the primary
/// signature verifies even when the secondary header is garbage; the secondary
/// alone verifies under the secondary key.
#[test]
fn box_sdk_vector_with_one_header_broken_or_missing() {
    let verifier = Verifier::builder(webhook_gate::Preset::Box.scheme())
        .secret("SamplePrimaryKey")
        .secret("SampleSecondaryKey")
        .clock(FixedClock(1_577_862_060))
        .build()
        .unwrap();
    let body = br#"{"type":"webhook_event","webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED","source":{"id":"1234567890","type":"file","name":"Test.txt"}}"#;
    let timestamp = ("BOX-DELIVERY-TIMESTAMP", "2020-01-01T00:00:00-07:00");
    let primary = (
        "BOX-SIGNATURE-PRIMARY",
        "6TfeAW3A1PASkgboxxA5yqHNKOwFyMWuEXny/FPD5hI=",
    );
    let secondary = (
        "BOX-SIGNATURE-SECONDARY",
        "v+1CD1Jdo3muIcbpv5lxxgPglOqMfsNHPV899xWYydo=",
    );
    let garbage = ("BOX-SIGNATURE-SECONDARY", "not base64!");
    assert!(
        verifier
            .verify(&[timestamp, primary, garbage][..], body)
            .is_ok()
    );
    assert!(verifier.verify(&[timestamp, secondary][..], body).is_ok());
    assert!(matches!(
        verifier.verify(&[timestamp, garbage][..], body),
        Err(VerifyError::MalformedSignature { .. })
    ));
}

#[test]
fn slack_documented_example() {
    let verifier = Verifier::builder(Scheme::slack())
        .secret("8f742231b10e8888abcd99yyyzzz85a5")
        .clock(FixedClock(1_531_420_618))
        .build()
        .unwrap();
    let headers = [
        ("X-Slack-Request-Timestamp", "1531420618"),
        (
            "X-Slack-Signature",
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        ),
    ];
    assert!(verifier.verify(&headers[..], SLACK_BODY.as_bytes()).is_ok());
    let signer = Signer::new(Scheme::slack(), "8f742231b10e8888abcd99yyyzzz85a5").unwrap();
    let signed = signer.sign(
        SLACK_BODY.as_bytes(),
        &SignOptions::new().timestamp(1_531_420_618),
    );
    assert_eq!(
        signed.get("X-Slack-Signature"),
        Some("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
    );
}

#[test]
fn stripe_rotation_with_signer_over_two_secrets() {
    let signer = Signer::with_secrets(Scheme::stripe(), ["whsec_old", "whsec_new"]).unwrap();
    let body = br#"{"id":"evt_1"}"#;
    let headers = signer.sign(body, &SignOptions::new().timestamp(1_700_000_000));
    let value = headers.get("Stripe-Signature").unwrap();
    assert_eq!(value.matches(",v1=").count(), 2);
    let verifier = Verifier::builder(Scheme::stripe())
        .secret("whsec_new")
        .clock(FixedClock(1_700_000_000))
        .build()
        .unwrap();
    assert_eq!(verifier.verify(&headers, body).unwrap().secret_index(), 0);
    let rotating = Verifier::builder(Scheme::stripe())
        .secrets(["whsec_other", "whsec_new"])
        .clock(FixedClock(1_700_000_000))
        .build()
        .unwrap();
    assert_eq!(rotating.verify(&headers, body).unwrap().secret_index(), 1);
}
