//! Signing requests the way a provider does, for receiver tests and demos.
//!
//! A [`Signer`] produces the headers a provider sends with a body, through the
//! verifier's own template code, so a test of a receiver can send exactly what the
//! provider would: every algorithm (public-key schemes sign with the private key),
//! the timestamp in the scheme's format, the delivery id, the URL where it is signed.
//!
//! ```
//! use webhook_gate::sign::SignOptions;
//! use webhook_gate::{Preset, Signer};
//!
//! let signer = Signer::new(Preset::Twitch.scheme(), "eventsub-secret")?;
//! let headers = signer.sign(b"{}", &SignOptions::new().timestamp(1_700_000_000).id("msg-1"));
//! assert_eq!(headers.get("Twitch-Eventsub-Message-Timestamp"), Some("2023-11-14T22:13:20Z"));
//! assert!(headers.get("Twitch-Eventsub-Message-Signature").unwrap().starts_with("sha256="));
//! # Ok::<(), webhook_gate::ConfigError>(())
//! ```

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::challenge::Challenge;
use crate::content::{self, HeadValues};
use crate::crypto::{Finished, Key, Running};
use crate::error::ConfigError;
use crate::headers::{HeaderLookup, HeaderSource};
use crate::scheme::{Algorithm, BodyValue, Encoding, Scheme, SignatureFormat, TimestampFormat};
use crate::secret::Secret;
use crate::signature;
use crate::verify::{Clock, SystemClock};

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
    keys: Vec<SigningKey>,
}

/// What signs: the verifier's key for HMACs, the private key for public-key
/// schemes, the token itself for token schemes.
enum SigningKey {
    Mac(Key),
    #[cfg(feature = "ed25519")]
    Ed25519(ed25519_dalek::SigningKey),
    /// The key, and its id when given as a JWK (`kid`, written into a JWT).
    #[cfg(feature = "p256")]
    P256(p256::ecdsa::SigningKey, Option<String>),
    #[cfg(feature = "rsa")]
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
    Token(Secret),
}

