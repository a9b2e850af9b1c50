//! Challenge detection and delivery-id extraction on arbitrary (signed) bodies: a
//! top-level JSON field, a JSON pointer, and both challenge handshakes.
//! Invariants: no panic; a challenge response is JSON holding the challenge; an id is
//! 1 to 256 visible ASCII characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_gate::{Preset, Scheme, Signer, Verifier};
use webhook_gate::delivery::{Delivery, DeliveryIdSource, MAX_ID_LEN};
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::FixedClock;

const NOW: i64 = 1_700_000_000;

fuzz_target!(|input: (u8, &[u8])| {
    let (which, body) = input;
    let scheme = match which % 4 {
        0 => Scheme::proposal_generator(),
        1 => Scheme::slack(),
        2 => Scheme::stripe(),
        _ => Preset::Stripe
            .builder()
            .delivery_id(DeliveryIdSource::JsonPointer("/data/object/id".into()))
            .build()
            .expect("valid"),
    };
    let signer = Signer::new(scheme.clone(), "secret").expect("valid signer");
    let headers = signer.sign(body, &SignOptions::new().timestamp(NOW));
    let verifier = Verifier::builder(scheme)
        .secret("secret")
        .clock(FixedClock(NOW))
        .build()
        .expect("valid verifier");
    let verified = verifier
        .verify(&headers, body)
        .expect("signed body verifies");
    match verified.delivery(body) {
        Ok(Delivery::Challenge(response)) => {
            let echoed: serde_json::Value =
                serde_json::from_str(response.body()).expect("the response is JSON");
            assert!(echoed.get("challenge").is_some());
        }
        Ok(Delivery::Event {
            delivery_id: Some(id),
        }) => {
            let id = id.as_str();
            assert!(!id.is_empty() && id.len() <= MAX_ID_LEN, "{id:?}");
        }
        _ => {}
    }
});
