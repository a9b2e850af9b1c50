//! axum extractors: [`VerifiedWebhook`] and [`Webhook<T>`].

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use serde::de::DeserializeOwned;
use webhook_gate::error::{PROBLEM_CONTENT_TYPE, Problem};

use crate::service::VerifiedWebhook;

/// The verified JSON body of a delivery.
///
/// Works only behind [`WebhookLayer`](crate::WebhookLayer): a route without it
/// gets 500 rather than unverified data.
///
/// ```
/// use webhook_gate_tower::Webhook;
///
/// #[derive(serde::Deserialize)]
/// struct Event { id: String }
///
/// async fn handler(Webhook(event): Webhook<Event>) -> String {
///     event.id
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[must_use]
pub struct Webhook<T>(pub T);

/// Why [`Webhook<T>`] or [`VerifiedWebhook`] could not be extracted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The route has no [`WebhookLayer`](crate::WebhookLayer): nothing was verified.
    #[error("the route is not behind a WebhookLayer")]
    NotVerified,
    /// The verified body is not the JSON the handler expects.
    #[error("the body is not the expected JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
}

impl WebhookRejection {
    fn problem(&self) -> Problem {
        match self {
            Self::NotVerified => Problem::not_verified(),
            Self::InvalidJson(error) => Problem::invalid_payload(error),
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        if matches!(self, Self::NotVerified) {
            tracing::error!(
                "an extractor needs a verified webhook, but the route has no WebhookLayer"
            );
        }
        let problem = self.problem();
        let mut response = problem.to_json().into_response();
        *response.status_mut() =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
        response
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VerifiedWebhook {
    type Rejection = WebhookRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<VerifiedWebhook>()
            .cloned()
            .ok_or(WebhookRejection::NotVerified)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Webhook<T> {
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(verified) = request.extensions().get::<VerifiedWebhook>() else {
            return Err(WebhookRejection::NotVerified);
        };
        serde_json::from_slice(&verified.body)
            .map(Webhook)
            .map_err(WebhookRejection::InvalidJson)
    }
}
