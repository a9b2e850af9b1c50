//! A Stripe receiver that books each `payment_intent.succeeded` into a `payments`
//! table exactly once, crash or not: the payment and the delivery's done row commit
//! in one transaction ([`webhook_gate_postgres::ExactlyOnce`]).
//!
//! Run: `DATABASE_URL=postgres://user:password@127.0.0.1/shop WEBHOOK_SECRET=whsec_...
//! PORT=3000 cargo run --example axum_inbox`
//!
//! Routes: `POST /webhooks/stripe` (the endpoint to register in Stripe's dashboard,
//! event `payment_intent.succeeded`); `GET /payments` answers
//! `{"payments": N, "amount": total}`. Key material: `WEBHOOK_SECRET_STRIPE`, else
//! `WEBHOOK_SECRET` (the endpoint's signing secret, `whsec_...`, used as is). The
//! schema (the store's table, and `payments`) is created at start.
//!
//! What happens to a delivery: the layer verifies it, begins a transaction and
//! inserts the delivery's done row (seen by no one before the commit); the handler
//! books the payment in that transaction; on its 200 both commit. If the handler fails, or the
//! process dies before the commit, both roll back and Stripe's retry books the
//! payment then, once. A retry after the commit is answered 200 as a duplicate.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use sqlx::PgPool;
use webhook_gate::receive::Receiver;
use webhook_gate::{Preset, Verifier};
use webhook_gate_postgres::{Inbox, PostgresStore};
use webhook_gate_tower::{Webhook, WebhookLayer};

/// The part of a Stripe event the handler reads.
#[derive(Debug, serde::Deserialize)]
pub struct Event {
    /// `evt_...`
    pub id: String,
    /// `payment_intent.succeeded`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The object the event is about.
    pub data: EventData,
}

/// `data` of a Stripe event.
#[derive(Debug, serde::Deserialize)]
pub struct EventData {
    /// The payment intent.
    pub object: PaymentIntent,
}

/// The fields of a payment intent the handler books.
#[derive(Debug, serde::Deserialize)]
pub struct PaymentIntent {
    /// `pi_...`
    pub id: String,
    /// In the currency's smallest unit.
    #[serde(default)]
    pub amount: i64,
    /// ISO 4217, lower case.
    #[serde(default)]
    pub currency: String,
}

/// The application's own table: no unique key on the payment is needed for
/// exactly once (the delivery's row is the guard).
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS payments (
    id             bigserial   PRIMARY KEY,
    event_id       text        NOT NULL,
    payment_intent text        NOT NULL,
    amount         bigint      NOT NULL,
    currency       text        NOT NULL,
    booked_at      timestamptz NOT NULL DEFAULT now()
)";

/// Books a succeeded payment in the delivery's transaction; other event types are
/// acknowledged (and remembered as done) without an effect.
async fn book(mut inbox: Inbox, Webhook(event): Webhook<Event>) -> StatusCode {
    if event.kind != "payment_intent.succeeded" {
        return StatusCode::OK;
    }
    let payment = event.data.object;
    let booked = sqlx::query(
        "INSERT INTO payments (event_id, payment_intent, amount, currency) VALUES ($1, $2, $3, $4)",
    )
    .bind(&event.id)
    .bind(&payment.id)
    .bind(payment.amount)
    .bind(&payment.currency)
    .execute(&mut *inbox)
    .await;
    match booked {
        Ok(_) => StatusCode::OK,
        Err(error) => {
            // Anything but 2xx rolls back the payment with the delivery's row:
            // Stripe retries and the retry books it.
            tracing::error!(%error, "could not book the payment");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn payments(State(pool): State<PgPool>) -> Result<Json<serde_json::Value>, StatusCode> {
    let (count, amount): (i64, Option<i64>) =
        sqlx::query_as("SELECT count(*), sum(amount)::bigint FROM payments")
            .fetch_one(&pool)
            .await
            .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    Ok(Json(
        serde_json::json!({"payments": count, "amount": amount.unwrap_or(0)}),
    ))
}

/// The receiver's routes, on `pool` (whose schema is in place: [`prepare`]).
pub fn app(pool: PgPool, secret: &str) -> Result<Router, Box<dyn std::error::Error>> {
    let store = PostgresStore::builder(pool.clone()).exactly_once()?;
    let verifier = Verifier::new(Preset::Stripe.scheme(), secret)?;
    Ok(Router::new()
        .route(
            "/webhooks/stripe",
            post(book).route_layer(WebhookLayer::from(Receiver::with_store(verifier, store))),
        )
        .route("/payments", get(payments))
        .with_state(pool))
}

/// Creates the store's table and `payments`.
pub async fn prepare(pool: &PgPool) -> Result<(), sqlx::Error> {
    webhook_gate_postgres::migrate(pool).await?;
    sqlx::query(SCHEMA).execute(pool).await?;
    Ok(())
}

#[allow(dead_code, reason = "the example's test runs `app` without `main`")]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,webhook_gate=debug".into()),
        )
        .init();
    let database = std::env::var("DATABASE_URL").map_err(|_| "set DATABASE_URL")?;
    let secret = std::env::var("WEBHOOK_SECRET_STRIPE")
        .or_else(|_| std::env::var("WEBHOOK_SECRET"))
        .map_err(|_| "set WEBHOOK_SECRET_STRIPE or WEBHOOK_SECRET")?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        // One connection per delivery in progress, while its handler runs.
        .max_connections(32)
        .connect(&database)
        .await?;
    prepare(&pool).await?;
    let port: u16 = std::env::var("PORT").map_or(Ok(3000), |port| port.parse())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(pool, &secret)?).await?;
    Ok(())
}
