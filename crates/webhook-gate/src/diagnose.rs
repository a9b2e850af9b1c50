//! Explaining why a captured request does not verify, for tools and tests.
//!
//! [`diagnose`] verifies a request the way a [`Verifier`] does, says
//! which step failed, and tries the mistakes senders and receivers usually make (the
//! body re-serialized, a trailing newline, the secret's `whsec_` prefix or its base64
//! decoding, hex for base64, the signature prefix, milliseconds for seconds), each
//! reported as tried and matched or not.
//!
//! Schemes that sign with HMAC-SHA256 and nothing of the request line are tried
//! digest by digest, whatever the signature header looks like; every other scheme
//! (HMAC-SHA1 or -SHA512, public keys, JWTs, URL-bound schemes) by verifying each
//! variant of the request with a verifier of its own, whose window is wide open so
//! that a stale timestamp does not hide the rest. For URL-bound schemes
//! [`diagnose_request`] also tries the URL as a proxy changes it (`http` for
//! `https`, the default port, a trailing slash, the `Host` the receiver saw).
//!
//! It answers questions an attacker would like answered, so it belongs in command-line
//! tools and tests and never on the HTTP path: the adapters do not call it.

use std::fmt;

use base64::Engine as _;
use sha2::Digest as _;

use crate::content::{self, HeadValues};
use crate::crypto::{Finished, Key};
use crate::error::{ConfigError, VerifyError};
use crate::headers::{HeaderLookup, HeaderSource};
use crate::preset::Preset;
use crate::scheme::{Algorithm, Encoding, Scheme, SignatureFormat};
use crate::secret::{Secret, SecretEncoding};
use crate::signature::{self, Digest, MAX_SIGNATURE_HEADER_LEN};
use crate::verify::{FixedClock, RequestHead, Verifier};

/// The step of verification a request failed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Finding and parsing the signature header.
    SignatureHeader,
    /// Finding and parsing the timestamp.
    Timestamp,
    /// Checking the timestamp against the tolerance window.
    Window,
    /// Reading the other headers the scheme signs (the message id).
    SignedHeaders,
    /// Comparing the signatures with the digest of the signed content.
    Signature,
}

impl Step {
    fn of(error: &VerifyError) -> Self {
        match error {
            VerifyError::MissingSignature { .. } | VerifyError::MalformedSignature { .. } => {
                Self::SignatureHeader
            }
            VerifyError::RepeatedHeader { header } | VerifyError::MissingHeader { header }
                if header.to_ascii_lowercase().contains("timestamp") =>
            {
                Self::Timestamp
            }
            VerifyError::MalformedTimestamp => Self::Timestamp,
            VerifyError::TimestampTooOld { .. } | VerifyError::TimestampInFuture { .. } => {
                Self::Window
            }
            VerifyError::NoMatchingSignature => Self::Signature,
            _ => Self::SignedHeaders,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SignatureHeader => "signature header",
            Self::Timestamp => "timestamp",
            Self::Window => "tolerance window",
            Self::SignedHeaders => "signed headers",
            Self::Signature => "signature",
        })
    }
}

/// How a JSON body may have been re-serialized between signing and verifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reserialization {
    /// No whitespace: `{"a":1,"b":[1,2]}` (`JSON.stringify`, most providers).
    Compact,
    /// `, ` and `: ` separators on one line: `{"a": 1, "b": [1, 2]}` (Python's
    /// `json.dumps`).
    Spaced,
    /// Two-space indentation, one member per line (`JSON.stringify(v, null, 2)`).
    Indented,
    /// Compact with object keys sorted (a map that does not keep insertion order).
    SortedKeys,
    /// Every non-ASCII character in strings written as a `\uXXXX` escape (Python's
    /// and PHP's default), the layout unchanged.
    EscapedUnicode,
    /// `\uXXXX` escapes in strings written as the characters themselves, the layout
    /// unchanged.
    UnescapedUnicode,
}

impl Reserialization {
    /// Every way of re-serializing that [`diagnose`] tries.
    pub const ALL: [Self; 6] = [
        Self::Compact,
        Self::Spaced,
        Self::Indented,
        Self::SortedKeys,
        Self::EscapedUnicode,
        Self::UnescapedUnicode,
    ];

    fn describe(self) -> &'static str {
        match self {
            Self::Compact => "without whitespace",
            Self::Spaced => "with `, ` and `: ` separators",
            Self::Indented => "indented",
            Self::SortedKeys => "with its keys sorted",
            Self::EscapedUnicode => "with non-ASCII characters escaped as \\uXXXX",
            Self::UnescapedUnicode => "with \\uXXXX escapes decoded",
        }
    }
}

/// A usual mistake that [`diagnose`] tries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mistake {
    /// The signature covers the body re-serialized, not the raw bytes received.
    BodyReserialized(Reserialization),
    /// The signature covers the body with a trailing newline that the received body
    /// lacks.
    TrailingNewlineAdded,
    /// The signature covers the body without the trailing newline it was received with.
    TrailingNewlineRemoved,
    /// The signing key was the secret without its `whsec_` prefix.
    SecretWithoutPrefix,
    /// The signing key was the secret with a `whsec_` prefix.
    SecretWithPrefix,
    /// The signing key was the secret base64-decoded, where the scheme uses its text.
    SecretBase64Decoded,
    /// The signing key was the secret's text, where the scheme base64-decodes it.
    SecretNotBase64Decoded,
    /// The digest is written in base64 where the scheme expects hex.
    Base64InsteadOfHex,
    /// The digest is written in hex where the scheme expects base64.
    HexInsteadOfBase64,
    /// The signature lacks the prefix the scheme expects (`sha256=`).
    PrefixMissing {
        /// The prefix the scheme expects.
        expected: String,
    },
    /// The signature carries a prefix the scheme does not expect.
    PrefixUnexpected {
        /// The prefix the scheme expects (may be empty).
        expected: String,
        /// The prefix the signature carries.
        found: String,
    },
    /// The timestamp is in milliseconds where the scheme expects seconds.
    TimestampInMilliseconds,
    /// The URL was signed with the other of `http` and `https` than the one given
    /// (TLS ends at a proxy in front of the receiver).
    UrlSchemeSwapped,
    /// The URL was signed with its default port written out, or without it.
    UrlDefaultPort,
    /// The URL's path was signed with a trailing slash added or removed.
    UrlTrailingSlash,
    /// The URL was signed with the host of the request's `Host` header, not the
    /// public URL given (or the other way round).
    UrlHostHeader,
}

