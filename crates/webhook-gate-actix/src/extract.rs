//! Extractors: [`VerifiedWebhook`] and [`Webhook<T>`].

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};
use serde::de::DeserializeOwned;
use webhook_gate::receive::DeliveryInfo;

use crate::error::WebhookError;

/// The verification metadata of a delivery that reached the handler. It
/// dereferences to [`DeliveryInfo`]: `scheme()`, `delivery_id()`, `timestamp()`,
/// `secret_index()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedWebhook {
    pub(crate) info: DeliveryInfo,
    pub(crate) body: Bytes,
}

impl VerifiedWebhook {
    /// The verified body, exactly as received (the bytes the signature covers).
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

impl std::ops::Deref for VerifiedWebhook {
    type Target = DeliveryInfo;

    fn deref(&self) -> &DeliveryInfo {
        &self.info
    }
}

impl FromRequest for VerifiedWebhook {
    type Error = WebhookError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<VerifiedWebhook>()
                .cloned()
                .ok_or(WebhookError::NotVerified),
        )
    }
}

/// The verified JSON body of a delivery.
///
/// Works only behind [`WebhookGate`](crate::WebhookGate): a resource
/// without it answers 500 rather than hand out unverified data.
///
/// ```
/// use webhook_gate_actix::Webhook;
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

impl<T: DeserializeOwned> FromRequest for Webhook<T> {
    type Error = WebhookError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let extensions = request.extensions();
        let Some(verified) = extensions.get::<VerifiedWebhook>() else {
            return ready(Err(WebhookError::NotVerified));
        };
        ready(
            serde_json::from_slice(&verified.body)
                .map(Webhook)
                .map_err(WebhookError::InvalidJson),
        )
    }
}
