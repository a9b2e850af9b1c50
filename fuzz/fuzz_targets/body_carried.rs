//! What a body carries besides the event: Microsoft Graph's `clientState` in every
//! item of `value`, and the handshakes that hand a secret over (Notion's
//! `verification_token` in an unsigned body, Asana's `X-Hook-Secret` header).
//! Invariants: no panic; a Graph body verifies only when serde_json, read
//! independently, finds every item's `clientState` equal to the secret; a capture is
//! answered only when the value is a non-empty, echoable string and then reaches the
//! callback unchanged.
#![no_main]

use std::sync::{Arc, Mutex};

use libfuzzer_sys::fuzz_target;
use webhook_gate::verify::RequestHead;
use webhook_gate::{Preset, Verifier};

const SECRET: &str = "client-state-1";

fn capturing(preset: Preset) -> (Verifier, Arc<Mutex<Vec<Vec<u8>>>>) {
    let captured = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&captured);
    let verifier = Verifier::builder(preset.scheme())
        .secret(SECRET)
        .on_capture(move |value| keep.lock().unwrap().push(value.value().expose().to_vec()))
        .build()
        .expect("valid verifier");
    (verifier, captured)
}

/// Whether `value` is what a handshake may echo: 1 to 1024 visible ASCII bytes or
/// spaces.
fn echoable(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= 1024
        && value.iter().all(|&b| b == b' ' || b.is_ascii_graphic())
}

fuzz_target!(|input: (u8, &[u8])| {
    let (which, bytes) = input;
    let no_headers: [(&str, &str); 0] = [];
    match which % 3 {
        0 => {
            let verifier = Verifier::new(Preset::MicrosoftGraph.scheme(), SECRET).unwrap();
            let head = RequestHead::new("POST", "/hook", &no_headers[..]);
            if verifier.verify_request(&head, bytes).is_ok() {
                let value: serde_json::Value =
                    serde_json::from_slice(bytes).expect("a verified Graph body is JSON");
                let items = value["value"].as_array().expect("with a value array");
                assert!(!items.is_empty(), "an empty value array verified");
                for item in items {
                    assert_eq!(
                        item["clientState"], SECRET,
                        "an item without the token verified"
                    );
                }
            }
        }
        1 => {
            let (verifier, captured) = capturing(Preset::Notion);
            let head = RequestHead::new("POST", "/hook", &no_headers[..]);
            // A POST without a signature: a handshake if its body is one.
            let pending = verifier
                .begin_request(&head)
                .expect("an unsigned POST awaits its body");
            assert!(pending.awaits_handshake());
            assert!(pending.finish().is_err(), "an unsigned body verified");
            if let Some(Ok(_)) = verifier.handshake_body(bytes) {
                let value: serde_json::Value = serde_json::from_slice(bytes).expect("JSON");
                let token = value["verification_token"]
                    .as_str()
                    .expect("a string token");
                assert!(echoable(token.as_bytes()));
                assert_eq!(*captured.lock().unwrap(), vec![token.as_bytes().to_vec()]);
            } else {
                assert!(
                    captured.lock().unwrap().is_empty(),
                    "captured without an answer"
                );
            }
        }
        _ => {
            let (verifier, captured) = capturing(Preset::Asana);
            let headers = [("X-Hook-Secret", bytes)];
            let head = RequestHead::new("POST", "/hook", &headers[..]);
            match verifier.handshake(&head) {
                Some(Ok(answer)) => {
                    assert!(echoable(bytes));
                    assert!(
                        answer
                            .headers()
                            .iter()
                            .any(|(name, value)| name == "X-Hook-Secret"
                                && value.as_bytes() == bytes)
                    );
                    assert_eq!(*captured.lock().unwrap(), vec![bytes.to_vec()]);
                }
                Some(Err(_)) => assert!(!echoable(bytes) && captured.lock().unwrap().is_empty()),
                None => panic!("a POST with X-Hook-Secret is Asana's handshake"),
            }
        }
    }
});