impl fmt::Display for Mistake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BodyReserialized(how) => {
                write!(
                    f,
                    "body re-serialized {} instead of the raw bytes",
                    how.describe()
                )
            }
            Self::TrailingNewlineAdded => f.write_str("body with a trailing newline added"),
            Self::TrailingNewlineRemoved => f.write_str("body with its trailing newline removed"),
            Self::SecretWithoutPrefix => f.write_str("secret used without its `whsec_` prefix"),
            Self::SecretWithPrefix => f.write_str("secret used with a `whsec_` prefix"),
            Self::SecretBase64Decoded => {
                f.write_str("secret base64-decoded where the scheme uses its text")
            }
            Self::SecretNotBase64Decoded => {
                f.write_str("secret used as text where the scheme base64-decodes it")
            }
            Self::Base64InsteadOfHex => {
                f.write_str("digest in base64 where the scheme expects hex")
            }
            Self::HexInsteadOfBase64 => {
                f.write_str("digest in hex where the scheme expects base64")
            }
            Self::PrefixMissing { expected } => {
                write!(f, "signature without its `{expected}` prefix")
            }
            Self::PrefixUnexpected { expected, found } if found.is_empty() => {
                write!(f, "signature with a prefix other than `{expected}`")
            }
            Self::PrefixUnexpected { expected, found } if expected.is_empty() => {
                write!(
                    f,
                    "signature with a `{found}` prefix the scheme does not use"
                )
            }
            Self::PrefixUnexpected { expected, found } => {
                write!(
                    f,
                    "signature with a `{found}` prefix instead of `{expected}`"
                )
            }
            Self::TimestampInMilliseconds => {
                f.write_str("timestamp in milliseconds instead of seconds")
            }
            Self::UrlSchemeSwapped => {
                f.write_str("URL signed with `http` and `https` the other way round")
            }
            Self::UrlDefaultPort => {
                f.write_str("URL signed with the default port written, or left out")
            }
            Self::UrlTrailingSlash => {
                f.write_str("URL path signed with a trailing slash added or removed")
            }
            Self::UrlHostHeader => {
                f.write_str("URL signed with the `Host` header's host instead of the public URL")
            }
        }
    }
}

/// What trying one [`Mistake`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// Tried: the mistake explains the signature (or the timestamp).
    Matched,
    /// Tried: the mistake does not explain it.
    NoMatch,
    /// Not tried, for the reason given.
    NotTried(&'static str),
}

/// One mistake and what trying it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The mistake.
    pub mistake: Mistake,
    /// What trying it found.
    pub finding: Finding,
}

/// The report of [`diagnose`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Diagnosis {
    /// What the verifier says: `Ok` when the request verifies.
    pub result: Result<(), VerifyError>,
    /// The step that failed, if one did.
    pub failed_step: Option<Step>,
    /// Seconds between the request's timestamp and now, positive when the timestamp
    /// is in the past (after the milliseconds correction when that matched).
    pub clock_skew: Option<i64>,
    /// The usual mistakes, each tried or not.
    pub checks: Vec<Check>,
    /// Presets whose signature header the request carries, when the scheme's own is
    /// absent: the request was probably signed by another provider.
    pub other_schemes: Vec<&'static str>,
}

impl Diagnosis {
    /// The mistakes that matched.
    pub fn matched(&self) -> impl Iterator<Item = &Mistake> {
        self.checks
            .iter()
            .filter(|check| check.finding == Finding::Matched)
            .map(|check| &check.mistake)
    }
}

/// Verifies a captured request and explains a failure.
///
/// `secret` is the secret as the provider hands it out (the scheme's
/// [`SecretEncoding`] turns it into the key, as for a verifier); `now` is the unix time
/// to judge the timestamp by; `tolerance` the window in seconds.
///
/// Fails, as building a [`Verifier`] would, when the secret cannot make a key for the
/// scheme (empty, or not base64 where the scheme decodes it).
///
/// Never use this to answer HTTP requests: its report tells a forger what is wrong.
///
/// ```
/// use webhook_gate::{Scheme, Secret, Signer};
/// use webhook_gate::diagnose::{Mistake, diagnose};
/// use webhook_gate::sign::SignOptions;
///
/// let signer = Signer::new(Scheme::github(), "It's a Secret to Everybody")?;
/// let headers = signer.sign(b"{\"a\":1}", &SignOptions::new().id("1"));
/// // The receiver pretty-printed the JSON before verifying it.
/// let received = b"{\n  \"a\": 1\n}";
/// let diagnosis = diagnose(
///     &Scheme::github(),
///     &Secret::from("It's a Secret to Everybody"),
///     &headers,
///     received,
///     0,
///     300,
/// )?;
/// assert!(diagnosis.result.is_err());
/// assert!(diagnosis.matched().any(|m| matches!(m, Mistake::BodyReserialized(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diagnose<H: HeaderSource + ?Sized>(
    scheme: &Scheme,
    secret: &Secret,
    headers: &H,
    body: &[u8],
    now: i64,
    tolerance: u64,
) -> Result<Diagnosis, ConfigError> {
    diagnose_request(
        scheme,
        secret,
        &RequestHead::new("POST", "/", headers),
        None,
        body,
        now,
        tolerance,
    )
}

