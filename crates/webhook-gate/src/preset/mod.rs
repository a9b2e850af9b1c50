//! The providers this crate knows by name.
//!
//! A [`Preset`] is a provider's signature scheme, described with the same
//! [`SchemeBuilder`] (and the same checks) as a scheme of your own. Take it as it
//! is with [`Preset::scheme`], or adjust it with [`Preset::builder`].
//!
//! ```
//! use webhook_gate::Preset;
//! use webhook_gate::delivery::DeliveryIdSource;
//!
//! // By name, as in a configuration file or on the command line.
//! let preset: Preset = "github".parse()?;
//! assert_eq!(preset, Preset::GitHub);
//! assert_eq!(preset.scheme().signature_header(), "X-Hub-Signature-256");
//!
//! // The same provider, deduplicating by a JSON field of the body instead.
//! let scheme = Preset::GitHub
//!     .builder()
//!     .delivery_id(DeliveryIdSource::JsonField("delivery".into()))
//!     .build()?;
//! assert_eq!(scheme.name(), "github");
//!
//! for preset in Preset::ALL {
//!     println!("{preset}: {}", preset.scheme().signature_header());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod sample;

use std::fmt;
use std::str::FromStr;

use crate::challenge::Challenge;
use crate::delivery::DeliveryIdSource;
use crate::scheme::{
    Encoding, Scheme, SchemeBuilder, SignatureFormat, SignedContent, TimestampSource,
};
use crate::secret::SecretEncoding;

pub use sample::Sample;

/// A provider's signature scheme, known by name.
///
/// Its [`name`](Self::name) is what [`FromStr`] accepts, what the `webhook-gate`
/// command's `--scheme` takes, and the scheme's [`Scheme::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// Sentimatrix Studio: `X-Signature-256: sha256=<hex>` over the body, an
    /// optional `X-Timestamp` (unix seconds) that is **not signed**,
    /// `X-Delivery-ID`.
    ///
    /// Because neither the timestamp nor the id is signed, an attacker who captured
    /// a delivery can resend it with a fresh `X-Timestamp` and a new id: the window
    /// does not stop that, the receiver's dedupe on the signature does (for as long
    /// as the store remembers it).
    Sentimatrix,
    /// AI Social Media Platform: `X-Webhook-Signature: sha256=<hex>` over the
    /// body. No timestamp and no delivery id: deliveries are deduplicated by
    /// signature fingerprint.
    SocialMediaPlatform,
    /// DataFlow: `X-DataFlow-Signature: t=<unix>,v1=<hex>` over `{t}.{body}`; the
    /// body's `id` identifies the delivery.
    DataFlow,
    /// Proposal Generator: `X-Webhook-Signature: <hex>` over the body; the signed
    /// `{"type":"webhook.verify","challenge":C}` is answered with
    /// `{"challenge":C}`; the body's `id` identifies the delivery.
    ProposalGenerator,
    /// DcisionAI: `X-DcisionAI-Signature: <hex>` over `{ts}.{body}`, with the
    /// timestamp in `X-DcisionAI-Timestamp`. No delivery id: deduplicated by
    /// signature fingerprint.
    DcisionAi,
    /// Standard Webhooks: `webhook-signature: v1,<base64> [v1,<base64> ...]` over
    /// `{webhook-id}.{webhook-timestamp}.{body}`, key = the secret after `whsec_`,
    /// base64-decoded; `webhook-id` identifies the delivery.
    StandardWebhooks,
    /// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body;
    /// `X-GitHub-Delivery` identifies the delivery. (The legacy SHA-1
    /// `X-Hub-Signature` is not accepted.)
    GitHub,
    /// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=...][,v0=...]` over
    /// `{t}.{body}`, key = the whole `whsec_...` string; the event's `id`
    /// identifies the delivery.
    Stripe,
    /// Slack: `X-Slack-Signature: v0=<hex>` over `v0:{ts}:{body}`, with the
    /// timestamp in `X-Slack-Request-Timestamp`; the signed `url_verification`
    /// challenge is answered. No delivery id header: deduplicated by signature
    /// fingerprint.
    Slack,
    /// Shopify: `X-Shopify-Hmac-Sha256: <base64>` over the body;
    /// `X-Shopify-Webhook-Id` identifies the delivery.
    Shopify,
}

