//! An axum receiver with one route per preset.
//!
//! Run: `WEBHOOK_SECRET=whsec_... PORT=3000 cargo run --example axum_receiver`
//!
//! Then send it signed deliveries, e.g. with `cargo run --example demo`, or by hand:
//! every route answers 401 to an unsigned request. `GET /stats` answers
//! `{"processed": N}`: how many deliveries reached a handler (challenges and
//! duplicates are answered by the layer and not counted).
//!
//! Routes: `POST /webhooks/{sentimatrix,social,dataflow,proposals,dcisionai,standard,
//! github,stripe,slack,shopify}`, each verifying its provider's scheme with the
//! secret from `WEBHOOK_SECRET` (Standard Webhooks decodes it as `whsec_` + base64,
//! every other scheme uses its UTF-8 bytes), a 300 s window and a 1 MiB body limit,
//! and deduplicating by the provider's delivery id: in memory, or in the Redis at
//! `REDIS_URL` when it is set (so that several replicas share it).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use webhook_gate::receive::Receiver;
use webhook_gate::store::DynStore;
use webhook_gate::{ConfigError, MemoryStore, Preset, Verifier};
use webhook_gate_redis::RedisStore;
use webhook_gate_tower::{VerifiedWebhook, WebhookLayer};

/// The development secret used when `WEBHOOK_SECRET` is unset. Valid for every
/// scheme, Standard Webhooks included (base64 after `whsec_`).
pub const DEVELOPMENT_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// How many deliveries reached a handler.
#[derive(Clone, Default)]
pub struct Stats(Arc<AtomicU64>);

async fn receive(State(stats): State<Stats>, delivery: VerifiedWebhook) -> Json<serde_json::Value> {
    stats.0.fetch_add(1, Ordering::Relaxed);
    tracing::info!(scheme = delivery.scheme(), delivery_id = ?delivery.delivery_id().map(webhook_gate::DeliveryId::as_str), "processed");
    Json(serde_json::json!({ "received": delivery.scheme() }))
}

async fn stats(State(stats): State<Stats>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "processed": stats.0.load(Ordering::Relaxed) }))
}

/// The receiver: a route per preset and `/stats`, deduplicating in memory, or in the
/// Redis at `redis_url` (shared by every replica). `detailed_errors` names the
/// precise reason of a refusal in the response (for development only).
pub fn app(
    secret: &str,
    redis_url: Option<&str>,
    detailed_errors: bool,
) -> Result<Router, Box<dyn std::error::Error>> {
    let mut router = Router::new();
    for &preset in Preset::ALL {
        let name = preset.name();
        let verifier =
            Verifier::new(preset.scheme(), secret).map_err(|error| invalid_secret(&error))?;
        // One type whichever store is chosen: no arm per store below.
        let store = match redis_url {
            Some(url) => DynStore::new(
                RedisStore::builder(url)
                    .prefix(format!("webhook:{name}:"))
                    .build()?,
            ),
            None => DynStore::new(MemoryStore::new()),
        };
        let receiver = Receiver::new(verifier)
            .body_limit(1024 * 1024)
            .detailed_errors(detailed_errors)
            .store(store);
        router = router.route(
            &format!("/webhooks/{name}"),
            post(receive).route_layer(WebhookLayer::from(receiver)),
        );
    }
    Ok(router
        .route("/stats", get(stats))
        .with_state(Stats::default()))
}

fn invalid_secret(error: &ConfigError) -> String {
    format!("invalid WEBHOOK_SECRET ({error}); Standard Webhooks needs whsec_ followed by base64")
}

#[allow(dead_code)] // `main` is unused where another example includes this file.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| {
        tracing::warn!("WEBHOOK_SECRET is not set: using the public development secret");
        DEVELOPMENT_SECRET.to_owned()
    });
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PORT is not a port number: {port}"))?,
        Err(_) => 3000,
    };
    let redis_url = std::env::var("REDIS_URL").ok();
    match &redis_url {
        Some(_) => println!("deduplicating in Redis (REDIS_URL)"),
        None => println!("deduplicating in memory (set REDIS_URL to share dedupe across replicas)"),
    }
    let app = app(&secret, redis_url.as_deref(), false)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
