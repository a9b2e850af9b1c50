//! Routes that share one store cannot claim each other's delivery ids: each
//! route's ids live in its namespace (its scheme and a fingerprint of its secrets,
//! or one set by hand). Through both adapters, every route deduplicating through
//! one `MemoryStore`.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::{Answer, Request, Runs, SECRET, now, send, start_actix, start_axum};
use webhook_gate::receive::Receiver;
use webhook_gate::sign::SignOptions;
use webhook_gate::{MemoryStore, Preset, Signer, Verifier};

/// A second provider's secret, for routes of the same scheme as another.
const OTHER_SECRET: &str = "whsec_b3RoZXItcHJvdmlkZXItc2VjcmV0LWJ5dGVz";

fn delivery(preset: Preset, secret: &str, body_id: &str, delivery_id: &str) -> Request {
    let body = format!(r#"{{"id":"{body_id}","type":"namespace.test"}}"#).into_bytes();
    let headers = Signer::new(preset.scheme(), secret)
        .unwrap()
        .sign(&body, &SignOptions::new().timestamp(now()).id(delivery_id));
    Request::signed(headers, body)
}

fn is_duplicate(answer: &Answer) -> bool {
    answer.status == 200 && answer.header("webhook-duplicate") == Some("true")
}

fn processed(answer: &Answer) -> bool {
    answer.status == 200 && !is_duplicate(answer)
}

/// Both adapters, every preset's route deduplicating through one shared store.
async fn shared_store_adapters() -> [(&'static str, SocketAddr, Runs); 2] {
    let axum_runs = Runs::default();
    let actix_runs = Runs::default();
    let axum_store = MemoryStore::new();
    let actix_store = MemoryStore::new();
    [
        (
            "axum",
            start_axum(axum_runs.clone(), move |_| axum_store.clone()).await,
            axum_runs,
        ),
        (
            "actix",
            start_actix(actix_runs.clone(), move |_| actix_store.clone()),
            actix_runs,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_of_one_provider_cannot_pre_claim_another_providers_ids() {
    for (adapter, address, runs) in shared_store_adapters().await {
        // A sender holding the GitHub secret claims the id that a Standard Webhooks
        // provider will use next.
        let attack = delivery(Preset::GitHub, SECRET, "attack", "msg_next");
        let answer = send(address, "/webhooks/github", &attack).await;
        assert!(processed(&answer), "{adapter}: {}", answer.status);
        // The genuine delivery is processed, and its retry is a duplicate.
        let genuine = delivery(Preset::StandardWebhooks, SECRET, "genuine", "msg_next");
        let answer = send(address, "/webhooks/standard", &genuine).await;
        assert!(
            processed(&answer),
            "{adapter}: pre-claimed: {}",
            answer.status
        );
        let answer = send(address, "/webhooks/standard", &genuine).await;
        assert!(is_duplicate(&answer), "{adapter}: {}", answer.status);
        // Shadowing the other way round does not reach the genuine route either.
        let shadow = delivery(Preset::GitHub, SECRET, "shadow", "msg_first");
        let first = delivery(Preset::StandardWebhooks, SECRET, "first", "msg_first");
        assert!(processed(
            &send(address, "/webhooks/standard", &first).await
        ));
        assert!(processed(&send(address, "/webhooks/github", &shadow).await));
        assert!(is_duplicate(
            &send(address, "/webhooks/standard", &first).await
        ));
        for id in ["attack", "genuine", "shadow", "first"] {
            assert_eq!(runs.of(id), 1, "{adapter}: {id}");
        }
    }
}

/// Two Standard Webhooks routes, each with its own secret or namespace, sharing
/// one store; the first route at `/first`, the second at `/second`.
async fn two_routes(
    namespaces: [Option<&'static str>; 2],
) -> [(&'static str, SocketAddr, Runs); 2] {
    let receivers = move |store: MemoryStore| {
        [SECRET, OTHER_SECRET]
            .into_iter()
            .zip(namespaces)
            .map(|(secret, namespace)| {
                let verifier = Verifier::new(Preset::StandardWebhooks.scheme(), secret).unwrap();
                let receiver = Receiver::new(verifier).store(store.clone());
                match namespace {
                    Some(namespace) => receiver.namespace(namespace),
                    None => receiver,
                }
            })
            .collect::<Vec<_>>()
    };
    let axum_runs = Runs::default();
    let axum = {
        use axum::routing::post;
        let mut router = axum::Router::new();
        for (path, receiver) in ["/first", "/second"]
            .into_iter()
            .zip(receivers(MemoryStore::new()))
        {
            let runs = axum_runs.clone();
            let handler = move |body: axum::body::Bytes| {
                let runs = runs.clone();
                async move { axum::http::StatusCode::from_u16(runs.record(&body).0).unwrap() }
            };
            router = router.route(
                path,
                post(handler).route_layer(webhook_gate_tower::WebhookLayer::from(receiver)),
            );
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        address
    };
    let actix_runs = Runs::default();
    let actix = {
        use actix_web::{App, HttpResponse, HttpServer, web};
        let runs = actix_runs.clone();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let middlewares: Vec<_> = ["/first", "/second"]
                    .into_iter()
                    .zip(receivers(MemoryStore::new()))
                    .map(|(path, receiver)| (path, webhook_gate_actix::WebhookGate::from(receiver)))
                    .collect();
                let server = HttpServer::new(move || {
                    let mut app = App::new();
                    for (path, middleware) in &middlewares {
                        let runs = runs.clone();
                        app = app.service(web::resource(*path).wrap(middleware.clone()).route(
                            web::post().to(move |body: web::Bytes| {
                                let runs = runs.clone();
                                async move {
                                    HttpResponse::build(
                                        actix_web::http::StatusCode::from_u16(runs.record(&body).0)
                                            .unwrap(),
                                    )
                                    .finish()
                                }
                            }),
                        ));
                    }
                    app
                })
                .workers(1)
                .bind(("127.0.0.1", 0))
                .unwrap();
                sender.send(server.addrs()[0]).unwrap();
                server.run().await.unwrap();
            });
        });
        receiver.recv_timeout(Duration::from_secs(10)).unwrap()
    };
    [("axum", axum, axum_runs), ("actix", actix, actix_runs)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_providers_of_one_scheme_are_kept_apart_by_their_secrets() {
    for (adapter, address, runs) in two_routes([None, None]).await {
        // The sender of the second route (its own secret) claims an id first.
        let attack = delivery(Preset::StandardWebhooks, OTHER_SECRET, "attack", "msg_1");
        assert!(
            processed(&send(address, "/second", &attack).await),
            "{adapter}"
        );
        let genuine = delivery(Preset::StandardWebhooks, SECRET, "genuine", "msg_1");
        let answer = send(address, "/first", &genuine).await;
        assert!(
            processed(&answer),
            "{adapter}: pre-claimed: {}",
            answer.status
        );
        assert!(
            is_duplicate(&send(address, "/first", &genuine).await),
            "{adapter}"
        );
        assert_eq!(runs.of("genuine"), 1, "{adapter}");
        assert_eq!(runs.of("attack"), 1, "{adapter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_given_one_namespace_share_their_ids() {
    // As during a secret rotation done by hand: the same deliveries, another secret.
    for (adapter, address, runs) in two_routes([Some("billing"), Some("billing")]).await {
        let first = delivery(Preset::StandardWebhooks, SECRET, "rotated", "msg_2");
        assert!(
            processed(&send(address, "/first", &first).await),
            "{adapter}"
        );
        let again = delivery(Preset::StandardWebhooks, OTHER_SECRET, "rotated", "msg_2");
        let answer = send(address, "/second", &again).await;
        assert!(is_duplicate(&answer), "{adapter}: {}", answer.status);
        assert_eq!(runs.of("rotated"), 1, "{adapter}");
    }
}