impl Preset {
    /// Every preset, in the order the documentation lists them.
    pub const ALL: &'static [Preset] = &[
        Self::Sentimatrix,
        Self::SocialMediaPlatform,
        Self::DataFlow,
        Self::ProposalGenerator,
        Self::DcisionAi,
        Self::StandardWebhooks,
        Self::GitHub,
        Self::Stripe,
        Self::Slack,
        Self::Shopify,
    ];

    /// The preset's short name: `github`, `stripe`, `standard`, ...
    pub fn name(self) -> &'static str {
        match self {
            Self::Sentimatrix => "sentimatrix",
            Self::SocialMediaPlatform => "social",
            Self::DataFlow => "dataflow",
            Self::ProposalGenerator => "proposals",
            Self::DcisionAi => "dcisionai",
            Self::StandardWebhooks => "standard",
            Self::GitHub => "github",
            Self::Stripe => "stripe",
            Self::Slack => "slack",
            Self::Shopify => "shopify",
        }
    }

    /// The provider's scheme.
    pub fn scheme(self) -> Scheme {
        self.builder()
            .build()
            .expect("every preset is a complete scheme (tested)")
    }

    /// The provider's scheme as a builder, to adjust before [`SchemeBuilder::build`]
    /// (another delivery id source, say).
    pub fn builder(self) -> SchemeBuilder {
        let builder = Scheme::builder(self.name());
        match self {
            Self::Sentimatrix => builder
                .signature_header("X-Signature-256")
                .format(SignatureFormat::sha256_hex())
                .timestamp(TimestampSource::Header {
                    name: "X-Timestamp".into(),
                    required: false,
                })
                .delivery_id(DeliveryIdSource::Header("X-Delivery-ID".into())),
            Self::SocialMediaPlatform => builder
                .signature_header("X-Webhook-Signature")
                .format(SignatureFormat::sha256_hex())
                .delivery_id(DeliveryIdSource::SignatureFingerprint),
            Self::DataFlow => timestamped_v1(builder, "X-DataFlow-Signature"),
            Self::ProposalGenerator => builder
                .signature_header("X-Webhook-Signature")
                .format(SignatureFormat::prefixed("", Encoding::Hex))
                .delivery_id(DeliveryIdSource::JsonField("id".into()))
                .challenge(Challenge::proposal_generator()),
            Self::DcisionAi => builder
                .signature_header("X-DcisionAI-Signature")
                .format(SignatureFormat::prefixed("", Encoding::Hex))
                .signed_content(SignedContent::TIMESTAMP_DOT_BODY)
                .timestamp(TimestampSource::Header {
                    name: "X-DcisionAI-Timestamp".into(),
                    required: true,
                })
                .delivery_id(DeliveryIdSource::SignatureFingerprint),
            Self::StandardWebhooks => builder
                .signature_header("webhook-signature")
                .format(SignatureFormat::standard_webhooks())
                .signed_content(SignedContent::ID_DOT_TIMESTAMP_DOT_BODY)
                .id_header("webhook-id")
                .timestamp(TimestampSource::Header {
                    name: "webhook-timestamp".into(),
                    required: true,
                })
                .secret_encoding(SecretEncoding::StandardWebhooks)
                .delivery_id(DeliveryIdSource::Header("webhook-id".into())),
            Self::GitHub => builder
                .signature_header("X-Hub-Signature-256")
                .format(SignatureFormat::sha256_hex())
                .delivery_id(DeliveryIdSource::Header("X-GitHub-Delivery".into())),
            Self::Stripe => timestamped_v1(builder, "Stripe-Signature"),
            Self::Slack => builder
                .signature_header("X-Slack-Signature")
                .format(SignatureFormat::prefixed("v0=", Encoding::Hex))
                .signed_content(SignedContent::SLACK_V0)
                .timestamp(TimestampSource::Header {
                    name: "X-Slack-Request-Timestamp".into(),
                    required: true,
                })
                .delivery_id(DeliveryIdSource::SignatureFingerprint)
                .challenge(Challenge::slack_url_verification()),
            Self::Shopify => builder
                .signature_header("X-Shopify-Hmac-Sha256")
                .format(SignatureFormat::prefixed("", Encoding::Base64))
                .delivery_id(DeliveryIdSource::Header("X-Shopify-Webhook-Id".into())),
        }
    }
}

/// `t=<unix>,v1=<hex>` over `{t}.{body}`, the event's `id` as delivery id (Stripe,
/// DataFlow).
fn timestamped_v1(builder: SchemeBuilder, header: &'static str) -> SchemeBuilder {
    builder
        .signature_header(header)
        .format(SignatureFormat::timestamped_v1())
        .signed_content(SignedContent::TIMESTAMP_DOT_BODY)
        .timestamp(TimestampSource::SignatureHeader)
        .delivery_id(DeliveryIdSource::JsonField("id".into()))
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a [`Preset`] from a name that is none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown preset {name:?}; the presets are {}", Preset::ALL.iter().map(|p| p.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownPreset {
    name: String,
}

impl FromStr for Preset {
    type Err = UnknownPreset;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|preset| preset.name() == name)
            .ok_or_else(|| UnknownPreset {
                name: name.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_builds_and_parses_back_from_its_name() {
        for &preset in Preset::ALL {
            let scheme = preset.scheme();
            assert_eq!(scheme.name(), preset.name());
            assert_eq!(preset.name().parse::<Preset>(), Ok(preset));
        }
        assert!("nope".parse::<Preset>().is_err());
        assert_eq!(
            "GitHub".parse::<Preset>().unwrap_err().to_string(),
            "unknown preset \"GitHub\"; the presets are sentimatrix, social, dataflow, \
             proposals, dcisionai, standard, github, stripe, slack, shopify"
        );
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Preset::ALL.iter().map(|preset| preset.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Preset::ALL.len());
    }
}
