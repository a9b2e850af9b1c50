//! Secrets: the bytes an HMAC key is made of, zeroized on drop and never printed.
//!
//! A [`Secret`] is what the provider's dashboard shows: an HMAC secret, a shared
//! token, or (for public-key schemes) the provider's public key. [`SecretEncoding`]
//! says how a scheme turns it into a key (Standard Webhooks decodes the base64 after
//! `whsec_`; every other scheme uses the bytes as they are).
//!
//! ```
//! use webhook_gate::Secret;
//!
//! let secret = Secret::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
//! assert_eq!(format!("{secret:?}"), "Secret([redacted])");
//! ```

use std::fmt;

use base64::Engine as _;
use zeroize::Zeroizing;

use crate::error::ConfigError;

/// A webhook signing secret as the provider shows it, or the key bytes derived from it.
///
/// The bytes are zeroized when the value is dropped. `Debug` prints `"[redacted]"` and
/// there is no `Display`: a secret cannot reach a log line or an error message by
/// accident.
///
/// ```
/// use webhook_gate::Secret;
///
/// let secret = Secret::from("It's a Secret to Everybody");
/// assert_eq!(format!("{secret:?}"), "Secret([redacted])");
/// ```
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps raw secret bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Self(Zeroizing::new(bytes.into()))
    }

    /// The secret's bytes. Use them to build a key, never to print.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Whether the secret has no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::from_bytes(value.as_bytes())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::from_bytes(value.into_bytes())
    }
}

impl From<&[u8]> for Secret {
    fn from(value: &[u8]) -> Self {
        Self::from_bytes(value)
    }
}

impl From<Vec<u8>> for Secret {
    fn from(value: Vec<u8>) -> Self {
        Self::from_bytes(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// How the configured secret string becomes the HMAC key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SecretEncoding {
    /// The secret's bytes as given (for a string, its UTF-8 bytes). GitHub, Stripe
    /// (the whole `whsec_...` string), Slack, Shopify and the five provider guides.
    #[default]
    Raw,
    /// Standard Webhooks: an optional `whsec_` prefix is stripped and the rest is
    /// base64-decoded (standard alphabet, padding optional).
    StandardWebhooks,
}

impl SecretEncoding {
    /// Derives the HMAC key from a configured secret.
    pub fn key(self, secret: &Secret) -> Result<Secret, ConfigError> {
        if secret.is_empty() {
            return Err(ConfigError::EmptySecret);
        }
        match self {
            Self::Raw => Ok(secret.clone()),
            Self::StandardWebhooks => {
                let text = secret.expose();
                let encoded = text.strip_prefix(b"whsec_").unwrap_or(text);
                let trimmed: &[u8] = match encoded.iter().rposition(|&b| b != b'=') {
                    Some(last) => &encoded[..=last],
                    None => &[],
                };
                let key = base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(trimmed)
                    .map(Zeroizing::new)
                    .map_err(|_| ConfigError::SecretNotBase64)?;
                if key.is_empty() {
                    return Err(ConfigError::EmptySecret);
                }
                Ok(Secret(key))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::from("hunter2-very-secret");
        let printed = format!("{secret:?} {:?}", SecretEncoding::Raw);
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn standard_webhooks_key_is_base64_after_prefix() {
        // "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" is the Standard Webhooks spec example secret.
        let key = SecretEncoding::StandardWebhooks
            .key(&Secret::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
            .unwrap();
        assert_eq!(key.expose().len(), 24);
        assert_eq!(&key.expose()[..3], &[0x31, 0xf2, 0x90]);
        let without_prefix = SecretEncoding::StandardWebhooks
            .key(&Secret::from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
            .unwrap();
        assert_eq!(key.expose(), without_prefix.expose());
    }

    #[test]
    fn standard_webhooks_rejects_non_base64_and_empty() {
        assert!(matches!(
            SecretEncoding::StandardWebhooks.key(&Secret::from("whsec_not base64!")),
            Err(ConfigError::SecretNotBase64)
        ));
        assert!(matches!(
            SecretEncoding::StandardWebhooks.key(&Secret::from("whsec_")),
            Err(ConfigError::EmptySecret)
        ));
        assert!(matches!(
            SecretEncoding::Raw.key(&Secret::from("")),
            Err(ConfigError::EmptySecret)
        ));
    }
}