/// [`diagnose`] with the request line, for every scheme: `public_url` is the base
/// URL the provider called (`https://api.example.com`), as
/// [`VerifierBuilder::public_url`](crate::verify::VerifierBuilder::public_url)
/// takes it; without it a URL-bound scheme reads the request's `Host`.
///
/// ```
/// use webhook_gate::diagnose::{Mistake, diagnose_request};
/// use webhook_gate::sign::SignOptions;
/// use webhook_gate::verify::RequestHead;
/// use webhook_gate::{Preset, Secret, Signer};
///
/// // Twilio signed the URL it called, over HTTPS.
/// let body = b"CallSid=CA1&From=%2B14158675310";
/// let signer = Signer::new(Preset::Twilio.scheme(), "12345")?;
/// let headers = signer.sign(
///     body,
///     &SignOptions::new().url("https://api.example.com/webhooks/twilio"),
/// );
/// // The receiver, behind a proxy that ends TLS, rebuilt it with `http`.
/// let diagnosis = diagnose_request(
///     &Preset::Twilio.scheme(),
///     &Secret::from("12345"),
///     &RequestHead::new("POST", "/webhooks/twilio", &headers),
///     Some("http://api.example.com"),
///     body,
///     0,
///     300,
/// )?;
/// assert!(diagnosis.result.is_err());
/// assert!(diagnosis.matched().any(|m| *m == Mistake::UrlSchemeSwapped));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diagnose_request<H: HeaderSource + ?Sized>(
    scheme: &Scheme,
    secret: &Secret,
    head: &RequestHead<'_, H>,
    public_url: Option<&str>,
    body: &[u8],
    now: i64,
    tolerance: u64,
) -> Result<Diagnosis, ConfigError> {
    let headers = head.headers;
    let tolerance = tolerance.min(i64::MAX.unsigned_abs());
    let result = probe_verifier(scheme, secret, public_url, now, tolerance)?
        .verify_request(head, body)
        .map(|_| ());
    let failed_step = result.as_ref().err().map(Step::of);

    let lookup = |scheme: &Scheme| {
        scheme
            .signature_header
            .as_ref()
            .map(|name| name.lookup.clone())
    };
    let own = lookup(scheme);
    // Under its name or its alias (`svix-signature`), as the verifier reads it.
    let signature_value = match scheme
        .signature_header
        .as_ref()
        .map(|name| name.find_in(headers))
    {
        Some(HeaderLookup::Single(value)) if value.len() <= MAX_SIGNATURE_HEADER_LEN => {
            std::str::from_utf8(value).ok()
        }
        _ => None,
    };
    let other_schemes = if signature_value.is_none() {
        Preset::ALL
            .iter()
            .filter(|preset| {
                let other = lookup(&preset.scheme());
                other != own
                    && other
                        .as_deref()
                        .is_some_and(|name| headers.lookup(name) != HeaderLookup::Absent)
            })
            .map(|preset| preset.name())
            .collect()
    } else {
        Vec::new()
    };
    let timestamp = timestamp_text(scheme, headers, signature_value);
    let id = match &scheme.id_header {
        Some(name) if scheme.signed_content.signs_id() => match name.find_in(headers) {
            HeaderLookup::Single(value) => std::str::from_utf8(value).ok(),
            _ => None,
        },
        _ => None,
    };
    let trial = Trial {
        scheme,
        found: signature_value.map(lenient_digests).unwrap_or_default(),
        signature_present: signature_value.is_some(),
        timestamp,
        id,
        key: scheme.secret_encoding().key(secret).ok(),
        body,
    };

    let mut checks = Vec::new();
    if by_digest(scheme) {
        trial.body_checks(&mut checks);
        trial.secret_checks(secret, &mut checks);
        trial.format_checks(&mut checks);
    } else {
        let probe = Probe {
            scheme,
            secret,
            head,
            public_url,
            signature_value,
            body,
            now,
        };
        probe.body_checks(&mut checks);
        probe.secret_checks(&mut checks);
        probe.format_checks(&mut checks);
        probe.url_checks(&mut checks);
        // Where the signature covers only part of the body (Mailgun) or none of it
        // (Graph's tokens), its variants verify as the request does: they explain
        // nothing when the request itself passes, or fails only the window.
        if probe.verifies(&Change::default()) == Some(true) {
            let reason = if result.is_ok() {
                "the request verifies"
            } else {
                "the signature matches: only the timestamp's window refuses the request"
            };
            for check in &mut checks {
                check.finding = Finding::NotTried(reason);
            }
        }
    }
    let (finding, clock_skew) = check_milliseconds(timestamp, now, tolerance);
    checks.push(Check {
        mistake: Mistake::TimestampInMilliseconds,
        finding,
    });

    Ok(Diagnosis {
        result,
        failed_step,
        clock_skew,
        checks,
        other_schemes,
    })
}

/// A verifier for the diagnosis: the scheme's own checks, at `now`, within
/// `tolerance` seconds.
fn probe_verifier(
    scheme: &Scheme,
    secret: &Secret,
    public_url: Option<&str>,
    now: i64,
    tolerance: u64,
) -> Result<Verifier, ConfigError> {
    let mut builder = Verifier::builder(scheme.clone())
        .secret(secret.clone())
        .tolerance(std::time::Duration::from_secs(tolerance))
        .clock(FixedClock(now));
    if let Some(url) = public_url {
        builder = builder.public_url(url);
    }
    builder.build()
}

/// Whether `scheme`'s signatures can be tried digest by digest: HMAC-SHA256 in a
/// header, over nothing of the request line.
fn by_digest(scheme: &Scheme) -> bool {
    scheme.algorithm == Algorithm::HmacSha256
        && scheme.signature_header.is_some()
        && !scheme.signed_content.signs_url()
        && !scheme
            .signed_content
            .as_parts()
            .contains(&crate::scheme::Part::Method)
}

/// A window wide enough that no timestamp falls outside it (a century): the
/// variants are judged on their signatures, the window on its own.
const OPEN_WINDOW: u64 = 100 * 366 * 24 * 3600;

/// The checks of schemes tried by verifying each variant of the request.
struct Probe<'a, H: ?Sized> {
    scheme: &'a Scheme,
    secret: &'a Secret,
    head: &'a RequestHead<'a, H>,
    public_url: Option<&'a str>,
    signature_value: Option<&'a str>,
    body: &'a [u8],
    now: i64,
}

