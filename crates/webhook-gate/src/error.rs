//! Typed errors, their HTTP status, and the RFC 9457 problem bodies both adapters send.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Why a delivery was refused.
///
/// Every variant knows its HTTP status ([`status`](Self::status)) and its problem body
/// ([`problem`](Self::problem)); the adapters use these, so a status is decided in one
/// place. Neither `Display` nor `Debug` ever contains a secret or a signature value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature header is absent.
    #[error("missing signature header `{header}`")]
    MissingSignature {
        /// The header that was expected.
        header: Cow<'static, str>,
    },
    /// The signature header is present but cannot be parsed.
    #[error("malformed signature header: {reason}")]
    MalformedSignature {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature header parsed, but no signature in it matches any secret.
    #[error("no signature matches")]
    NoMatchingSignature,
    /// A header the scheme needs (other than the signature) is absent.
    #[error("missing header `{header}`")]
    MissingHeader {
        /// The header that was expected.
        header: Cow<'static, str>,
    },
    /// A header is present more than once where the scheme allows one.
    #[error("header `{header}` is present more than once")]
    RepeatedHeader {
        /// The repeated header.
        header: Cow<'static, str>,
    },
    /// A header other than the signature has a value the scheme cannot use.
    #[error("malformed header `{header}`: {reason}")]
    MalformedHeader {
        /// The header.
        header: Cow<'static, str>,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The timestamp is not unix seconds.
    #[error("malformed timestamp: not unix seconds")]
    MalformedTimestamp,
    /// The timestamp is older than the tolerance allows.
    #[error("timestamp is {age} s old, beyond the {tolerance} s tolerance")]
    TimestampTooOld {
        /// Seconds between the timestamp and now.
        age: u64,
        /// The configured tolerance in seconds.
        tolerance: u64,
    },
    /// The timestamp is further in the future than the tolerance allows.
    #[error("timestamp is {ahead} s in the future, beyond the {tolerance} s tolerance")]
    TimestampInFuture {
        /// Seconds between now and the timestamp.
        ahead: u64,
        /// The configured tolerance in seconds.
        tolerance: u64,
    },
    /// The delivery id the receiver deduplicates by could not be found.
    #[error("missing delivery id ({source_description})")]
    MissingDeliveryId {
        /// Where it was looked for.
        source_description: &'static str,
    },
    /// The body is not what the scheme needs (e.g. not JSON where an id is read from it).
    #[error("malformed body: {reason}")]
    MalformedBody {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The body is larger than the configured limit.
    #[error("body exceeds the {limit} byte limit")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The body could not be read to its end (the client disconnected, the
    /// `Content-Length` did not match, ...).
    #[error("body could not be read: {reason}")]
    BodyRead {
        /// What went wrong (no body content).
        reason: String,
    },
    /// The body did not arrive within the read timeout.
    #[error("body not received within {seconds} s")]
    BodyTimeout {
        /// The timeout in seconds.
        seconds: u64,
    },
    /// An endpoint handshake the receiver may not answer: its verify token is
    /// missing or wrong, it lacks what its provider always sends, it hands a secret
    /// over and no capture callback is configured, or no key of the scheme's kind
    /// is there to answer it with.
    #[error("endpoint handshake refused")]
    HandshakeRefused,
    /// A handshake that cannot be answered: its value is missing, or not fit to
    /// echo (empty, longer than [`MAX_ECHO_LEN`](crate::challenge::MAX_ECHO_LEN)
    /// bytes, or not visible ASCII), or a body marked as one is not JSON or too
    /// large to read.
    #[error("endpoint handshake cannot be answered: its value is missing or cannot be echoed")]
    MalformedHandshake,
}

impl VerifyError {
    /// The HTTP status a receiver answers with: 401 when the request is not
    /// authentic (missing or wrong signature, timestamp outside the window), 400 when
    /// it is malformed, 413 when it is too large.
    pub fn status(&self) -> u16 {
        match self {
            Self::MissingSignature { .. }
            | Self::NoMatchingSignature
            | Self::TimestampTooOld { .. }
            | Self::TimestampInFuture { .. } => 401,
            Self::MalformedSignature { .. }
            | Self::MissingHeader { .. }
            | Self::RepeatedHeader { .. }
            | Self::MalformedHeader { .. }
            | Self::MalformedTimestamp
            | Self::MissingDeliveryId { .. }
            | Self::MalformedBody { .. }
            | Self::BodyRead { .. }
            | Self::MalformedHandshake => 400,
            Self::BodyTimeout { .. } => 408,
            Self::HandshakeRefused => 403,
            Self::BodyTooLarge { .. } => 413,
        }
    }

    /// A short machine-readable name of the failure, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MissingSignature { .. } => "missing_signature",
            Self::MalformedSignature { .. } => "malformed_signature",
            Self::NoMatchingSignature => "bad_signature",
            Self::MissingHeader { .. } => "missing_header",
            Self::RepeatedHeader { .. } => "repeated_header",
            Self::MalformedHeader { .. } => "malformed_header",
            Self::MalformedTimestamp => "malformed_timestamp",
            Self::TimestampTooOld { .. } => "timestamp_too_old",
            Self::TimestampInFuture { .. } => "timestamp_in_future",
            Self::MissingDeliveryId { .. } => "missing_delivery_id",
            Self::MalformedBody { .. } => "malformed_body",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::BodyRead { .. } => "body_read",
            Self::BodyTimeout { .. } => "body_timeout",
            Self::HandshakeRefused => "handshake_refused",
            Self::MalformedHandshake => "malformed_handshake",
        }
    }

    /// The RFC 9457 problem for this error. With `detailed` false (the safe default of
    /// both adapters) the `detail` is generic, so a caller learns nothing about which
    /// check failed; the precise reason is this error's `Display`, for `tracing`.
    pub fn problem(&self, detailed: bool) -> Problem {
        let status = self.status();
        let (kind, title, generic) = match status {
            401 => (
                "invalid-signature",
                "Webhook signature verification failed",
                "The request is not a valid signed webhook delivery.",
            ),
            413 => (
                "payload-too-large",
                "Payload too large",
                "The request body exceeds the size this endpoint accepts.",
            ),
            403 => (
                "handshake-refused",
                "Endpoint handshake refused",
                "The handshake does not carry this endpoint's verify token.",
            ),
            408 => (
                "request-timeout",
                "Request body timeout",
                "The request body did not arrive in time.",
            ),
            _ => (
                "malformed-request",
                "Malformed webhook request",
                "The request does not have the form this webhook endpoint expects.",
            ),
        };
        let detail = if detailed {
            self.to_string()
        } else {
            generic.to_owned()
        };
        Problem::new(status, kind, title, detail)
    }
}

