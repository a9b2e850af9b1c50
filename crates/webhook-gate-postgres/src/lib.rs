//! Postgres delivery stores for [`webhook_gate`]: dedupe shared by every replica,
//! and exactly-once effects.
//!
//! Two stores, one table (`webhook_gate_deliveries`, created by [`migrate`]):
//!
//! - [`PostgresStore`]: the claim / complete / release protocol of every
//!   [`DeliveryStore`](webhook_gate::DeliveryStore), as the Redis store keeps it,
//!   for teams whose receivers already share a Postgres and no Redis. At least once:
//!   a receiver that dies after its handler's writes committed and before the
//!   store heard "done" has its delivery processed again by the provider's retry,
//!   once the claim's lease lapses.
//! - [`ExactlyOnce`]: closes that window. The handler writes its effects in the
//!   delivery's own transaction ([`Inbox`]), which holds the delivery's done row
//!   (seen by no one before the commit); the layer commits on a 2xx, and rolls
//!   back on anything else. Crash or not, a delivery's effects happen once.
//!
//! # Exactly once, with axum
//!
//! ```no_run
//! # #[cfg(feature = "axum")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::http::StatusCode;
//! use axum::{Router, routing::post};
//! use webhook_gate::receive::Receiver;
//! use webhook_gate::{Preset, Verifier};
//! use webhook_gate_postgres::{Inbox, PostgresStore};
//! use webhook_gate_tower::{Webhook, WebhookLayer};
//!
//! #[derive(serde::Deserialize)]
//! struct Event { id: String }
//!
//! async fn handle(mut inbox: Inbox, Webhook(event): Webhook<Event>) -> StatusCode {
//!     let written = sqlx::query("INSERT INTO events (id) VALUES ($1)")
//!         .bind(&event.id)
//!         .execute(&mut *inbox)
//!         .await;
//!     if written.is_ok() { StatusCode::OK } else { StatusCode::INTERNAL_SERVER_ERROR }
//! }
//!
//! let pool = sqlx::PgPool::connect(&std::env::var("DATABASE_URL")?).await?;
//! webhook_gate_postgres::migrate(&pool).await?;
//! let store = PostgresStore::builder(pool).exactly_once()?;
//! let verifier = Verifier::new(Preset::Stripe.scheme(), std::env::var("STRIPE_WEBHOOK_SECRET")?)?;
//! let app: Router = Router::new()
//!     .route("/webhooks/stripe", post(handle))
//!     .layer(WebhookLayer::from(Receiver::with_store(verifier, store)));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! With actix-web, the same handler takes `Inbox` and `webhook_gate_actix::Webhook`,
//! behind `webhook_gate_actix::WebhookGate` (feature `actix-web`).
//!
//! # What each outcome does
//!
//! | the handler                        | the row and the effects | the provider gets |
//! |------------------------------------|-------------------------|-------------------|
//! | answers 2xx, the commit succeeds   | committed together      | the handler's 2xx |
//! | answers 2xx, the commit fails      | rolled back             | 503, `Retry-After` |
//! | answers another status             | rolled back             | that status       |
//! | panics, or the request is dropped  | rolled back             | no answer: retries |
//! | its process dies                   | rolled back by Postgres | no answer: retries |
//!
//! A client that hangs up mid-handler drops the request under axum (rolled back);
//! actix-web runs the handler to its end whatever the client does (committed as
//! usual, once).
//!
//! A copy of the delivery that arrives meanwhile waits on the row for at most the
//! lock timeout (default 2 s), then gets 409 with `Retry-After`; once the first
//! copy committed, copies get 200 with `webhook-duplicate: true`. The database
//! unreachable or the pool exhausted: 503 with `Retry-After`, and the handler does
//! not run.
//!
//! # Which store
//!
//! The Redis store is the fastest shared store (two round trips per delivery,
//! no connection held while the handler runs) and suits handlers whose effects
//! are idempotent or live elsewhere. Pick [`ExactlyOnce`] when the handler's
//! effects live in the same Postgres and must not happen twice (a payment booked,
//! a credit granted): it holds a pooled connection for each delivery in progress.
//!
//! # Schema
//!
//! [`migrate`] creates the table (idempotent, safe from several replicas at
//! once); [`MIGRATIONS`] holds the same SQL for your own migration tool.
//!
//! # Features
//!
//! - `axum`: [`Inbox`] as an axum extractor.
//! - `actix-web`: [`Inbox`] as an actix-web extractor.
//!
//! TLS to the database is sqlx's: enable one of its `tls-*` features in your
//! application.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod exactly_once;
mod inbox;
mod schema;
mod store;

pub use exactly_once::{DEFAULT_LOCK_TIMEOUT, ExactlyOnce};
pub use inbox::{Inbox, InboxRejection};
pub use schema::{MIGRATIONS, Migration, migrate};
pub use store::{PostgresStore, PostgresStoreBuilder, PostgresStoreError};
