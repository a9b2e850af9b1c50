//! Every request runs in a `webhook` span with the scheme, the delivery id and the
//! outcome, and nothing logged contains the secret or a signature value.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tower::{Service as _, ServiceExt as _};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use webhook_gate::sign::SignOptions;
use webhook_gate::{Scheme, Signer, Verifier};
use webhook_gate_tower::WebhookLayer;

const SECRET: &str = "tracing-test-secret-do-not-log";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn spans_name_scheme_id_and_outcome_and_never_the_secret_or_signature() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let layer = WebhookLayer::new(Verifier::new(Scheme::github(), SECRET).unwrap());
    let mut service = tower::Layer::layer(
        &layer,
        tower::service_fn(|_request: http::Request<axum::body::Body>| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(axum::body::Body::empty()))
        }),
    );

    let body = r#"{"action":"opened"}"#;
    let headers = Signer::new(Scheme::github(), SECRET)
        .unwrap()
        .sign(body.as_bytes(), &SignOptions::new().id("delivery-traced-1"));
    let signature = headers.get("X-Hub-Signature-256").unwrap().to_owned();
    let request = |body: &str| {
        let mut request = http::Request::post("/")
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap();
        for (name, value) in headers.iter() {
            request.headers_mut().insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        request
    };
    let ok = service
        .ready()
        .await
        .unwrap()
        .call(request(body))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let refused = service
        .ready()
        .await
        .unwrap()
        .call(request(r#"{"action":"closed"}"#))
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let duplicate = service
        .ready()
        .await
        .unwrap()
        .call(request(body))
        .await
        .unwrap();
    assert_eq!(duplicate.headers()["webhook-duplicate"], "true");

    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(output.contains("webhook{scheme=\"github\""), "{output}");
    assert!(
        output.contains("delivery_id=\"delivery-traced-1\""),
        "{output}"
    );
    assert!(output.contains("outcome=\"processed\""), "{output}");
    assert!(output.contains("outcome=\"bad_signature\""), "{output}");
    assert_eq!(
        output.matches("delivery_id=\"delivery-traced-1\"").count(),
        2,
        "{output}"
    );
    assert!(output.contains("outcome=\"duplicate\""), "{output}");
    assert!(
        output.contains("no signature matches"),
        "the precise reason is logged: {output}"
    );
    assert!(!output.contains(SECRET), "{output}");
    assert!(
        !output.contains(signature.trim_start_matches("sha256=")),
        "{output}"
    );
}