/// An RFC 9457 `application/problem+json` response, framework-free.
///
/// ```
/// use webhook_gate::VerifyError;
/// use webhook_gate::error::Problem;
///
/// let problem = VerifyError::NoMatchingSignature.problem(false);
/// assert_eq!(problem.status, 401);
/// assert!(problem.to_json().starts_with(r#"{"type":"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The HTTP status.
    pub status: u16,
    /// The problem type URI.
    pub type_uri: String,
    /// A short summary, the same for every occurrence of the type.
    pub title: &'static str,
    /// An explanation of this occurrence.
    pub detail: String,
    /// Seconds after which a retry may succeed (`Retry-After`), where that applies.
    pub retry_after: Option<u32>,
}

/// The media type of a [`Problem`] body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The prefix of every problem type: a `tag:` URI (RFC 4151), which names the
/// problem without pointing at a host that anyone could register and serve.
/// [`Receiver::problem_type_base`](crate::receive::Receiver::problem_type_base)
/// replaces it with the address of your own problem pages.
pub const PROBLEM_TYPE_PREFIX: &str = "tag:webhook-gate,2026:problem/";

impl Problem {
    /// A problem of type `tag:webhook-gate,2026:problem/{kind}`.
    pub fn new(status: u16, kind: &str, title: &'static str, detail: String) -> Self {
        Self {
            status,
            type_uri: format!("{PROBLEM_TYPE_PREFIX}{kind}"),
            title,
            detail,
            retry_after: None,
        }
    }

    /// The same problem with its type under `base` instead of
    /// [`PROBLEM_TYPE_PREFIX`] (`https://example.com/problems/` gives
    /// `https://example.com/problems/invalid-signature`).
    #[must_use]
    pub fn with_type_base(mut self, base: &str) -> Self {
        if let Some(kind) = self.type_uri.strip_prefix(PROBLEM_TYPE_PREFIX) {
            self.type_uri = format!("{base}{kind}");
        }
        self
    }

    /// 409: the same delivery is being processed right now (the first copy has not
    /// finished). The provider retries later, and the retry is answered from the
    /// first copy's outcome.
    pub fn delivery_in_flight(retry_after: u32) -> Self {
        let mut problem = Self::new(
            409,
            "delivery-in-flight",
            "Delivery is being processed",
            "Another copy of this delivery is being processed; retry later.".to_owned(),
        );
        problem.retry_after = Some(retry_after);
        problem
    }

    /// 503: the delivery store could not be reached, so the delivery was not
    /// processed (fail closed); the provider's retry will be.
    pub fn store_unavailable(retry_after: u32) -> Self {
        let mut problem = Self::new(
            503,
            "store-unavailable",
            "Delivery store unavailable",
            "The delivery could not be recorded; retry later.".to_owned(),
        );
        problem.retry_after = Some(retry_after);
        problem
    }

