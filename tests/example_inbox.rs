//! `examples/axum_inbox.rs` books a Stripe payment once, however often Stripe
//! delivers its event, against a real Postgres.

#[path = "../examples/axum_inbox.rs"]
mod axum_inbox;
#[path = "../crates/webhook-gate-postgres/tests/support/mod.rs"]
mod postgres;
mod support;

use support::{Request, now, send};
use webhook_gate::sign::SignOptions;
use webhook_gate::{Preset, Signer};

const SECRET: &str = "whsec_aW5ib3gtZXhhbXBsZS1zZWNyZXQ=";

fn event(id: &str, kind: &str) -> Request {
    let body = format!(
        r#"{{"id":"{id}","type":"{kind}","data":{{"object":{{"id":"pi_{id}","amount":2000,"currency":"eur"}}}}}}"#
    )
    .into_bytes();
    let headers = Signer::new(Preset::Stripe.scheme(), SECRET)
        .unwrap()
        .sign(&body, &SignOptions::new().timestamp(now()));
    Request::signed(headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_books_each_payment_once() {
    let Some(server) =
        postgres::PostgresServer::start_private("the_example_books_each_payment_once")
    else {
        return;
    };
    let pool = sqlx::PgPool::connect(server.url()).await.unwrap();
    axum_inbox::prepare(&pool).await.unwrap();
    let app = axum_inbox::app(pool.clone(), SECRET).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let paid = event("evt_paid", "payment_intent.succeeded");
    assert_eq!(send(address, "/webhooks/stripe", &paid).await.status, 200);
    let again = send(address, "/webhooks/stripe", &paid).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.header("webhook-duplicate"), Some("true"));
    // Another event type: acknowledged, no payment.
    let created = event("evt_created", "payment_intent.created");
    assert_eq!(
        send(address, "/webhooks/stripe", &created).await.status,
        200
    );
    // A forged event books nothing.
    let mut forged = event("evt_forged", "payment_intent.succeeded");
    forged.body = String::from_utf8(forged.body)
        .unwrap()
        .replace("2000", "9000")
        .into_bytes();
    assert_eq!(send(address, "/webhooks/stripe", &forged).await.status, 401);

    let answer = send(address, "/payments", &Request::plain("GET", "", Vec::new())).await;
    assert_eq!(answer.status, 200);
    let totals: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(totals, serde_json::json!({"payments": 1, "amount": 2000}));
}