impl SigningKey {
    /// For public-key schemes `secret` is the private key: Ed25519's 32-byte seed
    /// (hex or base64), P-256's 32-byte scalar (hex), PKCS#8 DER (base64) or JWK
    /// (with `d`, and the `kid` a JWT names), RSA's PKCS#8 or PKCS#1 key (PEM).
    fn new(scheme: &Scheme, secret: &Secret) -> Result<Self, ConfigError> {
        Ok(match scheme.algorithm {
            Algorithm::Token => Self::Token(secret.clone()),
            #[cfg(feature = "ed25519")]
            Algorithm::Ed25519 => {
                let bytes = decode_text(secret.expose())
                    .map(zeroize::Zeroizing::new)
                    .ok_or(ConfigError::InvalidPublicKey)?;
                let seed = zeroize::Zeroizing::new(
                    <[u8; 32]>::try_from(bytes.as_slice())
                        .map_err(|_| ConfigError::InvalidPublicKey)?,
                );
                Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            #[cfg(feature = "p256")]
            Algorithm::EcdsaP256Sha256 => {
                use p256::pkcs8::DecodePrivateKey as _;
                if let Ok(serde_json::Value::Object(mut jwk)) =
                    serde_json::from_slice::<serde_json::Value>(secret.expose())
                {
                    // The private scalar's copies are wiped when dropped.
                    let d = match jwk.remove("d") {
                        Some(serde_json::Value::String(d)) => zeroize::Zeroizing::new(d),
                        _ => return Err(ConfigError::InvalidPublicKey),
                    };
                    let scalar = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(d.as_bytes())
                        .map(zeroize::Zeroizing::new)
                        .map_err(|_| ConfigError::InvalidPublicKey)?;
                    let key = p256::ecdsa::SigningKey::from_slice(&scalar)
                        .map_err(|_| ConfigError::InvalidPublicKey)?;
                    let kid = jwk
                        .get("kid")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned);
                    return Ok(Self::P256(key, kid));
                }
                let bytes = decode_text(secret.expose())
                    .map(zeroize::Zeroizing::new)
                    .ok_or(ConfigError::InvalidPublicKey)?;
                let key = if bytes.len() == 32 {
                    p256::ecdsa::SigningKey::from_slice(&bytes)
                        .map_err(|_| ConfigError::InvalidPublicKey)?
                } else {
                    p256::ecdsa::SigningKey::from_pkcs8_der(&bytes)
                        .map_err(|_| ConfigError::InvalidPublicKey)?
                };
                Self::P256(key, None)
            }
            #[cfg(feature = "rsa")]
            Algorithm::RsaPkcs1Sha256 => {
                use rsa::pkcs1::DecodeRsaPrivateKey as _;
                use rsa::pkcs8::DecodePrivateKey as _;
                let text = std::str::from_utf8(secret.expose())
                    .map_err(|_| ConfigError::InvalidPublicKey)?
                    .trim();
                let key = rsa::RsaPrivateKey::from_pkcs8_pem(text)
                    .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(text))
                    .map_err(|_| ConfigError::InvalidPublicKey)?;
                Self::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key)))
            }
            _ => Self::Mac(crate::verify::key_of(scheme, secret)?),
        })
    }

    fn start(&self) -> Running {
        match self {
            Self::Mac(key) => key.start(),
            #[cfg(feature = "ed25519")]
            Self::Ed25519(_) => Running::Message(Vec::new()),
            #[cfg(feature = "p256")]
            Self::P256(..) => Running::Message(Vec::new()),
            #[cfg(feature = "rsa")]
            Self::Rsa(_) => Running::Message(Vec::new()),
            Self::Token(_) => Running::Token,
        }
    }

    /// The signature over what `running` was fed.
    fn sign(&self, running: Running) -> Vec<u8> {
        match (self, running.finish()) {
            (Self::Mac(_), Finished::Tag(tag)) => tag.as_slice().to_vec(),
            #[cfg(feature = "ed25519")]
            (Self::Ed25519(key), Finished::Message(message)) => {
                use ed25519_dalek::Signer as _;
                key.sign(&message).to_bytes().to_vec()
            }
            #[cfg(feature = "p256")]
            (Self::P256(key, _), Finished::Message(message)) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(&message);
                signature.to_der().as_bytes().to_vec()
            }
            #[cfg(feature = "rsa")]
            (Self::Rsa(key), Finished::Message(message)) => {
                use rsa::signature::{SignatureEncoding as _, Signer as _};
                key.sign(&message).to_vec()
            }
            (Self::Token(token), _) => token.expose().to_vec(),
            _ => Vec::new(),
        }
    }

    /// A compact JWS of `claims` under this key (the JWS signature is `r || s` for
    /// ECDSA), naming the key's id.
    #[cfg_attr(not(any(feature = "p256", feature = "rsa")), allow(unused_variables))]
    fn sign_jwt(&self, claims: &serde_json::Value) -> Option<String> {
        match self {
            // RS256, named by the key's JWK thumbprint (RFC 7638).
            #[cfg(feature = "rsa")]
            Self::Rsa(key) => {
                use rsa::signature::{SignatureEncoding as _, Signer as _};
                use rsa::traits::PublicKeyParts as _;
                let public = rsa::RsaPrivateKey::to_public_key((**key).as_ref());
                let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
                let thumbprint = Sha256::digest(format!(
                    r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                    engine.encode(public.e().to_bytes_be()),
                    engine.encode(public.n().to_bytes_be())
                ));
                let header = serde_json::json!({
                    "typ": "JWT",
                    "alg": "RS256",
                    "kid": engine.encode(thumbprint),
                });
                Some(crate::jwt::encode(&header, claims, |input| {
                    key.sign(input).to_vec()
                }))
            }
            #[cfg(feature = "p256")]
            Self::P256(key, kid) => {
                use p256::ecdsa::signature::Signer as _;
                let mut header = serde_json::json!({ "alg": "ES256" });
                if let Some(kid) = kid {
                    header["kid"] = serde_json::Value::from(kid.as_str());
                }
                header["typ"] = serde_json::Value::from("JWT");
                Some(crate::jwt::encode(&header, claims, |input| {
                    let signature: p256::ecdsa::Signature = key.sign(input);
                    signature.to_bytes().to_vec()
                }))
            }
            _ => None,
        }
    }
}

