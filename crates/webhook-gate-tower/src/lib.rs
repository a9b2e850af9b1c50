//! tower and axum support for [`webhook_gate`]: one layer that verifies signed
//! webhook deliveries, answers endpoint challenges and deduplicates retries, so that
//! a handler only ever sees verified, first-time deliveries.
//!
//! ```no_run
//! use axum::{Router, routing::post};
//! use webhook_gate::{Scheme, Verifier};
//! use webhook_gate_tower::{VerifiedWebhook, Webhook, WebhookLayer};
//!
//! async fn on_github(delivery: VerifiedWebhook, Webhook(event): Webhook<serde_json::Value>) {
//!     println!("{:?}: {}", delivery.delivery_id(), event["action"]);
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new(Scheme::github(), std::env::var("WEBHOOK_SECRET")?)?;
//! let app = Router::new()
//!     .route("/webhooks/github", post(on_github))
//!     .route_layer(WebhookLayer::new(verifier));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! For every request the layer, in order:
//! 1. checks the signature header and timestamp and refuses a `Content-Length` above
//!    the body limit (default 1 MiB), before reading any of the body;
//! 2. reads the body within the read timeout (default 30 s), digesting each chunk as
//!    it arrives, and refuses it with 413 as soon as it passes the limit;
//! 3. compares the signatures in constant time (401 on mismatch);
//! 4. answers an endpoint challenge itself (200, the inner service is not called);
//! 5. claims the delivery id in the [`DeliveryStore`](webhook_gate::DeliveryStore)
//!    (default: [`MemoryStore`](webhook_gate::MemoryStore)): a delivery already
//!    processed is answered 200 with a `webhook-duplicate: true` header; one being
//!    processed right now gets 409 with `Retry-After`; a store that cannot be reached
//!    gets 503 with `Retry-After` (fail closed);
//! 6. calls the inner service with the same bytes as its body and a
//!    [`VerifiedWebhook`] in the request extensions;
//! 7. marks the delivery done when the inner service answers 2xx, and releases it
//!    otherwise, or when the handler panics or the request is dropped, so that the
//!    provider's retry is processed.
//!
//! Refusals are `application/problem+json` (RFC 9457) with a generic `detail`; the
//! precise reason goes to `tracing` at `debug`. Every request runs in a
//! `webhook` span with the scheme, the delivery id and the outcome; secrets and
//! signatures never appear in it.

#[cfg(feature = "axum")]
mod extract;
mod future;
mod layer;
mod service;

#[cfg(feature = "axum")]
pub use extract::{Webhook, WebhookRejection};
pub use future::ResponseFuture;
pub use layer::WebhookLayer;
pub use service::{VerifiedWebhook, WebhookService};
