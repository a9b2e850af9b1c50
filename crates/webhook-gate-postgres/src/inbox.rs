//! [`Inbox`]: the handler's side of an exactly-once delivery.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::{PgConnection, Postgres, Transaction};
use tokio::sync::OwnedMappedMutexGuard;
#[cfg(any(feature = "axum", feature = "actix-web"))]
use webhook_gate::error::Problem;
use webhook_gate::receive::DeliveryInfo;

use crate::exactly_once::TransactionSlot;

/// The delivery's open transaction, in which the layer has inserted the
/// delivery's row: write the handler's effects in it, and they commit with the
/// row when the handler answers 2xx, or vanish with it otherwise.
///
/// An extractor for axum (feature `axum`, behind `webhook_gate_tower::WebhookLayer`)
/// and actix-web (feature `actix-web`, behind `webhook_gate_actix::WebhookGate`), on
/// a route whose receiver stores through [`ExactlyOnce`](crate::ExactlyOnce). It
/// dereferences to the transaction's [`PgConnection`]: `.execute(&mut *inbox)`.
///
/// Do not commit it, and do not keep it past the handler (in a spawned task): the
/// layer commits once the handler has answered, and a transaction still held then
/// is not committed (the delivery is answered 503 and retried).
///
/// ```no_run
/// # #[cfg(feature = "axum")]
/// # mod example {
/// use axum::http::StatusCode;
/// use webhook_gate_postgres::Inbox;
/// use webhook_gate_tower::Webhook;
///
/// #[derive(serde::Deserialize)]
/// struct Event { id: String, amount: i64 }
///
/// async fn book(mut inbox: Inbox, Webhook(event): Webhook<Event>) -> StatusCode {
///     let booked = sqlx::query("INSERT INTO payments (event_id, amount) VALUES ($1, $2)")
///         .bind(&event.id)
///         .bind(event.amount)
///         .execute(&mut *inbox)
///         .await;
///     // Anything but 2xx rolls the payment back with the delivery's row.
///     if booked.is_ok() { StatusCode::OK } else { StatusCode::INTERNAL_SERVER_ERROR }
/// }
/// # }
/// ```
pub struct Inbox {
    transaction: OwnedMappedMutexGuard<
        Option<Transaction<'static, Postgres>>,
        Transaction<'static, Postgres>,
    >,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox").finish_non_exhaustive()
    }
}

impl Inbox {
    /// The transaction of the delivery `info` describes (what the extractors do,
    /// for other frameworks).
    pub fn from_delivery(info: &DeliveryInfo) -> Result<Self, InboxRejection> {
        let slot: Arc<TransactionSlot> = info
            .claim_context::<TransactionSlot>()
            .ok_or(InboxRejection::NotExactlyOnce)?;
        let held = slot.try_lock_owned().map_err(|_| InboxRejection::Taken)?;
        let transaction =
            tokio::sync::OwnedMutexGuard::try_map(held, Option::as_mut).map_err(|_| {
                // Settled already: the handler has returned.
                InboxRejection::Taken
            })?;
        Ok(Self { transaction })
    }

    /// The transaction itself (for savepoints: `inbox.transaction().begin()`).
    pub fn transaction(&mut self) -> &mut Transaction<'static, Postgres> {
        &mut self.transaction
    }
}

impl Deref for Inbox {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.transaction
    }
}

impl DerefMut for Inbox {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.transaction
    }
}

/// Why an [`Inbox`] could not be extracted: the route is set up wrong (answered
/// 500, and logged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InboxRejection {
    /// The route's receiver does not store through
    /// [`ExactlyOnce`](crate::ExactlyOnce), or the route has no webhook layer.
    #[error("the route does not receive through an exactly-once Postgres store")]
    NotExactlyOnce,
    /// Another `Inbox` of this delivery is alive (the handler asked for two).
    #[error("the delivery's transaction is taken by another Inbox")]
    Taken,
}

#[cfg(any(feature = "axum", feature = "actix-web"))]
impl InboxRejection {
    fn problem(&self) -> Problem {
        tracing::error!(reason = %self, "an exactly-once handler could not have its transaction");
        Problem::new(
            500,
            "inbox-unavailable",
            "Exactly-once inbox unavailable",
            "This endpoint cannot process deliveries exactly once.".to_owned(),
        )
    }
}

#[cfg(feature = "axum")]
mod axum_extractor {
    use axum::extract::FromRequestParts;
    use axum::response::{IntoResponse, Response};
    use http::request::Parts;
    use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
    use webhook_gate::error::PROBLEM_CONTENT_TYPE;
    use webhook_gate_tower::VerifiedWebhook;

    use super::{Inbox, InboxRejection};

    impl<S: Send + Sync> FromRequestParts<S> for Inbox {
        type Rejection = InboxRejection;

        async fn from_request_parts(
            parts: &mut Parts,
            _state: &S,
        ) -> Result<Self, Self::Rejection> {
            let verified = parts
                .extensions
                .get::<VerifiedWebhook>()
                .ok_or(InboxRejection::NotExactlyOnce)?;
            Inbox::from_delivery(verified)
        }
    }

    impl IntoResponse for InboxRejection {
        fn into_response(self) -> Response {
            let problem = self.problem();
            let mut response = problem.to_json().into_response();
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
            response
        }
    }
}

#[cfg(feature = "actix-web")]
mod actix_extractor {
    use std::future::{Ready, ready};

    use actix_web::dev::Payload;
    use actix_web::http::StatusCode;
    use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
    use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};
    use webhook_gate::error::PROBLEM_CONTENT_TYPE;
    use webhook_gate_actix::VerifiedWebhook;

    use super::{Inbox, InboxRejection};

    impl FromRequest for Inbox {
        type Error = InboxRejection;
        type Future = Ready<Result<Self, Self::Error>>;

        fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
            let extensions = request.extensions();
            ready(
                extensions
                    .get::<VerifiedWebhook>()
                    .ok_or(InboxRejection::NotExactlyOnce)
                    .and_then(|verified| Inbox::from_delivery(verified)),
            )
        }
    }

    impl ResponseError for InboxRejection {
        fn status_code(&self) -> StatusCode {
            StatusCode::INTERNAL_SERVER_ERROR
        }

        fn error_response(&self) -> HttpResponse {
            HttpResponse::InternalServerError()
                .insert_header((CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE)))
                .body(self.problem().to_json())
        }
    }
}