/// Hex, or base64 (standard or URL-safe).
#[cfg(any(feature = "ed25519", feature = "p256"))]
fn decode_text(text: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(text).ok()?.trim();
    if text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return (0..text.len() / 2)
            .map(|index| u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok())
            .collect();
    }
    let trimmed = text.trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed))
        .ok()
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
    method: Option<String>,
    url: Option<String>,
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

    /// The request method, for schemes that sign it. Default `POST`.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// The full URL the request is sent to, for schemes that sign it
    /// (`https://api.example.com/webhooks/twilio?a=1`).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
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
        let keys = secrets
            .into_iter()
            .map(|secret| SigningKey::new(&scheme, &secret.into()))
            .collect::<Result<Vec<_>, ConfigError>>()?;
        if keys.is_empty() {
            return Err(ConfigError::NoSecret);
        }
        Ok(Self { scheme, keys })
    }

    /// The value of a setting the scheme signs (PayPal's `webhook_id`; see
    /// [`VerifierBuilder::setting`](crate::verify::VerifierBuilder::setting)). A
    /// signer without it signs nothing in its place.
    #[must_use]
    pub fn setting(mut self, name: &str, value: impl Into<String>) -> Self {
        self.scheme = self.scheme.with_setting(name, &value.into());
        self
    }

    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The headers a provider sends with `body`.
    ///
    /// Schemes that sign the URL need [`SignOptions::url`]; without it they sign
    /// `https://localhost/`. Panics never; a scheme whose signed content cannot be
    /// made (a JSON field missing from `body`) signs what it can, and the verifier
    /// refuses it.
    pub fn sign(&self, body: &[u8], options: &SignOptions) -> SignedHeaders {
        SignedHeaders(self.sign_parts(body, options).0)
    }

    /// The timestamp as the scheme writes it.
    fn timestamp_text(&self, options: &SignOptions) -> String {
        let unix = options.timestamp.unwrap_or_else(|| SystemClock.now_unix());
        match self.scheme.timestamp_format {
            TimestampFormat::UnixSeconds => unix.to_string(),
            TimestampFormat::UnixMillis => (unix * 1000).to_string(),
            TimestampFormat::Rfc3339 => crate::time::format_rfc3339(unix),
        }
    }

    /// The headers, and each key's signature.
    fn sign_parts(
        &self,
        body: &[u8],
        options: &SignOptions,
    ) -> (Vec<(String, String)>, Vec<Vec<u8>>) {
        let scheme = &self.scheme;
        let timestamp = self.timestamp_text(options);
        let id = options.id.clone().unwrap_or_else(|| generate_id(body));
        let method = options.method.as_deref().unwrap_or("POST");
        let url = options.url.as_deref().unwrap_or("https://localhost/");
        let target = target_of(url);

        let mut headers = Vec::with_capacity(4);
        if let Some(name) = &scheme.id_header {
            headers.push((name.display.to_string(), id.clone()));
        }
        if let Some(name) = scheme.delivery_id_header()
            && !headers
                .iter()
                .any(|(existing, _)| existing.eq_ignore_ascii_case(name))
        {
            headers.push((name.to_owned(), id.clone()));
        }
        if let Some((name, _)) = &scheme.timestamp_header {
            headers.push((name.display.to_string(), timestamp.clone()));
        }
        // A signed header the signer writes nothing else into carries the timestamp
        // (SendGrid's and Zoom's timestamp headers, signed but not judged).
        for part in &scheme.parts {
            if let crate::scheme::ResolvedPart::Header(name) = part
                && !headers
                    .iter()
                    .any(|(existing, _)| existing.eq_ignore_ascii_case(&name.display))
            {
                headers.push((name.display.to_string(), timestamp.clone()));
            }
        }

        if let SignatureFormat::Jwt { body_sha256_claim } = &scheme.format {
            // Plaid's: the token's claims carry the time and the body's digest.
            let unix = options.timestamp.unwrap_or_else(|| SystemClock.now_unix());
            let mut claims = serde_json::json!({ "iat": unix });
            claims[body_sha256_claim.as_ref()] =
                serde_json::Value::from(signature::encode(&Sha256::digest(body), Encoding::Hex));
            let tokens: Vec<String> = self
                .keys
                .iter()
                .filter_map(|key| key.sign_jwt(&claims))
                .collect();
            if let (Some(name), Some(token)) = (&scheme.signature_header, tokens.first()) {
                headers.push((name.display.to_string(), token.clone()));
            }
            return (
                headers,
                tokens.into_iter().map(String::into_bytes).collect(),
            );
        }

        let bound_by_url = scheme
            .body_digest_param
            .as_ref()
            .is_some_and(|param| content::query_param(target, param).is_some());
        let signatures: Vec<Vec<u8>> = self
            .keys
            .iter()
            .map(|key| {
                let mut running = key.start();
                let values = HeadValues {
                    method: Some(method),
                    target: Some(target),
                    url: Some(url.into()),
                    timestamp: timestamp.as_bytes(),
                    id: id.as_bytes(),
                    signing_input: &[],
                };
                let Ok(split) = content::start(
                    scheme,
                    &values,
                    &headers,
                    |bytes| running.update(bytes),
                    bound_by_url,
                ) else {
                    return Vec::new();
                };
                let mut whole = split.body;
                match &mut whole {
                    content::BodyPart::Stream => running.update(body),
                    content::BodyPart::Sha256Hex(hash) => hash.update(body),
                    content::BodyPart::Crc32(checksum) => checksum.update(body),
                    _ => {}
                }
                running.update(&content::finish_body(whole, body).unwrap_or_default());
                running.update(&split.suffix);
                key.sign(running)
            })
            .collect();

        if let Some(name) = &scheme.signature_header {
            let signature_value = signature_header_value(&scheme.format, &signatures, &timestamp);
            headers.push((name.display.to_string(), signature_value));
        }
        (headers, signatures)
    }

    /// The URL a provider calls with `body`: `url` itself, or, for a scheme that
    /// binds a body it does not sign as form fields through a digest in the URL
    /// (Twilio's JSON requests, `bodySHA256`), `url` with the body's SHA-256 (hex)
    /// added when `body` is JSON and `url` does not carry it yet. Sign with this URL
    /// and send to it.
    ///
    /// ```
    /// use webhook_gate::{Preset, Signer};
    ///
    /// let signer = Signer::new(Preset::Twilio.scheme(), "auth-token")?;
    /// let url = signer.url_for("https://example.com/hook?a=1", b"{}");
    /// assert_eq!(
    ///     url,
    ///     "https://example.com/hook?a=1&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    /// );
    /// assert_eq!(signer.url_for("https://example.com/hook", b"To=%2B1"), "https://example.com/hook");
    /// # Ok::<(), webhook_gate::ConfigError>(())
    /// ```
    pub fn url_for<'u>(&self, url: &'u str, body: &[u8]) -> std::borrow::Cow<'u, str> {
        let Some(param) = self.scheme.body_digest_param() else {
            return url.into();
        };
        if content::query_param(target_of(url), param).is_some()
            || serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err()
        {
            return url.into();
        }
        let digest = signature::encode(&Sha256::digest(body), Encoding::Hex);
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}{param}={digest}").into()
    }

    /// The body as the provider sends it, for schemes that carry their token or
    /// signature in the body; other schemes' bodies come back unchanged, as do
    /// bodies that are not JSON objects.
    ///
    /// - A token in every item of an array ([`SignatureFormat::BodyToken`],
    ///   Microsoft Graph's `clientState`): the first secret written into the field
    ///   of every item.
    /// - A signature in the body ([`SignatureFormat::BodyField`], Mailgun's): the
    ///   timestamp (of `options`, as a string), and each other signed value the body
    ///   lacks (the id of `options`, or a fresh one: Mailgun's `token`), then the
    ///   first secret's signature, each written at its JSON Pointer.
    ///
    /// Sign the headers of the returned body with the same `options`.
    ///
    /// ```
    /// use webhook_gate::sign::SignOptions;
    /// use webhook_gate::{Preset, Signer};
    ///
    /// let signer = Signer::new(Preset::MicrosoftGraph.scheme(), "client-state-1")?;
    /// let body = signer.sign_body(br#"{"value":[{"changeType":"created"}]}"#, &SignOptions::new());
    /// assert_eq!(body, br#"{"value":[{"changeType":"created","clientState":"client-state-1"}]}"#);
    ///
    /// let signer = Signer::new(Preset::Mailgun.scheme(), "key-3ax6xnjp29jd6fds4gc373sgvjxteol0")?;
    /// let options = SignOptions::new()
    ///     .timestamp(1_403_645_220)
    ///     .id("5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6");
    /// let body = signer.sign_body(br#"{"event-data":{"id":"CCXMjJ7nQi2N3BPigGOdgQ"}}"#, &options);
    /// let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    /// // Mailgun's own test vector (mailgun-php `WebhookTest`).
    /// assert_eq!(
    ///     body["signature"]["signature"],
    ///     "9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33"
    /// );
    /// # Ok::<(), webhook_gate::ConfigError>(())
    /// ```
    pub fn sign_body(&self, body: &[u8], options: &SignOptions) -> Vec<u8> {
        match &self.scheme.format {
            SignatureFormat::BodyToken { .. } => self.embed_token(body),
            SignatureFormat::BodyField { pointer, encoding } => {
                self.embed_signature(body, options, pointer, *encoding)
            }
            SignatureFormat::GraphValidationTokens { app_id } => {
                self.embed_graph_tokens(body, options, app_id.as_deref().unwrap_or_default())
            }
            _ => body.to_vec(),
        }
    }

    /// Microsoft Graph's `validationTokens`: one token per tenant of the items, for
    /// the app `app_id`, issued at the timestamp and living for the scheme's window.
    fn embed_graph_tokens(&self, body: &[u8], options: &SignOptions, app_id: &str) -> Vec<u8> {
        let Ok(mut value @ serde_json::Value::Object(_)) =
            serde_json::from_slice::<serde_json::Value>(body)
        else {
            return body.to_vec();
        };
        let Some(key) = self.keys.first() else {
            return body.to_vec();
        };
        let mut tenants: Vec<&str> = Vec::new();
        for item in value
            .get("value")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(tenant) = item.get("tenantId").and_then(serde_json::Value::as_str)
                && !tenants.contains(&tenant)
            {
                tenants.push(tenant);
            }
        }
        let issued = options.timestamp.unwrap_or_else(|| SystemClock.now_unix());
        let lifetime = i64::try_from(self.scheme.tolerance.as_secs()).unwrap_or(i64::MAX);
        let tokens: Vec<serde_json::Value> = tenants
            .iter()
            .filter_map(|tenant| {
                let claims = serde_json::json!({
                    "aud": app_id,
                    "iss": crate::jwt::graph_issuer(tenant),
                    "iat": issued,
                    "nbf": issued,
                    "exp": issued.saturating_add(lifetime),
                    "appid": crate::jwt::GRAPH_PUBLISHER_APP_ID,
                    "appidacr": "2",
                    "tid": tenant,
                    "ver": "1.0",
                });
                key.sign_jwt(&claims).map(serde_json::Value::from)
            })
            .collect();
        value[crate::jwt::GRAPH_TOKENS] = serde_json::Value::Array(tokens);
        serde_json::to_vec(&value).unwrap_or_else(|_| body.to_vec())
    }

    /// The signature, and the signed values the body lacks, written into it.
    fn embed_signature(
        &self,
        body: &[u8],
        options: &SignOptions,
        pointer: &str,
        encoding: Encoding,
    ) -> Vec<u8> {
        let Ok(mut value @ serde_json::Value::Object(_)) =
            serde_json::from_slice::<serde_json::Value>(body)
        else {
            return body.to_vec();
        };
        let timestamp = self.scheme.timestamp_in_body.as_ref();
        if let Some(at) = timestamp {
            set_value(&mut value, at, self.timestamp_text(options));
        }
        let id = options.id.clone().unwrap_or_else(|| generate_id(body));
        for part in &self.scheme.parts {
            let at = match part {
                crate::scheme::ResolvedPart::JsonField(field) => BodyValue::Field(field.clone()),
                crate::scheme::ResolvedPart::JsonPointer(at) => BodyValue::Pointer(at.clone()),
                _ => continue,
            };
            if Some(&at) != timestamp && lookup(&value, &at).is_none() {
                set_value(&mut value, &at, id.clone());
            }
        }
        let Ok(unsigned) = serde_json::to_vec(&value) else {
            return body.to_vec();
        };
        let (_, signatures) = self.sign_parts(&unsigned, options);
        let Some(signature) = signatures.first() else {
            return unsigned;
        };
        let at = BodyValue::Pointer(pointer.to_owned().into());
        set_value(&mut value, &at, signature::encode(signature, encoding));
        serde_json::to_vec(&value).unwrap_or(unsigned)
    }

    /// The first secret in the field of every item of the array.
    fn embed_token(&self, body: &[u8]) -> Vec<u8> {
        let (SignatureFormat::BodyToken { array, field }, Some(SigningKey::Token(token))) =
            (&self.scheme.format, self.keys.first())
        else {
            return body.to_vec();
        };
        let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return body.to_vec();
        };
        let Some(items) = value
            .get_mut(array.as_ref())
            .and_then(serde_json::Value::as_array_mut)
        else {
            return body.to_vec();
        };
        let token = String::from_utf8_lossy(token.expose()).into_owned();
        for item in items
            .iter_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            item.insert(field.to_string(), serde_json::Value::String(token.clone()));
        }
        serde_json::to_vec(&value).unwrap_or_else(|_| body.to_vec())
    }
}

