//! Receive signed webhooks safely: verify the signature over the raw body, refuse
//! stale timestamps, answer the endpoint handshake, and process each delivery once.
//!
//! This is the sans-IO core: it decides everything and knows no HTTP framework.
//! `webhook-gate-tower` (tower and axum) and `webhook-gate-actix` (actix-web) run it
//! for every request; use it directly to verify outside a server, or to write an
//! adapter of your own.
//!
//! ```
//! use webhook_gate::{Preset, Verifier};
//! use webhook_gate::verify::FixedClock;
//!
//! // The Standard Webhooks specification's example.
//! let verifier = Verifier::builder(Preset::StandardWebhooks.scheme())
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
//! assert_eq!(verified.secret_index(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The modules
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`scheme`] | how a provider signs: [`Scheme`] and its builder |
//! | [`preset`] | the providers known by name: [`Preset`] |
//! | [`secret`] | [`Secret`] and how a secret becomes a key |
//! | [`verify`] | [`Verifier`], streaming verification, the clock |
//! | [`delivery`] | [`DeliveryId`] and where it comes from |
//! | [`challenge`] | endpoint handshakes and their answers |
//! | [`store`] | the [`DeliveryStore`] protocol and the in-memory [`MemoryStore`] |
//! | [`receive`] | the request pipeline every adapter runs: the API for a new adapter |
//! | [`headers`] | reading a framework's header map in place |
//! | [`sign`] | [`Signer`]: requests signed as a provider signs them, for tests |
//! | [`error`] | [`VerifyError`], [`ConfigError`] and RFC 9457 problem bodies |
//! | `diagnose` | (feature `diagnose`) why a captured request does not verify |
//!
//! # Features
//!
//! - `http` (default): [`headers::HeaderSource`] for `http::HeaderMap`.
//! - `memory-store` (default): [`MemoryStore`], on the `moka` cache.
//! - `testing`: `store::testing::run_contract`, the checks every [`DeliveryStore`]
//!   must pass; for a store's tests (a dev-dependency feature).
//! - `diagnose`: the `diagnose` module, for tools (the `webhook-gate` command turns
//!   it on). The adapters never call it: on the HTTP path it would tell a forger what
//!   to fix.
//! - `ed25519`, `p256`: Ed25519 (Discord) and ECDSA P-256 (SendGrid) signatures;
//!   the default build pulls no asymmetric crypto.
//! - `metrics`: every receiver counts its requests by outcome and times
//!   verification and handlers through the `metrics` facade
//!   ([`receive`](receive#metrics) names the series).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod challenge;
mod content;
mod crypto;
pub mod delivery;
#[cfg(feature = "diagnose")]
pub mod diagnose;
pub mod error;
pub mod headers;
mod jwt;
mod meter;
pub mod preset;
pub mod receive;
pub mod scheme;
pub mod secret;
pub mod sign;
mod signature;
pub mod store;
mod time;
pub mod verify;

pub use delivery::DeliveryId;
pub use error::{ConfigError, VerifyError};
pub use preset::Preset;
pub use scheme::Scheme;
pub use secret::Secret;
pub use sign::Signer;
pub use store::DeliveryStore;
#[cfg(feature = "memory-store")]
pub use store::MemoryStore;
pub use verify::Verifier;
