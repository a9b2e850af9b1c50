//! actix-web support for [`webhook_gate`]: one middleware that verifies signed
//! webhook deliveries, answers endpoint challenges and deduplicates retries, so that
//! a handler only ever sees verified, first-time deliveries.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use webhook_gate::{Scheme, Verifier};
//! use webhook_gate_actix::{VerifiedWebhook, Webhook, WebhookGate};
//!
//! async fn on_github(delivery: VerifiedWebhook, Webhook(event): Webhook<serde_json::Value>) -> &'static str {
//!     println!("{:?}: {}", delivery.delivery_id(), event["action"]);
//!     "ok"
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let secret = std::env::var("WEBHOOK_SECRET").expect("WEBHOOK_SECRET");
//!     let verifier = Verifier::new(Scheme::github(), secret).expect("a valid secret");
//!     let gate = WebhookGate::new(verifier);
//!     HttpServer::new(move || {
//!         App::new().service(
//!             web::resource("/webhooks/github")
//!                 .wrap(gate.clone())
//!                 .route(web::post().to(on_github)),
//!         )
//!     })
//!     .bind(("127.0.0.1", 3000))?
//!     .run()
//!     .await
//! }
//! ```
//!
//! The middleware does what the tower layer of `webhook-gate-tower` does, with the
//! same statuses and problem bodies (both run the core crate's
//! [`Receiver`](webhook_gate::receive::Receiver)): headers and `Content-Length` are checked
//! before the body is read (401 / 400 / 413), the body is digested chunk by chunk
//! within the limit (default 1 MiB) and the read timeout (default 30 s, then 408),
//! challenges are answered by the middleware, a processed delivery is answered 200
//! with `webhook-duplicate: true`, one in flight gets 409 with `Retry-After`, an
//! unreachable store 503 with `Retry-After`; the claim is completed when the handler
//! answers 2xx and released otherwise, or when the handler panics or the request is
//! dropped. Every request runs in a `webhook` span with the scheme, the delivery id
//! and the outcome; secrets and signatures never appear in it.

mod builder;
mod error;
mod extract;
mod middleware;

pub use builder::WebhookGate;
pub use error::WebhookError;
pub use extract::{VerifiedWebhook, Webhook};
pub use middleware::{WebhookFuture, WebhookGateMiddleware};