/// A request as a provider sends it: a handshake ([`Signer::handshake`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProviderRequest {
    /// The method, upper case (`POST`, `GET`).
    pub method: Cow<'static, str>,
    /// What follows the endpoint's path: `?challenge=...`, or nothing.
    pub query: String,
    /// The headers, signed ones included.
    pub headers: SignedHeaders,
    /// The body (empty for a GET).
    pub body: Vec<u8>,
}

impl Signer {
    /// The scheme's endpoint handshake as its provider sends it, carrying `value`:
    /// the challenge to echo, or, for a handshake that hands a secret over (Asana,
    /// Notion), that secret. `verify_token` is sent where the provider sends one
    /// (Meta's `hub.verify_token`). `None` when the scheme has no handshake.
    ///
    /// ```
    /// use webhook_gate::sign::SignOptions;
    /// use webhook_gate::{Preset, Signer};
    ///
    /// let signer = Signer::new(Preset::Meta.scheme(), "app-secret")?;
    /// let request = signer
    ///     .handshake("1158201444", Some("my verify token"), &SignOptions::new())
    ///     .expect("Meta has a handshake");
    /// assert_eq!(request.method, "GET");
    /// assert_eq!(
    ///     request.query,
    ///     "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=my%20verify%20token"
    /// );
    /// # Ok::<(), webhook_gate::ConfigError>(())
    /// ```
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per kind of handshake: read as a table"
    )]
    pub fn handshake(
        &self,
        value: &str,
        verify_token: Option<&str>,
        options: &SignOptions,
    ) -> Option<ProviderRequest> {
        let quoted = |text: &str| serde_json::Value::from(text).to_string();
        let signed = |body: String, extra: &[(&str, &str)]| {
            let mut headers = self.sign(body.as_bytes(), options);
            for (name, value) in extra {
                headers.set(name, *value);
            }
            headers.set("Content-Type", "application/json");
            ProviderRequest {
                method: Cow::Borrowed("POST"),
                query: String::new(),
                headers,
                body: body.into_bytes(),
            }
        };
        let unsigned = |method: Cow<'static, str>,
                        query: String,
                        headers: Vec<(String, String)>,
                        body: Vec<u8>| {
            ProviderRequest {
                method,
                query,
                headers: SignedHeaders(headers),
                body,
            }
        };
        Some(match self.scheme.challenge.as_ref()? {
            Challenge::JsonEcho { type_value } => signed(
                format!(
                    r#"{{"type":{},"challenge":{}}}"#,
                    quoted(type_value),
                    quoted(value)
                ),
                &[],
            ),
            Challenge::DiscordPing => signed(
                format!(r#"{{"type":1,"id":{},"version":1}}"#, quoted(value)),
                &[],
            ),
            Challenge::SignedHeaderEcho {
                header,
                value: marker,
                field,
            } => signed(
                format!(
                    r#"{{{}:{},"subscription":{{"status":"webhook_callback_verification_pending"}}}}"#,
                    quoted(field),
                    quoted(value)
                ),
                &[(header, marker)],
            ),
            Challenge::ZoomUrlValidation => {
                let millis = options.timestamp.unwrap_or_else(|| SystemClock.now_unix()) * 1000;
                signed(
                    format!(
                        r#"{{"payload":{{"plainToken":{}}},"event_ts":{millis},"event":"endpoint.url_validation"}}"#,
                        quoted(value)
                    ),
                    &[],
                )
            }
            Challenge::QueryEcho {
                method,
                challenge_param,
                token_param,
                mode,
            } => {
                let mut query = String::new();
                let mut param = |name: &str, text: &str| {
                    query.push(if query.is_empty() { '?' } else { '&' });
                    query.push_str(&form_encode(name));
                    query.push('=');
                    query.push_str(&form_encode(text));
                };
                if let Some((name, required)) = mode {
                    param(name, required);
                }
                param(challenge_param, value);
                if let (Some(name), Some(token)) = (token_param, verify_token) {
                    param(name, token);
                }
                unsigned(
                    handshake_method(method.clone()),
                    query,
                    Vec::new(),
                    Vec::new(),
                )
            }
            Challenge::CrcToken { param } => unsigned(
                Cow::Borrowed("GET"),
                format!("?{}={}", form_encode(param), form_encode(value)),
                Vec::new(),
                Vec::new(),
            ),
            Challenge::HeaderEcho { method, header, .. } => unsigned(
                handshake_method(method.clone()),
                String::new(),
                vec![(header.to_string(), value.to_owned())],
                Vec::new(),
            ),
            Challenge::CaptureHeader { header } => unsigned(
                Cow::Borrowed("POST"),
                String::new(),
                vec![(header.to_string(), value.to_owned())],
                Vec::new(),
            ),
            Challenge::CaptureJsonField { field } => unsigned(
                Cow::Borrowed("POST"),
                String::new(),
                vec![("Content-Type".to_owned(), "application/json".to_owned())],
                format!("{{{}:{}}}", quoted(field), quoted(value)).into_bytes(),
            ),
            // `value` is the webhook's id: a number (anything else is no ping).
            Challenge::FormPing { field } => unsigned(
                Cow::Borrowed("POST"),
                String::new(),
                vec![(
                    "Content-Type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned(),
                )],
                format!("{}={}", form_encode(field), form_encode(value)).into_bytes(),
            ),
        })
    }
}

