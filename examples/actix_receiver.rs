//! An actix-web receiver with one route per preset: the same routes, `/stats`,
//! port, secret and dedupe sources as `examples/axum_receiver.rs`, so one client can
//! drive either.
//!
//! Run: `WEBHOOK_SECRET=whsec_... PORT=3000 cargo run --example actix_receiver`
//!
//! Deduplicates in memory, or in the Redis at `REDIS_URL` when it is set.
//!
//! Routes: `GET` and `POST /webhooks/<preset>` for every preset, `GET /stats`
//! (`{"processed": N}`: deliveries that reached a handler; handshakes and duplicates
//! are answered by the middleware), and `GET /metrics` (Prometheus text format). Key material per route, verify tokens and the
//! public URL come from the environment as in `examples/axum_receiver.rs`
//! (`WEBHOOK_SECRET_<NAME>`, `WEBHOOK_SECRET`, `WEBHOOK_VERIFY_TOKEN_<NAME>`,
//! `WEBHOOK_SETTING_<NAME>_<SETTING>`, `WEBHOOK_PUBLIC_URL`), and so does where the secrets Asana and Notion hand over
//! are kept (`WEBHOOK_CAPTURE_DIR`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};
use webhook_gate::MemoryStore;
use webhook_gate::Preset;
use webhook_gate::receive::Receiver;
use webhook_gate::store::DynStore;
use webhook_gate_actix::{VerifiedWebhook, WebhookGate};
use webhook_gate_redis::RedisStore;

#[path = "support/keys.rs"]
mod keys;
#[path = "support/metrics.rs"]
mod metrics_export;
use keys::DEVELOPMENT_SECRET;

/// How many deliveries reached a handler.
#[derive(Clone, Default)]
struct Stats(Arc<AtomicU64>);

async fn receive(stats: web::Data<Stats>, delivery: VerifiedWebhook) -> HttpResponse {
    stats.0.fetch_add(1, Ordering::Relaxed);
    tracing::info!(
        scheme = delivery.scheme(),
        delivery_id = ?delivery.delivery_id().map(webhook_gate::DeliveryId::as_str),
        "processed"
    );
    HttpResponse::Ok().json(serde_json::json!({ "received": delivery.scheme() }))
}

async fn stats(stats: web::Data<Stats>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "processed": stats.0.load(Ordering::Relaxed) }))
}

async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(metrics_export::CONTENT_TYPE)
        .body(metrics_export::render())
}

#[actix_web::main]
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
    // Installed before the first request, so every receiver records into it.
    metrics_export::prometheus();
    let mut middlewares = Vec::new();
    for &preset in Preset::ALL {
        let name = preset.name();
        let verifier = keys::verifier(preset, &secret, None, None)?;
        // Built once, outside the worker factory, so that every worker shares one
        // dedupe store per route.
        // One type whichever store is chosen: one middleware type for every route.
        let store = match &redis_url {
            Some(url) => DynStore::new(
                RedisStore::builder(url.as_str())
                    .prefix(format!("webhook:{name}:"))
                    .build()?,
            ),
            None => DynStore::new(MemoryStore::new()),
        };
        let receiver = Receiver::new(verifier).body_limit(1024 * 1024).store(store);
        middlewares.push((name, WebhookGate::from(receiver)));
    }
    let counter = web::Data::new(Stats::default());
    let server = HttpServer::new(move || {
        let mut app = App::new()
            .app_data(counter.clone())
            .route("/stats", web::get().to(stats))
            .route("/metrics", web::get().to(metrics));
        for (name, middleware) in &middlewares {
            app = app.service(
                web::resource(format!("/webhooks/{name}"))
                    .wrap(middleware.clone())
                    .route(web::post().to(receive))
                    .route(web::get().to(receive)),
            );
        }
        app
    })
    .bind(("127.0.0.1", port))?;
    for address in server.addrs() {
        println!("listening on http://{address}");
    }
    server.run().await?;
    Ok(())
}
