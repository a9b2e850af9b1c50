//! [`WebhookError`]: why an extractor could not give the handler a verified delivery.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use webhook_gate::error::{PROBLEM_CONTENT_TYPE, Problem};

/// Why [`Webhook<T>`](crate::Webhook) or [`VerifiedWebhook`](crate::VerifiedWebhook)
/// could not be extracted. Answered as `application/problem+json`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The resource has no [`WebhookGate`](crate::WebhookGate): nothing
    /// was verified.
    #[error("the resource is not wrapped in a WebhookGate")]
    NotVerified,
    /// The verified body is not the JSON the handler expects.
    #[error("the body is not the expected JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
}

impl WebhookError {
    fn problem(&self) -> Problem {
        match self {
            Self::NotVerified => Problem::not_verified(),
            Self::InvalidJson(error) => Problem::invalid_payload(error),
        }
    }
}

impl ResponseError for WebhookError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().status).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self, Self::NotVerified) {
            tracing::error!(
                "an extractor needs a verified webhook, but the resource has no WebhookGate"
            );
        }
        let problem = self.problem();
        HttpResponse::build(self.status_code())
            .insert_header((CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE)))
            .body(problem.to_json())
    }
}