impl<H: HeaderSource + ?Sized> Probe<'_, H> {
    /// Whether the request with the changes given verifies (`None`: the changed
    /// secret or URL makes no verifier).
    fn verifies(&self, change: &Change<'_>) -> Option<bool> {
        let mut scheme = self.scheme.clone();
        let secret = match change.raw_key {
            Some(key) => {
                scheme.secret_encoding = SecretEncoding::Raw;
                Secret::from_bytes(key)
            }
            None => self.secret.clone(),
        };
        let public_url = change.public_url.or(self.public_url);
        let verifier = probe_verifier(&scheme, &secret, public_url, self.now, OPEN_WINDOW).ok()?;
        let headers = Overlay {
            headers: self.head.headers,
            name: self
                .scheme
                .signature_header
                .as_ref()
                .map(|name| &*name.lookup),
            value: change.signature,
        };
        let head = RequestHead::new(
            self.head.method,
            change.target.unwrap_or(self.head.target),
            &headers,
        );
        Some(
            verifier
                .verify_request(&head, change.body.unwrap_or(self.body))
                .is_ok(),
        )
    }

    fn judge(&self, change: &Change<'_>) -> Finding {
        match self.verifies(change) {
            Some(true) => Finding::Matched,
            Some(false) => Finding::NoMatch,
            None => Finding::NotTried("the change makes no verifier"),
        }
    }

    fn body_checks(&self, checks: &mut Vec<Check>) {
        body_checks(self.body, checks, |variant| {
            self.judge(&Change::body(variant))
        });
    }

    fn secret_checks(&self, checks: &mut Vec<Check>) {
        let mistakes = [
            Mistake::SecretWithoutPrefix,
            Mistake::SecretWithPrefix,
            Mistake::SecretBase64Decoded,
            Mistake::SecretNotBase64Decoded,
        ];
        if !self.scheme.algorithm.is_symmetric() {
            for mistake in mistakes {
                checks.push(Check {
                    mistake,
                    finding: Finding::NotTried("a public key has no variants to try"),
                });
            }
            return;
        }
        let text = self.secret.expose();
        let stripped = text.strip_prefix(b"whsec_");
        let raw = self.scheme.secret_encoding() == SecretEncoding::Raw;
        let with_key = |key: Option<&[u8]>, reason: &'static str| match key {
            _ if !raw => Finding::NotTried(
                "the scheme strips the `whsec_` prefix and base64-decodes the secret itself",
            ),
            Some(key) => self.judge(&Change::raw_key(key)),
            None => Finding::NotTried(reason),
        };
        let prefixed = [b"whsec_", text].concat();
        let decoded = base64_key(stripped.unwrap_or(text));
        let findings = [
            with_key(stripped, "the secret has no `whsec_` prefix"),
            with_key(
                Some(&prefixed[..]).filter(|_| stripped.is_none()),
                "the secret has its `whsec_` prefix",
            ),
            with_key(decoded.as_deref(), "the secret is not base64"),
            if raw {
                Finding::NotTried("the scheme uses the secret's text")
            } else {
                let any = [text, stripped.unwrap_or(text)]
                    .iter()
                    .filter_map(|key| self.verifies(&Change::raw_key(key)))
                    .fold(None, |any, one| Some(any.unwrap_or(false) || one));
                match any {
                    Some(true) => Finding::Matched,
                    Some(false) => Finding::NoMatch,
                    None => Finding::NotTried("the change makes no verifier"),
                }
            },
        ];
        for (mistake, finding) in mistakes.into_iter().zip(findings) {
            checks.push(Check { mistake, finding });
        }
    }

    fn format_checks(&self, checks: &mut Vec<Check>) {
        let (prefix, encoding) = match self.scheme.format() {
            SignatureFormat::Single { prefix, encoding } => (&**prefix, Some(*encoding)),
            _ => ("", None),
        };
        let value = self.signature_value;
        // What follows the scheme's prefix, or the whole value.
        let rest = value.map(|value| {
            value
                .get(..prefix.len())
                .filter(|head| head.eq_ignore_ascii_case(prefix))
                .map_or(value, |_| &value[prefix.len()..])
        });
        for (mistake, expects, written) in [
            (Mistake::Base64InsteadOfHex, Encoding::Hex, Encoding::Base64),
            (Mistake::HexInsteadOfBase64, Encoding::Base64, Encoding::Hex),
        ] {
            let finding = match rest {
                _ if encoding != Some(expects) => {
                    Finding::NotTried("the scheme does not use this encoding")
                }
                None => Finding::NotTried("no readable signature header"),
                Some(rest) => match signature::decode(rest.as_bytes(), written, None) {
                    None => Finding::NoMatch,
                    Some(bytes) => {
                        let rewritten =
                            format!("{prefix}{}", signature::encode(bytes.as_slice(), expects));
                        self.judge(&Change::signature(&rewritten))
                    }
                },
            };
            checks.push(Check { mistake, finding });
        }
        if encoding.is_none() {
            return;
        }
        if !prefix.is_empty() {
            let finding = match value {
                None => Finding::NotTried("no readable signature header"),
                Some(value) => self.judge(&Change::signature(&format!("{prefix}{value}"))),
            };
            checks.push(Check {
                mistake: Mistake::PrefixMissing {
                    expected: prefix.to_owned(),
                },
                finding,
            });
        }
        // `key=digest`; base64's own `=` only pads its end.
        let other = value.and_then(|value| match value.find('=') {
            Some(at) if !value[at..].bytes().all(|b| b == b'=') => {
                let (found, text) = value.split_at(at + 1);
                (!found.eq_ignore_ascii_case(prefix)).then_some((found, text))
            }
            _ => None,
        });
        checks.push(Check {
            mistake: Mistake::PrefixUnexpected {
                expected: prefix.to_owned(),
                found: other.map(|(found, _)| found.to_owned()).unwrap_or_default(),
            },
            finding: match other {
                None => Finding::NotTried("the signature carries no other prefix"),
                Some((_, text)) => self.judge(&Change::signature(&format!("{prefix}{text}"))),
            },
        });
    }

    fn url_checks(&self, checks: &mut Vec<Check>) {
        let parts = self.scheme.signed_content.as_parts();
        let full_url = parts.contains(&crate::scheme::Part::Url);
        if !self.scheme.signed_content.signs_url() {
            return;
        }
        let host = match self.head.headers.lookup("host") {
            HeaderLookup::Single(value) => std::str::from_utf8(value).ok(),
            _ => None,
        };
        // The base URL the verifier reads: the one given, or the `Host`'s.
        let given = self
            .public_url
            .map(str::to_owned)
            .or_else(|| host.map(|host| format!("https://{host}")));
        let not_full = || Finding::NotTried("the scheme signs the path, not the whole URL");
        let no_base = || Finding::NotTried("no URL: give the URL the provider called");
        let scheme_swapped = match &given {
            _ if !full_url => not_full(),
            None => no_base(),
            Some(base) => match swap_scheme(base) {
                Some(other) => self.judge(&Change::public_url(&other)),
                None => Finding::NotTried("the URL is neither http nor https"),
            },
        };
        let default_port = match &given {
            _ if !full_url => not_full(),
            None => no_base(),
            Some(base) => match toggle_default_port(base) {
                Some(other) => self.judge(&Change::public_url(&other)),
                None => Finding::NotTried("the URL has a port of its own"),
            },
        };
        let (path, query) = self
            .head
            .target
            .split_once('?')
            .map_or((self.head.target, None), |(path, query)| {
                (path, Some(query))
            });
        let other_path = match path.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() => trimmed.to_owned(),
            Some(_) => path.to_owned(),
            None => format!("{path}/"),
        };
        let other_target = match query {
            Some(query) => format!("{other_path}?{query}"),
            None => other_path.clone(),
        };
        let trailing_slash = if other_path == path {
            Finding::NotTried("the path is `/`")
        } else {
            self.judge(&Change::target(&other_target))
        };
        let host_header = match (self.public_url, host) {
            _ if !full_url => not_full(),
            (None, _) => Finding::NotTried("no public URL given: the `Host` header is the URL"),
            (Some(_), None) => Finding::NotTried("the request has no `Host` header"),
            (Some(base), Some(host)) => {
                let scheme = base.split_once("://").map_or("https", |(scheme, _)| scheme);
                self.judge(&Change::public_url(&format!("{scheme}://{host}")))
            }
        };
        for (mistake, finding) in [
            (Mistake::UrlSchemeSwapped, scheme_swapped),
            (Mistake::UrlDefaultPort, default_port),
            (Mistake::UrlTrailingSlash, trailing_slash),
            (Mistake::UrlHostHeader, host_header),
        ] {
            checks.push(Check { mistake, finding });
        }
    }
}

