//! Verify signed webhook deliveries: sans-IO, framework-free, streaming.
//!
//! Every webhook provider signs its requests with HMAC-SHA256, each in its own
//! way: where the signature lives, how it is written, which bytes it covers, where
//! the timestamp comes from, how the secret becomes the key. A [`Scheme`] describes
//! one of them (presets for Standard Webhooks, GitHub, Stripe, Slack, Shopify and
//! more, or your own with [`Scheme::builder`]); a [`Verifier`] holds the scheme,
//! one or more secrets (rotation), a tolerance window and a clock.
//!
//! ```
//! use webhook_verify::{Delivery, FixedClock, Scheme, Verifier};
//!
//! // The Standard Webhooks specification's example.
//! let verifier = Verifier::builder(Scheme::standard_webhooks())
//!     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
//!     .clock(FixedClock(1614265330))
//!     .build()?;
//! let headers = [
//!     ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
//!     ("webhook-timestamp", "1614265330"),
//!     ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
//! ];
//! let body = br#"{"test": 2432232314}"#;
//!
//! // Headers first: a missing or stale signature is refused before the body is read.
//! let mut pending = verifier.begin(&headers[..])?;
//! pending.update(body); // as many chunks as the body arrives in
//! let verified = pending.finish()?;
//! match verified.delivery(body)? {
//!     Delivery::Event { delivery_id } => {
//!         assert_eq!(delivery_id.unwrap().as_str(), "msg_p5jXN8AQM9LWM0D4loKWxJek");
//!     }
//!     Delivery::Challenge(response) => println!("answer with {}", response.body()),
//!     _ => {}
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The adapters (`webhook-verify-tower` for tower and axum, `webhook-verify-actix` for
//! actix-web) run this for every request, answer challenges, and deduplicate
//! deliveries through a [`DeliveryStore`].

mod delivery;
mod diagnose;
mod error;
mod headers;
#[cfg(feature = "memory-store")]
mod memory_store;
mod receive;
mod scheme;
mod secret;
mod signature;
mod signer;
mod store;
mod verifier;

pub use delivery::{ChallengeResponse, Delivery, DeliveryId, MAX_CHALLENGE_BODY};
pub use diagnose::{Check, Diagnosis, Finding, Mistake, Reserialization, Step, diagnose};
pub use error::{ConfigError, PROBLEM_CONTENT_TYPE, Problem, VerifyError};
pub use headers::{HeaderLookup, HeaderSource};
#[cfg(feature = "memory-store")]
pub use memory_store::{DEFAULT_CAPACITY, MemoryStore, MemoryStoreBuilder};
pub use receive::{
    Admitted, BodyBuffer, ClaimGuard, ClaimedDelivery, DEFAULT_BODY_LIMIT,
    DEFAULT_IN_FLIGHT_RETRY_AFTER, DEFAULT_READ_TIMEOUT, DEFAULT_STORE_RETRY_AFTER,
    DUPLICATE_HEADER, DeliveryInfo, Outcome, Receiver, ReleaseFuture, Reply, StoreFailure,
};
pub use scheme::{
    Challenge, DeliveryIdSource, Encoding, HeaderKey, PRESET_NAMES, Scheme, SchemeBuilder,
    SignatureFormat, SignedContent, TimestampSource,
};
pub use secret::{Secret, SecretEncoding};
pub use signature::{MAX_SIGNATURE_HEADER_LEN, MAX_SIGNATURES};
pub use signer::{SignOptions, SignedHeaders, Signer};
pub use store::{Claim, ClaimToken, DEFAULT_DONE_TTL, DEFAULT_LEASE, DeliveryStore, StoreError};
pub use verifier::{
    Clock, DEFAULT_TOLERANCE, FixedClock, MAX_ID_LEN, PendingVerification, SystemClock, Verified,
    Verifier, VerifierBuilder,
};