    /// 503: the receiver holds as many body bytes as its budget allows; the
    /// delivery was not read and the provider's retry will be.
    pub fn busy(retry_after: u32) -> Self {
        let mut problem = Self::new(
            503,
            "busy",
            "Receiver busy",
            "Too many deliveries are being received right now; retry later.".to_owned(),
        );
        problem.retry_after = Some(retry_after);
        problem
    }

    /// 500: a handler asked for a verified delivery on a route that does not verify
    /// (the middleware is missing): nothing unverified is handed out.
    pub fn not_verified() -> Self {
        Self::new(
            500,
            "not-verified",
            "Webhook verification is not configured",
            "This endpoint cannot verify webhook deliveries.".to_owned(),
        )
    }

    /// 400: the verified body is not the JSON the handler expects.
    pub fn invalid_payload(reason: &impl std::fmt::Display) -> Self {
        Self::new(
            400,
            "invalid-payload",
            "Invalid webhook payload",
            format!("The payload is not the JSON this endpoint expects: {reason}."),
        )
    }

    /// The JSON body.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(192 + self.detail.len());
        out.push_str("{\"type\":");
        push_json_string(&mut out, &self.type_uri);
        out.push_str(",\"title\":");
        push_json_string(&mut out, self.title);
        let _ = write!(out, ",\"status\":{}", self.status);
        out.push_str(",\"detail\":");
        push_json_string(&mut out, &self.detail);
        out.push('}');
        out
    }
}

fn push_json_string(out: &mut String, value: &str) {
    // serde_json escapes exactly as JSON requires; a `&str` always serializes.
    out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_owned()));
}

/// A configuration that cannot work, reported when the scheme, verifier or signer is
/// built, never at request time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret was configured.
    #[error("at least one secret is required")]
    NoSecret,
    /// The public key is not one the scheme's algorithm can use (Ed25519: 32 bytes
    /// in hex or base64; P-256: base64 SPKI DER or a JWK; RSA: an X.509 certificate
    /// or an SPKI key).
    #[error("the public key is not a valid key for the scheme's algorithm")]
    InvalidPublicKey,
    /// The scheme needs a cargo feature this build does not have.
    #[error("the scheme needs the `{0}` feature of webhook-gate")]
    FeatureDisabled(&'static str),
    /// A secret is empty.
    #[error("a secret is empty")]
    EmptySecret,
    /// A Standard Webhooks secret is not base64 after its `whsec_` prefix.
    #[error("a Standard Webhooks secret must be base64 after the `whsec_` prefix")]
    SecretNotBase64,
    /// A header name is not a valid HTTP header name.
    #[error("`{0}` is not a valid header name")]
    InvalidHeaderName(String),
    /// The scheme lacks a part its signed content or format needs.
    #[error("scheme `{scheme}`: {reason}")]
    IncompleteScheme {
        /// The scheme's name.
        scheme: String,
        /// What is missing.
        reason: &'static str,
    },
    /// The tolerance window does not fit in a signed 64-bit count of seconds.
    #[error("the tolerance window is too large")]
    ToleranceTooLarge,
    /// The scheme needs a value the receiver configures (PayPal's `webhook_id`,
    /// Microsoft Graph's `app_id`), and none was given ([`VerifierBuilder::setting`](crate::verify::VerifierBuilder::setting)).
    #[error("the scheme needs the setting `{0}`: configure it")]
    MissingSetting(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(
            VerifyError::MissingSignature { header: "x".into() }.status(),
            401
        );
        assert_eq!(VerifyError::NoMatchingSignature.status(), 401);
        assert_eq!(
            VerifyError::TimestampTooOld {
                age: 301,
                tolerance: 300
            }
            .status(),
            401
        );
        assert_eq!(
            VerifyError::MalformedSignature { reason: "x" }.status(),
            400
        );
        assert_eq!(VerifyError::MalformedTimestamp.status(), 400);
        assert_eq!(VerifyError::BodyTooLarge { limit: 1 }.status(), 413);
    }

    #[test]
    fn generic_problem_hides_the_reason() {
        let problem = VerifyError::TimestampTooOld {
            age: 301,
            tolerance: 300,
        }
        .problem(false);
        assert_eq!(
            problem.to_json(),
            r#"{"type":"tag:webhook-gate,2026:problem/invalid-signature","title":"Webhook signature verification failed","status":401,"detail":"The request is not a valid signed webhook delivery."}"#
        );
        let detailed = VerifyError::NoMatchingSignature.problem(true);
        assert_eq!(detailed.detail, "no signature matches");
    }
}