/// `https://host` as `http://host` and the other way round.
fn swap_scheme(base: &str) -> Option<String> {
    if let Some(rest) = base.strip_prefix("https://") {
        Some(format!("http://{rest}"))
    } else {
        base.strip_prefix("http://")
            .map(|rest| format!("https://{rest}"))
    }
}

/// The base URL with its scheme's default port written out, or without it;
/// `None` when it has another port.
fn toggle_default_port(base: &str) -> Option<String> {
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let port = if scheme.eq_ignore_ascii_case("http") {
        ":80"
    } else {
        ":443"
    };
    if let Some(host) = authority.strip_suffix(port) {
        return Some(format!("{scheme}://{host}{path}"));
    }
    // A port of its own (not an IPv6 address's last group): nothing to toggle.
    let after_host = authority
        .rsplit_once(']')
        .map_or(authority, |(_, after)| after);
    if after_host.contains(':') {
        return None;
    }
    Some(format!("{scheme}://{authority}{port}{path}"))
}

/// One variant of the request: what differs from the captured one.
#[derive(Default)]
struct Change<'c> {
    body: Option<&'c [u8]>,
    /// The key as bytes, used as they are.
    raw_key: Option<&'c [u8]>,
    /// The signature header's value.
    signature: Option<&'c str>,
    public_url: Option<&'c str>,
    target: Option<&'c str>,
}

impl<'c> Change<'c> {
    fn body(body: &'c [u8]) -> Self {
        Self {
            body: Some(body),
            ..Self::default()
        }
    }

    fn raw_key(key: &'c [u8]) -> Self {
        Self {
            raw_key: Some(key),
            ..Self::default()
        }
    }

    fn signature(value: &'c str) -> Self {
        Self {
            signature: Some(value),
            ..Self::default()
        }
    }

    fn public_url(base: &'c str) -> Self {
        Self {
            public_url: Some(base),
            ..Self::default()
        }
    }

    fn target(target: &'c str) -> Self {
        Self {
            target: Some(target),
            ..Self::default()
        }
    }
}

/// The captured headers with the signature header's value replaced.
struct Overlay<'a, H: ?Sized> {
    headers: &'a H,
    /// The signature header's lowercase name.
    name: Option<&'a str>,
    value: Option<&'a str>,
}

impl<H: HeaderSource + ?Sized> HeaderSource for Overlay<'_, H> {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        match (self.name, self.value) {
            (Some(own), Some(value)) if own == name => HeaderLookup::Single(value.as_bytes()),
            _ => self.headers.lookup(name),
        }
    }
}

/// What the checks of one request share.
struct Trial<'a> {
    scheme: &'a Scheme,
    found: Vec<Found>,
    signature_present: bool,
    timestamp: Option<&'a str>,
    id: Option<&'a str>,
    key: Option<Secret>,
    body: &'a [u8],
}

