//! An axum receiver with one route per preset.
//!
//! Run: `WEBHOOK_SECRET=whsec_... PORT=3000 cargo run --example axum_receiver`
//!
//! Then send it signed deliveries, e.g. with `cargo run --example demo`, or by hand:
//! every route answers 401 to an unsigned request. `GET /stats` answers
//! `{"processed": N}`: how many deliveries reached a handler (challenges and
//! duplicates are answered by the layer and not counted); `GET /metrics` the
//! Prometheus text format of webhook-gate's counters and histograms (requests by
//! scheme, route and outcome, verification and handler time, store errors).
//!
//! Routes: `GET` and `POST /webhooks/<preset>` for every preset (`sentimatrix`,
//! `github`, `stripe`, `twilio`, `discord`, ...: `webhook-gate schemes` lists them),
//! each verifying its provider's scheme, answering its handshake, within a 1 MiB body
//! limit, and deduplicating by the provider's delivery id: in memory, or in the Redis
//! at `REDIS_URL` when it is set (so that several replicas share it).
//!
//! Key material per route: `WEBHOOK_SECRET_<NAME>` (the preset's name in upper case,
//! `-` as `_`: `WEBHOOK_SECRET_GITHUB`), else `WEBHOOK_SECRET` (Standard Webhooks
//! decodes it as `whsec_` + base64, every other scheme uses its UTF-8 bytes); for the
//! public-key presets (Discord, SendGrid, Plaid, PayPal, Microsoft Graph rich
//! notifications) the provider's public key (Plaid's JWK, PayPal's certificate, a JWK
//! of the Microsoft identity platform's key set), else a published development key
//! ([`DEVELOPMENT_KEYS`]). Verify tokens of unsigned handshakes
//! (Meta): `WEBHOOK_VERIFY_TOKEN_<NAME>`, else `WEBHOOK_VERIFY_TOKEN`. Values a
//! scheme needs that the receiver configures (PayPal's webhook ID, Graph's app id):
//! `WEBHOOK_SETTING_<NAME>_<SETTING>` (`WEBHOOK_SETTING_PAYPAL_WEBHOOK_ID`,
//! `WEBHOOK_SETTING_MSGRAPH_RICH_APP_ID`), else a development value: `WEBHOOK_ID`,
//! what PayPal's webhook simulator signs; the app id of Microsoft's example. The URL the
//! providers call, for the presets that sign it (Twilio, Square, HubSpot):
//! `WEBHOOK_PUBLIC_URL` (`https://hooks.example.com`), else `https://` and the
//! request's `Host`. The secrets Asana and Notion hand over in their handshakes
//! are written to `WEBHOOK_CAPTURE_DIR/<name>` (default `webhook-gate-captured/` in
//! the system's temporary directory, owner-only): set `WEBHOOK_SECRET_ASANA` or
//! `WEBHOOK_SECRET_NOTION` from it and restart.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use webhook_gate::MemoryStore;
use webhook_gate::Preset;
use webhook_gate::receive::Receiver;
use webhook_gate::store::DynStore;
use webhook_gate_redis::RedisStore;
use webhook_gate_tower::{VerifiedWebhook, WebhookLayer};

#[path = "support/keys.rs"]
mod keys;
#[path = "support/metrics.rs"]
pub mod metrics_export;
#[allow(unused_imports, reason = "the demo and the command's tests use them")]
pub use keys::{
    DEVELOPMENT_KEYS, DEVELOPMENT_SECRET, OTHER_RSA_KEY, key_material, setting, signing_key,
    verifier,
};

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

async fn metrics() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            metrics_export::CONTENT_TYPE,
        )],
        metrics_export::render(),
    )
}

/// The receiver: a route per preset and `/stats`, deduplicating in memory, or in the
/// Redis at `redis_url` (shared by every replica). `detailed_errors` names the
/// precise reason of a refusal in the response (for development only);
/// `public_url` is the URL the providers call (else `WEBHOOK_PUBLIC_URL`);
/// `verify_token` the verify token of unsigned handshakes (Meta's) where no
/// `WEBHOOK_VERIFY_TOKEN_<NAME>` or `WEBHOOK_VERIFY_TOKEN` is set.
pub fn app(
    secret: &str,
    redis_url: Option<&str>,
    detailed_errors: bool,
    public_url: Option<&str>,
    verify_token: Option<&str>,
) -> Result<Router, Box<dyn std::error::Error>> {
    // Installed before the first request, so every receiver records into it.
    metrics_export::prometheus();
    let mut router = Router::new();
    for &preset in Preset::ALL {
        let name = preset.name();
        let verifier = verifier(preset, secret, public_url, verify_token)?;
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
            post(receive)
                .get(receive)
                .route_layer(WebhookLayer::from(receiver)),
        );
    }
    Ok(router
        .route("/stats", get(stats))
        .route("/metrics", get(metrics))
        .with_state(Stats::default()))
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
    let app = app(&secret, redis_url.as_deref(), false, None, None)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener, app).await;
    Ok(())
}

/// How long a client may take to send a request's headers (and an idle connection
/// may wait for its next request). `axum::serve` sets none: a client that sends
/// its headers a byte at a time would hold its connection forever. The body has
/// its own timeout in the layer (`Receiver::read_timeout`, 30 s).
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves `app` over HTTP/1.1 with hyper directly, as `axum::serve` does, plus a
/// header read timeout; on Ctrl-C stops accepting and lets the open connections
/// finish.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut connection = hyper::server::conn::http1::Builder::new();
    connection
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, a reset before accept: keep serving.
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let serving = graceful.watch(connection.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = serving.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    graceful.shutdown().await;
}
