//! Signing requests the way a provider does, for receiver tests and demos.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};

use hmac::{Hmac, Mac};
use sha2::{Digest as _, Sha256};

use crate::error::ConfigError;
use crate::headers::{HeaderLookup, HeaderSource};
use crate::scheme::{Encoding, Scheme, SignatureFormat};
use crate::secret::Secret;
use crate::signature::{self, Digest};
use crate::verify::{Clock, SystemClock};

type HmacSha256 = Hmac<Sha256>;

/// Produces the exact headers a provider sends with a body.
///
/// ```
/// use webhook_gate::{Scheme, Signer, Verifier};
/// use webhook_gate::sign::SignOptions;
///
/// let signer = Signer::new(Scheme::stripe(), "whsec_test_secret").unwrap();
/// let body = br#"{"id":"evt_1","type":"charge.succeeded"}"#;
/// let headers = signer.sign(body, &SignOptions::new());
/// let verifier = Verifier::new(Scheme::stripe(), "whsec_test_secret").unwrap();
/// assert!(verifier.verify(&headers, body).is_ok());
/// ```
pub struct Signer {
    scheme: Scheme,
    keys: Vec<HmacSha256>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("scheme", &self.scheme.name())
            .field("secrets", &format_args!("[redacted; {}]", self.keys.len()))
            .finish()
    }
}

/// What to sign besides the body.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct SignOptions {
    timestamp: Option<i64>,
    id: Option<String>,
}

impl SignOptions {
    /// Now, and a fresh id where the scheme sends one.
    pub fn new() -> Self {
        Self::default()
    }

    /// Signs with this timestamp (unix seconds) instead of now.
    pub fn timestamp(mut self, unix_seconds: i64) -> Self {
        self.timestamp = Some(unix_seconds);
        self
    }

    /// Sends this message / delivery id (where the scheme has an id header).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// The headers of a signed request, in the order a provider sends them.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders(Vec<(String, String)>);

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Signature values stay out of logs; names are enough to see the shape.
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl SignedHeaders {
    /// The value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Replaces (or adds) a header, for tests that tamper with a request.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self
            .0
            .iter_mut()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    /// Removes a header.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(key, _)| !key.eq_ignore_ascii_case(name));
    }

    /// Iterates over name / value pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }
}

impl IntoIterator for SignedHeaders {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl HeaderSource for SignedHeaders {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        self.0.lookup(name)
    }
}

impl Signer {
    /// A signer for `scheme` with one secret.
    pub fn new(scheme: Scheme, secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        Self::with_secrets(scheme, [secret.into()])
    }

    /// A signer that signs with every secret, where the format carries several
    /// signatures (Stripe, DataFlow, Standard Webhooks), as a provider does while
    /// rotating. Single-signature formats use the first secret.
    pub fn with_secrets<I>(scheme: Scheme, secrets: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator,
        I::Item: Into<Secret>,
    {
        let keys =
            secrets
                .into_iter()
                .map(|secret| {
                    let key = scheme.secret_encoding.key(&secret.into())?;
                    Ok(HmacSha256::new_from_slice(key.expose())
                        .expect("HMAC takes keys of any length"))
                })
                .collect::<Result<Vec<_>, ConfigError>>()?;
        if keys.is_empty() {
            return Err(ConfigError::NoSecret);
        }
        Ok(Self { scheme, keys })
    }

    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The headers a provider sends with `body`.
    pub fn sign(&self, body: &[u8], options: &SignOptions) -> SignedHeaders {
        let timestamp = options
            .timestamp
            .unwrap_or_else(|| SystemClock.now_unix())
            .to_string();
        let id = options.id.clone().unwrap_or_else(|| generate_id(body));
        let signed_id = if self.scheme.signed_content.signs_id() {
            id.as_str()
        } else {
            ""
        };
        let digests: Vec<Digest> = self
            .keys
            .iter()
            .map(|key| {
                let mut mac = key.clone();
                self.scheme.signed_content.feed_prefix(
                    &mut mac,
                    timestamp.as_bytes(),
                    signed_id.as_bytes(),
                );
                mac.update(body);
                mac.finalize().into_bytes().into()
            })
            .collect();

        let signature_value = match &self.scheme.format {
            SignatureFormat::Single { prefix, encoding } => {
                format!("{prefix}{}", signature::encode(&digests[0], *encoding))
            }
            SignatureFormat::KeyValue {
                timestamp_key,
                signature_key,
            } => {
                let mut value = format!("{timestamp_key}={timestamp}");
                for digest in &digests {
                    let _ = write!(
                        value,
                        ",{signature_key}={}",
                        signature::encode(digest, Encoding::Hex)
                    );
                }
                value
            }
            SignatureFormat::VersionedList { version } => digests
                .iter()
                .map(|digest| format!("{version},{}", signature::encode(digest, Encoding::Base64)))
                .collect::<Vec<_>>()
                .join(" "),
        };

        let mut headers = Vec::with_capacity(4);
        if let Some(name) = &self.scheme.id_header {
            headers.push((name.display.to_string(), id.clone()));
        }
        if let Some(name) = self.scheme.delivery_id_header()
            && !headers
                .iter()
                .any(|(existing, _)| existing.eq_ignore_ascii_case(name))
        {
            headers.push((name.to_owned(), id.clone()));
        }
        if let Some((name, _)) = &self.scheme.timestamp_header {
            headers.push((name.display.to_string(), timestamp));
        }
        headers.push((
            self.scheme.signature_header.display.to_string(),
            signature_value,
        ));
        SignedHeaders(headers)
    }
}

/// An id unique to this process run: `msg_` and 24 hex digits.
fn generate_id(body: &[u8]) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = Sha256::new();
    hasher.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    hasher.update(std::process::id().to_le_bytes());
    hasher.update(SystemClock.now_unix().to_le_bytes());
    hasher.update(body);
    let digest: [u8; 32] = hasher.finalize().into();
    format!("msg_{}", &signature::encode(&digest, Encoding::Hex)[..24])
}