impl Trial<'_> {
    /// Why nothing about the signature can be tried, if so.
    fn missing_input(&self) -> Option<&'static str> {
        let content = &self.scheme.signed_content;
        if self.scheme.algorithm != crate::scheme::Algorithm::HmacSha256 {
            Some("the diagnosis tries HMAC-SHA256 schemes only")
        } else if !self.signature_present {
            Some("no readable signature header")
        } else if self.found.is_empty() {
            Some("no digest found in the signature header")
        } else if content.signs_timestamp() && self.timestamp.is_none() {
            Some("no timestamp to sign")
        } else if content.signs_id() && self.id.is_none() {
            Some("no message id to sign")
        } else {
            None
        }
    }

    /// The finding of a check that `matched` (`None`: it does not apply).
    fn judge(&self, matched: Option<bool>) -> Finding {
        match (self.missing_input(), matched) {
            (Some(reason), _) => Finding::NotTried(reason),
            (None, None) => Finding::NotTried("the secret does not make a key for this scheme"),
            (None, Some(true)) => Finding::Matched,
            (None, Some(false)) => Finding::NoMatch,
        }
    }

    fn digest(&self, key: &[u8], body: &[u8]) -> Digest {
        digest(self.scheme, key, self.timestamp, self.id, body)
    }

    /// Whether a digest in the header is the HMAC of `body` under `key`.
    fn signs(&self, key: &[u8], body: &[u8]) -> bool {
        let expected = self.digest(key, body);
        self.found.iter().any(|found| found.digest == expected)
    }

    /// Whether the right digest is in the header written as `written` says
    /// (`None` without a key).
    fn right_digest_written(&self, written: impl Fn(&Found) -> bool) -> Option<bool> {
        let expected = self.digest(self.key.as_ref()?.expose(), self.body);
        Some(
            self.found
                .iter()
                .any(|found| found.digest == expected && written(found)),
        )
    }

    fn with_key(&self, body: &[u8]) -> Finding {
        self.judge(self.key.as_ref().map(|key| self.signs(key.expose(), body)))
    }

    fn body_checks(&self, checks: &mut Vec<Check>) {
        body_checks(self.body, checks, |variant| self.with_key(variant));
    }

    fn secret_checks(&self, secret: &Secret, checks: &mut Vec<Check>) {
        let text = secret.expose();
        let stripped = text.strip_prefix(b"whsec_");
        let raw = self.scheme.secret_encoding() == SecretEncoding::Raw;
        let with_variant = |variant: Option<&[u8]>, reason: &'static str| match variant {
            _ if !raw => Finding::NotTried(
                "the scheme strips the `whsec_` prefix and base64-decodes the secret itself",
            ),
            Some(variant) => self.judge(Some(self.signs(variant, self.body))),
            None => Finding::NotTried(reason),
        };
        checks.push(Check {
            mistake: Mistake::SecretWithoutPrefix,
            finding: with_variant(stripped, "the secret has no `whsec_` prefix"),
        });
        let prefixed = [b"whsec_", text].concat();
        checks.push(Check {
            mistake: Mistake::SecretWithPrefix,
            finding: with_variant(
                Some(&prefixed[..]).filter(|_| stripped.is_none()),
                "the secret has its `whsec_` prefix",
            ),
        });
        let decoded = base64_key(stripped.unwrap_or(text));
        checks.push(Check {
            mistake: Mistake::SecretBase64Decoded,
            finding: with_variant(decoded.as_deref(), "the secret is not base64"),
        });
        let undecoded = [text, stripped.unwrap_or(text)];
        checks.push(Check {
            mistake: Mistake::SecretNotBase64Decoded,
            finding: if raw {
                Finding::NotTried("the scheme uses the secret's text")
            } else {
                self.judge(Some(
                    undecoded
                        .iter()
                        .any(|variant| self.signs(variant, self.body)),
                ))
            },
        });
    }

    fn format_checks(&self, checks: &mut Vec<Check>) {
        let scheme_encoding = match self.scheme.format() {
            SignatureFormat::Single { encoding, .. } => Some(*encoding),
            SignatureFormat::KeyValue { .. } => Some(Encoding::Hex),
            _ => None,
        };
        for (mistake, expects, written) in [
            (Mistake::Base64InsteadOfHex, Encoding::Hex, Encoding::Base64),
            (Mistake::HexInsteadOfBase64, Encoding::Base64, Encoding::Hex),
        ] {
            checks.push(Check {
                mistake,
                finding: if scheme_encoding == Some(expects) {
                    self.judge(self.right_digest_written(|found| found.encoding == written))
                } else {
                    Finding::NotTried("the scheme does not use this encoding")
                },
            });
        }
        let SignatureFormat::Single { prefix, .. } = self.scheme.format() else {
            return;
        };
        let other_prefix =
            |found: &Found| !found.prefix.is_empty() && !found.prefix.eq_ignore_ascii_case(prefix);
        if !prefix.is_empty() {
            checks.push(Check {
                mistake: Mistake::PrefixMissing {
                    expected: prefix.to_string(),
                },
                finding: self.judge(self.right_digest_written(|found| found.prefix.is_empty())),
            });
        }
        let other = self.found.iter().find(|found| other_prefix(found));
        checks.push(Check {
            mistake: Mistake::PrefixUnexpected {
                expected: prefix.to_string(),
                found: other.map(|found| found.prefix.clone()).unwrap_or_default(),
            },
            finding: if other.is_some() {
                self.judge(self.right_digest_written(other_prefix))
            } else {
                Finding::NotTried("the signature carries no other prefix")
            },
        });
    }
}

/// The body's usual variants (re-serialized, a trailing newline added or removed),
/// each judged by `judge`.
fn body_checks(body: &[u8], checks: &mut Vec<Check>, judge: impl Fn(&[u8]) -> Finding) {
    let json = serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    let mut tried: Vec<Vec<u8>> = Vec::new();
    for how in Reserialization::ALL {
        let finding = match json.then(|| reserialize(body, how)).flatten() {
            None => Finding::NotTried("the body is not JSON"),
            Some(variant) if variant == body => {
                Finding::NotTried("the body is already written this way")
            }
            // Keys already sorted, say: one form, reported once.
            Some(variant) if tried.contains(&variant) => {
                Finding::NotTried("the same bytes as a form above")
            }
            Some(variant) => {
                let finding = judge(&variant);
                tried.push(variant);
                finding
            }
        };
        checks.push(Check {
            mistake: Mistake::BodyReserialized(how),
            finding,
        });
    }
    checks.push(Check {
        mistake: Mistake::TrailingNewlineAdded,
        finding: judge(&[body, b"\n"].concat()),
    });
    let without_newline = body
        .strip_suffix(b"\r\n")
        .or_else(|| body.strip_suffix(b"\n"));
    checks.push(Check {
        mistake: Mistake::TrailingNewlineRemoved,
        finding: match without_newline {
            None => Finding::NotTried("the body does not end with a newline"),
            Some(trimmed) => judge(trimmed),
        },
    });
}

/// A digest found in a signature header, however it was written.
#[derive(Debug)]
struct Found {
    digest: Digest,
    encoding: Encoding,
    /// The text before the digest in its item (`sha256=`, `v1=`), or empty.
    prefix: String,
}

/// Every 32-byte digest written in hex or base64 in `value`, whatever separates them.
fn lenient_digests(value: &str) -> Vec<Found> {
    let mut found = Vec::new();
    for item in value
        .split([',', ' ', '\t', ';'])
        .filter(|item| !item.is_empty())
    {
        // `key=digest`; base64's own `=` only pads its end.
        let (prefix, text) = match item.find('=') {
            Some(at) if !item[at..].bytes().all(|b| b == b'=') => item.split_at(at + 1),
            _ => ("", item),
        };
        if let Some(digest) = signature::decode_digest(text.as_bytes(), Encoding::Hex) {
            found.push(Found {
                digest,
                encoding: Encoding::Hex,
                prefix: prefix.to_owned(),
            });
        } else if let Some(digest) = base64_digest(text) {
            found.push(Found {
                digest,
                encoding: Encoding::Base64,
                prefix: prefix.to_owned(),
            });
        }
    }
    found
}