/// The value at a top-level field or a JSON Pointer.
fn lookup<'v>(value: &'v serde_json::Value, at: &BodyValue) -> Option<&'v serde_json::Value> {
    match at {
        BodyValue::Field(field) => value.get(field.as_ref()),
        BodyValue::Pointer(pointer) => value.pointer(pointer),
    }
}

/// Writes `text` at a top-level field or a JSON Pointer, making the objects on the
/// way; nothing when something other than an object is on the way.
fn set_value(value: &mut serde_json::Value, at: &BodyValue, text: String) {
    let tokens: Vec<String> = match at {
        BodyValue::Field(field) => vec![field.to_string()],
        // RFC 6901: `~1` is `/`, `~0` is `~`.
        BodyValue::Pointer(pointer) => pointer
            .split('/')
            .skip(1)
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect(),
    };
    let Some((last, path)) = tokens.split_last() else {
        return;
    };
    let mut here = value;
    for token in path {
        let Some(object) = here.as_object_mut() else {
            return;
        };
        here = object
            .entry(token.clone())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    }
    if let Some(object) = here.as_object_mut() {
        object.insert(last.clone(), serde_json::Value::String(text));
    }
}

/// `text` percent-encoded for a query (unreserved characters as they are).
fn form_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// The signature header's value in `format`, carrying `signatures`.
fn signature_header_value(
    format: &SignatureFormat,
    signatures: &[Vec<u8>],
    timestamp: &str,
) -> String {
    match format {
        SignatureFormat::Single { prefix, encoding } => {
            format!("{prefix}{}", signature::encode(&signatures[0], *encoding))
        }
        SignatureFormat::KeyValue {
            timestamp_key,
            signature_key,
            separator,
        } => {
            let separator = char::from(*separator);
            let mut value = format!("{timestamp_key}={timestamp}");
            for signature in signatures {
                let _ = write!(
                    value,
                    "{separator}{signature_key}={}",
                    signature::encode(signature, Encoding::Hex)
                );
            }
            value
        }
        SignatureFormat::VersionedList { version } => signatures
            .iter()
            .map(|signature| {
                format!(
                    "{version},{}",
                    signature::encode(signature, Encoding::Base64)
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        SignatureFormat::Token { prefix } => {
            format!("{prefix}{}", String::from_utf8_lossy(&signatures[0]))
        }
        SignatureFormat::BasicAuth => format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(&signatures[0])
        ),
        // Written by their own code (`embed_signature`, `sign_jwt`,
        // `embed_graph_tokens`).
        SignatureFormat::BodyToken { .. }
        | SignatureFormat::BodyField { .. }
        | SignatureFormat::Jwt { .. }
        | SignatureFormat::GraphValidationTokens { .. } => String::new(),
    }
}

/// The method a handshake is sent with, as the request line spells it: the one the
/// scheme expects, in upper case.
fn handshake_method(method: Cow<'static, str>) -> Cow<'static, str> {
    if method.bytes().any(|byte| byte.is_ascii_lowercase()) {
        Cow::Owned(method.to_ascii_uppercase())
    } else {
        method
    }
}

/// The path and query of `url` (`/` when it has none).
fn target_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or("/", |at| &after_scheme[at..])
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
