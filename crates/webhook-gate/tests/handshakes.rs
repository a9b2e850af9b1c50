//! Handshakes answered with a key: the answer uses the key that verified the
//! request, so it stays right while secrets rotate. Expected answers are computed
//! with the `hmac` crate.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_gate::sign::SignOptions;
use webhook_gate::verify::{FixedClock, RequestHead};
use webhook_gate::{Preset, Signer, Verifier};

const NOW: i64 = 1_761_998_400;
const PLAIN_TOKEN: &str = "qgg8vlvZRS6UYooatFL8Aw";

fn encrypted_token(secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(PLAIN_TOKEN.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[test]
fn zoom_answers_with_the_secret_that_signed_the_validation() {
    let verifier = Verifier::builder(Preset::Zoom.scheme())
        .secret("old-secret-token")
        .secret("new-secret-token")
        .clock(FixedClock(NOW))
        .build()
        .unwrap();
    for (index, secret) in ["old-secret-token", "new-secret-token"]
        .into_iter()
        .enumerate()
    {
        let request = Signer::new(Preset::Zoom.scheme(), secret)
            .unwrap()
            .handshake(PLAIN_TOKEN, None, &SignOptions::new().timestamp(NOW))
            .unwrap();
        let head = RequestHead::new(&request.method, "/webhooks/zoom", &request.headers);
        let verified = verifier.verify_request(&head, &request.body).unwrap();
        assert_eq!(verified.secret_index(), index);
        let answer = verified.challenge(&request.body).unwrap().unwrap();
        let body: serde_json::Value = serde_json::from_str(answer.body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "plainToken": PLAIN_TOKEN,
                "encryptedToken": encrypted_token(secret),
            }),
            "signed with {secret}"
        );
    }
}