fn base64_digest(text: &str) -> Option<Digest> {
    let trimmed = text.trim_end_matches('=');
    let engines = [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines
        .into_iter()
        .find_map(|engine| engine.decode(trimmed).ok())
        .and_then(|bytes| Digest::try_from(bytes).ok())
}

fn base64_key(text: &[u8]) -> Option<Vec<u8>> {
    let end = text
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |last| last + 1);
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(&text[..end])
        .ok()
        .filter(|key| !key.is_empty())
}

fn timestamp_text<'h, H: HeaderSource + ?Sized>(
    scheme: &Scheme,
    headers: &'h H,
    signature_value: Option<&'h str>,
) -> Option<&'h str> {
    if let SignatureFormat::KeyValue { timestamp_key, .. } = scheme.format() {
        return signature_value?.split(',').find_map(|item| {
            let (key, value) = item.split_once('=')?;
            (key.trim() == timestamp_key).then(|| value.trim())
        });
    }
    let (name, _) = scheme.timestamp_header.as_ref()?;
    match name.find_in(headers) {
        HeaderLookup::Single(value) => std::str::from_utf8(value).ok().map(str::trim),
        _ => None,
    }
}

/// The milliseconds check and the clock skew.
fn check_milliseconds(timestamp: Option<&str>, now: i64, tolerance: u64) -> (Finding, Option<i64>) {
    let Some(text) = timestamp else {
        return (Finding::NotTried("the request carries no timestamp"), None);
    };
    let Some(seconds) = crate::time::parse_digits(text.as_bytes()) else {
        return (Finding::NotTried("the timestamp is not a number"), None);
    };
    let within = |timestamp: i64| now.abs_diff(timestamp) <= tolerance;
    if within(seconds) {
        (Finding::NoMatch, Some(now - seconds))
    } else if within(seconds / 1000) {
        (Finding::Matched, Some(now - seconds / 1000))
    } else {
        (Finding::NoMatch, Some(now.saturating_sub(seconds)))
    }
}

/// The HMAC-SHA256 of what `scheme` signs, with the verifier's own template code;
/// parts that need the request line (method, URL) make no digest (all zeros).
fn digest(
    scheme: &Scheme,
    key: &[u8],
    timestamp: Option<&str>,
    id: Option<&str>,
    body: &[u8],
) -> Digest {
    let mut running = Key::new(Algorithm::HmacSha256, &Secret::from_bytes(key))
        .expect("an HMAC takes any key")
        .start();
    let values = HeadValues {
        method: None,
        target: None,
        url: None,
        timestamp: timestamp.unwrap_or_default().as_bytes(),
        id: id.unwrap_or_default().as_bytes(),
        signing_input: &[],
    };
    let no_headers: &[(&str, &str)] = &[];
    let feed = |bytes: &[u8]| running.update(bytes);
    let Ok(split) = content::start(scheme, &values, no_headers, feed, false) else {
        return [0; 32];
    };
    let tail = match split.body {
        content::BodyPart::Stream => {
            running.update(body);
            Vec::new()
        }
        content::BodyPart::Sha256Hex(mut hash) => {
            hash.update(body);
            content::finish_body(content::BodyPart::Sha256Hex(hash), body).unwrap_or_default()
        }
        content::BodyPart::Crc32(mut checksum) => {
            checksum.update(body);
            content::finish_body(content::BodyPart::Crc32(checksum), body).unwrap_or_default()
        }
        other => content::finish_body(other, body).unwrap_or_default(),
    };
    running.update(&tail);
    running.update(&split.suffix);
    match running.finish() {
        Finished::Tag(tag) => tag.as_slice().try_into().unwrap_or([0; 32]),
        _ => [0; 32],
    }
}

/// `body` (valid JSON) written again as `how` says, or `None` when it cannot be.
///
/// Whitespace before and after the value is kept: a trailing newline is a mistake of
/// its own.
pub(crate) fn reserialize(body: &[u8], how: Reserialization) -> Option<Vec<u8>> {
    let whole = std::str::from_utf8(body).ok()?;
    let text = whole.trim_ascii();
    let start = whole.len() - whole.trim_ascii_start().len();
    let (before, after) = (&whole[..start], &whole[start + text.len()..]);
    let inner = reserialize_value(text, how)?;
    Some([before.as_bytes(), &inner, after.as_bytes()].concat())
}

