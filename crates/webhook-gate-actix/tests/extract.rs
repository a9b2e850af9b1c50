//! The extractors and the middleware's own answers, through actix-web's test service.

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, test, web};
use webhook_gate::receive::Receiver;
use webhook_gate::sign::SignOptions;
use webhook_gate::{Scheme, Signer, Verifier};
use webhook_gate_actix::{VerifiedWebhook, Webhook, WebhookGate};

const SECRET: &str = "actix-extract-secret";

#[derive(serde::Deserialize)]
struct Event {
    action: String,
}

async fn typed(delivery: VerifiedWebhook, Webhook(event): Webhook<Event>) -> HttpResponse {
    HttpResponse::Ok().body(format!(
        "{} {} {} {}",
        event.action,
        delivery.scheme(),
        delivery.delivery_id().map_or("-", |id| id.as_str()),
        delivery.body().len()
    ))
}

fn signed(body: &str, id: &str) -> test::TestRequest {
    let headers = Signer::new(Scheme::github(), SECRET)
        .unwrap()
        .sign(body.as_bytes(), &SignOptions::new().id(id));
    let mut request = test::TestRequest::post()
        .uri("/hook")
        .set_payload(body.to_owned());
    for (name, value) in headers.iter() {
        request = request.insert_header((name.to_owned(), value.to_owned()));
    }
    request
}

#[actix_web::test]
async fn extractors_give_the_verified_delivery() {
    let middleware = WebhookGate::new(Verifier::new(Scheme::github(), SECRET).unwrap());
    let app = test::init_service(
        App::new()
            .service(
                web::resource("/hook")
                    .wrap(middleware)
                    .route(web::post().to(typed)),
            )
            .service(web::resource("/unverified").route(web::post().to(typed))),
    )
    .await;

    let body = r#"{"action":"opened"}"#;
    let response = test::call_service(&app, signed(body, "d-1").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(test::read_body(response).await, "opened github d-1 19");

    let response = test::call_service(&app, signed("[1,2]", "d-2").to_request()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let problem: serde_json::Value =
        serde_json::from_slice(&test::read_body(response).await).unwrap();
    assert_eq!(problem["title"], "Invalid webhook payload");

    let request = signed(body, "d-3").uri("/unverified").to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let problem: serde_json::Value =
        serde_json::from_slice(&test::read_body(response).await).unwrap();
    assert_eq!(problem["status"], 500);
}

#[actix_web::test]
async fn detailed_errors_name_the_reason_and_generic_ones_do_not() {
    let verifier = Verifier::new(Scheme::github(), SECRET).unwrap();
    let app = test::init_service(
        App::new()
            .service(
                web::resource("/hook")
                    .wrap(WebhookGate::new(verifier.clone()))
                    .route(web::post().to(typed)),
            )
            .service(
                web::resource("/detailed")
                    .wrap(WebhookGate::from(
                        Receiver::new(verifier)
                            .detailed_errors(true)
                            .problem_type_base("https://example.com/problems/"),
                    ))
                    .route(web::post().to(typed)),
            ),
    )
    .await;
    let tampered = signed(r#"{"action":"opened"}"#, "d-4").set_payload(r#"{"action":"closed"}"#);
    let response = test::call_service(&app, tampered.to_request()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let problem: serde_json::Value =
        serde_json::from_slice(&test::read_body(response).await).unwrap();
    assert_eq!(
        problem["detail"],
        "The request is not a valid signed webhook delivery."
    );
    // A type no host serves, so no one can take it over.
    assert_eq!(
        problem["type"],
        "tag:webhook-gate,2026:problem/invalid-signature"
    );

    let tampered = signed(r#"{"action":"opened"}"#, "d-5")
        .uri("/detailed")
        .set_payload(r#"{"action":"closed"}"#);
    let response = test::call_service(&app, tampered.to_request()).await;
    let problem: serde_json::Value =
        serde_json::from_slice(&test::read_body(response).await).unwrap();
    assert_eq!(problem["detail"], "no signature matches");
    assert_eq!(
        problem["type"],
        "https://example.com/problems/invalid-signature"
    );
}