fn reserialize_value(text: &str, how: Reserialization) -> Option<Vec<u8>> {
    match how {
        Reserialization::SortedKeys => {
            let value: serde_json::Value = serde_json::from_str(text).ok()?;
            let mut out = String::with_capacity(text.len());
            write_sorted(&value, &mut out);
            return Some(out.into_bytes());
        }
        Reserialization::EscapedUnicode | Reserialization::UnescapedUnicode => {
            return rewrite_strings(text, how == Reserialization::EscapedUnicode);
        }
        _ => {}
    }
    let (item_separator, key_separator, indent) = match how {
        Reserialization::Spaced => (", ", ": ", false),
        Reserialization::Indented => (",", ": ", true),
        _ => (",", ":", false),
    };
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut depth = 0usize;
    let mut chars = text.char_indices().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some((start, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '"' => out.push_str(&text[start..string_end(&mut chars, start)]),
            '{' | '[' => {
                out.push(c);
                let closes = if c == '{' { '}' } else { ']' };
                let empty = loop {
                    match chars.peek() {
                        Some((_, ' ' | '\t' | '\n' | '\r')) => {
                            chars.next();
                        }
                        Some(&(_, next)) => break next == closes,
                        None => break false,
                    }
                };
                depth += 1;
                if indent && !empty {
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if indent && !out.ends_with(['{', '[']) {
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                if indent {
                    out.push(',');
                    newline(&mut out, depth);
                } else {
                    out.push_str(item_separator);
                }
            }
            ':' => out.push_str(key_separator),
            _ => out.push(c),
        }
    }
    Some(out.into_bytes())
}

/// Consumes a JSON string's characters after its opening quote at `start`; returns
/// the offset just past its closing quote.
fn string_end(chars: &mut impl Iterator<Item = (usize, char)>, start: usize) -> usize {
    let mut end = start + 1;
    let mut escaped = false;
    for (at, c) in chars {
        end = at + c.len_utf8();
        match (escaped, c) {
            (false, '\\') => escaped = true,
            (false, '"') => break,
            _ => escaped = false,
        }
    }
    end
}

/// `text` (valid JSON) with its strings written again, escaping every non-ASCII
/// character (`escape`) or decoding every escape that JSON does not require.
fn rewrite_strings(text: &str, escape: bool) -> Option<Vec<u8>> {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut chars = text.char_indices();
    while let Some((start, c)) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        let token = &text[start..string_end(&mut chars, start)];
        let decoded: String = serde_json::from_str(token).ok()?;
        if escape {
            write_ascii_string(&decoded, &mut out);
        } else {
            out.push_str(&serde_json::to_string(&decoded).ok()?);
        }
    }
    Some(out.into_bytes())
}

fn write_sorted(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, value)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::from(key.as_str()).to_string());
                out.push(':');
                write_sorted(value, out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A JSON string with every non-ASCII character escaped, lowercase hex, as Python's
/// `json.dumps` and PHP's `json_encode` write it.
fn write_ascii_string(value: &str, out: &mut String) {
    use std::fmt::Write as _;
    let plain = serde_json::to_string(value).unwrap_or_default();
    for c in plain.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Svix capture (`svix-*` headers) whose body was re-serialized: the
    /// signature is found under its alias and the mistake named.
    #[test]
    fn svix_header_names_are_read_as_the_verifier_reads_them() {
        let headers = [
            ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("svix-timestamp", "1614265330"),
            (
                "svix-signature",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
        ];
        let diagnosis = diagnose(
            &Scheme::standard_webhooks(),
            &Secret::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            &headers[..],
            br#"{"test":2432232314}"#,
            1_614_265_330,
            300,
        )
        .unwrap();
        assert_eq!(diagnosis.failed_step, Some(Step::Signature));
        assert!(
            diagnosis
                .matched()
                .any(|mistake| matches!(mistake, Mistake::BodyReserialized(_))),
            "{:?}",
            diagnosis.checks
        );
    }

    /// The digests `--explain` tries are the signer's, for parts made from the body.
    #[test]
    fn digests_feed_the_body_to_its_hash_and_checksum() {
        use crate::scheme::{Part, SignedContent};
        use crate::sign::{SignOptions, Signer};
        let body = br#"{"event":"created"}"#;
        for part in [Part::Body, Part::BodySha256Hex, Part::BodyCrc32] {
            let scheme = Scheme::builder("digest")
                .signature_header("X-Signature")
                .format(SignatureFormat::prefixed("", Encoding::Hex))
                .signed_content(SignedContent::parts([Part::text("v1:"), part.clone()]))
                .build()
                .unwrap();
            let signed = Signer::new(scheme.clone(), "key")
                .unwrap()
                .sign(body, &SignOptions::new());
            let expected = signed.get("X-Signature").unwrap();
            let found = digest(&scheme, b"key", None, None, body);
            assert_eq!(
                signature::encode(&found, Encoding::Hex),
                expected,
                "{part:?}"
            );
        }
    }

    #[test]
    fn the_default_port_is_written_or_left_out_before_any_path() {
        assert_eq!(
            toggle_default_port("https://h.example.com").as_deref(),
            Some("https://h.example.com:443")
        );
        assert_eq!(
            toggle_default_port("https://h.example.com:443/prefix").as_deref(),
            Some("https://h.example.com/prefix")
        );
        assert_eq!(
            toggle_default_port("http://h.example.com/prefix").as_deref(),
            Some("http://h.example.com:80/prefix")
        );
        assert_eq!(
            toggle_default_port("https://[::1]").as_deref(),
            Some("https://[::1]:443")
        );
        assert_eq!(toggle_default_port("https://h.example.com:8443"), None);
    }

    fn again(body: &str, how: Reserialization) -> String {
        String::from_utf8(reserialize(body.as_bytes(), how).unwrap()).unwrap()
    }

    #[test]
    fn reserializations() {
        let body = r#"{ "b": [1, 2, {}], "a": {"x": "é\u00e9 \"q\""}, "c": [] }"#;
        assert_eq!(
            again(body, Reserialization::Compact),
            r#"{"b":[1,2,{}],"a":{"x":"é\u00e9 \"q\""},"c":[]}"#
        );
        assert_eq!(
            again(body, Reserialization::Spaced),
            r#"{"b": [1, 2, {}], "a": {"x": "é\u00e9 \"q\""}, "c": []}"#
        );
        assert_eq!(
            again(body, Reserialization::Indented),
            "{\n  \"b\": [\n    1,\n    2,\n    {}\n  ],\n  \"a\": {\n    \"x\": \"é\\u00e9 \\\"q\\\"\"\n  },\n  \"c\": []\n}"
        );
        assert_eq!(
            again(body, Reserialization::SortedKeys),
            r#"{"a":{"x":"éé \"q\""},"b":[1,2,{}],"c":[]}"#
        );
        assert_eq!(
            again(body, Reserialization::EscapedUnicode),
            r#"{ "b": [1, 2, {}], "a": {"x": "\u00e9\u00e9 \"q\""}, "c": [] }"#
        );
        assert_eq!(
            again(body, Reserialization::UnescapedUnicode),
            r#"{ "b": [1, 2, {}], "a": {"x": "éé \"q\""}, "c": [] }"#
        );
        assert_eq!(
            again(r#""😀""#, Reserialization::EscapedUnicode),
            r#""\ud83d\ude00""#
        );
        // Whitespace around the value stays: a trailing newline is its own mistake.
        assert_eq!(again(" [1, 2]\n", Reserialization::Compact), " [1,2]\n");
    }

    #[test]
    fn lenient_digests_find_every_encoding() {
        let hex = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        let b64 = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let found = lenient_digests(&format!("t=1,v1={hex},v1={b64} v1,{b64} sha256={hex}"));
        let shapes: Vec<_> = found
            .iter()
            .map(|found| (found.prefix.as_str(), found.encoding))
            .collect();
        assert_eq!(
            shapes,
            [
                ("v1=", Encoding::Hex),
                ("v1=", Encoding::Base64),
                ("", Encoding::Base64),
                ("sha256=", Encoding::Hex)
            ]
        );
    }
}
